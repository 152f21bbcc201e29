"""Growing numpy buffers for live curves, the smoothed loss, and a run's curves as arrays.

`Series` keeps x/y values in arrays that double as they fill; `Smoother` is TensorBoard's
debiased exponential moving average (no pull towards 0 at the start, so the smoothed
line sits on the raw one instead of lagging far above it), its weight lowered where the
logged points are sparse so that it never lags more than a quarter of an epoch (a small
data set logs a point every two epochs, and 0.6 per point lagged three epochs behind); `RunCurves` turns a stored
engine Run into the arrays a plot draws. Must not import widgets.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.runs import Run

SMOOTHING = 0.6  # TensorBoard's default weight of the running average per logged point
SMOOTH_SPAN = 0.25  # at most this many epochs in the average's time constant (its lag), however sparse the points
_NICE = (1.0, 2.0, 2.5, 5.0, 10.0)


def nice_ceil(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value` (> 0)."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(value))
    return float(next(m * scale for m in _NICE if m * scale >= value * (1 - 1e-9)))


def y_bounds(low: float, high: float, percent: bool) -> tuple[float, float]:
    """Round axis bounds around the data: multiples of a 1-2-2.5-5 step, about four steps high
    (never below 0 for data that is not, and within 0..100 for percentages)."""
    span = max(high - low, abs(high) * 0.05, 1e-12)
    step = nice_ceil(span / 4)
    margin = 0.02 * span  # no point sits on the frame
    lo, hi = float(np.floor((low - margin) / step) * step), float(np.ceil((high + margin) / step) * step)
    if hi <= lo:
        hi = lo + step
    if low >= 0:
        lo = max(lo, 0.0)
    return (max(lo, 0.0), min(hi, 100.0)) if percent else (lo, hi)


def epoch_titles(compared: bool, held_out: bool, detail: bool) -> tuple[str, str]:
    """Titles of the per-epoch loss and accuracy plots. Compared runs are drawn by their validation
    curves (training where a run held none out); `detail`: one run's own training and validation
    curves are drawn too, and the legend says what the others are (`others_label`)."""
    if not compared or detail:
        return "Loss per epoch", "Accuracy per epoch"
    which = "validation" if held_out else "validation, else training"
    if held_out:
        return "Validation loss per epoch", "Validation accuracy per epoch"
    return f"Loss per epoch ({which})", f"Accuracy per epoch ({which})"


def others_label(held_out: bool) -> str:
    """The legend's entry for compared runs drawn beside one run's own curves."""
    return "other runs: validation" if held_out else "other runs: validation, else training"


def log_bounds(low: float, high: float) -> tuple[float, float]:
    """A log axis' range (in log10 units) around positive data, a little margin either side."""
    lo, hi = np.log10(max(low, 1e-12)), np.log10(max(high, low, 1e-12))
    margin = max(0.05 * (hi - lo), 0.02)
    return float(lo - margin), float(hi + margin)


