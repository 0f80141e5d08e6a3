# gstasync in batches: process_batch coroutines through attach_batch(),
# their results frame by frame, errors, and cancellation by seeks and
# stops while batches hold the element's workers.
# Run by meson test (suite python) with the build tree's plugins and the
# source tree's python/ on PYTHONPATH.

import asyncio
import os
import subprocess
import sys

import pytest

import gstasync
from framestream import Gst, frame_stream


def play(frames, process_batch, batch_size, workers=1):
    """The first bytes of the frames that leave @frames (4x4 GRAY8, frame
    i all bytes i) through process_batch coroutines."""
    async def main():
        p, element, got = frame_stream(frames, 4, 4, workers, 0)
        gstasync.attach_batch(element, process_batch, batch_size)
        assert element.get_property("batch-size") == batch_size
        await gstasync.play(p)
        return got

    return asyncio.run(main())


def play_until_error(frames, process_batch, batch_size):
    """(the GstError, the first bytes that left before it)."""
    async def main():
        p, element, got = frame_stream(frames, 4, 4, 1, 0)
        gstasync.attach_batch(element, process_batch, batch_size)
        with pytest.raises(gstasync.GstError) as error:
            await gstasync.play(p)
        return error.value, got

    return asyncio.run(main())


def test_batches_fill_while_batches_are_at_work():
    """A batch holds its worker while it is at work: the frames that come
    meanwhile fill the next batches, n-workers batches run at once, and
    the frames leave in order."""
    sizes = []
    running = most = 0

    async def process_batch(frames):
        nonlocal running, most
        sizes.append(len(frames))
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.005)
        running -= 1
        return [bytes(255 - b for b in f.data()) for f in frames]

    got = play(200, process_batch, 8, workers=2)
    assert got == [255 - i for i in range(200)]
    assert sum(sizes) == 200 and max(sizes) == 8
    assert sizes.count(8) >= len(sizes) * 3 // 4, sizes
    assert most == 2


async def invert_all(frames):
    await asyncio.sleep(0)
    return [bytes(255 - b for b in f.data()) for f in frames]


def test_without_introspection_data():
    """gstasync needs no typelib: the same in a program that never loads
    GstAsync (PyGObject then marshals process-batch's arguments from
    their GTypes alone)."""
    child = subprocess.run(
        [sys.executable, "-c",
         "import sys, test_gstasync_batch as t\n"
         "assert t.play(40, t.invert_all, 8) == "
         "[255 - i for i in range(40)]\n"
         "assert 'gi.repository.GstAsync' not in sys.modules\n"
         "print('ok')"],
        capture_output=True, text=True, timeout=60,
        cwd=os.path.dirname(os.path.abspath(__file__)))
    assert child.returncode == 0, child.stderr
    assert child.stdout == "ok\n"


def test_results_frame_by_frame():
    """None keeps a frame, bytes or a Gst.Buffer replace it, DROP drops
    it; a batch that returns None keeps them all."""
    wholes = 0

    async def process_batch(frames):
        nonlocal wholes
        await asyncio.sleep(0)
        numbers = [f.data()[0] for f in frames]
        if numbers[0] >= 40:
            wholes += 1
            return None
        return [None if i >= 40 else
                [None, bytes([i + 100]) * 16,
                 Gst.Buffer.new_wrapped(bytes([i + 150]) * 16),
                 gstasync.DROP][i % 4] for i in numbers]

    got = play(60, process_batch, 4)
    expected = [[i, i + 100, i + 150, None][i % 4] for i in range(40)]
    assert got == [x for x in expected if x is not None] + list(range(40, 60))
    assert wholes > 0


def test_exception_fails_the_batch():
    """An exception stops the pipeline with an error that names the
    batch's frames, after every frame before the batch."""
    failed = []

    async def process_batch(frames):
        await asyncio.sleep(0.001)
        numbers = [f.data()[0] for f in frames]
        if 7 in numbers:
            failed.append(numbers[0])
            raise ValueError("bad batch")
        return None

    error, got = play_until_error(40, process_batch, 4)
    assert "process_batch failed on the frames from" in str(error)
    assert "ValueError('bad batch')" in str(error)
    assert error.source == "p"
    assert got == list(range(failed[0]))


