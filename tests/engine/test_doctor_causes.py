"""Which cause the curve doctor names when two could explain the curves (issue 16).

- Big steps (‖Δw‖/‖w‖ ≥ UPDATE_LARGE) are overshooting only where the loss shows it: a loss that fell every
  epoch, with no logged step 10 % above the one before, is learning, and a lower rate only slows it (an LSTM
  on digits at SGD 2 for 2 epochs: 23.2 % → 18.1 % at 0.2; at Adam 0.1: 61.1 → 59.2 % at 0.01; both helped by
  more epochs: 42.1 %, 74.9 %, bench/doctor_matrix.py's FIT family lstm-highlr-held).
- A gradient that vanished from the first measurement on in a network with hidden sigmoid or tanh is the
  network's doing: it is named before "exploding", and since the loss blew up too, both remedies are named and none is
  a click (deep_sigmoid on circles at SGD 30, RMSprop 3 and 30: neither a lower rate nor batch normalization
  alone left chance level, FIT family sigmoid-highlr-fit).
"""
from __future__ import annotations

from engine.training import EpochRecord, TrainConfig, diagnose
from engine.training.evidence import gradient_evidence
from engine.training.two_causes import SLOPES


def history(losses, acc=0.2):
    return [EpochRecord(i + 1, t, acc, t, acc, 0.01, 1.0, False) for i, t in enumerate(losses)]


def grads(first_norms, update=0.07, depth=3):
    """Gradient series of `depth` layers with weights: the first layer's norms `first_norms`, the others healthy."""
    names = [f"fc{i}" for i in range(1, depth)] + ["out"]
    norms = {name: [0.5] * len(first_norms) for name in names}
    norms.update(fc1=first_norms, out=[1.0] * len(first_norms))
    return {"grad_norms": norms, "update_ratios": {k: [update] * len(first_norms) for k in names}}


def codes(found):
    return [d.code for d in found]


def test_big_steps_with_a_loss_that_fell_throughout_are_not_overshooting():
    healthy = grads([0.8, 0.9, 0.7])
    falling = diagnose(history([2.38, 2.07]), [2.31, 2.25, 2.2, 2.1, 2.0], TrainConfig(lr=2.0, optimizer="sgd"),
                       "completed", 10, gradients=healthy)
    assert codes(falling) == ["underfitting"] and falling[0].change == {"epochs": 4}


def test_big_steps_with_a_loss_that_rose_somewhere_are_overshooting():
    healthy = grads([0.8, 0.9, 0.7])
    jumpy = diagnose(history([2.38, 2.07]), [2.31, 1.7, 2.3, 2.1, 2.0], TrainConfig(lr=2.0, optimizer="sgd"),
                     "completed", 10, gradients=healthy)
    assert codes(jumpy) == ["oscillating"] and jumpy[0].change == {"lr": 0.1}
    one_epoch = diagnose(history([2.0]), [2.31, 2.0], TrainConfig(lr=2.0, optimizer="sgd"), "completed", 10,
                         gradients=healthy)  # one epoch cannot show that it fell throughout: unchanged
    assert codes(one_epoch) == ["oscillating"]


def test_the_start_ratio_is_the_first_measurement_where_both_ends_are_measured():
    found = gradient_evidence({"grad_norms": {"a": [None, 1e-6, 0.0], "b": [1.0, 0.5, 0.5], "c": [1.0, 1.0, 0.0]}})
    assert found.start_ratio == 1e-6 and found.ratio == 5e-7  # the median of (1e-6, 0) over that of (1, 1, 0)
    assert gradient_evidence({"grad_norms": {"a": [0.1], "b": [1.0], "c": [1.0]}}).vanishing_from_start is False


BLOWN_UP = ([30.0, 25.0], [2.3, 40.0, 30.0, 25.0])  # exploded and ended at ~11× chance level (ln 10)


def test_a_gradient_that_vanished_from_the_start_is_named_before_exploding_with_both_remedies_and_no_click():
    vanished = grads([1e-7, 0.0, 0.0], update=1e-6, depth=11)  # deep_sigmoid: 11 layers with weights
    [found] = diagnose(history(BLOWN_UP[0]), BLOWN_UP[1], TrainConfig(lr=30.0, optimizer="sgd"), "completed", 10,
                       gradients=vanished, network_changes=("batchnorm", "relu"))
    assert found.code == "vanishing_gradients" and not found.one_click and found.severity == "error"
    assert "batch normalization" in found.message and "learning rate 0.1" in found.message
    assert "blew up" in found.message and found.evidence["gradient_ratio"] < 0.01 and found.evidence["loss_peak"]


