"""Play: a network that keeps training while the learner watches and changes it (engine.play.session).

    PlaySession(graph, PlaySettings(...)): step(n), frame() -> PlayFrame, set_lr, set_activation,
    set_noise, set_width, reset;  PlayError for anything that cannot be played.
Must not import Qt or pyqtgraph.
"""
from .session import PLAY_ACTIVATIONS, HiddenLayer, PlayError, PlayFrame, PlaySession, PlaySettings

__all__ = ["PLAY_ACTIVATIONS", "HiddenLayer", "PlayError", "PlayFrame", "PlaySession", "PlaySettings"]
