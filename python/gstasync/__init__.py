"""asyncio coroutines as the per-frame work of GStreamer's asyncprocess.

    import asyncio
    import gstasync
    from gi.repository import Gst

    async def process_frame(frame):
        await asyncio.sleep(0.02)        # a remote call, say
        return None                      # the frame goes out as it came

    async def main():
        pipeline = Gst.parse_launch(
            "videotestsrc num-buffers=300 ! asyncprocess name=p "
            "n-workers=1 max-in-flight=64 ! fakesink")
        gstasync.attach(pipeline.get_by_name("p"), process_frame)
        await gstasync.play(pipeline)

    Gst.init(None)
    asyncio.run(main())

Each frame's coroutine runs on the program's event loop; the element's
worker hands the frame over and is free at once (the frame is pending), so
up to max-in-flight frames wait at the same time without a thread each,
and they leave the element in their order. What process_frame returns
decides the frame's fate: None keeps it, a Gst.Buffer or bytes-like object
replaces its data, DROP drops it; an exception stops the pipeline with an
error that names the frame. On a flush or a stop the coroutines still
running are cancelled.

Work that costs much per call and little per frame (one numpy call over
a stack of frames, a request to a model server) goes faster in batches:

    async def process_batch(frames):
        stack = numpy.stack([numpy.frombuffer(f.data(), numpy.uint8)
                             for f in frames])
        return 255 - stack               # one result per frame, in order

    gstasync.attach_batch(element, process_batch, batch_size=16)

process_batch gets a list of up to batch_size frames, in input order, and
returns one result per frame, in that order (a list, or anything that
iterates over them, such as an array of the frames stacked), each one what
process_frame returns; or None to keep every frame as it came. A batch
holds its worker until process_batch is done, so that the frames that come
meanwhile wait and fill the next batch: n-workers batches run at once. An
exception stops the pipeline with an error in the turn of the batch's
first frame; a result that is wrong for its frame, in the turn of that
frame (the frames before it go out).

play() runs a pipeline to its end on the loop, with no thread of its own:
it returns at EOS, raises GstError on an ERROR message and issues each
WARNING message as a GstWarning (warnings.warn). Cancelling it (Ctrl-C
under asyncio.run, asyncio.wait_for, task.cancel()) stops the pipeline
at once and leaves it in NULL.
"""

import asyncio
import sys
import threading
import traceback
import warnings

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst, GstVideo  # noqa: E402

__all__ = ["Frame", "DROP", "GstError", "GstWarning", "attach",
           "attach_batch", "play"]

# asyncprocess's flow returns beyond GStreamer's own
_PENDING = Gst.FlowReturn.CUSTOM_SUCCESS_1   # GST_ASYNC_TRANSFORM_FLOW_PENDING
_DROPPED = Gst.FlowReturn.CUSTOM_SUCCESS     # GST_ASYNC_TRANSFORM_FLOW_DROPPED


class _Drop:
    def __repr__(self):
        return "gstasync.DROP"


DROP = _Drop()
"""Returned by process_frame (or for a frame by process_batch): the frame
is dropped."""


def _describe(source, error, debug):
    text = f"{source}: {error.message}"
    return f"{text}\n{debug}" if debug else text


class GstError(RuntimeError):
    """An ERROR message of the pipeline, which play() raises.

    source: the name of the element that posted it; error: the GLib.Error
    (its message, domain and code); debug: details for developers, or None.
    str() gives "source: message", then the details on a line of their own.
    """

    def __init__(self, source, error, debug):
        super().__init__(_describe(source, error, debug))
        self.source = source
        self.error = error
        self.debug = debug


class GstWarning(UserWarning):
    """A WARNING message of the pipeline, which play() issues with
    warnings.warn; the same attributes as GstError.

    Python's warning filters apply: by default each distinct warning is
    printed once; warnings.simplefilter("always", gstasync.GstWarning)
    prints every one, and "error" makes play() raise it (the pipeline
    stops).
    """

    def __init__(self, source, error, debug):
        super().__init__(_describe(source, error, debug))
        self.source = source
        self.error = error
        self.debug = debug


class Frame:
    """One frame, as process_frame (or in a list, process_batch) gets it.

    id: the element's id for the frame (the process signal's frame_id);
    buffer: the Gst.Buffer, to read (Python cannot write to it in place:
        return new data instead); its pts says which frame it is;
    caps: the input Gst.Caps (None for data without caps).
    """

    __slots__ = ("id", "buffer", "caps")

    def __init__(self, frame_id, buffer, caps):
        self.id = frame_id
        self.buffer = buffer
        self.caps = caps

    def data(self):
        """The frame's bytes."""
        return self.buffer.extract_dup(0, self.buffer.get_size())