def test_a_gradient_lost_only_after_the_blow_up_is_the_rate_s_doing():
    """Dead units after a blow-up (an MLP with ReLU at RMSprop 2: ratio 0 over the run, 1 at the start)."""
    killed = grads([0.5, 0.0, 0.0, 0.0], update=1e-2)
    [found] = diagnose(history(BLOWN_UP[0]), BLOWN_UP[1], TrainConfig(lr=2.0, optimizer="rmsprop"), "completed",
                       10, gradients=killed, network_changes=("batchnorm",))
    assert found.code == "exploding" and found.change == {"lr": 0.001}


def test_a_relu_network_whose_gradient_was_lost_from_the_first_measurement_is_still_exploding():
    """LeNet-5 at RMSprop 20: the first measurement (step 10) already came after the blow-up; its ReLU units died,
    and the lowered rate helped (9.9 → 92.3 %, FIT family digits-highlr-held2). Only sigmoid/tanh slopes
    (network change "relu" applicable) explain a gradient that vanishes from the start."""
    vanished = grads([1e-7, 0.0, 0.0], update=1e-6)
    [found] = diagnose(history(BLOWN_UP[0]), BLOWN_UP[1], TrainConfig(lr=20.0, optimizer="rmsprop"), "completed",
                       10, gradients=vanished, network_changes=("batchnorm",))
    assert found.code == "exploding" and found.change == {"lr": 0.001}
    unknown = diagnose(history(BLOWN_UP[0]), BLOWN_UP[1], TrainConfig(lr=20.0), "completed", 10, gradients=vanished)
    assert codes(unknown) == ["exploding"]  # without the network, nothing says what shrank it


LEARNED = [0.3, 0.2, 0.25, 0.15, 0.22, 0.12]  # rises between epochs at a loss well under chance level (ln 2)


def test_a_run_that_learned_at_its_rate_and_oscillates_between_epochs_is_stepped_down_gently():
    """÷3 without the optimizer's own top: the run showed the rate is near the edge for this network, not far above
    (FIT cells: an MLP on moons at SGD 4, 98.8 % → 1: 100 % where → 0.1 gave 96.5 %; on spirals at AdamW 1, 88.2 %
    → 0.33: 96.8 % where → 0.01 gave 70.8 %)."""
    for optimizer, lr, expected in (("adamw", 1.0, 0.33), ("sgd", 4.0, 1.0), ("rmsprop", 0.3, 0.1)):
        [found] = diagnose(history(LEARNED, acc=0.9), [0.69, 0.3], TrainConfig(lr=lr, optimizer=optimizer),
                           "completed", 2)
        assert found.code == "oscillating" and found.change == {"lr": expected}


def test_a_run_still_high_that_oscillates_between_epochs_keeps_the_optimizer_s_top():
    high = [v * 2.2 for v in LEARNED]  # the same shape at 0.4-0.9 of chance level: it has not learned yet
    [found] = diagnose(history(high, acc=0.6), [0.69, 0.66], TrainConfig(lr=1.0, optimizer="adamw"), "completed", 2)
    assert found.code == "oscillating" and found.change == {"lr": 0.01}


def test_too_few_sigmoid_layers_cannot_explain_a_vanished_gradient_so_a_blow_up_killed_it():
    """Each sigmoid shrinks the gradient at least 4× (slope ≤ 1/4): under 1/100 takes ≥ 4 of them (SLOPES). A
    2-hidden-layer tanh MLP on moons at RMSprop 4 had ratio 0 at step 10 because the loss had already blown up (16×
    chance at the first log), and the lowered rate helped (85.8 → 99.8 %): it stays exploding."""
    assert SLOPES == 4
    vanished = grads([1e-7, 0.0, 0.0], update=1e-6, depth=SLOPES)  # three hidden activations: not enough
    [found] = diagnose(history(BLOWN_UP[0]), BLOWN_UP[1], TrainConfig(lr=4.0, optimizer="rmsprop"), "completed", 10,
                       gradients=vanished, network_changes=("batchnorm", "relu"))
    assert found.code == "exploding" and found.change == {"lr": 0.001}
    deep = grads([1e-7, 0.0, 0.0], update=1e-6, depth=SLOPES + 1)
    assert codes(diagnose(history(BLOWN_UP[0]), BLOWN_UP[1], TrainConfig(lr=4.0, optimizer="rmsprop"), "completed",
                          10, gradients=deep, network_changes=("batchnorm", "relu"))) == ["vanishing_gradients"]
