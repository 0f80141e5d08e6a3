/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * bench-asyncidentity.c: the engine's cost and its scaling, in-process, as
 * ratios against stock elements measured in the same run.
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

/* (a) Per-buffer cost: small buffers through each element with default
 *     settings, in rounds that run every element in turn with queue, as
 *     the element's buffer rate over queue's in that round; the median and
 *     the spread over the rounds.
 * (b) Sleep-bound work, 10 ms a frame: asyncidentity with 1 to 8 workers
 *     against identity sleep-time=10000, and with 16 and 64 workers
 *     against the ideal rate: with a window as wide as the workers (every
 *     free slot waits for a frame to leave and the next to come in), and
 *     with the default window.
 * (c) CPU-bound work, 5 ms of CPU a frame: 1, 2, 4 and 8 workers against
 *     1.
 *
 *   bench-asyncidentity [--quick | --tiny]   (--tiny: seconds, for the
 *   report machinery's test) */

#include <gst/gst.h>
#include <stdlib.h>

#include "benchstats.h"

static gdouble
run_seconds (const gchar * desc)
{
  GstElement *pipeline = bench_parse (desc);
  gdouble seconds = bench_play_seconds (pipeline, desc);

  gst_object_unref (pipeline);
  return seconds;
}

static gdouble
buffers_per_second (const gchar * element, guint n)
{
  gchar *desc = g_strdup_printf ("fakesrc num-buffers=%u sizetype=fixed "
      "sizemax=64 filltype=nothing ! %s ! fakesink", n, element);
  gdouble rate = n / run_seconds (desc);

  g_free (desc);
  return rate;
}

/* Frames per second through @element once it runs: the rate between a run
 * of @n frames and one of a tenth of them. The clock starts at PLAYING,
 * but the element's workers already take the frames that fill its window
 * while the pipeline prerolls: with a window of 16 frames (8 workers) in
 * a run of 200, a plain rate would be about 8 % too high. */
static gdouble
steady_frames_per_second (const gchar * element, guint n)
{
  return bench_steady_rate (n, n / buffers_per_second (element, n), n / 10,
      n / 10 / buffers_per_second (element, n / 10));
}

static void
bench_per_buffer (guint n, guint rounds)
{
  static const gchar *elements[] = {
    "queue ! queue", "identity", "asyncidentity n-workers=1",
    "asyncidentity", "asyncidentity n-workers=8",
  };
  gdouble ratios[G_N_ELEMENTS (elements)][16], rates[G_N_ELEMENTS
      (elements)][16], queue[16];
  guint i, r;

  g_print ("(a) per-buffer cost in-process, %u buffers of 64 bytes, %u "
      "rounds\n", n, rounds);
  for (r = 0; r < rounds; r++) {
    queue[r] = buffers_per_second ("queue", n);
    for (i = 0; i < G_N_ELEMENTS (elements); i++) {
      rates[i][r] = buffers_per_second (elements[i], n);
      ratios[i][r] = rates[i][r] / queue[r];
    }
  }
  g_print ("  queue: %.0f buffers/s (median)\n", median (queue, rounds));
  bench_result ("section=per-buffer-inprocess\tname=queue\tref=queue\t"
      "fps=%.0f\tref_fps=%.0f\tratio=1\tmin=1\tmax=1\tframes=%u\t"
      "rounds=%u", median (queue, rounds), median (queue, rounds), n, rounds);
  g_print ("  | element | rate / queue, median | spread |\n");
  g_print ("  |---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (elements); i++) {
    /* (median () sorts: lowest first, highest last) */
    gdouble med = median (ratios[i], rounds);

    g_print ("  | `%s` | %.2f | %.2f - %.2f |\n", elements[i], med,
        ratios[i][0], ratios[i][rounds - 1]);
    bench_result ("section=per-buffer-inprocess\tname=%s\tref=queue\t"
        "fps=%.0f\tref_fps=%.0f\tratio=%.3f\tmin=%.3f\tmax=%.3f\t"
        "frames=%u\trounds=%u", elements[i], median (rates[i], rounds),
        median (queue, rounds), med, ratios[i][0], ratios[i][rounds - 1], n,
        rounds);
  }
}

