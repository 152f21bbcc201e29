"""Copy and paste of node fragments within the app: a fragment as JSON in a custom MIME type.

What a fragment is, how it is validated and how pasting renames ids is the engine's
(`engine.fragments`); this module only moves fragments in and out of QMimeData.
Must not mutate the document.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMimeData

from engine import fragments

NODES_MIME = "application/x-netwright-nodes"


def to_mime(frag: dict[str, Any]) -> QMimeData:
    mime = QMimeData()
    mime.setData(NODES_MIME, fragments.encode(frag))
    return mime


def from_mime(mime: QMimeData | None) -> dict[str, Any] | None:
    """The fragment on the clipboard, or None when it holds no valid Netwright layers."""
    if mime is None or not mime.hasFormat(NODES_MIME):
        return None
    return fragments.decode(bytes(mime.data(NODES_MIME)))
