"""Project files: the network (JSON) and its trained weights (safetensors) in one zip.

Layout of a `.nwproj` file (a zip archive):
    netwright.json         {"format": "netwright-project", "version": 1, "network": {...},
                            "training": {...} | null, "meta": {...}}
    weights.safetensors    optional; keys are the module's state_dict keys
A plain `.json` file with the same content (and no weights) also loads.
Nothing in a file can run code: JSON and safetensors only, never pickle. Saving writes a
temp file beside the target and then replaces it. Must not import Qt.
"""
from __future__ import annotations

import io
import json
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from .graph import Graph
from .sections import read_sections, section_entries
from .serialize import ProjectError, graph_from_dict, graph_to_dict

FORMAT = "netwright-project"
VERSION = 1
JSON_NAME = "netwright.json"
WEIGHTS_NAME = "weights.safetensors"
MAX_JSON_BYTES = 64 * 2**20
MAX_WEIGHTS_BYTES = 8 * 2**30


@dataclass
class Project:
    graph: Graph
    weights: dict[str, torch.Tensor] | None = None
    training: dict[str, Any] | None = None  # training settings and history
    meta: dict[str, Any] = field(default_factory=dict)  # dataset, normalization, class names, ...
    sections: dict[str, Any] = field(default_factory=dict)  # optional top-level sections (engine.sections)


def save(graph: Graph, path: str | os.PathLike, weights: Mapping[str, torch.Tensor] | torch.nn.Module | None = None,
         training: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
         sections: dict[str, Any] | None = None) -> Path:
    """Write a project atomically; raises ProjectError if it cannot be written."""
    path = Path(path)
    doc = {"format": FORMAT, "version": VERSION, "network": graph_to_dict(graph),
           "training": training, "meta": meta or {}, **section_entries(sections)}
    try:
        text = json.dumps(doc, indent=1, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"cannot save: the project holds a value JSON cannot store ({exc})") from None
    if path.suffix.lower() == ".json":
        if weights is not None:
            raise ProjectError("a .json project cannot hold trained weights — save as .nwproj")
        _atomic_write(path, text.encode())
        return path
    blob = _weights_bytes(weights) if weights is not None else None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(JSON_NAME, text)
        if blob is not None:
            zf.writestr(zipfile.ZipInfo(WEIGHTS_NAME), blob, compress_type=zipfile.ZIP_STORED)
    _atomic_write(path, buffer.getvalue())
    return path


def _weights_bytes(weights: Mapping[str, torch.Tensor] | torch.nn.Module) -> bytes:
    state = weights.state_dict() if isinstance(weights, torch.nn.Module) else weights
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state.items()}
    return save_safetensors(tensors, metadata={"format": FORMAT})


def _atomic_write(path: Path, data: bytes) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        if hasattr(os, "fchmod"):  # mkstemp makes it 0600; the saved file gets the usual mode
            os.fchmod(fd, _saved_mode(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise ProjectError(f"cannot save {path}: {exc.strerror or exc} — choose another folder or free "
                           "some disk space; the previous file is unchanged") from None
    finally:
        if tmp_name and os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _saved_mode(path: Path) -> int:
    """The permissions a save gives: an overwritten file keeps its own, a new one gets what
    the user's umask allows for a plain file (0o666 & ~umask, e.g. 0644)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux shows it without changing it (os.umask would, for every thread, for a moment)
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def load(path: str | os.PathLike) -> Project:
    """Read a project; any problem raises ProjectError with a message a user can act on."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectError(f"{path} does not exist") from None
    except OSError as exc:
        raise ProjectError(f"cannot read {path}: {exc.strerror or exc}") from None
    if raw[:2] == b"PK":
        text, blob = _read_zip(path, raw)
    elif raw.lstrip()[:1] == b"{":
        text, blob = raw, None
    else:
        raise ProjectError(f"{path.name} is not a Netwright project (neither a .nwproj archive nor JSON)")
    project = _parse_doc(path, text)
    if blob is not None:
        project.weights = _read_weights(blob, project.graph)
    return project


def _read_zip(path: Path, raw: bytes) -> tuple[bytes, bytes | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            if JSON_NAME not in infos:
                raise ProjectError(f"{path.name} is a zip archive but not a Netwright project")
            _check_size(infos[JSON_NAME], MAX_JSON_BYTES)
            text = zf.read(JSON_NAME)
            blob = None
            if WEIGHTS_NAME in infos:
                _check_size(infos[WEIGHTS_NAME], MAX_WEIGHTS_BYTES)
                blob = zf.read(WEIGHTS_NAME)
            return text, blob
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
        raise ProjectError(f"{path.name} is damaged or truncated (it cannot be unpacked) — use a backup copy") \
            from None


def _check_size(info: zipfile.ZipInfo, limit: int) -> None:
    if info.file_size > limit:
        raise ProjectError(f"{info.filename} in the project is implausibly large; the file is damaged")


def _parse_doc(path: Path, text: bytes) -> Project:
    try:
        doc = json.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectError(f"{path.name} is damaged: its network description is not text") from None
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{path.name} is damaged: its network description cannot be read "
                           f"(the text goes wrong at line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProjectError(f"{path.name} is not a Netwright project: it does not say it was saved by Netwright")
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectError(f"{path.name} has a damaged format version")
    if version > VERSION:
        raise ProjectError(f"{path.name} was made by a newer Netwright (format {version}; this version reads "
                           f"up to {VERSION}) — update Netwright to open it")
    training, meta = doc.get("training"), doc.get("meta") or {}
    if training is not None and not isinstance(training, dict) or not isinstance(meta, dict):
        raise ProjectError(f"{path.name} has damaged training or meta sections")
    return Project(graph_from_dict(doc.get("network")), None, training, meta, read_sections(doc, path.name))


def _read_weights(blob: bytes, graph: Graph) -> dict[str, torch.Tensor]:
    try:
        weights = load_safetensors(blob)
    except (SafetensorError, ValueError, RuntimeError, OSError) as exc:
        raise ProjectError(f"the trained weights are damaged or not in safetensors format ({exc}); "
                           "the network itself is fine — open the .json part or retrain") from None
    check_weights(graph, weights)
    return weights


def check_weights(graph: Graph, weights: Mapping[str, torch.Tensor]) -> None:
    """Raise ProjectError unless `weights` fit the module built from `graph` exactly."""
    from .builder import BuildError, GraphModule

    try:
        with torch.device("meta"):
            expected = {k: tuple(v.shape) for k, v in GraphModule(graph).state_dict().items()}
    except BuildError as exc:
        raise ProjectError(f"the file has trained weights but its network is not valid: {exc}") from None
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    if missing or extra:
        sample = (missing or extra)[:3]
        raise ProjectError(f"the trained weights do not fit the network ({len(missing)} missing, "
                           f"{len(extra)} unexpected, e.g. {', '.join(sample)})")
    for key, shape in expected.items():
        if tuple(weights[key].shape) != shape:
            raise ProjectError(f"the trained weights do not fit the network: {key} is "
                               f"{'×'.join(map(str, weights[key].shape))} in the file but "
                               f"{'×'.join(map(str, shape))} in the network")
