/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncwindow.c: the window the work sizes, max-latency, stats messages
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

/* The engine is driven through asyncidentity in work-mode=pending, a
 * service that finishes frames on a timer and serves service-capacity of
 * them at once. Time is never asserted against the wall clock: only what
 * the element measured and decided (its stats), which a slow machine
 * changes little. How fast the window gets there is measured in
 * tests/bench. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "../asynccheck.h"

/* The time a frame spends at the service unloaded, in µs: longer under
 * valgrind, so that the element's own costs stay small beside it. */
static guint
service_us (void)
{
  return async_check_under_valgrind ()? 100000 : 20000;
}

static GstElement *
service_new (guint capacity)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);

  fail_unless (e != NULL);
  gst_util_set_object_arg (G_OBJECT (e), "work-mode", "pending");
  g_object_set (e, "n-workers", 1, "work-time", service_us (),
      "service-capacity", capacity, NULL);
  return e;
}

static GstHarness *
service_harness (GstElement * e)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");

  gst_harness_set_src_caps_str (h, "test/x");
  return h;
}

/* Pushes @n frames (upstream waits while the window is full). */
static void
push_many (GstHarness * h, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()),
        GST_FLOW_OK);
}

/* Waits until every frame pushed is done and out. */
static void
drain_all (GstHarness * h)
{
  fail_unless (async_check_drain (h->srcpad));
  while (gst_harness_buffers_in_queue (h) > 0)
    gst_buffer_unref (gst_harness_pull (h));
}

static void
push_through (GstHarness * h, guint n)
{
  push_many (h, n);
  drain_all (h);
}

/* The stats fields of the window, besides read_stats ()'s. */
typedef struct
{
  guint window;
  gchar *state;
  GstClockTime recent, unloaded, through_recent;
} WindowStats;

static WindowStats
read_window (GstElement * e)
{
  GstStructure *st = NULL;
  WindowStats w;

  read_stats (e);
  g_object_get (e, "stats", &st, NULL);
  fail_unless (gst_structure_get (st, "window", G_TYPE_UINT, &w.window,
          "window-state", G_TYPE_STRING, &w.state,
          "time-in-work-recent", G_TYPE_UINT64, &w.recent,
          "time-in-work-unloaded", G_TYPE_UINT64, &w.unloaded,
          "time-through-recent", G_TYPE_UINT64, &w.through_recent, NULL));
  gst_structure_free (st);
  return w;
}

/* Frames pushed @seconds long at the rate a service of @capacity gives
 * with 20 ms a frame: under valgrind, as many frames take five times
 * longer (the window learns once per round of frames, not per second). */
static guint
frames_for (gdouble seconds, guint capacity)
{
  return seconds * capacity * G_USEC_PER_SEC / 20000;
}

/* --- waiting work -------------------------------------------------------- */

/* Frames left pending by process () are waiting work: with one worker and
 * a service with no limit, the window grows far beyond twice the workers,
 * and the time in work stays what the service takes. */
