"""The memory line the Train view shows lists every part the total counts: a learner who adds
them up gets the total (LeNet-5's 'about 30.2 MiB' listed ~5.9 MiB of parts)."""
import engine
from engine import preflight


def test_the_listed_parts_add_up_to_the_total():
    graph = engine.templates.load("lenet5")
    estimate = preflight.estimate(engine.analyze(graph), graph.input_map(), 64, "adam", available=None)
    parts = estimate.weights + estimate.gradients + estimate.optimizer + estimate.activations + estimate.data
    assert estimate.total == parts + preflight.RUNTIME_OVERHEAD
    assert f"PyTorch's working memory {preflight.human_bytes(preflight.RUNTIME_OVERHEAD)}" in estimate.summary()
    weights_only = preflight.estimate(engine.analyze(graph), graph.input_map(), available=None)
    assert "PyTorch" not in weights_only.summary()  # no run, no runtime counted
