/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asynctransform.c: tests of the GstAsyncTransform engine
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

/* The engine is driven through asyncidentity (random per-frame times) and
 * through the test subclass of testasync.h (format changes, framing,
 * worker contexts, dropped, failing and held frames). Every wait on the
 * element has a deadline; loop counts shrink under valgrind
 * (GST_ASYNC_TEST_VALGRIND). The subclass interface itself is tested in
 * asyncsubclass.c.
 *
 * One TCase per concern, in the order of this file: shared helpers first,
 * then each TCase's tests under a header naming it, with the helpers only
 * they use. */

#define _GNU_SOURCE             /* RTLD_NEXT */
#include <dlfcn.h>

#include "testasync.h"

static GstStaticPadTemplate sinktemplate = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate srctemplate = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* A harness around @element; n-workers only counts when set before the
 * element starts, so properties are set before this. */
static GstHarness *
harness_for (gpointer element)
{
  GstHarness *h = gst_harness_new_with_element (element, "sink", "src");

  gst_object_unref (element);
  return h;
}

static GstElement *
identity_new (guint n_workers, guint max_in_flight)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);

  fail_unless (e != NULL);
  g_object_set (e, "n-workers", n_workers, "max-in-flight", max_in_flight,
      NULL);
  return e;
}

static GstHarness *
identity_harness (guint n_workers, guint max_in_flight, gboolean ordered,
    guint jitter_us)
{
  GstElement *e = identity_new (n_workers, max_in_flight);
  GstHarness *h;

  g_object_set (e, "ordered", ordered, "work-jitter", jitter_us, NULL);
  h = harness_for (e);
  gst_harness_set_src_caps_str (h, "test/frames");
  return h;
}

/* --- push N frames, pull and check them ---------------------------------- */

/* Pushes frames @first to @first + @n - 1; upstream must get OK for each. */
static void
push_frames (GstHarness * h, guint first, guint n)
{
  guint i;

  for (i = first; i < first + n; i++) {
    GstFlowReturn ret = gst_harness_push (h, make_frame (i));

    fail_unless (ret == GST_FLOW_OK, "frame %u: %s", i,
        gst_flow_get_name (ret));
  }
}

/* Pulls @n buffers, which must be frames @first to @first + @n - 1, in
 * that order (see assert_frame). */
static void
pull_and_check_order (GstHarness * h, guint first, guint n)
{
  guint i;

  for (i = first; i < first + n; i++)
    pull_frame (h, i);
}

/* Pulls @n buffers, whatever they are, and drops them. */
static void
pull_and_drop (GstHarness * h, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL, "buffer %u of %u missing", i, n);
    gst_buffer_unref (buf);
  }
}

/* Drops the buffers the harness has received so far. */
static void
drop_received (GstHarness * h)
{
  while (gst_harness_buffers_in_queue (h))
    gst_buffer_unref (gst_harness_pull (h));
}

/* Waits until @t has processed @n frames; fails at @deadline. The stats
 * have no signal to wait on, so this polls. */
static void
wait_processed (GstTestAsync * t, guint64 n, gint64 deadline)
{
  while (read_stats (GST_ELEMENT (t)).processed < n)
    fail_unless (g_get_monotonic_time () < deadline);
}

/* --- the element between pads of the test's own -------------------------- */

/* Puts @e, PLAYING, between a src pad of the test's and a sink pad whose
 * chain function is @chain; the stream has started, with caps and a
 * segment. Returns the src pad, and the sink pad in @sink. */
static GstPad *
setup_between_pads_with_caps (GstElement * e, GstPadChainFunction chain,
    GstPad ** sink, const gchar * caps_str)
{
  GstPad *src = gst_check_setup_src_pad (e, &srctemplate);
  GstCaps *caps = gst_caps_from_string (caps_str);

  *sink = gst_check_setup_sink_pad (e, &sinktemplate);
  gst_pad_set_chain_function (*sink, chain);
  gst_pad_set_active (src, TRUE);
  gst_pad_set_active (*sink, TRUE);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  gst_check_setup_events (src, e, caps, GST_FORMAT_TIME);
  gst_caps_unref (caps);
  return src;
}

static GstPad *
setup_between_pads (GstElement * e, GstPadChainFunction chain, GstPad ** sink)
{
  return setup_between_pads_with_caps (e, chain, sink, "test/x");
}

static void
teardown_between_pads (GstElement * e)
{
  gst_element_set_state (e, GST_STATE_NULL);
  gst_check_teardown_src_pad (e);
  gst_check_teardown_sink_pad (e);
  gst_check_teardown_element (e);
}

static GstFlowReturn downstream_flow;

static GstFlowReturn
flow_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  gst_buffer_unref (buffer);
  return g_atomic_int_get (&downstream_flow);
}

/* --- a pipeline whose fakesink records what it renders ------------------- */

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Recorder *rec = data;

  Item item = { 0, GST_BUFFER_PTS (buf) };

  g_mutex_lock (&rec->lock);
  g_array_append_val (rec->items, item);
  g_cond_broadcast (&rec->cond);
  g_mutex_unlock (&rec->lock);
}

/* Waits until @n buffers reached the sink; FALSE after 30 s. */
static gboolean
wait_for_handoffs (Recorder * rec, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  gboolean ok = TRUE;

  g_mutex_lock (&rec->lock);
  while (ok && rec->items->len < n)
    ok = g_cond_wait_until (&rec->cond, &rec->lock, deadline);
  g_mutex_unlock (&rec->lock);
  return ok;
}

/* --- TCase "ordering": every frame out once, in order or not ------------- */

static const guint worker_counts[] = { 1, 2, 8 };

GST_START_TEST (test_identical_output)
{
  guint n_workers = worker_counts[__i__];
  guint n = async_check_scale (3000);
  GstHarness *h = identity_harness (n_workers, 0, TRUE, 300);

  push_frames (h, 0, n);
  pull_and_check_order (h, 0, n);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The base class copies timestamps, offsets and flags onto a new output
 * buffer that has none. */
GST_START_TEST (test_metadata_copied)
{
  GstTestAsync *t = test_async_new (3, 0);
  GstHarness *h = test_harness (t);
  guint n = async_check_scale (500);

  t->work_us = 200;
  gst_harness_set_src_caps_str (h, "test/in");
  push_frames (h, 0, n);
  pull_and_check_order (h, 0, n);
  fail_unless_equals_int (t->context_clash, 0);
  fail_unless (t->max_running <= 3);
  test_teardown (h, t);
}

GST_END_TEST;

GST_START_TEST (test_unordered_exactly_once)
{
  guint n = async_check_scale (2000), i;
  GstHarness *h = identity_harness (4, 8, FALSE, 500);
  guint8 *seen = g_new0 (guint8, n);

  push_frames (h, 0, n);
  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    guint idx = GST_BUFFER_OFFSET (buf);

    fail_unless (idx < n);
    fail_unless_equals_int (seen[idx], 0);
    seen[idx] = 1;
    assert_frame (buf, idx);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  g_free (seen);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ordered=false really lets a quick frame overtake a slow one, and
 * ordered=true never does. */
GST_START_TEST (test_unordered_overtakes)
{
  gboolean ordered = __i__ == 1;
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstBuffer *out;

  t->slow_first_us = 200 * 1000;
  g_object_set (t, "ordered", ordered, NULL);
  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push (h, make_frame (0));
  gst_harness_push (h, make_frame (1));
  out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), ordered ? 0 : 1);
  gst_buffer_unref (out);
  gst_buffer_unref (gst_harness_pull (h));
  test_teardown (h, t);
}

GST_END_TEST;

/* A buffer list from upstream goes in as its frames, in order, in one
 * lock hold; a window smaller than the list makes it wait part-way, as
 * single buffers do. */
