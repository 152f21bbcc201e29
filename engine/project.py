"""Project files: the network (JSON) and its trained weights (safetensors) in one zip.

Layout of a `.nwproj` file (a zip archive):
    netwright.json         {"format": "netwright-project", "version": 2, "network": {...},
                            "training": {...} | null, "meta": {...},
                            "runs": [...], "adopted_run": ID | null, "optimizer": {...} | null}
    weights.safetensors    optional; keys are the module's state_dict keys
    optimizer.safetensors  optional; the adopted run's optimizer state (engine.runs.optimizer_codec)
    runs/<id>.safetensors  optional; the weights each other run keeps (engine.runs.weights, which
                           also owns the optional "run_weights" settings section and its cap)
A plain `.json` file with the same content (and no weights) also loads. The runs section is
read by engine.runs (a damaged run is left out with a warning; a format-1 "training"
section becomes one run). Versions: 1 held one "training" section; 2 adds the runs, the
adopted run, its optimizer state and the optional sections (blocks, exercises). Every
version up to VERSION opens; a newer file is refused with "update Netwright".
Nothing in a file can run code: JSON and safetensors only, never pickle. Reading is
bounded: the archive's directory, each member's inflated size (streamed, declared sizes
are not trusted), the JSON's depth and numbers, and the weights (no larger than the
network needs, engine.weights_file) are checked before they are used. Saving goes through
engine.atomic. Must not import Qt.
"""
from __future__ import annotations

import json
import os
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Mapping

import msgspec
import torch

from . import json_pieces, weights_file
from .atomic import Writer, atomic_write
from .graph import MAX_NODES, Graph
from .runs import Run, optimizer_codec, read_runs, runs_section
from .runs import weights as run_weights
from .sections import read_sections, section_entries
from .serialize import ProjectError, graph_from_dict, graph_to_dict, json_safe, max_depth
from .training.resume import OptimizerState
from .weight_changes import weight_changes  # noqa: F401  (its home; imported from here by older code)

FORMAT = "netwright-project"
VERSION = 2  # see the module docstring for what each version added
JSON_NAME = "netwright.json"
WEIGHTS_NAME = "weights.safetensors"
MAX_JSON_BYTES = 32 * 2**20  # a 50,000-layer network with typical parameters takes 11 MB
# Entries of the description, counted on the raw text before parsing (brackets and commas
# inside strings count too): they bound the memory the parsed JSON takes, whatever its shape.
MAX_CONTAINERS = 8 * MAX_NODES
MAX_VALUES = 40 * MAX_NODES
MAX_JSON_DEPTH = 32  # the engine writes at most 6 levels; deeper is damage or an attack
MAX_OTHER_MEMBERS = 16  # a project archive holds 3 members besides its runs' weights; more is not a Netwright file
MAX_MEMBERS = MAX_OTHER_MEMBERS + run_weights.MAX_KEEP  # and one member per run that keeps weights
CHUNK = 2**20
MAX_COUNTED = 64 * 2**20  # directory bytes scanned to count a refused archive's entries
OPTIMIZER_SLOTS = 3  # Adam keeps two tensors per parameter; room for one more
RUN_SCALES = (1, 4, 16, 64, 256)  # how much tighter runs are fitted when a project would not fit


class DocumentTooLarge(ProjectError):
    """The description is larger than the reader takes (a ProjectError with the user's message)."""


@dataclass
class Project:
    graph: Graph
    weights: dict[str, torch.Tensor] | None = None
    training: dict[str, Any] | None = None  # a format-1 file's training section (now its one run)
    meta: dict[str, Any] = field(default_factory=dict)  # dataset, normalization, class names, ...
    sections: dict[str, Any] = field(default_factory=dict)  # optional top-level sections (engine.sections)
    runs: list[Run] = field(default_factory=list)  # the project's training runs, oldest first
    adopted_run: str | None = None  # the run whose weights `weights` are
    optimizer_state: OptimizerState | None = None  # the adopted run's, for continuing it
    # What was set aside while opening, for the user (e.g. weights of a network with errors).
    warnings: list[str] = field(default_factory=list)


