"""Reading the translation catalogues without extra packages, to check they are complete.

The source strings (msgids) are English; French is the default language, so every msgid needs a
French msgstr. The English catalogue repeats each msgid as its msgstr (GNU gettext's `msgen`,
run by `make messages`), so both catalogues list every string explicitly.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: dict[str, str] = field(default_factory=dict)
    fuzzy: bool = False
    line: int = 0

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and not self.fuzzy


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file (the header entry, with an empty msgid, is left out)."""
    entries: list[Entry] = []
    current = Entry()
    key = None
    fuzzy = False

    def flush() -> None:
        nonlocal current
        if current.msgid:
            entries.append(current)
        current = Entry()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            key = None
            fuzzy = False
            continue
        if line.startswith("#,"):
            fuzzy = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match:
            key, value = match.group(1), ast.literal_eval(match.group(2))
            if key == "msgid" and (current.msgid or current.msgstr):
                flush()
            if key == "msgid":
                current.line, current.fuzzy = number, fuzzy
        elif line.startswith('"') and key:
            value = ast.literal_eval(line)
        else:
            continue
        if key == "msgid":
            current.msgid += value if not match else value
        elif key == "msgid_plural":
            current.msgid_plural += value
        elif key and key.startswith("msgstr"):
            index = key[7:-1] if "[" in key else "0"
            current.msgstr[index] = current.msgstr.get(index, "") + value
    flush()
    return entries