def test_one_result_per_frame():
    async def process_batch(frames):
        return [None] * (len(frames) - 1)

    error, got = play_until_error(20, process_batch, 4)
    assert "results for" in str(error)
    assert got == []


def test_wrong_result_fails_its_frame():
    """A result that cannot be its frame's (3 bytes for a 4x4 GRAY8 frame)
    is an error in that frame's turn: the frames before it, in its batch
    too, leave first."""
    async def process_batch(frames):
        await asyncio.sleep(0.001)
        return [b"abc" if f.data()[0] == 7 else None for f in frames]

    error, got = play_until_error(20, process_batch, 4)
    assert "process_batch returned 3 bytes where a 4x4 GRAY8 frame takes " \
        "16" in str(error)
    assert "0.233333 s" in str(error)           # frame 7's time
    assert got == list(range(7))


async def seek_while_batches_wait(workers, stop):
    """Batches of the frames before 1 s wait until cancelled; then a
    flushing seek to 1 s (or, with @stop, a stop) from the loop's own
    thread while both workers are held. Returns (the pipeline, the
    element, its reference count before, batches cancelled, frames kept
    after the seek)."""
    waiting = asyncio.Event()
    cancelled = 0
    kept = []

    async def process_batch(frames):
        nonlocal cancelled
        if frames[0].buffer.pts >= Gst.SECOND:
            kept.extend(f.buffer.pts for f in frames)
            return None
        waiting.set()
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            cancelled += 1
            raise

    p = Gst.parse_launch(
        "videotestsrc ! video/x-raw,width=16,height=16,framerate=30/1 "
        f"! asyncprocess name=p n-workers={workers} ! fakesink sync=false")
    element = p.get_by_name("p")
    clean = element.__grefcount__
    gstasync.attach_batch(element, process_batch, 4)
    if stop:
        play = asyncio.ensure_future(gstasync.play(p))
        await waiting.wait()
        await asyncio.sleep(0.01)
        play.cancel()
        with pytest.raises(asyncio.CancelledError):
            await play
        assert p.get_state(0)[1] == Gst.State.NULL
        await asyncio.sleep(0)                  # the tasks' cancellation
        return p, element, clean, cancelled, kept
    p.set_state(Gst.State.PLAYING)
    await waiting.wait()
    await asyncio.sleep(0.01)
    # to the frames from 1 s to 2 s, which pass at once
    assert p.seek(1.0, Gst.Format.TIME, Gst.SeekFlags.FLUSH,
                  Gst.SeekType.SET, Gst.SECOND,
                  Gst.SeekType.SET, 2 * Gst.SECOND)
    await gstasync.play(p)
    return p, element, clean, cancelled, kept


@pytest.mark.parametrize("stop", [False, True], ids=["seek", "stop"])
def test_flush_or_stop_cancels_batches(stop):
    """Nothing hangs (the workers held by batches let go at once), the
    batches waiting are cancelled, no frame is left unfinished, and after
    a seek the frames from its position come."""
    p, element, clean, cancelled, kept = asyncio.run(
        asyncio.wait_for(seek_while_batches_wait(2, stop), 60))
    assert cancelled >= 1
    if not stop:
        assert sorted(kept) == [i * Gst.SECOND // 30 for i in range(30, 60)]
    assert element.__grefcount__ == clean


def test_batch_size_only_before_playing():
    """batch-size takes effect on READY->PAUSED: attach_batch() on a
    playing element says so (the element warns too)."""
    async def main():
        p, element, got = frame_stream(1, 4, 4, 1, 0)
        p.set_state(Gst.State.PLAYING)
        try:
            with pytest.raises(RuntimeError, match="NULL or READY"):
                gstasync.attach_batch(element, None, 4)
        finally:
            p.set_state(Gst.State.NULL)

    asyncio.run(main())
