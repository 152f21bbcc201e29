"""Scrolling a form must not change its fields: the wheel goes to a spin box or combo box only
when the user clicked into it first; otherwise it scrolls the page the field sits in.

Without this, rolling the wheel down the Train view's settings silently turned "Validation
split 10 %" into "0 %" as the field passed under the pointer. Owns no data; Qt only.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QScrollArea, QWidget

FIELDS = (QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    """Sends a wheel over an unfocused field on to the scroll area; finds fields added later
    (a dataset's own options) when the page lays itself out again."""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self.scroll, self.page = scroll, scroll.widget()
        self.page.installEventFilter(self)
        self.guard_fields()

    def guard_fields(self) -> None:
        for field in self.page.findChildren(QWidget):
            if isinstance(field, FIELDS) and field.property("wheel_guarded") is not True:
                field.setFocusPolicy(Qt.StrongFocus)  # the wheel alone does not focus it
                field.installEventFilter(self)
                field.setProperty("wheel_guarded", True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.page:
            if event.type() == QEvent.LayoutRequest:
                self.guard_fields()
            return False
        if event.type() == QEvent.Wheel and not watched.hasFocus():
            QApplication.sendEvent(self.scroll.verticalScrollBar(), event)  # the page scrolls instead
            return True
        return False


def guard_wheel(scroll: QScrollArea) -> WheelGuard:
    """Keep the wheel from editing the fields of `scroll`'s page while it scrolls."""
    return WheelGuard(scroll)
