"""The runs list: every run of the project (and the one training now), with its data,
settings, epochs, test accuracy and the curve doctor's verdict; tick runs to overlay
them, click one to see its results, double-click its name to rename it.

Buttons ask for what the view does: continue training the adopted run, re-run the
selected run with one change, rename, delete; a right-click on a row opens its menu
(gui.train.run_menu, which also fills the note on what the runs' weights add to the file).
Only shows what it is given; it never changes the document itself. Must not import the
rest of the view.

A project with a thousand runs: the rows in view are made at once and the rest in slices
between event-loop turns (`FIRST_ROWS`, `SLICE_ROWS`), so the window keeps painting while it
opens; anything that reads the rows (the tree's item look-ups included) gets them all first.
Asked to show exactly what it shows already (the Train view redraws on several signals of one
open), it does nothing.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.formatting import percent
from engine.runs import Run

from ..icons import themed_icon

COLUMNS = ("Run", "Settings", "Epochs", "Test acc.", "Doctor")
LIVE_ID = "__live__"
# The adopted run's mark: not the charts' star, which marks a run's best epoch
ADOPTED_MARK = "◆"
ADOPTED_TIP = "adopted: the network holds this run's weights (Draw, Play and Export use them)"
STAR_MARK = "★"
SHOWN_ROLE = Qt.UserRole + 1  # a fingerprint of what an item shows, so unchanged rows are not redone
FIRST_ROWS = 60  # rows made at once (more than a list shows); the rest follow in slices
SLICE_ROWS = 150  # rows made per event-loop turn after the first (about 10 ms)


class _RunsTree(QTreeWidget):
    """The list's tree; reading its rows first makes the rows still to come (`before_read`)."""

    def __init__(self, before_read) -> None:
        super().__init__(objectName="runs_list")
        self._before_read = before_read

    def topLevelItemCount(self) -> int:
        self._before_read()
        return super().topLevelItemCount()

    def topLevelItem(self, index: int) -> QTreeWidgetItem:
        self._before_read()
        return super().topLevelItem(index)

    def currentItem(self) -> QTreeWidgetItem:
        self._before_read()
        return super().currentItem()

    def findItems(self, *args):
        self._before_read()
        return super().findItems(*args)


@lru_cache(maxsize=64)
def swatch(color: str | None) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color) if color else QColor(0, 0, 0, 0))
    return QIcon(pixmap)


def verdict(run: Run) -> str:
    if run.failed:
        codes = [d.code for d in run.diagnosis if d.severity == "error"]
        return "✖ " + (", ".join(codes) or run.status).replace("_", " ")
    codes = [d.code for d in run.diagnosis]
    return ("⚠ " + ", ".join(codes).replace("_", " ")) if codes else "✓ healthy"


FIT_ROWS = 100


