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

/* An empty buffer with offset @offset (the tests follow frames by it). */
static GstBuffer *
numbered_buffer (guint64 offset)
{
  GstBuffer *buf = gst_buffer_new ();

  GST_BUFFER_OFFSET (buf) = offset;
  return buf;
}

/* Pushes buffers @from to @from + @n - 1, each accepted. */
static void
push_numbered (GstHarness * h, guint64 from, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push (h, numbered_buffer (from + i)),
        GST_FLOW_OK);
}

/* Pulls @n buffers, which must be @from to @from + @n - 1 in order. */
static void
pull_numbered (GstHarness * h, guint64 from, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), from + i);
    gst_buffer_unref (buf);
  }
}

/* The launch lines of the element's documentation work as written. */
static const gchar *doc_launch_lines[] = {
  "videotestsrc num-buffers=100 ! asyncidentity work-time=40000 n-workers=4 "
      "! fakesink name=sink",
  "videotestsrc num-buffers=100 ! asyncidentity work-mode=pending "
      "work-time=40000 n-workers=1 max-in-flight=8 ! fakesink name=sink",
  "videotestsrc num-buffers=100 ! asyncidentity work-mode=pending "
      "work-time=40000 service-capacity=2 max-in-flight=8 ! "
      "fakesink name=sink",
  "videotestsrc num-buffers=100 ! asyncidentity call-time=5000 "
      "work-time=250 n-workers=1 batch-size=16 ! fakesink name=sink",
};

GST_START_TEST (test_doc_launch_line)
{
  guint64 rendered = 0;
  GError *err = run_pipeline (doc_launch_lines[__i__], &rendered);

  fail_unless (err == NULL);
  fail_unless_equals_uint64 (rendered, 100);
}

GST_END_TEST;

/* Any caps, not only video; and a downstream that returns EOS early ends
 * the stream as it does with identity or queue, whatever the work costs;
 * so does the element's own eos-after. */
static const gchar *ending_pipelines[] = {
  "audiotestsrc num-buffers=20 ! asyncidentity ! fakesink name=sink",
  "filesrc location=" SRCDIR "/COPYING blocksize=512 ! asyncidentity ! "
      "fakesink name=sink",
  "videotestsrc ! asyncidentity ! fakesink name=sink num-buffers=10",
  "videotestsrc ! asyncidentity n-workers=3 work-time=2000 "
      "work-jitter=3000 ordered=false ! identity eos-after=10 ! "
      "fakesink name=sink",
  "videotestsrc ! asyncidentity n-workers=4 work-jitter=3000 eos-after=10 ! "
      "fakesink name=sink",
};

static const guint64 ending_rendered[] = { 20, 0, 10, 9, 10 };

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
      "work-jitter", 2000, "error-after", 10, NULL);
  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  for (i = 0; i < 20 && ret == GST_FLOW_OK; i++)
    ret = gst_harness_push (h, numbered_buffer (i));
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

/* busy mode spends work-time of CPU on every frame, not of wall time: 8
 * workers on this machine's cores do 20 frames of 10 ms no faster than
 * the cores allow. The very buffer is passed through. */
GST_START_TEST (test_busy_mode)
{
  const guint n = 20, work_us = 10000, cores = g_get_num_processors ();
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  GstBuffer *in, *out;
  gint64 start, cpu, wall;
  guint i;

  g_object_set (e, "n-workers", 8, "max-in-flight", n, "work-mode", 1,
      "work-time", work_us, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  in = gst_buffer_new_wrapped (g_strdup ("payload"), 8);
  start = g_get_monotonic_time ();
  cpu = cpu_time_us ();
  for (i = 0; i < n; i++)
    gst_harness_push (h, gst_buffer_ref (in));
  for (i = 0; i < n; i++) {
    out = gst_harness_pull (h);
    fail_unless (out == in);
    gst_buffer_unref (out);
  }
  cpu = cpu_time_us () - cpu;
  wall = g_get_monotonic_time () - start;
  GST_INFO ("%u frames of %u us CPU: %" G_GINT64_FORMAT " us CPU, %"
      G_GINT64_FORMAT " us wall on %u cores", n, work_us, cpu, wall, cores);
  fail_unless (cpu >= n * work_us, "%" G_GINT64_FORMAT " us CPU", cpu);
  fail_unless (wall * cores >= n * work_us, "%" G_GINT64_FORMAT " us wall",
      wall);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* With default settings, every buffer leaves as the very buffer that came
 * in, 1080p-sized ones included: asyncidentity never copies. */
GST_START_TEST (test_no_copy)
{
  const gsize size = 1920 * 1080 * 3 / 2;
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");
  GstBuffer *in[8];
  guint i;

  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=1920,"
      "height=1080,framerate=30/1");
  for (i = 0; i < G_N_ELEMENTS (in); i++) {
    in[i] = gst_buffer_new_allocate (NULL, size, NULL);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in[i])),
        GST_FLOW_OK);
  }
  for (i = 0; i < G_N_ELEMENTS (in); i++) {
    GstBuffer *out = gst_harness_pull (h);

    fail_unless (out == in[i], "buffer %u was replaced", i);
    gst_buffer_unref (out);
    gst_buffer_unref (in[i]);
  }
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* A flushing seek, or a state change to NULL, during a frame of 10 s of
 * sleep returns in well under that: the element interrupts its work.
 * __i__: the work mode. */
