"""Predict-then-reveal (teacher mode): the exercise state of the document and its panel.

A neutral package: the Build view uses it; it imports no view.
"""
from .panel import ExercisePanel
from .state import ExerciseState

__all__ = ["ExercisePanel", "ExerciseState"]