GST_START_TEST (test_chain_list)
{
  GstHarness *h = identity_harness (2, 3, TRUE, 300);
  guint i, k, n = async_check_scale (40);

  for (k = 0; k < n; k++) {
    GstBufferList *list = gst_buffer_list_new ();

    for (i = 0; i < 10; i++)
      gst_buffer_list_add (list, make_frame (10 * k + i));
    fail_unless_equals_int (gst_pad_push_list (h->srcpad, list), GST_FLOW_OK);
  }
  pull_and_check_order (h, 0, 10 * n);
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless (read_stats (h->element).in_flight_max <= 3);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A subclass that frames its input gets each buffer of a list through its
 * parse. */
GST_START_TEST (test_chain_list_parse)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstBufferList *list = gst_buffer_list_new ();
  GstBuffer *buf;
  guint i;

  t->frame_size = 10;
  gst_harness_set_src_caps_str (h, "test/in");
  /* 25 bytes each: frames of 10 cut across them */
  for (i = 0; i < 4; i++)
    gst_buffer_list_add (list, gst_buffer_new_allocate (NULL, 25, NULL));
  fail_unless_equals_int (gst_pad_push_list (h->srcpad, list), GST_FLOW_OK);
  for (i = 0; i < 10; i++) {
    buf = gst_harness_pull (h);
    fail_unless_equals_int (gst_buffer_get_size (buf), 10);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  test_teardown (h, t);
}

GST_END_TEST;

static gint
compare_items (gconstpointer a, gconstpointer b)
{
  const Item *x = a, *y = b;
  return x->value < y->value ? -1 : x->value > y->value;
}

/* Sorts the frames between two events, for comparing unordered output. */
static void
sort_runs_of_frames (GArray * items)
{
  guint start = 0, i;

  for (i = 0; i <= items->len; i++) {
    if (i == items->len || g_array_index (items, Item, i).type != 0) {
      if (i > start)
        qsort (&g_array_index (items, Item, start), i - start, sizeof (Item),
            compare_items);
      start = i + 1;
    }
  }
}

static void
push_and_expect_event (GstHarness * h, GArray * expected, GstEvent * event)
{
  Item item = { GST_EVENT_TYPE (event), event_detail (event) };

  g_array_append_val (expected, item);
  fail_unless (gst_harness_push_event (h, event));
}

/* __i__: bit 0 clear = ordered, bit 1 set = cheap work (the src task runs
 * frames itself) instead of jittered work on the workers. */
GST_START_TEST (test_events_keep_place)
{
  gboolean ordered = (__i__ & 1) == 0;
  guint jitter = (__i__ & 2) ? 0 : 1000;
  GstElement *e = identity_new (4, 6);
  GstHarness *h;
  GArray *expected = g_array_new (FALSE, FALSE, sizeof (Item));
  GRand *rand = g_rand_new_with_seed (4242 + __i__);
  guint i, frame = 0, n = async_check_scale (1500), caps_v = 0;
  Recorder rec;
  GstSegment seg;

  g_object_set (e, "ordered", ordered, "work-jitter", jitter, NULL);
  recorder_attach (&rec, e);
  h = harness_for (e);

  push_and_expect_event (h, expected, gst_event_new_stream_start ("s"));
  push_and_expect_event (h, expected,
      caps_event (gst_caps_new_simple ("test/frames", "v", G_TYPE_INT,
              caps_v, NULL)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  push_and_expect_event (h, expected, gst_event_new_segment (&seg));

  for (i = 0; i < n; i++) {
    guint r = g_rand_int_range (rand, 0, 100);

    if (r < 80) {
      Item item = { 0, frame };
      g_array_append_val (expected, item);
      fail_unless_equals_int (gst_harness_push (h, make_frame (frame++)),
          GST_FLOW_OK);
    } else if (r < 85) {
      push_and_expect_event (h, expected,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new ("test", "n", G_TYPE_INT, i, NULL)));
    } else if (r < 90) {
      push_and_expect_event (h, expected,
          gst_event_new_tag (gst_tag_list_new (GST_TAG_TRACK_NUMBER, i, NULL)));
    } else if (r < 94) {
      push_and_expect_event (h, expected,
          gst_event_new_gap (i * GST_MSECOND, GST_MSECOND));
    } else if (r < 97) {
      /* a format change mid-stream: drains, then leaves in place */
      push_and_expect_event (h, expected,
          caps_event (gst_caps_new_simple ("test/frames", "v",
                  G_TYPE_INT, ++caps_v, NULL)));
    } else {
      seg.start = i * GST_MSECOND;
      push_and_expect_event (h, expected, gst_event_new_segment (&seg));
    }
  }
  push_and_expect_event (h, expected, gst_event_new_eos ());

  fail_unless (recorder_wait_for (&rec, GST_EVENT_EOS));
  g_mutex_lock (&rec.lock);
  if (!ordered) {
    sort_runs_of_frames (rec.items);
    sort_runs_of_frames (expected);
  }
  fail_unless_equals_int (rec.items->len, expected->len);
  for (i = 0; i < expected->len; i++) {
    Item *a = &g_array_index (rec.items, Item, i);
    Item *b = &g_array_index (expected, Item, i);

    fail_unless (a->type == b->type && a->value == b->value,
        "item %u: got %s %" G_GUINT64_FORMAT ", expected %s %"
        G_GUINT64_FORMAT, i, a->type ? gst_event_type_get_name (a->type) :
        "buffer", a->value, b->type ? gst_event_type_get_name (b->type) :
        "buffer", b->value);
  }
  g_mutex_unlock (&rec.lock);

  /* After EOS, more data is refused. */
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_EOS);

  g_rand_free (rand);
  g_array_unref (expected);
  gst_harness_teardown (h);
  recorder_clear (&rec);
}

GST_END_TEST;

/* --- TCase "threads and workers": real overlap, n-workers, contexts ------ */

GST_START_TEST (test_real_concurrency)
{
  const guint n = 16, work_ms = 50;
  GstElement *e = identity_new (4, n);
  GstHarness *h;
  gint64 start, elapsed_ms;
  guint i;

  g_object_set (e, "work-time", work_ms * 1000, NULL);
  h = harness_for (e);
  gst_harness_set_src_caps_str (h, "test/frames");
  start = g_get_monotonic_time ();
  for (i = 0; i < n; i++)
    gst_harness_push (h, make_frame (i));
  pull_and_drop (h, n);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  /* Sequential: 800 ms. Four workers: 200 ms. Anything under half of the
   * sequential time proves real overlap; at least the ideal time proves
   * the work was done. */
  GST_INFO ("%u frames of %u ms with 4 workers: %" G_GINT64_FORMAT " ms", n,
      work_ms, elapsed_ms);
  fail_unless (elapsed_ms < n * work_ms / 2, "took %" G_GINT64_FORMAT " ms",
      elapsed_ms);
  fail_unless (elapsed_ms >= n * work_ms / 4);
  {
    Stats st;

    /* the last push has returned, so it is counted */
    fail_unless (async_check_drain (h->srcpad));
    st = read_stats (h->element);
    fail_unless_equals_uint64 (st.in, n);
    fail_unless_equals_uint64 (st.out, n);
    fail_unless (st.process_min >= work_ms * GST_MSECOND);
    fail_unless (st.through_max >= st.process_max);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Concurrent process () calls reach n-workers and never exceed it; worker
 * contexts are exclusive, at most one per worker, and freed. */
GST_START_TEST (test_workers_and_contexts)
{
  GstTestAsync *t = test_async_new (3, 12);
  GstHarness *h = test_harness (t);
  guint i, n = async_check_scale (300);

  t->work_us = 3000;
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < n; i++)
    gst_harness_push (h, make_frame (i));
  pull_and_drop (h, n);

  fail_unless_equals_int (t->context_clash, 0);
  fail_unless_equals_int (t->max_running, 3);
  fail_unless (t->contexts_created >= 1 && t->contexts_created <= 3);
  fail_unless_equals_int (t->contexts_freed, 0);

  /* New caps: contexts made for the old ones go. */
  gst_harness_set_src_caps_str (h, "test/out");
  fail_unless_equals_int (t->contexts_freed, t->contexts_created);
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));

  gst_harness_teardown (h);
  fail_unless_equals_int (t->contexts_freed, t->contexts_created);
  gst_object_unref (t);
}

GST_END_TEST;

/* A machine with more cores than the busy-slot bitmap holds: the test
 * binary's own g_get_num_processors () stands in for such a machine (the
 * library calls it through the PLT, so the executable's copy wins). */
static gint fake_processors;

guint
g_get_num_processors (void)
{
  guint (*real) (void);

  if (g_atomic_int_get (&fake_processors))
    return g_atomic_int_get (&fake_processors);
  real = (guint (*)(void)) dlsym (RTLD_NEXT, "g_get_num_processors");
  return real ();
}

GST_START_TEST (test_workers_clamped_to_slots)
{
  GstElement *e;
  GstHarness *h;
  Stats x;

  g_atomic_int_set (&fake_processors, 300);
  e = identity_new (0, 4);
  h = harness_for (e);
  gst_harness_set_src_caps_str (h, "test/frames");
  fail_unless_equals_int (gst_async_transform_get_n_workers
      (GST_ASYNC_TRANSFORM (h->element)), 256);
  x = read_stats (h->element);
  fail_unless_equals_uint64 (x.in, 0);
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  gst_harness_teardown (h);
  g_atomic_int_set (&fake_processors, 0);
}

GST_END_TEST;

/* --- TCase "window and leaky": max-in-flight, automatic window, leaky ---- */

/* A sink that holds every buffer until released. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean hold;
  guint blocked;                /* buffers that reached it */
} Blocker;

static GstPadProbeReturn
hold_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Blocker *b = data;

  g_mutex_lock (&b->lock);
  b->blocked++;
  g_cond_broadcast (&b->cond);
  while (b->hold)
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);
  return GST_PAD_PROBE_OK;
}

