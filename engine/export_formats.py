"""Files a network leaves Netwright as: PyTorch code (+ safetensors weights), ONNX, TorchScript.

Both are traced from the engine's own module in eval mode with a batch of the input's real
dtype (token ids for an embedding). ONNX uses torch.onnx's dynamo exporter (torch >= 2.10;
needs the optional `onnx` and `onnxscript` packages: `pip install -e ".[export]"`) with a
dynamic batch dimension. Files are written to a temporary name beside the target and then
moved into place. Must not import Qt.
"""
from __future__ import annotations

import importlib.util
import io
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Mapping

import torch

from .builder import BuildError, GraphModule
from .export import example_input, export_python
from .graph import Graph
from .project import write_atomically
from .serialize import ProjectError

ONNX_PACKAGES = ("onnx", "onnxscript")
INSTALL_HINT = 'pip install -e ".[export]"'
EXTERNAL_DATA_BYTES = 1_800_000_000  # ONNX protobufs stop at 2 GB: bigger weights go beside the file


class ExportError(Exception):
    """The network cannot be exported; the message says why and what to do."""


def missing_onnx_packages() -> list[str]:
    return [name for name in ONNX_PACKAGES if importlib.util.find_spec(name) is None]


def ready_module(graph: Graph, weights: Mapping[str, torch.Tensor] | None) -> GraphModule:
    """The network in eval mode on the CPU, with `weights` when given."""
    try:
        module = GraphModule(graph)
    except BuildError as exc:
        raise ExportError(str(exc)) from None
    if weights:
        module.load_state_dict(weights)
    return module.eval()


def _quiet(text: str) -> None:
    pass


def export_onnx(graph: Graph, path: str | os.PathLike, weights: Mapping[str, torch.Tensor] | None = None,
                stage: Callable[[str], None] = _quiet) -> Path:
    """Write an ONNX model whose input "input" has a dynamic batch size; returns the path.
    `stage(text)` hears each step as it starts (a progress line)."""
    missing = missing_onnx_packages()
    if missing:
        raise ExportError(f"ONNX export needs the {' and '.join(missing)} package"
                          f"{'s' if len(missing) > 1 else ''}: {INSTALL_HINT}")
    stage("building the network")
    module, path = ready_module(graph, weights), Path(path)
    stage("tracing with torch.export and translating to ONNX (the longest step)")
    program = _onnx_program(module, example_input(graph))
    stage("writing the file")
    big = sum(t.numel() * t.element_size() for t in module.state_dict().values()) > EXTERNAL_DATA_BYTES
    _atomic_save_dir(path, lambda target: program.save(str(target), external_data=big))
    return path


def _onnx_program(module: GraphModule, x: torch.Tensor):
    batch = torch.export.Dim("batch", min=1)
    options = dict(dynamo=True, input_names=["input"], output_names=["output"], verbose=False)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            return torch.onnx.export(module, (x,), dynamic_shapes=({0: batch},), **options)
        except Exception:  # a layer pinned the batch size: export for this batch size instead
            try:
                return torch.onnx.export(module, (x[:1],), **options)
            except Exception as exc:
                raise ExportError(f"ONNX export failed: {type(exc).__name__}: "
                                  f"{str(exc).strip().splitlines()[0][:300]}") from None


