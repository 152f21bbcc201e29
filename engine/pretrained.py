"""torchvision's pretrained classification networks: what exists, how good and big each is, fetching weights.

Owns the list File ▸ New from a pretrained model… shows (name, ImageNet top-1 accuracy,
parameters, file size and whether the weights are already in the torch hub cache, all from
the weights' own metadata) and the download into that cache: streamed in chunks with a
progress callback and a cancel check, checked against the hash prefix in the file's name,
written atomically. Offline, the error names the file and the folder to put it in. Importing
the network with its weights is engine.importer's (`torchvision:NAME --weights`).
Must not import Qt.
"""
from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

CHUNK = 1 << 20
TIMEOUT_S = 30


class DownloadError(Exception):
    """The weights could not be fetched; the message says where to put them by hand."""


class DownloadCancelled(DownloadError):
    """The user cancelled; nothing was left behind."""


@dataclass(frozen=True)
class PretrainedModel:
    name: str
    top1: float | None  # ImageNet-1K top-1 accuracy in percent, from the weights' metadata
    params: int
    file_mb: float | None
    url: str
    path: Path  # where torch hub keeps the file

    @property
    def cached(self) -> bool:
        return self.path.is_file()


def pretrained_models() -> list[PretrainedModel]:
    """Every classification model of torchvision.models with default weights, by name."""
    import torchvision

    models = []
    for name in torchvision.models.list_models(module=torchvision.models):
        try:
            weights = torchvision.models.get_model_weights(name).DEFAULT
        except (ValueError, AttributeError):
            continue
        models.append(_entry(name, weights))
    return models


def pretrained_model(name: str) -> PretrainedModel:
    import torchvision

    try:
        return _entry(name, torchvision.models.get_model_weights(name).DEFAULT)
    except (ValueError, AttributeError, KeyError):
        raise DownloadError(f"{name!r} is not a torchvision classification model with pretrained weights") from None


def _entry(name: str, weights) -> PretrainedModel:
    import torch

    meta = weights.meta
    top1 = (meta.get("_metrics") or {}).get("ImageNet-1K", {}).get("acc@1")
    path = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weights.url)
    return PretrainedModel(name, top1, int(meta.get("num_params", 0)), meta.get("_file_size"), weights.url, path)


def download(model: PretrainedModel, progress: Callable[[int, int], None] | None = None,
             cancelled: Callable[[], bool] | None = None, opener=urllib.request.urlopen) -> Path:
    """Fetch the model's weights into the torch hub cache (nothing to do when already there)."""
    if model.cached:
        return model.path
    model.path.parent.mkdir(parents=True, exist_ok=True)
    partial = model.path.with_name(model.path.name + ".part")
    try:
        _stream(model, partial, progress, cancelled, opener)
        _check_hash(partial, model.path.name)
        os.replace(partial, model.path)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise DownloadError(f"could not download the weights of {model.name} ({exc}). Download {model.url} "
                            f"yourself and put it in {model.path.parent} as {model.path.name}") from None
    finally:
        partial.unlink(missing_ok=True)
    return model.path


def _stream(model: PretrainedModel, partial: Path, progress, cancelled, opener) -> None:
    with opener(model.url, timeout=TIMEOUT_S) as response, open(partial, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        done = 0
        while chunk := response.read(CHUNK):
            if cancelled is not None and cancelled():
                raise DownloadCancelled(f"the download of {model.name}'s weights was cancelled")
            out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)


def _check_hash(path: Path, name: str) -> None:
    """torchvision names files NAME-HASHPREFIX.pth, the prefix of the file's SHA-256."""
    match = re.search(r"-([a-f0-9]{6,})\.", name)
    if match is None:
        return
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    if not digest.hexdigest().startswith(match.group(1)):
        raise DownloadError(f"the downloaded weights of {name} are damaged (their checksum does not match); "
                            "try again")
