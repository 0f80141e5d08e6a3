# asyncprocess from Python through gi: the process signal, the set-output
# and finish action signals, and a handler that raises.
#
# Run by meson test (suite python) with the plugins of the build tree:
#   /usr/bin/python3 -m pytest tests/python

import random
import threading

from framestream import DROPPED, PENDING, Gst, frame_stream, run, run_beside


def pipeline(frames, workers=2, max_in_flight=0):
    return frame_stream(frames, 32, 24, workers, max_in_flight)


def test_set_output_replaces_buffers_in_order():
    p, process, got = pipeline(50, workers=4)
    workers = set()

    def invert(element, frame_id, buf, caps, worker):
        assert caps.get_structure(0).get_value("format") == "GRAY8"
        workers.add(worker)
        data = bytes(255 - b for b in buf.extract_dup(0, buf.get_size()))
        element.emit("set-output", frame_id, Gst.Buffer.new_wrapped(data))
        return Gst.FlowReturn.OK

    process.connect("process", invert)
    error = run(p)
    assert error is None
    assert got == [255 - i for i in range(50)]
    assert workers <= {0, 1, 2, 3}


def test_dropped_frames_leave_nothing():
    p, process, got = pipeline(20)
    process.connect(
        "process", lambda e, f, b, c, w:
        DROPPED if b.extract_dup(0, 1)[0] % 2 else Gst.FlowReturn.OK)
    error = run(p)
    assert error is None
    assert got == list(range(0, 20, 2))


def test_exception_is_an_error_naming_the_frame():
    p, process, got = pipeline(20)

    def fails_on_7(element, frame_id, buf, caps, worker):
        if buf.extract_dup(0, 1)[0] == 7:
            raise RuntimeError("no good")
        return Gst.FlowReturn.OK

    process.connect("process", fails_on_7)
    error = run(p)
    assert error is not None
    gerror, debug = error.parse_error()
    assert "frame 7" in debug
    # the frames before it left first, and none after it
    assert got == list(range(7))


def test_pending_frames_finished_from_other_threads():
    p, process, got = pipeline(100, workers=1, max_in_flight=16)
    lock = threading.Lock()
    pending = []
    most = [0]

    def hand_over(element, frame_id, buf, caps, worker):
        with lock:
            pending.append(frame_id)
            most[0] = max(most[0], len(pending))
        return PENDING

    stop = threading.Event()

    def finisher(seed):
        rnd = random.Random(seed)
        while not stop.is_set():
            with lock:
                frame_id = pending.pop(rnd.randrange(len(pending))) \
                    if pending else None
            if frame_id is None:
                stop.wait(0.001)
                continue
            process.emit("finish", frame_id, Gst.FlowReturn.OK)

    process.connect("process", hand_over)
    threads = [threading.Thread(target=finisher, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    try:
        error = run(p)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert error is None
    assert got == list(range(100))
    # one worker, yet many frames in flight at once
    assert 1 < most[0] <= 16


def test_finish_with_error_names_its_frame_in_turn():
    p, process, got = pipeline(20, workers=1, max_in_flight=4)
    lock = threading.Lock()
    pending = []

    def hand_over(element, frame_id, buf, caps, worker):
        with lock:
            pending.append((frame_id, buf.extract_dup(0, 1)[0]))
        return PENDING


    def finisher(stop):
        while not stop.is_set():
            with lock:
                item = pending.pop() if pending else None
            if item is None:
                stop.wait(0.001)
            elif item[1] == 9:
                process.emit("finish-with-error", item[0], "frame 9 is bad",
                             "checked by the test")
            else:
                process.emit("finish", item[0], Gst.FlowReturn.OK)

    process.connect("process", hand_over)
    error = run_beside(p, finisher)
    assert error is not None
    gerror, debug = error.parse_error()
    assert gerror.message == "frame 9 is bad"
    assert debug == "checked by the test"
    assert got == list(range(9))
