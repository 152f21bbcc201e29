"""Loading PyTorch and the engine behind an open window.

The window shell (menus, palette, canvas, inspector, summary) needs no PyTorch; analysing a
layer, opening a file with weights, training and drawing do. `EngineLoader` imports those
modules on a plain Python thread, in two stages so the first edits come alive early:

1. `analysis_ready`: torch and the analysis (the canvas can show shapes, parameters, MACs);
2. `loaded`: everything else (building, files, training, datasets, plotting) and the
   views' modules: the Train, Draw and Play views can be made (gui.view_switcher makes
   each when it is first shown).

Both signals fire on the GUI thread, once, in that order; `failed` (with a message) ends
the loading early. Code that needs the engine either registers `when_ready(callback)` or,
where it needs the answer at once (Save, Open), calls `wait()`: a local event loop that keeps
repainting and holds back user input until the engine is in (a few seconds at most).

Tests and scripts get everything synchronously with `EngineLoader.loaded_now()`.
`StartupProbe` prints timestamps of the startup milestones for bench/startup.py.
Must not import torch, the engine's torch-heavy modules or any view at import time.
"""
from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
import time
from typing import Callable

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from .jobs.threads import GC_GUARD

LOADING_TEXT = "Loading PyTorch…"
ANALYSIS_PAUSE_S = 2.0  # at most this long, stage 2 waits for the window to show stage 1's analysis
LOADING_SWITCH_INTERVAL_S = 0.001  # sys.setswitchinterval while the engine loads (Python's default: 0.005)
PROBE_ENV = "NETWRIGHT_STARTUP_PROBE"  # "1": print milestones; "exit": print them, then quit
# Stage 1: what an analysis needs. Stage 2: what files, training and the views need.
ANALYSIS_MODULES = ("torch", "engine.analysis")
# Every engine module the views import when they are made: imported here, off the GUI thread (the
# views used to import torchvision, the datasets, the lints and the trainer on the GUI thread, a
# 0.5-1 s freeze right after loading; tests/gui/test_startup.py keeps this list complete).
ENGINE_MODULES = ("engine.builder", "engine.project", "engine.training", "engine.data", "engine.session",
                  "engine.fitting", "engine.inference", "engine.classifier", "pyqtgraph",
                  "engine.data.registry", "engine.data.digits", "engine.data.download", "engine.data.folder",
                  "engine.data.toy", "engine.blocks", "engine.block_analysis", "engine.exercise", "engine.fragments",
                  "engine.layout", "engine.lint", "engine.play.session", "engine.preflight", "engine.recovery",
                  "engine.runs.lifecycle", "engine.training.loop", "engine.training.memory",
                  "engine.training.remote", "engine.training.lr_range", "engine.training.augment", "engine.export",
                  "PIL.ImageEnhance", "numpy.ma")
# The views' own modules too (they define classes only, no Qt object at import): made when first shown,
# a view then costs its construction alone, not ~0.4 s of imports on the GUI thread besides.
VIEW_MODULES = ("gui.jobs.coordinator", "gui.train", "gui.draw", "gui.play")


def preload_torch_libraries() -> None:
    """Load PyTorch's native libraries without holding the interpreter lock (Linux; best effort).

    `import torch` dlopens libtorch_global_deps and torch._C (with libtorch_cpu, libtorch_cuda and
    their CUDA libraries, hundreds of MB) from inside the import, which holds the interpreter lock
    for the whole load: the window froze 0.8-1.3 s on this 2-core machine. Calling libc's dlopen
    through ctypes releases the lock, and the import then finds the libraries loaded. The flags
    are the ones torch itself uses (global deps RTLD_GLOBAL, _C local)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import glob
        import importlib.util

        spec = importlib.util.find_spec("torch")
        if spec is None or spec.origin is None:
            return
        folder = os.path.dirname(spec.origin)
        dlopen = ctypes.CDLL(None).dlopen
        dlopen.restype, dlopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_int]
        dlopen(os.path.join(folder, "lib", "libtorch_global_deps.so").encode(), os.RTLD_GLOBAL | os.RTLD_NOW)
        for path in glob.glob(os.path.join(folder, "_C.*.so")):
            dlopen(path.encode(), os.RTLD_LOCAL | os.RTLD_NOW)
    except Exception:  # the import below loads them the usual way
        pass


def preload_triton_library() -> None:
    """The same for Triton's 500 MB native library, which PyTorch's compiler imports during the
    meta-device warm-up (stage 2): loaded with the lock held, it froze the window ~0.1-0.3 s."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import importlib.util

        spec = importlib.util.find_spec("triton")  # finds the package without running it
        if spec is None or spec.origin is None:
            return
        path = os.path.join(os.path.dirname(spec.origin), "_C", "libtriton.so")
        if os.path.exists(path):
            dlopen = ctypes.CDLL(None).dlopen
            dlopen.restype, dlopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_int]
            dlopen(path.encode(), os.RTLD_LOCAL | os.RTLD_NOW)
    except Exception:  # the import loads it the usual way
        pass


