"""Shared by the backup tests: a backup file changed after it was written, and sealed again."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter

from interop import backups


def rewrite(path, change):
    """Rewrite a backup's records through `change(records) -> records`, then seal it again as
    `backup` would (an attacker who can write the file can also recompute its checksum)."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        records = [json.loads(line) for line in stream if line.strip()]
    body = [r for r in records if "trailer" not in r]
    body = change(body)
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in body]
    counts = Counter(r["model"] for r in body)
    trailer = {
        "format": backups.FORMAT,
        "version": backups.VERSION,
        "counts": dict(counts),
        "sha256": hashlib.sha256("".join(lines).encode()).hexdigest(),
    }
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.writelines([*lines, json.dumps({"trailer": trailer}) + "\n"])
