"""Handwritten digits: preprocessing any digit picture into a network input, and synthetic digits.

Public API: `preprocess_image`, `Preprocessed`, `Step`, `load_image_file`, `ImageError`,
`make_digits`, `SynthStyle`. Must not import Qt, pyqtgraph or anything from gui/.
"""
from engine.digits.preprocess import ImageError, Preprocessed, Step, load_image_file, preprocess_image
from engine.digits.synth import SynthStyle, make_digits

__all__ = ["ImageError", "Preprocessed", "Step", "SynthStyle", "load_image_file", "make_digits", "preprocess_image"]
