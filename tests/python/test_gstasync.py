# gstasync: asyncio coroutines as asyncprocess's per-frame work.
# Run by meson test (suite python) with the build tree's plugins and the
# source tree's python/ on PYTHONPATH.

import asyncio
import random

import pytest

import gstasync
from framestream import Gst, frame_stream


def pipeline(frames, max_in_flight):
    return frame_stream(frames, 4, 4, 1, max_in_flight)


def play(frames, max_in_flight, process_frame):
    """The frames that leave @frames through process_frame coroutines."""
    async def main():
        p, element, got = pipeline(frames, max_in_flight)
        gstasync.attach(element, process_frame)
        await gstasync.play(p)
        return got

    return asyncio.run(main())


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

    got = play(200, 32, process_frame)
    assert got == [255 - i for i in range(200)]
    # one worker, yet many coroutines at once, never more than the window
    assert 8 < most <= 32


def test_drop_and_keep():
    async def process_frame(frame):
        await asyncio.sleep(0)
        return gstasync.DROP if frame.data()[0] % 2 else None

    got = play(20, 8, process_frame)
    assert got == list(range(0, 20, 2))


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
    assert got == list(range(7))


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