static void
blocker_release (Blocker * b)
{
  g_mutex_lock (&b->lock);
  b->hold = FALSE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

/* Waits until a buffer has reached the sink; fails at @deadline. */
static void
blocker_wait (Blocker * b, gint64 deadline)
{
  g_mutex_lock (&b->lock);
  while (b->blocked == 0)
    fail_unless (g_cond_wait_until (&b->cond, &b->lock, deadline));
  g_mutex_unlock (&b->lock);
}

typedef struct
{
  GstHarness *h;
  guint from, n;
  GMutex lock;
  GCond cond;
  gboolean done;
  gboolean big;                 /* frames of 1 MB */
} Pushes;

static gpointer
push_frames_thread (gpointer data)
{
  Pushes *p = data;
  guint i;

  for (i = p->from; i < p->from + p->n; i++)
    fail_unless_equals_int (gst_harness_push (p->h, p->big ?
            gst_buffer_new_allocate (NULL, 1024 * 1024, NULL) :
            make_frame (i)), GST_FLOW_OK);
  g_mutex_lock (&p->lock);
  p->done = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  return NULL;
}

static const guint windows[] = { 1, 3, 7 };

GST_START_TEST (test_max_in_flight_bound)
{
  guint max = windows[__i__], i, n = async_check_scale (400);
  GstElement *e = identity_new (4, max);
  GstPad *srcpad = gst_element_get_static_pad (e, "src");
  GstHarness *h;
  gint left = 0, peak = 0;

  g_object_set (e, "work-time", 1000, "work-jitter", 2000, NULL);
  h = harness_for (e);
  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER, count_buffers_probe,
      &left, NULL);
  gst_harness_set_src_caps_str (h, "test/frames");
  for (i = 0; i < n; i++) {
    gint inside;

    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
    /* accepted minus left can only overestimate what is inside */
    inside = (gint) (i + 1) - g_atomic_int_get (&left);
    fail_unless (inside <= (gint) max, "%d frames inside, window %u",
        inside, max);
    peak = MAX (peak, inside);
  }
  /* The window was really used, so the bound above was tested. */
  fail_unless_equals_int (peak, max);
  pull_and_drop (h, n);
  gst_object_unref (srcpad);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The automatic window (max-in-flight=0) follows the work: cheap frames
 * make it large, so that upstream and the src task pass many frames per
 * wake-up, as through a queue; real work brings it back to 2 x workers. */
GST_START_TEST (test_auto_window_follows_work)
{
  GstHarness *h = identity_harness (2, 0, TRUE, 0);
  guint i, n = async_check_scale (200);

  fail_unless_equals_int (read_stats (h->element).window, 4);
  push_frames (h, 0, n);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (read_stats (h->element).window > 4);
  fail_unless (read_stats (h->element).window <= 256);
  drop_received (h);

  g_object_set (h->element, "work-time", 20000, NULL);
  for (i = 0; i < 20; i++) {
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
  fail_unless_equals_int (read_stats (h->element).window, 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* One frame that takes long (the thread was preempted, the machine
 * stalled) does not make cheap work look expensive: the window stays
 * large. */
GST_START_TEST (test_auto_window_survives_a_stall)
{
  GstHarness *h = identity_harness (2, 0, TRUE, 0);
  guint n = async_check_scale (200), before, after;

  push_frames (h, 0, n);
  fail_unless (async_check_drain (h->srcpad));
  before = read_stats (h->element).window;
  fail_unless (before > 8, "window %u", before);
  /* (each drained before work-time changes: process () reads it) */
  g_object_set (h->element, "work-time", 100000, NULL);
  gst_harness_push (h, make_frame (n));
  fail_unless (async_check_drain (h->srcpad));
  g_object_set (h->element, "work-time", 0, NULL);
  gst_harness_push (h, make_frame (n + 1));
  fail_unless (async_check_drain (h->srcpad));
  after = read_stats (h->element).window;
  fail_unless (after >= before / 2, "window %u before the stall, %u after",
      before, after);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* With the sink holding the first frame, a pusher thread sends 30 more
 * (of 1 MB with @big): the element must stop upstream at exactly @expected
 * frames inside, then let all 30 through once the sink lets go. */
static void
check_window_holds (GstHarness * h, gboolean big, guint expected)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  Blocker b = { {0}, {0}, TRUE, 0 };
  Pushes p = { h, 0, 30, {0}, {0}, FALSE, big };
  guint64 out_before = read_stats (h->element).out;
  GThread *thread;
  Stats st;

  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  g_mutex_init (&p.lock);
  g_cond_init (&p.cond);
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, hold_buffers, &b,
      NULL);
  thread = g_thread_new ("pusher", push_frames_thread, &p);
  do {
    st = read_stats (h->element);
    fail_unless (g_get_monotonic_time () < deadline, "%u frames inside",
        st.in_flight);
  } while (st.in_flight < expected);
  g_usleep (50 * 1000);
  st = read_stats (h->element);
  fail_unless_equals_int (st.in_flight, expected);
  g_mutex_lock (&p.lock);
  fail_if (p.done);
  g_mutex_unlock (&p.lock);

  blocker_release (&b);
  g_thread_join (thread);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_uint64 (read_stats (h->element).out, out_before + 30);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
  g_mutex_clear (&p.lock);
  g_cond_clear (&p.cond);
}

/* The automatic window holds no more than 10 MB beyond 2 x workers, as
 * queue's own limit: cheap work on 1 MB frames with the sink holding the
 * first keeps at most 10 frames inside, and upstream waits. */
GST_START_TEST (test_auto_window_bytes)
{
  GstHarness *h = identity_harness (2, 0, TRUE, 0);
  guint i, n = async_check_scale (200);

  /* cheap: the window grows */
  for (i = 0; i < n; i++)
    gst_harness_push (h, make_frame (i));
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (read_stats (h->element).window > 10);
  drop_received (h);

  /* upstream stops at 10 MB */
  check_window_holds (h, TRUE, 10);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* An explicit window has the limits of queue too: max-size-bytes (1 MB
 * frames, 4 MB) and max-size-time (10 ms frames, 40 ms) each hold the
 * window at 4 frames of the 64 that max-in-flight allows. */
GST_START_TEST (test_explicit_window_limits)
{
  GstHarness *h = identity_harness (2, 64, TRUE, 0);

  if (__i__ == 0)
    g_object_set (h->element, "max-size-bytes", (guint64) 4 * 1024 * 1024,
        NULL);
  else
    g_object_set (h->element, "max-size-time", 40 * GST_MSECOND, NULL);
  check_window_holds (h, __i__ == 0, 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* leaky: with frame 0 held inside process () and the window full, new
 * frames are dropped (upstream) or replace the oldest frame not being
 * processed (downstream); upstream never waits, and the frame after a gap
 * is DISCONT. __i__: the leaky mode. */
GST_START_TEST (test_leaky)
{
  gboolean upstream = __i__ == 0;
  GstTestAsync *t = test_async_new (1, 3);
  GstHarness *h;
  GstBuffer *buf;
  guint i;

  g_object_set (t, "leaky", upstream ? GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM :
      GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM, NULL);
  t->gate_closed = TRUE;
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  /* none of these waits: frame 0 cannot leave before the gate opens */
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  test_wait_at_gate (t);
  push_frames (h, 1, 9);
  test_open_gate (t);

  /* upstream: 0, 1, 2 stay, 3..9 dropped; downstream: 0 (held) stays,
   * each new frame replaced the oldest waiting one: 8 and 9 stay */
  for (i = 0; i < 3; i++) {
    guint expected = i == 0 ? 0 : upstream ? i : 7 + i;

    buf = gst_harness_pull (h);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), expected);
    /* downstream: 8 follows the gap */
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (buf,
            GST_BUFFER_FLAG_DISCONT), !upstream && expected == 8);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  /* (the window has room again once the src task has counted them out) */
  fail_unless (async_check_drain (h->srcpad));
  /* upstream: the next frame follows the gap */
  fail_unless_equals_int (gst_harness_push (h, make_frame (10)), GST_FLOW_OK);
  buf = gst_harness_pull (h);
  fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (buf,
          GST_BUFFER_FLAG_DISCONT), upstream);
  gst_buffer_unref (buf);

  {
    Stats st;

    fail_unless (async_check_drain (h->srcpad));
    st = read_stats (GST_ELEMENT (t));
    fail_unless_equals_uint64 (st.in, 11);
    fail_unless_equals_uint64 (st.out, 4);
    fail_unless_equals_uint64 (st.leaky, 7);
    fail_unless_equals_uint64 (st.other, 0);
    fail_unless_equals_int (st.in_flight, 0);
    fail_unless_equals_int (st.in_flight_max, 3);
  }
  test_teardown (h, t);
}

GST_END_TEST;

/* A leaky element never makes upstream wait, not even when downstream
 * holds a push for as long as it likes (a syncing sink far behind): with
 * frames 0 to 3 done and leaving together, and the sink holding frame 0,
 * 40 more frames go in. __i__: the leaky mode. */
GST_START_TEST (test_leaky_never_blocks)
{
  GstAsyncTransformLeaky leaky = __i__ == 0 ?
      GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM : GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM;
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  GThread *thread;
  Blocker b = { {0}, {0}, TRUE, 0 };
  Pushes p = { h, 4, 40, {0}, {0}, FALSE, FALSE };
  guint64 last = 0;
  GstBuffer *buf;
  Stats st;

  g_object_set (t, "leaky", leaky, NULL);
  t->gate_closed = TRUE;
  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  g_mutex_init (&p.lock);
  g_cond_init (&p.cond);
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, hold_buffers, &b,
      NULL);
  gst_harness_set_src_caps_str (h, "test/in");
  push_frames (h, 0, 4);
  test_wait_at_gate (t);
  wait_processed (t, 3, deadline);
  test_open_gate (t);
  blocker_wait (&b, deadline);

  thread = g_thread_new ("pusher", push_frames_thread, &p);
  g_mutex_lock (&p.lock);
  while (!p.done)
    fail_unless (g_cond_wait_until (&p.cond, &p.lock, deadline),
        "upstream waited for the sink");
  g_mutex_unlock (&p.lock);
  g_thread_join (thread);
  fail_unless_equals_int (b.blocked, 1);

  blocker_release (&b);
  fail_unless (async_check_drain (h->srcpad));
  st = read_stats (GST_ELEMENT (t));
  fail_unless_equals_uint64 (st.in, 44);
  fail_unless (st.leaky >= 44 - 4 - 1, "%" G_GUINT64_FORMAT " dropped",
      st.leaky);
  fail_unless_equals_uint64 (st.out + st.leaky, 44);
  /* in order, and every buffer after a gap is DISCONT */
  while ((buf = gst_harness_try_pull (h))) {
    guint64 offset = GST_BUFFER_OFFSET (buf);

    fail_unless (offset == 0 || offset > last);
    if (offset > 0 && offset != last + 1)
      fail_unless (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT),
          "frame %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT, offset, last);
    last = offset;
    gst_buffer_unref (buf);
  }
  if (leaky == GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM)
    /* the newest frames were kept */
    fail_unless_equals_uint64 (last, 43);

  test_teardown (h, t);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
  g_mutex_clear (&p.lock);
  g_cond_clear (&p.cond);
}

GST_END_TEST;

/* leaky=downstream never drops a frame whose result is an error: the error
 * still stops the element in its turn. The sink holds frame 0 while frame
 * 1 fails, the next to leave; new frames then find the window full.
 * __i__: ordered or not. */
GST_START_TEST (test_leaky_keeps_errors)
{
  GstTestAsync *t = test_async_new (2, 2);
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  Blocker b = { {0}, {0}, TRUE, 0 };
  GstBus *bus = gst_bus_new ();
  GstHarness *h;

  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  t->error_at = 1;
  g_object_set (t, "leaky", GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM,
      "ordered", __i__ == 0, NULL);
  gst_element_set_bus (GST_ELEMENT (t), bus);
  h = test_harness (t);
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, hold_buffers, &b,
      NULL);
  gst_harness_set_src_caps_str (h, "test/in");
  /* frame 0 is held by the sink, then frame 1 fails */
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  blocker_wait (&b, deadline);
  fail_unless_equals_int (gst_harness_push (h, make_frame (1)), GST_FLOW_OK);
  wait_processed (t, 2, deadline);
  push_frames (h, 2, 4);
  blocker_release (&b);

  fail_if (async_check_drain (h->srcpad));
  fail_unless_equals_int (count_messages (bus, t).errors, 1);
  fail_unless_equals_int (gst_harness_push (h, make_frame (6)), GST_FLOW_ERROR);

  gst_element_set_bus (GST_ELEMENT (t), NULL);
  gst_object_unref (bus);
  test_teardown (h, t);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
}

GST_END_TEST;

/* leaky=downstream never drops a frame that carries events from
 * process (): they must go out. The sink holds frame 0 while 20 frames
 * come. */
GST_START_TEST (test_leaky_keeps_frame_events)
{
  GstTestAsync *t = test_async_new (2, 4);
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  Blocker b = { {0}, {0}, TRUE, 0 };
  GstHarness *h;
  Recorder rec;
  Stats st;
  guint i;

  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  t->add_events = TRUE;
  g_object_set (t, "leaky", GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM, NULL);
  recorder_attach (&rec, GST_ELEMENT (t));
  h = test_harness (t);
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, hold_buffers, &b,
      NULL);
  gst_harness_set_src_caps_str (h, "test/in");
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  blocker_wait (&b, deadline);
  for (i = 1; i < 20; i++) {
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
    /* let the workers finish each, so that done frames fill the window */
    wait_processed (t, MIN (i + 1, 4), deadline);
  }
  blocker_release (&b);
  fail_unless (async_check_drain (h->srcpad));
  st = read_stats (GST_ELEMENT (t));
  fail_unless (st.leaky > 0);
  fail_unless_equals_int (recorder_count (&rec, GST_EVENT_CUSTOM_DOWNSTREAM),
      st.processed);
  recorder_clear (&rec);
  test_teardown (h, t);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
}

