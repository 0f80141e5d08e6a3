/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncidentity.c: tests of the asyncidentity element
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

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>
#include <time.h>

#include "../asynccheck.h"

/* Runs @desc to its end; returns the error message's GError, if any, and
 * the number of buffers the sink named "sink" rendered. */
static GError *
run_pipeline (const gchar * desc, guint64 * rendered)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *sink;
  GstMessage *msg;
  GstBus *bus;

  fail_unless (pipeline != NULL, "%s: %s", desc, err ? err->message : "");
  bus = gst_element_get_bus (pipeline);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "%s: no EOS or error within 60 s", desc);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, NULL);
  gst_message_unref (msg);

  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (rendered) {
    GstStructure *stats;

    fail_unless (sink != NULL);
    g_object_get (sink, "stats", &stats, NULL);
    gst_structure_get_uint64 (stats, "rendered", rendered);
    gst_structure_free (stats);
  }
  gst_clear_object (&sink);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return err;
}

/* The launch line of the element's documentation works as written. */
GST_START_TEST (test_doc_launch_line)
{
  guint64 rendered = 0;
  GError *err = run_pipeline ("videotestsrc num-buffers=100 ! "
      "asyncidentity work-time=40000 n-workers=4 ! fakesink name=sink",
      &rendered);

  fail_unless (err == NULL);
  fail_unless_equals_uint64 (rendered, 100);
}

GST_END_TEST;

/* Any caps, not only video; and a downstream that returns EOS early ends
 * the stream as it does with identity or queue, whatever the work costs. */
static const gchar *ending_pipelines[] = {
  "audiotestsrc num-buffers=20 ! asyncidentity ! fakesink name=sink",
  "filesrc location=" SRCDIR "/COPYING blocksize=512 ! asyncidentity ! "
      "fakesink name=sink",
  "videotestsrc ! asyncidentity ! fakesink name=sink num-buffers=10",
  "videotestsrc ! asyncidentity n-workers=3 work-time=2000 "
      "work-jitter=3000 ordered=false ! identity eos-after=10 ! "
      "fakesink name=sink",
};

static const guint64 ending_rendered[] = { 20, 0, 10, 9 };

GST_START_TEST (test_pipelines_end)
{
  guint64 rendered = 0;
  GError *err = run_pipeline (ending_pipelines[__i__], &rendered);

  fail_unless (err == NULL, "%s: %s", ending_pipelines[__i__],
      err ? err->message : "");
  if (ending_rendered[__i__] > 0) {
    fail_unless_equals_uint64 (rendered, ending_rendered[__i__]);
  } else {
    fail_unless (rendered > 10);
  }
}

GST_END_TEST;

/* error-after=N: frames 0..N-1 pass, frame N fails: the element posts a
 * STREAM error naming itself and upstream gets GST_FLOW_ERROR. In order
 * mode every frame before the failing one leaves, and none after it. */
GST_START_TEST (test_error_after)
{
  gboolean ordered = __i__ == 0;
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *msg;
  GError *err = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  guint i;

  g_object_set (e, "n-workers", 3, "max-in-flight", 30, "ordered", ordered,
      "work-jitter", 2000, "error-after", (guint64) 10, NULL);
  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  for (i = 0; i < 20 && ret == GST_FLOW_OK; i++) {
    GstBuffer *buf = gst_buffer_new ();

    GST_BUFFER_OFFSET (buf) = i;
    ret = gst_harness_push (h, buf);
  }
  fail_if (async_check_drain (h->srcpad));
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()),
      GST_FLOW_ERROR);

  if (ordered) {
    for (i = 0; i < 10; i++) {
      GstBuffer *buf = gst_harness_pull (h);
      fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
      gst_buffer_unref (buf);
    }
    fail_unless (gst_harness_try_pull (h) == NULL);
  }

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (e));
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FAILED), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  /* one error, not one per worker */
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);

  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* CPU time of the whole process, in µs. */