def log_ticks(low: float, high: float, most: int = 4) -> list[tuple[float, str]]:
    """At most `most` ticks (log10 position, label) on the 1-2-5 values between `low` and `high` (> 0)."""
    if not (np.isfinite(low) and np.isfinite(high)) or low <= 0 or high <= low:
        return []
    candidates = [m * 10.0 ** e for e in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
                  for m in (1.0, 2.0, 5.0)]
    inside = [v for v in candidates if low <= v <= high]
    for keep in ((1.0, 2.0, 5.0), (1.0, 5.0), (1.0,)):
        chosen = [v for v in inside if round(v / 10.0 ** np.floor(np.log10(v)), 6) in keep]
        if len(chosen) <= most:
            break
    chosen = chosen[::max(1, -(-len(chosen) // most))] or inside[:1]
    return [(float(np.log10(v)), f"{v:g}") for v in chosen]


def keeps(bounds: tuple[float, float] | None, low: float, high: float) -> bool:
    """True while the data fits `bounds` and fills a good part of them: then the axis stays as it
    is (an axis whose range changes must redraw its tick labels, the dearest part of a live plot)."""
    return bounds is not None and bounds[0] <= low and high <= bounds[1] and \
        high - low >= 0.3 * (bounds[1] - bounds[0])


class Series:
    """x/y values in numpy arrays that double their capacity as they fill."""

    def __init__(self) -> None:
        self._x = np.empty(256)
        self._y = np.empty(256)
        self.size = 0

    def extend(self, xs, ys) -> None:
        n = len(xs)
        if self.size + n > len(self._x):
            capacity = max(2 * len(self._x), self.size + n)
            self._x = np.resize(self._x, capacity)
            self._y = np.resize(self._y, capacity)
        self._x[self.size:self.size + n] = xs
        self._y[self.size:self.size + n] = ys
        self.size += n

    @property
    def x(self) -> np.ndarray:
        return self._x[:self.size]

    @property
    def y(self) -> np.ndarray:
        return self._y[:self.size]


def smoothing_weight(spacing: float) -> float:
    """The average's weight for points `spacing` epochs apart: TensorBoard's 0.6, less where its
    time constant 1/(1 - weight) points would span more than SMOOTH_SPAN epochs."""
    if not np.isfinite(spacing) or spacing <= 0:
        return SMOOTHING
    return float(min(SMOOTHING, max(0.0, 1.0 - spacing / SMOOTH_SPAN)))


def spacing_of(xs: np.ndarray, before: float | None = None) -> float:
    """Epochs between logged points: the median step of `xs`, or from the point `before` them."""
    if len(xs) >= 2:
        return float(np.median(np.diff(xs)))
    if len(xs) == 1:
        return float(xs[0] - before) if before is not None else float(xs[0])
    return 0.0


class Smoother:
    """Debiased exponential moving average, fed in chunks."""

    def __init__(self, weight: float = SMOOTHING) -> None:
        self.weight, self.value, self.count = weight, 0.0, 0

    @classmethod
    def for_points(cls, xs: np.ndarray, before: float | None = None) -> Smoother:
        return cls(smoothing_weight(spacing_of(np.asarray(xs, dtype=float), before)))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        out = np.empty(len(values))
        for i, value in enumerate(values):
            self.value = self.weight * self.value + (1 - self.weight) * value
            self.count += 1
            out[i] = self.value / (1 - self.weight ** self.count)
        return out


@dataclass(frozen=True, eq=False)
class RunCurves:
    """Everything a plot draws of one stored run (accuracies in percent)."""

    step_x: np.ndarray
    loss: np.ndarray
    smooth: np.ndarray
    lr: np.ndarray
    epoch: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    val_epoch: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray

    @classmethod
    def of(cls, run: Run) -> RunCurves:
        loss = np.asarray(run.steps.loss, dtype=float)
        vals = [r for r in run.epochs if r.val_loss is not None]
        step_x = np.asarray(run.steps.x, dtype=float)
        return cls(step_x, loss, Smoother.for_points(step_x)(loss), np.asarray(run.steps.lr, dtype=float),
                   np.array([r.epoch for r in run.epochs], dtype=float),
                   np.array([r.train_loss for r in run.epochs], dtype=float),
                   np.array([100.0 * r.train_acc for r in run.epochs], dtype=float),
                   np.array([r.epoch for r in vals], dtype=float), np.array([r.val_loss for r in vals], dtype=float),
                   np.array([100.0 * (r.val_acc or 0.0) for r in vals], dtype=float))

    @property
    def headline_loss(self) -> tuple[np.ndarray, np.ndarray]:
        """Validation loss per epoch, or training loss when the run held no validation out."""
        return (self.val_epoch, self.val_loss) if len(self.val_epoch) else (self.epoch, self.train_loss)

    @property
    def headline_acc(self) -> tuple[np.ndarray, np.ndarray]:
        return (self.val_epoch, self.val_acc) if len(self.val_epoch) else (self.epoch, self.train_acc)


def data_range(ys: list[np.ndarray], log: bool, zoom=None) -> tuple[float, float]:
    """Lowest and highest finite value of the curves `ys` (positive ones on a log axis; 0..1 when
    there are none); a `zoom` (low, high; gui.train.finding) is taken exactly."""
    finite = [y[np.isfinite(y)] for y in ys]
    finite = [y for y in finite if y.size]
    if log:
        finite = [y[y > 0] for y in finite if (y > 0).any()]
    low, high = (min(float(y.min()) for y in finite), max(float(y.max()) for y in finite)) if finite else (0.0, 1.0)
    if zoom is not None:
        low, high = max(zoom.low, 1e-12) if log else zoom.low, zoom.high
    return low, high


def log_axis(low: float, high: float, n_ticks: int) -> tuple[tuple[float, float], list]:
    """A log axis's range in decades (log10 bounds) and its ticks, at most about `n_ticks` labelled."""
    bounds = log_bounds(low, high)
    return bounds, log_ticks(10 ** bounds[0], 10 ** bounds[1], n_ticks)
