/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * bench-batch.c: batches against single frames on asyncidentity's device
 * model, in-process: frames/s against batch-size, and what batching adds
 * to the time through the element in a live pipeline.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Library General Public License for more details.
 *
 * You should have received a copy of the GNU Library General Public
 * License along with this library; if not, write to the
 * Free Software Foundation, Inc., 51 Franklin St, Fifth Floor,
 * Boston, MA 02110-1301, USA.
 */

/* The device: asyncidentity work-mode=sleep call-time=5000 work-time=250
 * n-workers=1, 5 ms a call and 0.25 ms a frame of it, behind a
 * videotestsrc of small frames.
 *
 * (a) throughput: batch-size 1, 2, 4, 8, 16 and 32, in rounds that run
 *     every size in turn; a size's frames/s over batch-size=1's in the same
 *     round, the median and the spread over the rounds, beside the ideal
 *     (call + frame) / (call / batch-size + frame). Each run takes about
 *     the same time: its frames are what the ideal rate does in it. The
 *     rate is that of the frames it adds to a run of a tenth of them
 *     (bench_steady_rate ()), so that start-up and preroll do not count.
 * (b) live: a live 30 fps source and a sink that syncs, with batch-size 1,
 *     4 and 16 and batch-timeout=10 ms, then batch-size 16 with
 *     batch-timeout=0 and batch-size 4 waiting for full batches. Each frame
 *     is timed from the element's sink pad to its src pad (probes), beside
 *     the element's own stats (time-through-mean/max, latency), and the
 *     latency query: the minimum at the element's src pad less the
 *     source's is what the element reports. A queue before the sink takes
 *     the sink's wait for each frame's time off the element's src task:
 *     without it, a frame waits in the element while the task is held in
 *     the sink with the one before, as long as the pipeline's latency
 *     less a frame interval. No frame may take longer than batch-timeout
 *     plus a full call's work (5 ms + batch-size x 0.25 ms); with no
 *     timeout, the last row, there is no such bound, but batch-size - 1
 *     frame intervals plus the call make its "bound". The latency the
 *     query reports must cover the longest time through.
 *
 *   bench-batch [--quick | --tiny] [throughput] [live]
 *
 * runs the sections named, or both. --tiny: a moment each, for the report
 * machinery's test (its numbers mean nothing). */

#include <gst/gst.h>
#include <stdlib.h>

#include "benchstats.h"

#define CALL_US 5000
#define FRAME_US 250
#define MAX_ROUNDS 16
#define LIVE_FPS 30

#define DEVICE "asyncidentity work-mode=sleep call-time=" \
    G_STRINGIFY (CALL_US) " work-time=" G_STRINGIFY (FRAME_US) " n-workers=1"

static const guint batch_sizes[] = { 1, 2, 4, 8, 16, 32 };

/* Frames/s the device gives at best with batches of @batch. */
static gdouble
ideal_fps (guint batch)
{
  return 1e6 * batch / (CALL_US + (gdouble) batch * FRAME_US);
}

/* --- (a) throughput ---------------------------------------------------- */

/* Seconds that @n frames take through the device in batches of @batch,
 * from PLAYING to EOS. */
static gdouble
batch_seconds (guint batch, guint n)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%u ! "
      "video/x-raw,width=64,height=48 ! " DEVICE " batch-size=%u ! "
      "fakesink", n, batch);
  GstElement *pipeline = bench_parse (desc);
  gdouble seconds = bench_play_seconds (pipeline, desc);

  gst_object_unref (pipeline);
  g_free (desc);
  return seconds;
}

