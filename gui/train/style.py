"""The Train view's own stylesheet template; gui.theme fills in the colours, now and after every
theme switch.

Set on the view (it cascades over the app stylesheet and scopes its plain `QPushButton` rules to
the view). Must not import the engine.
"""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .. import theme

_QSS = """
QWidget#train_settings_page, QScrollArea#train_settings { background: @panel; }
QWidget#train_run_panel { background: @window; }
QPushButton {
    background: @base; color: @text; border: 1px solid @border; border-radius: 6px; padding: 5px 12px;
}
QPushButton:hover { border-color: @accent; }
QPushButton:pressed { background: @alt_base; }
QPushButton:disabled { color: @muted; background: @panel; }
QPushButton#start_button {
    background: @accent; color: @accent_text; border-color: @accent; font-weight: bold; padding: 6px 16px;
}
QPushButton#start_button:disabled { background: @border; border-color: @border; color: @muted; }
QPushButton#fit_button { border-color: @accent; color: @accent; font-weight: bold; }
QProgressBar { background: @alt_base; border: 1px solid @border; border-radius: 4px; max-height: 8px; }
QProgressBar::chunk { background: @accent; border-radius: 3px; }
QLabel#run_status { color: @text; }
QLabel#fit_ok { color: @ok; }
QLabel#result_caption { color: @muted; padding: 0px 8px; }
QLabel#result_box, QFrame#result_box {
    background: @base; border: 1px solid @border; border-left: 4px solid @ok; border-radius: 6px; padding: 8px;
}
QFrame#info_box { background: @base; border: 1px solid @border; border-left: 4px solid @accent; border-radius: 6px; }
QFrame#warn_box { background: @base; border: 1px solid @border; border-left: 4px solid @caution; border-radius: 6px; }
QFrame#failed_box {
    background: @error_fill; border: 1px solid @error; border-left: 4px solid @error; border-radius: 6px;
}
QFrame#failed_box QLabel { color: @error; }
QFrame#result_box QLabel, QFrame#info_box QLabel, QFrame#warn_box QLabel { background: transparent; border: none; }
QPushButton#rerun_button, QPushButton#keep_button { border-color: @accent; color: @accent; font-weight: bold; }
QTreeWidget#runs_list { background: @base; border: 1px solid @border; border-radius: 6px; }
QTableView#compare_table { background: @base; gridline-color: @border; border: none; }
QCheckBox { spacing: 6px; }
QTabWidget#results_tabs::pane { border: 1px solid @border; border-radius: 6px; background: @base; }
QTabBar::tab {
    background: transparent; color: @muted; padding: 6px 14px; border: none; border-bottom: 2px solid transparent;
    font-weight: bold;
}
QTabBar::tab:selected { color: @text; border-bottom: 2px solid @accent; }
QTabBar::tab:hover:!selected { color: @text; }
QTableView#confusion_table { background: @base; gridline-color: @border; border: none; }
QListWidget#mistakes { background: @base; border: none; }
"""


def apply_train_style(view: QWidget) -> None:
    """Style `view` (the Train view) in the current theme, and keep it so."""
    theme.style(view, _QSS)
