"""The run-status vocabulary: the one home of every word a run's outcome is spelled with.

The trainer ends each run with one of `STATUSES`; the groups below say what each means
for the run's weights and its test evaluation, and `status_title` gives the word or two the
user reads. The adoption verdicts (what happened to a finished run's weights) live here too,
so the CLI, the Train view and the Draw view say the same thing. Everything else imports
these names instead of spelling the words. Must not import torch, Qt or pyqtgraph.
"""
from __future__ import annotations

# -- how a training ended (FinishedRecord.status) ---------------------------------------------
COMPLETED = "completed"  # every epoch asked for
EARLY_STOPPED = "early_stopped"  # the validation loss stopped improving (best weights restored)
STOPPED = "stopped"  # the user stopped it: the weights are those it reached
NAN = "nan"  # the loss became NaN or infinite: diverged
OOM = "oom"  # the device ran out of memory
ERROR = "error"  # anything else went wrong

STATUSES = (COMPLETED, STOPPED, EARLY_STOPPED, NAN, OOM, ERROR)
FINISHED_STATUSES = (COMPLETED, EARLY_STOPPED)  # ran to its own end: adopted when it did not fail
WEIGHTS_STATUSES = (COMPLETED, EARLY_STOPPED, STOPPED)  # weights worth keeping (and testing once)
FAILED_STATUSES = (NAN, OOM, ERROR)  # weights useless: never adopted

_TITLES = {COMPLETED: "Finished", EARLY_STOPPED: "Stopped early", STOPPED: "Stopped",
           NAN: "Diverged", OOM: "Out of memory", ERROR: "Failed"}

# -- what became of a finished run's weights (engine.runs.lifecycle.adoption) ------------------
ADOPTED = "adopted"  # its weights are now the project's
KEPT = "kept"  # recorded with what it reached; the project's weights stay (the user may adopt it)
FAILED = "failed"  # recorded; its weights are useless and were dropped
CHANGED = "changed"  # the network was edited while it trained: recorded, its weights wait for a choice
REPLACED = "replaced"  # another project was opened meanwhile: not recorded
EMPTY = "empty"  # stopped before an epoch ended: nothing to record


def status_title(status: str) -> str:
    """The status in a word or two, for the user."""
    return _TITLES.get(status, status)


def is_failed(status: str) -> bool:
    return status in FAILED_STATUSES


def has_weights(status: str) -> bool:
    return status in WEIGHTS_STATUSES


def is_finished(status: str) -> bool:
    return status in FINISHED_STATUSES
