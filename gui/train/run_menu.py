"""The runs list's context menu: what a learner can do with any run, not only the adopted one.

Right-click a run: use its weights (one undo step), continue it, re-run it with one change,
rename, star or unstar it (starred runs keep their weights whatever the cap), export the
network with its weights, delete it (after a question; Undo brings it back). The menu also
holds how runs keep weights (float16, how many runs) and keeps the panel's note on what the
runs' weights add to the file. Changes go through the document's undo stack
(gui.run_commands); continue, re-run, rename and delete are asked of the Train view through
the panel's own signals. Must not import the rest of the Train view.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QInputDialog, QMenu, QMessageBox, QWidget

from engine.runs import Run
from engine.runs import weights as run_weights

from ..background import publish, remove_staging, run_in_background, staging_folder
from ..document import Document
from ..jobs.coordinator import RunCoordinator
from ..run_commands import set_weight_settings, star_run, use_run
from .runs_panel import RunsPanel

NO_WEIGHTS = ("kept no weights: only the newest runs keep them (the project's limit, starred runs always), "
              "and a failed run has none")


class RunMenu(QObject):
    """The context menu of `panel`'s rows over `document`, and the panel's weights note."""

    def __init__(self, panel: RunsPanel, document: Document) -> None:
        super().__init__(panel)
        self.panel, self.document = panel, document
        panel.tree.setContextMenuPolicy(Qt.CustomContextMenu)
        panel.tree.customContextMenuRequested.connect(self._on_tree_menu_requested)
        document.runs_changed.connect(self.update_note)
        document.sections_changed.connect(self.update_note)
        document.weights_changed.connect(self.update_note)
        self.update_note()

    @property
    def settings(self) -> run_weights.WeightSettings:
        return run_weights.WeightSettings.of(self.document.sections)

    def update_note(self, *args) -> None:
        adopted = self.document.adopted_run
        note = run_weights.size_note(self.document.runs, adopted.id if adopted else None, self.settings)
        self.panel.set_weights_note(note)

    # -- the menu -----------------------------------------------------------------------------
    def _on_tree_menu_requested(self, pos: QPoint) -> None:
        item = self.panel.tree.itemAt(pos)
        run = self.document.run(item.data(0, Qt.UserRole)) if item is not None else None
        if run is None:
            return
        self.panel.select(run.id)
        self.menu_for(run).exec(self.panel.tree.viewport().mapToGlobal(pos))

    def menu_for(self, run: Run) -> QMenu:
        """The menu of `run`'s row (each action has an objectName the tests find it by)."""
        menu = QMenu(self.panel)
        running = RunCoordinator.of(self.document).running
        adopted = self.document.adopted_run
        is_adopted = adopted is not None and adopted.id == run.id
        kept = run.weights is not None
        self._add(menu, "use_run_weights", "Use this run's weights", lambda: self.use(run),
                  kept and not is_adopted, "the network holds them already" if is_adopted else NO_WEIGHTS)
        self._add(menu, "continue_run", "Continue training this run", lambda: self.continue_run(run),
                  kept and not running, "training is running" if running else NO_WEIGHTS)
        self._add(menu, "rerun_run", "Re-run with one change…",
                  lambda: self.panel.rerun_requested.emit(run.id))
        menu.addSeparator()
        self._add(menu, "rename_run", "Rename…", lambda: self.rename(run))
        self._add(menu, "star_run", "Unstar" if run.starred else "Star (always keep its weights)",
                  lambda: self.document.undo_stack.push(star_run(self.document, run.id, not run.starred)))
        self._add(menu, "export_run", "Export with this run's weights…", lambda: self.export(run), kept, NO_WEIGHTS)
        self._add(menu, "delete_run", "Delete…", lambda: self.delete(run))
        menu.addSeparator()
        self._settings_menu(menu)
        return menu

    def _add(self, menu: QMenu, name: str, text: str, slot, enabled: bool = True, why: str = "") -> QAction:
        action = menu.addAction(text)
        action.setObjectName(name)
        action.setEnabled(enabled)
        if not enabled and why:
            action.setToolTip(why)
            action.setText(f"{text} ({why.split(':')[0]})")
        action.triggered.connect(slot)
        return action

    def _settings_menu(self, menu: QMenu) -> None:
        settings = self.settings
        half = self._add(menu, "runs_float16", "Store runs' weights as float16 (half the size)",
                         lambda checked=False: self.set_float16(not settings.float16))
        half.setCheckable(True)
        half.setChecked(settings.float16)
        self._add(menu, "runs_keep", f"Runs that keep weights: {settings.keep}…", self.ask_keep)

    # -- what the actions do ------------------------------------------------------------------
    def use(self, run: Run) -> None:
        """Make `run`'s weights the project's: one undo step."""
        self.document.undo_stack.push(use_run(self.document, run))

    def continue_run(self, run: Run) -> None:
        adopted = self.document.adopted_run
        if adopted is None or adopted.id != run.id:
            self.use(run)  # its own undo step: continuing starts from these weights
        self.panel.continue_requested.emit()

    def rename(self, run: Run) -> None:
        name, ok = QInputDialog.getText(self.panel, "Rename run", "Name:", text=run.name)
        if ok and name.strip() and name.strip() != run.name:
            self.panel.rename_requested.emit(run.id, name.strip())

    def delete(self, run: Run) -> None:
        answer = QMessageBox.question(self.panel, "Delete run?",
                                      f"Delete “{run.name}” and the weights it kept? Edit ▸ Undo brings it back.",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer == QMessageBox.Yes:
            self.panel.delete_requested.emit([run.id])

    def set_float16(self, on: bool) -> None:
        new = run_weights.WeightSettings(self.settings.keep, on)
        self.document.undo_stack.push(set_weight_settings(self.document, new))

    def ask_keep(self) -> None:
        settings = self.settings
        keep, ok = QInputDialog.getInt(self.panel, "Runs that keep weights",
                                       "How many runs keep their weights (the oldest unstarred lose theirs "
                                       "first; starred runs and the adopted one always keep them):",
                                       settings.keep, 0, run_weights.MAX_KEEP)
        if ok and keep != settings.keep:
            new = run_weights.WeightSettings(keep, settings.float16)
            self.document.undo_stack.push(set_weight_settings(self.document, new))

    def export(self, run: Run) -> bool:
        """Export the network `run` trained with its weights, on a worker thread (as File ▸ Export)."""
        from ..import_export import ExportDialog

        start = str(Path(self.document.path).parent) if self.document.path else str(Path.home())
        dialog = ExportDialog(run.name, True, start, self.panel)
        if dialog.exec() != QDialog.Accepted:
            return False
        fmt, path = dialog.choice()
        return export_run_files(self.panel, run, fmt, Path(path), self.document.path)


def export_run_files(parent: QWidget, run: Run, fmt: str, target: Path, project_path: str | None) -> bool:
    """Write the export into a hidden folder beside `target` and move it into place when complete."""
    from engine.export_formats import ExportError
    from engine.session import export_run

    if not _may_write(parent, fmt, target, project_path):
        return False
    try:
        staging = staging_folder(target)
    except OSError as exc:
        QMessageBox.warning(parent, "Could not export", f"cannot write in {target.parent}: {exc.strerror or exc}")
        return False
    call = run_in_background(parent, f"Exporting {target.name}…",
                             lambda: export_run(run, fmt, staging / target.name),
                             discard=lambda _: remove_staging(staging))
    if call.cancelled or call.error is not None:
        remove_staging(staging)
        if call.error is not None and not isinstance(call.error, ExportError):
            raise call.error
        if call.error is not None:
            QMessageBox.warning(parent, "Could not export", str(call.error).replace(str(staging), str(target.parent)))
        return False
    try:
        publish(call.value, target.parent, staging)
    except OSError as exc:
        remove_staging(staging)
        QMessageBox.warning(parent, "Could not export", f"cannot write {target}: {exc.strerror or exc}")
        return False
    return True


def _may_write(parent: QWidget, fmt: str, target: Path, project_path: str | None) -> bool:
    """Never over the open project, nor over a file of another kind (File ▸ Export asks about those)."""
    from engine.export_formats import overwrite_check

    refusal, others = overwrite_check(fmt, str(target), fmt == "python", project_path)
    if refusal or others:
        QMessageBox.warning(parent, "Could not export", refusal or f"{others[0]} exists — choose another name")
        return False
    return True
