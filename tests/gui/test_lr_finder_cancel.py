"""The learning-rate finder's Cancel: the probe stops before its next mini-batch, says so, shows no
suggestion, and the weights are put back bit for bit."""
import time

import torch
from torch import nn

from engine.data import Dataset
from engine.training import TrainConfig
from gui.train.lr_finder import STEPS, LrFinderPanel


class _Slow(nn.Module):
    """A tiny classifier whose forward takes 20 ms, so a full probe would take seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)

    def forward(self, x):
        time.sleep(0.02)
        return self.linear(x)


def _points() -> Dataset:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=gen)
    y = (x[:, 0] > 0).long()
    return Dataset("pts", "points", x[:160], y[:160], x[160:], y[160:], (2,), 2, ["a", "b"], (0.0, 0.0), (1.0, 1.0))


def test_cancel_stops_the_probe_promptly_and_restores_the_weights(qtbot, themed_app):
    torch.manual_seed(0)
    module = _Slow()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    panel = LrFinderPanel(lambda: (module, _points(), TrainConfig(batch_size=16, device="cpu", optimizer="sgd")))
    qtbot.addWidget(panel)
    assert panel.cancel_button.isHidden()
    with qtbot.waitSignal(panel.task.progress_changed, timeout=10_000):
        assert panel.start()
    assert not panel.cancel_button.isHidden() and not panel.find_button.isEnabled()
    clock = time.monotonic()
    with qtbot.waitSignal(panel.task.finished, timeout=10_000) as blocker:
        panel.cancel_button.click()
    assert time.monotonic() - clock < 1.0  # one 20 ms batch, not the rest of the probe
    qtbot.waitUntil(lambda: not panel.running)
    result = blocker.args[0]
    assert result.cancelled and result.suggestion is None and len(result.lrs) < STEPS
    assert "Cancelled after" in panel.message.text() and "as they were" in panel.message.text()
    assert panel.cancel_button.isHidden() and panel.find_button.isEnabled() and panel.use_button.isHidden()
    for key, value in module.state_dict().items():
        assert torch.equal(value, before[key]), key
    panel.shutdown()
