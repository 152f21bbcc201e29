"""The inspector: parameter editors for the selected layer, its shapes, parameter and
MAC counts, the arithmetic behind them and its error with the fix; with nothing selected,
an overview of the whole network.

Edits go to `Editor.set_param`; the panel redraws from the document's signals.
Must not mutate the document directly.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.analysis import Analysis
from engine.catalog import CATALOG, fmt_shape
from engine.formatting import byte_size, count, short_count

from ..document import Document
from ..editing import Editor
from ..icons import category_icon
from ..theme import scaled_font
from .param_editors import ParamEditor, make_editor


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
    def __init__(self, document: Document, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.document, self.editor = document, editor
        self.setObjectName("inspector")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.node_ids: list[str] = []
        self.editors: dict[str, ParamEditor] = {}
        self._facts: dict[str, QLabel] = {}
        self._explain: QLabel | None = None
        self._error: QLabel | None = None
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.params_changed.connect(self._on_document_params_changed)
        document.graph_replaced.connect(lambda: self.show_nodes([]))
        self.show_nodes([])

    # -- what to show ---------------------------------------------------------------------
    def show_nodes(self, node_ids: list[str]) -> None:
        self.node_ids = [n for n in node_ids if n in self.document.graph]
        self.editors, self._facts, self._explain, self._error = {}, {}, None, None
        page = QWidget(objectName="inspector_page")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(14, 6, 14, 14)
        layout.setSpacing(6)
        if len(self.node_ids) == 1:
            self._build_node_page(layout, self.node_ids[0])
        elif self.node_ids:
            self._build_selection_page(layout)
        else:
            self._build_network_page(layout)
        layout.addStretch(1)
        self.setWidget(page)
        self._refresh_facts()

    @property
    def node_id(self) -> str | None:
        return self.node_ids[0] if len(self.node_ids) == 1 else None

    def _build_node_page(self, layout: QVBoxLayout, node_id: str) -> None:
        node = self.document.graph.node(node_id)
        spec = CATALOG.get(node.layer)
        layout.addWidget(self._header(spec.name, spec.category))
        layout.addWidget(_label(f"{node_id} · {spec.category}", "muted", selectable=True))
        layout.addWidget(_label(spec.help, "help", wrap=True))
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
        layout.addWidget(self._header(f"{len(self.node_ids)} layers selected", None))
        layout.addWidget(_label(", ".join(self.node_ids), "muted", wrap=True))
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

    # -- refreshing -----------------------------------------------------------------------
    def _refresh_facts(self) -> None:
        analysis = self.document.analysis
        if self.document.analysis_pending:  # PyTorch still loading: no numbers rather than wrong ones
            self._set_facts(**{name: "…" for name in self._facts})
            self._show_error("")
            return
        if self.node_id is not None:
            self._refresh_node(analysis, self.node_id)
        elif self.node_ids:
            self._refresh_selection(analysis)
        else:
            self._refresh_network(analysis)

    def _refresh_node(self, analysis: Analysis, node_id: str) -> None:
        row = analysis.by_id.get(node_id)
        if row is None:
            return
        shapes = ", ".join(fmt_shape(s) for s in row.input_shapes)
        self._set_facts(Input=shapes or ("—" if row.layer_id != "input" else "data"),
                        Output=fmt_shape(row.output_shape) if row.output_shape else "—",
                        Parameters=self._param_fact(row), MACs=short_count(row.macs) if row.ok else "—")
        self._explain.setText("\n".join(row.explain))
        self._explain.setVisible(bool(row.explain))
        self._explain_title.setVisible(bool(row.explain))
        message = row.error or ("A layer above has an error, so this one cannot be computed yet."
                                if row.blocked else "")
        self._show_error(message)

    @staticmethod
    def _param_fact(row) -> str:
        if not row.ok:
            return "—"
        frozen = row.params - row.trainable_params
        return count(row.params) + (f" ({count(frozen)} frozen)" if frozen else "")

    def _refresh_selection(self, analysis: Analysis) -> None:
        rows = [analysis.by_id[n] for n in self.node_ids if n in analysis.by_id]
        errors = sum(1 for r in rows if r.error)
        self._set_facts(Parameters=count(sum(r.params for r in rows)),
                        MACs=short_count(sum(r.macs for r in rows)), Errors=str(errors) if errors else "none")

    def _refresh_network(self, analysis: Analysis) -> None:
        shape = analysis.input_shape
        self._set_facts(Input=fmt_shape(shape) if shape else "—",
                        Output=fmt_shape(analysis.output_shape) if analysis.output_shape else "—",
                        Layers=str(len(analysis.rows)), Parameters=count(analysis.total_params),
                        Trainable=count(analysis.trainable_params), MACs=short_count(analysis.total_macs),
                        Activations=f"{byte_size(analysis.activation_bytes(1))} per sample")
        problems = list(analysis.graph_errors) + [f"{n}: {m}" for n, m in analysis.errors.items()]
        self._show_error("\n\n".join(problems[:6]) if len(analysis.rows) else "")

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

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        if any(n not in self.document.graph for n in self.node_ids):
            self.show_nodes([n for n in self.node_ids if n in self.document.graph])
            return
        self._refresh_facts()

    def _on_document_params_changed(self, node_id: str) -> None:
        if node_id != self.node_id:
            return
        params = self.document.graph.node(node_id).params
        for name, editor in self.editors.items():
            editor.set_value(params.get(name, editor.spec.default))
