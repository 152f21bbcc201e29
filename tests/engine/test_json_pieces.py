"""The project reader parses JSON in pieces (engine.json_pieces) so a worker thread reading a big
project lets the window's thread run: the value and the errors are those of json.loads."""
import json
import sys
import threading
import time

import pytest

from engine import json_pieces

SAME = [
    '{}', '[]', ' {"a": 1} ', '{"a": [1, 2, {"b": [3, []]}], "c": {"d": {"e": [{}]}}, "f": null}',
    '{"runs": [{"id": "r1", "steps": [1.5, 2e3]}, {"id": "r2"}], "x": "é\\u00e9\\n"}',
    '{"a": 1, "a": 2}', '[1, [2, [3, [4]]]]', '"text"', '3', 'NaN', '{"n": -Infinity}', '\n\t{ "a" :\r [ ] }\n',
]
BROKEN = ['', ' ', '{', '[', '{"a"}', '{"a" 1}', '{"a": 1,}', '[1,]', '[1 2]', '{"a": 1} x', '{1: 2}', "{'a': 1}",
          '{"a": [1, 2}', '{"a": {"b": 1]}', '[1] [2]', '{"a": tru}', '{"a": "x}']


@pytest.mark.parametrize("text", SAME)
def test_the_value_is_that_of_json_loads(text):
    assert repr(json_pieces.loads(text)) == repr(json.loads(text))  # repr: NaN != NaN


@pytest.mark.parametrize("text", BROKEN)
def test_broken_text_raises_as_json_loads_does(text):
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as ours:
        json_pieces.loads(text)
    assert ours.value.lineno == theirs.value.lineno  # the reader's message names the line


def test_deep_nesting_is_a_recursion_error_as_with_json_loads():
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json_pieces.loads('{"a": ' + text + "}")


def test_another_thread_runs_while_a_long_runs_list_is_parsed():
    runs = [{"id": f"r{i}", "steps": [[s, 1.0 / (s + 1), 0.5] for s in range(400)]} for i in range(600)]
    text = json.dumps({"format": "netwright-project", "runs": runs})
    ticks: list[float] = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    thread = threading.Thread(target=tick)
    thread.start()
    try:
        start = time.perf_counter()
        value = json_pieces.loads(text)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(old)
    begun = time.perf_counter()
    assert value == json.loads(text)
    whole = time.perf_counter() - begun  # how long json.loads holds the lock for all of it
    inside = [t for t in ticks if start <= t <= end]
    # json.loads holds the lock for all of it: the other thread would not tick at all in between.
    # In pieces it ticks along the parse (judged by eighths of it, loosely, so that the machine's own
    # scheduling, busy with other tests, cannot fail it with one long pause)
    eighths = {min(int((t - start) / (end - start) * 8), 7) for t in inside}
    assert whole > 0.05 and len(inside) >= 10 and len(eighths) >= 3, (len(inside), sorted(eighths))