GST_START_TEST (test_unlock_interrupts_work)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  GstSegment seg;
  gint64 start;
  Stats stats;

  g_object_set (e, "n-workers", 1, "work-mode", __i__, "work-time",
      10 * G_USEC_PER_SEC, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  gst_harness_push (h, gst_buffer_new ());
  /* (the frame is surely inside process () by then; were it not, the flush
   * would be quick anyway) */
  g_usleep (100 * 1000);
  start = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);

  /* the next frame is not held up either */
  g_object_set (e, "work-time", 0, NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  gst_harness_push (h, gst_buffer_new ());
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
  /* the frame cut short is in no statistic: it says nothing of the work */
  stats = read_stats (e);
  fail_unless_equals_uint64 (stats.processed, 1);
  fail_unless (stats.process_max < 50 * GST_MSECOND);

  g_object_set (e, "work-time", 10 * G_USEC_PER_SEC, NULL);
  gst_harness_push (h, gst_buffer_new ());
  g_usleep (100 * 1000);
  start = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* work-mode=pending holds no worker while a frame's work time runs: with
 * one worker, eight frames of 1 s each are at work side by side, so the
 * last leaves about 1 s after it came in, not 8 s (one after the other).
 * A flush finishes the frames still pending as flushed, at once. */
GST_START_TEST (test_pending_holds_no_worker)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  Stats stats;
  gint64 start;
  guint i;

  gst_util_set_object_arg (G_OBJECT (e), "work-mode", "pending");
  g_object_set (e, "n-workers", 1, "max-in-flight", 8, "work-time",
      G_USEC_PER_SEC, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  push_numbered (h, 0, 8);
  pull_numbered (h, 0, 8);
  /* (the frames are counted once their push returned: a drain waits) */
  fail_unless (async_check_drain (h->srcpad));
  stats = read_stats (e);
  fail_unless (stats.through_max >= GST_SECOND);
  fail_unless (stats.through_max < 4 * GST_SECOND,
      "frames of 1 s took %" GST_TIME_FORMAT " through one worker",
      GST_TIME_ARGS (stats.through_max));

  g_object_set (e, "work-time", 10 * G_USEC_PER_SEC, NULL);
  for (i = 0; i < 8; i++)
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()),
        GST_FLOW_OK);
  start = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
  stats = read_stats (e);
  fail_unless_equals_uint64 (stats.out, 8);
  fail_unless_equals_uint64 (stats.other, 8);
  fail_unless_equals_int (stats.in_flight, 0);
  fail_unless (gst_harness_try_pull (h) == NULL);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* call-time is paid once per call: with one worker, 8 frames of 200 ms
 * per call take about 1.6 s one per call, and in batches of 8 about
 * 0.4 s (frame 0 alone, then the 7 that waited behind it), in order. In
 * pending mode a batch's frames are at work together too, holding no
 * worker. */
GST_START_TEST (test_call_time_per_batch)
{
  const gchar *modes[] = { "sleep", "pending" };
  guint m;

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
    GstHarness *h;
    gint64 start, took;
    guint64 calls;

    gst_util_set_object_arg (G_OBJECT (e), "work-mode", modes[m]);
    g_object_set (e, "n-workers", 1, "max-in-flight", 16, "call-time",
        200000, "work-time", 0, "batch-size", 8, NULL);
    /* (pending frames would each go alone without a wait: let them
     * gather for their batch) */
    if (m == 1)
      g_object_set (e, "batch-timeout", (guint64) 50 * GST_MSECOND, NULL);
    h = gst_harness_new_with_element (e, "sink", "src");
    gst_harness_set_src_caps_str (h, "test/x");
    start = g_get_monotonic_time ();
    push_numbered (h, 0, 8);
    pull_numbered (h, 0, 8);
    took = g_get_monotonic_time () - start;
    fail_unless (took >= 200000, "%s: %" G_GINT64_FORMAT " µs", modes[m],
        took);
    /* the frames went in batches, not one per call (which would take
     * 1.6 s): a wall-clock bound would fail on a loaded machine */
    fail_unless (async_check_drain (h->srcpad));
    calls = read_stats (e).calls;
    fail_unless (calls < 8, "%s: %" G_GUINT64_FORMAT " calls", modes[m], calls);
    gst_harness_teardown (h);
    gst_object_unref (e);
  }
}

GST_END_TEST;

/* Two live 30 fps streams into two elements of one worker group, batches
 * of 2 with a 20 ms timeout: the calls hold a frame of each stream (the
 * element whose timer runs out first takes the other's frame along), and
 * the latency reported counts the wait. (How long frames wait is
 * measured in tests/bench, not here.) */
static GstClockTime
read_latency (GstElement * e)
{
  GstStructure *st;
  guint64 latency = 0;

  g_object_get (e, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, "latency", &latency));
  gst_structure_free (st);
  return latency;
}

#define LIVE_BRANCH(name) "videotestsrc is-live=true num-buffers=30 ! " \
    "video/x-raw,width=64,height=48,framerate=30/1 ! asyncidentity " \
    "name=" name " worker-group=asyncidentity-live batch-size=2 " \
    "batch-timeout=20000000 call-time=5000 work-time=250 ! " \
    "fakesink sync=true "