def save(graph: Graph, path: str | os.PathLike, weights: Mapping[str, torch.Tensor] | torch.nn.Module | None = None,
         training: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
         sections: dict[str, Any] | None = None, runs: list[Run] | None = None,
         adopted_run: str | None = None, optimizer_state: OptimizerState | None = None) -> Path:
    """Write a project atomically; raises ProjectError if it cannot be written."""
    path = Path(path)
    extra = section_entries(sections)
    adopted = adopted_run if runs is not None and adopted_run in {r.id for r in runs} else None
    optimizer_blob = None
    if optimizer_state is not None and weights is not None and adopted:
        extra["optimizer"], tensors = optimizer_codec.encode(optimizer_state, adopted)
        optimizer_blob = optimizer_codec.member_bytes(tensors)
    text = _fitted_text(graph, training, meta, extra, runs, adopted)
    if path.suffix.lower() == ".json":
        if weights is not None:
            raise ProjectError("a .json project cannot hold trained weights — save as .nwproj")
        write_atomically(path, text.encode())
        return path
    blob = _weights_blob(graph, weights) if weights is not None else None
    members = run_weights.run_members(runs, adopted if blob is not None else None, sections, FORMAT)

    def write(fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(JSON_NAME, text)
            if blob is not None:
                zf.writestr(zipfile.ZipInfo(WEIGHTS_NAME), blob, compress_type=zipfile.ZIP_STORED)
            if optimizer_blob is not None:
                zf.writestr(zipfile.ZipInfo(optimizer_codec.MEMBER), optimizer_blob,
                            compress_type=zipfile.ZIP_STORED)
            for name, member in members:
                zf.writestr(zipfile.ZipInfo(name), member, compress_type=zipfile.ZIP_STORED)
    write_atomically(path, write)
    return path


def _fitted_text(graph: Graph, training: dict[str, Any] | None, meta: dict[str, Any] | None,
                 extra: dict[str, Any], runs: list[Run] | None, adopted: str | None) -> str:
    """The JSON member; when the runs make it larger than the reader takes, their long series are
    thinned further (engine.runs.fit) until it fits; ProjectError names the part that does not."""
    if runs is None:
        return document_text(graph, training, meta, extra)
    for scale in RUN_SCALES:
        try:
            return document_text(graph, training, meta, {**extra, **runs_section(runs, adopted, scale)})
        except DocumentTooLarge:
            continue
    document_text(graph, training, meta, extra)  # raises when the network is what does not fit
    raise ProjectError(f"cannot save: the training history ({len(runs):,} runs) is too large for a project file "
                       "even with its curves thinned — delete old runs and save again")


def _weights_blob(graph: Graph, weights: Mapping[str, torch.Tensor] | torch.nn.Module) -> bytes:
    """The safetensors member, refused now (not on the next open) if it would not open again."""
    from .builder import BuildError, expected_state

    state = weights.state_dict() if isinstance(weights, torch.nn.Module) else weights
    try:
        expected = expected_state(graph)
    except BuildError:
        raise ProjectError("cannot save trained weights with a network that has errors — fix the marked "
                           "layers, or save without the weights") from None
    try:
        weights_file.check_state(state, expected)
    except ProjectError as exc:
        raise ProjectError(f"cannot save: {exc}") from None
    return weights_file.to_bytes(state, FORMAT)


def document_text(graph: Graph, training: dict[str, Any] | None, meta: dict[str, Any] | None,
                  extra: dict[str, Any] | None = None) -> str:
    """The JSON member (with `extra` top-level keys: sections, runs); ProjectError when it could
    not be opened again."""
    extra = dict(extra or {})
    runs = {k: extra.pop(k) for k in ("runs", "adopted_run") if k in extra}  # plain already (engine.schema)
    try:
        free = {"network": graph_to_dict(graph), "training": json_safe(training), "meta": json_safe(meta or {}),
                **json_safe(extra)}
        data = msgspec.json.format(msgspec.json.encode({"format": FORMAT, "version": VERSION, **free, **runs}),
                                   indent=1)
    except (TypeError, ValueError, RecursionError, OverflowError, msgspec.EncodeError) as exc:
        raise ProjectError(f"cannot save: the project holds a value JSON cannot store ({exc})") from None
    text = data.decode()
    if len(data) > MAX_JSON_BYTES or too_many_entries(data) or max_depth(free) + 1 > MAX_JSON_DEPTH:
        raise DocumentTooLarge("cannot save: the network description is too large or too deeply nested "
                               "to open again — remove the oversized parameter values")
    return text


def write_atomically(path: Path, data: bytes | Writer) -> Path:
    try:
        return atomic_write(path, data)
    except OSError as exc:
        raise ProjectError(f"cannot save {path}: {exc.strerror or exc} — choose another folder or free "
                           "some disk space; the previous file is unchanged") from None


def load(path: str | os.PathLike) -> Project:
    """Read a project; any problem raises ProjectError with a message a user can act on."""
    path = Path(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a folder, a FIFO (open would block), a device
            raise ProjectError(f"{path} is not a project file (it is a folder or a special file)")
        with open(path, "rb") as fh:
            if fh.read(2) == b"PK":
                return _load_zip(path, fh)
            too_large = (f"{path.name} is far too large for a project ({info.st_size / 2**20:.0f} MB; a network "
                         f"description takes at most {MAX_JSON_BYTES // 2**20} MB, {MAX_NODES:,} layers)")
            if info.st_size > MAX_JSON_BYTES:
                raise ProjectError(too_large)
            fh.seek(0)
            text = _read_bounded(fh, MAX_JSON_BYTES, too_large)  # the size may change while reading
    except FileNotFoundError:
        raise ProjectError(f"{path} does not exist") from None
    except OSError as exc:
        raise ProjectError(f"cannot read {path}: {exc.strerror or exc}") from None
    if text.lstrip()[:1] != b"{":
        raise ProjectError(f"{path.name} is not a Netwright project (neither a .nwproj archive nor JSON)")
    return _parse_doc(path, text)[0]


def _load_zip(path: Path, fh: BinaryIO) -> Project:
    _check_directory(path, fh)
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            if sum(not run_weights.is_member(name) for name in infos) > MAX_OTHER_MEMBERS:
                raise ProjectError(f"{path.name} is not a Netwright project: its archive holds {len(infos)} entries "
                                   "that are not runs' weights (a project holds at most 3)")
            if JSON_NAME not in infos:
                raise ProjectError(f"{path.name} is a zip archive but not a Netwright project")
            has_weights = WEIGHTS_NAME in infos
            project, doc = _parse_doc(path, _read_member(zf, infos[JSON_NAME], MAX_JSON_BYTES), has_weights)
            if has_weights:
                _attach_weights(project, zf, infos[WEIGHTS_NAME])
            if project.weights is not None and doc.get("optimizer") is not None:
                _attach_optimizer(project, zf, infos.get(optimizer_codec.MEMBER), doc["optimizer"])
            run_weights.attach(project, set(infos), lambda name, limit: _read_member(zf, infos[name], limit))
            return project
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError,
            RuntimeError, struct.error, OverflowError, zlib.error):
        raise ProjectError(f"{path.name} is damaged or truncated (it cannot be unpacked) — use a backup copy") \
            from None


def _check_directory(path: Path, fh: BinaryIO) -> None:
    """Refuse archives whose directory is huge before zipfile builds it in memory."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    fh.seek(max(size - 65_557, 0))  # the end record lies in the last 64 KiB + 22 bytes
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ProjectError(f"{path.name} is damaged or truncated (no zip directory) — use a backup copy")
    entries, directory_size, directory_at = struct.unpack("<HII", tail[at + 10:at + 20])
    zip64 = tail.rfind(b"PK\x06\x06", 0, at)
    if zip64 >= 0 and len(tail) - zip64 >= 56:  # a zip64 archive keeps its true sizes in this record
        entries, directory_size, directory_at = struct.unpack("<QQQ", tail[zip64 + 32:zip64 + 56])
    if entries > MAX_MEMBERS or directory_size > MAX_MEMBERS * 1024:
        counted = _count_entries(fh, directory_at, directory_size)
        raise ProjectError(f"{path.name} is not a Netwright project: its archive holds {counted} entries "
                           f"(a project holds at most {MAX_MEMBERS})")
    fh.seek(0)


def _count_entries(fh: BinaryIO, start: int, size: int) -> str:
    """The archive's entries as counted in its directory (the end record's count may lie), read in
    chunks and at most MAX_COUNTED bytes of it."""
    fh.seek(start)
    count, carry, left = 0, b"", min(size, MAX_COUNTED)
    while left > 0 and (chunk := fh.read(min(CHUNK, left))):
        left -= len(chunk)
        data = carry + chunk
        count += data.count(b"PK\x01\x02")
        carry = data[-3:]
    return f"{count:,}" if size <= MAX_COUNTED else f"more than {count:,}"


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.flag_bits & 0x1:
        raise ProjectError(f"{info.filename} in the project is encrypted; Netwright never writes "
                           "encrypted projects — the file is not one of ours or is damaged")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ProjectError(f"{info.filename} in the project uses a compression Netwright never writes")
    too_large = f"{info.filename} in the project is larger than its network can need; the file is damaged"
    if info.file_size > limit:
        raise ProjectError(too_large)
    try:
        with zf.open(info) as member:
            return _read_bounded(member, limit, too_large)
    except (zlib.error, zipfile.BadZipFile, EOFError) as exc:  # flipped bits in the deflated data
        reason = "its checksum does not match" if isinstance(exc, zipfile.BadZipFile) else "it does not unpack"
        raise ProjectError(f"{info.filename} in the project is damaged ({reason}) — use a backup copy") from None


def _read_bounded(fh: BinaryIO, limit: int, message: str) -> bytes:
    """At most `limit` bytes, streamed: a declared size is never trusted."""
    chunks, total = [], 0
    while chunk := fh.read(min(CHUNK, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            raise ProjectError(message)
        chunks.append(chunk)
    return b"".join(chunks)


def too_many_entries(text: bytes) -> bool:
    return text.count(b"[") + text.count(b"{") > MAX_CONTAINERS or text.count(b",") > MAX_VALUES


def _parse_doc(path: Path, text: bytes, has_weights: bool = False) -> tuple[Project, dict[str, Any]]:
    if too_many_entries(text):
        raise ProjectError(f"{path.name} is damaged: its description holds far more entries than a network of "
                           f"at most {MAX_NODES:,} layers can need")
    try:
        doc = json_pieces.loads(text.decode("utf-8"))  # json.loads, letting other threads in between runs
    except UnicodeDecodeError:
        raise ProjectError(f"{path.name} is damaged: its network description is not text") from None
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{path.name} is damaged: its network description cannot be read "
                           f"(the text goes wrong at line {exc.lineno})") from None
    except ValueError:  # a number of over 4300 digits
        raise ProjectError(f"{path.name} is damaged: its network description holds a number far too long "
                           "to be a setting") from None
    except RecursionError:
        raise ProjectError(f"{path.name} is damaged: its network description is nested too deeply") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProjectError(f"{path.name} is not a Netwright project: it does not say it was saved by Netwright")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"{path.name} has a damaged format version")
    if version > VERSION:
        raise ProjectError(f"{path.name} was made by a newer Netwright (format {version}; this version reads "
                           f"up to {VERSION}) — update Netwright to open it")
    training, meta = doc.get("training"), doc.get("meta") or {}
    if training is not None and not isinstance(training, dict) or not isinstance(meta, dict):
        raise ProjectError(f"{path.name} has damaged training or meta sections")
    # The network section is checked entry by entry (parameters by engine.graph); the free-form
    # sections are kept as they are, so their depth is bounded here (saving them must work).
    if max(max_depth(training), max_depth(meta)) > MAX_JSON_DEPTH:
        raise ProjectError(f"{path.name} is damaged: its training or meta section is nested too deeply")
    project = Project(graph_from_dict(doc.get("network")), None, training, meta, read_sections(doc, path.name))
    project.runs, project.adopted_run, project.warnings = read_runs(doc, has_weights)
    return project, doc


def _attach_weights(project: Project, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Read the weights bounded by what the network needs; a network with errors opens without them."""
    from .builder import BuildError, expected_state

    try:
        expected = expected_state(project.graph)
    except BuildError:
        project.warnings.append("the trained weights were set aside: the network has errors, so they "
                                "cannot be checked — fix the marked layers and retrain")
        return
    blob = _read_member(zf, info, weights_file.size_limit(expected))
    project.weights = weights_file.parse(blob, expected)


