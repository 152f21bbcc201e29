"""Where an imported module comes from: `torchvision:NAME` or `path/to/model.py:ClassName`.

torchvision's pretrained weights are used only when they already are in the torch hub cache:
nothing is downloaded. Loading a user's .py file runs that file's code (it is the user's own
model definition); project files never run code. Must not import Qt.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..file_kinds import SpecialFileError, check_regular

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# Models whose training-only auxiliary classifiers are switched off: they never run in eval mode
# and a network has one output (torchvision's pretrained models also come without them).
_AUX = {"googlenet": {"aux_logits": False, "init_weights": True},
        "inception_v3": {"aux_logits": False, "init_weights": True}}
_INPUT = {"inception_v3": (3, 299, 299)}


class SourceError(Exception):
    """The SOURCE cannot be loaded; the message says what to do."""


@dataclass
class Source:
    module: nn.Module
    name: str  # a short name for files and titles
    input_shape: tuple[int, ...] | None
    input_dtype: str = "float"
    meta: dict[str, Any] = field(default_factory=dict)  # goes into the project's meta section
    notes: list[str] = field(default_factory=list)


def classification_models() -> list[str]:
    import torchvision

    return list(torchvision.models.list_models(module=torchvision.models))


def open_source(text: str, weights: bool = False, real: bool = False) -> Source:
    """`torchvision:NAME` or `FILE.py:Class` as a module (raises SourceError). Without `weights`
    or `real`, a torchvision model is built on the meta device: structure only, instantly."""
    if text.startswith("torchvision:"):
        return torchvision_source(text.partition(":")[2], weights, real)
    path, sep, cls = text.rpartition(":")
    if not sep or not path.endswith(".py") or not cls.isidentifier():
        raise SourceError(f"SOURCE must be torchvision:NAME or path/to/model.py:ClassName (got {text!r})")
    return file_source(Path(path), cls, weights)


def torchvision_source(name: str, weights: bool, real: bool = False) -> Source:
    import torchvision

    names = classification_models()
    if name not in names:
        raise SourceError(f"{name!r} is not a torchvision classification model; choose one of "
                          f"{', '.join(names[:8])}, … ({len(names)} in all)")
    kwargs = dict(_AUX.get(name, {}))
    source = Source(torch.nn.Identity(), name, _INPUT.get(name, (3, 224, 224)),
                    meta={"source": f"torchvision:{name}"})
    if weights:
        source.module = _pretrained(name, kwargs, source)
    elif real:
        source.module = torchvision.models.get_model(name, **kwargs)
    else:
        kwargs.pop("init_weights", None)
        source.module = _build_cheaply(lambda: torchvision.models.get_model(name, **kwargs))
    return source


def _build_cheaply(make: Any) -> nn.Module:
    """Build on the meta device (no memory, no init time) when the constructor allows it."""
    try:
        with torch.device("meta"):
            return make()
    except Exception:  # some constructors compute with tensors (RegNet's widths)
        return make()


def cached_weights_path(name: str) -> Path:
    """Where torchvision keeps the default pretrained weights of model `name`."""
    import torchvision

    url = torchvision.models.get_model_weights(name).DEFAULT.url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def _pretrained(name: str, kwargs: dict[str, Any], source: Source) -> nn.Module:
    import torchvision

    path = cached_weights_path(name)
    if not path.is_file():
        raise SourceError(
            f"the pretrained weights of {name} are not in your torch hub cache (looked for {path}); "
            "Netwright never downloads them itself. Fetch them once with\n"
            f"  python -c \"import torchvision; torchvision.models.get_model('{name}', weights='DEFAULT')\"\n"
            "or import without --weights")
    w = torchvision.models.get_model_weights(name).DEFAULT
    if name in _AUX:
        kwargs["transform_input"] = False
        source.notes.append("transform_input is off: feed inputs normalized with mean 0.5 and std 0.5 per "
                            "channel, as these weights were trained")
    module = torchvision.models.get_model(name, weights=w, **{k: v for k, v in kwargs.items()
                                                               if k != "init_weights"})
    mean, std = (0.5,) * 3, (0.5,) * 3
    transform = w.transforms()
    if name not in _AUX:
        mean, std = tuple(getattr(transform, "mean", IMAGENET_MEAN)), tuple(getattr(transform, "std", IMAGENET_STD))
    categories = list(w.meta.get("categories") or [])
    resize = list(getattr(transform, "resize_size", None) or [])  # shorter side before the centre crop
    source.meta.update({"dataset": "imagenet", "kind": "image", "input_shape": list(source.input_shape or ()),
                        "num_classes": len(categories), "class_names": categories,
                        "mean": list(mean), "std": list(std), "weights": str(w),
                        **({"resize_size": int(resize[0])} if resize else {})})
    return module


def file_source(path: Path, class_name: str, weights: bool) -> Source:
    """Import `class_name` from the user's own Python file, which this executes."""
    try:
        check_regular(path)  # Python's importer would block for ever on a FIFO named net.py
    except (FileNotFoundError, NotADirectoryError):
        raise SourceError(f"{path} does not exist") from None
    except (SpecialFileError, OSError) as exc:
        raise SourceError(str(exc) if isinstance(exc, SpecialFileError) else f"cannot read {path}: {exc}") from None
    module_name = f"netwright_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SourceError(f"{path} cannot be loaded as a Python module")
    code = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))  # its own sibling imports
    try:
        spec.loader.exec_module(code)
        cls = getattr(code, class_name, None)
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
            raise SourceError(f"{path} defines no nn.Module subclass named {class_name}")
        module = cls()
    except SourceError:
        raise
    except SystemExit as exc:  # the file ends the program: the import fails, the CLI or window goes on
        raise SourceError(f"running {path} failed: it called sys.exit({exc.code!r}) — importing a file runs it, "
                          "so keep script code under `if __name__ == \"__main__\":`") from None
    except Exception as exc:
        raise SourceError(f"running {path} failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    shape = getattr(module, "input_shape", None)
    return Source(module, class_name.lower(), tuple(shape) if shape else None,
                  meta={"source": f"{path.name}:{class_name}"})
