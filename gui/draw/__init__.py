"""The Draw view: draw a digit (or pick a test picture) and watch your own network classify it.

Public: `DrawView` (registered by the main window) and `DrawPad` (the canvas, exposed as
`window.draw_pad`). Must not import the Build or Train views.
"""
from .draw_view import DrawView
from .pad import DrawPad

__all__ = ["DrawPad", "DrawView"]
