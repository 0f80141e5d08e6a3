#!/usr/bin/python3
"""An async element written in Python: a subclass of GstAsync.AsyncTransform
(the library's base class, through its introspection data) whose per-frame
work is a Python method, do_process, called on several worker threads.

The element, PyInvert, inverts every byte of a frame. The program makes
one from Python, links it into a pipeline, feeds it numbered frames, and
checks that every frame leaves, in order, with the bytes do_process made;
it exits with 1 if not.

Make the element from Python (PyInvert(n_workers=4)), not by name
(Gst.parse_launch, Gst.ElementFactory.make after Gst.Element.register):
PyGObject 3.42 hands an element made by its factory back without its
floating reference, so GStreamer prints "GStreamer-CRITICAL: The created
element should be floating" and the element is never freed.

  python_subclass.py [--frames N] [--workers N]

Run from the project root after a build with introspection:
  GI_TYPELIB_PATH=build/gst LD_LIBRARY_PATH=build/gst \\
      /usr/bin/python3 tests/examples/python_subclass.py

The GIL: do_process runs on the element's workers, but Python runs one
thread at a time. Work that releases the GIL (waiting: time.sleep, I/O,
a call to a remote service; numpy on large arrays) overlaps across
workers; pure-Python computation does not, and then one worker is as fast
as many.
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstAsync", "1.0")
from gi.repository import Gst, GstAsync  # noqa: E402

Gst.init(None)          # before the class: its templates are made with it

WIDTH, HEIGHT = 16, 8


class PyInvert(GstAsync.AsyncTransform):
    """Inverts every byte; waits 1 ms per frame as if it asked a remote
    service (the wait releases the GIL, so workers overlap)."""

    __gstmetadata__ = ("Python invert", "Filter/Video",
                       "Inverts every byte of a GRAY8 frame, in Python",
                       "gst-plugins-async developers")
    # the base class makes its pads from templates named "sink" and "src"
    __gsttemplates__ = tuple(
        Gst.PadTemplate.new(name, direction, Gst.PadPresence.ALWAYS,
                            Gst.Caps.from_string("video/x-raw,format=GRAY8"))
        for name, direction in (("sink", Gst.PadDirection.SINK),
                                ("src", Gst.PadDirection.SRC)))

    def __init__(self, **properties):
        super().__init__(**properties)
        self.numbers_lock = threading.Lock()
        self.numbers = []           # frame numbers seen, for the check

    def do_process(self, context, frame):
        # Called on a worker thread; frame is valid during the call only.
        # frame.input is the input buffer (read-only here: PyGObject holds
        # a reference of its own); the result goes in with set_output. A
        # frame given no output goes out as it came; DROPPED drops it.
        data = frame.input.extract_dup(0, frame.input.get_size())
        time.sleep(0.001)
        frame.set_output(Gst.Buffer.new_wrapped(bytes(255 - b for b in data)))
        with self.numbers_lock:
            self.numbers.append(frame.number)
        return Gst.FlowReturn.OK


def frame_bytes(i):
    return bytes((i * 7 + j) % 256 for j in range(WIDTH * HEIGHT))


def run(frames, workers):
    """Pushes @frames numbered frames through pyinvert; returns the
    problems found (an empty list when all is well)."""
    # appsrc and appsink by name, the Python element made from Python
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time "
        f"caps=video/x-raw,format=GRAY8,width={WIDTH},height={HEIGHT},"
        "framerate=30/1 appsink name=sink sync=false")
    src, sink = pipeline.get_by_name("src"), pipeline.get_by_name("sink")
    invert = PyInvert(n_workers=workers)
    pipeline.add(invert)
    if not (src.link(invert) and invert.link(sink)):
        return ["could not link appsrc ! pyinvert ! appsink"]
    for i in range(frames):
        buf = Gst.Buffer.new_wrapped(frame_bytes(i))
        buf.pts = i * Gst.SECOND // 30
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")

    pipeline.set_state(Gst.State.PLAYING)
    out = []
    while True:
        sample = sink.emit("try-pull-sample", 30 * Gst.SECOND)
        if sample is None:
            break
        buf = sample.get_buffer()
        out.append((buf.pts, buf.extract_dup(0, buf.get_size())))
    msg = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    numbers = sorted(invert.numbers)
    pipeline.set_state(Gst.State.NULL)

    problems = []
    if msg is not None:
        problems.append("error: %s" % (msg.parse_error(),))
    if len(out) != frames:
        problems.append(f"{len(out)} frames left, not {frames}")
    for i, (pts, data) in enumerate(out):
        if pts != i * Gst.SECOND // 30:
            problems.append(f"frame {i} left with the pts of another")
        elif data != bytes(255 - b for b in frame_bytes(i)):
            problems.append(f"frame {i} is not what do_process made")
    if numbers != list(range(frames)):
        problems.append("do_process did not see every frame once")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    start = time.monotonic()
    problems = run(args.frames, args.workers)
    took = time.monotonic() - start
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{args.frames} frames through pyinvert on {args.workers} workers "
          f"in {took:.2f} s: {'FAILED' if problems else 'all in order, inverted'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
