"""A call in a forked child (engine.forked_call): its value and its errors come back as JSON,
kill() cancels it, and a child that dies is a ProjectError the user can read."""
import os
import signal
import time

import pytest

from engine import forked_call
from engine.forked_call import CallCancelled, ForkedCall
from engine.serialize import ProjectError

pytestmark = pytest.mark.skipif(not forked_call.available(), reason="needs fork")


def test_the_value_comes_back_and_the_work_happened_in_another_process(tmp_path):
    parent = os.getpid()
    target = tmp_path / "out.txt"

    def work():
        target.write_text(str(os.getpid()))
        return {"path": str(target)}
    assert ForkedCall().run(work) == {"path": str(target)}
    assert int(target.read_text()) != parent


@pytest.mark.parametrize("error, kind, words", [
    (ProjectError("the weights are not finite"), ProjectError, "not finite"),
    (PermissionError(13, "Permission denied", "/x/p.nwproj"), OSError, "Permission denied"),
    (KeyError("bug"), ProjectError, "could not write the file (KeyError"),
])
def test_errors_come_back_as_messages(error, kind, words):
    def fail():
        raise error
    with pytest.raises(kind, match=words.replace("(", r"\(")):
        ForkedCall().run(fail)


def test_kill_cancels_and_a_child_killed_from_outside_is_a_message():
    call = ForkedCall()
    call.kill()
    with pytest.raises(CallCancelled):
        call.run(lambda: None)
    dying = ForkedCall()

    def die():
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(10)
    with pytest.raises(ProjectError, match="stopped unexpectedly.*unchanged"):
        dying.run(die)