GST_END_TEST;

/* The buffer after a gap is DISCONT even when the frame right after the
 * gap has no output of its own: the mark goes to the next buffer. */
GST_START_TEST (test_discont_survives_dropped_frame)
{
  GstTestAsync *t = test_async_new (1, 3);
  GstHarness *h;
  GstBuffer *buf;

  /* frames worked on with odd numbers have no output */
  t->drop_odd = TRUE;
  t->gate_closed = TRUE;
  g_object_set (t, "leaky", GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM, NULL);
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  push_frames (h, 0, 3);
  test_wait_at_gate (t);
  /* dropped: the window is full */
  fail_unless_equals_int (gst_harness_push (h, make_frame (3)), GST_FLOW_OK);
  test_open_gate (t);
  fail_unless (async_check_drain (h->srcpad));
  /* 0 and 2 (numbers 0, 2) came out; 1 (number 1) had none */
  pull_and_drop (h, 2);
  /* after the gap: 4 is number 3, without output; 5 is number 4 */
  gst_harness_push (h, make_frame (4));
  gst_harness_push (h, make_frame (5));
  buf = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), 5);
  fail_unless (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT));
  gst_buffer_unref (buf);
  test_teardown (h, t);
}

GST_END_TEST;

/* --- TCase "flush and EOS": drains, flushes, seeks, ends of stream ------- */

GST_START_TEST (test_drain_query)
{
  GstHarness *h = identity_harness (4, 32, TRUE, 0);
  Recorder rec;
  guint i;

  g_object_set (h->element, "work-time", 5000, "work-jitter", 5000, NULL);
  recorder_attach (&rec, h->element);
  for (i = 0; i < 20; i++)
    gst_harness_push (h, make_frame (i));
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_int (recorder_count (&rec, 0), 20);
  gst_harness_teardown (h);
  recorder_clear (&rec);
}

GST_END_TEST;

/* A flush with frames in flight and the upstream thread blocked or not:
 * nothing from before the flush comes out after it, nothing deadlocks. */
GST_START_TEST (test_flush_with_frames_in_flight)
{
  gboolean ordered = (__i__ & 1) == 0;
  GstHarness *h = identity_harness (3, 5, ordered, (__i__ & 2) ? 0 : 3000);

  run_flushes (h, async_check_scale (60), 99 + __i__, FALSE, NULL, NULL);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A flush drops what is queued, but not the stream's sticky events (other
 * than segment and EOS): they still reach downstream before the next
 * frame, as with queue. The tag event waits behind frame 0, held inside
 * process () until the flush unlocks it. */
GST_START_TEST (test_flush_keeps_sticky_events)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstTagList *tags = gst_tag_list_new (GST_TAG_TITLE, "kept", NULL);
  GstEvent *tag_event;
  GstTagList *got;
  GstSegment seg;
  const gchar *title = NULL;

  t->gate_closed = TRUE;
  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push (h, make_frame (0));
  test_wait_at_gate (t);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_ref (tags))));
  fail_unless (gst_pad_get_sticky_event (h->sinkpad, GST_EVENT_TAG, 0) == NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  gst_harness_push (h, make_frame (1));

  gst_buffer_unref (gst_harness_pull (h));
  tag_event = gst_pad_get_sticky_event (h->sinkpad, GST_EVENT_TAG, 0);
  fail_unless (tag_event != NULL);
  gst_event_parse_tag (tag_event, &got);
  gst_tag_list_peek_string_index (got, GST_TAG_TITLE, 0, &title);
  fail_unless_equals_string (title, "kept");

  gst_event_unref (tag_event);
  gst_tag_list_unref (tags);
  test_teardown (h, t);
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean blocked;
} FirstBlock;

static GstPadProbeReturn
block_frame_0 (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  FirstBlock *b = data;

  if (GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info)) != 0)
    return GST_PAD_PROBE_PASS;
  g_mutex_lock (&b->lock);
  b->blocked = TRUE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
  return GST_PAD_PROBE_OK;      /* a blocking probe: stays blocked */
}

/* A flush while the task is stuck pushing a frame of a batch [frame,
 * tag]: the tag event that never got pushed still reaches downstream
 * before the next frame. */
GST_START_TEST (test_flush_keeps_sticky_in_batch)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstTagList *tags = gst_tag_list_new (GST_TAG_TITLE, "kept", NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  GstEvent *tag_event;
  GstSegment seg;
  FirstBlock b;
  gulong id;

  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  b.blocked = FALSE;
  t->gate_closed = TRUE;
  gst_harness_set_src_caps_str (h, "test/in");
  id = gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BLOCK, block_frame_0, &b, NULL);
  gst_harness_push (h, make_frame (0));
  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_ref (tags))));
  /* frame 0 is done once the tag is queued: they leave together */
  test_open_gate (t);
  g_mutex_lock (&b.lock);
  while (!b.blocked)
    fail_unless (g_cond_wait_until (&b.cond, &b.lock, deadline));
  g_mutex_unlock (&b.lock);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  gst_pad_remove_probe (h->sinkpad, id);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  gst_harness_push (h, make_frame (1));
  gst_buffer_unref (gst_harness_pull (h));
  tag_event = gst_pad_get_sticky_event (h->sinkpad, GST_EVENT_TAG, 0);
  fail_unless (tag_event != NULL, "tag event lost across the flush");

  gst_event_unref (tag_event);
  gst_tag_list_unref (tags);
  test_teardown (h, t);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
}

GST_END_TEST;

/* A frame that would never finish by itself (held at the gate) does not
 * hold up a flush: flush-start unlocks it, flush-stop waits for it to
 * return, then flush () runs with no process () call left, and the next
 * frame goes through at once. */
GST_START_TEST (test_flush_unlocks_work)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstSegment seg;
  gchar *calls;

  t->gate_closed = TRUE;
  gst_harness_set_src_caps_str (h, "test/in");
  g_free (test_take_calls (t));
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  test_wait_at_gate (t);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  calls = test_take_calls (t);
  fail_unless_equals_string (calls, "unlock flush unlock_stop");
  g_free (calls);
  fail_unless_equals_int (t->flush_busy, 0);
  fail_unless_equals_int (t->flushed_contexts, 1);

  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  fail_unless_equals_int (gst_harness_push (h, make_frame (1)), GST_FLOW_OK);
  pull_frame (h, 1);
  test_teardown (h, t);
}

