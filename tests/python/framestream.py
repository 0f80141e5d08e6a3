"""Shared by the Python tests: numbered frames from an appsrc through an
asyncprocess into an appsink, and running a pipeline to its end."""

import threading

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)

PENDING = Gst.FlowReturn.CUSTOM_SUCCESS_1   # GST_ASYNC_TRANSFORM_FLOW_PENDING
DROPPED = Gst.FlowReturn.CUSTOM_SUCCESS     # GST_ASYNC_TRANSFORM_FLOW_DROPPED


def frame_stream(frames, width, height, workers, max_in_flight):
    """A pipeline of @frames GRAY8 frames at 30 fps, every byte of frame i
    being i % 256, through asyncprocess "p". Returns (pipeline, the
    asyncprocess, got): got fills with the first byte of each buffer that
    leaves, in order."""
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=GRAY8,"
        f"width={width},height={height},framerate=30/1 ! asyncprocess name=p "
        f"n-workers={workers} max-in-flight={max_in_flight} "
        "! appsink name=sink sync=false emit-signals=true")
    src = pipeline.get_by_name("src")
    for i in range(frames):
        buf = Gst.Buffer.new_wrapped(bytes([i % 256]) * (width * height))
        buf.pts = i * Gst.SECOND // 30
        src.emit("push-buffer", buf)
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
