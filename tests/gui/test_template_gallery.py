"""The template gallery: File ▸ Templates… opens it, a click picks a network, Open loads it
into the document sized as asked; a bad shape keeps the dialog open; Cancel changes nothing."""
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from engine.blocks import block_tree
from gui.template_gallery import TemplateGalleryDialog


def click_template(qtbot, dialog, name):
    items = [dialog.list.item(i) for i in range(dialog.list.count())]
    item = next(i for i in items if i.data(Qt.UserRole) == name)
    rect = dialog.list.visualItemRect(item)
    qtbot.mouseClick(dialog.list.viewport(), Qt.LeftButton, pos=rect.center())
    assert dialog.template_name == name


def click_button(qtbot, dialog, which):
    qtbot.mouseClick(dialog.findChild(QDialogButtonBox).button(which), Qt.LeftButton)


def run_modal(window, act):
    """Open the gallery the way the menu does (a modal exec()) and run `act(dialog)` inside it.

    Whatever happens in `act`, the dialog is closed afterwards, so a failure cannot hang the test."""
    failures = []

    def step():
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, TemplateGalleryDialog) and w.isVisible())
        try:
            act(dialog)
        except Exception as exc:  # re-raised after exec() returns
            failures.append(exc)
        if dialog.isVisible():
            dialog.reject()

    QTimer.singleShot(0, step)
    result = window.files.show_templates()
    if failures:
        raise failures[0]
    return result


def test_picking_a_template_loads_it_into_the_document(qtbot, window):
    seen = {}

    def act(dialog):
        qtbot.waitExposed(dialog)
        click_template(qtbot, dialog, "resnet18")
        seen["variant"] = dialog.variant.text()
        dialog.shape_edit.setText("3, 32, 32")
        dialog.classes.setValue(10)
        click_button(qtbot, dialog, QDialogButtonBox.Open)

    assert run_modal(window, act)
    assert seen["variant"].startswith("Paper-faithful")  # its default input is ImageNet-sized
    analysis = window.document.analysis
    assert analysis.valid and analysis.input_shape == (3, 32, 32) and analysis.output_shape == (10,)
    assert "layer1_0_conv1" in window.document.graph
    scene = window.build_view.scene  # every layer is on the canvas: as a card, or inside a folded block's
    tree = block_tree(window.document.graph)
    shown = {i.node_id for i in scene.node_items()}
    shown.update(n for b in scene.block_items() for n in tree.members[b.path])
    assert shown == set(window.document.graph.nodes)


def test_a_bad_shape_keeps_the_dialog_open_and_cancel_changes_nothing(qtbot, window):
    window.files.open_template("mlp", ask=False)
    before = window.document.graph.input_map()
    seen = {}

    def act(dialog):
        click_template(qtbot, dialog, "lenet5")
        dialog.shape_edit.setText("1, x, 28")
        click_button(qtbot, dialog, QDialogButtonBox.Open)
        seen["open_after_bad_shape"] = dialog.isVisible()
        seen["message"] = dialog.message.text()
        click_button(qtbot, dialog, QDialogButtonBox.Cancel)

    assert not run_modal(window, act)
    assert seen["open_after_bad_shape"] and seen["message"]
    assert window.document.graph.input_map() == before


def test_an_input_the_network_cannot_take_says_why(qtbot, themed_app):
    """LeNet-5 for 2 features showed just '13 layers': the parameter count vanished without a word."""
    dialog = TemplateGalleryDialog(current="lenet5")
    qtbot.addWidget(dialog)
    dialog.shape_edit.setText("2")
    text = dialog.facts.text()
    assert text.startswith("13 layers · does not fit this input — conv1: ") and "parameters" not in text, text
    dialog.shape_edit.setText("1, 28, 28")
    assert dialog.facts.text() == "13 layers · 61,706 parameters (61.7 k)"