def _atomic_save_dir(path: Path, save) -> None:
    """Save into a fresh folder beside `path` (a model may come with a .data file), then move in."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=folder))
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        save(tmp / path.name)
        for produced in tmp.iterdir():
            os.replace(produced, folder / produced.name)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; the previous file is unchanged") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def export_torchscript(graph: Graph, path: str | os.PathLike, weights: Mapping[str, torch.Tensor] | None = None,
                       stage: Callable[[str], None] = _quiet) -> Path:
    """Write a traced TorchScript module (load it with torch.jit.load, no Netwright needed)."""
    stage("building the network")
    module, path = ready_module(graph, weights), Path(path)
    stage("tracing with torch.jit")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # torch.jit is deprecated upstream but still the format asked for
        try:
            traced = torch.jit.trace(module, example_input(graph), check_trace=False)
        except Exception as exc:
            raise ExportError(f"TorchScript export failed: {type(exc).__name__}: "
                              f"{str(exc).strip().splitlines()[0][:300]}") from None
        stage("writing the file")
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer)
    try:
        write_atomically(path, buffer.getvalue())
    except ProjectError as exc:
        raise ExportError(str(exc)) from None
    return path


def write_python(graph: Graph, path: str | os.PathLike, weights: Mapping[str, torch.Tensor] | None = None,
                 title: str = "network") -> list[Path]:
    """Write the standalone Python module, and the weights beside it as PATH.safetensors when
    given; returns the files written."""
    from safetensors.torch import save

    path = Path(path)
    beside = path.with_suffix(".safetensors")
    try:
        source = export_python(graph, title=title, weights_file=beside.name if weights else None)
    except BuildError as exc:
        raise ExportError(str(exc)) from None
    written = [path]
    try:
        write_atomically(path, source.encode())
        if weights:
            tensors = {k: v.detach().cpu().contiguous() for k, v in weights.items()}
            written.append(beside)
            write_atomically(written[-1], save(tensors))
    except ProjectError as exc:
        raise ExportError(str(exc)) from None
    return written


FORMATS = {"python": ("PyTorch code", ".py"), "onnx": ("ONNX", ".onnx"), "torchscript": ("TorchScript", ".pt")}


def export_to(fmt: str, graph: Graph, path: str | os.PathLike, weights: Mapping[str, torch.Tensor] | None = None,
              title: str = "network", stage: Callable[[str], None] = _quiet) -> list[Path]:
    """Export in format `fmt` (a key of FORMATS); returns the files written. Raises ExportError.
    (The window runs ONNX and TorchScript in a child process: engine.export_child.)"""
    if fmt == "python":
        return write_python(graph, path, weights, title)
    writer = export_onnx if fmt == "onnx" else export_torchscript
    return [writer(graph, path, weights, stage)]


def export_files(fmt: str, path: str | os.PathLike, with_weights: bool) -> list[Path]:
    """The files an export in `fmt` to `path` writes (PyTorch code puts its weights beside it)."""
    path = Path(path)
    return [path, path.with_suffix(".safetensors")] if fmt == "python" and with_weights else [path]


def overwrite_check(fmt: str, path: str | os.PathLike, with_weights: bool,
                    source: str | os.PathLike | None = None) -> tuple[str | None, list[Path]]:
    """(refusal, files to confirm): an export never writes over the project it exports (refusal);
    existing files of another kind than the one written there (a project, data, a file with
    another suffix) are replaced only when the user confirms (`--force` on the command line).
    Re-exporting over an earlier export of the same kind needs no confirmation."""
    targets = export_files(fmt, path, with_weights)
    if source is not None and Path(source).exists():
        mine = Path(source).resolve()
        for target in targets:
            if target.resolve() == mine:
                return (f"{target} is the project being exported — writing there would replace the project; "
                        "choose another file name"), []
    return None, [t for t in targets if t.exists() and not _same_kind(t, fmt)]


def _same_kind(path: Path, fmt: str) -> bool:
    """True when `path` looks like what an export in `fmt` writes there (and not a Netwright project)."""
    if not path.is_file():
        return False
    expected = ".safetensors" if path.suffix.lower() == ".safetensors" and fmt == "python" else FORMATS[fmt][1]
    if path.suffix.lower() != expected:
        return False
    with open(path, "rb") as fh:
        head = fh.read(4)
    is_zip = head.startswith(b"PK")
    if fmt == "torchscript" and is_zip:  # TorchScript is a zip too: not ours if it holds a project
        import zipfile
        try:
            with zipfile.ZipFile(path) as zf:
                return "netwright.json" not in zf.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
    return not is_zip