GST_END_TEST;

static void
change_everything (GstHarness * h, GRand * rand, gpointer data)
{
  static const guint work_us[] = { 0, 0, 30, 300, 2000 };
  GstTestAsync *t = data;

  g_object_set (t, "ordered", g_rand_boolean (rand), "max-in-flight",
      g_rand_int_range (rand, 1, 9), "leaky", g_rand_int_range (rand, 0, 3),
      NULL);
  g_atomic_int_set (&t->work_us,
      work_us[g_rand_int_range (rand, 0, G_N_ELEMENTS (work_us))]);
}

/* Everything at once, at random: flushes, drain queries and caps changes
 * in the stream, and ordered, max-in-flight, leaky and the cost of the work
 * (cheap work runs on the src task, real work on the workers) changing
 * while frames flow. Worker contexts stay exclusive, at most n-workers
 * frames run at once, nothing from before a flush leaks out after it. */
GST_START_TEST (test_chaos)
{
  GstTestAsync *t = test_async_new (3, 5);
  GstHarness *h = test_harness (t);

  gst_harness_set_src_caps_str (h, "test/in");
  run_flushes (h, async_check_scale (100), 1234 + __i__, TRUE,
      change_everything, t);
  gst_harness_teardown (h);
  fail_unless_equals_int (t->context_clash, 0);
  fail_unless (t->max_running <= 3, "%d frames at once", t->max_running);
  fail_unless_equals_int (t->contexts_freed, t->contexts_created);
  gst_object_unref (t);
}

GST_END_TEST;

static GstPadChainFunction harness_chain;

/* Downstream that is EOS for frame 0 only. */
static GstFlowReturn
eos_for_first_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  if (GST_BUFFER_OFFSET (buf) == 0) {
    gst_buffer_unref (buf);
    return GST_FLOW_EOS;
  }
  return harness_chain (pad, parent, buf);
}

/* Downstream EOS on a frame that left together with a new segment and a
 * frame after it: the new segment counts, upstream is not refused. */
GST_START_TEST (test_downstream_eos_then_new_segment)
{
  GstTestAsync *t = test_async_new (2, 8);
  GstHarness *h = test_harness (t);
  GstSegment seg;

  t->slow_first_us = 100 * 1000;
  gst_harness_set_src_caps_str (h, "test/in");
  harness_chain = GST_PAD_CHAINFUNC (h->sinkpad);
  gst_pad_set_chain_function (h->sinkpad, eos_for_first_chain);

  /* frame 1 is done long before frame 0: [0, segment, 1] leave at once */
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  fail_unless_equals_int (gst_harness_push (h, make_frame (1)), GST_FLOW_OK);
  fail_unless (async_check_drain (h->srcpad));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_int (gst_harness_push (h, make_frame (2)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));

  test_teardown (h, t);
}

GST_END_TEST;

/* New caps while dropping after a downstream EOS are not lost: the frames
 * of the next segment leave under them. */
GST_START_TEST (test_caps_kept_after_downstream_eos)
{
  GstTestAsync *t = test_async_new (2, 8);
  GstHarness *h = test_harness (t);
  GstSegment seg;
  GstCaps *caps;

  gst_harness_set_src_caps_str (h, "test/in, x=(int)1");
  harness_chain = GST_PAD_CHAINFUNC (h->sinkpad);
  gst_pad_set_chain_function (h->sinkpad, eos_for_first_chain);
  gst_harness_push (h, make_frame (0));
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (gst_harness_push_event (h,
          caps_event (gst_caps_from_string ("test/in, x=(int)2"))));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  fail_unless_equals_int (gst_harness_push (h, make_frame (1)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (caps_is (caps, "test/in, x=(int)2"), "frame 1 went out "
      "under %" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);

  test_teardown (h, t);
}

GST_END_TEST;

/* Unordered, an end of the stream from process () ends it in its place:
 * every frame before it leaves, it does not, and frames after it that
 * finish once it is known are dropped (those that finished first may have
 * left). In a second stream after a new segment too: there, frame 20 is
 * held until 24 has ended the stream and 25 to 29 are done. */
GST_START_TEST (test_unordered_ends_in_place)
{
  GstTestAsync *t = test_async_new (3, 12);
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  GArray *later = g_array_new (FALSE, FALSE, sizeof (guint64));
  GstHarness *h;
  GstSegment seg;
  Recorder rec;
  guint i, segments = 0, n_first = 0;
  guint64 processed;

  t->work_us = 3000;
  t->eos_offsets = (G_GUINT64_CONSTANT (1) << 4) |
      (G_GUINT64_CONSTANT (1) << 24);
  t->gate_offset = 20;
  t->gate_closed = TRUE;
  g_object_set (t, "ordered", FALSE, NULL);
  recorder_attach (&rec, GST_ELEMENT (t));
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  gst_segment_init (&seg, GST_FORMAT_TIME);
  /* (upstream learns of the end within the window: EOS) */
  for (i = 0; i < 10; i++)
    gst_harness_push (h, make_frame (i));
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  processed = read_stats (GST_ELEMENT (t)).processed;
  push_frames (h, 20, 10);
  /* all of the second stream but 20 is done */
  wait_processed (t, processed + 9, deadline);
  test_open_gate (t);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (recorder_wait_for (&rec, GST_EVENT_EOS));

  g_mutex_lock (&rec.lock);
  for (i = 0; i < rec.items->len; i++) {
    Item *item = &g_array_index (rec.items, Item, i);

    if (item->type == GST_EVENT_SEGMENT)
      segments++;
    else if (item->type != 0)
      continue;
    /* after the harness's segment, the first stream; after ours, the
     * second */
    else if (segments == 1) {
      fail_unless (item->value != 4 && item->value < 10);
      n_first += item->value < 4;
    } else {
      g_array_append_val (later, item->value);
    }
  }
  g_mutex_unlock (&rec.lock);
  fail_unless_equals_int (n_first, 4);
  fail_unless_equals_int (later->len, 4);
  for (i = 0; i < later->len; i++)
    fail_unless (g_array_index (later, guint64, i) >= 20
        && g_array_index (later, guint64, i) < 24, "frame %" G_GUINT64_FORMAT
        " after the end", g_array_index (later, guint64, i));
  g_array_unref (later);
  recorder_clear (&rec);
  test_teardown (h, t);
}

GST_END_TEST;

/* A flushing seek in a running pipeline: no frame from before the seek
 * after it, no deadlock. */
GST_START_TEST (test_flushing_seek)
{
  GstElement *pipeline, *sink;
  Recorder rec;
  guint i, seeks = async_check_scale (40);
  GError *err = NULL;

  pipeline = gst_parse_launch ("videotestsrc pattern=black ! "
      "video/x-raw,width=64,height=48,framerate=100/1 ! "
      "asyncidentity n-workers=4 max-in-flight=8 work-time=200 "
      "work-jitter=4000 ! fakesink name=sink signal-handoffs=true "
      "sync=false", &err);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_mutex_init (&rec.lock);
  g_cond_init (&rec.cond);
  rec.items = g_array_new (FALSE, FALSE, sizeof (Item));
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &rec);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless (wait_for_handoffs (&rec, 5));

  for (i = 1; i <= seeks; i++) {
    GstClockTime target = i * 100 * GST_SECOND;
    guint have, k;

    /* The seek returns once flush-stop went through the sink: every frame
     * rendered after that is from the target on. */
    fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
            GST_SEEK_FLAG_FLUSH, target));
    g_mutex_lock (&rec.lock);
    have = rec.items->len;
    g_mutex_unlock (&rec.lock);
    fail_unless (wait_for_handoffs (&rec, have + 3));

    g_mutex_lock (&rec.lock);
    for (k = have; k < rec.items->len; k++) {
      GstClockTime pts = g_array_index (rec.items, Item, k).value;

      fail_unless (pts >= target, "frame at %" GST_TIME_FORMAT
          " after seek to %" GST_TIME_FORMAT, GST_TIME_ARGS (pts),
          GST_TIME_ARGS (target));
    }
    g_mutex_unlock (&rec.lock);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  recorder_clear (&rec);
}

GST_END_TEST;

typedef struct
{
  GstElement *pipeline;
  guint count;                  /* buffers seen */
  gboolean sought;
  GstClockTime next_pts;        /* after the seek */
  gchar *wrong;                 /* what came out of order, if anything */
} SeekInPush;

/* A sink that seeks back to 0 at its 50th buffer, from the streaming
 * thread, inside the element's push (an application looping a file from a
 * pad probe): after the seek, frames come from 0 on, one after the
 * other. */
