"""Where datasets live on disk: the platform's user data folder, or $NETWRIGHT_DATA.

Owns folder resolution only; creates nothing. Must not import Qt, pyqtgraph or torch.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "NETWRIGHT_DATA"


def default_data_dir() -> Path:
    """The folder datasets are downloaded to and read from when no data_dir is given.

    $NETWRIGHT_DATA wins; otherwise Linux uses $XDG_DATA_HOME (or ~/.local/share)/netwright/data,
    macOS ~/Library/Application Support/Netwright/data and Windows %LOCALAPPDATA%\\Netwright\\data.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    return user_data_root() / "data"


def user_data_root() -> Path:
    """Netwright's folder in the platform's user data folder (datasets, recovery files)."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        base = Path(local) if local else Path.home() / "AppData" / "Local"
        return base / "Netwright"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Netwright"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "netwright"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """An explicit data_dir as a Path, or the default folder when None."""
    return default_data_dir() if data_dir is None else Path(data_dir).expanduser()
