"""Training runs as part of a project: the record of each run, its file form and comparisons.

The public face of engine.runs:
    Run, StepSeries, Mistakes, new_run, new_run_id     the record (engine.runs.record)
    RunWeights                                          a run's weights (kept by engine.runs.weights)
    fingerprint, snapshot                               the trained network (engine.runs.network)
    run_to_dict, run_from_dict, read_runs, runs_section the "runs" section of a file (engine.runs.codec)
    DiffRow, differences, change_summary                runs side by side (engine.runs.compare)
    advise, remedied_from                               the doctor, told what earlier runs tried (engine.runs.advice)
    engine.runs.weights                                 every run's kept weights: cap, file members, adopt again
Must not import Qt.
"""
from engine.runs.advice import advise, remedied_from
from engine.runs.codec import read_runs, run_from_dict, run_to_dict, runs_section
from engine.runs.compare import DiffRow, change_summary, differences, parameter_count
from engine.runs.network import fingerprint, snapshot
from engine.runs.record import (
    MAX_STEP_POINTS,
    Mistakes,
    Run,
    RunWeights,
    StepSeries,
    default_name,
    fine_tune_name,
    fine_tune_origin,
    new_run,
    new_run_id,
    training_run,
)

# Submodules the GUI and scripts may import directly (beside this facade); any other submodule
# is internal (tests/engine/test_architecture.py checks the GUI keeps to this).
PUBLIC_SUBMODULES = ("fit", "lifecycle", "record", "weights",)

__all__ = ["MAX_STEP_POINTS", "DiffRow", "Mistakes", "Run", "RunWeights", "StepSeries", "advise", "change_summary",
           "default_name",
           "fine_tune_name", "fine_tune_origin",
           "differences", "fingerprint", "new_run", "new_run_id", "training_run", "parameter_count", "remedied_from",
           "read_runs", "run_from_dict", "run_to_dict", "runs_section", "snapshot"]
