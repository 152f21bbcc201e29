"""The runs list stays linear in the number of runs: 1,000 runs fill it in well under the minutes
it took when every item change re-measured every row (columns sized to contents)."""
import time

from engine import templates
from engine.runs import new_run, snapshot
from engine.training import TrainConfig
from engine.training.records import EpochRecord, FinishedRecord
from gui.train.runs_panel import RunsPanel


def many_runs(count: int):
    network = snapshot(templates.load("mlp", (2,), 2))
    epochs = [EpochRecord(e, 0.5 / e, 0.8, 0.6 / e, 0.75, 0.01, 0.1, e == 5) for e in range(1, 6)]
    done = FinishedRecord("completed", "Trained.", 5, 0.75, 0.74, 0.6, 5)
    return [new_run(run_id=f"r{i:04d}", name=f"Run {i + 1}", config=TrainConfig(epochs=5), dataset="moons",
                    dataset_meta={"num_classes": 2}, dataset_options={}, network=network, steps=[],
                    epochs=epochs, result=done) for i in range(count)]


def test_a_thousand_runs_fill_the_shown_list_quickly(qtbot):
    panel = RunsPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    runs = many_runs(1000)
    colors = {r.id: "#1f77b4" for r in runs[:10]}
    start = time.perf_counter()
    panel.set_runs(runs, runs[-1].id, [r.id for r in runs[:10]], colors, runs[0].id)
    panel.set_runs(runs, runs[-1].id, [r.id for r in runs[:10]], colors, runs[0].id)  # the in-place update
    panel.grab()
    assert time.perf_counter() - start < 8  # 0.26 s now; 20 s before (minutes inside the window)
    assert panel.tree.topLevelItemCount() == 1000 and panel.checked_ids() == [r.id for r in runs[:10]]
    assert panel.tree.topLevelItem(0).text(2) == "5 ◆"  # the newest, adopted run on top
    assert panel.current_id() == runs[0].id