GST_START_TEST (test_live_streams_batched_together)
{
  const gchar *desc = LIVE_BRANCH ("a") LIVE_BRANCH ("b");
  const gchar *names[] = { "a", "b" };
  GstElement *pipeline, *e;
  GstMessage *msg;
  GstBus *bus;
  guint i;

  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  for (i = 0; i < 2; i++) {
    Stats st;

    e = gst_bin_get_by_name (GST_BIN (pipeline), names[i]);
    st = read_stats (e);
    fail_unless_equals_uint64 (st.out, 30);
    /* (most, not all: on a loaded machine a late wake-up lets a frame go
     * alone now and then; without batches across elements, none is) */
    fail_unless (st.calls_shared * 2 >= st.calls,
        "%s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " calls shared",
        names[i], st.calls_shared, st.calls);
    /* the latency reported counts the wait for the other stream's frame */
    fail_unless (read_latency (e) >= 20 * GST_MSECOND);
    gst_object_unref (e);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* In a worker group, a batch of one element may hold frames of another:
 * each frame goes by its own element's settings. Here a's error-after
 * fails a's frame 1 only, with a's error, whichever element's call holds
 * it, and b's frames all pass. */
GST_START_TEST (test_batch_across_own_settings)
{
  GstElement *x = gst_element_factory_make ("asyncidentity", NULL);
  GstElement *a = gst_element_factory_make ("asyncidentity", "a");
  GstElement *b = gst_element_factory_make ("asyncidentity", "b");
  GstHarness *hx, *ha, *hb;
  GstBus *bus_a = gst_bus_new (), *bus_b = gst_bus_new ();
  GstMessage *msg;

  g_object_set (x, "worker-group", "asyncidentity-own", "n-workers", 1,
      "work-time", 300000, NULL);
  g_object_set (a, "worker-group", "asyncidentity-own", "n-workers", 1,
      "batch-size", 4, "error-after", 1, NULL);
  g_object_set (b, "worker-group", "asyncidentity-own", "n-workers", 1,
      "batch-size", 4, NULL);
  /* (x's work takes the one worker while a and b get frames) */
  g_object_set (x, "batch-size", 1, NULL);
  gst_element_set_bus (a, bus_a);
  gst_element_set_bus (b, bus_b);
  hx = gst_harness_new_with_element (x, "sink", "src");
  ha = gst_harness_new_with_element (a, "sink", "src");
  hb = gst_harness_new_with_element (b, "sink", "src");
  gst_harness_set_src_caps_str (hx, "test/x");
  gst_harness_set_src_caps_str (ha, "test/x");
  gst_harness_set_src_caps_str (hb, "test/x");
  fail_unless_equals_int (gst_harness_push (hx, gst_buffer_new ()),
      GST_FLOW_OK);
  push_numbered (ha, 0, 3);
  push_numbered (hb, 100, 3);
  fail_unless (async_check_drain (hb->srcpad));
  pull_numbered (hb, 100, 3);
  fail_unless (gst_bus_pop_filtered (bus_b, GST_MESSAGE_ERROR) == NULL);
  msg = gst_bus_timed_pop_filtered (bus_a, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (a));
  gst_message_unref (msg);
  /* a's frame 0 left before its error */
  pull_numbered (ha, 0, 1);
  fail_unless (read_stats (b).calls_shared + read_stats (a).calls_shared > 0,
      "no call was shared");

  gst_element_set_bus (a, NULL);
  gst_element_set_bus (b, NULL);
  gst_object_unref (bus_a);
  gst_object_unref (bus_b);
  gst_harness_teardown (hx);
  gst_harness_teardown (ha);
  gst_harness_teardown (hb);
  gst_object_unref (x);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

/* work-mode=pending over many frames of random length: every buffer out
 * once, the very buffer that came in, in order; and the state changes to
 * NULL with frames still pending, none left behind (valgrind sees). */
GST_START_TEST (test_pending_in_order)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  GstBuffer *in[200];
  guint i;

  gst_util_set_object_arg (G_OBJECT (e), "work-mode", "pending");
  g_object_set (e, "n-workers", 1, "work-time", 100, "work-jitter", 3000, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  for (i = 0; i < G_N_ELEMENTS (in); i++) {
    in[i] = gst_buffer_new ();
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in[i])),
        GST_FLOW_OK);
    if (i >= 10) {
      GstBuffer *out = gst_harness_pull (h);

      fail_unless (out == in[i - 10], "buffer %u out of order", i - 10);
      gst_buffer_unref (out);
    }
  }
  /* 10 left inside, some pending */
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  for (i = 0; i < G_N_ELEMENTS (in); i++)
    gst_buffer_unref (in[i]);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* work-mode=pending with timers firing while the element stops and goes
 * away, over and over: every frame is finished once (a second finish is a
 * critical), nothing leaks, and a timer that fires as unlock () finishes
 * its frame does not touch the element again (the valgrind and sanitizer
 * passes would see that use after free, when the timing meets it). */
GST_START_TEST (test_pending_timers_race_stop)
{
  guint cycle, i;

  for (cycle = 0; cycle < 100; cycle++) {
    GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
    GstHarness *h;

    gst_util_set_object_arg (G_OBJECT (e), "work-mode", "pending");
    g_object_set (e, "work-time", 200, "work-jitter", 800, NULL);
    h = gst_harness_new_with_element (e, "sink", "src");
    gst_object_unref (e);
    gst_harness_set_src_caps_str (h, "test/x");
    for (i = 0; i < 4; i++)
      fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()),
          GST_FLOW_OK);
    /* (some timers fire now, some are cancelled) */
    g_usleep (g_random_int_range (0, 1000));
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* eos-after=N: frames 0..N-1 pass, frame N ends the stream: upstream gets
 * EOS, and its EOS event still reaches downstream, after the frames, as
 * with identity's eos-after. __i__: ordered or not. */
GST_START_TEST (test_eos_after)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  GstFlowReturn ret = GST_FLOW_OK;
  GstEvent *event;
  guint i, pushed = 0;

  g_object_set (e, "n-workers", 3, "max-in-flight", 6, "ordered", __i__ == 0,
      "work-jitter", 2000, "eos-after", 10, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  for (i = 0; i < 100 && ret == GST_FLOW_OK; i++) {
    ret = gst_harness_push (h, numbered_buffer (i));
    pushed++;
  }
  fail_unless_equals_int (ret, GST_FLOW_EOS);
  /* In order, upstream learns of it within the window. Unordered, frames
   * after it that are done first leave before it, and free their places,
   * for as long as its own work lasts (under load, without bound). */
  if (__i__ == 0)
    fail_unless (pushed <= 10 + 6 + 1, "%u pushed", pushed);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  for (i = 0; i < 10; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    if (__i__ == 0) {
      fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
    } else {
      fail_unless (GST_BUFFER_OFFSET (buf) < 10);
    }
    gst_buffer_unref (buf);
  }
  /* then EOS, and nothing after frame 9, even unordered */
  while ((event = gst_harness_pull_event (h))
      && GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    gst_event_unref (event);
  fail_unless (event != NULL);
  gst_event_unref (event);
  fail_unless (gst_harness_try_pull (h) == NULL);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* error-after counts the frames worked on: frames dropped by QoS before
 * any work do not make it fire early, nor never. */
GST_START_TEST (test_error_after_counts_work)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  GstSegment seg;
  GstBuffer *buf;
  guint i;

  g_object_set (e, "n-workers", 1, "error-after", 2, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  /* late by 10 ms at 40 ms: frames before 40 + 2 x 10 + 10 = 70 ms go */
  fail_unless (gst_harness_push_upstream_event (h,
          gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 1.0, 10 * GST_MSECOND,
              40 * GST_MSECOND)));
  for (i = 0; i < 12; i++) {
    buf = gst_buffer_new ();
    GST_BUFFER_PTS (buf) = i * 10 * GST_MSECOND;
    GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
    gst_harness_push (h, buf);
  }
  fail_if (async_check_drain (h->srcpad));
  /* 0..6 late; 7 and 8 worked on; 9 fails */
  for (i = 7; i <= 8; i++) {
    buf = gst_harness_pull (h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), i * 10 * GST_MSECOND);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (read_stats (e).qos, 7);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

typedef struct
{
  GstElement *element, *sink;
  guint64 rendered_at_error;
  guint errors;
  Stats at_eos;
  gboolean eos;
} Watch;

static guint64
rendered (GstElement * sink)
{
  GstStructure *stats;
  guint64 n = 0;

  g_object_get (sink, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "rendered", &n);
  gst_structure_free (stats);
  return n;
}

/* In the thread posting: what an application that acts on the message
 * sees at once. */
static GstBusSyncReply
watch_messages (GstBus * bus, GstMessage * msg, gpointer data)
{
  Watch *w = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR
      && GST_MESSAGE_SRC (msg) == GST_OBJECT (w->element)) {
    if (w->errors++ == 0)
      w->rendered_at_error = rendered (w->sink);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    w->at_eos = read_stats (w->element);
    w->eos = TRUE;
  }
  return GST_BUS_PASS;
}

/* Runs @desc (elements "e" and "sink") to EOS or its first error, watching
 * the bus from the posting threads. */
static Watch
run_watched (const gchar * desc)
{
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  Watch w = { 0 };

  fail_unless (pipeline != NULL, "%s", desc);
  w.element = gst_bin_get_by_name (GST_BIN (pipeline), "e");
  w.sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_bus_set_sync_handler (bus, watch_messages, &w, NULL);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "%s: no EOS or error within 60 s", desc);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (w.element);
  gst_object_unref (w.sink);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return w;
}

/* The error of frame N reaches the application only once frames 0..N-1
 * were rendered, however long their work took: an application that stops
 * on the first error has them all, as with queue ! identity. One error
 * message from the element, whatever upstream does next. */
GST_START_TEST (test_error_after_in_pipeline)
{
  Watch w = run_watched ("videotestsrc ! video/x-raw,width=64,height=48 ! "
      "asyncidentity name=e error-after=10 n-workers=4 work-time=20000 "
      "work-jitter=20000 ! fakesink name=sink sync=false");

  fail_unless_equals_uint64 (w.rendered_at_error, 10);
  fail_unless_equals_int (w.errors, 1);
}

GST_END_TEST;

/* In the thread posting the element's error: lingers there, then notes
 * whether upstream got the error flow meanwhile. */
typedef struct
{
  GstElement *element;
  gint upstream_refused;        /* a push returned GST_FLOW_ERROR */
  gint refused_while_posting;
  gint posted;
} ErrorOrder;

static GstBusSyncReply
linger_on_error (GstBus * bus, GstMessage * msg, gpointer data)
{
  ErrorOrder *o = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR
      && GST_MESSAGE_SRC (msg) == GST_OBJECT (o->element)) {
    g_usleep (50 * 1000);
    g_atomic_int_set (&o->refused_while_posting,
        g_atomic_int_get (&o->upstream_refused));
    g_atomic_int_inc (&o->posted);
  }
  return GST_BUS_PASS;
}