class RunsPanel(QWidget):
    checked_changed = Signal()
    focus_changed = Signal(str)  # run id
    rename_requested = Signal(str, str)  # run id, new name
    delete_requested = Signal(list)  # run ids
    rerun_requested = Signal(str)  # run id
    continue_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pending: list[tuple[Run, bool, bool, str | None]] = []  # rows still to make, in order
        self._pending_current: str | None = None  # the current run, while its row is still to come
        self._shown: tuple | None = None  # what set_runs was last given (see the module docstring)
        self._slices = QTimer(self, singleShot=True, interval=0, timeout=self._next_slice)
        self.tree = _RunsTree(self.flush)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        # column widths from the rows in view plus this many (Qt's default reads 1,000 rows on every layout:
        # 74 ms per refill of a project with 1,000 runs, the window's longest stall when it opened)
        header.setResizeContentsPrecision(FIT_ROWS)
        header.setSectionResizeMode(0, QHeaderView.Stretch)  # long names elide; the numbers stay in view
        header.setStretchLastSection(False)
        self.tree.setTextElideMode(Qt.ElideRight)  # a name starts with its number: keep that in view
        self.continue_button = QPushButton("Continue", objectName="continue_button")
        themed_icon(self.continue_button, "play")
        self.continue_button.setToolTip("Train the adopted run's weights further, for the epochs set in Settings")
        self.rerun_button = QPushButton("Re-run…", objectName="rerun_with_change_button")
        self.rerun_button.setToolTip("Re-run with one change: put the selected run's settings in the form, change "
                                     "one and press Start")
        self.rename_button = QPushButton("Rename…", toolTip="Rename the selected run (or double-click its name)")
        self.delete_button = QPushButton("Delete", toolTip="Delete the selected run (Edit ▸ Undo brings it back)")
        self.weights_note = QLabel(objectName="run_weights_note", wordWrap=True)
        self._lay_out()
        self._connect()
        self.runs: list[Run] = []
        self._filling = False

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for button in (self.continue_button, self.rerun_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.weights_note)

    def _connect(self) -> None:
        self.tree.itemChanged.connect(self._on_tree_item_changed)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.continue_button.clicked.connect(self.continue_requested)
        self.rerun_button.clicked.connect(self._on_rerun_button_clicked)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)

    # -- contents -------------------------------------------------------------------------
    def set_runs(self, runs: list[Run], adopted: str | None, checked: list[str], colors: dict[str, str],
                 current: str | None, live_name: str | None = None) -> None:
        """Show `runs` (newest first), the live run on top while one trains. The same runs are updated
        in place (this is called from the tree's own signals, which must not lose their item)."""
        shown = (tuple(map(id, runs)), adopted, tuple(checked), tuple(sorted(colors.items())), current, live_name)
        if shown == self._shown:  # the same run objects (self.runs holds them: their ids are not reused)
            return
        self._shown = shown
        with self._batch():
            self._set_runs(runs, adopted, checked, colors, current, live_name)

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Columns sized to their contents are measured once, after the whole fill: measured on
        every item change, 1,000 runs took minutes (each change re-measured every row)."""
        header = self.tree.header()
        modes = [header.sectionResizeMode(i) for i in range(header.count())]
        for i in range(header.count()):
            header.setSectionResizeMode(i, QHeaderView.Interactive)
        self._filling = True
        try:
            yield
        finally:
            self._filling = False
            for i, mode in enumerate(modes):
                header.setSectionResizeMode(i, mode)

    def _set_runs(self, runs: list[Run], adopted: str | None, checked: list[str], colors: dict[str, str],
                  current: str | None, live_name: str | None) -> None:
        ids = ([LIVE_ID] if live_name is not None else []) + [r.id for r in reversed(runs)]
        if ids == [item.data(0, Qt.UserRole) for item in self._items()]:
            self._update(runs, adopted, checked, colors, current, live_name)
            self._fit_columns()
            return
        self.runs = list(runs)
        self._pending, self._pending_current = [], None
        self.tree.clear()
        if live_name is not None:
            item = QTreeWidgetItem([f"● {live_name}", "", "training…", "", ""])
            item.setData(0, Qt.UserRole, LIVE_ID)
            item.setFlags(Qt.ItemIsEnabled)
            font = item.font(0)
            font.setItalic(True)
            item.setFont(0, font)
            self.tree.addTopLevelItem(item)
        checked_set = set(checked)
        rows = [(run, run.id == adopted, run.id in checked_set, colors.get(run.id)) for run in reversed(self.runs)]
        self._pending = rows[FIRST_ROWS:]
        self._pending_current = current if any(row[0].id == current for row in self._pending) else None
        self._add_rows(rows[:FIRST_ROWS], current)
        if self._pending:
            self._slices.start()
        self._update_buttons()
        self._fit_columns()

    def _add_rows(self, rows: list[tuple[Run, bool, bool, str | None]], current: str | None) -> None:
        """Append these rows; make the one of run `current` (if among them) the current row."""
        items = [self._item(*row) for row in rows]
        QTreeWidget.addTopLevelItems(self.tree, items)
        for item in items:
            if current is not None and item.data(0, Qt.UserRole) == current:
                self._pending_current = None
                self.tree.setCurrentItem(item)

    def _next_slice(self) -> None:
        if self._pending:
            rows, self._pending = self._pending[:SLICE_ROWS], self._pending[SLICE_ROWS:]
            with self._batch():
                self._add_rows(rows, self._pending_current)
            if self._pending:
                self._slices.start()
            else:
                self._fit_columns()

    def flush(self) -> None:
        """Make the rows still to come now (something reads the rows)."""
        if self._pending:
            rows, self._pending = self._pending, []
            self._slices.stop()
            with self._batch():
                self._add_rows(rows, self._pending_current)

    def _update(self, runs: list[Run], adopted: str | None, checked: list[str], colors: dict[str, str],
                current: str | None, live_name: str | None) -> None:
        self.runs = list(runs)
        by_id, checked_set = {r.id: r for r in runs}, set(checked)
        for item in self._items():
            run = by_id.get(item.data(0, Qt.UserRole))
            if run is not None:
                self._fill(item, run, run.id == adopted, run.id in checked_set, colors.get(run.id))
            elif live_name is not None:
                item.setText(0, f"● {live_name}")
            if item.data(0, Qt.UserRole) == current and self.tree.currentItem() is not item:
                self.tree.setCurrentItem(item)
        self._update_buttons()

    def _item(self, run: Run, adopted: bool, checked: bool, color: str | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem()
        item.setData(0, Qt.UserRole, run.id)
        item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable | Qt.ItemIsEditable)
        self._fill(item, run, adopted, checked, color)
        return item

    def _fill(self, item: QTreeWidgetItem, run: Run, adopted: bool, checked: bool, color: str | None) -> None:
        shown = (run, run.name, adopted, color)  # what the texts, icon and tooltips depend on
        state = Qt.Checked if checked else Qt.Unchecked
        if item.data(0, Qt.CheckStateRole) is None or item.checkState(0) != state:
            item.setCheckState(0, state)  # a fresh item needs the role set, or it shows no box
        if item.data(0, SHOWN_ROLE) == shown:
            return
        item.setData(0, SHOWN_ROLE, shown)
        c = run.config
        acc = percent(run.test_acc) if run.test_acc is not None else "—"
        marks = (f" {ADOPTED_MARK}" if adopted else "") + (f" {STAR_MARK}" if run.starred else "")
        texts = [run.name, f"{c.optimizer} {c.lr:g} · b{c.batch_size}", f"{run.epochs_run}{marks}", acc, verdict(run)]
        for column, text in enumerate(texts):
            if item.text(column) != text:
                item.setText(column, text)
        item.setIcon(0, swatch(color))
        settings = (f"optimizer {c.optimizer}, learning rate {c.lr:g}, batch size {c.batch_size}, {c.schedule} "
                    f"schedule, dataset {run.dataset}")
        item.setToolTip(0, f"{run.name}\n{settings}\n{run.created.replace('T', ' ') or 'date unknown'}"
                           + (f"\n{ADOPTED_MARK} {ADOPTED_TIP}" if adopted else ""))
        item.setToolTip(1, settings)
        item.setToolTip(2, f"{ADOPTED_MARK} {ADOPTED_TIP}" if adopted else f"{run.epochs_run} epochs trained")
        font = QFont(item.font(0))
        font.setBold(adopted)
        item.setFont(0, font)
        item.setToolTip(4, "\n\n".join(d.message for d in run.diagnosis) or "No problem in the curves.")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Hide the settings column when the list is too narrow for all (they are in the name's tooltip)."""
        tree = self.tree
        needed = sum(max(tree.sizeHintForColumn(c), tree.header().sectionSizeHint(c)) for c in range(len(COLUMNS)))
        tree.setColumnHidden(1, needed > tree.viewport().width())

    def _items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def checked_ids(self) -> list[str]:
        """Ticked runs, oldest first (the rows still to come say theirs without being made)."""
        tree = QTreeWidget
        items = (tree.topLevelItem(self.tree, i) for i in range(tree.topLevelItemCount(self.tree)))
        ticked = {item.data(0, Qt.UserRole) for item in items if item.checkState(0) == Qt.Checked}
        ticked.update(run.id for run, _, checked, _ in self._pending if checked)
        return [r.id for r in self.runs if r.id in ticked]

    def current_id(self) -> str | None:
        if self._pending_current is not None:
            return self._pending_current
        item = QTreeWidget.currentItem(self.tree)
        value = item.data(0, Qt.UserRole) if item is not None else None
        return value if value != LIVE_ID else None

    def _find(self, run_id: str) -> QTreeWidgetItem | None:
        return next((item for item in self._items() if item.data(0, Qt.UserRole) == run_id), None)

    def set_checked(self, run_id: str, checked: bool) -> None:
        self._shown = None  # the rows no longer show what set_runs was given
        item = self._find(run_id)
        if item is not None:
            item.setCheckState(0, Qt.Checked if checked else Qt.Unchecked)

    def select(self, run_id: str) -> None:
        self._shown = None
        item = self._find(run_id)
        if item is not None:
            self.tree.setCurrentItem(item)

    def set_weights_note(self, text: str) -> None:
        self.weights_note.setText(text)

    def set_continuable(self, possible: bool, why: str = "") -> None:
        self.continue_button.setEnabled(possible)
        self.continue_button.setToolTip(why or "Train the adopted run's weights further, for the epochs set in "
                                               "Settings; the curves carry on from its last epoch")

    def _update_buttons(self) -> None:
        chosen = self.current_id() is not None
        for button in (self.rerun_button, self.rename_button, self.delete_button):
            button.setEnabled(chosen)

    # -- gestures -------------------------------------------------------------------------
    def _on_tree_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != 0:
            return
        self._shown = None  # ticked or renamed in the list: show what the document says next time
        run_id = item.data(0, Qt.UserRole)
        run = next((r for r in self.runs if r.id == run_id), None)
        if run is not None and item.text(0).strip() and item.text(0).strip() != run.name:
            self.rename_requested.emit(run_id, item.text(0).strip())
            return
        self.checked_changed.emit()

    def _on_tree_current_item_changed(self, current, previous) -> None:
        if not self._filling:
            self._shown = None
        self._update_buttons()
        if not self._filling and self.current_id() is not None:
            self.focus_changed.emit(self.current_id())

    def _on_rerun_button_clicked(self) -> None:
        if self.current_id() is not None:
            self.rerun_requested.emit(self.current_id())

    def _on_rename_button_clicked(self) -> None:
        run_id = self.current_id()
        run = next((r for r in self.runs if r.id == run_id), None)
        if run is None:
            return
        name, ok = QInputDialog.getText(self, "Rename run", "Name:", text=run.name)
        if ok and name.strip() and name.strip() != run.name:
            self.rename_requested.emit(run.id, name.strip())

    def _on_delete_button_clicked(self) -> None:
        run_id = self.current_id()
        if run_id is not None:
            self.delete_requested.emit([run_id])
