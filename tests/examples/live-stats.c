/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * live-stats.c: a live pipeline with asyncidentity, its stats every second
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

/* Runs a live 30 fps source through asyncidentity (40 ms of work per
 * frame, on 4 workers) into a clock-synced sink that sends QoS, prints the
 * element's stats structure every second, and stops cleanly on Ctrl-C (or
 * after the number of seconds given).
 *
 * Usage: live-stats [SECONDS]
 * Needs GST_PLUGIN_PATH to find the async plugin (build/gst/async). */

#include <gst/gst.h>
#include <glib-unix.h>
#include <signal.h>

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *work;
} App;

static gboolean
print_stats (gpointer data)
{
  App *app = data;
  GstStructure *stats = NULL;
  gchar *text;

  g_object_get (app->work, "stats", &stats, NULL);
  text = gst_structure_to_string (stats);
  g_print ("%s\n", text);
  g_free (text);
  gst_structure_free (stats);
  return G_SOURCE_CONTINUE;
}

static gboolean
quit (gpointer data)
{
  App *app = data;

  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  App *app = data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      g_printerr ("error: %s\n", err->message);
      g_error_free (err);
      g_main_loop_quit (app->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_LATENCY:
      /* The element measured more latency than it reported: every live
       * application lets the pipeline ask again, as gst-launch-1.0 does. */
      gst_bin_recalculate_latency (GST_BIN (app->pipeline));
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  guint seconds = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 0;
  GError *err = NULL;
  GstBus *bus;
  App app;

  gst_init (&argc, &argv);
  app.pipeline = gst_parse_launch ("videotestsrc is-live=true ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! "
      "asyncidentity name=work work-time=40000 n-workers=4 ! "
      "fakesink sync=true qos=true", &err);
  if (app.pipeline == NULL) {
    g_printerr ("%s (is GST_PLUGIN_PATH set to build/gst/async?)\n",
        err->message);
    g_error_free (err);
    return 1;
  }
  app.work = gst_bin_get_by_name (GST_BIN (app.pipeline), "work");
  app.loop = g_main_loop_new (NULL, FALSE);

  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_message, &app);
  g_unix_signal_add (SIGINT, quit, &app);
  g_timeout_add_seconds (1, print_stats, &app);
  if (seconds > 0)
    g_timeout_add_seconds (seconds, quit, &app);

  gst_element_set_state (app.pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);

  /* the last word, then a clean stop */
  print_stats (&app);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.work);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  return 0;
}
