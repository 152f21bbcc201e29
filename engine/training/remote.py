"""Training in a child process: the GUI keeps its own interpreter (no GIL shared with the
training loop) and a crash in training cannot take the user's unsaved work with it.

`RemoteTraining` (parent side) starts one long-lived child with the "spawn" method (it
imports torch once, so start it early: it stays warm between runs), sends it the dataset
(once per dataset object) and each job, forwards pause, resume and stop, and reads what
comes back. `serve` (child side) runs each job with the engine's `TrainingJob`, the same
code a GUI thread runs, and streams its reports back. Nothing crosses the pipe as a
tensor: torch's own pickling would move tensors through shared memory with a helper
thread, so datasets go as numpy arrays and weights and optimizer state as safetensors
bytes. Messages both ways are (kind, payload) tuples. Knows nothing of Qt.
"""
from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import queue
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from engine.training.config import TrainConfig, TrainingError
from engine.training.control import TrainControl
from engine.training.job import RunOutcome, TrainingJob
from engine.training.resume import OptimizerState, Resume

# OpenMP threads that wait for work sleep instead of spinning: a spinning thread whose team mate
# was preempted (by the window, or anything else on the machine) burns its core for nothing. With
# LeNet-5 on 2 threads of a busy 2-core machine the child trained at 760 samples/s spinning and
# 7,300-7,600 passive (bench/gui_latency.py --threads 2). A user's own setting wins.
CHILD_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}


# -- what crosses the pipe ------------------------------------------------------------------------
def dataset_to_wire(dataset: Any) -> dict[str, Any]:
    return {f.name: (getattr(dataset, f.name).numpy() if isinstance(getattr(dataset, f.name), torch.Tensor)
                     else getattr(dataset, f.name)) for f in dataclasses.fields(dataset)}


def dataset_from_wire(wire: dict[str, Any]) -> Any:
    from engine.data import Dataset  # the child needs the datasets; the parent never calls this

    return Dataset(**{k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in wire.items()})


def weights_to_wire(state: dict[str, torch.Tensor] | None) -> bytes | None:
    if state is None:
        return None
    return save_tensors({k: v.detach().to("cpu").contiguous() for k, v in state.items()})


def weights_from_wire(blob: bytes | None) -> dict[str, torch.Tensor] | None:
    return load_tensors(blob) if blob is not None else None


def optimizer_to_wire(state: OptimizerState | None) -> tuple[str, bytes, dict] | None:
    if state is None:
        return None
    tensors = {f"{i}.{k}": v for i, entries in state.state.items() for k, v in entries.items()
               if isinstance(v, torch.Tensor)}
    numbers = {f"{i}.{k}": v for i, entries in state.state.items() for k, v in entries.items()
               if not isinstance(v, torch.Tensor)}
    return state.optimizer, weights_to_wire(tensors), numbers


def optimizer_from_wire(wire: tuple[str, bytes, dict] | None) -> OptimizerState | None:
    if wire is None:
        return None
    name, blob, numbers = wire
    state: dict[int, dict[str, Any]] = {}
    for key, value in [*weights_from_wire(blob).items(), *numbers.items()]:
        index, entry = key.split(".", 1)
        state.setdefault(int(index), {})[entry] = value
    return OptimizerState(name, state)


def outcome_to_wire(outcome: RunOutcome) -> dict[str, Any]:
    return {"finished": outcome.finished, "history": outcome.history, "weights": weights_to_wire(outcome.weights),
            "evaluation": outcome.evaluation, "note": outcome.note,
            "optimizer_state": optimizer_to_wire(outcome.optimizer_state), "gradients": outcome.gradients,
            "calibration": outcome.calibration}


def outcome_from_wire(wire: dict[str, Any]) -> RunOutcome:
    return RunOutcome(wire["finished"], tuple(wire["history"]), weights_from_wire(wire["weights"]),
                      wire["evaluation"], wire["note"], optimizer_from_wire(wire["optimizer_state"]),
                      wire.get("gradients", {}), wire.get("calibration"))


# -- the child --------------------------------------------------------------------------------------
def serve(commands: Any, results: Any) -> None:
    """The child's main loop: datasets and jobs in, reports out, until "quit" or the parent goes."""
    jobs: queue.Queue = queue.Queue()
    current: dict[str, Any] = {}
    threading.Thread(target=_listen, args=(commands, jobs, current), daemon=True).start()
    results.send(("ready", None))
    datasets: dict[int, Any] = {}
    while True:
        message = jobs.get()
        if message[0] == "quit":
            _exit_now(results)
        if message[0] == "dataset":
            datasets.clear()  # one dataset at a time: they can be large
            datasets[message[1]] = dataset_from_wire(message[2])
        elif message[0] == "train":
            _run_job(message[1], message[2], datasets, current, results)


def _exit_now(results: Any) -> None:
    """End the child at once. A normal interpreter exit with PyTorch loaded runs several full
    garbage collections over millions of objects (2-4 s on a busy machine) and would keep the
    app's close waiting; nothing of the child's needs tearing down (its only output is the pipe)."""
    try:
        results.close()
    finally:
        os._exit(0)