static GstPadProbeReturn
seek_in_push (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  SeekInPush *s = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  if (s->sought && s->wrong == NULL) {
    if (GST_BUFFER_PTS (buf) != s->next_pts)
      s->wrong = g_strdup_printf ("frame at %" GST_TIME_FORMAT ", expected %"
          GST_TIME_FORMAT, GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
          GST_TIME_ARGS (s->next_pts));
    s->next_pts += GST_SECOND / 100;
  }
  if (++s->count == 50) {
    /* Not while the pipeline is still on its way to PLAYING: a flushing
     * seek from a streaming thread then can leave the sink waiting in
     * preroll for a PLAYING that GstBin never sets again (a GStreamer
     * race, seen 1 run in 40 when frames come this fast). */
    gst_element_get_state (s->pipeline, NULL, NULL, 5 * GST_SECOND);
    fail_unless (gst_pad_push_event (pad, gst_event_new_seek (1.0,
                GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET, 0,
                GST_SEEK_TYPE_NONE, -1)));
    s->sought = TRUE;
    /* this buffer is from before the seek */
    return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

/* A flushing seek made inside the element's own push: the flush runs in
 * the src task's thread, which must not wait for itself, and what the task
 * still had to push from before the flush is dropped. __i__: cheap work
 * (the task runs frames itself), real work (workers, batches), or work
 * on the edge of cheap, so that the task runs frames while workers run
 * others. */
GST_START_TEST (test_seek_from_push)
{
  static const guint work_time[] = { 0, 1000, 5 };
  static const guint work_jitter[] = { 0, 20000, 40 };
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=150 ! "
      "video/x-raw,width=64,height=48,framerate=100/1 ! asyncidentity "
      "n-workers=2 max-in-flight=8 work-time=%u work-jitter=%u ! "
      "fakesink name=sink sync=false", work_time[__i__], work_jitter[__i__]);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  SeekInPush s = { pipeline, 0, FALSE, 0, NULL };
  GstMessage *msg;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, seek_in_push, &s, NULL);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS: deadlocked");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless (s.sought);
  fail_unless (s.wrong == NULL, "after the seek: %s", s.wrong);
  fail_unless (s.next_pts > 0);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
}

GST_END_TEST;

/* --- TCase "downstream flow and errors": flow returns, errors in turn ---- */

static gint eos_events;

static gboolean
count_eos_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    g_atomic_int_inc (&eos_events);
  return gst_pad_event_default (pad, parent, event);
}

static const GstFlowReturn downstream_flows[] = {
  GST_FLOW_ERROR, GST_FLOW_EOS, GST_FLOW_NOT_NEGOTIATED, GST_FLOW_NOT_LINKED,
};

/* A downstream flow return reaches upstream: accepted frames are pushed,
 * then the next buffer after the failed push gets the flow return. */
GST_START_TEST (test_downstream_flow_reaches_upstream)
{
  GstFlowReturn flow = downstream_flows[__i__];
  GstElement *e = identity_new (2, 8);
  GstPad *src, *sink;
  GstSegment seg;

  src = setup_between_pads (e, flow_chain, &sink);

  g_atomic_int_set (&downstream_flow, GST_FLOW_OK);
  fail_unless_equals_int (gst_pad_push (src, make_frame (0)), GST_FLOW_OK);
  fail_unless (async_check_drain (src));
  g_atomic_int_set (&downstream_flow, flow);
  fail_unless_equals_int (gst_pad_push (src, make_frame (1)), GST_FLOW_OK);
  /* once frame 1 has been pushed, the next call learns the flow return;
   * EOS is no error: the element is drained all the same */
  fail_unless_equals_int (async_check_drain (src), flow == GST_FLOW_EOS);
  fail_unless_equals_int (gst_pad_push (src, make_frame (2)), flow);
  fail_unless_equals_int (gst_pad_push (src, make_frame (3)), flow);

  if (flow == GST_FLOW_EOS) {
    /* the EOS event still goes out, and a new stream restarts data, as
     * with queue */
    g_atomic_int_set (&downstream_flow, GST_FLOW_OK);
    g_atomic_int_set (&eos_events, 0);
    gst_pad_set_event_function (sink, count_eos_event);
    fail_unless (gst_pad_push_event (src, gst_event_new_eos ()));
    fail_unless (async_check_drain (src));
    fail_unless_equals_int (g_atomic_int_get (&eos_events), 1);
    fail_unless (gst_pad_push_event (src, gst_event_new_stream_start ("2")));
    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_pad_push_event (src, gst_event_new_segment (&seg)));
    fail_unless_equals_int (gst_pad_push (src, make_frame (4)), GST_FLOW_OK);
  }

  if (flow != GST_FLOW_EOS) {
    /* upstream ending the stream now may never have reported the error:
     * the element does, as queue does */
    GstBus *bus = gst_bus_new ();
    GstMessage *msg;

    gst_element_set_bus (e, bus);
    gst_pad_push_event (src, gst_event_new_eos ());
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL);
    gst_message_unref (msg);
    gst_element_set_bus (e, NULL);
    gst_object_unref (bus);
    fail_unless (gst_pad_push_event (src, gst_event_new_stream_start ("2")));
  }

  if (flow == GST_FLOW_NOT_LINKED) {
    /* a new link (reconfigure) lets data flow again, as with queue */
    g_atomic_int_set (&downstream_flow, GST_FLOW_OK);
    fail_unless (gst_pad_push_event (sink, gst_event_new_reconfigure ()));
    fail_unless_equals_int (gst_pad_push (src, make_frame (4)), GST_FLOW_OK);
  }

  /* a flush resets the flow, as with queue */
  g_atomic_int_set (&downstream_flow, GST_FLOW_OK);
  fail_unless (gst_pad_push_event (src, gst_event_new_flush_start ()));
  fail_unless (gst_pad_push_event (src, gst_event_new_flush_stop (FALSE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_pad_push_event (src, gst_event_new_segment (&seg)));
  fail_unless_equals_int (gst_pad_push (src, make_frame (5)), GST_FLOW_OK);

  teardown_between_pads (e);
}

GST_END_TEST;

static gint flaky_count;
static gint reconfigure_stop;

static GstFlowReturn
flaky_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  gst_buffer_unref (buffer);
  return g_atomic_int_add (&flaky_count, 1) % 3 == 0 ? GST_FLOW_NOT_LINKED :
      GST_FLOW_OK;
}

static gpointer
reconfigure_thread (gpointer data)
{
  GstPad *sink = data;

  while (!g_atomic_int_get (&reconfigure_stop)) {
    gst_pad_push_event (sink, gst_event_new_reconfigure ());
    g_thread_yield ();
  }
  return NULL;
}

/* Downstream keeps coming and going (not-linked, then reconfigure) while
 * frames flow: a reconfigure racing with the task pausing must never leave
 * the task paused with upstream waiting for space. */
GST_START_TEST (test_reconfigure_races_not_linked)
{
  GstElement *e = identity_new (2, 4);
  guint i, n = async_check_scale (200000), not_linked = 0;
  GstPad *src, *sink;
  GThread *thread;

  src = setup_between_pads (e, flaky_chain, &sink);

  g_atomic_int_set (&flaky_count, 0);
  g_atomic_int_set (&reconfigure_stop, 0);
  thread = g_thread_new ("reconfigure", reconfigure_thread, sink);
  for (i = 0; i < n; i++) {
    GstFlowReturn ret = gst_pad_push (src, make_frame (i));

    fail_unless (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED);
    not_linked += ret == GST_FLOW_NOT_LINKED;
  }
  g_atomic_int_set (&reconfigure_stop, 1);
  g_thread_join (thread);
  /* both paths really ran */
  fail_unless (not_linked > 0);
  fail_unless (g_atomic_int_get (&flaky_count) > 100);

  teardown_between_pads (e);
}

GST_END_TEST;

/* Downstream refuses frame 3 once (not-linked); the frames behind it,
 * done and taken out with it in one batch, wait for a new link, as in
 * queue, instead of being lost. */
static GArray *not_linked_seen;

static GstFlowReturn
not_linked_at_3_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  guint64 offset = GST_BUFFER_OFFSET (buffer);

  gst_buffer_unref (buffer);
  if (offset == 3 && g_atomic_int_compare_and_exchange (&downstream_flow,
          GST_FLOW_OK, GST_FLOW_NOT_LINKED))
    return GST_FLOW_NOT_LINKED;
  g_array_append_val (not_linked_seen, offset);
  return GST_FLOW_OK;
}

GST_START_TEST (test_not_linked_keeps_the_rest)
{
  GstTestAsync *t = test_async_new (2, 8);
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  GstPad *src, *sink;
  Stats x;
  guint i;

  not_linked_seen = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_atomic_int_set (&downstream_flow, GST_FLOW_OK);
  t->gate_closed = TRUE;
  src = setup_between_pads_with_caps (GST_ELEMENT (t), not_linked_at_3_chain,
      &sink, "test/in");
  for (i = 0; i < 8; i++)
    fail_unless_equals_int (gst_pad_push (src, make_frame (i)), GST_FLOW_OK);
  /* frames 1 to 7 done behind frame 0: one batch once it is */
  while (read_stats (GST_ELEMENT (t)).processed < 7) {
    fail_unless (g_get_monotonic_time () < deadline);
    g_usleep (1000);
  }
  test_open_gate (t);
  fail_if (async_check_drain (src));

  fail_unless (gst_pad_push_event (sink, gst_event_new_reconfigure ()));
  fail_unless (async_check_drain (src));
  fail_unless_equals_int (not_linked_seen->len, 7);
  for (i = 0; i < 7; i++)
    fail_unless_equals_uint64 (g_array_index (not_linked_seen, guint64, i),
        i < 3 ? i : i + 1);
  x = read_stats (GST_ELEMENT (t));
  fail_unless_equals_uint64 (x.out, 7);
  fail_unless_equals_uint64 (x.other, 1);

  teardown_between_pads (GST_ELEMENT (t));
  g_array_unref (not_linked_seen);
}

GST_END_TEST;

/* Records, when the element posts its error, how many buffers the harness
 * had received. */
