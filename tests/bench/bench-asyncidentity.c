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
 * (c) CPU-bound work, 5 ms of CPU a frame: 2 workers against 1.
 *
 *   bench-asyncidentity [--quick] */

#include <gst/gst.h>
#include <stdlib.h>

#include "benchstats.h"

static gdouble
run_seconds (const gchar * desc)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  gdouble seconds;

  if (pipeline == NULL) {
    g_printerr ("%s: %s\n", desc, err->message);
    exit (1);
  }
  seconds = bench_play_seconds (pipeline, desc);
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

static void
bench_per_buffer (guint n, guint rounds)
{
  static const gchar *elements[] = {
    "queue ! queue", "identity", "asyncidentity n-workers=1",
    "asyncidentity", "asyncidentity n-workers=8",
  };
  gdouble ratios[G_N_ELEMENTS (elements)][16], queue[16];
  guint i, r;

  g_print ("(a) per-buffer cost in-process, %u buffers of 64 bytes, %u "
      "rounds\n", n, rounds);
  for (r = 0; r < rounds; r++) {
    queue[r] = buffers_per_second ("queue", n);
    for (i = 0; i < G_N_ELEMENTS (elements); i++)
      ratios[i][r] = buffers_per_second (elements[i], n) / queue[r];
  }
  g_print ("  queue: %.0f buffers/s (median)\n", median (queue, rounds));
  g_print ("  | element | rate / queue, median | spread |\n");
  g_print ("  |---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (elements); i++) {
    /* (median () sorts: lowest first, highest last) */
    gdouble med = median (ratios[i], rounds);

    g_print ("  | `%s` | %.2f | %.2f - %.2f |\n", elements[i], med,
        ratios[i][0], ratios[i][rounds - 1]);
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
  seq = buffers_per_second ("identity sleep-time=10000", frames_per_worker);
  g_print ("  | element | frames/s | rate / identity |\n");
  g_print ("  |---|---|---|\n");
  g_print ("  | `identity sleep-time=10000` | %.1f | 1.00 |\n", seq);
  for (i = 0; i < G_N_ELEMENTS (workers); i++) {
    gchar *element = g_strdup_printf ("asyncidentity work-mode=sleep "
        "work-time=10000 n-workers=%u", workers[i]);
    gdouble fps = buffers_per_second (element, frames_per_worker * workers[i]);

    g_print ("  | `asyncidentity n-workers=%u` | %.1f | %.2f (ideal %u) |\n",
        workers[i], fps, fps / seq, workers[i]);
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
      /* start-up taken off: the rate between a short run and a long one */
      gdouble t1 = n / buffers_per_second (element, n);
      gdouble t0 = n / 10 / buffers_per_second (element, n / 10);
      gdouble fps = (n - n / 10) / (t1 - t0);

      g_print ("  | %u (`%s`%s) | %.1f | %.1f %% |\n", w, settings[j],
          j == 0 ? ", no frame waiting" : ", default window", fps,
          fps * 100 / (w * 100.0));
      g_free (element);
      g_free (settings[j]);
    }
  }
}

static void
bench_busy (guint n)
{
  gdouble one, two;

  g_print ("(c) CPU-bound work, 5 ms of CPU a frame, %u frames\n", n);
  one = buffers_per_second ("asyncidentity work-mode=busy work-time=5000 "
      "n-workers=1", n);
  two = buffers_per_second ("asyncidentity work-mode=busy work-time=5000 "
      "n-workers=2", n);
  g_print ("  1 worker %.1f frames/s, 2 workers %.1f frames/s: %.2fx "
      "(ideal 2 on two cores)\n", one, two, two / one);
}

int
main (int argc, char **argv)
{
  gboolean quick = argc > 1 && g_str_equal (argv[1], "--quick");

  gst_init (&argc, &argv);
  bench_per_buffer (quick ? 20000 : 300000, quick ? 3 : 5);
  bench_sleep (quick ? 20 : 100);
  bench_busy (quick ? 40 : 200);
  return 0;
}
