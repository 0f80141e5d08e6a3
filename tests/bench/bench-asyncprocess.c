/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * bench-asyncprocess.c: what asyncprocess's C API costs per buffer, against
 * asyncidentity, as ratios to one queue measured in the same rounds.
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

/* Small buffers through `asyncprocess` with a cheap C function (it reads
 * the buffer's size and lets the frame through), through `asyncprocess`
 * with a function that leaves every frame pending and finishes it at once
 * from inside (the completion path), and through `asyncidentity`, each
 * with default properties, in rounds that run each of them and queue in
 * turn: each one's buffer rate over queue's in that round, median and
 * spread over the rounds.
 *
 *   bench-asyncprocess [--quick | --tiny] */

#include <gst/gst.h>
#include <gst/async/gstasyncprocess.h>
#include <stdlib.h>

#include "benchstats.h"

static GstFlowReturn
cheap (GstAsyncProcess * process, GstAsyncProcessFrame * frame, gpointer data)
{
  return gst_buffer_get_size (gst_async_process_frame_get_buffer (frame)) ?
      GST_FLOW_OK : GST_ASYNC_TRANSFORM_FLOW_DROPPED;
}

static GstFlowReturn
finish_at_once (GstAsyncProcess * process, GstAsyncProcessFrame * frame,
    gpointer data)
{
  gst_async_process_frame_finish (frame, GST_FLOW_OK);
  return GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

/* Buffers per second through @element; @func, if set, is given to the
 * asyncprocess named "p". */
static gdouble
buffers_per_second (const gchar * element, GstAsyncProcessFunction func,
    guint n)
{
  gchar *desc = g_strdup_printf ("fakesrc num-buffers=%u sizetype=fixed "
      "sizemax=64 filltype=nothing ! %s ! fakesink", n, element);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *p;
  gdouble seconds;

  if (pipeline == NULL) {
    g_printerr ("%s: cannot be built\n", desc);
    exit (1);
  }
  if (func) {
    p = gst_bin_get_by_name (GST_BIN (pipeline), "p");
    gst_async_process_set_function (GST_ASYNC_PROCESS (p), func, NULL, NULL);
    gst_object_unref (p);
  }
  seconds = bench_play_seconds (pipeline, desc);
  gst_object_unref (pipeline);
  g_free (desc);
  return n / seconds;
}

int
main (int argc, char **argv)
{
  static const struct
  {
    const gchar *name, *desc;
    GstAsyncProcessFunction func;
  } elements[] = {
    {"asyncidentity", "asyncidentity", NULL},
    {"asyncprocess, a cheap C function", "asyncprocess name=p", cheap},
    {"asyncprocess, pending, finished at once", "asyncprocess name=p",
        finish_at_once},
  };
  gint scale = bench_scale (argc, argv);
  guint n = bench_pick (scale, 2000, 20000, 300000);
  guint rounds = bench_pick (scale, 1, 3, 7), i, r;
  gdouble ratios[G_N_ELEMENTS (elements)][16], rates[G_N_ELEMENTS
      (elements)][16], queue[16];

  gst_init (&argc, &argv);
  g_print ("per-buffer cost in-process, %u buffers of 64 bytes, %u rounds\n",
      n, rounds);
  for (r = 0; r < rounds; r++) {
    queue[r] = buffers_per_second ("queue", NULL, n);
    for (i = 0; i < G_N_ELEMENTS (elements); i++) {
      rates[i][r] = buffers_per_second (elements[i].desc, elements[i].func, n);
      ratios[i][r] = rates[i][r] / queue[r];
    }
  }
  g_print ("  queue: %.0f buffers/s (median)\n", median (queue, rounds));
  g_print ("  | element | rate / queue, median | spread | buffers/s, "
      "median |\n");
  g_print ("  |---|---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (elements); i++) {
    /* (median () sorts: lowest first, highest last) */
    gdouble med = median (ratios[i], rounds);

    g_print ("  | %s | %.2f | %.2f - %.2f | %.0f |\n", elements[i].name, med,
        ratios[i][0], ratios[i][rounds - 1], median (rates[i], rounds));
    bench_result ("section=per-buffer-asyncprocess\tname=%s\tref=queue\t"
        "fps=%.0f\tref_fps=%.0f\tratio=%.3f\tmin=%.3f\tmax=%.3f\t"
        "frames=%u\trounds=%u", elements[i].name, median (rates[i], rounds),
        median (queue, rounds), med, ratios[i][0], ratios[i][rounds - 1], n,
        rounds);
  }
  return 0;
}
