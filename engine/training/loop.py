"""`train`: one training run as a plain generator of StepRecord, EpochRecord and a FinishedRecord.

Owns the run: data resident on the device, batches by index slicing with fused
normalization, the loss turned into a float only every `log_every` steps (the one sync
point), validation, early stopping that restores the best weights, the final test, and
turning NaN, out-of-memory and any other failure into a FinishedRecord. A run may continue
an earlier one (`Resume`): its records number on from the earlier epochs and steps, and its
optimizer starts from the saved state when that fits. Knows nothing of threads or Qt; it
only reads a TrainControl between batches and leaves the final optimizer state on it.
Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Generator, Iterator

import torch
from torch import nn

from engine.training import device as dev
from engine.training.augment import make_augmenter
from engine.training.augment_spec import AugmentError
from engine.training.checks import checked_output_shape, val_count
from engine.training.config import TrainConfig, TrainingError, check_config
from engine.training.control import TrainControl
from engine.training.distributed import Local
from engine.training.gradflow import GradientRecorder
from engine.training.lowered_rate import rate_after_nan
from engine.training.objective import Objective
from engine.training.optim import PER_BATCH, current_lr, make_optimizer, make_scheduler
from engine.training.outliers import exposure_for
from engine.training.records import EpochRecord, FinishedRecord, StepRecord, TrainRecord
from engine.training.resident import SplitSums, make_resident, run_inference
from engine.training.resume import Resume, capture, restore
from engine.training.status import COMPLETED, EARLY_STOPPED, ERROR, NAN, OOM, STOPPED, has_weights, is_finished
from engine.training.threads import ThreadTuner

from ..formatting import counted

if TYPE_CHECKING:  # annotations only: importing the datasets would load torchvision
    from engine.data import Dataset


def train(module: nn.Module, dataset: Dataset, config: TrainConfig = TrainConfig(),
          control: TrainControl | None = None, gradients: int = 0,
          strategy: Local | None = None, resume: Resume | None = None,
          outlier_exposure: bool = False, final_test: bool = True) -> Iterator[TrainRecord]:
    """Check the run now (raising TrainingError), then return the generator that trains.

    The module is trained in place and left on the training device. Once iteration starts
    nothing escapes as an exception: failures end in FinishedRecord(status=...).
    `gradients` > 0 also yields GradientRecords measured every that many steps (gradflow).
    A `strategy` from engine.training.distributed makes this one rank of a DDP job; every
    rank then yields the same records (losses and metrics are summed over ranks). With
    `resume`, the module's current weights are trained further for `config.epochs` more epochs.
    `outlier_exposure`: digit datasets also learn low confidence on non-digits (engine.training.outliers).
    Off by default: bench/ood.py measured it flagging fewer held-out non-digits than the calibration head
    alone (66 % vs 70 %) while training 2-3 times slower, so the app does not use it yet.
    `final_test` False leaves the test split to the caller (engine.runs.lifecycle tests a run once,
    with its confusion matrix): the FinishedRecord then has no test figures.
    """
    check_memory(module, dataset, config)
    try:
        make_augmenter(config.augment, dataset.x_train[:1])  # pictures only: refused now, not mid-run
    except AugmentError as exc:
        raise TrainingError(str(exc)) from None
    out_shape = checked_output_shape(module, dataset, config)
    objective = Objective(config.loss, out_shape[0], dataset.num_classes)
    strategy = strategy or Local()
    strategy.local_batch(config.batch_size)  # a global batch that does not split raises now
    run = _Run(module, dataset, config, control or TrainControl(), objective, strategy, resume or Resume())
    run.gradient_every, run.final_test = gradients, final_test
    run.outlier_exposure = outlier_exposure
    return run.records()


def check_memory(module: nn.Module, dataset: Dataset, config: TrainConfig) -> None:
    """Pre-flight (engine.preflight): refuse a run whose weights, gradients, optimizer state and
    batch activations would not fit on the device, before any of them is allocated."""
    from engine.training.memory import run_estimate

    check_config(config)  # the estimate reads the batch size, optimizer and device
    if getattr(module, "analysis", None) is None:  # a hand-made module: nothing to estimate from
        return
    estimate = run_estimate(module, config, dataset, resident=True)
    if not estimate.fits:
        raise TrainingError(estimate.message())


def steps_per_epoch(num_train: int, batch_size: int) -> int:
    """Batches per epoch; a last batch of a single sample is dropped (BatchNorm cannot train on it)."""
    return max(num_train // batch_size + (1 if num_train % batch_size > 1 else 0), 1)


_OOM_TEXTS = ("out of memory", "can't allocate memory", "status_alloc_failed")  # the last: cuDNN/cuBLAS


def _is_oom(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and any(t in text for t in _OOM_TEXTS))


class _Run:
    def __init__(self, module: nn.Module, dataset: Dataset, config: TrainConfig,
                 control: TrainControl, objective: Objective, strategy: Local, resume: Resume) -> None:
        self.module, self.dataset, self.config, self.strategy = module, dataset, config, strategy
        self.control, self.objective, self.resume = control, objective, resume
        self.first_epoch = resume.epochs_done + 1
        self.status, self.epochs_run, self.diverged_at = COMPLETED, resume.epochs_done, ""
        self.final_test = True
        self.global_step, self.fresh_optimizer_note = resume.steps_done, ""
        self.best_value: float | None = None
        self.best_epoch: int | None = None
        self.best_val_acc: float | None = None
        self.best_state: dict[str, torch.Tensor] | None = None
        self.bad_epochs = 0
        self.gradient_every = 0
        self.recorder: GradientRecorder | None = None
        self.outlier_exposure, self.exposure = False, None

    def records(self) -> Iterator[TrainRecord]:
        threads = torch.get_num_threads()
        try:
            final = yield from self._run()
        except Exception as exc:  # nothing escapes once training has started
            final = self._failed(exc)
        finally:
            torch.set_num_threads(threads)
        yield final

    def _run(self) -> Generator[TrainRecord, None, FinishedRecord]:
        self._setup()
        for epoch in range(self.first_epoch, self.first_epoch + self.config.epochs):
            yield from self._train_epoch(epoch)
            yield from self.recorder.drain(epoch) if self.recorder else ()
            record = self._end_epoch(epoch) if self.status == COMPLETED else None
            if record is None:
                break
            yield record
            if self.config.early_stopping and self.bad_epochs >= self.config.patience:
                self.status = EARLY_STOPPED
                break
        return self._finished()

    def _setup(self) -> None:
        cfg, part = self.config, self.strategy
        self.device = part.device(cfg.device)
        self.module.to(self.device).train()
        self.net = part.wrap(self.module, self.device)  # forward and backward; self.module for the rest
        self.data = make_resident(self.dataset, self.device, cfg.val_split, cfg.seed, (part.rank, part.world_size))
        self.has_val = val_count(self.dataset.num_train, cfg.val_split) > 0  # the same on every rank
        self.tuner = self._cpu_threads() if self.device.type == "cpu" else None
        torch.manual_seed(cfg.seed + part.rank)  # dropout and any other randomness inside the network
        self.generator = dev.seeded_generator(self.device, cfg.seed + part.rank)
        self.augment = make_augmenter(cfg.augment, self.data.x_train)  # training batches only
        n_train, bs = int(self.data.train_idx.numel()), part.local_batch(cfg.batch_size)
        self.batch = bs
        self.steps = steps_per_epoch(n_train, bs)
        self.sizes = [min(bs, n_train - i * bs) for i in range(self.steps)]
        self.batch_sizes = torch.tensor(self.sizes, dtype=torch.float32, device=self.device)
        self.samples_per_epoch = sum(self.sizes)
        self.optimizer = make_optimizer(self.module.parameters(), cfg)
        saved = self.resume.optimizer_state
        if saved is not None:  # before the scheduler, which writes its own keys into the groups
            self.fresh_optimizer_note = restore(self.optimizer, cfg.optimizer, saved)
        self.total_steps = self.resume.steps_done + self.steps * cfg.epochs
        self.scheduler = make_scheduler(self.optimizer, cfg, self.steps)
        self.per_batch_schedule = cfg.schedule in PER_BATCH
        if self.outlier_exposure:
            self.exposure = exposure_for(self.dataset, self.objective, self.device, bs, cfg.seed + part.rank)
        if self.gradient_every > 0:
            self.recorder = GradientRecorder(self.module, self.optimizer, self.gradient_every)

    def _cpu_threads(self) -> ThreadTuner | None:
        fixed = self.strategy.cpu_threads()
        if fixed is not None:
            torch.set_num_threads(fixed)
            return None
        rows = self.data.train_idx[:self.config.batch_size]
        x = self.data.normalize(torch.index_select(self.data.x_train, 0, rows))
        y = torch.index_select(self.data.y_train, 0, rows)
        return ThreadTuner(self.module, x, y, self.objective, self.config.cpu_threads)

    def _autocast(self) -> object:
        return dev.autocast(self.device, self.config.amp)

    def _train_epoch(self, epoch: int) -> Iterator[StepRecord]:
        bs, log_every = self.batch, self.config.log_every
        order = self.data.shuffled(self.generator)
        self.losses = torch.zeros(self.steps, device=self.device)  # per-batch mean loss, read rarely
        self.corrects = torch.zeros(self.steps, dtype=torch.int64, device=self.device)
        self.epoch_start = window_start = time.perf_counter()
        first = 0
        for i in range(self.steps):
            waited = self._wait_if_paused()
            if self.control.stop_requested:
                self.status, self.stopped_in = STOPPED, epoch
                return
            self.epoch_start, window_start = self.epoch_start + waited, window_start + waited
            self._step(i, order[i * bs:(i + 1) * bs])
            if (i + 1) % log_every == 0 or i == self.steps - 1:  # counted in the epoch, and at its end: a run of
                record = self._step_record(epoch, first, i, window_start)  # few steps an epoch still draws its curve
                if record is None:
                    return
                yield record
                yield from self.recorder.drain(epoch) if self.recorder else ()
                first, window_start = i + 1, time.perf_counter()

    def _wait_if_paused(self) -> float:
        """Seconds spent paused or re-measuring threads, which throughput leaves out."""
        waited = self.control.wait_while_paused() if self.control.paused else 0.0
        return waited + (self.tuner.maybe_retune() if self.tuner is not None else 0.0)

    def _step(self, i: int, rows: torch.Tensor) -> None:
        x = torch.index_select(self.data.x_train, 0, rows)
        x = self.data.normalize(self.augment(x, self.generator) if self.augment is not None else x)
        y = torch.index_select(self.data.y_train, 0, rows)
        with self._autocast():
            out = self.net(x if self.exposure is None else self.exposure.extended(x))
            out, extra = (out, 0.0) if self.exposure is None else self.exposure.split(out, y.shape[0])
            loss = self.objective.loss(out, y)
        self.optimizer.zero_grad(set_to_none=True)
        (loss + extra).backward()
        self.optimizer.step()
        if self.per_batch_schedule and self.scheduler is not None:
            self.scheduler.step()
        self.losses[i] = loss.detach()
        self.corrects[i] = (self.objective.predict(out.detach()) == y).sum()
        self.global_step += 1

    def _step_record(self, epoch: int, first: int, last: int, since: float) -> StepRecord | None:
        world = self.strategy.world_size
        loss = float(self.strategy.sum(self.losses[first:last + 1].mean()) / world)  # the sync point
        if not math.isfinite(loss):
            self._diverged(epoch)
            return None
        samples = sum(self.sizes[first:last + 1]) * world
        rate = samples / max(time.perf_counter() - since, 1e-9)
        return StepRecord(epoch, self.global_step, self.total_steps, loss, current_lr(self.optimizer), rate,
                          self.steps)

    def _diverged(self, epoch: int) -> None:
        self.status, self.diverged_at = NAN, f"epoch {epoch}, by step {self.global_step}"

    def _end_epoch(self, epoch: int) -> EpochRecord | None:
        sums = torch.stack([(self.losses * self.batch_sizes).sum(), self.corrects.sum().float()])
        total_loss, total_correct = self.strategy.sum(sums).tolist()
        samples = self.samples_per_epoch * self.strategy.world_size
        train_loss = total_loss / samples
        if not math.isfinite(train_loss):
            self._diverged(epoch)
            return None
        train_acc = total_correct / samples
        val_loss, val_acc = self._validation()
        if self.scheduler is not None and not self.per_batch_schedule:
            self.scheduler.step()
        self.epochs_run = epoch
        is_best = self._track_best(epoch, train_loss if val_loss is None else val_loss, val_acc)
        seconds = time.perf_counter() - self.epoch_start
        return EpochRecord(epoch, train_loss, train_acc, val_loss, val_acc,
                           current_lr(self.optimizer), seconds, is_best)

    def _validation(self) -> tuple[float | None, float | None]:
        if not self.has_val:
            return None, None
        sums = run_inference(self.module, self.data.x_train, self.data.y_train, self.data.val_idx,
                             self.data.normalize, self.objective, self._autocast)
        return self._agreed_means(sums)

    def _agreed_means(self, sums: SplitSums) -> tuple[float, float]:
        """(mean loss, accuracy) over every rank's share of a split."""
        if self.strategy.world_size == 1:
            return sums.means()
        packed = torch.stack([sums.loss_sum.float(), sums.correct.float(),
                              torch.tensor(float(sums.count), device=sums.loss_sum.device)])
        loss_sum, correct, count = self.strategy.sum(packed).tolist()
        return loss_sum / max(count, 1), correct / max(count, 1)

    def _track_best(self, epoch: int, value: float, val_acc: float | None) -> bool:
        if self.best_value is not None and not value < self.best_value:
            self.bad_epochs += 1
            return False
        self.best_value, self.best_epoch, self.best_val_acc, self.bad_epochs = value, epoch, val_acc, 0
        if self.config.early_stopping:
            self.best_state = {k: v.detach().clone() for k, v in self.module.state_dict().items()}
        return True

    def _restore_best(self) -> bool:
        """Put back the best epoch's weights (early stopping only); True when they differ from the last."""
        if self.best_state is None or self.status == STOPPED:
            return False
        self.module.load_state_dict(self.best_state)
        return self.best_epoch != self.epochs_run or self.status == NAN

    def _finished(self) -> FinishedRecord:
        restored = self._restore_best()
        if has_weights(self.status):
            self.control.optimizer_state = capture(self.optimizer, self.config.optimizer)
        test_loss = test_acc = None
        if self.final_test and is_finished(self.status) and self.dataset.num_test > 0:
            test_loss, test_acc = self._test()
        return FinishedRecord(self.status, self._message(restored, test_acc), self.best_epoch,
                              self.best_val_acc, test_acc, test_loss, self.epochs_run)

    def _test(self) -> tuple[float, float]:
        part = self.strategy
        x = self.dataset.x_test[part.rank::part.world_size].to(self.device)
        y = self.dataset.y_test[part.rank::part.world_size].to(self.device)
        return self._agreed_means(run_inference(self.module, x, y, None, self.data.normalize, self.objective,
                                                self._autocast))

    def _message(self, restored: bool, test_acc: float | None) -> str:
        kept = f" Restored the weights of epoch {self.best_epoch}, the best one." if restored else ""
        tested = f" Test accuracy: {test_acc:.1%}." if test_acc is not None else ""
        if self.fresh_optimizer_note:
            tested += f" The optimizer started afresh: {self.fresh_optimizer_note}."
        if self.status == EARLY_STOPPED:
            return (f"Stopped early after epoch {self.epochs_run}: the validation loss had not improved "
                    f"for {counted(self.config.patience, 'epoch')}.{kept}{tested}")
        if self.status == STOPPED:
            return f"Stopped on request during epoch {self.stopped_in}, after {counted(self.global_step, 'step')}."
        if self.status == NAN:
            lr = self.config.lr
            return (f"The loss became NaN or infinite ({self.diverged_at}): training diverged. Lower the "
                    f"learning rate (now {lr:g}), e.g. to {rate_after_nan(lr):g}.{kept}")
        done = self.epochs_run - self.resume.epochs_done
        more = f", now {self.epochs_run} in all" if self.resume.epochs_done else ""
        return f"Trained {counted(done, 'epoch')}{more}.{kept}{tested}"

    def _failed(self, exc: Exception) -> FinishedRecord:
        if _is_oom(exc):
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            where = getattr(self, "device", torch.device("cpu")).type.upper()
            message = (f"The {where} ran out of memory. Use a smaller batch size (now "
                       f"{self.config.batch_size}) or a smaller network.")
            return FinishedRecord(OOM, message, self.best_epoch, self.best_val_acc, None, None,
                                  self.epochs_run)
        message = f"Training failed: {type(exc).__name__}: {exc}"
        return FinishedRecord(ERROR, message, self.best_epoch, self.best_val_acc, None, None,
                              self.epochs_run)
