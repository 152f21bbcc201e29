"""Building LeNet-5 by hand, the way a student does: double-click palette entries to
append layers, then set each one's parameters in the inspector."""
from engine import analyze, templates


def append(view, layer):
    palette = view.palette
    palette.tree.activated.emit(palette.layer_index(layer))
    (node_id,) = view.scene.selected_node_ids()
    return node_id


def set_params(view, **values):
    for name, value in values.items():
        editor = view.inspector.editors[name]
        if editor.spec.kind == "int":
            editor.widget.setValue(value)
        else:
            editor.widget.setText(str(value))
            editor.widget.editingFinished.emit()


PLAN = [
    ("input", {"shape": "1, 28, 28"}),
    ("conv2d", {"out_channels": 6, "kernel_size": 5}),  # padding is set below (int_or_same)
    ("relu", {}), ("maxpool2d", {"kernel_size": 2}),
    ("conv2d", {"out_channels": 16, "kernel_size": 5}),
    ("relu", {}), ("maxpool2d", {"kernel_size": 2}),
    ("flatten", {}),
    ("linear", {"out_features": 120}), ("relu", {}),
    ("linear", {"out_features": 84}), ("relu", {}),
    ("linear", {"out_features": 10}),
]


def test_lenet5_by_hand_matches_the_template(build_view, document):
    ids = []
    for layer, params in PLAN:
        ids.append(append(build_view, layer))
        set_params(build_view, **params)
    build_view.select_nodes([ids[1]])
    padding = build_view.inspector.editors["padding"]
    padding.widget.setEditText("2")
    padding.widget.lineEdit().editingFinished.emit()

    mine = document.analysis
    reference = analyze(templates.load("lenet5"))
    assert mine.valid
    assert mine.total_params == reference.total_params == 61_706
    assert [r.output_shape for r in mine.rows] == [r.output_shape for r in reference.rows]
    assert [r.params for r in mine.rows] == [r.params for r in reference.rows]
    assert build_view.summary_model.index(len(ids), 3).data() == "61,706"
    assert build_view.scene.node_item(ids[-1]).row.output_shape == (10,)
