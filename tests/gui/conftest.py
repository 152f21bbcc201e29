"""GUI test fixtures: a themed app, a document with its editor, the builder view and the
main window (recent files kept in a throwaway settings file). Fails any test that leaves
a Python-visible thread running.

`window` is a complete, ready MainWindow: made without an EngineLoader, it loads the engine
synchronously (`EngineLoader.loaded_now`), so `train_view`, `draw_view`, `draw_pad` and the
analysis exist on return. To test the window while PyTorch is still loading, pass
`engine=EngineLoader()` and start it yourself (see test_startup.py)."""
import threading

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def _no_unexpected_dialogs(monkeypatch):
    """A modal message box or file dialog nobody answers would hang the suite: fail the test instead. Tests
    that expect one replace the method themselves (monkeypatch.setattr after this fixture)."""
    from PySide6.QtWidgets import QMessageBox

    def unexpected(kind):
        def show(parent, title, text="", *args, **kwargs):
            pytest.fail(f"unexpected {kind} dialog: {title}: {text}")
        return show

    for kind in ("warning", "critical", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, unexpected(kind))
    from PySide6.QtWidgets import QFileDialog

    def unexpected_file_dialog(kind):
        def show(parent=None, caption="", *args, **kwargs):
            pytest.fail(f"unexpected file dialog ({kind}): {caption}")
        return show

    for kind in ("getOpenFileName", "getSaveFileName", "getExistingDirectory", "getOpenFileNames"):
        monkeypatch.setattr(QFileDialog, kind, unexpected_file_dialog(kind))


@pytest.fixture(autouse=True)
def _no_leftover_threads():
    before = set(threading.enumerate())
    yield
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leftover, f"test left threads running: {leftover}"


@pytest.fixture(scope="session")
def themed_app(qapp):
    """Theme once: re-applying a stylesheet re-polishes every live widget (slow)."""
    from gui.theme import apply_theme

    apply_theme(qapp, dark=False)
    yield qapp
    qapp.clipboard().clear()  # mime data left on the clipboard crashes Qt's teardown at exit


@pytest.fixture
def document(themed_app):
    from gui.document import Document

    return Document()


@pytest.fixture
def editor(document):
    from gui.editing import Editor

    return Editor(document)


@pytest.fixture
def build_view(qtbot, document, editor):
    from gui.builder.build_view import BuildView

    view = BuildView(document, editor)
    qtbot.addWidget(view)
    view.resize(1300, 850)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def window(qtbot, themed_app, settings):
    from gui.main_window import MainWindow

    win = MainWindow(settings)
    # pytest-qt closes widgets before fixtures finalize: mark clean first so no prompt blocks
    qtbot.addWidget(win, before_close_func=lambda w: w.document.undo_stack.setClean())
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    return win


def load(editor, name, **kwargs):
    """Load a template through the editor, as the gallery does."""
    editor.load_template(name, **kwargs)
    return editor.document