def _listen(commands: Any, jobs: queue.Queue, current: dict[str, Any]) -> None:
    """Reads the parent's messages as they come: control ones act at once, even mid-epoch."""
    while True:
        try:
            message = commands.recv()
        except (EOFError, OSError):  # the parent is gone
            message = ("quit",)
        kind, control = message[0], current.get("control")
        if kind == "train":
            current["control"] = control = TrainControl()  # made here, so a quick stop finds it
            jobs.put((kind, message[1], control))
        elif kind in ("pause", "resume", "stop") and control is not None:
            _control(kind, message, control, current)
        elif kind in ("dataset", "quit"):
            jobs.put(message)
        if kind == "quit":
            return


def _control(kind: str, message: tuple, control: TrainControl, current: dict[str, Any]) -> None:
    if kind == "pause":
        control.pause()
    elif kind == "resume":
        control.resume()
    else:
        current["evaluate"] = bool(message[1])
        job = current.get("job")
        if job is not None:
            job.evaluate_at_end = current["evaluate"]
        control.request_stop()


def _run_job(job: dict[str, Any], control: TrainControl, datasets: dict[int, Any], current: dict[str, Any],
             results: Any) -> None:
    from engine.builder import build_module
    from engine.serialize import graph_from_dict
    from engine.training.loop import train

    dataset, config = datasets[job["dataset"]], TrainConfig.from_dict(job["config"])
    try:
        module = build_module(graph_from_dict(job["network"]))
        module.load_state_dict(weights_from_wire(job["weights"]))
        epochs_done, steps_done, saved = job["resume"]
        resume = Resume(epochs_done, steps_done, optimizer_from_wire(saved))
        records = train(module, dataset, config, control, gradients=job.get("gradients", 0), resume=resume,
                        final_test=False)  # the job tests the run once (engine.training.job)
    except (TrainingError, ValueError, RuntimeError) as exc:
        results.send(("refused", str(exc)))
        return
    runner = TrainingJob(records, module, dataset, config, lambda kind, payload: results.send((kind, payload)),
                         control, job["last_epoch"])
    runner.evaluate_at_end = current.get("evaluate", True) if control.stop_requested else True
    current["job"] = runner
    outcome = runner.run()
    current.pop("job", None)
    current.pop("evaluate", None)
    results.send(("outcome", outcome_to_wire(outcome)))


# -- the parent ------------------------------------------------------------------------------------
@contextmanager
def _child_environment(values: dict[str, str]) -> Iterator[None]:
    """Environment variables a spawned child starts with (it copies ours when it starts)."""
    added = {k: v for k, v in values.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


class RemoteTraining:
    """One training process, started on demand and kept warm; send jobs, read reports."""

    def __init__(self) -> None:
        self.process: Any = None
        self._commands: Any = None  # parent -> child
        self._results: Any = None  # child -> parent
        self._dataset: Any = None  # the dataset object the child holds (kept, so its id stays unique)
        self.ready = False

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def start(self) -> None:
        """Start the child if it is not running (returns at once; it reports "ready" when warm)."""
        if self.alive:
            return
        self.close()
        context = mp.get_context("spawn")
        results_in, results_out = context.Pipe(duplex=False)
        commands_in, commands_out = context.Pipe(duplex=False)
        self.process = context.Process(target=serve, args=(commands_in, results_out), name="netwright-training",
                                       daemon=True)
        with _child_environment(CHILD_ENVIRONMENT):
            self.process.start()
        commands_in.close()  # the child's ends: closing ours lets a dead child show up as end-of-file
        results_out.close()
        self._commands, self._results, self._dataset, self.ready = commands_out, results_in, None, False

    def fileno(self) -> int:
        return self._results.fileno()

    def send_job(self, dataset: Any, network: dict[str, Any], weights: dict[str, torch.Tensor],
                 config: TrainConfig, resume: Resume | None, last_epoch: int, gradients: int = 0) -> None:
        self.start()
        if dataset is not self._dataset:
            self._commands.send(("dataset", id(dataset), dataset_to_wire(dataset)))
            self._dataset = dataset
        resume = resume or Resume()
        job = {"dataset": id(dataset), "network": network, "weights": weights_to_wire(weights),
               "config": config.to_dict(), "last_epoch": last_epoch, "gradients": gradients,
               "resume": (resume.epochs_done, resume.steps_done, optimizer_to_wire(resume.optimizer_state))}
        self._commands.send(("train", job))

    def send(self, *message: Any) -> None:
        if self.alive:
            try:
                self._commands.send(message)
            except (OSError, ValueError):  # the child just went; its end-of-file will tell
                pass

    def receive(self, timeout: float = 0.0) -> list[tuple[str, Any]]:
        """Every message waiting (waiting up to `timeout` for the first); ("died", exit code) at the end."""
        messages: list[tuple[str, Any]] = []
        try:
            while self._results is not None and self._results.poll(timeout if not messages else 0.0):
                message = self._results.recv()
                self.ready = self.ready or message[0] == "ready"
                messages.append(message)
        except (EOFError, OSError):
            if self.process is not None:
                self.process.join(1.0)
            messages.append(("died", self.process.exitcode if self.process is not None else None))
            self._forget()
        return messages

    def close(self, timeout: float = 5.0) -> None:
        """Ask the child to quit, then make sure it is gone. `timeout` 0 does not wait for an idle child:
        it ends by itself on "quit" (at once, engine.training.remote._exit_now) or when its pipe closes."""
        if self.process is not None:
            self.send("quit")
            if timeout <= 0:
                self._forget()
                return
            self.process.join(timeout)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(timeout)
        self._forget()

    def _forget(self) -> None:
        for end in (self._commands, self._results):
            if end is not None:
                end.close()
        self.process = self._commands = self._results = self._dataset = None
        self.ready = False