static void
bench_sleep (guint frames_per_worker)
{
  static const guint workers[] = { 1, 2, 4, 8 };
  static const guint wide[] = { 16, 64 };
  gdouble seq;
  guint i;

  g_print ("(b) sleep-bound work, 10 ms a frame\n");
  seq = steady_frames_per_second ("identity sleep-time=10000",
      frames_per_worker);
  g_print ("  | element | frames/s | rate / identity |\n");
  g_print ("  |---|---|---|\n");
  g_print ("  | `identity sleep-time=10000` | %.1f | 1.00 |\n", seq);
  for (i = 0; i < G_N_ELEMENTS (workers); i++) {
    gchar *element = g_strdup_printf ("asyncidentity work-mode=sleep "
        "work-time=10000 n-workers=%u", workers[i]);
    gdouble fps = steady_frames_per_second (element,
        frames_per_worker * workers[i]);

    g_print ("  | `asyncidentity n-workers=%u` | %.1f | %.2f (ideal %u) |\n",
        workers[i], fps, fps / seq, workers[i]);
    bench_result ("section=workers-sleep\tname=%s\t"
        "ref=identity sleep-time=10000\tworkers=%u\tfps=%.2f\t"
        "ref_fps=%.2f\tratio=%.3f\tideal_fps=%u\tframes=%u\trounds=1",
        element, workers[i], fps, seq, fps / seq, 100 * workers[i],
        frames_per_worker * workers[i]);
    g_free (element);
  }
  g_print ("  | frames at work | frames/s | of the ideal |\n");
  g_print ("  |---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (wide); i++) {
    guint w = wide[i];
    guint n = w * frames_per_worker;
    gchar *fixed = g_strdup_printf ("n-workers=%u max-in-flight=%u", w, w);
    gchar *settings[] = { fixed, g_strdup_printf ("n-workers=%u", w) };
    guint j;

    for (j = 0; j < G_N_ELEMENTS (settings); j++) {
      gchar *element = g_strdup_printf ("asyncidentity work-mode=sleep "
          "work-time=10000 %s", settings[j]);
      gdouble fps = steady_frames_per_second (element, n);

      g_print ("  | %u (`%s`%s) | %.1f | %.1f %% |\n", w, settings[j],
          j == 0 ? ", no frame waiting" : ", default window", fps,
          fps * 100 / (w * 100.0));
      bench_result ("section=wide\tname=%s\tworkers=%u\tfps=%.2f\t"
          "ideal_fps=%u\tshare=%.4f\tframes=%u\trounds=1", element, w,
          fps, w * 100, fps / (w * 100.0), n);
      g_free (element);
      g_free (settings[j]);
    }
  }
}

static void
bench_busy (guint n)
{
  static const guint workers[] = { 1, 2, 4, 8 };
  gdouble fps[G_N_ELEMENTS (workers)];
  guint i;

  g_print ("(c) CPU-bound work, 5 ms of CPU a frame, %u frames\n", n);
  g_print ("  | n-workers | frames/s | rate / 1 worker's |\n");
  g_print ("  |---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (workers); i++) {
    gchar *element = g_strdup_printf ("asyncidentity work-mode=busy "
        "work-time=5000 n-workers=%u", workers[i]);

    fps[i] = steady_frames_per_second (element, n);
    g_print ("  | %u | %.1f | %.2f |\n", workers[i], fps[i], fps[i] / fps[0]);
    bench_result ("section=workers-busy\tname=%s\t"
        "ref=asyncidentity work-mode=busy work-time=5000 n-workers=1\t"
        "workers=%u\tfps=%.2f\tref_fps=%.2f\tratio=%.3f\t"
        "ideal_fps=%.2f\tframes=%u\trounds=1", element, workers[i], fps[i],
        fps[0], fps[i] / fps[0], fps[0] * MIN (workers[i],
            g_get_num_processors ()), n);
    g_free (element);
  }
  g_print ("  2 workers against 1: %.2fx (ideal 2 on two cores)\n",
      fps[1] / fps[0]);
}

int
main (int argc, char **argv)
{
  gint scale = bench_scale (argc, argv);

  gst_init (&argc, &argv);
  bench_per_buffer (bench_pick (scale, 2000, 20000, 300000), bench_pick (scale,
          1, 3, 5));
  bench_sleep (bench_pick (scale, 10, 20, 100));
  bench_busy (bench_pick (scale, 40, 100, 300));
  return 0;
}