GST_START_TEST (test_window_grows_for_waiting_work)
{
  GstElement *e = service_new (0);
  GstHarness *h = service_harness (e);
  WindowStats w;
  Stats st;

  push_through (h, frames_for (1.0, 64));
  w = read_window (e);
  st = read_stats (e);
  GST_INFO ("window %u (%s), in-flight-max %u", w.window, w.state,
      st.in_flight_max);
  /* (a loaded machine delays the service's timers, which reads as a
   * service that queues: far beyond the 2 of one worker, not 256) */
  fail_unless (w.window >= 8, "the window stayed at %u (%s)", w.window,
      w.state);
  fail_unless (st.in_flight_max >= 8);
  fail_if (g_str_equal (w.state, "workers")
      || g_str_equal (w.state, "cheap-work"), "%s", w.state);
  fail_unless (w.unloaded >= service_us () * GST_USECOND);
  fail_unless (w.recent >= w.unloaded);
  g_free (w.state);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* A service that serves 8 frames at once: the window settles a little
 * above that, where the frames hardly queue at the service, instead of
 * growing to the 256 of the previous test (frames there would take 32
 * times the service time). */
GST_START_TEST (test_window_settles_at_the_service_capacity)
{
  GstElement *e = service_new (8);
  GstHarness *h = service_harness (e);
  WindowStats w;

  /* (read while the frames flow: a stream that thins out is another
   * matter) */
  push_many (h, frames_for (2.0, 8));
  w = read_window (e);
  drain_all (h);
  GST_INFO ("window %u (%s), %" GST_TIME_FORMAT " in work, %" GST_TIME_FORMAT
      " unloaded", w.window, w.state, GST_TIME_ARGS (w.recent),
      GST_TIME_ARGS (w.unloaded));
  fail_if (g_str_equal (w.state, "workers"), "%s", w.state);
  /* (valgrind delays the service's timers at random, which reads as
   * queueing that comes and goes: there only the rule's being at work
   * is checked) */
  if (!async_check_under_valgrind ()) {
    fail_unless (w.window >= 8, "the window is %u (%s)", w.window, w.state);
    fail_unless (w.window <= 24, "the window is %u (%s)", w.window, w.state);
  }
  g_free (w.state);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* When the service gets busier (its capacity drops from 32 to 4 in the
 * middle of the stream), the window follows it down. */
GST_START_TEST (test_window_follows_a_busier_service)
{
  GstElement *e = service_new (32);
  GstHarness *h = service_harness (e);
  WindowStats before, after;

  push_many (h, frames_for (1.0, 32));
  before = read_window (e);
  g_object_set (e, "service-capacity", 4, NULL);
  push_many (h, frames_for (1.5, 4));
  after = read_window (e);
  drain_all (h);
  GST_INFO ("window %u (%s), then %u (%s)", before.window, before.state,
      after.window, after.state);
  /* (under valgrind, see above, only that it went down) */
  if (!async_check_under_valgrind ()) {
    fail_unless (before.window >= 32, "the window was %u (%s)",
        before.window, before.state);
    fail_unless (after.window <= 16, "the window is %u (%s)", after.window,
        after.state);
  }
  /* (read in a probe round, the window was half what it is: under
   * valgrind the first second of frames lasts five, and the period's probe
   * may fall in it) */
  if (g_str_equal (before.state, "probing"))
    before.window *= 2;
  fail_unless (after.window < before.window, "the window went from %u (%s) "
      "to %u (%s)", before.window, before.state, after.window, after.state);
  g_free (before.state);
  g_free (after.state);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* Work that holds a worker keeps twice the workers: more frames would
 * only wait longer for one. */
GST_START_TEST (test_work_that_holds_a_worker_keeps_twice_the_workers)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  WindowStats w;

  g_object_set (e, "n-workers", 2, "work-time", 2000, NULL);
  h = service_harness (e);
  push_through (h, async_check_scale (200));
  w = read_window (e);
  fail_unless_equals_int (w.window, 4);
  fail_unless_equals_string (w.state, "workers");
  g_free (w.state);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* --- max-latency --------------------------------------------------------- */

/* A service that serves one frame at a time, 16 frames inside: the last
 * would wait 16 service times. max-latency narrows the window until
 * frames are done within it, and the latency query reports no more. */
GST_START_TEST (test_max_latency_narrows_the_window)
{
  GstElement *e = service_new (1);
  GstHarness *h = service_harness (e);
  GstClockTime budget = 4 * service_us () * GST_USECOND;
  WindowStats w;

  g_object_set (e, "max-in-flight", 16, "max-latency", budget, NULL);
  gst_harness_set_upstream_latency (h, 0);
  /* (the budget halves the window every 8 frames at most) */
  push_through (h, 48);
  w = read_window (e);
  GST_INFO ("window %u (%s), %" GST_TIME_FORMAT " in work", w.window,
      w.state, GST_TIME_ARGS (w.recent));
  fail_unless (w.window < 8, "the window is %u (%s)", w.window, w.state);
  fail_unless_equals_string (w.state, "latency-budget");
  /* (the time in work holds the wait at the service: without the budget
   * it would be about 16 service times) */
  fail_unless (w.recent < budget, "frames took %" GST_TIME_FORMAT,
      GST_TIME_ARGS (w.recent));
  fail_unless (gst_harness_query_latency (h) <= budget);
  g_free (w.state);

  /* without the budget, the window is the setting again */
  g_object_set (e, "max-latency", (guint64) 0, NULL);
  w = read_window (e);
  fail_unless_equals_int (w.window, 16);
  fail_unless_equals_string (w.state, "fixed");
  g_free (w.state);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* A batch that would wait for 15 more frames at 30 fps (half a second,
 * with batch-timeout=NONE) waits no longer than the budget: the latency
 * query says at most the budget, and a lone frame comes out without more
 * frames behind it. */
GST_START_TEST (test_max_latency_bounds_the_batch_wait)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  GstClockTime latency;
  GstBuffer *buf;

  g_object_set (e, "n-workers", 1, "batch-size", 16, "batch-timeout",
      GST_CLOCK_TIME_NONE, "max-latency", 100 * GST_MSECOND, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=8,"
      "height=8,framerate=30/1");
  gst_harness_set_upstream_latency (h, 0);
  /* (the budget, less the time the work takes) */
  latency = gst_harness_query_latency (h);
  fail_unless (latency <= 100 * GST_MSECOND && latency > 90 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (latency));
  g_object_set (e, "max-latency", (guint64) 0, NULL);
  fail_unless_equals_uint64 (gst_harness_query_latency (h),
      15 * (GST_SECOND / 30));
  g_object_set (e, "max-latency", 100 * GST_MSECOND, NULL);

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_and_alloc (64)),
      GST_FLOW_OK);
  buf = gst_harness_pull (h);
  fail_unless (buf != NULL, "the frame waited for a full batch");
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* Work that takes longer than the budget even at the narrowest window
 * (2 x workers: a service of one frame at a time, each longer than the
 * budget) cannot meet it: a warning says so, once, and the latency
 * reported is what frames really take, not the budget. */
GST_START_TEST (test_work_over_the_budget_is_reported)
{
  GstElement *e = service_new (1);
  GstClockTime budget = service_us () * GST_USECOND / 2;
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *msg;
  WindowStats w;

  gst_element_set_bus (e, bus);
  g_object_set (e, "max-latency", budget, NULL);
  h = service_harness (e);
  gst_harness_set_upstream_latency (h, 0);
  /* (over budget takes 3 periods of 8 frames at the narrowest window) */
  push_through (h, 48);
  w = read_window (e);
  /* (one worker: never narrower than 2) */
  fail_unless_equals_int (w.window, 2);
  g_free (w.state);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning");
  gst_message_unref (msg);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL,
      "more than one warning");
  fail_unless (gst_harness_query_latency (h) > budget);
  gst_harness_teardown (h);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

/* --- stats-interval ------------------------------------------------------ */

static guint
count_stats_messages (GstBus * bus, GstElement * e)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);

    fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (e));
    fail_unless (gst_structure_has_name (st, "GstAsyncTransformStats"));
    fail_unless (gst_structure_has_field_typed (st, "window-state",
            G_TYPE_STRING));
    fail_unless (gst_structure_has_field_typed (st, "frames-out",
            G_TYPE_UINT64));
    gst_message_unref (msg);
    n++;
  }
  return n;
}

