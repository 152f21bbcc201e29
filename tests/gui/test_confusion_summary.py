"""A run over more classes than a confusion matrix is kept whole for shows its summary: how many
right and the largest confusions by class name (engine.runs.fit), after save and reopen too."""
import engine
from engine import templates
from gui.train.results_tabs import ResultTabs
from tests.engine import project_samples as samples


def test_a_1001_class_run_shows_its_largest_confusions(qtbot, tmp_path):
    graph = templates.load("mlp", (2,), 1001)
    run = samples.run(graph, classes=1001)
    path = engine.save(graph, tmp_path / "p.nwproj", runs=[run])
    [again] = engine.load(path).runs
    tabs = ResultTabs()
    qtbot.addWidget(tabs)
    tabs.show_run(again, None)
    caption = tabs.confusion_page.caption.text()
    assert tabs.confusion_page.currentIndex() == 1 and "1,001 classes" in caption
    t, p, n = again.confusion_summary.top[0]
    assert f"'class {t}' taken for 'class {p}' {n:,}×" in caption
