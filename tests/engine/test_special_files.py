"""A path that names a FIFO, a device, a socket or a folder gets one clear message wherever a
user names a file: never a hang (a FIFO named img.png used to block `predict` for ever), never
a traceback. And a file imported with `import` that calls sys.exit ends the import, not the CLI."""
import os
import re
import signal
import socket

import pytest

import engine
from engine.file_kinds import SpecialFileError, check_regular, open_regular
from engine.image_files import ImageError, open_image


@pytest.fixture(autouse=True)
def no_hang():
    """A regression blocks in open(): fail after 2 minutes (imports on a busy machine are slow)
    instead of hanging the suite."""
    def hung(*_):
        raise TimeoutError("blocked on a special file")
    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def special(tmp_path, kind, name):
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    elif kind == "device":
        path.symlink_to("/dev/zero")  # a link to a device is a device
    else:
        path.mkdir()
    return path


KINDS = {"fifo": "is a named pipe (FIFO), not a file — reading it would wait for ever",
         "device": "is a device, not a file — reading it would wait for ever",
         "socket": "is a socket, not a file", "folder": "is a folder, not a file"}


@pytest.mark.parametrize("kind", KINDS)
def test_open_regular_refuses_at_once_and_names_the_kind(tmp_path, kind):
    path = special(tmp_path, kind, "img.png")
    with pytest.raises(SpecialFileError, match=re.escape(KINDS[kind])):
        open_regular(path)
    with pytest.raises(SpecialFileError, match=re.escape(KINDS[kind])):
        check_regular(path)
    (tmp_path / "real.png").write_bytes(b"x")
    with open_regular(tmp_path / "real.png") as fh:
        assert fh.read() == b"x"


@pytest.mark.parametrize("kind", KINDS)
def test_predict_gives_one_line_for_a_special_file(cli, tmp_path, kind):
    special(tmp_path, kind, "img.png")
    graph = engine.templates.load("lenet5")
    project = engine.save(graph, tmp_path / "p.nwproj", weights=engine.build_module(graph),
                          meta={"dataset": "mnist", "class_names": list("0123456789"), "mean": [0.1], "std": [0.3]})
    result = cli("predict", project, "img.png", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: img.png is a ") and "Traceback" not in result.stderr


def test_the_draw_views_image_door_refuses_a_fifo(tmp_path):
    with pytest.raises(ImageError, match="named pipe"):
        with open_image(special(tmp_path, "fifo", "photo.jpg")):
            pass


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_project_path_that_is_special_is_refused(cli, tmp_path, kind):
    special(tmp_path, kind, "p.nwproj")
    for command in ("summary", "runs"):
        result = cli(command, "p.nwproj", cwd=tmp_path)
        assert result.returncode == 2 and "not a project file" in result.stderr


def test_import_of_a_fifo_is_refused(cli, tmp_path):
    special(tmp_path, "fifo", "net.py")
    result = cli("import", "net.py:Net", cwd=tmp_path)
    assert result.returncode == 2 and "net.py is a named pipe (FIFO), not a file" in result.stderr


def test_import_of_a_file_that_calls_sys_exit_says_so(cli, tmp_path):
    (tmp_path / "net.py").write_text("import sys\nsys.exit(3)\n")
    result = cli("import", "net.py:Net", cwd=tmp_path)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "running net.py failed: it called sys.exit(3)" in result.stderr
    assert 'if __name__ == "__main__"' in result.stderr
    (tmp_path / "net2.py").write_text("import torch\nclass Net(torch.nn.Module):\n"
                                      "    def __init__(self):\n        raise SystemExit('no')\n")
    result = cli("import", "net2.py:Net", cwd=tmp_path)
    assert result.returncode == 2 and "it called sys.exit('no')" in result.stderr


def test_a_recovery_note_that_is_a_fifo_is_skipped(tmp_path, monkeypatch):
    from engine import recovery
    monkeypatch.setenv(recovery.ENV_VAR, str(tmp_path))
    (tmp_path / f"{recovery.PREFIX}999999-1.nwproj").write_bytes(b"PK")
    os.mkfifo(tmp_path / f"{recovery.PREFIX}999999-1.nwproj{recovery.NOTE_SUFFIX}")
    assert recovery._read_note(tmp_path / f"{recovery.PREFIX}999999-1.nwproj") is None
