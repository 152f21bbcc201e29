"""Closing is prompt: a dataset still being drawn (the offline digits, ~26 s for 24,000) is
cancelled at its next chunk instead of being waited for."""
import time

TIMEOUT_MS = 60_000


def test_closing_during_digit_generation_cancels_it(qtbot, window):
    panel = window.train_view.datasets
    panel.select("digits")
    panel.samples.setValue(20000)
    loaded = []
    panel.loader.loaded.connect(lambda request, dataset: loaded.append(dataset))
    with qtbot.waitSignal(panel.loader.progress_changed, timeout=TIMEOUT_MS,
                          check_params_cb=lambda fraction, message: fraction > 0):
        panel.load()
    start = time.perf_counter()
    assert window.close()
    assert time.perf_counter() - start < 3
    assert not panel.loader.busy and not loaded


def test_loader_shutdown_cancels_a_running_load(qtbot, themed_app):
    from gui.jobs.loader import DatasetLoader, DatasetRequest

    loader = DatasetLoader()
    outcomes = []
    loader.loaded.connect(lambda *args: outcomes.append("loaded"))
    loader.failed.connect(lambda *args: outcomes.append("failed"))
    with qtbot.waitSignal(loader.progress_changed, timeout=TIMEOUT_MS,
                          check_params_cb=lambda fraction, message: fraction > 0):
        loader.load(DatasetRequest("digits", "", download=False, options={"n_train": 20000, "n_test": 4000}))
    start = time.perf_counter()
    loader.shutdown()
    assert time.perf_counter() - start < 3 and not loader.busy
    qtbot.wait(50)
    assert outcomes == []  # cancelled: neither a dataset nor an error