class _Attachment:
    def __init__(self, element, work, loop, batch):
        self.element = element
        self.work = work
        self.name = "process_batch" if batch else "process_frame"
        self.loop = loop
        self.tasks = set()
        self.sizes = None, None     # caps, what _frame_size says of them
        # Batches hold their worker until done (so that frames wait, and
        # fill the next batches), or until a flush or a stop: a worker's
        # threading.Event each, and whether a cancel came that the loop has
        # not seen yet (the loop may be the thread stopping the element,
        # waiting for the workers), all with the lock.
        self.lock = threading.Lock()
        self.waiting = set()
        self.cancelled = False
        self.handlers = [
            element.connect("process-batch", self._on_process_batch)
            if batch else element.connect("process", self._on_process),
            element.connect("cancel", self._on_cancel),
        ]

    # In a GStreamer worker thread: hand the frames to the loop, return.
    def _on_process(self, element, frame_id, buffer, caps, worker):
        return self._hand_over([Frame(frame_id, buffer, caps)], self._run)

    def _on_process_batch(self, element, first_id, buffers, caps, worker):
        frames = [Frame(first_id + i, buffers.get(i), caps)
                  for i in range(buffers.length())]
        done = threading.Event()
        with self.lock:
            if self.cancelled:
                done.set()
            self.waiting.add(done)
        flow = self._hand_over(frames, self._run_batch, done)
        # (the frames are finished, or will be once cancelled: pending)
        done.wait()
        with self.lock:
            self.waiting.discard(done)
        return flow

    def _hand_over(self, frames, run, done=None):
        try:
            self.loop.call_soon_threadsafe(self._start, frames, run, done)
        except RuntimeError:        # the loop is closed: nobody to run it
            self.element.emit(
                "finish-with-error", frames[0].id,
                "the event loop of gstasync's work is closed",
                f"the frame at {_time(frames[0].buffer.pts)} came after the "
                "loop ended")
            if done is not None:
                done.set()
            # (the frames after it are of no use any more)
            return Gst.FlowReturn.ERROR
        return _PENDING

    # In the thread flushing or stopping the element, which then waits for
    # the workers: they must not wait for the loop.
    def _on_cancel(self, element):
        with self.lock:
            self.cancelled = True
            for done in self.waiting:
                done.set()
        try:
            self.loop.call_soon_threadsafe(self._cancel_all)
        except RuntimeError:
            pass                    # a closed loop has no task left

    def _start(self, frames, run, done):
        task = self.loop.create_task(run(frames))
        self.tasks.add(task)
        task.add_done_callback(lambda task: self._done(frames, task, done))

    def _cancel_all(self):
        # (the loop runs: no thread waits for the workers now)
        with self.lock:
            self.cancelled = False
        for task in list(self.tasks):
            task.cancel()

    # Every frame is finished once, whatever became of its task: a task
    # cancelled before its first step never runs at all, and a frame not
    # finished holds its buffer and the element for ever. (A run finishes
    # its frames after its last await, all or none.)
    def _done(self, frames, task, done):
        self.tasks.discard(task)
        if task.cancelled() or task.exception() is not None:
            # flushed or stopped (the frames are thrown away anyway), or
            # ended by KeyboardInterrupt or SystemExit
            for frame in frames:
                self.element.emit("finish", frame.id, Gst.FlowReturn.FLUSHING)
        if done is not None:
            done.set()

    async def _run(self, frames):
        frame = frames[0]
        try:
            result = await self.work(frame)
            output = self._output(frame, result)
        except Exception:           # noqa: BLE001 (any error stops it)
            self._fail(frames, 0, "process_frame failed on the frame at "
                       f"{_time(frame.buffer.pts)}")
            return
        self._finish(frame, result, output)

    async def _run_batch(self, frames):
        try:
            results = await self.work(frames)
            results = [None] * len(frames) if results is None \
                else list(results)
            if len(results) != len(frames):
                raise ValueError(f"process_batch returned {len(results)} "
                                 f"results for {len(frames)} frames")
        except Exception:           # noqa: BLE001
            self._fail(frames, 0, "process_batch failed on the frames from "
                       f"{_time(frames[0].buffer.pts)} to "
                       f"{_time(frames[-1].buffer.pts)}")
            return
        for i, (frame, result) in enumerate(zip(frames, results)):
            try:
                output = self._output(frame, result)
            except Exception:       # noqa: BLE001
                self._fail(frames, i, "process_batch failed on the frame "
                           f"at {_time(frame.buffer.pts)}")
                return
            self._finish(frame, result, output)

    def _finish(self, frame, result, output):
        if result is DROP:
            self.element.emit("finish", frame.id, _DROPPED)
            return
        if output is not None:
            self.element.emit("set-output", frame.id, output)
        self.element.emit("finish", frame.id, Gst.FlowReturn.OK)

    def _fail(self, frames, i, what):
        """Fails frames[i] with the exception being handled, in its turn,
        and the frames after it, which cannot leave before it."""
        error = sys.exc_info()[1]
        self.element.emit("finish-with-error", frames[i].id,
                          f"{what}: {error!r}", traceback.format_exc())
        for frame in frames[i + 1:]:
            self.element.emit("finish", frame.id, Gst.FlowReturn.ERROR)

    def _output(self, frame, result):
        """The buffer a result of the work makes, or None; raises
        ValueError for data too short for the frame's raw video format
        (downstream could not read it as a frame)."""
        if result is None or result is DROP:
            return None
        if isinstance(result, Gst.Buffer):
            buffer = result
            if GstVideo.buffer_get_video_meta(buffer) is not None:
                return buffer       # its own layout: the meta says it
        else:
            # (memoryview: bytes(5) would be five zero bytes, not an error)
            if not isinstance(result, bytes):
                result = bytes(memoryview(result))
            buffer = Gst.Buffer.new_wrapped(result)
        size, video = self._frame_size(
            self.element.get_property("caps-out") or frame.caps)
        if buffer.get_size() < size:
            raise ValueError(
                f"{self.name} returned {buffer.get_size()} bytes where a "
                f"{video} frame takes {size}")
        return buffer

    def _frame_size(self, caps):
        """(bytes a frame takes, a description of the format) for fixed
        raw video caps; (0, None) for other caps."""
        if caps is None:
            return 0, None
        if self.sizes[0] is not None and caps.is_equal(self.sizes[0]):
            return self.sizes[1]
        size = 0, None
        if caps.is_fixed() and \
                caps.get_structure(0).get_name() == "video/x-raw":
            try:
                info = GstVideo.VideoInfo.new_from_caps(caps)
                size = info.size, \
                    f"{info.width}x{info.height} {info.finfo.name}"
            except TypeError:       # caps GstVideo cannot read
                pass
        self.sizes = caps, size
        return size

    def detach(self):
        for handler in self.handlers:
            self.element.disconnect(handler)
        self._cancel_all()


