"""The question before saving a project whose runs' weights make the file very large (the engine
decides when: engine.runs.weights.save_warning). Must not import any view.
"""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from .document import Document


def confirm_save_size(parent: QWidget | None, document: Document) -> bool:
    """True to go on saving: the file is of ordinary size, or the user says save it anyway."""
    if not any(run.weights is not None for run in document.runs):
        return True  # nothing to weigh (and no need for PyTorch, which a project without weights may not have loaded)
    from engine.runs import weights as run_weights  # imports torch: the runs' weights are tensors

    warning = run_weights.save_warning(document.project_parts())
    if warning is None:
        return True
    answer = QMessageBox.question(parent, "Save a large project?",
                                  f"{warning[:1].upper()}{warning[1:]}.\n\nSave it anyway? (Right-click a run in "
                                  "the Train view for the run weights' settings.)",
                                  QMessageBox.Save | QMessageBox.Cancel, QMessageBox.Save)
    return answer == QMessageBox.Save
