"""How far the curve doctor lowers the learning rate, and when it does not prescribe at all.

The exploding remedy lowers the rate one decade per click instead of jumping to a fixed 0.001: on
bench/doctor_matrix.py a run at 5 re-run at 0.001 could not train in its 2-3 epochs (digits, adagrad 5:
93.1 → 36.5 %); a run that still explodes one decade down is told again (the no-repeat rule then offers
another optimizer). An oscillating loss at an accuracy already at its ceiling gets no remedy: a lower
rate has no accuracy left to win, and the wiggles of a loss near zero are noise, not overshooting.
"""
from __future__ import annotations

import pytest

from engine.training import EpochRecord, TrainConfig, diagnose
from engine.training.doctor import ADAPTIVE, ADAPTIVE_TOP, CEILING, EXPLODE_STEP, RATE_TOP
from engine.training.evidence import helped
from engine.training.lowered_rate import lowered_rate, rate_top
from tests.engine.doctor_bench import doctor_matrix


def history(train_losses, acc=0.1):
    return [EpochRecord(i + 1, t, acc, t, acc, 0.01, 1.0, False) for i, t in enumerate(train_losses)]


@pytest.mark.parametrize("lr,expected", [(5.0, 0.5), (3.0, 0.3), (1.0, 0.1), (0.1, 0.01), (20.0, 1.0),
                                         (1e10, 1.0)])
def test_exploding_lowers_the_rate_one_decade_per_click_never_to_a_fixed_floor(lr, expected):
    """One decade down, and never above RATE_TOP (the top of the usual range: 1e10 → 1, not 1e9); plain SGD
    (no momentum: momentum lowers the top, see the next test)."""
    config = TrainConfig(lr=lr, optimizer="sgd", momentum=0.0)
    [found] = diagnose(history([30.0, 25.0]), [2.3, 40.0, 30.0, 25.0], config, "completed", 10)
    assert found.code == "exploding" and found.severity == "error"
    assert found.change == {"lr": pytest.approx(expected)}
    assert expected == pytest.approx(min(lr / EXPLODE_STEP, RATE_TOP))
    assert f"{expected:g}" in found.message and found.change_text == f"learning rate {expected:g}"


@pytest.mark.parametrize("optimizer,lr,expected", [("adam", 1.0, 0.01), ("rmsprop", 2.0, 0.01),
                                                   ("adamw", 0.05, 0.005), ("adagrad", 5.0, 0.03)])
def test_for_adam_adamw_and_rmsprop_a_lowered_rate_stays_under_their_own_top(optimizer, lr, expected):
    """Their step moves each weight by about lr, so a rate of 0.1 is still a step of a weight's size: an MLP
    at RMSprop 2 re-run at 0.2 stayed at chance (bench/doctor_matrix.py, 15.2 → 11.2 %). (RMSprop without
    momentum here: momentum lowers the top further, see the next test.) Adagrad's first step is as big, and
    its top is ADAGRAD_TOP (0.03; was one decade, 0.5: test_doctor_rates.py says why)."""
    config = TrainConfig(lr=lr, optimizer=optimizer, momentum=0.0)
    [found] = diagnose(history([30.0, 25.0]), [2.3, 40.0, 30.0, 25.0], config, "completed", 10)
    assert found.change == {"lr": pytest.approx(expected)}
    assert expected <= (ADAPTIVE_TOP if optimizer in ADAPTIVE else RATE_TOP)


@pytest.mark.parametrize("optimizer,lr,momentum,expected", [
    ("sgd", 20.0, 0.9, 0.1), ("sgd", 3.0, 0.9, 0.1), ("sgd", 1e10, 0.9, 0.1), ("sgd", 0.5, 0.9, 0.05),
    ("sgd", 20.0, 0.5, 0.5), ("rmsprop", 20.0, 0.9, 0.001), ("rmsprop", 3.0, 0.5, 0.005),
    ("adam", 20.0, 0.9, 0.01), ("adagrad", 20.0, 0.9, 0.03)])
