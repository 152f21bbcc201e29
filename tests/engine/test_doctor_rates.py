"""Round 7 of the curve doctor's lowered rates: Adagrad's top, a plain RNN's top, and big steps that the rate alone
shows (engine.training.lowered_rate, exploding, big_steps).

Adagrad's first step moves every weight by about the rate (as Adam's does), so an exploding Adagrad run is
lowered to ADAGRAD_TOP rather than one decade: on bench/doctor_matrix.py's FIT cells LeNet-5 on digits at
Adagrad 3, 9, 12 lowered one decade stayed at chance (9.3, 9.3, 8.8 %), at 0.03 it reached 95.5, 95.5, 93.9 %.
A plain recurrent layer applies its weights at every time step: its top is a third of the optimizer's (an RNN
at Adam 0.1: → 0.01 9.1 %, → 0.003 36.8 %). An Adam/AdamW/RMSprop/Adagrad run far above its usual range whose
loss stays high is told the steps are too big (a lower rate), not to train longer (an MLP on digits at Adam 0.5:
4 epochs 12.5 → 9.3 %, rate 0.01 92.8 %).
"""
from __future__ import annotations

import pytest

from engine import templates
from engine.serialize import graph_to_dict
from engine.training import EpochRecord, TrainConfig, diagnose
from engine.training.lowered_rate import ADAGRAD_TOP, ADAPTIVE_TOP, RECURRENT_SHARE, rate_top
from engine.training.network_remedy import plain_recurrent
from engine.training.vanishing_remedy import FAR_ABOVE
from tests.engine.doctor_bench import doctor_matrix

EXPLODED = ([30.0, 25.0], [2.3, 40.0, 30.0, 25.0])  # epochs' training losses, logged steps (10 classes)
STUCK = [2.2, 2.1]  # still near chance level (2.3), falling a little, no rise between epochs, no blow-up


def history(losses, acc=0.1):
    return [EpochRecord(i + 1, t, acc, t, acc, 0.01, 1.0, False) for i, t in enumerate(losses)]


def exploded(config, **kwargs):
    [found] = diagnose(history(EXPLODED[0]), EXPLODED[1], config, "completed", 10, **kwargs)
    assert found.code == "exploding"
    return found


@pytest.mark.parametrize("lr,expected", [(3.0, ADAGRAD_TOP), (12.0, ADAGRAD_TOP), (0.2, 0.02)])
def test_an_exploding_adagrad_run_is_lowered_into_adagrads_usual_range(lr, expected):
    found = exploded(TrainConfig(optimizer="adagrad", lr=lr))
    assert found.change == {"lr": pytest.approx(expected)} and 0.01 <= ADAGRAD_TOP <= 0.1
    assert ("Adagrad" in found.message) is (expected < lr / 10)  # more than one decade: it says why


@pytest.mark.parametrize("optimizer,momentum,expected", [("adam", 0.0, 0.0033), ("rmsprop", 0.9, 0.00033),
                                                          ("adagrad", 0.0, 0.01), ("sgd", 0.9, 0.033)])
def test_a_plain_recurrent_network_is_lowered_to_a_third_of_the_optimizers_top(optimizer, momentum, expected):
    config = TrainConfig(optimizer=optimizer, lr=5.0, momentum=momentum)
    found = exploded(config, recurrent=True)
    assert found.change == {"lr": pytest.approx(expected)} and "time step" in found.message
    assert expected == pytest.approx(rate_top(optimizer, momentum) / RECURRENT_SHARE, rel=0.02)
    assert exploded(config).change["lr"] == rate_top(optimizer, momentum)  # without the recurrent layer


def test_only_a_recurrent_layer_without_gates_is_plain_recurrent():
    shape = (1, 8, 8)
    assert plain_recurrent(graph_to_dict(templates.load("rnn", shape, 10)))
    assert not any(plain_recurrent(graph_to_dict(templates.load(name, shape, 10))) for name in ("lstm", "mlp",
                                                                                                "transformer"))
    assert not plain_recurrent({}) and not plain_recurrent({"nodes": "rnn"}) and not plain_recurrent(None)


@pytest.mark.parametrize("optimizer,lr", [("adam", 0.5), ("adamw", 2.0), ("rmsprop", 0.05), ("adagrad", 0.5)])
def test_a_normalized_optimizer_far_above_its_range_with_a_high_loss_is_told_its_steps_are_too_big(optimizer,
                                                                                                   lr):
    config = TrainConfig(optimizer=optimizer, lr=lr)
    assert lr > FAR_ABOVE * rate_top(optimizer, config.momentum)
    [found] = diagnose(history(STUCK), [2.3, 2.2], config, "completed", 10, network_changes=("batchnorm",))
    assert found.code == "oscillating" and found.change["lr"] < lr and "More epochs will not fix" in found.message
    assert found.change["lr"] <= max(ADAPTIVE_TOP, ADAGRAD_TOP) and found.evidence["rate_over_top"] > FAR_ABOVE


@pytest.mark.parametrize("optimizer,lr,changes", [
    ("sgd", 5.0, ("batchnorm",)),  # SGD's step grows with the gradient: its rate alone says little
    ("adam", 0.05, ("batchnorm",)),  # within 10× Adam's top
    ("adam", 0.5, ("hidden_layer",)),  # a linear network: its loss is high at any rate on such data
])
def test_big_steps_stand_aside_for_sgd_for_rates_near_the_range_and_for_linear_networks(optimizer, lr, changes):
    found = diagnose(history(STUCK), [2.3, 2.2], TrainConfig(optimizer=optimizer, lr=lr), "completed", 10,
                     network_changes=changes)
    assert not any(d.code == "oscillating" for d in found)


def test_big_steps_need_a_loss_still_high():
    learned = diagnose(history([0.5, 0.3], acc=0.9), [2.3, 0.3], TrainConfig(optimizer="adam", lr=0.5), "completed",
                       10, network_changes=("batchnorm",))
    assert learned == []


def test_matrix_subset_an_mlp_at_adam_half_is_told_big_steps_and_the_lower_rate_helps():
    """A FIT cell (digits-adaptive-held3): 'underfitting, 4 epochs' took it from 12.5 to 9.3 %."""
    matrix = doctor_matrix()
    family = next(f for f in matrix.FAMILIES if f.name == "digits-adaptive-held3")
    cell = matrix.run_cell(matrix.Cell(family, "mlp", "digits", "adam", 0.5, 2), matrix.load("digits", 1500))
    assert [d.code for d in cell.found] == ["oscillating"] and cell.found[0].change == {"lr": 0.01}
    assert [t.kind for t in cell.trials] == ["lr down"] and cell.trials[0].helped


def test_matrix_subset_an_exploding_rnn_is_lowered_below_the_feed_forward_top_and_it_helps():
    """A FIT cell (digits-seq): an RNN at Adam 0.1 re-run at 0.01 stayed at chance (9.9 → 9.1 %); the run's
    record reads its network, so the finding knows the layer is recurrent."""
    matrix = doctor_matrix()
    family = next(f for f in matrix.FAMILIES if f.name == "digits-seq")
    cell = matrix.run_cell(matrix.Cell(family, "rnn", "digits", "adam", 0.1, 2), matrix.load("digits", 1500))
    assert [d.code for d in cell.found] == ["exploding"] and cell.found[0].change == {"lr": 0.0033}
    assert cell.trials[0].helped and cell.trials[0].acc > 0.2