/* Upstream gets the error flow only once the element's error message is
 * out: a source then posts its own message about that flow ("Internal
 * data stream error") after the element's, which names the cause. While
 * the message is being posted (a bus sync handler lingers 50 ms), an
 * upstream that keeps pushing waits, and then gets the error. */
GST_START_TEST (test_error_before_error_flow)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstBus *bus = gst_bus_new ();
  GstFlowReturn ret = GST_FLOW_OK;
  ErrorOrder o = { e, 0, 0, 0 };
  GstHarness *h;
  guint i;

  /* cheap work and a wide window: upstream never waits for space */
  g_object_set (e, "error-after", 30, "max-in-flight", 4096, NULL);
  gst_bus_set_sync_handler (bus, linger_on_error, &o, NULL);
  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  /* (more than the window: under load the work may lag that far) */
  for (i = 0; i < 100000 && ret == GST_FLOW_OK; i++)
    ret = gst_harness_push (h, gst_buffer_new ());
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  g_atomic_int_set (&o.upstream_refused, 1);
  fail_unless_equals_int (g_atomic_int_get (&o.posted), 1);
  fail_if (g_atomic_int_get (&o.refused_while_posting),
      "upstream got the error flow before the error message was out");

  gst_element_set_bus (e, NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* The stats read when EOS is posted are final: every frame out, none in
 * flight. */
GST_START_TEST (test_stats_final_at_eos)
{
  guint round;

  for (round = 0; round < 5; round++) {
    Watch w = run_watched ("videotestsrc num-buffers=100 ! "
        "video/x-raw,width=64,height=48 ! asyncidentity name=e n-workers=2 "
        "work-jitter=1000 ! fakesink name=sink sync=false");

    fail_unless (w.eos);
    fail_unless_equals_uint64 (w.at_eos.out, 100);
    fail_unless_equals_int (w.at_eos.in_flight, 0);
  }
}

GST_END_TEST;

/* --- service-capacity ---------------------------------------------------- */

/* An asyncidentity whose service serves @capacity frames at once, of
 * @work_us each, in @mode, behind a harness. */
static GstHarness *
capacity_harness (const gchar * mode, guint capacity, guint work_us,
    guint workers, guint window, GstElement ** element)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;

  gst_util_set_object_arg (G_OBJECT (e), "work-mode", mode);
  g_object_set (e, "service-capacity", capacity, "work-time", work_us,
      "n-workers", workers, "max-in-flight", window, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  *element = e;
  return h;
}

static const gchar *capacity_modes[] = { "pending", "sleep", "busy" };

/* Waits until @e's work was called @calls times: pending frames are in
 * its service by then, served or waiting. */
static void
wait_for_calls (GstElement * e, guint64 calls)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (read_stats (e).calls < calls) {
    fail_unless (g_get_monotonic_time () < deadline, "fewer than %"
        G_GUINT64_FORMAT " calls within 30 s", calls);
    g_usleep (1000);
  }
}