def test_momentum_multiplies_a_step_so_the_lowered_rate_is_divided_by_it(optimizer, lr, momentum, expected):
    """SGD and RMSprop add up their steps: a steady gradient moves the weights 1/(1 - momentum) times a step
    (10× at the default 0.9), so the top of the usual range is divided by that. FIT cells of
    bench/doctor_matrix.py where one decade down was still far too high: LeNet-5 at SGD 20 (→ 1: 9.9 → 9.3 %;
    → 0.1: 92.5 %), at RMSprop 20 (→ 0.01: 9.9 → 9.3 %; → 0.001: 92.3 %); a perceptron at RMSprop 3 (→ 0.01:
    91.7 → 90.7 %; → 0.001: 93.6 %). Adam's and Adagrad's tops are unchanged by momentum (Adam averages, it does
    not add; Adagrad has none)."""
    config = TrainConfig(lr=lr, optimizer=optimizer, momentum=momentum)
    [found] = diagnose(history([30.0, 25.0]), [2.3, 40.0, 30.0, 25.0], config, "completed", 10)
    assert found.code == "exploding" and found.change == {"lr": pytest.approx(expected)}
    assert expected == pytest.approx(lowered_rate(config, EXPLODE_STEP))
    assert expected <= rate_top(optimizer, momentum) <= (ADAPTIVE_TOP if optimizer in ADAPTIVE else RATE_TOP)


def test_a_nan_run_above_rate_one_still_restarts_low_since_no_finite_loss_says_how_far():
    [found] = diagnose(history([0.6]), [0.7], TrainConfig(lr=5.0), "nan", 2)
    assert found.code == "diverged" and found.change == {"lr": 0.001}


OSCILLATING = [0.6, 0.8, 0.5, 0.9, 0.55, 0.85]


def test_an_oscillating_loss_below_the_ceiling_is_told_to_lower_the_rate():
    config = TrainConfig(lr=0.03, optimizer="sgd")
    [found] = diagnose(history(OSCILLATING, acc=0.7), [0.69, 0.6], config, "completed", 2)
    assert found.code == "oscillating" and found.change == {"lr": 0.01}


def test_an_oscillating_loss_at_the_accuracy_ceiling_gets_no_remedy():
    """An MLP on blobs at lr 10 is already at 100 %: a lower rate has nothing to win (bench: 100 → 100 %)."""
    found = diagnose(history(OSCILLATING, acc=CEILING), [0.69, 0.6], TrainConfig(lr=10.0), "completed", 2)
    assert "oscillating" not in [d.code for d in found] and not any("lr" in d.change for d in found)


def test_relative_wiggles_of_a_loss_near_zero_are_noise_not_oscillation():
    """0.004 → 0.006 is a 50 % rise but 0.1 % of chance level (ln 10): not a step that overshoots."""
    tiny = [0.01, 0.004, 0.006, 0.003, 0.005, 0.002, 0.004]
    found = diagnose(history(tiny, acc=0.9), [2.3, 0.01], TrainConfig(lr=0.03), "completed", 10)
    assert "oscillating" not in [d.code for d in found]
    loud = [v * 100 for v in tiny]  # the same shape at 0.2-1.0 of a 2.3 chance level does overshoot
    assert [d.code for d in diagnose(history(loud, acc=0.6), [2.3, 1.0], TrainConfig(lr=0.03), "completed",
                                     10)] == ["oscillating"]


def test_matrix_subset_an_exploding_perceptron_at_rate_3_is_helped_by_one_decade_down():
    """A FIT cell (digits-linear-fit2): adamw at 3 explodes (88.5 %); the old fixed 0.001 made it worse (84.3 %),
    one decade down capped at AdamW's top (0.01) helps."""
    matrix = doctor_matrix()
    family = next(f for f in matrix.FAMILIES if f.name == "digits-linear-fit2")
    cell = matrix.run_cell(matrix.Cell(family, "perceptron", "digits", "adamw", 3.0, 3), matrix.load("digits", 1500))
    assert [d.code for d in cell.found] == ["exploding"] and cell.found[0].change == {"lr": 0.01}
    assert [t.kind for t in cell.trials] == ["lr down"] and cell.trials[0].helped


def test_any_finite_run_helped_after_one_that_diverged_and_measured_nothing():
    """A NaN run has no test accuracy and no finite loss: the re-run that trains at all helped (the bench scored
    the diverged remedy 0/3 before, whatever the re-run reached, and the no-repeat rule called it a failure)."""
    assert helped(None, None, 0.205, 2.1) and helped(None, float("nan"), 0.9, 0.3)
    assert not helped(None, None, None, float("nan"))  # diverged again
    assert not helped(0.9, 0.3, 0.89, 0.31)  # the usual rule where there is something to compare
