# gstasync: asyncio coroutines as asyncprocess's per-frame work, and
# play(): errors, warnings, cancellation and Ctrl-C.
# Run by meson test (suite python) with the build tree's plugins and the
# source tree's python/ on PYTHONPATH.

import asyncio
import gc
import os
import random
import signal
import subprocess
import sys
import threading
import warnings

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


def test_automatic_window_grows_for_coroutines():
    """Coroutines that wait (a remote call, say) leave their frames
    pending: with max-in-flight=0 the window grows until the waiting
    shows in their time, here never (no service limit), far beyond the
    two frames one worker would get."""
    in_flight = 0
    most = 0

    async def process_frame(frame):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return None

    got = play(1000, 0, process_frame)
    assert got == [i % 256 for i in range(1000)]
    assert most >= 32


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
    frames after the seek come through, nothing hangs, and no frame is
    left unfinished."""
    waiting = cancelled = 0
    kept = []

    async def process_frame(frame):
        nonlocal waiting, cancelled
        if frame.buffer.pts >= Gst.SECOND:
            kept.append(frame.buffer.pts)
            return None
        # before the seek: wait until cancelled
        waiting += 1
        if waiting == 4:
            seek_now.set()
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            cancelled += 1
            raise

    async def main():
        nonlocal seek_now
        seek_now = asyncio.Event()
        p = Gst.parse_launch(
            "videotestsrc ! video/x-raw,width=16,height=16,"
            "framerate=30/1 ! asyncprocess name=p n-workers=1 "
            "max-in-flight=16 ! fakesink sync=false")
        element = p.get_by_name("p")
        clean = element.__grefcount__
        gstasync.attach(element, process_frame)
        p.set_state(Gst.State.PLAYING)
        await seek_now.wait()
        # to the frames from 1 s to 2 s, which pass at once
        assert p.seek(1.0, Gst.Format.TIME, Gst.SeekFlags.FLUSH,
                      Gst.SeekType.SET, Gst.SECOND,
                      Gst.SeekType.SET, 2 * Gst.SECOND)
        await gstasync.play(p)
        return p, element, clean

    seek_now = None
    p, element, clean = asyncio.run(asyncio.wait_for(main(), 60))
    assert cancelled == waiting >= 4
    assert kept == [i * Gst.SECOND // 30 for i in range(30, 60)]
    assert element.__grefcount__ == clean


def hand_over_then(loop, pipeline, steps):
    """Plays @pipeline (its asyncprocess "p" attached to @loop, which is
    not running, as a loop busy elsewhere) and, each time the window of 8
    frames has been handed over to the loop, runs the next of @steps in
    this thread; then runs the loop until every frame's task is over.
    The frames' tasks are all cancelled before their first step."""
    element = pipeline.get_by_name("p")
    handed = threading.Semaphore(0)

    # counts the frames handed over; gstasync's handler, connected after
    # it, gives the return value (the last handler's counts)
    def count(element, frame_id, buffer, caps, worker):
        handed.release()
        return Gst.FlowReturn.OK

    element.connect("process", count)

    async def process_frame(frame):
        raise AssertionError("never started")

    attachment = gstasync.attach(element, process_frame, loop)
    pipeline.set_state(Gst.State.PLAYING)
    for step in steps:
        for i in range(8):
            assert handed.acquire(timeout=30)
        step()

    async def settle():
        await asyncio.sleep(0)      # the frames' _start, then _cancel_all
        while attachment.tasks:
            await asyncio.sleep(0)

    loop.run_until_complete(asyncio.wait_for(settle(), 30))
    loop.close()


def test_frames_cancelled_by_seeks_and_stop_are_finished():
    """Frames thrown away by two flushing seeks and a stop while the loop
    is busy: each is still finished, so the element holds no reference
    for them afterwards."""
    p = Gst.parse_launch(
        "videotestsrc ! video/x-raw,width=16,height=16,framerate=30/1 "
        "! asyncprocess name=p n-workers=1 max-in-flight=8 "
        "! fakesink sync=false")
    element = p.get_by_name("p")
    clean = element.__grefcount__

    def seek():
        assert p.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH, Gst.SECOND)

    hand_over_then(asyncio.new_event_loop(), p,
                   [seek, seek, lambda: p.set_state(Gst.State.NULL)])
    assert element.__grefcount__ == clean


def test_frames_cancelled_by_stop_free_their_buffers():
    """The same for a stop alone, with buffers that say when they are
    freed."""
    loop = asyncio.new_event_loop()
    p = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=GRAY8,"
        "width=4,height=4,framerate=30/1 ! asyncprocess name=p n-workers=1 "
        "max-in-flight=8 ! fakesink")
    element, src = p.get_by_name("p"), p.get_by_name("src")
    clean = element.__grefcount__
    freed = []
    for i in range(8):
        buf = Gst.Buffer.new_wrapped_full(
            0, bytes([i]) * 16, 16, 0, None, lambda *args: freed.append(1))
        buf.pts = i * Gst.SECOND // 30
        src.emit("push-buffer", buf)
    del buf
    hand_over_then(loop, p, [lambda: p.set_state(Gst.State.NULL)])
    gc.collect()
    assert len(freed) == 8
    assert element.__grefcount__ == clean


