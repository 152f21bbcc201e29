"""The minimap is judged again when the canvas comes back into view: a network loaded while
another view was showing left it where the old network needed it, over the new one's output card
(seen at 1100×800: LeNet-5, then an MLP, both opened from the Play view)."""


def test_showing_the_canvas_again_hides_a_stale_minimap(window, qtbot):
    window.resize(1100, 800)
    window.editor.load_template("mlp", (2,), 10)  # fits the canvas: no minimap needed
    window.show_view("play")
    canvas = window.build_view.canvas
    canvas.minimap.setVisible(True)  # the state a network loaded meanwhile left behind
    window.show_view("build")
    qtbot.waitUntil(lambda: canvas.isVisible())
    assert not canvas.minimap.isVisible()
