"""Scrolling a form must not change its fields: the wheel goes to a spin box or combo box only
when the user clicked into it first; otherwise it scrolls the page the field sits in.

Without this, rolling the wheel down the Train view's settings silently turned "Validation
split 10 %" into "0 %" as the field passed under the pointer; the inspector's parameter fields
had the same trap. Owns no data; Qt only.
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
        self.scroll, self.page = scroll, None
        self.follow(scroll.widget())

    def follow(self, page: QWidget | None) -> None:
        """Guard `page`, the scroll area's page now (a view that rebuilds its page, as the inspector does on
        every selection, calls this after each setWidget)."""
        if page is None or page is self.page:
            return
        self.page = page
        page.installEventFilter(self)
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