static GstBusSyncReply
note_buffers_at_error (GstBus * bus, GstMessage * msg, gpointer data)
{
  GstHarness *h = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    g_object_set_data (G_OBJECT (h->element), "buffers-at-error",
        GUINT_TO_POINTER (gst_harness_buffers_received (h) + 1));
  return GST_BUS_PASS;
}

/* A frame's error waits for its turn: frame 3 fails long before frame 0
 * (held at the gate) is done, but its error is posted only once frames 0
 * to 2 have been pushed, and only once, however upstream ends the stream
 * then. */
GST_START_TEST (test_error_in_turn)
{
  GstTestAsync *t = test_async_new (4, 8);
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  GstBus *bus = gst_bus_new ();
  GstHarness *h;

  t->gate_closed = TRUE;
  t->error_at = 3;
  gst_element_set_bus (GST_ELEMENT (t), bus);
  h = test_harness (t);
  gst_bus_set_sync_handler (bus, note_buffers_at_error, h, NULL);
  gst_harness_set_src_caps_str (h, "test/in");
  push_frames (h, 0, 6);
  test_wait_at_gate (t);
  wait_processed (t, 5, deadline);
  fail_unless_equals_int (count_messages (bus, t).errors, 0);

  test_open_gate (t);
  fail_if (async_check_drain (h->srcpad));
  fail_unless_equals_int (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (t),
              "buffers-at-error")) - 1, 3);
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  /* upstream learns of it, then ends the stream: still one message */
  fail_unless_equals_int (gst_harness_push (h, make_frame (6)), GST_FLOW_ERROR);
  gst_harness_push_event (h, gst_event_new_eos ());
  fail_unless_equals_int (count_messages (bus, t).errors, 1);

  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_element_set_bus (GST_ELEMENT (t), NULL);
  gst_object_unref (bus);
  test_teardown (h, t);
}

GST_END_TEST;

/* --- TCase "states and activation": state changes, pad (de)activation ---- */

GST_START_TEST (test_state_cycles)
{
  GstElement *pipeline, *sink;
  Recorder rec;
  guint cycle, cycles = async_check_scale (200);
  GError *err = NULL;

  pipeline = gst_parse_launch ("videotestsrc pattern=black ! "
      "video/x-raw,width=64,height=48,framerate=1000/1 ! "
      "asyncidentity n-workers=3 max-in-flight=6 work-time=500 "
      "work-jitter=3000 ! fakesink name=sink signal-handoffs=true "
      "sync=false", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_mutex_init (&rec.lock);
  g_cond_init (&rec.cond);
  rec.items = g_array_new (FALSE, FALSE, sizeof (Item));
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &rec);

  for (cycle = 0; cycle < cycles; cycle++) {
    GstState target = cycle % 3 == 0 ? GST_STATE_NULL : GST_STATE_READY;
    GstState up = cycle % 3 == 2 ? GST_STATE_PAUSED : GST_STATE_PLAYING;
    guint have;

    g_mutex_lock (&rec.lock);
    have = rec.items->len;
    g_mutex_unlock (&rec.lock);

    fail_if (gst_element_set_state (pipeline, up) == GST_STATE_CHANGE_FAILURE);
    if (up == GST_STATE_PLAYING)
      /* frames flowing, so some are in flight now */
      fail_unless (wait_for_handoffs (&rec, have + 3));
    else
      /* prerolled: the sink holds a frame, more wait behind it */
      fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
              30 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (pipeline, target),
        GST_STATE_CHANGE_SUCCESS);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  recorder_clear (&rec);
}

GST_END_TEST;

/* A flush-stop after the src pad was deactivated does not restart its task
 * (which nothing would stop again: teardown deadlocked), and data is
 * refused meanwhile. */
GST_START_TEST (test_flush_stop_after_src_deactivated)
{
  GstHarness *h = identity_harness (2, 4, TRUE, 0);
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  GstSegment seg;

  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless (gst_pad_set_active (src, FALSE));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless_equals_int (gst_pad_get_task_state (src), GST_TASK_STOPPED);
  /* refused (the segment is, as the element flushes: FLUSHING or ERROR) */
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  fail_if (gst_harness_push (h, make_frame (1)) == GST_FLOW_OK);
  gst_object_unref (src);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Waits until @pad's task is in @state; FALSE after 30 s. The task has no
 * signal to wait on, so this polls. */
static gboolean
wait_task_state (GstPad * pad, GstTaskState state)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  while (gst_pad_get_task_state (pad) != state) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_usleep (1000);
  }
  return TRUE;
}

/* An idle src task holds no thread: it stops once it has nothing to push,
 * each frame starts it again, and deactivating the sink pad leaves it
 * stopped. */
