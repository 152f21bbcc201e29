"""ONNX and TorchScript export in a child process, so the exporting process keeps its interpreter lock.

torch.onnx.export and torch.jit.trace run Python for seconds (ResNet-152: 1-3 minutes on a busy
machine) and hold the interpreter lock while they do: on a thread, the window's 10 ms heartbeat
had a p99 lag of 45 ms. Here the parent only streams the job to a "spawn"ed child and reads one
line per stage back; `ExportChild.kill()` (the user's Cancel) ends the child at once, and the
caller removes the folder it was writing in, so no partial file is left.

Nothing crosses the pipe as a pickle. The job is JSON (the graph as in a project file,
engine.serialize); the weights are a safetensors stream: its header, then each tensor's raw
bytes sent straight from the tensor's memory (no copy in the parent, and the lock is free
while the pipe is written); the child parses them with the safetensors library. Messages back
are JSON: ("stage", text), ("done", [files]) or ("failed", message). Must not import Qt.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import struct
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from .export_formats import ExportError
from .forked_call import ChildProcess
from .graph import Graph
from .serialize import graph_to_dict

Stage = Callable[[str], None]
SAFETENSORS_DTYPES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16", "float64": "F64", "int64": "I64",
                      "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"}


class ExportCancelled(Exception):
    """The export was cancelled (its child killed) before it finished."""


# -- what crosses the pipe ------------------------------------------------------------------------
def _message(kind: str, payload: Any) -> bytes:
    return json.dumps([kind, payload]).encode()


def weights_stream(state: Mapping[str, Any]) -> Iterator[bytes | memoryview]:
    """A safetensors file in pieces: the length-prefixed header, then each tensor's bytes as a view."""
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state.items()}
    header, offset = {}, 0
    for key, tensor in tensors.items():
        size = tensor.numel() * tensor.element_size()
        dtype = SAFETENSORS_DTYPES.get(str(tensor.dtype).removeprefix("torch."))
        if dtype is None:
            raise ExportError(f"cannot export the weight {key}: its type {tensor.dtype} is not supported")
        header[key] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # safetensors aligns the data to 8 bytes
    yield struct.pack("<Q", len(text)) + text
    for tensor in tensors.values():
        if tensor.numel():
            import torch  # only here: streaming weights means they are tensors already

            yield memoryview(tensor.reshape(-1).view(torch.uint8).numpy())


def _receive_weights(conn: Any) -> dict[str, Any]:
    from safetensors.torch import load

    head = conn.recv_bytes()
    (size,) = struct.unpack("<Q", head[:8])
    header = json.loads(head[8:8 + size])
    total = max((entry["data_offsets"][1] for entry in header.values()), default=0)
    blob = bytearray(head)
    while len(blob) - len(head) < total:
        blob += conn.recv_bytes()
    return load(bytes(blob))


# -- the child --------------------------------------------------------------------------------------
def serve(conn: Any) -> None:
    """The child: read one job, export, report, exit (without the slow interpreter tear-down)."""
    try:
        _export_job(conn)
    except ExportError as exc:
        _send(conn, "failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug in an exporter becomes a message, not a dead child
        _send(conn, "failed", f"export failed: {type(exc).__name__}: {str(exc).strip()[:300]}")
    finally:
        conn.close()
        os._exit(0)


def _send(conn: Any, kind: str, payload: Any) -> None:
    try:
        conn.send_bytes(_message(kind, payload))
    except OSError:  # the parent is gone: nobody to tell
        pass


def _export_job(conn: Any) -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read at the first parallel region (engine.training.remote)
    import torch

    from .export_formats import export_to
    from .serialize import graph_from_dict

    torch.set_num_threads(1)  # tracing is Python work; leave the other cores to the window
    job = json.loads(conn.recv_bytes())
    weights = None
    if job["weights"]:
        _send(conn, "stage", "receiving the weights")
        weights = _receive_weights(conn)
    graph = graph_from_dict(job["network"])
    files = export_to(job["fmt"], graph, job["path"], weights, title=job["title"],
                      stage=lambda text: _send(conn, "stage", text))
    _send(conn, "done", [str(p) for p in files])


# -- the parent -------------------------------------------------------------------------------------
class ExportChild(ChildProcess):
    """One export in one child process. `run` blocks (call it from a worker thread); `kill` may be
    called from any thread, before, during or after `run`."""

    def run(self, fmt: str, graph: Graph, path: str | os.PathLike, weights: Mapping[str, Any] | None = None,
            title: str = "network", stage: Stage | None = None) -> list[Path]:
        """Export in `fmt` ("onnx" or "torchscript") to `path`; returns the files written.
        Raises ExportError with the child's message, or ExportCancelled after `kill`."""
        stage = stage or (lambda text: None)
        stage("starting a separate Python process and loading PyTorch there")
        conn = self._start()
        try:
            job = {"fmt": fmt, "path": str(path), "title": title, "network": graph_to_dict(graph),
                   "weights": bool(weights)}
            conn.send_bytes(json.dumps(job).encode())
            for piece in weights_stream(weights) if weights else ():
                conn.send_bytes(piece)
            return self._read(conn, stage)
        except (EOFError, OSError):
            if self._killed:
                raise ExportCancelled() from None
            self.wait_gone(5.0)
            code = self.process.exitcode if self.process is not None else None
            how = f" (exit code {code})" if code is not None else ""
            raise ExportError(f"the export process stopped unexpectedly{how}, perhaps for lack of memory; "
                              "nothing was written") from None
        finally:
            conn.close()

    def _start(self) -> Any:
        context = mp.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        with self._lock:
            if self._killed:
                raise ExportCancelled()
            self.process = context.Process(target=serve, args=(child_end,), name="netwright-export", daemon=True)
            self.process.start()
        child_end.close()  # the child's end: closing ours lets a dead child show up as end-of-file
        return parent_end

    def _read(self, conn: Any, stage: Stage) -> list[Path]:
        while True:
            kind, payload = json.loads(conn.recv_bytes())
            if kind == "stage":
                stage(payload)
            elif kind == "done":
                self.wait_gone(5.0)
                return [Path(p) for p in payload]
            else:
                raise ExportError(payload)
