"""Docker HEALTHCHECK for the Rappel image: GET /healthz on the local gunicorn, exit 0 on 200.

The slim image has no curl. Django answers 400 to a Host it does not know, so the request names
the first entry of ALLOWED_HOSTS, and says it came over HTTPS (as the proxy would) so that an
SSL redirect does not turn the check into a 301.
"""

from __future__ import annotations

import os
import sys
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


def probe_host(*, allowed_hosts: str) -> str:
    """A Host header Django accepts, from the ALLOWED_HOSTS setting's raw value."""
    for entry in allowed_hosts.split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    request = urllib.request.Request(
        URL,
        headers={
            "Host": probe_host(allowed_hosts=os.environ.get("ALLOWED_HOSTS", "")),
            "X-Forwarded-Proto": "https",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:  # connection refused, timeout, HTTP 4xx/5xx (HTTPError)
        print(f"healthcheck failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
