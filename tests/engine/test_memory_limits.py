"""Pre-flight knows its limits: RLIMIT_AS/RLIMIT_DATA and the cgroup memory limit (v1 and v2,
found from /proc/self/cgroup) besides the machine's memory. It refuses only what cannot fit
the machine or a limit, and warns when a run needs more than is free at that moment. The
readers take the folders they read, so these tests hand them a fake /proc and /sys/fs/cgroup."""
from pathlib import Path

import pytest

import engine
from engine import preflight
from engine.memory_limits import UNLIMITED, HostMemory, Limit, cgroup_room, host_memory, rlimit_rooms

GiB, MiB = 2**30, 2**20
CGROUP = "the container's memory limit (cgroup)"


def fake_proc(tmp_path: Path, cgroup: str, total=32 * GiB, free=20 * GiB, vm_size=3 * GiB, vm_data=2 * GiB) -> Path:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup)
    (proc / "meminfo").write_text(f"MemTotal:       {total // 1024} kB\nMemFree:  1 kB\n"
                                  f"MemAvailable:   {free // 1024} kB\n")
    (proc / "self" / "status").write_text(f"Name:\tpython\nVmSize:\t{vm_size // 1024} kB\n"
                                          f"VmData:\t{vm_data // 1024} kB\n")
    return proc


def write(folder: Path, **files) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".", 1)).write_text(str(text))


def test_cgroup_v2_limit_of_the_group_and_its_ancestors(tmp_path):
    fs = tmp_path / "cgroup"
    write(fs, cgroup_controllers="memory cpu")
    write(fs / "user.slice", memory_max="max")
    write(fs / "user.slice" / "job", memory_max=2 * GiB, memory_current=GiB,
          memory_stat=f"anon {GiB // 2}\ninactive_file {GiB // 2}\n")
    proc = fake_proc(tmp_path, "0::/user.slice/job\n")
    assert cgroup_room(proc, fs) == Limit(CGROUP, 2 * GiB - GiB // 2)  # page cache comes back
    write(fs / "user.slice", memory_max=GiB, memory_current=900 * MiB)  # the parent is tighter
    assert cgroup_room(proc, fs).room == 124 * MiB


def test_cgroup_v1_limit_seen_from_inside_a_container(tmp_path):
    """The path in /proc/self/cgroup is the host's; the container sees its group at the mount's root."""
    fs = tmp_path / "cgroup"
    write(fs / "memory", memory_limit_in_bytes=4 * GiB, memory_usage_in_bytes=GiB,
          memory_stat=f"cache 5\ntotal_inactive_file {256 * MiB}\n")
    proc = fake_proc(tmp_path, "5:devices:/\n4:cpu,memory:/process_api/5ef50b\n0::/\n")
    assert cgroup_room(proc, fs) == Limit(CGROUP, 4 * GiB - GiB + 256 * MiB)
    write(fs / "memory", memory_limit_in_bytes=9223372036854771712)  # v1's "no limit"
    assert cgroup_room(proc, fs) is None


def test_no_cgroup_file_means_no_cgroup_limit(tmp_path):
    assert cgroup_room(tmp_path / "nowhere", tmp_path / "cgroup") is None


def test_rlimits_leave_the_room_the_process_has_not_used_yet(tmp_path):
    proc = fake_proc(tmp_path, "0::/\n", vm_size=3 * GiB, vm_data=2 * GiB)
    rooms = rlimit_rooms(proc, {"AS": 4 * GiB, "DATA": None})
    assert rooms == [Limit("the process's address-space limit (ulimit -v, RLIMIT_AS)", GiB)]
    rooms = rlimit_rooms(proc, {"AS": None, "DATA": 10 * GiB})
    assert rooms == [Limit("the process's data limit (RLIMIT_DATA)", 8 * GiB)]
    assert rlimit_rooms(proc, {"AS": UNLIMITED * 2, "DATA": None}) == []


def test_the_tightest_of_machine_and_limits_sets_the_capacity(tmp_path):
    fs = tmp_path / "cgroup"
    write(fs / "memory", memory_limit_in_bytes=6 * GiB, memory_usage_in_bytes=GiB)
    proc = fake_proc(tmp_path, "4:memory:/\n", total=32 * GiB, free=20 * GiB, vm_size=3 * GiB)
    memory = host_memory(proc, fs, {"AS": 16 * GiB, "DATA": None})
    assert memory.capacity == 5 * GiB and memory.binding == CGROUP and memory.available == 5 * GiB
    unlimited = host_memory(proc, tmp_path / "none", {})
    assert unlimited.capacity == 32 * GiB and unlimited.binding == "the machine's memory"
    assert unlimited.available == 20 * GiB


@pytest.fixture(scope="module")
def alexnet():
    graph = engine.templates.load("alexnet")
    return engine.analyze(graph), graph.input_map()


def test_a_dip_in_free_memory_warns_instead_of_refusing(alexnet):
    """Once a 233 MiB AlexNet was refused on a 23 GB machine because MemAvailable dipped."""
    memory = HostMemory(23 * 10**9, 100 * MiB, None)
    estimate = preflight.estimate(*alexnet, memory=memory)
    assert estimate.total > 200 * MiB and estimate.fits and estimate.tight
    assert "more than the 100.0 MiB free on the CPU right now" in estimate.warning()


def test_a_run_over_a_limit_is_refused_naming_the_limit(alexnet):
    memory = HostMemory(23 * 10**9, 20 * 10**9, Limit(CGROUP, 100 * MiB))
    estimate = preflight.estimate(*alexnet, memory=memory)
    assert not estimate.fits
    assert "but only 90.0 MiB can be used on the CPU (the container's memory limit (cgroup))" in estimate.message()
    roomy = preflight.estimate(*alexnet, memory=HostMemory(23 * 10**9, 20 * 10**9, Limit(CGROUP, 4 * GiB)))
    assert roomy.fits and not roomy.tight


def test_the_train_command_refuses_under_a_process_limit(tmp_path, monkeypatch, cli):
    tiny = HostMemory(32 * GiB, 20 * GiB, Limit("the process's address-space limit (ulimit -v, RLIMIT_AS)", 4096))
    monkeypatch.setattr(preflight, "device_memory", lambda device="cpu": tiny)
    result = cli("train", "--template", "mlp", "--dataset", "moons", "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 1 and "(the process's address-space limit (ulimit -v, RLIMIT_AS))" in result.stderr
    assert "Traceback" not in result.stderr and not list(tmp_path.iterdir())
