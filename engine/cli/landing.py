"""Where `train` writes its result: the `--out` file, else the first place that takes it.

`landing_places` is the chain a finished training tries, in order: the file asked for, a
"-recovered" file beside it, the recovery folder, Netwright's user data folder. `land` tries
each for real (a write that fails, e.g. on a full disk, moves on to the next) and says which
one worked and why the others did not, so the message is true. `other_kind` tells a project
file from a file of another kind, which `train` will not replace without `--force`.
Never imports Qt.
"""
from __future__ import annotations

import json
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..project import FORMAT, JSON_NAME
from ..recovery import recovery_dir
from ..serialize import ProjectError

_MAX_JSON_PROBE = 64 * 1024 * 1024  # a .json project bigger than this is read no further to tell its kind


@dataclass
class Landing:
    """Where the result went (None: nowhere) and what each place that refused said."""

    path: Path | None
    refused: list[tuple[Path, str]] = field(default_factory=list)

    def failures(self) -> str:
        return "; ".join(f"{place}: {reason}" for place, reason in self.refused)


def landing_places(wanted: Path) -> list[Path]:
    """`wanted`, then a recovered copy beside it, in the recovery folder, in the user data folder."""
    from ..data.paths import user_data_root  # local: the engine.data package loads PyTorch

    stem = (wanted.stem if wanted.suffix else wanted.name) or "project"
    name = f"{stem}-recovered-{time.strftime('%Y%m%d-%H%M%S')}.nwproj"
    places = [wanted]
    for folder in (wanted.parent, recovery_dir(), user_data_root()):
        candidate = _free(folder / name)
        if candidate not in places:
            places.append(candidate)
    return places


def _free(path: Path) -> Path:
    """`path`, or a numbered sibling when a file of that name exists (never over an existing file)."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def land(wanted: Path, write: Callable[[Path], object]) -> Landing:
    """Try `write` at each landing place in turn; the first that works is where the result is."""
    landing = Landing(None)
    for place in landing_places(wanted):
        try:
            if place.parent != wanted.parent:  # our own folders are made on demand; the user's are not
                place.parent.mkdir(parents=True, exist_ok=True)
            write(place)
        except (ProjectError, OSError) as exc:
            landing.refused.append((place, str(exc)))
            continue
        landing.path = place
        return landing
    return landing


def other_kind(path: Path) -> str | None:
    """What `path` is when it is a file that is not a Netwright project; None when it is absent, a
    project that may be replaced, or no file at all (a folder cannot be replaced: the chain of
    `land` moves past it)."""
    if not path.is_file():
        return None
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                return None if JSON_NAME in zf.namelist() else "a zip file that is not a Netwright project"
        if path.stat().st_size <= _MAX_JSON_PROBE:
            doc = json.loads(path.read_bytes())
            if isinstance(doc, dict) and doc.get("format") == FORMAT:
                return None
    except (OSError, ValueError, zipfile.BadZipFile):
        pass
    return "a file that is not a Netwright project"