/* stats-interval posts the stats as element messages, from PAUSED on,
 * until it is set to 0 or the element stops. */
GST_START_TEST (test_stats_interval_posts_messages)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gint64 deadline;
  guint n = 0;

  gst_element_set_bus (e, bus);
  g_object_set (e, "stats-interval", 10 * GST_MSECOND, NULL);
  h = service_harness (e);
  push_through (h, 10);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (n < 3 && g_get_monotonic_time () < deadline) {
    g_usleep (10 * 1000);
    n += count_stats_messages (bus, e);
  }
  fail_unless (n >= 3, "%u stats messages", n);

  /* (a tick may be posting as it is set: it is taken off the bus too) */
  g_object_set (e, "stats-interval", (guint64) 0, NULL);
  g_usleep (20 * 1000);
  count_stats_messages (bus, e);
  g_usleep (100 * 1000);
  fail_unless_equals_int (count_stats_messages (bus, e), 0);

  /* the interval changes while running; a stop ends it */
  g_object_set (e, "stats-interval", 5 * GST_MSECOND, NULL);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (n = 0; n == 0 && g_get_monotonic_time () < deadline;) {
    g_usleep (10 * 1000);
    n += count_stats_messages (bus, e);
  }
  fail_unless (n > 0);
  gst_harness_teardown (h);
  count_stats_messages (bus, e);
  g_usleep (100 * 1000);
  fail_unless_equals_int (count_stats_messages (bus, e), 0);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

/* stats-interval changed over and over while the element goes between
 * READY and PAUSED (from another thread) leaves no timer running once
 * the element is down; below 1 ms it is 1 ms. */
static gpointer
toggle_states (gpointer data)
{
  GstElement *e = data;
  guint i;

  for (i = 0; i < 50; i++) {
    gst_element_set_state (e, GST_STATE_PAUSED);
    gst_element_set_state (e, GST_STATE_READY);
  }
  return NULL;
}

GST_START_TEST (test_stats_timer_survives_changes)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstBus *bus = gst_bus_new ();
  GThread *toggler;
  guint i, n;

  gst_element_set_bus (e, bus);
  toggler = g_thread_new ("toggle", toggle_states, e);
  for (i = 0; i < 500; i++)
    g_object_set (e, "stats-interval", (guint64) (i % 3) * GST_MSECOND +
        GST_MSECOND, NULL);
  g_thread_join (toggler);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  /* (a tick may have been on its way as the element went down) */
  g_usleep (20 * 1000);
  count_stats_messages (bus, e);
  g_usleep (100 * 1000);
  fail_unless_equals_int (count_stats_messages (bus, e), 0);

  /* 1 ns is 1 ms: about 100 messages in 100 ms, not millions */
  g_object_set (e, "stats-interval", (guint64) 1, NULL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_SUCCESS);
  g_usleep (100 * 1000);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  n = count_stats_messages (bus, e);
  fail_unless (n > 0 && n < 400, "%u messages", n);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
asyncwindow_suite (void)
{
  Suite *s = suite_create ("asyncwindow");
  TCase *tc;

  tc = tcase_create ("waiting work");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_window_grows_for_waiting_work);
  tcase_add_test (tc, test_window_settles_at_the_service_capacity);
  tcase_add_test (tc, test_window_follows_a_busier_service);
  tcase_add_test (tc, test_work_that_holds_a_worker_keeps_twice_the_workers);

  tc = tcase_create ("max-latency");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_max_latency_narrows_the_window);
  tcase_add_test (tc, test_max_latency_bounds_the_batch_wait);
  tcase_add_test (tc, test_work_over_the_budget_is_reported);

  tc = tcase_create ("stats-interval");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_stats_interval_posts_messages);
  tcase_add_test (tc, test_stats_timer_survives_changes);

  return s;
}

GST_CHECK_MAIN (asyncwindow);