/* Eight frames in flight, a service of two: the frames are served two by
 * two, in four rounds of their work time, and leave in order; the last
 * waited three rounds for its slot, and its time in work (process-time)
 * counts the wait. With no limit, all eight are served at once: no frame
 * takes four rounds. Pending frames wait holding no worker (one is
 * enough), sleeping and busy ones hold theirs. __i__: the work mode. */
GST_START_TEST (test_capacity_rounds)
{
  const gchar *mode = capacity_modes[__i__];
  /* (busy work is CPU time: less of it) */
  const guint work_us = __i__ == 2 ? 50000 : 100000;
  const guint workers = __i__ == 0 ? 1 : 8;
  GstElement *e;
  GstHarness *h = capacity_harness (mode, 2, work_us, workers, 8, &e);
  gint64 start, took;
  Stats stats;

  start = g_get_monotonic_time ();
  push_numbered (h, 0, 8);
  pull_numbered (h, 0, 8);
  took = g_get_monotonic_time () - start;
  fail_unless (took >= 4 * work_us, "%s: 8 frames served 2 at a time took "
      "%" G_GINT64_FORMAT " µs", mode, took);
  fail_unless (async_check_drain (h->srcpad));
  stats = read_stats (e);
  fail_unless_equals_uint64 (stats.out, 8);
  fail_unless_equals_int (stats.in_flight, 0);
  /* (three rounds of waiting and its own work; one round of slack for the
   * pushes of the frames before it, on a slow machine. Busy workers take
   * the cores from the pushes: the last frame may come when the others
   * are done; its work takes a round in any case.) */
  fail_unless (stats.process_max >= (__i__ == 2 ? 1 : 3) * work_us *
      GST_USECOND, "%s: the longest frame took %" GST_TIME_FORMAT, mode,
      GST_TIME_ARGS (stats.process_max));
  gst_harness_teardown (h);
  gst_object_unref (e);

  /* no limit (busy frames share the cores instead: not there) */
  if (__i__ < 2) {
    h = capacity_harness (mode, 0, work_us, workers, 8, &e);
    push_numbered (h, 0, 8);
    pull_numbered (h, 0, 8);
    fail_unless (async_check_drain (h->srcpad));
    stats = read_stats (e);
    fail_unless (stats.process_max >= work_us * GST_USECOND);
    fail_unless (stats.process_max < 4 * work_us * GST_USECOND,
        "%s: with no limit, a frame took %" GST_TIME_FORMAT, mode,
        GST_TIME_ARGS (stats.process_max));
    gst_harness_teardown (h);
    gst_object_unref (e);
  }
}

