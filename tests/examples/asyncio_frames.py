#!/usr/bin/python3
"""Python asyncio applied to video, with asyncprocess: an
`async def process_frame(frame)` coroutine per frame, many frames in flight
at once on the program's event loop, no thread per frame, and the frames
leave in order.

1. A coroutine that awaits a simulated 20 ms remote call, with 1, 8 and 64
   frames in flight (max-in-flight; one worker hands frames to the loop).
2. A coroutine that does real CPU work: it blurs the 720p frame with numpy
   in the loop's thread pool (loop.run_in_executor), where numpy releases
   the GIL, so the work of several frames overlaps on the cores.

  asyncio_frames.py [--frames N]

Run from the project root after a build:
  PYTHONPATH=python GST_PLUGIN_PATH=build/gst/async \\
      /usr/bin/python3 tests/examples/asyncio_frames.py
"""

import argparse
import asyncio
import concurrent.futures
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

import gstasync  # noqa: E402

try:
    import numpy
except ImportError:  # Debian's python3-numpy is optional here
    numpy = None


async def remote_call(frame):
    """Waits 20 ms, as a call to an inference service would."""
    await asyncio.sleep(0.020)
    return None                     # the frame goes out as it came


def blur(data, width, height):
    """A 3x3 box blur of a GRAY8 frame: CPU work that releases the GIL."""
    image = numpy.frombuffer(data, dtype=numpy.uint8).reshape(height, width)
    padded = numpy.pad(image.astype(numpy.uint16), 1, mode="edge")
    total = sum(padded[dy:dy + height, dx:dx + width]
                for dy in range(3) for dx in range(3))
    return (total // 9).astype(numpy.uint8).tobytes()


async def run(description, process_frame, frames, in_flight,
              width=320, height=240):
    pipeline = Gst.parse_launch(
        f"videotestsrc num-buffers={frames} "
        f"! video/x-raw,format=GRAY8,width={width},height={height} "
        f"! asyncprocess name=p n-workers=1 max-in-flight={in_flight} "
        "! fakesink")
    gstasync.attach(pipeline.get_by_name("p"), process_frame)
    start = time.monotonic()
    await gstasync.play(pipeline)
    rate = frames / (time.monotonic() - start)
    print(f"  {description}, {in_flight:2d} in flight: {rate:7.1f} frames/s")
    return rate


async def main(frames):
    print("1. awaiting a 20 ms remote call per frame")
    one = await run("remote call", remote_call, frames, 1)
    for n in (8, 64):
        rate = await run("remote call", remote_call, frames, n)
        print(f"     {rate / one:.1f} x the rate of 1 in flight")

    print("2. CPU work in the loop's thread pool (numpy)")
    if numpy is None:
        print("  (skipped: python3-numpy is not installed)")
        return
    loop = asyncio.get_running_loop()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)

    async def blurred(frame):
        return await loop.run_in_executor(pool, blur, frame.data(), 1280, 720)

    one = await run("numpy blur, 720p", blurred, frames, 1, 1280, 720)
    rate = await run("numpy blur, 720p", blurred, frames, 4, 1280, 720)
    print(f"     {rate / one:.1f} x the rate of 1 in flight")
    pool.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    Gst.init(None)
    asyncio.run(main(args.frames))