def test_short_raw_video_frame_is_an_error():
    """3 bytes for a 320x240 GRAY8 frame: no frame downstream could read,
    so the pipeline stops with an error that says so."""
    async def process_frame(frame):
        return b"abc"

    async def main():
        p, element, got = frame_stream(5, 320, 240, 1, 4)
        gstasync.attach(element, process_frame)
        with pytest.raises(gstasync.GstError) as error:
            await gstasync.play(p)
        return error.value, got

    error, got = asyncio.run(main())
    assert "3 bytes where a 320x240 GRAY8 frame takes 76800" in str(error)
    assert error.source == "p"
    assert got == []


def short_buffer_pipeline():
    """A pipeline whose videoconvert warns of a buffer too short for its
    frame, then ends."""
    p = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=GRAY8,"
        "width=320,height=240,framerate=30/1 ! videoconvert "
        "! video/x-raw,format=I420 ! fakesink")
    src = p.get_by_name("src")
    src.emit("push-buffer", Gst.Buffer.new_wrapped(b"abc"))
    src.emit("end-of-stream")
    return p


def test_warning_messages_are_python_warnings():
    """A WARNING message (here videoconvert's, for a buffer too short)
    reaches the program as a GstWarning; the pipeline goes on to EOS."""
    async def main():
        p = short_buffer_pipeline()
        with pytest.warns(gstasync.GstWarning,
                          match="invalid video buffer") as caught:
            await gstasync.play(p)
        return caught[0].message, p

    warning, p = asyncio.run(main())
    assert warning.source == "videoconvert0"
    assert p.get_state(0)[1] == Gst.State.NULL


def test_warnings_as_errors_stop_play():
    async def main():
        p = short_buffer_pipeline()
        with warnings.catch_warnings():
            warnings.simplefilter("error", gstasync.GstWarning)
            with pytest.raises(gstasync.GstWarning):
                await gstasync.play(p)
        return p

    assert asyncio.run(main()).get_state(0)[1] == Gst.State.NULL


# A program that plays an endless pipeline through play(), stopped in the
# way argv[1] names.
ENDLESS = r"""
import asyncio, sys
import gstasync
from gi.repository import Gst
Gst.init(None)
pipeline = Gst.parse_launch(
    "videotestsrc is-live=true ! video/x-raw,width=16,height=16,"
    "framerate=100/1 ! asyncprocess name=p n-workers=1 max-in-flight=8 "
    "! fakesink")

async def main(how):
    started = asyncio.Event()

    async def process_frame(frame):
        if not started.is_set():
            started.set()
            print("running", flush=True)
        await asyncio.sleep(0.001)

    gstasync.attach(pipeline.get_by_name("p"), process_frame)
    if how == "wait_for":
        try:
            await asyncio.wait_for(gstasync.play(pipeline), 0.2)
        except asyncio.TimeoutError:
            print("timed out")
    elif how == "cancel":
        task = asyncio.create_task(gstasync.play(pipeline))
        await started.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            print("cancelled")
    else:
        await gstasync.play(pipeline)

try:
    asyncio.run(main(sys.argv[1]))
finally:
    print("state", pipeline.get_state(0)[1].value_nick, flush=True)
"""


def program(*args):
    """A Python program, started with SIGINT handled as in a terminal (a
    shell leaves it ignored for a program run in the background)."""
    return subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def endless(how):
    return program("-c", ENDLESS, how)


def finished(child, timeout=30):
    """The child's output once it exited; fails if it is still running
    after @timeout seconds (a deadline for a hang, not a speed test)."""
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail(f"still running {timeout} s later")
    return out, err


def test_one_sigint_ends_a_playing_program():
    child = endless("sigint")
    assert child.stdout.readline() == "running\n"
    child.send_signal(signal.SIGINT)
    out, err = finished(child)
    # Python's own way out of a KeyboardInterrupt: killed by the signal
    assert child.returncode in (-signal.SIGINT, 128 + signal.SIGINT), err
    assert "KeyboardInterrupt" in err
    assert out == "state null\n"


@pytest.mark.parametrize("how", ["wait_for", "cancel"])
def test_cancelled_play_returns_and_stops(how):
    out, err = finished(endless(how))
    assert "Traceback" not in err, err
    lines = out.splitlines()
    assert lines[-1] == "state null"
    assert lines[-2] == ("timed out" if how == "wait_for" else "cancelled")
