"""The Train view: pick a dataset, set the hyperparameters, train in a worker thread with
live curves, then inspect the results (confusion matrix, mistakes, decision boundary).

Owns no network logic: the engine trains, evaluates and describes datasets.
"""
from .train_view import TrainView

__all__ = ["TrainView"]
