"""Shared by the Python tests: numbered frames from an appsrc through an
asyncprocess into an appsink, running a pipeline to its end, and a
process-batch handler's batches formed behind a held first call."""

import threading

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)

PENDING = Gst.FlowReturn.CUSTOM_SUCCESS_1   # GST_ASYNC_TRANSFORM_FLOW_PENDING
DROPPED = Gst.FlowReturn.CUSTOM_SUCCESS     # GST_ASYNC_TRANSFORM_FLOW_DROPPED


def frame(i, size=16):
    """Frame i of a stream: @size bytes of i % 256, at 30 fps."""
    buf = Gst.Buffer.new_wrapped(bytes([i % 256]) * size)
    buf.pts = i * Gst.SECOND // 30
    return buf


def frame_stream(frames, width, height, workers, max_in_flight,
                 batch_size=1):
    """A pipeline of @frames GRAY8 frames at 30 fps, every byte of frame i
    being i % 256, through asyncprocess "p" (in batches of up to
    @batch_size); with @frames 0, the caller pushes them (frame()) and the
    end of the stream. Returns (pipeline, the asyncprocess, got): got fills
    with the first byte of each buffer that leaves, in order."""
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=GRAY8,"
        f"width={width},height={height},framerate=30/1 ! asyncprocess name=p "
        f"n-workers={workers} max-in-flight={max_in_flight} "
        f"batch-size={batch_size} "
        "! appsink name=sink sync=false emit-signals=true")
    src = pipeline.get_by_name("src")
    if frames:
        for i in range(frames):
            src.emit("push-buffer", frame(i, width * height))
        src.emit("end-of-stream")
    got = []

    def on_sample(appsink):
        buf = appsink.emit("pull-sample").get_buffer()
        got.append(buf.extract_dup(0, 1)[0])
        return Gst.FlowReturn.OK

    pipeline.get_by_name("sink").connect("new-sample", on_sample)
    return pipeline, pipeline.get_by_name("p"), got


def run(pipeline, timeout=30):
    """Plays @pipeline to its end; returns the error message, or None."""
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        timeout * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    assert msg is not None, "the pipeline did not end"
    return msg if msg.type == Gst.MessageType.ERROR else None


def run_beside(pipeline, worker):
    """Runs @pipeline to its end (as run()) while worker(stop), another
    thread, finishes its frames; stop is set at the end, and the thread
    joined."""
    stop = threading.Event()
    thread = threading.Thread(target=worker, args=(stop,))
    thread.start()
    try:
        return run(pipeline)
    finally:
        stop.set()
        thread.join()


# --- batches ---------------------------------------------------------------

def invert_batch(element, first_id, buffers, caps, worker):
    """A process-batch handler: gives each frame its bytes inverted."""
    assert caps.get_structure(0).get_value("format") == "GRAY8"
    for i in range(buffers.length()):
        buf = buffers.get(i)
        data = bytes(255 - b for b in buf.extract_dup(0, buf.get_size()))
        element.emit("set-output", first_id + i, Gst.Buffer.new_wrapped(data))
    return Gst.FlowReturn.OK


def frames_in(element):
    """The frames the asyncprocess @element took in so far."""
    return element.get_property("stats").get_uint64("frames-in")[1]


def play_gated(handler, frames=13, batch_size=4):
    """Runs @frames frames (frame_stream's) through @handler in batches of
    up to @batch_size on one worker, the first call (frame 0) held until
    the others are all in the element. Returns (the error message or
    None, the first bytes that left, the sizes of the calls)."""
    p, process, got = frame_stream(0, 4, 4, 1, 32, batch_size)
    src = p.get_by_name("src")
    sizes = []
    entered, gate = threading.Event(), threading.Event()

    def held(element, first_id, buffers, caps, worker):
        sizes.append(buffers.length())
        if len(sizes) == 1:
            entered.set()
            assert gate.wait(30)
        return handler(element, first_id, buffers, caps, worker)

    def push_behind_gate(stop):
        assert entered.wait(30)
        for i in range(1, frames):
            src.emit("push-buffer", frame(i))
        src.emit("end-of-stream")
        while frames_in(process) < frames and not stop.wait(0.001):
            pass
        gate.set()

    process.connect("process-batch", held)
    src.emit("push-buffer", frame(0))
    error = run_beside(p, push_behind_gate)
    return error, got, sizes


def check_signal():
    """process-batch from Python: ids and buffers in their order, and the
    batches formed behind the held first call."""
    error, got, sizes = play_gated(invert_batch)
    assert error is None
    assert got == [255 - i for i in range(13)]
    assert sizes == [1, 4, 4, 4]