def import_analysis() -> None:
    """Stage 1: enough for the analysis (most layers are counted by formula, no meta run)."""
    preload_torch_libraries()
    for name in ANALYSIS_MODULES:
        importlib.import_module(name)


def import_engine() -> None:
    """Stage 2, off the GUI thread: PyTorch's one-time meta-device start-up (its compiler
    import, about a second; only layers without a closed form need a meta run), then the rest."""
    from engine.analysis import warm_up

    preload_triton_library()
    warm_up()
    for name in ENGINE_MODULES + VIEW_MODULES:
        importlib.import_module(name)


class EngineLoader(QObject):
    analysis_ready = Signal()
    loaded = Signal()
    failed = Signal(str)
    _stage_done = Signal(int, str)  # from the loading thread: stage number, error text or ""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stage = 0  # 0 nothing yet, 1 analysis ready, 2 all loaded
        self.error: str | None = None
        self._thread: threading.Thread | None = None
        self._switch_interval = sys.getswitchinterval()
        self._analysis_shown = threading.Event()
        self._first_paint_of: QWidget | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._stage_done.connect(self._on_thread_stage_done, Qt.QueuedConnection)

    @classmethod
    def loaded_now(cls, parent: QObject | None = None) -> "EngineLoader":
        """An already-loaded engine (imports on this thread): for tests and scripts."""
        loader = cls(parent)
        import_analysis()
        import_engine()
        loader.stage = 2
        freeze_imports()
        return loader

    @property
    def can_analyse(self) -> bool:
        return self.stage >= 1

    @property
    def is_ready(self) -> bool:
        return self.stage >= 2

    @property
    def is_settled(self) -> bool:
        """Loaded, or given up with an error."""
        return self.is_ready or self.error is not None

    def start(self) -> None:
        """Begin loading in the background (once)."""
        if self._thread is not None or self.is_settled:
            return
        # Cyclic garbage collection waits while the engine loads: each full pass over the millions of
        # objects the imports make held the interpreter lock 150-670 ms (the window froze), and one
        # run on the loading thread could destroy PySide wrappers (gui.jobs.threads).
        GC_GUARD.worker_started()
        # The loading thread runs Python flat out: hand the lock over sooner, so the window's many short
        # calls into Python (painting a card, a timer) wait ~1 ms for it each time instead of up to 5 ms.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(LOADING_SWITCH_INTERVAL_S)
        # Daemon: a window closed while PyTorch still loads must not wait for it to exit.
        self._thread = threading.Thread(target=self._load, name="engine-loader", daemon=True)
        self._thread.start()

    def start_after_first_paint(self, window: QWidget) -> None:
        """Start loading once `window` has drawn its first frame: the loading thread would
        otherwise compete with that frame for the interpreter."""
        self._first_paint_of = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._first_paint_of and event.type() == QEvent.Paint:
            watched.removeEventFilter(self)
            self._first_paint_of = None
            QTimer.singleShot(0, self.start)  # after this paint pass has been flushed
        return False

    def when_ready(self, callback: Callable[[], None]) -> None:
        """Call `callback` once everything is loaded: now if it is, else later (in order)."""
        if self.is_ready:
            callback()
        elif self.error is None:
            self._callbacks.append(callback)

    def wait(self) -> bool:
        """Block the caller, not the window, until loaded; False when loading failed."""
        self.start()
        if not self.is_settled:
            loop = QEventLoop()
            self.loaded.connect(loop.quit)
            self.failed.connect(loop.quit)
            QApplication.setOverrideCursor(Qt.BusyCursor)
            try:
                if not self.is_settled:  # it may have settled while connecting
                    loop.exec(QEventLoop.ExcludeUserInputEvents)
            finally:
                QApplication.restoreOverrideCursor()
                self.loaded.disconnect(loop.quit)
                self.failed.disconnect(loop.quit)
        return self.is_ready

    # -- the loading thread -----------------------------------------------------------
    def _load(self) -> None:
        for stage, step in ((1, import_analysis), (2, import_engine)):
            try:
                step()
            except Exception as exc:  # a broken install: say so in the window instead of dying
                self._report(stage, f"{type(exc).__name__}: {exc}")
                return
            # What was imported lives as long as the process: later collections need not walk it
            # again (a full pass over it took up to 0.7 s with the lock held). Freezing moves lists, O(1).
            gc.freeze()
            if not self._report(stage, ""):
                return
            if stage == 1:  # the window analyses and repaints the network first, without the loader competing
                self._analysis_shown.wait(ANALYSIS_PAUSE_S)

    def _report(self, stage: int, error: str) -> bool:
        try:
            self._stage_done.emit(stage, error)
        except RuntimeError:  # the window (and this loader) closed while PyTorch loaded
            return False
        return True

    def _on_thread_stage_done(self, stage: int, error: str) -> None:
        if error or stage == 2:
            GC_GUARD.worker_finished()
            sys.setswitchinterval(self._switch_interval)
        if error:
            self.error = f"PyTorch could not be loaded ({error})"
            self._callbacks.clear()
            self.failed.emit(self.error)
            return
        self.stage = stage
        if stage == 1:
            self.analysis_ready.emit()
            QTimer.singleShot(0, self._analysis_shown.set)  # after the repaint this analysis brings
            return
        callbacks, self._callbacks = self._callbacks, []
        self.loaded.emit()
        for callback in callbacks:
            callback()


