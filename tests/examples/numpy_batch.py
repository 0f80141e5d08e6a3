#!/usr/bin/python3
"""Batches with gstasync: one numpy operation over a batch of frames
stacked into one array, against the same operation frame by frame.

The operation normalises each GRAY8 frame to zero mean and unit variance
(then to 128 +- 48, clipped to 0-255), as a model's input is prepared:
some ten numpy calls per frame. Frame by frame, each frame pays for a
coroutine, those calls and the hand-over between the element and Python;
in batches of 16 the calls are made once for 16 frames stacked into one
array (the means and variances taken per frame), and the hand-over once
per batch. On small frames (64x48, a thumbnail for a model) that cost is
most of the work and batches gain much; on large ones numpy's arithmetic
is, and they gain little (try --width 320 --height 240).

It runs the same frames three ways, several rounds, the ways in turn
within a round (so that a machine busy for a while slows them all), and
prints each way's rate and the ratio of the batched rate to the
frame-by-frame rate in each round: the median and the spread.

  numpy_batch.py [--frames N] [--rounds N] [--batch-size N]
                 [--width W] [--height H]

Run from the project root after a build:
  PYTHONPATH=python GST_PLUGIN_PATH=build/gst/async \\
      /usr/bin/python3 tests/examples/numpy_batch.py
"""

import argparse
import asyncio
import statistics
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

import gstasync  # noqa: E402

try:
    import numpy
except ImportError:  # Debian's python3-numpy
    numpy = None


def normalise(pixels):
    """The operation, on one frame (height, width) or a stack of frames
    (n, height, width), each normalised on its own."""
    values = pixels.astype(numpy.float32)
    mean = values.mean(axis=(-2, -1), keepdims=True)
    std = values.std(axis=(-2, -1), keepdims=True)
    values -= mean
    values *= 48 / (std + 1e-3)
    values += 128
    numpy.clip(values, 0, 255, out=values)
    return values.astype(numpy.uint8)


def pixels(frame, width, height):
    """The frame's pixels (rows of width bytes: the width is a multiple
    of 4, so GStreamer pads no row)."""
    return numpy.frombuffer(frame.data(), numpy.uint8).reshape(height, width)


async def run(way, frames, batch_size, width, height, output=None):
    """Frames per second through the asyncprocess, the work done @way;
    with @output, a list, the frames that leave are added to it."""
    # (a moving ball when checking: frames that differ)
    src, sink = ("", "fakesink") if output is None else \
        ("pattern=ball", "appsink name=out sync=false emit-signals=true")
    pipeline = Gst.parse_launch(
        f"videotestsrc num-buffers={frames} {src} "
        f"! video/x-raw,format=GRAY8,width={width},height={height} "
        f"! asyncprocess name=p n-workers=1 ! {sink}")
    element = pipeline.get_by_name("p")
    if output is not None:
        def keep(appsink):
            buf = appsink.emit("pull-sample").get_buffer()
            output.append(buf.extract_dup(0, buf.get_size()))
            return Gst.FlowReturn.OK

        pipeline.get_by_name("out").connect("new-sample", keep)

    async def process_frame(frame):
        return normalise(pixels(frame, width, height))

    async def process_batch(batch):
        stack = numpy.stack([pixels(f, width, height) for f in batch])
        return normalise(stack)     # one result per frame: its [i]

    if way == "frame by frame":
        gstasync.attach(element, process_frame)
    elif way != "none":
        gstasync.attach_batch(element, process_batch, batch_size)
    start = time.perf_counter()
    await gstasync.play(pipeline)
    return frames / (time.perf_counter() - start)


async def main(args):
    if numpy is None:
        print("python3-numpy is not installed: nothing to measure")
        return 77
    ways = {"frame by frame": 1, "batch-size 1": 1,
            f"batch-size {args.batch_size}": args.batch_size}
    # the same frames out every way, and not the frames that came in
    outputs = {way: [] for way in ways}
    for way, batch_size in ways.items():
        await run(way, 48, batch_size, args.width, args.height,
                  outputs[way])
    frames_in = []
    await run("none", 48, 1, args.width, args.height, frames_in)
    first = outputs["frame by frame"]
    if len(first) != 48 or first == frames_in or \
            any(output != first for output in outputs.values()):
        print("the ways do not give the same frames")
        return 1
    rates = {way: [] for way in ways}
    print(f"{args.frames} GRAY8 frames of {args.width}x{args.height}, "
          f"{args.rounds} rounds, n-workers=1")
    for r in range(args.rounds):
        order = list(ways)[r % len(ways):] + list(ways)[:r % len(ways)]
        for way in order:
            rates[way].append(await run(way, args.frames, ways[way],
                                        args.width, args.height))
    for way, rate in rates.items():
        print(f"  {way:>15}: {statistics.median(rate):8.1f} frames/s "
              f"(median; {min(rate):.1f} to {max(rate):.1f})")
    batched = rates[f"batch-size {args.batch_size}"]
    for base in ("frame by frame", "batch-size 1"):
        ratios = [b / s for b, s in zip(batched, rates[base])]
        print(f"  batch-size {args.batch_size} / {base}: "
              f"{statistics.median(ratios):.2f} x (median of "
              f"{len(ratios)} rounds; {min(ratios):.2f} to "
              f"{max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--height", type=int, default=48)
    args = parser.parse_args()
    if args.width % 4:
        parser.error("--width must be a multiple of 4 (rows without padding)")
    Gst.init(None)
    sys.exit(asyncio.run(main(args)))
