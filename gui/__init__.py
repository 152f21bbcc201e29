"""Netwright's Qt user interface: widgets over the engine; owns no network logic.

Entry point: `gui.app.run_app(argv)`. The builder view lives in `gui.builder`; the
training and drawing views plug in through `MainWindow.add_view`.
"""