def _attach_optimizer(project: Project, zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, section: Any) -> None:
    """The adopted run's optimizer state, bounded like the weights (an optimizer keeps at most a
    few tensors per parameter); when it is damaged or missing, continuing starts afresh."""
    limit = OPTIMIZER_SLOTS * sum(t.numel() for t in project.weights.values()) * 8 + 2**20
    try:
        blob = _read_member(zf, info, limit) if info is not None else None
    except ProjectError as exc:
        blob, problem = None, str(exc)
    else:
        problem = "" if blob is not None else "its tensors are missing"
    state, problem = optimizer_codec.read(blob, section, project.adopted_run) if blob is not None else (None, problem)
    if problem:
        project.warnings.append(f"the saved optimizer state was left out ({problem}); continuing training "
                                "starts a fresh optimizer")
    project.optimizer_state = state


def check_weights(graph: Graph, weights: Mapping[str, torch.Tensor]) -> None:
    """Raise ProjectError unless `weights` fit the module built from `graph` exactly."""
    from .builder import BuildError, expected_state

    try:
        expected = expected_state(graph)
    except BuildError as exc:
        raise ProjectError(f"the file has trained weights but its network is not valid: {exc}") from None
    weights_file.check_fit({k: tuple(v.shape) for k, v in weights.items()},
                           {k: shape for k, (shape, _) in expected.items()})
