"""The inspector: parameter editors for the selected layer, its shapes, parameter and
MAC counts, the arithmetic behind them (and, for a Transformer encoder, the parts inside it)
and its error with the fix; for a block, its totals, the errors inside and its name, fold
and ungroup; with nothing selected, an overview of the whole network.

Edits go to `Editor.set_param`; the panel redraws from the document's signals.
Must not mutate the document directly.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import Analysis
from engine.blocks import BLOCK, block_tree
from engine.catalog import CATALOG, fmt_shape
from engine.formatting import byte_size, count, counted, short_count

from ..document import Document
from ..editing import Editor
from ..icons import category_icon
from ..theme import scaled_font
from ..wheel_guard import WheelGuard
from .detail_item import parts_of
from .lint.panel import LintPanel
from .lint.state import LintState
from .param_editors import ParamEditor, make_editor
from .trainable_box import TrainableBox


def _label(text: str = "", name: str = "", wrap: bool = False, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def _section(title: str) -> QLabel:
    return _label(title.upper(), "section_title")


class InspectorView(QScrollArea):
    fold_requested = Signal(str)  # a block's fold/unfold button: the canvas toggles it

    def __init__(self, document: Document, editor: Editor, parent=None, lints: LintState | None = None) -> None:
        super().__init__(parent)
        self.document, self.editor, self.lints = document, editor, lints
        self.lint_panel: LintPanel | None = None
        self.masked: frozenset[str] = frozenset()  # predict-then-reveal hides their numbers (gui.builder.exercise)
        self.setObjectName("inspector")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.node_ids: list[str] = []
        self.block: str | None = None
        self.name_edit: QLineEdit | None = None
        self.trainable_box: TrainableBox | None = None  # unchecked = frozen (Editor.freeze)
        self.editors: dict[str, ParamEditor] = {}
        self._facts: dict[str, QLabel] = {}
        self._explain: QLabel | None = None
        self._error: QLabel | None = None
        self._wheel = WheelGuard(self)  # scrolling the page never edits a field under the pointer
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.params_changed.connect(self._on_document_params_changed)
        document.blocks_changed.connect(self._on_document_blocks_changed)
        document.graph_replaced.connect(lambda: self.show_nodes([]))
        self.show_nodes([])

    # -- what to show ---------------------------------------------------------------------
    def show_nodes(self, node_ids: list[str], block: str | None = None) -> None:
        """Show one layer, a selection, a block (`block`), or the network (nothing)."""
        self.node_ids = [n for n in node_ids if n in self.document.graph]
        self.block = block if block in block_tree(self.document.graph) else None
        self.editors, self._facts, self._explain, self._error, self.name_edit = {}, {}, None, None, None
        self.trainable_box = None
        self.lint_panel = None
        self._parts = None
        page = QWidget(objectName="inspector_page")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 6, 14, 14)
        layout.setSpacing(6)
        if self.block is not None:
            self.node_ids = []
            self._build_block_page(layout, self.block)
        elif len(self.node_ids) == 1:
            self._build_node_page(layout, self.node_ids[0])
        elif self.node_ids:
            self._build_selection_page(layout)
        else:
            self._build_network_page(layout)
        layout.addStretch(1)
        self.setWidget(page)
        self._wheel.follow(page)
        self._refresh_facts()

    @property
    def node_id(self) -> str | None:
        return self.node_ids[0] if len(self.node_ids) == 1 else None

    def _build_node_page(self, layout: QVBoxLayout, node_id: str) -> None:
        node = self.document.graph.node(node_id)
        spec = CATALOG.get(node.layer)
        layout.addWidget(self._header(spec.name, spec.category))
        where = f" · in block {node.block}" if node.block else ""
        layout.addWidget(_label(f"{node_id} · {spec.category}{where}", "muted", wrap=True, selectable=True))
        layout.addWidget(_label(spec.help, "help", wrap=True))
        self.trainable_box = TrainableBox(self.document, self.editor, [node_id])
        layout.addWidget(self.trainable_box)
        if spec.params:
            layout.addWidget(_section("Parameters"))
            layout.addLayout(self._param_form(spec, node.params))
        layout.addWidget(_section("Shapes and size"))
        layout.addLayout(self._facts_form(("Input", "Output", "Parameters", "MACs")))
        self._explain = _label("", "explain", wrap=True, selectable=True)
        self._explain.setFont(scaled_font(-0.5))
        self._explain_title = _section("How it is computed")
        layout.addWidget(self._explain_title)
        layout.addWidget(self._explain)
        self._parts_title = _section("Inside, per layer")
        self._parts = _label("", "explain", wrap=True, selectable=True)
        self._parts.setFont(scaled_font(-0.5))
        layout.addWidget(self._parts_title)
        layout.addWidget(self._parts)
        self._error = _label("", "error_box", wrap=True, selectable=True)
        layout.addWidget(self._error)
        self._add_lint_panel(layout, node_id)

    def _add_lint_panel(self, layout: QVBoxLayout, node_id: str | None) -> None:
        """Warnings of the layer (or of the network), with fix and dismiss buttons (gui.builder.lint)."""
        self.lint_panel = LintPanel(self.document, self.lints) if self.lints is not None else None
        if self.lint_panel is not None:
            self.lint_panel.show_node(node_id)
            self.lint_panel.status_message.connect(self.editor.status_message)
            layout.addWidget(self.lint_panel)

    def _build_block_page(self, layout: QVBoxLayout, path: str) -> None:
        tree = block_tree(self.document.graph)
        subs = sum(1 for kind, _ in tree.children.get(path, ()) if kind == BLOCK)
        layout.addWidget(self._header(f"Block {path}", None))
        what = counted(len(tree.members[path]), "layer")
        layout.addWidget(_label(f"{counted(subs, 'block')} · {what}" if subs else what, "muted", wrap=True))
        row = QHBoxLayout()
        self.name_edit = QLineEdit(path.rpartition(".")[2], objectName="block_name")
        self.name_edit.setToolTip("The block's name (letters, digits and _); Enter renames it")
        self.name_edit.editingFinished.connect(self._on_name_edit_editing_finished)
        row.addWidget(_label("Name", "param_name"))
        row.addWidget(self.name_edit, 1)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        for text, slot in (("Fold / unfold", lambda: self.fold_requested.emit(path)),
                           ("Ungroup", lambda: self.editor.ungroup(path))):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.trainable_box = TrainableBox(self.document, self.editor, tree.members[path], path)
        layout.addWidget(self.trainable_box)
        layout.addWidget(_section("Shapes and size"))
        layout.addLayout(self._facts_form(("Input", "Output", "Parameters", "MACs", "Errors")))
        self._error = _label("", "error_box", wrap=True, selectable=True)
        layout.addWidget(self._error)

    def _header(self, title: str, category: str | None) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 6, 0, 0)
        row.setSpacing(8)
        if category:
            icon = QLabel()
            size = self.fontMetrics().height() + 6
            icon.setPixmap(category_icon(category).pixmap(QSize(size, size), self.devicePixelRatioF()))
            row.addWidget(icon)
        text = _label(title, "inspector_title", wrap=True)
        text.setFont(scaled_font(3.0, bold=True))
        row.addWidget(text, 1)
        return box

    def _param_form(self, spec, params: dict) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        for pspec in spec.params:
            editor = make_editor(pspec, self)
            editor.set_value(params.get(pspec.name, pspec.default))
            editor.committed.connect(self._on_param_editor_committed)
            name = _label(pspec.name, "param_name")
            name.setToolTip(pspec.help)
            form.addRow(name, editor.widget)
            form.addRow("", editor.message)
            self.editors[pspec.name] = editor
        return form

    def _facts_form(self, names) -> QFormLayout:
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignLeft)
        for name in names:
            value = _label("", "fact", wrap=True, selectable=True)
            self._facts[name] = value
            form.addRow(_label(name, "fact_name"), value)
        return form

    def _build_selection_page(self, layout: QVBoxLayout) -> None:
        layout.addWidget(self._header(f"{counted(len(self.node_ids), 'layer')} selected", None))
        layout.addWidget(_label(", ".join(self.node_ids), "muted", wrap=True))
        self.trainable_box = TrainableBox(self.document, self.editor, self.node_ids)
        layout.addWidget(self.trainable_box)
        layout.addWidget(_section("Together"))
        layout.addLayout(self._facts_form(("Parameters", "MACs", "Errors")))

    def _build_network_page(self, layout: QVBoxLayout) -> None:
        layout.addWidget(self._header(self.document.name, None))
        layout.addWidget(_label("Select a layer on the canvas to edit its parameters and see "
                                "how its shape and size are computed.", "help", wrap=True))
        layout.addWidget(_section("Network"))
        layout.addLayout(self._facts_form(("Input", "Output", "Layers", "Parameters", "Trainable",
                                           "MACs", "Activations")))
        self._error = _label("", "error_box", wrap=True, selectable=True)
        layout.addWidget(self._error)
        self._add_lint_panel(layout, None)

    # -- refreshing -----------------------------------------------------------------------
    def _refresh_facts(self) -> None:
        analysis = self.document.analysis
        if self.document.analysis_pending:  # PyTorch still loading: no numbers rather than wrong ones
            self._set_facts(**{name: "…" for name in self._facts})
            self._show_error("")
            return
        if self.block is not None:
            self._refresh_block(self.block)
        elif self.node_id is not None:
            self._refresh_node(analysis, self.node_id)
        elif self.node_ids:
            self._refresh_selection(analysis)
        else:
            self._refresh_network(analysis)

    def set_masked(self, masked) -> None:
        self.masked = frozenset(masked)
        self._refresh_facts()

    def _refresh_node(self, analysis: Analysis, node_id: str) -> None:
        row = analysis.by_id.get(node_id)
        if row is None:
            return
        shapes = ", ".join(fmt_shape(s) for s in row.input_shapes)
        self._set_facts(Input=shapes or ("—" if row.layer_id != "input" else "data"),
                        Output=fmt_shape(row.output_shape) if row.output_shape else "—",
                        Parameters=self._param_fact(row), MACs=short_count(row.macs) if row.ok else "—")
        if self.trainable_box is not None:  # nothing to freeze: no weights (BatchNorm's statistics count)
            weightless = row.ok and row.params == 0 and not row.layer_id.startswith("batchnorm")
            self.trainable_box.setVisible(not weightless)
        self._explain.setText("\n".join(row.explain))
        self._explain.setVisible(bool(row.explain))
        self._explain_title.setVisible(bool(row.explain))
        node = self.document.graph.node(node_id)
        parts, repeats = parts_of(node.layer, node.params, row.input_shapes)
        lines = [f"{p.name} ({p.detail}): {fmt_shape(p.output_shape)}, {count(p.params)} params, "
                 f"{short_count(p.macs)} MACs" for p in parts]
        if parts:
            lines.append(f"× {counted(repeats, 'layer')}")
        self._parts.setText("\n".join(lines))
        self._parts.setVisible(bool(parts))
        self._parts_title.setVisible(bool(parts))
        message = row.error or ("A layer above has an error, so this one cannot be computed yet."
                                if row.blocked else "")
        self._show_error(message)
        self._mask_node(node_id)

    def _mask_node(self, node_id: str) -> None:
        """Show "?" where predict-then-reveal hides a number: this layer's results when it is
        asked, its input when the layer above is (the arithmetic would give either away)."""
        hidden = node_id in self.masked
        inputs = any(s in self.masked for s in self.document.graph.inputs_of(node_id))
        if inputs:
            self._set_facts(Input="?")
        if hidden:
            self._set_facts(Output="?", Parameters="?", MACs="?")
        if hidden or inputs:
            for widget in (self._explain, self._explain_title, self._parts, self._parts_title):
                widget.setVisible(False)

    @staticmethod
    def _param_fact(row) -> str:
        if not getattr(row, "ok", True):
            return "—"
        frozen = row.params - row.trainable_params
        return count(row.params) + (f" ({count(frozen)} frozen)" if frozen else "")

    def _refresh_block(self, path: str) -> None:
        row = self.document.block_rows.get(path)
        if row is None:
            return
        out = fmt_shape(row.output_shape) if row.output_shape else \
            (", ".join(fmt_shape(s) for s in row.output_shapes) or "—")
        self._set_facts(Input=", ".join(fmt_shape(s) for s in row.input_shapes) or "—", Output=out,
                        Parameters=self._param_fact(row), MACs=short_count(row.macs),
                        Errors=str(len(row.errors)) if row.errors else "none")
        if self.masked & set(block_tree(self.document.graph).members.get(path, ())):
            self._set_facts(Output="?", Parameters="?", MACs="?")  # they would give hidden layers away
        self._show_error("\n\n".join(f"{n}: {m}" for n, m in row.errors[:6]))

    def _refresh_selection(self, analysis: Analysis) -> None:
        rows = [analysis.by_id[n] for n in self.node_ids if n in analysis.by_id]
        errors = sum(1 for r in rows if r.error)
        self._set_facts(Parameters=count(sum(r.params for r in rows)),
                        MACs=short_count(sum(r.macs for r in rows)), Errors=str(errors) if errors else "none")
        if self.masked & set(self.node_ids):
            self._set_facts(Parameters="?", MACs="?")

    def _refresh_network(self, analysis: Analysis) -> None:
        shape = analysis.input_shape
        self._set_facts(Input=fmt_shape(shape) if shape else "—",
                        Output=fmt_shape(analysis.output_shape) if analysis.output_shape else "—",
                        Layers=count(len(analysis.rows)), Parameters=count(analysis.total_params),
                        Trainable=_trainable_fact(analysis), MACs=short_count(analysis.total_macs),
                        Activations=f"{byte_size(analysis.activation_bytes(1))} per sample")
        if self.masked:  # totals would give hidden layers' numbers away
            self._set_facts(Output="?", Parameters="?", Trainable="?", MACs="?", Activations="?")
        problems = list(analysis.graph_errors) + [f"{n}: {m}" for n, m in analysis.errors.items()]
        started = any(r.layer_id != "input" for r in analysis.rows)  # a lone input is a start, not a mistake
        self._show_error("\n\n".join(problems[:6]) if started else "")

    def _set_facts(self, **values: str) -> None:
        for name, value in values.items():
            if name in self._facts:
                self._facts[name].setText(value)

    def _show_error(self, message: str) -> None:
        if self._error is not None:
            self._error.setText(message)
            self._error.setVisible(bool(message))

    # -- signals --------------------------------------------------------------------------
    def _on_param_editor_committed(self, name: str, value) -> None:
        if self.node_id is not None:
            self.editor.set_param(self.node_id, name, value)

    def _on_name_edit_editing_finished(self) -> None:
        if self.block is None or self.name_edit is None:
            return
        name = self.name_edit.text().strip()
        if name and name != self.block.rpartition(".")[2]:
            self.editor.rename_block(self.block, name)

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        if any(n not in self.document.graph for n in self.node_ids):
            self.show_nodes([n for n in self.node_ids if n in self.document.graph])
            return
        self._refresh_facts()
        if self.trainable_box is not None:
            self.trainable_box.sync()

    def _on_document_blocks_changed(self, changes) -> None:
        if self.block is not None and self.block not in block_tree(self.document.graph):
            self.show_nodes([])
        elif self.block is not None or self.node_ids:
            self.show_nodes(self.node_ids, self.block)

    def _on_document_params_changed(self, node_id: str) -> None:
        if node_id != self.node_id:
            return
        params = self.document.graph.node(node_id).params
        for name, editor in self.editors.items():
            editor.set_value(params.get(name, editor.spec.default))


def _trainable_fact(analysis: Analysis) -> str:
    frozen = analysis.total_params - analysis.trainable_params
    return count(analysis.trainable_params) + (f" ({count(frozen)} frozen)" if frozen else "")
