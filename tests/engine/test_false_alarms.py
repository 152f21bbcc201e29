"""What Try it's and `predict`'s "unsure" promises (engine.training.false_alarms): read from the run's
stored calibration, never recomputed from data: at most the conformal share on average, and how high one
run's share may be with the validation pictures it had (Beta(n + 1 − k, k), 9 runs out of 10)."""
import math
import time

import pytest

from engine.training.calibration import Calibration
from engine.training.false_alarms import FalseAlarms, false_alarms, false_alarms_of, share
from engine.training.novelty import false_alarm_bound, honest_threshold


def _stored(samples: int, method: str = "novelty", threshold: float = 2.0) -> dict:
    """A calibration entry as a run stores it, its promise set the way calibration.py sets it."""
    import torch

    _, promise = honest_threshold(torch.arange(float(samples)), 0.01)
    novelty = {"scale": {"energy": [0.0, 1.0], "contrast": [0.0, 1.0]}, "contrast_mean": 0.0}
    calibration = Calibration(1.3, method, threshold, novelty=novelty if method == "novelty" else None,
                              kept=round(1 - promise, 4), samples=samples)
    return {"calibration": calibration.to_meta()}


def test_nineteen_validation_pictures_promise_5_percent_on_average_and_114_in_9_runs_of_10():
    promise = false_alarms_of(_stored(19))
    assert promise.samples == 19 and promise.average == pytest.approx(0.05)
    assert promise.bound == pytest.approx(1 - 0.1 ** (1 / 19), abs=1e-6)  # Beta(1, 19)'s 90 % quantile: 11.4 %
    words = promise.words()
    assert "at most 5 % of pictures like the training ones" in words and "on average" in words
    assert "19 validation pictures" in words and "up to 11.4 % in 9 runs out of 10" in words
    assert "More validation pictures would narrow this" in words


def test_many_validation_pictures_keep_one_run_near_the_average():
    promise = false_alarms_of(_stored(5000))  # CIFAR-10's 10 % validation split
    assert promise.average == pytest.approx(0.01) and 0.01 < promise.bound < 0.013
    assert "5,000 validation pictures" in promise.words() and "narrow" not in promise.words()
    start = time.perf_counter()
    assert false_alarm_bound(50_000, 0.01) == pytest.approx(0.0106, abs=3e-4)  # no overflow, no long sum
    assert time.perf_counter() - start < 0.5


def test_the_bound_uses_the_rank_the_threshold_was_set_at():
    # 149 pictures at 1 %: k = ceil(150 · 0.99) = 149, one picture above it, as for 99 (Beta(1, n))
    assert false_alarm_bound(149, 0.01) == pytest.approx(1 - 0.1 ** (1 / 149), abs=1e-6)
    assert false_alarm_bound(199, 0.01) > false_alarm_bound(149, 0.01) * 0.9  # two above: Beta(2, 198)


@pytest.mark.parametrize("meta", [
    None,
    {},  # no calibration: "uncalibrated" says it instead
    {"calibration": Calibration(1.0, "novelty", math.inf, kept=None, samples=6).to_meta()},  # too few: no threshold
    {"calibration": Calibration(1.0, "energy", 2.0).to_meta()},  # stored before runs recorded their validation size
    {"calibration": Calibration(1.0, "digit_shape", 2.0, kept=0.97, samples=500).to_meta()},  # the pad's: not conformal
    {"calibration": {"method": "novelty", "threshold": "damaged"}},
])
def test_no_promise_where_the_calibration_backs_none(meta):
    assert false_alarms_of(meta) is None


def test_the_promise_survives_the_stored_entry_and_reads_as_json():
    direct = false_alarms(Calibration(1.0, "energy", 0.5, kept=round(1 - 1 / 51, 4), samples=50))
    stored = false_alarms_of(_stored(50, "energy", 0.5))
    assert direct == stored and isinstance(stored, FalseAlarms)
    assert stored.to_json() == {"false_alarms_on_average_at_most": pytest.approx(0.0196, abs=1e-4),
                                "false_alarms_at_most": pytest.approx(stored.bound, abs=1e-4),
                                "runs_within": 0.9, "validation_samples": 50}


def test_shares_read_plainly():
    assert share(0.05) == "5 %" and share(0.11413) == "11.4 %" and share(0.0196) == "2 %" and share(0.008) == "0.8 %"