def _time(t):
    if t == Gst.CLOCK_TIME_NONE:
        return "no time"
    return f"{t / Gst.SECOND:.6f} s"


def attach(element, process_frame, loop=None):
    """Makes the coroutine function process_frame(frame) the work of
    element, an asyncprocess, on loop (default: the running loop). Returns
    an object whose detach() undoes it."""
    if loop is None:
        loop = asyncio.get_running_loop()
    return _Attachment(element, process_frame, loop, batch=False)


def attach_batch(element, process_batch, batch_size, loop=None):
    """Makes the coroutine function process_batch(frames) the work of
    element, an asyncprocess, in batches of up to batch_size frames (the
    element's batch-size, set here: the element must be in NULL or
    READY), on loop (default: the running loop). process_batch returns
    one result per frame, in order, or None. Each batch holds one of the
    element's n-workers until it is done. Returns an object whose
    detach() undoes it; while attached, the element's process handlers
    (attach()) are not called."""
    if loop is None:
        loop = asyncio.get_running_loop()
    element.set_property("batch-size", batch_size)
    if element.get_property("batch-size") != batch_size:
        raise RuntimeError(f"{element.get_name()}: batch-size can only be "
                           "set in the NULL or READY state")
    return _Attachment(element, process_batch, loop, batch=True)


def _source(msg):
    return msg.src.get_name() if msg.src is not None else None


_WATCHED = (Gst.MessageType.EOS | Gst.MessageType.ERROR
            | Gst.MessageType.WARNING)


async def play(pipeline):
    """Plays pipeline to its end: returns at EOS, raises GstError (a
    RuntimeError) with the first error's message, and issues every
    WARNING message as a GstWarning. Cancelled (Ctrl-C under asyncio.run,
    asyncio.wait_for, task.cancel()), it stops at once. Leaves the
    pipeline in NULL."""
    loop = asyncio.get_running_loop()
    bus = pipeline.get_bus()
    messages = asyncio.Queue()

    # The bus's file descriptor is readable while messages wait: the loop
    # watches it, so no thread waits on the bus and nothing is left to
    # join when play() is cancelled.
    def take_messages():
        while True:
            msg = bus.pop_filtered(_WATCHED)
            if msg is None:
                return
            messages.put_nowait(msg)

    fd = bus.get_pollfd().fd
    loop.add_reader(fd, take_messages)
    try:
        if pipeline.set_state(Gst.State.PLAYING) == \
                Gst.StateChangeReturn.FAILURE:
            # the element that failed usually said why on the bus
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                raise GstError(_source(msg), *msg.parse_error())
            raise GstError(pipeline.get_name(), GLib.Error(
                "Could not set the pipeline to PLAYING.",
                "gst-core-error-quark", Gst.CoreError.STATE_CHANGE), None)
        while True:
            msg = await messages.get()
            if msg.type == Gst.MessageType.EOS:
                return
            if msg.type == Gst.MessageType.ERROR:
                raise GstError(_source(msg), *msg.parse_error())
            warnings.warn(GstWarning(_source(msg), *msg.parse_warning()),
                          stacklevel=2)
    finally:
        loop.remove_reader(fd)
        pipeline.set_state(Gst.State.NULL)
