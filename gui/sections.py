"""`SetSection`: the undo command that replaces one optional file section of the document
(lint dismissals, a predict-then-reveal exercise). Its redo and undo each call
`Document.set_section` once. Typing into an answer box merges consecutive edits of the same
`merge_key` into one step, as SetParams does for spin boxes. Imports no view.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from .document import Document

_SECTION_ID = 1201


class SetSection(QUndoCommand):
    def __init__(self, document: Document, key: str, value: dict[str, Any] | None, text: str,
                 merge_key: str | None = None) -> None:
        super().__init__(text)
        self.document, self.key, self.merge_key = document, key, merge_key
        self.value = dict(value) if value else None
        self.old = document.sections.get(key)

    def id(self) -> int:
        return _SECTION_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetSection) or self.merge_key is None:
            return False
        if (other.key, other.merge_key) != (self.key, self.merge_key):
            return False
        self.value = other.value
        return True

    def redo(self) -> None:
        self.document.set_section(self.key, self.value)

    def undo(self) -> None:
        self.document.set_section(self.key, self.old)
