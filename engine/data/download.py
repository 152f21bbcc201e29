"""Fetching official dataset archives over HTTP, with byte-level progress and md5 checks.

Owns the network side of engine.data: `open_url` (the one seam tests replace) and
`fetch`, which writes beside the target and renames only a complete, verified file.
Never unpickles or executes anything. Must not import Qt, pyqtgraph or engine.training.
"""
from __future__ import annotations

import os
import urllib.request
from pathlib import Path
from typing import Any, Callable

from torchvision.datasets.utils import check_integrity

USER_AGENT = "netwright (+https://pytorch.org/vision) torchvision-compatible"
CHUNK_BYTES = 1 << 16
TIMEOUT_S = 30.0

ByteReport = Callable[[int, int | None], None]
"""report(bytes_done, bytes_total or None when the server does not say)."""


def open_url(url: str, timeout: float = TIMEOUT_S) -> Any:
    """Open `url` for streaming; raises URLError/OSError when offline."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - fixed https URLs


def fetch(url: str, dest: Path, md5: str | None, report: ByteReport | None = None) -> None:
    """Download `url` to `dest`; raises OSError on network failure or a bad checksum."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    try:
        with open_url(url) as response, open(partial, "wb") as out:
            _copy_stream(response, out, report)
        if md5 is not None and not check_integrity(partial, md5):
            raise OSError(f"{dest.name} from {url} is corrupt (md5 mismatch)")
        os.replace(partial, dest)
    finally:
        if partial.exists():
            partial.unlink()


def _copy_stream(response: Any, out: Any, report: ByteReport | None) -> None:
    length = response.headers.get("Content-Length") if getattr(response, "headers", None) else None
    total = int(length) if length and str(length).isdigit() else None
    done = 0
    while chunk := response.read(CHUNK_BYTES):
        out.write(chunk)
        done += len(chunk)
        if report is not None:
            report(done, total)


def archive_ok(path: Path, md5: str | None) -> bool:
    """True when `path` exists and (when an md5 is known) matches it."""
    return check_integrity(path, md5)
