"""The one colour convention for activations and classes in pictures, as numpy lookups.

Draw (feature maps, dense strips) and Play (hidden units, decision regions) both call these, so a
unit reads the same in both: positive = warm orange (`Theme.positive`), negative = cool blue
(`Theme.negative`), zero = the theme's neutral (`Theme.zero`: white in light, near-black in dark).
Pure numpy on the current theme's colours; no widgets. Must not import the engine or a view.
"""
from __future__ import annotations

import numpy as np

from .palettes import Theme


def rgb(color: str) -> np.ndarray:
    """"#rrggbb" -> float32 (3,)."""
    value = color.lstrip("#")
    return np.array([int(value[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float32)


STEPS = 255  # odd, so that 0 has an entry of its own: exactly the neutral colour


def diverging_lut(t: Theme) -> np.ndarray:
    """STEPS uint8 RGB entries over -1..1: `negative` at -1, `zero` at 0, `positive` at +1."""
    s = np.linspace(-1.0, 1.0, STEPS, dtype=np.float32)[:, None]
    zero, pos, neg = rgb(t.zero), rgb(t.positive), rgb(t.negative)
    mix = np.where(s < 0, zero + (neg - zero) * -s, zero + (pos - zero) * s)
    return np.clip(np.rint(mix), 0, 255).astype(np.uint8)


_LUTS: dict[tuple[str, str, str], np.ndarray] = {}


def activation_colors(t: Theme, values: np.ndarray, scale: float) -> np.ndarray:
    """Floats -> (..., 3) uint8 colours; ±`scale` at full colour, 0 the theme's neutral."""
    key = (t.negative, t.zero, t.positive)
    lut = _LUTS.get(key)
    if lut is None:
        lut = _LUTS[key] = diverging_lut(t)
    scale = scale if scale > 0 else 1.0
    half = (STEPS - 1) / 2
    index = np.clip(np.rint((np.asarray(values, np.float32) / scale + 1.0) * half), 0, STEPS - 1)
    return lut[index.astype(np.intp)]


def class_rgb(t: Theme) -> np.ndarray:
    """(classes, 3) float32: the class palette for numpy pictures."""
    return np.stack([rgb(c) for c in t.classes])
