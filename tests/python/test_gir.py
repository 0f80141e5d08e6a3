# The library through its own introspection data (GstAsync-1.0.typelib):
# asyncprocess's C function setter and GstAsyncProcessFrame from Python,
# and Python subclasses of GstAsync.AsyncTransform whose frames are left
# pending, left alone or dropped, or whose do_process raises. Skipped
# without the typelib (a build without introspection).
#
# Run by meson test (suite python) with GI_TYPELIB_PATH at the build tree.

import threading

import pytest
from framestream import DROPPED, PENDING, Gst, frame_stream, run, run_beside

import gi

try:
    gi.require_version("GstAsync", "1.0")
except ValueError:
    pytest.skip("no GstAsync-1.0 typelib (built without introspection)",
                allow_module_level=True)
from gi.repository import GstAsync  # noqa: E402


def test_set_function_with_frame_handles():
    p, process, got = frame_stream(40, 16, 4, 3, 0)
    assert isinstance(process, GstAsync.AsyncProcess)
    lock = threading.Lock()
    numbers, workers = [], set()

    def invert(element, frame):
        buf = frame.get_buffer()
        assert frame.get_caps().get_structure(0).get_value("format") == "GRAY8"
        with lock:
            numbers.append(frame.get_number())
            workers.add(frame.get_worker())
        data = bytes(255 - b for b in buf.extract_dup(0, buf.get_size()))
        frame.set_buffer(Gst.Buffer.new_wrapped(data))
        return Gst.FlowReturn.OK

    process.set_function(invert)
    assert run(p) is None
    assert got == [255 - i for i in range(40)]
    assert sorted(numbers) == list(range(40))
    assert workers <= {0, 1, 2}


def element_class(name, process):
    """A GstAsync.AsyncTransform subclass passing GRAY8 frames, whose
    do_process is @process. Not registered: its elements are made from
    Python, as docs/reference/python.md says (made by name, PyGObject 3.42
    leaves them not floating, a CRITICAL)."""
    caps = Gst.Caps.from_string("video/x-raw,format=GRAY8")
    return type(name, (GstAsync.AsyncTransform,), {
        "__gstmetadata__": (name, "Filter", "test element", "tests"),
        "__gsttemplates__": (
            Gst.PadTemplate.new("sink", Gst.PadDirection.SINK,
                                Gst.PadPresence.ALWAYS, caps),
            Gst.PadTemplate.new("src", Gst.PadDirection.SRC,
                                Gst.PadPresence.ALWAYS, caps)),
        "do_process": process,
    })


def stream_through(element, frames, workers, max_in_flight=0):
    """frame_stream's pipeline with @element, an instance made here from
    the class @element, in asyncprocess's place. Returns (pipeline, got),
    got filling with the first byte of each buffer that leaves."""
    p = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=GRAY8,"
        "width=8,height=2,framerate=30/1 "
        "appsink name=sink sync=false emit-signals=true")
    src, sink = p.get_by_name("src"), p.get_by_name("sink")
    filt = element(n_workers=workers, max_in_flight=max_in_flight)
    p.add(filt)
    assert src.link(filt) and filt.link(sink)
    for i in range(frames):
        buf = Gst.Buffer.new_wrapped(bytes([i % 256]) * 16)
        buf.pts = i * Gst.SECOND // 30
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    got = []

    def on_sample(appsink):
        buf = appsink.emit("pull-sample").get_buffer()
        got.append(buf.extract_dup(0, 1)[0])
        return Gst.FlowReturn.OK

    sink.connect("new-sample", on_sample)
    return p, got


def test_pending_frames_finished_from_another_thread():
    # do_process leaves each frame pending; a thread of the program
    # finishes them in reverse order of arrival, batch by batch: the
    # frames still leave in input order, with the output given later.
    pending = []
    lock = threading.Lock()
    arrived = threading.Condition(lock)

    def process(self, context, frame):
        with lock:
            pending.append((self, frame))
            arrived.notify()
        return PENDING

    p, got = stream_through(element_class("PyPending", process), 24, 2,
                            max_in_flight=4)

    def finisher(done):
        while not done.is_set():
            with lock:
                arrived.wait_for(lambda: len(pending) >= 4 or done.is_set(),
                                 timeout=0.1)
                batch = pending[:]
                pending.clear()
            for element, frame in reversed(batch):
                value = frame.input.extract_dup(0, 1)[0]
                frame.set_output(
                    Gst.Buffer.new_wrapped(bytes([value + 100]) * 16))
                element.finish_frame(frame, Gst.FlowReturn.OK)

    error = run_beside(p, finisher)
    assert error is None
    assert got == [i + 100 for i in range(24)]


def test_exception_in_do_process_leaves_the_frame_alone():
    # What docs/reference/python.md says: PyGObject prints the exception
    # and returns GST_FLOW_OK with no output, so the frame goes out as it
    # came.
    def process(self, context, frame):
        value = frame.input.extract_dup(0, 1)[0]
        if value == 3:
            raise RuntimeError("no good (this traceback is expected)")
        frame.set_output(Gst.Buffer.new_wrapped(bytes([value + 100]) * 16))
        return Gst.FlowReturn.OK

    p, got = stream_through(element_class("PyRaises", process), 8, 2)
    assert run(p) is None
    assert got == [100, 101, 102, 3, 104, 105, 106, 107]


def test_frames_left_alone_go_out_as_they_came():
    # OK with no output: the frame passes, as through an in-place
    # GstBaseTransform and as asyncprocess does; DROPPED, or set_output
    # with None, push nothing.
    seen = []

    def process(self, context, frame):
        value = frame.input.extract_dup(0, 1)[0]
        seen.append(value)
        if value % 3 == 1:
            return DROPPED
        if value % 3 == 2:
            frame.set_output(None)
        return Gst.FlowReturn.OK

    p, got = stream_through(element_class("PyLooks", process), 30, 2)
    assert run(p) is None
    assert sorted(seen) == list(range(30))
    assert got == list(range(0, 30, 3))


def test_set_function_frames_left_alone_go_out_as_they_came():
    # the same through asyncprocess's C function setter
    p, process, got = frame_stream(12, 16, 4, 2, 0)

    def looks(element, frame):
        return DROPPED if frame.get_number() % 2 else Gst.FlowReturn.OK

    process.set_function(looks)
    assert run(p) is None
    assert got == list(range(0, 12, 2))


def test_element_made_from_python_is_freed():
    # Made from Python, the element has no reference left over: only
    # Python's own once the pipeline let go of it.
    def copy(self, context, frame):
        frame.set_output(frame.input.copy_deep())
        return Gst.FlowReturn.OK

    p, got = stream_through(element_class("PyFreed", copy), 4, 2)
    filt = p.get_by_name("sink").get_static_pad("sink").get_peer().get_parent()
    assert run(p) is None
    assert got == [0, 1, 2, 3]
    p.remove(filt)
    assert filt.__grefcount__ == 1
