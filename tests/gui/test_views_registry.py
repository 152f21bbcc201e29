"""The window's views come from one registry (gui.views): the switcher buttons, the View menu and
its shortcuts, the `--view` choices and the close checks all follow it; a view is made when it
is first shown (or asked for), and the window asks views through their methods only."""
import re
from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QWidget

from gui.app_options import make_parser
from gui.views import VIEWS, spec_of, view_keys

ROOT = Path(__file__).resolve().parents[2]


def test_every_place_that_lists_views_follows_the_registry(window):
    names = [spec.name for spec in VIEWS]
    assert [b.text() for b in window.view_buttons.buttons()] == names
    assert list(window.views) == list(view_keys())
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    entries = [a for a in view_menu.actions() if a.text().endswith(" View")]
    assert [a.text() for a in entries] == [f"{n} View" for n in names]
    assert [a.shortcut() for a in entries] == [QKeySequence(spec.shortcut) for spec in VIEWS]
    choices = next(a.choices for a in make_parser()._actions if a.dest == "view")
    assert tuple(choices) == view_keys()


def test_views_are_made_when_first_shown(window):
    made = window.switcher.made
    assert list(made) == ["build"]  # the engine is in, but nobody asked for the others
    assert isinstance(window.views["play"], QLabel)
    assert window.show_view("play") and window.stack.currentWidget() is window.play_view
    assert set(made) == {"build", "play"}
    # the Draw view's one-click training is followed by the Train view: it is made first
    assert window.draw_view is window.views["draw"]
    assert list(made) == ["build", "play", "train", "draw"]
    assert window.train_view is made["train"] and spec_of("Draw").companions == ("train",)


def test_close_checks_ask_the_views_that_exist(window):
    class Busy(QWidget):
        stopped = False

        def running_job(self):
            return None if self.stopped else "Busy is busy."

        def shutdown(self):
            self.stopped = True

    busy = Busy()
    window.add_view("Busy", busy)
    assert window.running_jobs() == ["Busy is busy."]  # Train, Draw and Play were never made: not made now
    assert list(window.switcher.made) == ["build"]
    window.shutdown()
    assert busy.stopped


def test_the_window_talks_to_views_through_their_methods():
    """No reaching into a view's widgets from the window or the app (they offer methods instead)."""
    reach = re.compile(r"\b(build_view|train_view|draw_view|play_view)\.(canvas|scene|summary|exercise_state|"
                       r"coordinator|runner|pad|datasets|plots)\b")
    for name in ("gui/main_window.py", "gui/app.py", "gui/menus.py", "gui/view_switcher.py"):
        source = (ROOT / name).read_text(encoding="utf-8")
        assert not reach.findall(source), name


def test_a_view_made_after_the_project_opened_takes_its_runs_settings(window, tmp_path):
    """Views are made when first shown, often after the project was opened: the Train view still
    starts from the adopted run's settings and dataset (seen in the real window: it showed MNIST
    and the default settings for a project trained on moons)."""
    import engine
    from engine.runs import new_run, snapshot
    from engine.training import TrainConfig
    from engine.training.records import EpochRecord, FinishedRecord

    graph = engine.templates.load("mlp", (2,), 2)
    epochs = [EpochRecord(1, 0.5, 0.8, 0.6, 0.75, 0.01, 0.1, True)]
    run = new_run(run_id="r1", name="Run 1", config=TrainConfig(epochs=2, lr=0.01), dataset="moons",
                  dataset_meta={"kind": "points", "input_shape": [2], "num_classes": 2}, dataset_options={},
                  network=snapshot(graph), steps=[], epochs=epochs,
                  result=FinishedRecord("completed", "Trained.", 1, 0.75, 0.74, 0.6, 1))
    path = engine.save(graph, tmp_path / "moons.nwproj", runs=[run])
    assert "train" not in window.switcher.made
    assert window.files.open_path(str(path), ask=False)
    assert window.show_view("train")
    view = window.train_view
    assert view.datasets.name == "moons"
    assert view.form.config().lr == 0.01 and view.form.config().epochs == 2
