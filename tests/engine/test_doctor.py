"""The curve doctor: each diagnosis code on constructed histories, and on real short runs
(a learning rate that explodes without NaN on the perceptron, an overfitting MLP on a few
noisy spiral points)."""
import math
from dataclasses import replace

import pytest
import torch

from engine import templates
from engine.builder import build_module
from engine.data import load_dataset
from engine.training import EpochRecord, FinishedRecord, StepRecord, TrainConfig, diagnose, train
from engine.training.doctor import CODES, chance_loss


def epochs(train_losses, val_losses=None, train_acc=0.5):
    val_losses = val_losses or [None] * len(train_losses)
    return [EpochRecord(i + 1, t, train_acc, v, None if v is None else 0.5, 0.01, 1.0, False)
            for i, (t, v) in enumerate(zip(train_losses, val_losses))]


def codes(found):
    return [d.code for d in found]


CONFIG = TrainConfig(lr=0.01, schedule="none")


def test_healthy_curves_have_no_diagnosis():
    history = epochs([0.6, 0.3, 0.15, 0.1, 0.08], [0.62, 0.33, 0.2, 0.16, 0.15], train_acc=0.97)
    assert diagnose(history, [0.69, 0.5, 0.3, 0.1], CONFIG, "completed", 2) == []


def test_nan_is_diverged_with_a_lower_learning_rate_to_rerun():
    [found] = diagnose(epochs([0.6]), [0.7], TrainConfig(lr=10.0), "nan", 2)
    assert found.code == "diverged" and found.severity == "error" and found.epoch == 2
    assert found.change == {"lr": 0.001} and "NaN" in found.message


def test_a_finite_loss_far_above_its_start_is_exploding_not_healthy():
    [found] = diagnose(epochs([3e9, 2e9]), [0.69, 5e8, 3e9, 2e9], TrainConfig(lr=1e10), "completed", 2)
    assert found.code == "exploding" and found.severity == "error" and found.epoch == 1
    # one decade down, at most Adam's top 0.01 (tests/engine/test_doctor_remedies.py says why not a fixed 0.001)
    assert found.change == {"lr": 0.01} and "3e+09" in found.message


def test_a_loss_that_goes_up_and_down_is_oscillating():
    [found] = diagnose(epochs([0.6, 0.8, 0.5, 0.9, 0.55, 0.85]), [0.69, 0.6], CONFIG, "completed", 2)
    assert found.code == "oscillating" and found.epoch == 2 and found.change == {"lr": pytest.approx(0.0033)}


SMALL_STEPS = {"grad_norms": {"fc1": [0.02, 0.03], "fc2": [0.03, 0.03], "out": [0.05, 0.04]},
               "update_ratios": {"fc1": [2e-6, 1e-6], "fc2": [1e-6, 1e-6], "out": [3e-6, 2e-6]}}


def test_a_loss_that_hardly_moves_with_tiny_steps_means_the_learning_rate_is_too_low():
    found = diagnose(epochs([0.69, 0.689, 0.688]), [0.693, 0.69], TrainConfig(lr=1e-6), "completed", 2,
                     gradients=SMALL_STEPS)
    # the steps are ~1/3000 of the usual size: the rate goes up 100× (at most), not just 10×
    assert codes(found) == ["lr_too_low"] and found[0].change == {"lr": 1e-4}
    assert found[0].evidence["update_ratio"] == pytest.approx(1.5e-6) and found[0].evidence["gradient_ratio"] > 0.01
    assert "1e-06" in found[0].message or "2e-06" in found[0].message


def test_a_flat_loss_alone_is_not_evidence_of_a_low_learning_rate():
    """Changed lesson (issue 16): a loss that did not move is what vanishing gradients and dead units look like
    too; "learning rate too low" needs steps measured small against the weights (update ratio)."""
    flat = epochs([0.69, 0.689, 0.688])
    unknown = diagnose(flat, [0.693, 0.69], TrainConfig(lr=1e-6), "completed", 2)
    assert "lr_too_low" not in codes(unknown) and all(not d.change.get("lr") for d in unknown)
    assert "cannot tell" in unknown[0].message
    norms = SMALL_STEPS["grad_norms"]
    big_steps = {"grad_norms": norms, "update_ratios": {k: [0.01] for k in norms}}
    moved = diagnose(flat, [0.693, 0.69], TrainConfig(lr=1e-6), "completed", 2, gradients=big_steps)
    assert "lr_too_low" not in codes(moved) and "not the cause" in moved[0].message


def test_a_loss_stuck_high_at_a_constant_rate_is_a_plateau():
    found = diagnose(epochs([2.0, 1.2, 1.1, 1.1, 1.1, 1.1]), [2.3, 2.0], TrainConfig(schedule="none"),
                     "completed", 10)
    assert codes(found) == ["plateau"] and found[0].change == {"schedule": "onecycle"} and found[0].epoch == 3