static void
bench_throughput (gdouble seconds, guint rounds)
{
  const guint n_sizes = G_N_ELEMENTS (batch_sizes);
  gdouble fps[G_N_ELEMENTS (batch_sizes)][MAX_ROUNDS];
  gdouble ratios[G_N_ELEMENTS (batch_sizes)][MAX_ROUNDS];
  guint frames[G_N_ELEMENTS (batch_sizes)], tenth[G_N_ELEMENTS (batch_sizes)];
  guint i, r;

  rounds = MIN (rounds, MAX_ROUNDS);
  g_print ("(a) throughput, `" DEVICE "`, frames/s against batch-size, "
      "%u rounds\n", rounds);
  /* about @seconds of work at the ideal rate, and a tenth of it, in whole
   * batches */
  for (i = 0; i < n_sizes; i++) {
    guint b = batch_sizes[i];
    guint batches = MAX ((guint) (seconds * ideal_fps (b) / b + 0.999), 2);

    frames[i] = batches * b;
    tenth[i] = MAX (batches / 10, 1) * b;
  }
  for (r = 0; r < rounds; r++)
    for (i = 0; i < n_sizes; i++)
      fps[i][r] = bench_steady_rate (frames[i], batch_seconds (batch_sizes[i],
              frames[i]), tenth[i], batch_seconds (batch_sizes[i], tenth[i]));
  for (i = 0; i < n_sizes; i++)
    for (r = 0; r < rounds; r++)
      ratios[i][r] = fps[i][r] / fps[0][r];

  g_print ("  | batch-size | frames | frames/s: median (min - max) | "
      "ratio to batch-size=1: median (min - max) | ideal ratio | of the "
      "ideal |\n");
  g_print ("  |---|---|---|---|---|---|\n");
  for (i = 0; i < n_sizes; i++) {
    /* (median () sorts: lowest first, highest last) */
    guint b = batch_sizes[i];
    gdouble ratio = median (ratios[i], rounds);
    gdouble rate = median (fps[i], rounds);
    gdouble ideal_ratio = ideal_fps (b) / ideal_fps (1);

    g_print ("  | %u | %u | %.0f (%.0f - %.0f) | %.2f (%.2f - %.2f) | %.2f "
        "| %.0f %% |\n", b, frames[i], rate, fps[i][0], fps[i][rounds - 1],
        ratio, ratios[i][0], ratios[i][rounds - 1], ideal_ratio,
        100 * rate / ideal_fps (b));
    bench_result ("section=batch-inprocess\tname=" DEVICE " batch-size=%u\t"
        "batch=%u\tfps=%.1f\tfps_min=%.1f\tfps_max=%.1f\tratio=%.3f\t"
        "min=%.3f\tmax=%.3f\tideal_fps=%.1f\tideal_ratio=%.3f\tframes=%u\t"
        "rounds=%u", b, b, rate, fps[i][0], fps[i][rounds - 1], ratio,
        ratios[i][0], ratios[i][rounds - 1], ideal_fps (b), ideal_ratio,
        frames[i], rounds);
  }
}

/* --- (b) live ---------------------------------------------------------- */

typedef struct
{
  GMutex lock;
  GHashTable *entered;          /* PTS -> monotonic µs at the sink pad */
  gint64 max, sum;              /* µs from sink pad to src pad */
  guint frames;
} Through;

static GstPadProbeReturn
frame_in (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Through *through = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&through->lock);
  g_hash_table_insert (through->entered,
      GSIZE_TO_POINTER (GST_BUFFER_PTS (buffer)),
      GSIZE_TO_POINTER (g_get_monotonic_time ()));
  g_mutex_unlock (&through->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
frame_out (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Through *through = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gpointer entered;

  g_mutex_lock (&through->lock);
  if (g_hash_table_steal_extended (through->entered,
          GSIZE_TO_POINTER (GST_BUFFER_PTS (buffer)), NULL, &entered)) {
    gint64 took = g_get_monotonic_time () - GPOINTER_TO_SIZE (entered);

    through->max = MAX (through->max, took);
    through->sum += took;
    through->frames++;
  }
  g_mutex_unlock (&through->lock);
  return GST_PAD_PROBE_OK;
}

static void
add_probe (GstElement * element, const gchar * pad_name,
    GstPadProbeCallback callback, Through * through)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, callback, through, NULL);
  gst_object_unref (pad);
}

static guint64
stats_ns (const GstStructure * stats, const gchar * field)
{
  guint64 value = GST_CLOCK_TIME_NONE;

  gst_structure_get_uint64 (stats, field, &value);
  return value;
}

/* One live run, batches of @batch waiting at most @timeout ns (-1: until
 * full). */