GST_END_TEST;

/* Batches in a service of one frame: a call takes a slot per frame, so a
 * call of up to 4 frames is larger than the service and is served alone,
 * once the service is idle; the call-time is paid once per call. 12
 * frames make at least 3 calls, one after the other however many workers
 * there are, and leave in order. __i__: pending or sleep. */
GST_START_TEST (test_capacity_batches)
{
  const gchar *mode = capacity_modes[__i__];
  const guint call_us = 100000;
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  gint64 start, took;
  Stats stats;

  gst_util_set_object_arg (G_OBJECT (e), "work-mode", mode);
  g_object_set (e, "service-capacity", 1, "n-workers", 2, "max-in-flight",
      16, "call-time", call_us, "batch-size", 4, "batch-timeout",
      (guint64) 200 * GST_MSECOND, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/x");
  start = g_get_monotonic_time ();
  push_numbered (h, 0, 12);
  pull_numbered (h, 0, 12);
  took = g_get_monotonic_time () - start;
  stats = read_stats (e);
  fail_unless (stats.calls >= 3);
  fail_unless (stats.calls < 12, "%s: no batch", mode);
  fail_unless (took >= (gint64) stats.calls * call_us, "%s: %"
      G_GUINT64_FORMAT " calls took %" G_GINT64_FORMAT " µs", mode,
      stats.calls, took);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* A flush with frames waiting for the service (capacity 1, 10 s of work:
 * one served, three waiting) returns at once: the waiting frames end as
 * flushed, the served one is interrupted, nothing is left inside, and the
 * service serves the next frames at once. A stop with frames waiting
 * returns at once too (valgrind sees nothing leak). __i__: pending or
 * sleep. */
GST_START_TEST (test_capacity_flush)
{
  const gchar *mode = capacity_modes[__i__];
  GstElement *e;
  GstHarness *h = capacity_harness (mode, 1, 10 * G_USEC_PER_SEC, 4, 8, &e);
  GstSegment seg;
  gint64 start;
  Stats stats;

  push_numbered (h, 0, 4);
  /* (sleeping frames are surely in the service by then; were they not,
   * the flush would be quick anyway) */
  if (__i__ == 0)
    wait_for_calls (e, 4);
  else
    g_usleep (100 * 1000);
  fail_unless (gst_harness_try_pull (h) == NULL);
  start = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
  stats = read_stats (e);
  fail_unless_equals_int (stats.in_flight, 0);
  fail_unless_equals_uint64 (stats.out, 0);
  fail_unless (gst_harness_try_pull (h) == NULL);

  /* every slot is free again */
  g_object_set (e, "work-time", 1000, NULL);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  push_numbered (h, 10, 3);
  pull_numbered (h, 10, 3);

  /* a stop with frames waiting */
  g_object_set (e, "work-time", 10 * G_USEC_PER_SEC, NULL);
  push_numbered (h, 20, 4);
  g_usleep (100 * 1000);
  start = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* Raising the capacity while frames wait serves them at once: frame 0
 * holds the only slot for 10 s, frames 1-3 (50 ms each) wait behind it;
 * at capacity 4 they are served and, unordered, leave long before frame
 * 0 is done. */
GST_START_TEST (test_capacity_raised)
{
  GstElement *e;
  GstHarness *h = capacity_harness ("pending", 1, 10 * G_USEC_PER_SEC, 1, 8,
      &e);
  GstBuffer *buf;
  guint i;

  g_object_set (e, "ordered", FALSE, NULL);
  push_numbered (h, 0, 1);
  wait_for_calls (e, 1);
  g_object_set (e, "work-time", 50000, NULL);
  push_numbered (h, 1, 3);
  wait_for_calls (e, 4);
  /* (they cannot leave: the slot is frame 0's) */
  fail_unless (gst_harness_try_pull (h) == NULL);
  g_object_set (e, "service-capacity", 4, NULL);
  for (i = 0; i < 3; i++) {
    buf = gst_harness_pull (h);
    fail_unless (buf != NULL);
    fail_unless (GST_BUFFER_OFFSET (buf) >= 1 && GST_BUFFER_OFFSET (buf) <= 3,
        "frame %" G_GUINT64_FORMAT " left", GST_BUFFER_OFFSET (buf));
    gst_buffer_unref (buf);
  }
  /* frame 0 is still at work: a flush ends it */
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless_equals_int (read_stats (e).in_flight, 0);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* Lowering the capacity while frames are served lets them finish, and
 * serves new frames only below it: four frames served at capacity 4, then
 * capacity 1 and four more frames, which are served one by one (at least
 * four rounds from the change), none dropped, in order. __i__: pending or
 * sleep. */
GST_START_TEST (test_capacity_lowered)
{
  const gchar *mode = capacity_modes[__i__];
  const guint work_us = 100000;
  GstElement *e;
  GstHarness *h = capacity_harness (mode, 4, work_us, 8, 8, &e);
  gint64 start, took;
  Stats stats;

  push_numbered (h, 0, 4);
  start = g_get_monotonic_time ();
  g_object_set (e, "service-capacity", 1, NULL);
  push_numbered (h, 4, 4);
  pull_numbered (h, 0, 8);
  took = g_get_monotonic_time () - start;
  fail_unless (took >= 4 * work_us, "%s: 4 frames, 1 at a time, took %"
      G_GINT64_FORMAT " µs", mode, took);
  fail_unless (async_check_drain (h->srcpad));
  stats = read_stats (e);
  fail_unless_equals_uint64 (stats.out, 8);
  fail_unless_equals_uint64 (stats.other, 0);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

/* Two elements of one worker group, with batches across them: each
 * frame waits for its own element's service (capacity 1 and 2), a
 * sleeping call holds its slots in both while it works, and no two calls
 * ever wait for each other. Every frame leaves once, in order; a flush of
 * one element in the middle, with its frames in the other's calls and in
 * its queue, leaves the other's stream whole. __i__: pending or sleep. */
GST_START_TEST (test_capacity_worker_group)
{
  const gchar *mode = capacity_modes[__i__];
  const guint n = async_check_scale (60);
  GstElement *a, *b;
  GstHarness *ha, *hb;
  GstSegment seg;
  guint i;

  a = gst_element_factory_make ("asyncidentity", "a");
  b = gst_element_factory_make ("asyncidentity", "b");
  gst_util_set_object_arg (G_OBJECT (a), "work-mode", mode);
  gst_util_set_object_arg (G_OBJECT (b), "work-mode", mode);
  g_object_set (a, "service-capacity", 1, NULL);
  g_object_set (b, "service-capacity", 2, NULL);
  for (i = 0; i < 2; i++)
    g_object_set (i == 0 ? a : b, "worker-group", "asyncidentity-capacity",
        "n-workers", 2, "max-in-flight", 8, "batch-size", 3, "work-time",
        2000, "work-jitter", 3000, NULL);
  ha = gst_harness_new_with_element (a, "sink", "src");
  hb = gst_harness_new_with_element (b, "sink", "src");
  gst_harness_set_src_caps_str (ha, "test/x");
  gst_harness_set_src_caps_str (hb, "test/x");
  for (i = 0; i < n; i++) {
    push_numbered (ha, i, 1);
    push_numbered (hb, i, 1);
  }
  fail_unless (async_check_drain (ha->srcpad));
  fail_unless (async_check_drain (hb->srcpad));
  pull_numbered (ha, 0, n);
  pull_numbered (hb, 0, n);

  for (i = 0; i < n; i++) {
    push_numbered (ha, n + i, 1);
    push_numbered (hb, n + i, 1);
    if (i == n / 2) {
      fail_unless (gst_harness_push_event (hb, gst_event_new_flush_start ()));
      fail_unless (gst_harness_push_event (hb,
              gst_event_new_flush_stop (TRUE)));
      gst_segment_init (&seg, GST_FORMAT_TIME);
      fail_unless (gst_harness_push_event (hb, gst_event_new_segment (&seg)));
    }
  }
  fail_unless (async_check_drain (ha->srcpad));
  fail_unless (async_check_drain (hb->srcpad));
  pull_numbered (ha, n, n);
  fail_unless_equals_int (read_stats (a).in_flight, 0);
  fail_unless_equals_int (read_stats (b).in_flight, 0);
  fail_unless_equals_uint64 (read_stats (a).out, 2 * n);

  gst_harness_teardown (ha);
  gst_harness_teardown (hb);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

/* Values outside a property's range are refused by its GParamSpec and the
 * property keeps its value. */
GST_START_TEST (test_properties_out_of_range)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  guint workers, max, work_time, capacity;
  gint64 latency;

  g_object_set (e, "n-workers", 3, "max-in-flight", 5, "work-time", 100,
      "latency", (gint64) 7, NULL);
  ASSERT_WARNING (g_object_set (e, "n-workers", 100000, NULL));
  ASSERT_WARNING (g_object_set (e, "max-in-flight", 1000000, NULL));
  ASSERT_WARNING (g_object_set (e, "work-time", 20 * G_USEC_PER_SEC, NULL));
  ASSERT_WARNING (g_object_set (e, "latency", (gint64) - 2, NULL));
  ASSERT_WARNING (g_object_set (e, "work-mode", 7, NULL));
  ASSERT_WARNING (g_object_set (e, "service-capacity", 5000, NULL));
  g_object_get (e, "n-workers", &workers, "max-in-flight", &max,
      "work-time", &work_time, "latency", &latency, "service-capacity",
      &capacity, NULL);
  fail_unless_equals_int (capacity, 0);
  fail_unless_equals_int (workers, 3);
  fail_unless_equals_int (max, 5);
  fail_unless_equals_int (work_time, 100);
  fail_unless_equals_int64 (latency, 7);
  gst_object_unref (e);
}

GST_END_TEST;

static void
count_warning (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

/* n-workers and worker-group take effect on READY->PAUSED: changing them
 * later is refused with a warning rather than ignored silently. The group
 * is "" by default, as documented. */
GST_START_TEST (test_properties_fixed_while_running)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);
  GstHarness *h;
  gchar *group = NULL;
  guint workers, handler;
  gint warnings = 0;

  g_object_get (e, "worker-group", &group, NULL);
  fail_unless_equals_string (group, "");
  g_free (group);
  g_object_set (e, "n-workers", 2, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_play (h);
  handler = g_log_set_handler ("GStreamer-Async", G_LOG_LEVEL_WARNING,
      count_warning, &warnings);
  g_object_set (e, "n-workers", 5, NULL);
  g_object_set (e, "worker-group", "g", NULL);
  g_log_remove_handler ("GStreamer-Async", handler);
  fail_unless_equals_int (warnings, 2);
  g_object_get (e, "n-workers", &workers, "worker-group", &group, NULL);
  fail_unless_equals_int (workers, 2);
  fail_unless_equals_string (group, "");
  g_free (group);
  /* others apply at once */
  g_object_set (e, "max-in-flight", 9, "error-after", 3, NULL);
  gst_harness_teardown (h);
  g_object_set (e, "n-workers", 5, NULL);
  g_object_get (e, "n-workers", &workers, NULL);
  fail_unless_equals_int (workers, 5);
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
    "n-workers", "one per CPU core", "max-in-flight", "number of frames",
    "ordered", "latency", "in nanoseconds", "work-time", "in microseconds",
    "work-jitter", "work-mode", "sleep", "busy", "pending", "error-after",
    "eos-after", "call-time", "per call", "service-capacity",
    "0 = unlimited", "batch-size", "Frames per call",
    "batch-timeout", "0 = never waits",
    "leaky", "upstream", "downstream", "stats", "frames in flight",
    "18446744073709551615 = none yet",
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
  /* one "Default:" per property: 6 of the base class, 6 of the element,
   * and name */
  {
    guint defaults = 0;
    const gchar *p = out;

    while ((p = strstr (p, "Default:"))) {
      defaults++;
      p++;
    }
    fail_unless (defaults >= 13, "%u defaults in:\n%s", defaults, out);
  }
  /* not claiming to be GStreamer's own */
  fail_if (strstr (out, "gstreamer.freedesktop.org") != NULL, "%s", out);
  g_free (out);
  g_free (err);
}

GST_END_TEST;

static Suite *
asyncidentity_suite (void)
{
  Suite *s = suite_create ("asyncidentity");
  TCase *tc;

  tc = tcase_create ("pipelines");
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_doc_launch_line, 0,
      G_N_ELEMENTS (doc_launch_lines));
  tcase_add_loop_test (tc, test_pipelines_end, 0,
      G_N_ELEMENTS (ending_pipelines));
  tcase_add_test (tc, test_no_copy);
  tcase_add_test (tc, test_stats_final_at_eos);
  suite_add_tcase (s, tc);

  tc = tcase_create ("work modes");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_busy_mode);
  tcase_add_loop_test (tc, test_unlock_interrupts_work, 0, 3);
  tcase_add_test (tc, test_pending_holds_no_worker);
  tcase_add_test (tc, test_pending_in_order);
  tcase_add_test (tc, test_pending_timers_race_stop);
  tcase_add_test (tc, test_call_time_per_batch);
  tcase_add_test (tc, test_live_streams_batched_together);
  tcase_add_test (tc, test_batch_across_own_settings);
  suite_add_tcase (s, tc);

  tc = tcase_create ("service capacity");
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_capacity_rounds, 0, 3);
  tcase_add_loop_test (tc, test_capacity_batches, 0, 2);
  tcase_add_loop_test (tc, test_capacity_flush, 0, 2);
  tcase_add_test (tc, test_capacity_raised);
  tcase_add_loop_test (tc, test_capacity_lowered, 0, 2);
  tcase_add_loop_test (tc, test_capacity_worker_group, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors and eos");
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_error_after, 0, 2);
  tcase_add_loop_test (tc, test_eos_after, 0, 2);
  tcase_add_test (tc, test_error_after_counts_work);
  tcase_add_test (tc, test_error_after_in_pipeline);
  tcase_add_test (tc, test_error_before_error_flow);
  suite_add_tcase (s, tc);

  tc = tcase_create ("properties");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_properties_out_of_range);
  tcase_add_test (tc, test_properties_fixed_while_running);
  tcase_add_test (tc, test_inspect);
  suite_add_tcase (s, tc);

  return s;
}

GST_CHECK_MAIN (asyncidentity);
