"""How much memory this process may use on the CPU: the machine, the process limits and the container.

`/proc/meminfo` says what the machine has (MemTotal) and what is free this instant
(MemAvailable). A process can be held to less: `ulimit -v` (RLIMIT_AS, its whole address
space) and RLIMIT_DATA (its heap and private mappings), or the memory limit of the cgroup it
runs in (a container, a systemd slice, a batch job): v1 `memory.limit_in_bytes` and v2
`memory.max`, found relative to this process's line in /proc/self/cgroup, on its own group
and every ancestor. A run over a limit dies in the allocator however much the machine has
free, so a limit is as hard as the machine's total; what is free now is not (the page cache
gives memory back, other programs end).

`host_memory()` reads them all; every reader takes the folder it reads from, so tests point
it at a fake /proc and /sys/fs/cgroup. Must not import Qt or torch.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

UNLIMITED = 2**60  # cgroup v1 writes "no limit" as 2**63 rounded down to a page; anything this big is none


@dataclass(frozen=True)
class Limit:
    """Room left under one limit: `room` bytes more may be allocated before `name` stops it."""

    name: str
    room: int


@dataclass(frozen=True)
class HostMemory:
    """The machine's memory, what is free now, and the tightest limit on this process."""

    total: int | None  # the machine's memory (None: unknown)
    free: int | None  # free this instant (MemAvailable)
    limit: Limit | None  # the tightest process or container limit, None when there is none

    @property
    def capacity(self) -> int | None:
        """The most a new allocation can ever get: the machine's memory or the tightest limit."""
        rooms = [r for r in (self.total, self.limit.room if self.limit else None) if r is not None]
        return min(rooms) if rooms else None

    @property
    def binding(self) -> str:
        """What sets the capacity, in words."""
        if self.limit is not None and (self.total is None or self.limit.room < self.total):
            return self.limit.name
        return "the machine's memory"

    @property
    def available(self) -> int | None:
        """Free now, never more than the capacity."""
        values = [v for v in (self.free, self.capacity) if v is not None]
        return min(values) if values else None


def meminfo(proc: Path = Path("/proc")) -> tuple[int | None, int | None]:
    """(MemTotal, MemAvailable) in bytes from /proc/meminfo; None for what cannot be read."""
    found: dict[str, int] = {}
    try:
        for line in (proc / "meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("MemTotal", "MemAvailable"):
                found[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return found.get("MemTotal"), found.get("MemAvailable")


def rlimit_rooms(proc: Path = Path("/proc"), rlimits: dict[str, int | None] | None = None) -> list[Limit]:
    """Room under RLIMIT_AS (address space used: VmSize) and RLIMIT_DATA (VmData).
    `rlimits` maps "AS"/"DATA" to the soft limit (None: unlimited); by default they are read."""
    rlimits = _rlimits() if rlimits is None else rlimits
    status = _status_bytes(proc)
    rooms = []
    for key, used, words in (("AS", "VmSize", "the process's address-space limit (ulimit -v, RLIMIT_AS)"),
                             ("DATA", "VmData", "the process's data limit (RLIMIT_DATA)")):
        limit = rlimits.get(key)
        if limit is not None and limit < UNLIMITED:
            rooms.append(Limit(words, max(limit - status.get(used, 0), 0)))
    return rooms


def _rlimits() -> dict[str, int | None]:
    try:
        import resource
    except ImportError:  # Windows
        return {}
    out: dict[str, int | None] = {}
    for key in ("AS", "DATA"):
        soft = resource.getrlimit(getattr(resource, f"RLIMIT_{key}"))[0]
        out[key] = None if soft == resource.RLIM_INFINITY else int(soft)
    return out


def _status_bytes(proc: Path) -> dict[str, int]:
    values = {}
    try:
        for line in (proc / "self" / "status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmSize", "VmData"):
                values[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return values


def cgroup_room(proc: Path = Path("/proc"), cgroup_fs: Path = Path("/sys/fs/cgroup")) -> Limit | None:
    """Room under the memory limit of this process's cgroup (v2 first, then v1), checking its
    group and every ancestor up to the mount; None when there is no limit or no cgroup."""
    try:
        lines = (proc / "self" / "cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "" and (cgroup_fs / "cgroup.controllers").exists():  # v2, unified
            return _tightest(cgroup_fs, path, "memory.max", "memory.current", "inactive_file")
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if "memory" in controllers.split(","):  # v1
            return _tightest(cgroup_fs / "memory", path, "memory.limit_in_bytes", "memory.usage_in_bytes",
                             "total_inactive_file")
    return None


def _tightest(mount: Path, path: str, limit_file: str, usage_file: str, inactive_key: str) -> Limit | None:
    """The smallest room over the group's folder and its ancestors (a container sees its own
    group at the mount's root, so the folder named in /proc/self/cgroup may not exist)."""
    rooms = []
    folder = mount / path.strip("/")
    for candidate in [folder, *folder.parents]:
        if not candidate.is_relative_to(mount):
            break
        limit = _read_int(candidate / limit_file)
        if limit is not None and limit < UNLIMITED:
            used = (_read_int(candidate / usage_file) or 0) - _stat_value(candidate / "memory.stat", inactive_key)
            rooms.append(max(limit - max(used, 0), 0))  # the working set: usage less reclaimable page cache
    return Limit("the container's memory limit (cgroup)", min(rooms)) if rooms else None


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # v2 writes "max" for no limit


def _stat_value(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key and value.strip().isdigit():
                return int(value)
    except OSError:
        pass
    return 0


def host_memory(proc: Path = Path("/proc"), cgroup_fs: Path = Path("/sys/fs/cgroup"),
                rlimits: dict[str, int | None] | None = None) -> HostMemory:
    """The machine's memory, what is free now and the tightest limit on this process."""
    total, free = meminfo(proc)
    if total is None:
        total = _physical_memory()
    limits = rlimit_rooms(proc, rlimits) + [c for c in (cgroup_room(proc, cgroup_fs),) if c is not None]
    tightest = min(limits, key=lambda limit: limit.room) if limits else None
    return HostMemory(total, free, tightest)


def _physical_memory() -> int | None:
    """macOS and other POSIX systems without /proc: the physical memory."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None