static void
live_run (guint batch, GstClockTime timeout, guint frames)
{
  gchar *desc = g_strdup_printf ("videotestsrc name=src is-live=true "
      "num-buffers=%u ! video/x-raw,width=64,height=48,framerate=%u/1 ! "
      DEVICE " name=work batch-size=%u batch-timeout=%" G_GUINT64_FORMAT
      " ! queue ! fakesink sync=true", frames, LIVE_FPS, batch, timeout);
  GstElement *pipeline = bench_parse (desc);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *work = gst_bin_get_by_name (GST_BIN (pipeline), "work");
  Through through = { 0 };
  GstStructure *stats;
  GstClockTime wait, pipeline_latency, source_latency, ours;
  guint64 mean, max, latency, out;
  gdouble bound_ms, ours_ms;
  gboolean holds, covered;
  const gchar *holds_text;
  gchar *timeout_text;

  g_mutex_init (&through.lock);
  through.entered = g_hash_table_new (NULL, NULL);
  add_probe (work, "sink", frame_in, &through);
  add_probe (work, "src", frame_out, &through);
  bench_play_live (pipeline, desc);

  g_object_get (work, "stats", &stats, NULL);
  mean = stats_ns (stats, "time-through-mean");
  max = stats_ns (stats, "time-through-max");
  latency = stats_ns (stats, "latency");
  out = stats_ns (stats, "frames-out");
  gst_structure_free (stats);
  pipeline_latency = bench_query_min_latency (pipeline, NULL);
  source_latency = bench_query_min_latency (src, "src");
  ours = bench_query_min_latency (work, "src") - source_latency;

  /* what a frame may wait for its batch, then a full call's work */
  wait = timeout != GST_CLOCK_TIME_NONE ? timeout :
      (batch - 1) * gst_util_uint64_scale_int (GST_SECOND, 1, LIVE_FPS);
  bound_ms = wait / 1e6 + (CALL_US + batch * FRAME_US) / 1e3;
  holds = max / 1e6 <= bound_ms && through.max / 1e3 <= bound_ms;
  holds_text = timeout == GST_CLOCK_TIME_NONE ? "-" : holds ? "yes" : "no";
  ours_ms = ours / 1e6;
  covered = ours >= max && (GstClockTime) through.max * GST_USECOND <= ours;
  timeout_text = timeout == GST_CLOCK_TIME_NONE ? g_strdup ("until full") :
      g_strdup_printf ("%.0f ms", timeout / 1e6);

  g_print ("  | %u | %s | %" G_GUINT64_FORMAT " | %.1f | %.1f | %.1f | %.1f "
      "| %.1f | %.1f | %s | %s |\n", batch, timeout_text, out, mean / 1e6,
      max / 1e6, through.max / 1e3, bound_ms, latency / 1e6, ours_ms,
      holds_text, covered ? "yes" : "no");
  bench_result ("section=batch-live\tname=" DEVICE " batch-size=%u "
      "batch-timeout=%" G_GUINT64_FORMAT "\tbatch=%u\ttimeout=%s\t"
      "frames=%u\tframes_out=%" G_GUINT64_FORMAT "\tthrough_mean_ms=%.2f\t"
      "through_max_ms=%.2f\tprobe_mean_ms=%.2f\tprobe_max_ms=%.2f\t"
      "wait_ms=%.2f\tbound_ms=%.2f\tlatency_ms=%.2f\tquery_ms=%.2f\t"
      "pipeline_ms=%.2f\tholds=%s\tcovered=%s", batch, timeout, batch,
      timeout_text, frames, out, mean / 1e6, max / 1e6,
      through.frames ? through.sum / 1e3 / through.frames : 0.0,
      through.max / 1e3, wait / 1e6, bound_ms, latency / 1e6, ours_ms,
      pipeline_latency / 1e6, holds_text, covered ? "yes" : "no");

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_free (timeout_text);
  g_hash_table_unref (through.entered);
  g_mutex_clear (&through.lock);
  gst_object_unref (work);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  g_free (desc);
}

static void
bench_live (guint frames)
{
  static const guint batches[] = { 1, 4, 16 };
  guint i;

  g_print ("(b) live %u fps, `" DEVICE "`, %u frames a run: ms from the "
      "element's sink pad to its src pad\n", LIVE_FPS, frames);
  g_print ("  | batch-size | batch-timeout | frames out | time-through "
      "mean | time-through max | probes: max | bound: wait + full call "
      "| stats latency | latency query, ours | max <= bound | latency >= "
      "max |\n");
  g_print ("  |---|---|---|---|---|---|---|---|---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (batches); i++)
    live_run (batches[i], 10 * GST_MSECOND, frames);
  live_run (16, 0, frames);
  live_run (4, GST_CLOCK_TIME_NONE, frames);
}

int
main (int argc, char **argv)
{
  gint scale = bench_scale (argc, argv);

  gst_init (&argc, &argv);
  if (bench_wants_section (argc, argv, "throughput"))
    bench_throughput (bench_pick (scale, 5, 50, 150) / 100.0,
        bench_pick (scale, 1, 3, 5));
  if (bench_wants_section (argc, argv, "live"))
    bench_live (bench_pick (scale, 6, 45, 90));
  return 0;
}
