# gstasync: asyncio coroutines as asyncprocess's per-frame work.
# Run by meson test (suite python) with the build tree's plugins and the
# source tree's python/ on PYTHONPATH.

import asyncio
import random

import gi
import pytest

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
from gi.repository import Gst, GstApp  # noqa: E402,F401

import gstasync  # noqa: E402

Gst.init(None)
SIZE = 16


def pipeline(frames, max_in_flight, workers=1):
    """appsrc of frames whose bytes are their index, through asyncprocess
    "p" into appsink "sink"."""
    p = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=GRAY8,"
        "width=4,height=4,framerate=30/1 ! asyncprocess name=p "
        f"n-workers={workers} max-in-flight={max_in_flight} "
        "! appsink name=sink sync=false")
    src = p.get_by_name("src")
    for i in range(frames):
        buf = Gst.Buffer.new_wrapped(bytes([i % 256]) * SIZE)
        buf.pts = i * Gst.SECOND // 30
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    got = []
    sink = p.get_by_name("sink")
    sink.set_property("emit-signals", True)
    sink.connect("new-sample", lambda s: got.append(
        s.emit("pull-sample").get_buffer().extract_dup(0, SIZE))
        or Gst.FlowReturn.OK)
    return p, p.get_by_name("p"), got


def test_frames_leave_in_order_many_in_flight():
    in_flight = 0
    most = 0

    async def process_frame(frame):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(random.uniform(0, 0.01))
        in_flight -= 1
        return bytes(255 - b for b in frame.data())

    async def main():
        p, element, got = pipeline(200, max_in_flight=32)
        gstasync.attach(element, process_frame)
        await gstasync.play(p)
        return got

    got = asyncio.run(main())
    assert got == [bytes([255 - i]) * SIZE for i in range(200)]
    # one worker, yet many coroutines at once, never more than the window
    assert 8 < most <= 32


def test_drop_and_keep():
    async def process_frame(frame):
        await asyncio.sleep(0)
        return gstasync.DROP if frame.data()[0] % 2 else None

    async def main():
        p, element, got = pipeline(20, max_in_flight=8)
        gstasync.attach(element, process_frame)
        await gstasync.play(p)
        return got

    got = asyncio.run(main())
    assert got == [bytes([i]) * SIZE for i in range(0, 20, 2)]


def test_exception_stops_with_an_error_naming_the_frame():
    async def process_frame(frame):
        await asyncio.sleep(0.001)
        if frame.data()[0] == 7:
            raise ValueError("bad frame")
        return None

    async def main():
        p, element, got = pipeline(40, max_in_flight=8)
        gstasync.attach(element, process_frame)
        with pytest.raises(RuntimeError) as error:
            await gstasync.play(p)
        return str(error.value), got

    message, got = asyncio.run(main())
    assert "ValueError('bad frame')" in message
    assert "0.233333 s" in message           # frame 7's time
    assert got == [bytes([i]) * SIZE for i in range(7)]


def test_seek_cancels_pending_coroutines():
    """A flushing seek while coroutines wait: they are cancelled, the
    frames after the seek come through, nothing hangs."""
    cancelled = 0

    async def process_frame(frame):
        nonlocal cancelled
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return None

    async def main():
        p = Gst.parse_launch(
            "videotestsrc num-buffers=60 ! video/x-raw,width=16,height=16 "
            "! asyncprocess name=p n-workers=1 max-in-flight=16 "
            "! fakesink sync=false")
        gstasync.attach(p.get_by_name("p"), process_frame)
        p.set_state(Gst.State.PAUSED)
        await asyncio.get_running_loop().run_in_executor(
            None, p.get_state, 10 * Gst.SECOND)
        p.set_state(Gst.State.PLAYING)
        await asyncio.sleep(0.02)
        assert p.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH,
                             Gst.SECOND // 2)
        await gstasync.play(p)

    asyncio.run(asyncio.wait_for(main(), 60))
    assert cancelled > 0
