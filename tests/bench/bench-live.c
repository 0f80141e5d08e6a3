/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * bench-live.c: late and dropped frames in a live pipeline
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

/* A live 30 fps source, 40 ms of simulated work per frame, and a sink that
 * syncs to the clock and sends QoS like a video sink (max-lateness 20 ms).
 * For the stock identity sleep-time=40000 (sequential) and for
 * asyncidentity with 1 worker (with and without qos) and 4 workers, prints the frames rendered, rendered
 * late, dropped by the sink (more than 20 ms late) and dropped by the
 * element's QoS before any work, the worst lateness, and the pipeline's
 * latency at the end.
 *
 * Usage: bench-live [--quick | --tiny]   (GST_PLUGIN_PATH=build/gst/async) */

#include <gst/gst.h>

#include "benchstats.h"

typedef struct
{
  gint late;                    /* QoS events with positive jitter */
  gint64 worst;                 /* the largest jitter, ns */
} Lateness;

/* The sink reports every frame it renders (or drops) in a QoS event. */
static GstPadProbeReturn
count_late (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  Lateness *lateness = data;

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS) {
    GstClockTimeDiff jitter;

    gst_event_parse_qos (event, NULL, NULL, &jitter, NULL);
    if (jitter > 0)
      g_atomic_int_inc (&lateness->late);
    if (jitter > lateness->worst)
      lateness->worst = jitter;
  }
  return GST_PAD_PROBE_OK;
}

static void
run (const gchar * label, const gchar * work, guint frames)
{
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true num-buffers=%u "
      "! video/x-raw,width=320,height=240,framerate=30/1 ! %s name=work "
      "! fakesink name=sink sync=true qos=true max-lateness=20000000",
      frames, work);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstElement *element = gst_bin_get_by_name (GST_BIN (pipeline), "work");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  Lateness lateness = { 0, 0 };
  guint64 rendered = 0, sink_dropped = 0, qos_dropped = 0;
  GstClockTime latency = GST_CLOCK_TIME_NONE;
  GstStructure *stats;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, count_late,
      &lateness, NULL);
  bench_play_live (pipeline, desc);

  g_object_get (sink, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "rendered", &rendered);
  gst_structure_get_uint64 (stats, "dropped", &sink_dropped);
  gst_structure_free (stats);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), "stats")) {
    g_object_get (element, "stats", &stats, NULL);
    gst_structure_get_uint64 (stats, "dropped-qos", &qos_dropped);
    gst_structure_free (stats);
  }
  {
    GstQuery *query = gst_query_new_latency ();

    if (gst_element_query (pipeline, query))
      gst_query_parse_latency (query, NULL, &latency, NULL);
    gst_query_unref (query);
  }

  g_print ("%-32s %6u %8" G_GUINT64_FORMAT " %6d %8" G_GUINT64_FORMAT " %8"
      G_GUINT64_FORMAT " %9.1f %9.1f\n", label, frames, rendered,
      lateness.late, sink_dropped, qos_dropped, lateness.worst / 1e6,
      GST_CLOCK_TIME_IS_VALID (latency) ? latency / 1e6 : 0.0);
  bench_result ("section=live\tname=%s\telement=%s\tframes=%u\t"
      "rendered=%" G_GUINT64_FORMAT "\tlate=%d\tsink_dropped=%"
      G_GUINT64_FORMAT "\tqos_dropped=%" G_GUINT64_FORMAT "\tworst_ms=%.1f\t"
      "latency_ms=%.1f", label, work, frames, rendered, lateness.late,
      sink_dropped, qos_dropped, lateness.worst / 1e6,
      GST_CLOCK_TIME_IS_VALID (latency) ? latency / 1e6 : 0.0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (element);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
}

int
main (int argc, char **argv)
{
  guint frames = bench_pick (bench_scale (argc, argv), 15, 90, 300);

  gst_init (&argc, &argv);
  g_print ("live 30 fps, 40 ms of work per frame, sink max-lateness 20 ms\n");
  g_print ("%-32s %6s %8s %6s %8s %8s %9s %9s\n", "element", "frames",
      "rendered", "late", "sink-drop", "qos-drop", "worst-ms", "latency-ms");
  run ("identity (sequential)", "identity sleep-time=40000", frames);
  run ("asyncidentity 1 worker", "asyncidentity work-time=40000 n-workers=1",
      frames);
  run ("asyncidentity 1 worker, no qos",
      "asyncidentity work-time=40000 n-workers=1 qos=false", frames);
  run ("asyncidentity 4 workers", "asyncidentity work-time=40000 n-workers=4",
      frames);
  return 0;
}
