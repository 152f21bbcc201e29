"""The inspector's "Trainable" checkbox for a layer, a selection or a block.

Checked: training changes these weights; unchecked: they are frozen (engine.freezing). A mix
shows as partly checked, and a click then makes all of them trainable. A click is one
`Editor.freeze` (one undo step); `sync()` follows the flags after an undo, a redo or a
context-menu freeze. Must not mutate the document directly.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

TIP = ("Unchecked: the weights are frozen — training leaves them exactly as they are "
       "(no gradients, no optimizer state; BatchNorm keeps its running statistics)")


class TrainableBox(QCheckBox):
    def __init__(self, document, editor, node_ids, block: str | None = None) -> None:
        super().__init__("Trainable", objectName="trainable")
        self.document, self.editor = document, editor
        self.node_ids = list(node_ids)
        self.names = [block] if block else list(node_ids)  # a block freezes as a block (nested ones too)
        self.setToolTip(TIP)
        self.sync()
        self.clicked.connect(self._on_clicked)

    def sync(self) -> None:
        graph = self.document.graph
        ids = [n for n in self.node_ids if n in graph]
        if not ids:
            return
        frozen = sum(1 for n in ids if graph.node(n).frozen)
        state = Qt.Checked if not frozen else (Qt.Unchecked if frozen == len(ids) else Qt.PartiallyChecked)
        self.setTristate(state == Qt.PartiallyChecked)
        self.setCheckState(state)

    def _on_clicked(self) -> None:
        trainable = self.checkState() != Qt.Unchecked  # from "partly": the click makes all trainable
        self.setTristate(False)
        self.editor.freeze(self.names, frozen=not trainable)
