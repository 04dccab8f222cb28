#!/usr/bin/env python3
"""The container's health check: healthy when the process inside answers ``/readyz`` with 200.

Whichever command the container runs, it serves ``/readyz`` on the ingress port
(``VERDICT_HTTP_PORT``, for ``run`` and ``ingress``) or on the worker's own port
(``VERDICT_WORKER_HTTP_PORT``, for ``worker``): try both, in that order. Ports given as
arguments replace them. Standard library only: it runs in the slim image without extra packages.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str]) -> int:
    ports = argv or [
        os.environ.get("VERDICT_HTTP_PORT", "8080"),
        os.environ.get("VERDICT_WORKER_HTTP_PORT", "8081"),
    ]
    return 0 if any(ready(int(port)) for port in ports) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
