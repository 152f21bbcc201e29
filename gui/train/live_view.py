"""The run in progress as the Train view shows it: curves growing (a continued run's start
where its parent ended), the progress line, the curve doctor speaking up mid-run, and the
decision boundary while it forms.

Follows the document's RunCoordinator, whichever view started the run. Must not import
the rest of the view beyond the panels it is handed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from engine.runs.record import changes_for
from engine.training import EpochRecord, diagnose, steps_per_epoch
from engine.training.checks import val_count
from engine.training.network_remedy import plain_recurrent

from ..jobs.adoption import LiveRun
from .control_bar import PAUSED, RUNNING
from .run_banner import ERROR, WARNING

if TYPE_CHECKING:
    from .train_view import TrainView


def live_steps_per_epoch(live: LiveRun) -> int:
    data, config = live.request.dataset, live.request.config
    return steps_per_epoch(data.num_train - val_count(data.num_train, config.val_split), config.batch_size)


class LiveRunView(QObject):
    def __init__(self, view: TrainView) -> None:
        super().__init__(view)
        self.view = view
        c = view.coordinator
        c.started.connect(self._on_coordinator_started)
        c.pause_changed.connect(self._on_coordinator_pause_changed)
        c.steps_logged.connect(self._on_coordinator_steps_logged)
        c.epoch_ended.connect(self._on_coordinator_epoch_ended)
        c.grid_computed.connect(view.results.show_grid)
        c.gradients_recorded.connect(view.results.gradflow.add_record)

    def _on_coordinator_started(self, live: LiveRun) -> None:
        view, parent = self.view, live.request.parent
        view.plots.begin_live(live.last_epoch, parent)
        first_step = parent.steps.steps if parent is not None else 0
        steps = live_steps_per_epoch(live) * live.request.config.epochs
        view.control.begin(steps, live.request.config.epochs, first_step, live.first_epoch)
        view.control.set_state(RUNNING)
        view.banner.clear()
        view.results.begin_live(live.request.dataset, live.network)
        view.set_editable(False)
        view.show_runs()

    def _on_coordinator_pause_changed(self, paused: bool) -> None:
        if not paused:
            self.view.control.resumed()
        self.view.control.set_state(PAUSED if paused else RUNNING)

    def _on_coordinator_steps_logged(self, records: tuple) -> None:
        if self.view.live is None:
            return
        self.view.plots.add_steps(records)
        self.view.control.show_step(records[-1])

    def _on_coordinator_epoch_ended(self, record: EpochRecord) -> None:
        live = self.view.live
        if live is None:
            return
        self.view.plots.add_epoch(record)
        found = diagnose(live.epochs, [s.loss for s in live.steps], live.request.config, None,
                         live.request.dataset.num_classes, final=False,
                         gradients=self.view.results.gradflow.history.to_dict(),  # the tab's numbers
                         network_changes=changes_for(live.network), recurrent=plain_recurrent(live.network))
        if found:  # the doctor speaks up while the run goes on
            banner = self.view.banner
            banner.show_text(f"<b>{live.name}</b> is training — the curve doctor sees a problem:",
                             ERROR if any(d.severity == "error" for d in found) else WARNING)
            banner.show_diagnoses(found, can_rerun=False)