def with_val_acc(history, accs):
    return [replace(r, val_acc=a) for r, a in zip(history, accs)]


def test_validation_loss_rising_while_training_loss_falls_is_overfitting():
    history = epochs([0.6, 0.4, 0.3, 0.2, 0.1], [0.6, 0.45, 0.5, 0.6, 0.7], train_acc=0.95)
    costly = with_val_acc(history, [0.7, 0.85, 0.84, 0.82, 0.8])  # the rise cost 5 points of accuracy
    for found in (diagnose(costly, [0.69], CONFIG, "completed", 2), diagnose(history, [0.69], CONFIG, "completed", 2)):
        assert codes(found) == ["overfitting"] and found[0].epoch == 3
        assert "dropout" in found[0].message and "more training data" in found[0].message
        # No one-click re-run (it used to be early stopping): bench/doctor_matrix.py applied early stopping to
        # the overfitting cells and it helped 1 of 5 (0/2 before, 1/3 on the small-digits cells), weight decay
        # 3 of 6, augmentation 4 of 6: none helps in most cases, so the doctor names them and predicts none.
        assert not found[0].one_click and found[0].evidence["best_epoch"] == 2


def test_a_validation_loss_doubling_in_two_epochs_to_worse_than_guessing_is_never_healthy():
    """ResNet-18 on 600 folder images, 2 epochs: validation loss 2.3 → 4.0 (chance 2.30), test 10.7 %."""
    history = [EpochRecord(1, 2.2, 0.15, 2.3, 0.11, 0.01, 1.0, False),
               EpochRecord(2, 1.9, 0.3, 4.0, 0.10, 0.01, 1.0, False)]
    [found] = diagnose(history, [2.4, 2.2, 1.9], CONFIG, "completed", 10)
    assert found.code == "overfitting" and found.epoch == 2 and "worse than guessing" in found.message
    assert not found.one_click and "augmentation" in found.message  # one epoch of evidence: no prediction
    below_chance = [history[0], replace(history[1], val_loss=2.1)]  # rose 1.0 → 2.1, still better than guessing
    assert codes(diagnose([replace(history[0], val_loss=1.0), below_chance[1]], [2.4], CONFIG, "completed",
                          10)) != ["overfitting"]


def test_both_losses_high_is_underfitting_with_more_epochs_or_a_bigger_network():
    falling = diagnose(epochs([1.5, 1.2, 1.0], [1.5, 1.25, 1.05]), [2.3], CONFIG, "completed", 10)
    assert codes(falling) == ["underfitting"] and falling[0].change == {"epochs": 6}
    flat = diagnose(epochs([1.5, 1.2, 1.19], [1.5, 1.25, 1.2]), [2.3], CONFIG, "completed", 10)
    assert codes(flat) == ["underfitting"] and flat[0].change == {} and "more units" in flat[0].message


def test_during_a_run_only_what_a_partial_curve_can_show():
    assert diagnose(epochs([1.5, 1.2]), [2.3], CONFIG, None, 10, final=False) == []
    assert codes(diagnose([], [0.7, 5e8, 3e9], TrainConfig(lr=1e10), None, 2, final=False)) == ["exploding"]


def test_codes_are_stable_and_serializable():
    assert CODES == ("diverged", "exploding", "oscillating", "lr_too_low", "plateau", "overfitting", "underfitting",
                     "vanishing_gradients", "too_simple")
    [found] = diagnose(epochs([0.6]), [0.7], CONFIG, "nan", 2)
    assert set(found.to_dict()) >= {"code", "epoch", "message"}
    assert chance_loss("cross_entropy", 10) == pytest.approx(math.log(10)) and chance_loss("mse", 10) is None


def _run(template, dataset, config):
    torch.manual_seed(0)  # the same first weights whatever ran before in this process
    module = build_module(templates.load(template, dataset.input_shape, dataset.num_classes))
    steps, history, finished = [], [], None
    for record in train(module, dataset, config):
        if isinstance(record, StepRecord):
            steps.append(record.loss)
        elif isinstance(record, EpochRecord):
            history.append(record)
        elif isinstance(record, FinishedRecord):
            finished = record
    return diagnose(history, steps, config, finished.status, dataset.num_classes), finished


@pytest.mark.parametrize("lr", [10.0, 1e10])
def test_real_run_a_huge_learning_rate_explodes_without_nan(lr):
    moons = load_dataset("moons", n_samples=400)
    found, finished = _run("perceptron", moons, TrainConfig(lr=lr, epochs=5, schedule="none", log_every=2,
                                                           cpu_threads=1))  # one thread: the same sums every time
    assert finished.status == "completed"  # no NaN: the trainer alone would call this a success
    assert codes(found) == ["exploding"] and found[0].severity == "error"


