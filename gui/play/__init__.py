"""Play mode: the learner's network training live on 2-D data, changed while it plays (engine.play).

A view of its own; imports no other view.
"""
from .view import PlayView

__all__ = ["PlayView"]