GST_START_TEST (test_idle_task_gives_its_thread_back)
{
  GstHarness *h = identity_harness (2, 4, TRUE, 0);
  GstPad *sink = gst_element_get_static_pad (h->element, "sink");
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  guint i;

  for (i = 0; i < 20; i++) {
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
    fail_unless (wait_task_state (src, GST_TASK_STOPPED));
  }
  fail_unless (gst_pad_set_active (sink, FALSE));
  fail_unless_equals_int (gst_pad_get_task_state (src), GST_TASK_STOPPED);
  fail_unless (gst_pad_set_active (sink, TRUE));
  fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Deactivating and activating the sink pad alone: data flows again. */
GST_START_TEST (test_sink_reactivation)
{
  GstHarness *h = identity_harness (2, 4, TRUE, 0);
  GstPad *sink = gst_element_get_static_pad (h->element, "sink");

  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless (gst_pad_set_active (sink, FALSE));
  fail_unless (gst_pad_set_active (sink, TRUE));
  fail_unless_equals_int (gst_harness_push (h, make_frame (1)), GST_FLOW_OK);
  pull_frame (h, 1);
  gst_object_unref (sink);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Nor a state change: going to NULL interrupts the frame held at the gate,
 * and the element stops. */
GST_START_TEST (test_stop_unlocks_work)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);

  t->gate_closed = TRUE;
  gst_harness_set_src_caps_str (h, "test/in");
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  test_wait_at_gate (t);
  fail_unless_equals_int (gst_element_set_state (GST_ELEMENT (t),
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (t->flush_busy, 0);
  fail_unless_equals_int (t->contexts_freed, t->contexts_created);
  test_teardown (h, t);
}

GST_END_TEST;

/* A src pad whose deactivation fails once: PAUSED->READY fails. */
static GstPadActivateModeFunction real_src_activate_mode;

static gboolean
refuse_deactivation (GstPad * pad, GstObject * parent, GstPadMode mode,
    gboolean active)
{
  if (!active)
    return FALSE;
  return real_src_activate_mode (pad, parent, mode, active);
}

/* A failed PAUSED->READY interrupts the work (unlock), then resumes it:
 * unlock_stop only once the interrupted process () has returned, as the
 * subclass may rely on. */
GST_START_TEST (test_failed_stop_waits_for_work)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstPad *src = gst_element_get_static_pad (GST_ELEMENT (t), "src");

  t->gate_closed = TRUE;
  gst_harness_set_src_caps_str (h, "test/in");
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  test_wait_at_gate (t);
  real_src_activate_mode = GST_PAD_ACTIVATEMODEFUNC (src);
  gst_pad_set_activatemode_function (src, refuse_deactivation);
  /* (the pad says the failure is very bad) */
  ASSERT_CRITICAL (fail_unless_equals_int (gst_element_set_state
          (GST_ELEMENT (t), GST_STATE_READY), GST_STATE_CHANGE_FAILURE));
  fail_unless_equals_int (t->busy_at_unlock_stop, 0);

  /* (the pad stays flushing: GstPad's own rule) a second try works */
  gst_pad_set_activatemode_function (src, real_src_activate_mode);
  test_open_gate (t);
  fail_unless_equals_int (gst_element_set_state (GST_ELEMENT (t),
          GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  test_teardown (h, t);
}

GST_END_TEST;

/* --- TCase "caps, queries and allocation" -------------------------------- */

/* set_caps runs only after every earlier frame has left. */
GST_START_TEST (test_caps_drains_first)
{
  GstTestAsync *t = test_async_new (4, 8);
  GstHarness *h = test_harness (t);
  GstPad *srcpad = gst_element_get_static_pad (GST_ELEMENT (t), "src");
  gint pushed = 0;
  guint i, round;

  t->work_us = 5000;
  t->pushed_counter = &pushed;
  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER, count_buffers_probe,
      &pushed, NULL);
  for (round = 1; round <= 3; round++) {
    gst_harness_set_src_caps_str (h, round % 2 ? "test/in" : "test/out");
    fail_unless_equals_int (t->set_caps_calls, round);
    fail_unless_equals_int (t->pushed_at_set_caps, (round - 1) * 8);
    for (i = 0; i < 8; i++)
      gst_harness_push (h, make_frame (i));
  }
  gst_object_unref (srcpad);
  test_teardown (h, t);
}

GST_END_TEST;

static gboolean
answer_position (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_POSITION) {
    gst_query_set_position (query, GST_FORMAT_TIME, GST_SECOND);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* Downstream asking for the position gets upstream's, less the frames
 * inside, as from queue. */
GST_START_TEST (test_position_less_frames_inside)
{
  GstTestAsync *t = test_async_new (2, 8);
  GstHarness *h = test_harness (t);
  gint64 position = 0;
  GstSegment seg;

  t->gate_closed = TRUE;
  gst_pad_set_query_function (h->srcpad, answer_position);
  gst_harness_set_src_caps_str (h, "test/in");
  /* (the harness's segment is in bytes: none for position) */
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  push_frames (h, 0, 5);
  fail_unless (gst_pad_peer_query_position (h->sinkpad, GST_FORMAT_TIME,
          &position));
  /* five frames of 10 ms inside */
  fail_unless_equals_int64 (position, GST_SECOND - 50 * GST_MSECOND);

  test_open_gate (t);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (gst_pad_peer_query_position (h->sinkpad, GST_FORMAT_TIME,
          &position));
  fail_unless_equals_int64 (position, GST_SECOND);
  test_teardown (h, t);
}

GST_END_TEST;

/* Upstream that cannot say where it is in time (multifilesrc, or filesrc
 * before a decoder): the position is the stream time of the newest frame
 * pushed, as from GstVideoDecoder; before any, there is none. */
GST_START_TEST (test_position_without_upstream)
{
  GstTestAsync *t = test_async_new (2, 8);
  GstHarness *h = test_harness (t);
  gint64 position = 0;
  GstSegment seg;

  gst_harness_set_src_caps_str (h, "test/in");
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.time = GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  fail_if (gst_pad_peer_query_position (h->sinkpad, GST_FORMAT_TIME,
          &position));
  push_frames (h, 0, 5);
  pull_and_drop (h, 5);
  /* (every frame accounted for) */
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (gst_pad_peer_query_position (h->sinkpad, GST_FORMAT_TIME,
          &position));
  /* the last frame starts 40 ms into a segment at stream time 1 s */
  fail_unless_equals_int64 (position, GST_SECOND + 40 * GST_MSECOND);
  /* (other formats are upstream's to answer) */
  fail_if (gst_pad_peer_query_position (h->sinkpad, GST_FORMAT_DEFAULT,
          &position));
  test_teardown (h, t);
}

GST_END_TEST;

static gint error_logs;

static void
count_error_logs (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer data)
{
  if (level == GST_LEVEL_ERROR)
    g_atomic_int_inc (&error_logs);
}

/* Audio (any format but raw video) through the allocation code logs no
 * error: the element does not ask GstVideoInfo about it. */
GST_START_TEST (test_no_error_logs_for_audio)
{
  const gchar *elements[] = { "asyncidentity", "testasync" };
  GstDebugLevel threshold = gst_debug_get_default_threshold ();
  guint i;

  gst_debug_set_active (TRUE);
  gst_debug_set_default_threshold (GST_LEVEL_ERROR);
  gst_debug_add_log_function (count_error_logs, NULL, NULL);
  for (i = 0; i < G_N_ELEMENTS (elements); i++) {
    gchar *desc = g_strdup_printf ("audiotestsrc num-buffers=5 ! %s ! "
        "fakesink", elements[i]);
    GstElement *pipeline = gst_parse_launch (desc, NULL);
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *msg;

    g_atomic_int_set (&error_logs, 0);
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "%s", desc);
    gst_message_unref (msg);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    fail_unless_equals_int (g_atomic_int_get (&error_logs), 0);
    gst_object_unref (bus);
    gst_object_unref (pipeline);
    g_free (desc);
  }
  gst_debug_remove_log_function (count_error_logs);
  gst_debug_set_default_threshold (threshold);
}

GST_END_TEST;

/* Upstream's pool is asked for max-in-flight more buffers. */
static gboolean
pool_proposing_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    gst_query_add_allocation_pool (query, NULL, 256, 2, 6);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* Upstream's pool is asked for max-in-flight more buffers: downstream's
 * pool when the format passes through, else one for raw video of the
 * frame's size; for other formats nothing (a pool of size 0 made basesrc
 * push empty buffers). */
GST_START_TEST (test_allocation_adds_window)
{
  GstElement *e = identity_new (2, 5);
  GstPad *src, *sink;
  GstCaps *video = gst_caps_from_string
      ("video/x-raw,format=GRAY8,width=16,height=16,framerate=25/1");
  GstCaps *audio = gst_caps_from_string ("audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=8000,channels=1");
  GstQuery *query;
  guint size, min, max;

  src = setup_between_pads (e, flow_chain, &sink);
  g_atomic_int_set (&downstream_flow, GST_FLOW_OK);

  /* downstream proposes 2..6 buffers: upstream is asked for 7..11 */
  gst_pad_set_query_function (sink, pool_proposing_query);
  gst_pad_push_event (src, gst_event_new_caps (video));
  query = gst_query_new_allocation (video, TRUE);
  fail_unless (gst_pad_peer_query (src, query));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);
  gst_query_parse_nth_allocation_pool (query, 0, NULL, &size, &min, &max);
  fail_unless_equals_int (size, 256);
  fail_unless_equals_int (min, 2 + 5);
  fail_unless_equals_int (max, 6 + 5);
  gst_query_unref (query);

  /* nobody proposes a pool: raw video gets the window, at its size */
  gst_pad_set_query_function (sink, NULL);
  query = gst_query_new_allocation (video, TRUE);
  fail_unless (gst_pad_peer_query (src, query));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);
  gst_query_parse_nth_allocation_pool (query, 0, NULL, &size, &min, &max);
  fail_unless_equals_int (size, 16 * 16);
  fail_unless_equals_int (min, 5);
  gst_query_unref (query);

  /* ...and another format, whose size is unknown, none */
  gst_pad_push_event (src, gst_event_new_caps (audio));
  query = gst_query_new_allocation (audio, TRUE);
  fail_unless (gst_pad_peer_query (src, query));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 0);
  gst_query_unref (query);

  gst_caps_unref (video);
  gst_caps_unref (audio);
  teardown_between_pads (e);
}

GST_END_TEST;

/* One TCase per concern, set up alike. */
static TCase *
add_tcase (Suite * s, const gchar * name)
{
  TCase *tc = tcase_create (name);

  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  return tc;
}

static Suite *
asynctransform_suite (void)
{
  Suite *s = suite_create ("asynctransform");
  TCase *tc;

  gst_element_register (NULL, "testasync", GST_RANK_NONE,
      gst_test_async_get_type ());

  tc = add_tcase (s, "ordering");
  tcase_add_loop_test (tc, test_identical_output, 0,
      G_N_ELEMENTS (worker_counts));
  tcase_add_test (tc, test_metadata_copied);
  tcase_add_test (tc, test_unordered_exactly_once);
  tcase_add_loop_test (tc, test_unordered_overtakes, 0, 2);
  tcase_add_test (tc, test_chain_list);
  tcase_add_test (tc, test_chain_list_parse);
  tcase_add_loop_test (tc, test_events_keep_place, 0, 4);

  tc = add_tcase (s, "threads and workers");
  tcase_add_test (tc, test_real_concurrency);
  tcase_add_test (tc, test_workers_and_contexts);
  tcase_add_test (tc, test_workers_clamped_to_slots);

  tc = add_tcase (s, "window and leaky");
  tcase_add_loop_test (tc, test_max_in_flight_bound, 0, G_N_ELEMENTS (windows));
  tcase_add_test (tc, test_auto_window_follows_work);
  tcase_add_test (tc, test_auto_window_survives_a_stall);
  tcase_add_test (tc, test_auto_window_bytes);
  tcase_add_loop_test (tc, test_explicit_window_limits, 0, 2);
  tcase_add_loop_test (tc, test_leaky, 0, 2);
  tcase_add_loop_test (tc, test_leaky_never_blocks, 0, 2);
  tcase_add_loop_test (tc, test_leaky_keeps_errors, 0, 2);
  tcase_add_test (tc, test_leaky_keeps_frame_events);
  tcase_add_test (tc, test_discont_survives_dropped_frame);

  tc = add_tcase (s, "flush and EOS");
  tcase_add_test (tc, test_drain_query);
  tcase_add_loop_test (tc, test_flush_with_frames_in_flight, 0, 4);
  tcase_add_test (tc, test_flush_keeps_sticky_events);
  tcase_add_test (tc, test_flush_keeps_sticky_in_batch);
  tcase_add_test (tc, test_flush_unlocks_work);
  tcase_add_loop_test (tc, test_chaos, 0, 3);
  tcase_add_test (tc, test_downstream_eos_then_new_segment);
  tcase_add_test (tc, test_caps_kept_after_downstream_eos);
  tcase_add_test (tc, test_unordered_ends_in_place);
  tcase_add_test (tc, test_flushing_seek);
  tcase_add_loop_test (tc, test_seek_from_push, 0, 3);

  tc = add_tcase (s, "downstream flow and errors");
  tcase_add_loop_test (tc, test_downstream_flow_reaches_upstream, 0,
      G_N_ELEMENTS (downstream_flows));
  tcase_add_test (tc, test_reconfigure_races_not_linked);
  tcase_add_test (tc, test_not_linked_keeps_the_rest);
  tcase_add_test (tc, test_error_in_turn);

  tc = add_tcase (s, "states and activation");
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_flush_stop_after_src_deactivated);
  tcase_add_test (tc, test_idle_task_gives_its_thread_back);
  tcase_add_test (tc, test_sink_reactivation);
  tcase_add_test (tc, test_stop_unlocks_work);
  tcase_add_test (tc, test_failed_stop_waits_for_work);

  tc = add_tcase (s, "caps, queries and allocation");
  tcase_add_test (tc, test_caps_drains_first);
  tcase_add_test (tc, test_position_less_frames_inside);
  tcase_add_test (tc, test_position_without_upstream);
  tcase_add_test (tc, test_no_error_logs_for_audio);
  tcase_add_test (tc, test_allocation_adds_window);
  return s;
}

GST_CHECK_MAIN (asynctransform);
