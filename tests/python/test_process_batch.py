# asyncprocess in batches from Python through gi: the process-batch signal
# (with and without the library's introspection data loaded, which changes
# how PyGObject hands a signal's arguments over), set-output and finish by
# id, a handler that raises, and the C batch function setter through the
# typelib.
#
# Run by meson test (suite python) with the plugins of the build tree:
#   /usr/bin/python3 -m pytest tests/python

import os
import subprocess
import sys
import threading

import pytest
from framestream import (DROPPED, PENDING, Gst, check_signal, frame_stream,
                         play_gated, run, run_beside)

import gi

# (before any asyncprocess is made: PyGObject keeps the class it made for
# the first one, with the typelib's methods or without)
try:
    gi.require_version("GstAsync", "1.0")
    from gi.repository import GstAsync
except ValueError:
    GstAsync = None


def test_signal_in_batches():
    """Ids and buffers in their order, batches formed behind a slow first
    call; PyGObject using the library's introspection data for the
    signal, when there is one."""
    check_signal()


def test_signal_in_batches_without_introspection_data():
    """The same in a program that never loads GstAsync: PyGObject then
    marshals the signal's arguments from their GTypes alone."""
    child = subprocess.run(
        [sys.executable, "-c",
         "import sys, framestream\n"
         "framestream.check_signal()\n"
         "assert 'gi.repository.GstAsync' not in sys.modules\n"
         "print('ok')"],
        capture_output=True, text=True, timeout=60,
        cwd=os.path.dirname(os.path.abspath(__file__)))
    assert child.returncode == 0, child.stderr
    assert child.stdout == "ok\n"


def test_drop_one_frame_of_a_batch():
    """A frame finished inside the call keeps its flow (dropped); the flow
    returned is the others'."""
    def drop_sixes(element, first_id, buffers, caps, worker):
        for i in range(buffers.length()):
            if buffers.get(i).extract_dup(0, 1)[0] % 6 == 0:
                element.emit("finish", first_id + i, DROPPED)
        return Gst.FlowReturn.OK

    error, got, sizes = play_gated(drop_sixes)
    assert error is None
    assert got == [i for i in range(13) if i % 6]
    assert sizes == [1, 4, 4, 4]


def test_exception_is_an_error_naming_the_frames():
    def fails_on_7(element, first_id, buffers, caps, worker):
        if any(buffers.get(i).extract_dup(0, 1)[0] == 7
               for i in range(buffers.length())):
            raise RuntimeError("no good (this traceback is expected)")
        return Gst.FlowReturn.OK

    error, got, sizes = play_gated(fails_on_7)
    assert error is not None
    gerror, debug = error.parse_error()
    assert "process-batch handler raised" in debug
    assert "frames 5 to 8" in debug
    # the frames before the batch left first, and none after them
    assert got == list(range(5))
    assert sizes[:3] == [1, 4, 4]


def test_pending_frames_finished_by_id_from_another_thread():
    p, process, got = frame_stream(100, 4, 4, 1, 32, 8)
    lock = threading.Lock()
    pending, sizes = [], []

    def hand_over(element, first_id, buffers, caps, worker):
        with lock:
            sizes.append(buffers.length())
            pending.extend(range(first_id, first_id + buffers.length()))
        return PENDING

    def finisher(stop):
        while not stop.is_set():
            with lock:
                ids = pending[:]
                pending.clear()
            if not ids:
                stop.wait(0.001)
            for frame_id in reversed(ids):
                process.emit("finish", frame_id, Gst.FlowReturn.OK)

    process.connect("process-batch", hand_over)
    error = run_beside(p, finisher)
    assert error is None
    assert got == list(range(100))
    assert sum(sizes) == 100 and max(sizes) <= 8


def test_set_batch_function_with_frame_handles():
    """The C setter through the typelib: a list of GstAsync.AsyncProcessFrame
    handles (PyGObject 3.42 also passes their count)."""
    if GstAsync is None:
        pytest.skip("no GstAsync-1.0 typelib (built without introspection)")
    p, process, got = frame_stream(40, 4, 4, 2, 0, 8)
    lock = threading.Lock()
    numbers = []

    def invert(element, frames, *count):
        assert all(isinstance(f, GstAsync.AsyncProcessFrame) for f in frames)
        assert count in ((), (len(frames),))
        with lock:
            numbers.extend(f.get_number() for f in frames)
        for frame in frames:
            buf = frame.get_buffer()
            if buf.extract_dup(0, 1)[0] % 10 == 3:
                frame.finish(DROPPED)
                continue
            data = bytes(255 - b for b in buf.extract_dup(0, buf.get_size()))
            frame.set_buffer(Gst.Buffer.new_wrapped(data))
        return Gst.FlowReturn.OK

    process.set_batch_function(invert)
    assert run(p) is None
    assert got == [255 - i for i in range(40) if i % 10 != 3]
    assert sorted(numbers) == list(range(40))
