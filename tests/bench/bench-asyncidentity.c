/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * bench-asyncidentity.c: throughput and per-buffer overhead of
 * asyncidentity, as ratios against stock elements in the same run.
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

/* (a) Sleep-bound work: frames/s of asyncidentity work-mode=sleep
 *     work-time=10000 with 1, 2, 4 and 8 workers, as a ratio to the
 *     sequential stock element doing the same work (identity
 *     sleep-time=10000).
 * (b) Per-buffer overhead: small buffers through asyncidentity work-time=0,
 *     identity, queue and queue ! queue, minus the cost of the same
 *     pipeline without the element. Wall time and CPU time (all threads),
 *     best of several interleaved runs. */

#include <gst/gst.h>
#include <stdlib.h>
#include <sys/resource.h>

typedef struct
{
  gdouble wall_s;
  gdouble cpu_s;
} Run;

static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static Run
run_once (const gchar * desc)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstBus *bus;
  GstMessage *msg;
  gint64 start;
  gdouble cpu;
  Run run;

  if (pipeline == NULL) {
    g_printerr ("%s: %s\n", desc, err->message);
    exit (1);
  }
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE);

  cpu = cpu_seconds ();
  start = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  run.wall_s = (g_get_monotonic_time () - start) / 1e6;
  run.cpu_s = cpu_seconds () - cpu;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_printerr ("%s: error\n", desc);
    exit (1);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return run;
}

static void
bench_sleep_scaling (void)
{
  static const guint workers[] = { 1, 2, 4, 8 };
  const guint frames_per_worker = 100;
  gchar *desc;
  gdouble seq_fps;
  guint i;
  Run r;

  g_print ("(a) sleep-bound work, 10 ms per frame\n");
  desc = g_strdup_printf ("videotestsrc num-buffers=%u pattern=black ! "
      "video/x-raw,width=64,height=48 ! identity sleep-time=10000 ! "
      "fakesink", frames_per_worker);
  r = run_once (desc);
  seq_fps = frames_per_worker / r.wall_s;
  g_print ("  %-42s %8.1f frames/s  1.00x\n", "identity sleep-time=10000",
      seq_fps);
  g_free (desc);

  for (i = 0; i < G_N_ELEMENTS (workers); i++) {
    guint n = frames_per_worker * workers[i];
    gchar *label = g_strdup_printf ("asyncidentity n-workers=%u", workers[i]);
    gdouble fps;

    desc = g_strdup_printf ("videotestsrc num-buffers=%u pattern=black ! "
        "video/x-raw,width=64,height=48 ! asyncidentity work-mode=sleep "
        "work-time=10000 n-workers=%u ! fakesink", n, workers[i]);
    r = run_once (desc);
    fps = n / r.wall_s;
    g_print ("  %-42s %8.1f frames/s  %.2fx (ideal %ux)\n", label, fps,
        fps / seq_fps, workers[i]);
    g_free (label);
    g_free (desc);
  }
}

static void
bench_overhead (guint n)
{
  static const gchar *elements[] = {
    NULL /* the pipeline without an element in the middle */ ,
    "asyncidentity", "identity", "queue", "queue ! queue",
  };
  const guint repeats = 7;
  Run best[G_N_ELEMENTS (elements)];
  guint i, r;

  g_print ("(b) per-buffer overhead, %u buffers of 64 bytes, best of %u "
      "interleaved runs\n", n, repeats);
  for (i = 0; i < G_N_ELEMENTS (elements); i++)
    best[i].wall_s = best[i].cpu_s = G_MAXDOUBLE;

  /* One run of each element in turn, repeated: a slow moment of the
   * machine hits all of them alike rather than one. */
  for (r = 0; r < repeats; r++) {
    for (i = 0; i < G_N_ELEMENTS (elements); i++) {
      gchar *desc = g_strdup_printf ("fakesrc num-buffers=%u sizetype=fixed "
          "sizemax=64 filltype=nothing ! %s%s fakesink", n,
          elements[i] ? elements[i] : "", elements[i] ? " !" : "");
      Run run = run_once (desc);

      best[i].wall_s = MIN (best[i].wall_s, run.wall_s);
      best[i].cpu_s = MIN (best[i].cpu_s, run.cpu_s);
      g_free (desc);
    }
  }

  g_print ("  %-42s %8s %10s\n", "element", "wall ns", "cpu ns");
  for (i = 1; i < G_N_ELEMENTS (elements); i++)
    g_print ("  %-42s %8.0f %10.0f\n", elements[i],
        (best[i].wall_s - best[0].wall_s) * 1e9 / n,
        (best[i].cpu_s - best[0].cpu_s) * 1e9 / n);
}

int
main (int argc, char **argv)
{
  gboolean quick = argc > 1 && g_str_equal (argv[1], "--quick");

  gst_init (&argc, &argv);
  bench_sleep_scaling ();
  bench_overhead (quick ? 20000 : 200000);
  return 0;
}