def test_real_run_a_big_network_on_a_few_noisy_points_overfits():
    spirals = load_dataset("spirals", n_samples=120, noise=0.3)
    config = TrainConfig(lr=1e-2, epochs=60, schedule="none", val_split=0.4, batch_size=16, log_every=2)
    found, finished = _run("mlp", spirals, config)
    assert finished.status == "completed" and "overfitting" in codes(found)


def test_stalled_high_with_vanishing_gradients_says_depth_not_more_layers():
    stalled = epochs([1.5, 1.2, 1.19], [1.5, 1.25, 1.2])  # high and stalled, as in the underfitting test
    vanishing = {"grad_norms": {"fc1": [2e-6, 1e-6, None], "fc5": [1e-4, 2e-4], "fc10": [3e-3, 2e-3, 2e-3]}}
    [found] = diagnose(stalled, [2.3], CONFIG, "completed", 10, gradients=vanishing)
    assert found.code == "vanishing_gradients" and "about 1/1,300" in found.message and "fc1" in found.message
    assert "ReLU" in found.message and "batch normalization" in found.message and found.change == {}
    healthy = {"grad_norms": {"fc1": [1e-3], "fc5": [1e-3], "fc10": [2e-3]}}
    assert codes(diagnose(stalled, [2.3], CONFIG, "completed", 10, gradients=healthy)) == ["underfitting"]
    assert codes(diagnose(stalled, [2.3], CONFIG, "completed", 10, gradients={})) == ["underfitting"]


def test_one_epoch_cannot_show_a_stall_so_it_asks_for_more_epochs():
    [found] = diagnose(epochs([1.5], [1.5]), [2.3, 2.0, 1.6], CONFIG, "completed", 10)
    assert found.code == "underfitting" and found.change == {"epochs": 5} and "after one epoch" in found.message
    assert "more layers" not in found.message


def test_a_blown_up_loss_on_a_network_that_still_classifies_is_a_warning_without_a_click():
    """A perceptron on digits at rmsprop 0.1: the loss went to 12× chance level and ended at 4×, yet 92 % of
    the test digits are right (huge logits: confident mistakes). Its weights are not useless (an error would
    refuse to adopt them), and a lower rate made such runs worse (bench/doctor_matrix.py: 92.0 → 90.7 %)."""
    history = [EpochRecord(1, 20.0, 0.85, 12.0, 0.88, 0.01, 1.0, False),
               EpochRecord(2, 9.5, 0.9, 9.0, 0.91, 0.01, 1.0, False)]
    [found] = diagnose(history, [2.3, 27.0, 9.0], TrainConfig(lr=0.1, optimizer="rmsprop"), "completed", 10)
    assert found.code == "exploding" and found.severity == "warning" and not found.one_click
    assert "91%" in found.message and found.evidence["accuracy"] == 0.91
    useless = [replace(r, val_acc=0.1, train_acc=0.1) for r in history]  # the same curves, guessing
    [found] = diagnose(useless, [2.3, 27.0, 9.0], TrainConfig(lr=0.1, optimizer="rmsprop"), "completed", 10)
    assert found.severity == "error" and found.change == {"lr": 0.001}  # RMSprop's top 0.01 over momentum's 10×
    billions = [replace(r, train_loss=r.train_loss * 1e8) for r in history]  # lr 1e10: still an error
    assert diagnose(billions, [2.3, 27.0e8], TrainConfig(lr=1e10), "completed", 10)[0].severity == "error"


def test_the_banner_and_the_gradient_flow_tab_state_the_ratio_alike_to_two_figures():
    """A median of noisy gradient norms supports two significant figures, not eight ("1/59,001,687"); the doctor's
    banner and the Gradient flow tab say the same words for the same ratio."""
    from engine.training.evidence import GradientEvidence

    found = GradientEvidence(first="fc1", last="out", ratio=1 / 59_001_687, update_ratio=None, layers=10)
    assert found.share_text() == "about 1/59 million"
    assert "about 1/59 million of out's" in found.sentence()
    assert GradientEvidence(first="a", last="b", ratio=1 / 1333, update_ratio=None, layers=3).share_text() == \
        "about 1/1,300"


def test_a_gradient_that_never_reaches_the_first_layer_is_said_plainly():
    """Dead ReLUs after a huge step leave the first layer no gradient at all: "is none of the last layer's" read
    as a typo; the banner and the Gradient flow tab say that none reaches it."""
    from engine.training.evidence import GradientEvidence

    found = GradientEvidence(first="conv1", last="fc3", ratio=0.0, update_ratio=None, layers=5)
    assert found.reaching_text() == ("no gradient at all reaches the first layer (conv1), while the last layer (fc3) "
                                     "gets one")
    assert found.sentence().startswith("No gradient reaches conv1 at all, while fc3 gets one")