_FROZEN = [False]


def freeze_imports() -> None:
    """Keep what the imports made out of garbage collection, once per process. PyTorch leaves
    about a million long-lived objects, and every full collection scans them all: opening a
    20,000-layer network ran about a thousand collections, 3.5 of its 9 s (under load). They
    live as long as the process anyway."""
    if not _FROZEN[0]:
        _FROZEN[0] = True
        gc.freeze()


class StartupProbe(QObject):
    """Prints `netwright-startup MARK UNIX_TIME` on stdout at each milestone: `first_paint`
    (the window's first frame is drawn), `usable` (a network's real analysis is on screen),
    `engine_loaded` (the engine is in: the Train, Draw and Play views can be made), then the
    longest stall of the event loop while loading: from the first frame (when loading starts)
    until SETTLE_MS after the last mark (the training process starts in that time). With
    PROBE_ENV=exit the app quits then."""

    STALL_TICK_MS = 10
    SETTLE_MS = 2000  # stalls are watched this long after the last mark: the training process starts 1 s after it

    def __init__(self, quit_after: bool) -> None:
        super().__init__()
        self.quit_after = quit_after
        self.marks: dict[str, float] = {}
        self.longest_stall = 0.0  # seconds the event loop went without a tick while loading
        self.longest_stall_at = 0.0  # when it began (time.time())
        self._window: QWidget | None = None
        self._last_tick = 0.0
        self._ticker = QTimer(self, interval=self.STALL_TICK_MS)
        self._ticker.timeout.connect(self._on_ticker_timeout)

    @classmethod
    def from_environment(cls) -> "StartupProbe | None":
        value = os.environ.get(PROBE_ENV, "")
        return cls(quit_after=value == "exit") if value else None

    def watch(self, window) -> None:
        """Follow `window` (a MainWindow, before it is shown)."""
        self._window = window
        window.installEventFilter(self)
        window.document.analysis_changed.connect(self._on_document_analysis_changed)
        window.engine.when_ready(lambda: self._mark("engine_loaded"))
        window.engine.analysis_ready.connect(lambda: self._mark("torch_loaded"))
        self._last_tick = time.perf_counter()
        self._ticker.start()

    def _on_ticker_timeout(self) -> None:
        now = time.perf_counter()
        stall = now - self._last_tick - self.STALL_TICK_MS / 1000
        if stall > self.longest_stall:
            self.longest_stall, self.longest_stall_at = stall, time.time() - (now - self._last_tick)
        self._last_tick = now

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Paint and "first_paint" not in self.marks:
            self.marks["first_paint"] = 0.0  # reserved: the frame is flushed once this paint pass ends
            QTimer.singleShot(0, lambda: self._mark("first_paint"))
        return False

    def _on_document_analysis_changed(self, analysis) -> None:
        if analysis.rows and "usable" not in self.marks:
            self.marks["usable"] = 0.0
            QTimer.singleShot(0, self._mark_usable)

    def _mark_usable(self) -> None:
        self._window.repaint()  # count the frame that shows the analysis, not just its arrival
        self._mark("usable")

    def _mark(self, name: str) -> None:
        self.marks[name] = time.time()
        if name == "first_paint":  # loading starts now: the first frame's own time is `first_paint`
            self.longest_stall, self._last_tick = 0.0, time.perf_counter()
        print(f"netwright-startup {name} {self.marks[name]:.4f}", flush=True)
        done = all(self.marks.get(m) for m in ("first_paint", "usable", "engine_loaded"))
        if done and "settled" not in self.marks:
            self.marks["settled"] = 0.0
            QTimer.singleShot(self.SETTLE_MS, self._on_settled)

    def _on_settled(self) -> None:
        self._ticker.stop()
        print(f"netwright-startup settled {time.time():.4f}", flush=True)
        print(f"netwright-startup longest_stall_ms {1000 * self.longest_stall:.0f}", flush=True)
        print(f"netwright-startup longest_stall_at {self.longest_stall_at:.4f}", flush=True)
        if self.quit_after:
            self._window.document.undo_stack.setClean()
            self._window.close()
            QApplication.quit()
