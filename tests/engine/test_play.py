"""Play: a session trains the learner's network continuously and can be changed between steps."""
import numpy as np
import pytest
import torch

import engine
from engine.play import PlayError, PlaySession, PlaySettings


@pytest.fixture
def session():
    torch.manual_seed(0)
    return PlaySession(engine.templates.load("mlp", (2,), 2), PlaySettings(dataset="moons", lr=0.1))


def test_it_learns_and_frames_carry_the_boundary_and_hidden_units(session):
    before = session.frame()
    for _ in range(60):
        session.step(5)
    after = session.frame()
    assert after.step == 300 and after.train_loss < before.train_loss and after.test_accuracy > 0.8
    r = session.settings.resolution
    assert after.classes.shape == after.confidence.shape == (r, r)
    assert set(np.unique(after.classes)) == {0, 1}  # both classes have a region
    assert [h.node_id for h in after.hidden] == ["act1", "act2"]
    assert after.hidden[0].units.shape == (8, r, r) and after.hidden[0].total_units == 16
    assert after.points.shape == (480, 2) and after.extent[0] < after.points[:, 0].min()


def test_changes_between_steps_keep_the_weights_that_still_fit(session):
    session.step(20)
    fc1 = session.module.state_dict()["fc1.weight"].clone()
    session.set_lr(0.5)
    assert session.optimizer.param_groups[0]["lr"] == 0.5
    session.set_activation("relu")
    assert {session.graph.node(n).layer for n in ("act1", "act2")} == {"relu"}
    assert torch.equal(session.module.state_dict()["fc1.weight"], fc1)
    session.set_width("fc1", 4)
    assert torch.equal(session.module.state_dict()["fc1.weight"], fc1[:4])
    assert session.module.state_dict()["fc2.weight"].shape == (16, 4)
    session.set_noise(0.4)
    session.step(5)
    assert session.frame().hidden[0].total_units == 4


def test_what_cannot_be_played_is_refused_with_a_reason(session):
    with pytest.raises(PlayError, match="2-D points"):
        PlaySession(engine.templates.load("lenet5"))
    with pytest.raises(PlayError, match="output"):
        session.set_width("out", 3)
    with pytest.raises(PlayError):
        session.set_activation("softmax")
    with pytest.raises(PlayError):
        PlaySession(engine.templates.load("mlp", (2,), 2), PlaySettings(dataset="mnist"))


def test_three_classes_on_spirals():
    play = PlaySession(engine.templates.load("mlp", (2,), 3), PlaySettings(dataset="spirals"))
    play.step(10)
    frame = play.frame()
    assert frame.classes.max() <= 2 and frame.labels.max() == 2