static gint64
cpu_time_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* busy mode computes for work-time on every frame and passes it through. */
GST_START_TEST (test_busy_mode)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  GstBuffer *in, *out;
  gint64 start, cpu;

  g_object_set (e, "n-workers", 1, "work-mode", 1, "work-time", 20000, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  in = gst_buffer_new_wrapped (g_strdup ("payload"), 8);
  start = g_get_monotonic_time ();
  cpu = cpu_time_us ();
  gst_harness_push (h, gst_buffer_ref (in));
  out = gst_harness_pull (h);
  fail_unless (g_get_monotonic_time () - start >= 20000);
  /* busy, not asleep: the process spent (most of) the time on a CPU */
  fail_unless (cpu_time_us () - cpu >= 15000, "%" G_GINT64_FORMAT " us",
      cpu_time_us () - cpu);
  /* the very same buffer: no copy */
  fail_unless (out == in);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* Values outside a property's range are refused by its GParamSpec and the
 * property keeps its value. */
GST_START_TEST (test_properties_out_of_range)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  guint workers, max, work_time;
  gint64 latency;

  g_object_set (e, "n-workers", 3, "max-in-flight", 5, "work-time", 100,
      "latency", (gint64) 7, NULL);
  ASSERT_WARNING (g_object_set (e, "n-workers", 100000, NULL));
  ASSERT_WARNING (g_object_set (e, "max-in-flight", 1000000, NULL));
  ASSERT_WARNING (g_object_set (e, "work-time", 20 * G_USEC_PER_SEC, NULL));
  ASSERT_WARNING (g_object_set (e, "latency", (gint64) - 2, NULL));
  ASSERT_WARNING (g_object_set (e, "work-mode", 7, NULL));
  g_object_get (e, "n-workers", &workers, "max-in-flight", &max,
      "work-time", &work_time, "latency", &latency, NULL);
  fail_unless_equals_int (workers, 3);
  fail_unless_equals_int (max, 5);
  fail_unless_equals_int (work_time, 100);
  fail_unless_equals_int64 (latency, 7);
  gst_object_unref (e);
}

GST_END_TEST;

/* gst-inspect-1.0 shows every property with its unit and default. */
GST_START_TEST (test_inspect)
{
  gchar *argv[] = { (gchar *) "gst-inspect-1.0", (gchar *) "asyncidentity",
    NULL
  };
  const gchar *expected[] = {
    "n-workers", "one per CPU core", "max-in-flight", "in frames",
    "ordered", "latency", "in nanoseconds", "work-time", "in microseconds",
    "work-jitter", "work-mode", "sleep", "busy", "error-after", "leaky",
    "upstream", "downstream", "stats", "frames in flight",
  };
  gchar *out = NULL, *err = NULL;
  gint status = -1;
  guint i;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, &err, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s", err);
  for (i = 0; i < G_N_ELEMENTS (expected); i++)
    fail_unless (strstr (out, expected[i]) != NULL, "'%s' missing:\n%s",
        expected[i], out);
  /* one "Default:" per property: 5 of the base class, 4 of the element,
   * and name */
  {
    guint defaults = 0;
    const gchar *p = out;

    while ((p = strstr (p, "Default:"))) {
      defaults++;
      p++;
    }
    fail_unless (defaults >= 10, "%u defaults in:\n%s", defaults, out);
  }
  g_free (out);
  g_free (err);
}

GST_END_TEST;

static Suite *
asyncidentity_suite (void)
{
  Suite *s = suite_create ("asyncidentity");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_doc_launch_line);
  tcase_add_loop_test (tc, test_pipelines_end, 0,
      G_N_ELEMENTS (ending_pipelines));
  tcase_add_loop_test (tc, test_error_after, 0, 2);
  tcase_add_test (tc, test_busy_mode);
  tcase_add_test (tc, test_properties_out_of_range);
  tcase_add_test (tc, test_inspect);
  return s;
}

GST_CHECK_MAIN (asyncidentity);
