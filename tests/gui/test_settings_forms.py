"""The Train view's settings form and dataset options are generated from the engine's records."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from engine.data import dataset_info
from engine.training import SETTINGS, TrainConfig
from gui.train.dataset_panel import DatasetPanel
from gui.train.settings_form import SettingsForm


def test_the_form_has_one_editor_per_shown_setting_with_its_choices_range_and_help(qtbot):
    form = SettingsForm()
    qtbot.addWidget(form)
    assert set(form.editors) == {name for name, spec in SETTINGS.items() if spec.form}
    for name, editor in form.editors.items():
        spec = SETTINGS[name]
        assert editor.toolTip() == spec.help and editor.objectName() == f"setting_{name}"
        if spec.kind == "choice":
            assert isinstance(editor, QComboBox)
            assert [(editor.itemData(i), editor.itemText(i)) for i in range(editor.count())] == list(spec.choices)
        elif spec.kind == "bool":
            assert isinstance(editor, QCheckBox)
        elif spec.kind == "float" and not spec.percent:
            assert isinstance(editor, QLineEdit)
        else:
            assert isinstance(editor, QSpinBox)
            scale = 100 if spec.percent else 1
            assert editor.minimum() == int(spec.minimum * scale)
    assert form.editors["val_split"].maximum() == 90 and form.editors["epochs"].maximum() == 10000
    assert form.config() == TrainConfig()


def test_a_setting_applies_only_when_its_condition_holds(qtbot):
    form = SettingsForm()
    qtbot.addWidget(form)
    optimizer = form.editors["optimizer"]
    optimizer.setCurrentIndex(optimizer.findData("adam"))
    assert not form.editors["momentum"].isEnabled() and not form.editors["nesterov"].isEnabled()
    optimizer.setCurrentIndex(optimizer.findData("sgd"))
    assert form.editors["momentum"].isEnabled() and form.editors["nesterov"].isEnabled()
    assert not form.editors["patience"].isEnabled()
    form.editors["early_stopping"].setChecked(True)
    assert form.editors["patience"].isEnabled()


def test_dataset_options_take_their_defaults_ranges_and_help_from_the_engine(qtbot, settings):
    panel = DatasetPanel(settings)
    qtbot.addWidget(panel)
    panel.select("moons")
    samples = dataset_info("moons").option("n_samples")
    assert panel.samples.value() == samples.default and panel.samples.maximum() == samples.maximum
    assert panel.noise.text() == f"{dataset_info('moons').option('noise').default:g}"
    assert panel.samples.toolTip() == samples.help
    assert panel.request().options == {"n_samples": samples.default, "noise": 0.1}
    panel.select("digits")
    assert panel.samples.value() == dataset_info("digits").option("n_train").default
    assert panel.request().options == {"n_train": 20000}
    assert panel.form.isRowVisible(panel.samples) and not panel.form.isRowVisible(panel.noise)
    panel.shutdown()
