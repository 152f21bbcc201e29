"""What a run's "unsure" promises about pictures like its training ones, read from the calibration the
run stored: the share called unsure on average (the conformal promise of novelty.honest_threshold) and
how high this run's own share may be (novelty.false_alarm_bound: few validation pictures, a wide spread
between runs). One home for the numbers and the sentence that Try it and `predict` show.

Only thresholds set the conformal way promise this ("novelty" for pictures, "energy" for other data);
the digit pad's detectors are fitted on generated non-digits and say nothing here. A calibration with
no threshold (too few validation pictures) or stored before runs recorded their validation size
promises nothing: None. Nothing is recomputed from data: two stored numbers and a closed form.
Must not import Qt.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from engine.formatting import percent

from .calibration import Calibration
from .novelty import false_alarm_bound

CONFIDENCE = 0.9  # "in 9 runs out of 10"
CONFORMAL = ("novelty", "energy")  # methods whose threshold novelty.honest_threshold sets
WIDE = 1.5  # a bound this many times the average: say that more validation pictures would narrow it


@dataclass(frozen=True)
class FalseAlarms:
    """How often pictures like the training ones are called unsure, by this run's threshold."""

    average: float  # at most this share on average over runs (each run draws its validation pictures)
    bound: float  # this run's share stays under this in CONFIDENCE of runs
    samples: int  # validation pictures the threshold was set on
    confidence: float = CONFIDENCE

    def words(self) -> str:
        """The promise in a learner's words, with this run's figures."""
        runs = round(self.confidence * 10)
        text = (f"“Unsure” is said of at most {share(self.average)} of pictures like the training ones, on "
                f"average. This run set its threshold on {self.samples:,} validation pictures, so its own "
                f"rate may be higher: up to {share(self.bound)} in {runs} runs out of 10.")
        if self.bound >= WIDE * self.average:
            text += " More validation pictures would narrow this."
        return text

    def to_json(self) -> dict[str, Any]:
        return {"false_alarms_on_average_at_most": round(self.average, 4),
                "false_alarms_at_most": round(self.bound, 4), "runs_within": self.confidence,
                "validation_samples": self.samples}


def false_alarms(calibration: Calibration) -> FalseAlarms | None:
    """The promise of a conformal threshold with a recorded validation size; None for any other."""
    usable = (calibration.method in CONFORMAL and math.isfinite(calibration.threshold)
              and calibration.kept is not None and calibration.samples)
    if not usable:
        return None
    average = 1.0 - float(calibration.kept)
    return FalseAlarms(average, _bound(int(calibration.samples), round(average, 6)), int(calibration.samples))


def false_alarms_of(meta: Mapping[str, Any] | None) -> FalseAlarms | None:
    """`false_alarms` of the calibration a project's meta holds (None when it holds none or a damaged one)."""
    return false_alarms(Calibration.from_meta(meta))


@lru_cache(maxsize=64)
def _bound(samples: int, average: float) -> float:  # a view asks again for each picture: once is enough
    return false_alarm_bound(samples, average, CONFIDENCE)


def share(value: float) -> str:
    """A false-alarm share in words: '5 %', '11.4 %', '0.8 %' (one decimal, none when it is 0)."""
    return percent(value).replace(".0 %", " %")
