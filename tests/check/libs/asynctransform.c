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
 * through a small test subclass defined here (format changes, framing,
 * worker contexts, dropped frames). Every wait on the element has a
 * deadline; loop counts shrink under valgrind (GST_ASYNC_TEST_VALGRIND). */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/base/gstadapter.h>
#include <gst/async/gstasynctransform.h>
#include <string.h>

#include "../asynccheck.h"

static GstStaticPadTemplate sinktemplate = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate srctemplate = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static gboolean
caps_is (GstCaps * caps, const gchar * str)
{
  GstCaps *other = gst_caps_from_string (str);
  gboolean res = gst_caps_can_intersect (caps, other);

  gst_caps_unref (other);
  return res;
}

static GstEvent *
caps_event (GstCaps * caps)
{
  GstEvent *event = gst_event_new_caps (caps);

  gst_caps_unref (caps);
  return event;
}

/* --- a test subclass ----------------------------------------------------- */

typedef struct
{
  gint in_use;
} TestContext;

typedef struct
{
  GstAsyncTransform parent;

  /* configuration, set before PAUSED */
  gboolean change_format;       /* test/in -> test/out */
  gboolean out_range;           /* ...with v=1 or v=2, downstream chooses */
  gboolean drop_odd;            /* odd frames produce no output... */
  gboolean drop_by_flow;        /* ...by returning CUSTOM_SUCCESS */
  guint frame_size;             /* > 0: parse splits input in frames */
  guint slow_first_us;          /* frame 0 takes this long */
  gint work_us;                 /* every other frame takes up to this */

  /* observations */
  gint running;
  gint max_running;
  gint contexts_created;
  gint contexts_freed;
  gint context_clash;
  gint set_caps_calls;
  guint64 pushed_at_set_caps;   /* frames seen downstream then */
  gint *pushed_counter;         /* where the test counts pushes */
  gboolean deferred_caps;       /* a decoder: output caps come from parse */
  gboolean fresh_output;        /* output is a new buffer, without metas */
  gint user_data_ok;            /* frames whose user data matched */
  gint user_data_freed;
  gint decide_calls;
  gboolean decided_after_caps;  /* the caps were downstream by then */
  GMutex gate_lock;             /* frame 0 waits while the gate is closed */
  GCond gate_cond;
  gboolean gate_closed;
  gboolean gate_reached;        /* frame 0 is inside process () */
  GstAdapter *adapter;          /* for parse; streaming thread only */
} GstTestAsync;

typedef struct
{
  GstAsyncTransformClass parent_class;
} GstTestAsyncClass;

GType gst_test_async_get_type (void);
G_DEFINE_TYPE (GstTestAsync, gst_test_async, GST_TYPE_ASYNC_TRANSFORM);

static GstStaticPadTemplate test_sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("test/in; test/out"));
static GstStaticPadTemplate test_src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("test/in; test/out"));

static GstCaps *
test_transform_caps (GstAsyncTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  GstCaps *res;

  if (!self->change_format)
    res = gst_caps_ref (caps);
  else if (gst_caps_is_any (caps))
    res = gst_caps_new_empty_simple (direction == GST_PAD_SINK
        ? "test/out" : "test/in");
  else if (direction == GST_PAD_SINK)
    res = caps_is (caps, "test/in")
        ? gst_caps_from_string (self->out_range ? "test/out, v=(int)[1,2]" :
        "test/out") : gst_caps_new_empty ();
  else
    res = caps_is (caps, "test/out")
        ? gst_caps_new_empty_simple ("test/in") : gst_caps_new_empty ();

  if (filter) {
    GstCaps *tmp = gst_caps_intersect (filter, res);
    gst_caps_unref (res);
    res = tmp;
  }
  return res;
}

static gboolean
test_set_caps (GstAsyncTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  self->set_caps_calls++;
  if (self->pushed_counter)
    self->pushed_at_set_caps = g_atomic_int_get (self->pushed_counter);
  return TRUE;
}

/* A decoder learns its output caps from the stream, not from the input
 * caps. */
static GstAsyncTransformClass *test_parent_class;

static gboolean
test_negotiate (GstAsyncTransform * trans, GstCaps * incaps)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  return self->deferred_caps ? TRUE :
      test_parent_class->negotiate (trans, incaps);
}

/* What parse tells process about a frame. */
typedef struct
{
  GstTestAsync *self;
  guint64 offset;
} FrameInfo;

static void
test_user_data_free (gpointer data)
{
  FrameInfo *info = data;

  g_atomic_int_inc (&info->self->user_data_freed);
  g_free (info);
}

static gboolean
test_decide_allocation (GstAsyncTransform * trans, GstQuery * query)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  GstPad *src = gst_element_get_static_pad (GST_ELEMENT (self), "src");
  GstCaps *caps = NULL, *current = gst_pad_get_current_caps (src);

  gst_query_parse_allocation (query, &caps, NULL);
  self->decide_calls++;
  self->decided_after_caps = current && gst_caps_is_equal (caps, current);
  gst_clear_caps (&current);
  gst_object_unref (src);
  return TRUE;
}

static GstFlowReturn
test_parse (GstAsyncTransform * trans, GstBuffer * buffer)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  GstFlowReturn ret = GST_FLOW_OK;

  if (self->deferred_caps) {
    GstCaps *caps = gst_caps_new_simple ("test/out", "v", G_TYPE_INT,
        (gint) (GST_BUFFER_OFFSET (buffer) / 10), NULL);
    FrameInfo *info = g_new (FrameInfo, 1);

    /* a new size every 10 frames: the old frames leave first */
    fail_unless (gst_async_transform_set_output_caps (trans, caps));
    gst_caps_unref (caps);
    info->self = self;
    info->offset = GST_BUFFER_OFFSET (buffer);
    return gst_async_transform_submit_full (trans, buffer, info,
        test_user_data_free);
  }
  if (self->frame_size == 0)
    return gst_async_transform_submit (trans, buffer);

  gst_adapter_push (self->adapter, buffer);
  while (ret == GST_FLOW_OK
      && gst_adapter_available (self->adapter) >= self->frame_size)
    ret = gst_async_transform_submit (trans,
        gst_adapter_take_buffer (self->adapter, self->frame_size));
  return ret;
}

static GstFlowReturn
test_finish (GstAsyncTransform * trans)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  gsize left = gst_adapter_available (self->adapter);

  if (left == 0)
    return GST_FLOW_OK;
  return gst_async_transform_submit (trans,
      gst_adapter_take_buffer (self->adapter, left));
}

static void
test_flush (GstAsyncTransform * trans)
{
  gst_adapter_clear (((GstTestAsync *) trans)->adapter);
}

static gpointer
test_create_context (GstAsyncTransform * trans)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  g_atomic_int_inc (&self->contexts_created);
  return g_new0 (TestContext, 1);
}

static void
test_free_context (GstAsyncTransform * trans, gpointer context)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  g_atomic_int_inc (&self->contexts_freed);
  g_free (context);
}

static GstFlowReturn
test_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  TestContext *ctx = context;
  gint running, max;

  if (!g_atomic_int_compare_and_exchange (&ctx->in_use, 0, 1))
    g_atomic_int_inc (&self->context_clash);

  running = g_atomic_int_add (&self->running, 1) + 1;
  do {
    max = g_atomic_int_get (&self->max_running);
  } while (running > max
      && !g_atomic_int_compare_and_exchange (&self->max_running, max, running));

  if (frame->number == 0) {
    g_mutex_lock (&self->gate_lock);
    self->gate_reached = TRUE;
    g_cond_broadcast (&self->gate_cond);
    while (self->gate_closed)
      g_cond_wait (&self->gate_cond, &self->gate_lock);
    g_mutex_unlock (&self->gate_lock);
  }

  if (frame->number == 0 && self->slow_first_us)
    g_usleep (self->slow_first_us);
  else if (g_atomic_int_get (&self->work_us))
    g_usleep (g_random_int_range (0, g_atomic_int_get (&self->work_us) + 1));

  g_atomic_int_add (&self->running, -1);
  g_atomic_int_set (&ctx->in_use, 0);

  if (frame->user_data && ((FrameInfo *) frame->user_data)->offset ==
      GST_BUFFER_OFFSET (frame->input))
    g_atomic_int_inc (&self->user_data_ok);

  if (self->fresh_output) {
    GstMapInfo map;

    gst_buffer_map (frame->input, &map, GST_MAP_READ);
    frame->output = gst_buffer_new_memdup (map.data, map.size);
    gst_buffer_unmap (frame->input, &map);
    return GST_FLOW_OK;
  }

  if (self->drop_odd && frame->number % 2 == 1)
    return self->drop_by_flow ? GST_FLOW_CUSTOM_SUCCESS : GST_FLOW_OK;
  /* A new buffer with no timestamps: the base class copies them. */
  frame->output = gst_buffer_copy_deep (frame->input);
  GST_BUFFER_PTS (frame->output) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DTS (frame->output) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (frame->output) = GST_CLOCK_TIME_NONE;
  return GST_FLOW_OK;
}

static void
test_finalize (GObject * object)
{
  g_mutex_clear (&((GstTestAsync *) object)->gate_lock);
  g_cond_clear (&((GstTestAsync *) object)->gate_cond);
  g_object_unref (((GstTestAsync *) object)->adapter);
  G_OBJECT_CLASS (gst_test_async_parent_class)->finalize (object);
}

static void
gst_test_async_class_init (GstTestAsyncClass * klass)
{
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_finalize;
  test_parent_class = gst_test_async_parent_class;
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &test_sink_template);
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &test_src_template);
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass),
      "Test", "Testing", "GstAsyncTransform test subclass", "tests");
  trans_class->transform_caps = test_transform_caps;
  trans_class->set_caps = test_set_caps;
  trans_class->parse = test_parse;
  trans_class->finish = test_finish;
  trans_class->flush = test_flush;
  trans_class->create_context = test_create_context;
  trans_class->free_context = test_free_context;
  trans_class->process = test_process;
}

static void
gst_test_async_init (GstTestAsync * self)
{
  g_mutex_init (&self->gate_lock);
  g_cond_init (&self->gate_cond);
  self->adapter = gst_adapter_new ();
}

static GstTestAsync *
test_async_new (guint n_workers, guint max_in_flight)
{
  return g_object_new (gst_test_async_get_type (), "n-workers", n_workers,
      "max-in-flight", max_in_flight, NULL);
}

/* A harness around a test element the test still holds. */
static GstHarness *
test_harness (GstTestAsync * t)
{
  return gst_harness_new_with_element (GST_ELEMENT (t), "sink", "src");
}

static void
test_teardown (GstHarness * h, GstTestAsync * t)
{
  gst_harness_teardown (h);
  gst_object_unref (t);
}

/* --- helpers ------------------------------------------------------------- */

static GstBuffer *
make_frame (guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);
  GstMapInfo map;
  guint k;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (k = 0; k < map.size; k++)
    map.data[k] = (guint8) (i * 7 + k);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * 10 * GST_MSECOND;
  GST_BUFFER_DTS (buf) = i * 10 * GST_MSECOND + 1;
  GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
  GST_BUFFER_OFFSET (buf) = i;
  GST_BUFFER_OFFSET_END (buf) = i + 1;
  if (i % 3 == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

static void
assert_frame (GstBuffer * buf, guint i)
{
  GstBuffer *expected = make_frame (i);

  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), GST_BUFFER_PTS (expected));
  fail_unless_equals_uint64 (GST_BUFFER_DTS (buf), GST_BUFFER_DTS (expected));
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
      GST_BUFFER_DURATION (expected));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buf), i + 1);
  fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (buf,
          GST_BUFFER_FLAG_DELTA_UNIT), i % 3 == 0);
  {
    GstMapInfo map;
    gst_buffer_map (expected, &map, GST_MAP_READ);
    fail_unless_equals_int (gst_buffer_get_size (buf), map.size);
    fail_unless (gst_buffer_memcmp (buf, 0, map.data, map.size) == 0,
        "frame %u: content differs", i);
    gst_buffer_unmap (expected, &map);
  }
  gst_buffer_unref (expected);
}

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

/* --- output identical to the input --------------------------------------- */

static const guint worker_counts[] = { 1, 2, 8 };

GST_START_TEST (test_identical_output)
{
  guint n_workers = worker_counts[__i__];
  guint n = async_check_scale (3000);
  GstHarness *h = identity_harness (n_workers, 0, TRUE, 300);
  guint i;

  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    assert_frame (buf, i);
    gst_buffer_unref (buf);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The base class copies timestamps, offsets and flags onto a new output
 * buffer that has none. */
GST_START_TEST (test_metadata_copied)
{
  GstTestAsync *t = test_async_new (3, 0);
  GstHarness *h = test_harness (t);
  guint i, n = async_check_scale (500);

  t->work_us = 200;
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    assert_frame (buf, i);
    gst_buffer_unref (buf);
  }
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

  for (i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
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

/* --- concurrency and the window ------------------------------------------ */

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
  for (i = 0; i < n; i++)
    gst_buffer_unref (gst_harness_pull (h));
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

static GstPadProbeReturn
count_buffers_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
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
  for (i = 0; i < n; i++)
    gst_buffer_unref (gst_harness_pull (h));
  gst_object_unref (srcpad);
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
  for (i = 0; i < n; i++)
    gst_buffer_unref (gst_harness_pull (h));

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

/* --- events keep their place --------------------------------------------- */

typedef struct
{
  GMutex lock;
  GCond cond;
  GArray *items;                /* Item */
} Recorder;

typedef struct
{
  GstEventType type;            /* 0 for a buffer */
  guint64 value;                /* buffer offset, or event detail */
} Item;

static guint64
event_detail (GstEvent * event)
{
  const GstStructure *s = gst_event_get_structure (event);
  gint n = 0;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "v", &n);
      return n;
    }
    case GST_EVENT_GAP:{
      GstClockTime ts;
      gst_event_parse_gap (event, &ts, NULL);
      return ts;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *seg;
      gst_event_parse_segment (event, &seg);
      return seg->start;
    }
    default:
      if (s)
        gst_structure_get_int (s, "n", &n);
      return n;
  }
}

static GstPadProbeReturn
record_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Recorder *rec = data;
  Item item = { 0, 0 };

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    item.value = GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info));
  } else {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    item.type = GST_EVENT_TYPE (event);
    item.value = event_detail (event);
  }
  g_mutex_lock (&rec->lock);
  g_array_append_val (rec->items, item);
  g_cond_broadcast (&rec->cond);
  g_mutex_unlock (&rec->lock);
  return GST_PAD_PROBE_OK;
}

static void
recorder_attach (Recorder * rec, GstElement * element)
{
  GstPad *pad = gst_element_get_static_pad (element, "src");

  g_mutex_init (&rec->lock);
  g_cond_init (&rec->cond);
  rec->items = g_array_new (FALSE, FALSE, sizeof (Item));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      record_probe, rec, NULL);
  gst_object_unref (pad);
}

/* Waits until an item of @type has been recorded; FALSE after 30 s. */
static gboolean
recorder_wait_for (Recorder * rec, GstEventType type)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  gboolean found = FALSE;
  guint i;

  g_mutex_lock (&rec->lock);
  while (!found) {
    for (i = 0; i < rec->items->len && !found; i++)
      found = g_array_index (rec->items, Item, i).type == type;
    if (!found && !g_cond_wait_until (&rec->cond, &rec->lock, deadline))
      break;
  }
  g_mutex_unlock (&rec->lock);
  return found;
}

static guint
recorder_count_buffers (Recorder * rec)
{
  guint i, n = 0;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++)
    n += g_array_index (rec->items, Item, i).type == 0;
  g_mutex_unlock (&rec->lock);
  return n;
}

static void
recorder_clear (Recorder * rec)
{
  g_array_unref (rec->items);
  g_mutex_clear (&rec->lock);
  g_cond_clear (&rec->cond);
}

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

/* --- format change, framing, dropped frames (the subclass hooks) --------- */

GST_START_TEST (test_format_change)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h;
  GstCaps *caps;
  GstPad *sinkpad;

  t->change_format = TRUE;
  h = test_harness (t);
  sinkpad = gst_element_get_static_pad (GST_ELEMENT (t), "sink");

  /* caps query on the sink pad: what gives test/out downstream */
  gst_harness_set_sink_caps_str (h, "test/out");
  caps = gst_pad_query_caps (sinkpad, NULL);
  fail_unless (caps_is (caps, "test/in") && !caps_is (caps, "test/out"),
      "got %" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);
  caps = gst_caps_from_string ("test/in");
  fail_unless (gst_pad_query_accept_caps (sinkpad, caps));
  gst_caps_unref (caps);
  caps = gst_caps_from_string ("test/out");
  fail_if (gst_pad_query_accept_caps (sinkpad, caps));
  gst_caps_unref (caps);

  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (caps_is (caps, "test/out"), "got %" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);

  gst_object_unref (sinkpad);
  test_teardown (h, t);
}

GST_END_TEST;

/* Downstream changing its mind (a reconfigure with other caps) makes the
 * element negotiate again before the next frame, as GstBaseTransform. */
GST_START_TEST (test_renegotiate_on_reconfigure)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h;
  GstCaps *caps;
  gint v = 0;

  t->change_format = TRUE;
  t->out_range = TRUE;
  h = test_harness (t);
  gst_harness_set_sink_caps_str (h, "test/out, v=(int)1");
  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  caps = gst_pad_get_current_caps (h->sinkpad);
  gst_structure_get_int (gst_caps_get_structure (caps, 0), "v", &v);
  fail_unless_equals_int (v, 1);
  gst_caps_unref (caps);

  gst_harness_set_sink_caps_str (h, "test/out, v=(int)2");
  fail_unless (gst_pad_push_event (h->sinkpad, gst_event_new_reconfigure ()));
  gst_harness_push (h, make_frame (1));
  gst_buffer_unref (gst_harness_pull (h));
  caps = gst_pad_get_current_caps (h->sinkpad);
  gst_structure_get_int (gst_caps_get_structure (caps, 0), "v", &v);
  fail_unless_equals_int (v, 2);
  gst_caps_unref (caps);
  fail_unless_equals_int (t->set_caps_calls, 2);

  test_teardown (h, t);
}

GST_END_TEST;

/* Caps that cannot be transformed fail negotiation, and data after them is
 * refused as not-negotiated. */
GST_START_TEST (test_not_negotiated)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h;
  GstSegment seg;

  t->change_format = TRUE;
  h = test_harness (t);
  fail_unless (gst_harness_push_event (h, gst_event_new_stream_start ("x")));
  /* (a refused sticky event still counts as stored for the pusher) */
  gst_harness_push_event (h, caps_event (gst_caps_from_string ("test/out")));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)),
      GST_FLOW_NOT_NEGOTIATED);
  test_teardown (h, t);
}

GST_END_TEST;

GST_START_TEST (test_parse_frames_input)
{
  GstTestAsync *t = test_async_new (3, 0);
  GstHarness *h = test_harness (t);
  GRand *rand = g_rand_new_with_seed (7);
  GByteArray *in = g_byte_array_new (), *out = g_byte_array_new ();
  guint i, n = async_check_scale (300);
  GstBuffer *buf;

  t->frame_size = 10;
  t->work_us = 500;
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < n; i++) {
    guint size = g_rand_int_range (rand, 1, 40), k;
    guint8 *data = g_malloc (size);

    for (k = 0; k < size; k++)
      data[k] = g_rand_int (rand);
    g_byte_array_append (in, data, size);
    gst_harness_push (h, gst_buffer_new_wrapped (data, size));
  }
  gst_harness_push_event (h, gst_event_new_eos ());

  /* whole frames of 10 bytes, then what was left at EOS */
  for (i = 0; i < (in->len + 9) / 10; i++) {
    GstMapInfo map;

    buf = gst_harness_pull (h);
    fail_unless (buf != NULL);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    fail_unless (map.size == 10 || out->len + map.size == in->len);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_int (out->len, in->len);
  fail_unless (memcmp (out->data, in->data, in->len) == 0);

  g_byte_array_unref (in);
  g_byte_array_unref (out);
  g_rand_free (rand);
  test_teardown (h, t);
}

GST_END_TEST;

/* A frame is dropped by leaving no output, or by returning a success
 * other than OK (as GST_BASE_TRANSFORM_FLOW_DROPPED); the stream goes on. */
GST_START_TEST (test_dropped_frames)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h = test_harness (t);
  guint i;

  t->drop_odd = TRUE;
  t->drop_by_flow = __i__ == 1;
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < 20; i++)
    gst_harness_push (h, make_frame (i));
  for (i = 0; i < 20; i += 2) {
    GstBuffer *buf = gst_harness_pull (h);
    assert_frame (buf, i);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  test_teardown (h, t);
}

GST_END_TEST;

/* A decoder-like subclass: output caps from parse with
 * set_output_caps (frames of the old caps leave first, and
 * decide_allocation sees the new caps downstream), per-frame data from
 * parse to process with submit_full, freed once each. */
GST_START_TEST (test_output_caps_from_parse)
{
  GstTestAsync *t = test_async_new (3, 6);
  GstHarness *h;
  Recorder rec;
  guint i, n = 40;
  gint64 v = -1;

  t->deferred_caps = TRUE;
  t->work_us = 1000;
  /* class vfuncs for this test only: a decoder's */
  GST_ASYNC_TRANSFORM_GET_CLASS (t)->negotiate = test_negotiate;
  GST_ASYNC_TRANSFORM_GET_CLASS (t)->decide_allocation = test_decide_allocation;
  recorder_attach (&rec, GST_ELEMENT (t));
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < n; i++)
    gst_harness_push (h, make_frame (i));
  for (i = 0; i < n; i++)
    gst_buffer_unref (gst_harness_pull (h));

  /* each frame left under the caps set for it, the segment after the
   * first caps */
  g_mutex_lock (&rec.lock);
  for (i = 0; i < rec.items->len; i++) {
    Item *item = &g_array_index (rec.items, Item, i);

    if (item->type == GST_EVENT_CAPS)
      v = item->value;
    else if (item->type == GST_EVENT_SEGMENT || item->type == 0)
      fail_unless (v >= 0, "item %u before any caps", i);
    if (item->type == 0)
      fail_unless_equals_int (v, item->value / 10);
  }
  g_mutex_unlock (&rec.lock);
  recorder_clear (&rec);
  fail_unless_equals_int (t->decide_calls, n / 10);
  fail_unless (t->decided_after_caps);
  fail_unless_equals_int (t->user_data_ok, n);
  gst_harness_teardown (h);
  fail_unless_equals_int (t->user_data_freed, n);
  GST_ASYNC_TRANSFORM_GET_CLASS (t)->decide_allocation = NULL;
  GST_ASYNC_TRANSFORM_GET_CLASS (t)->negotiate = test_parent_class->negotiate;
  gst_object_unref (t);
}

GST_END_TEST;

/* A new output buffer gets the input's metas that do not depend on the
 * format (no API tags). */
GST_START_TEST (test_metas_copied)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h = test_harness (t);
  GstCaps *ref = gst_caps_new_empty_simple ("timestamp/x-test");
  GstBuffer *in, *out;
  GstReferenceTimestampMeta *meta;

  t->fresh_output = TRUE;
  gst_harness_set_src_caps_str (h, "test/in");
  in = make_frame (0);
  gst_buffer_add_reference_timestamp_meta (in, ref, 42, GST_CLOCK_TIME_NONE);
  gst_harness_push (h, in);
  out = gst_harness_pull (h);
  meta = gst_buffer_get_reference_timestamp_meta (out, ref);
  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->timestamp, 42);
  gst_buffer_unref (out);
  gst_caps_unref (ref);
  test_teardown (h, t);
}

GST_END_TEST;

/* Contexts lent outside process (asyncwrap's caps queries) are exclusive
 * too, and freed like the others; n-workers 0 is one per core. */
GST_START_TEST (test_lent_contexts)
{
  GstTestAsync *t = test_async_new (0, 0);
  GstHarness *h = test_harness (t);
  gpointer a, b;

  fail_unless_equals_int (gst_async_transform_get_n_workers
      (GST_ASYNC_TRANSFORM (t)), MAX (1, g_get_num_processors ()));
  gst_harness_set_src_caps_str (h, "test/in");
  a = gst_async_transform_acquire_context (GST_ASYNC_TRANSFORM (t));
  b = gst_async_transform_acquire_context (GST_ASYNC_TRANSFORM (t));
  fail_unless (a != NULL && b != NULL && a != b);
  gst_async_transform_release_context (GST_ASYNC_TRANSFORM (t), b);
  /* given back, it is used again rather than a new one made */
  fail_unless (gst_async_transform_acquire_context (GST_ASYNC_TRANSFORM (t))
      == b);
  gst_async_transform_release_context (GST_ASYNC_TRANSFORM (t), b);
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_int (t->context_clash, 0);
  /* one lent across new caps is freed when it comes back */
  gst_harness_set_src_caps_str (h, "test/out");
  gst_async_transform_release_context (GST_ASYNC_TRANSFORM (t), a);
  gst_harness_teardown (h);
  fail_unless_equals_int (t->contexts_freed, t->contexts_created);
  gst_object_unref (t);
}

GST_END_TEST;

/* leaky: with frame 0 held inside process () and the window full, new
 * frames are dropped (upstream) or replace the oldest frame not being
 * processed (downstream); upstream never waits. __i__: the leaky mode. */
GST_START_TEST (test_leaky)
{
  gboolean upstream = __i__ == 0;
  GstTestAsync *t = test_async_new (1, 3);
  GstHarness *h;
  guint i;

  g_object_set (t, "leaky", upstream ? GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM :
      GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM, NULL);
  t->gate_closed = TRUE;
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  /* none of these waits: frame 0 cannot leave before the gate opens */
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)), GST_FLOW_OK);
  g_mutex_lock (&t->gate_lock);
  while (!t->gate_reached)
    fail_unless (g_cond_wait_until (&t->gate_cond, &t->gate_lock,
            g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND));
  g_mutex_unlock (&t->gate_lock);
  for (i = 1; i < 10; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  g_mutex_lock (&t->gate_lock);
  t->gate_closed = FALSE;
  g_cond_broadcast (&t->gate_cond);
  g_mutex_unlock (&t->gate_lock);

  /* upstream: 0, 1, 2 stay, 3..9 dropped; downstream: 0 (held) stays,
   * each new frame replaced the oldest waiting one: 8 and 9 stay */
  for (i = 0; i < 3; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    guint expected = i == 0 ? 0 : upstream ? i : 7 + i;

    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), expected);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);

  {
    Stats st;

    fail_unless (async_check_drain (h->srcpad));
    st = read_stats (GST_ELEMENT (t));
    fail_unless_equals_uint64 (st.in, 10);
    fail_unless_equals_uint64 (st.out, 3);
    fail_unless_equals_uint64 (st.leaky, 7);
    fail_unless_equals_uint64 (st.other, 0);
    fail_unless_equals_int (st.in_flight, 0);
    fail_unless_equals_int (st.in_flight_max, 3);
  }
  test_teardown (h, t);
}

GST_END_TEST;

/* --- drain, flush, flow -------------------------------------------------- */

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
  fail_unless_equals_int (recorder_count_buffers (&rec), 20);
  gst_harness_teardown (h);
  recorder_clear (&rec);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  gboolean extras;              /* also drain queries and caps changes */
  GMutex lock;
  GCond cond;
  guint epoch;                  /* frames carry it in their offset */
  gboolean stop;
  gboolean flushed;             /* a push returned FLUSHING this epoch */
} Pusher;

/* An upstream streaming thread: pushes until a push returns FLUSHING,
 * then waits for the flush to end, as a real source does. With extras it
 * also asks drain queries and changes caps now and then, in the stream. */
static gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;
  guint i = 0, epoch;

  g_mutex_lock (&p->lock);
  while (!p->stop) {
    GstBuffer *buf;
    GstFlowReturn ret;

    epoch = p->epoch;
    g_mutex_unlock (&p->lock);

    i++;
    /* (FALSE when a flush interrupts it) */
    if (p->extras && i % 97 == 0)
      async_check_drain (p->h->srcpad);
    if (p->extras && i % 301 == 0)
      gst_harness_push_event (p->h, caps_event (gst_caps_from_string (i % 2
                  ? "test/in" : "test/out")));

    buf = make_frame (i);
    GST_BUFFER_OFFSET (buf) = (guint64) epoch *1000000 + i;
    ret = gst_harness_push (p->h, buf);
    fail_unless (ret == GST_FLOW_OK || ret == GST_FLOW_FLUSHING,
        "push: %s", gst_flow_get_name (ret));

    g_mutex_lock (&p->lock);
    if (ret == GST_FLOW_FLUSHING) {
      p->flushed = TRUE;
      g_cond_broadcast (&p->cond);
      while (!p->stop && p->epoch == epoch)
        g_cond_wait (&p->cond, &p->lock);
    }
  }
  g_mutex_unlock (&p->lock);
  return NULL;
}

typedef void (*ChaosFunc) (GstHarness * h, GRand * rand, gpointer data);

/* Streams frames from a pusher thread and flushes @rounds times at random
 * moments, upstream blocked on a full window or not; between flushes
 * @chaos may change the element. Then checks that after the n-th
 * flush-stop only frames of epoch >= n came out, none twice. */
static void
run_flushes (GstHarness * h, guint rounds, guint32 seed, gboolean extras,
    ChaosFunc chaos, gpointer data)
{
  GRand *rand = g_rand_new_with_seed (seed);
  GHashTable *seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint round, i;
  GThread *thread;
  Recorder rec;
  GstSegment seg;
  gint epoch = 0;
  Pusher p;

  memset (&p, 0, sizeof (p));
  p.h = h;
  p.extras = extras;
  g_mutex_init (&p.lock);
  g_cond_init (&p.cond);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  recorder_attach (&rec, h->element);
  thread = g_thread_new ("pusher", pusher_thread, &p);

  for (round = 1; round <= rounds; round++) {
    gint64 deadline;

    g_usleep (g_rand_int_range (rand, 0, 8000));
    /* the counters add up at any moment, from any thread */
    read_stats (h->element);
    if (chaos)
      chaos (h, rand, data);
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));

    /* upstream stops before flush-stop, as after a seek */
    deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
    g_mutex_lock (&p.lock);
    while (!p.flushed)
      fail_unless (g_cond_wait_until (&p.cond, &p.lock, deadline));
    g_mutex_unlock (&p.lock);

    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));

    g_mutex_lock (&p.lock);
    p.flushed = FALSE;
    p.epoch = round;
    g_cond_broadcast (&p.cond);
    g_mutex_unlock (&p.lock);
  }
  g_mutex_lock (&p.lock);
  p.stop = TRUE;
  g_cond_broadcast (&p.cond);
  g_mutex_unlock (&p.lock);
  g_thread_join (thread);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (recorder_wait_for (&rec, GST_EVENT_EOS));

  g_mutex_lock (&rec.lock);
  for (i = 0; i < rec.items->len; i++) {
    Item *item = &g_array_index (rec.items, Item, i);

    if (item->type == GST_EVENT_FLUSH_STOP) {
      epoch++;
    } else if (item->type == 0) {
      fail_unless (item->value / 1000000 >= (guint64) epoch,
          "frame of epoch %" G_GUINT64_FORMAT " after flush %d",
          item->value / 1000000, epoch);
      fail_unless (g_hash_table_add (seen, &item->value),
          "frame %" G_GUINT64_FORMAT " twice", item->value);
    }
  }
  g_mutex_unlock (&rec.lock);
  fail_unless_equals_int (epoch, rounds);

  g_hash_table_unref (seen);
  g_rand_free (rand);
  recorder_clear (&rec);
  g_mutex_clear (&p.lock);
  g_cond_clear (&p.cond);
}

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
 * frame, as with queue. */
GST_START_TEST (test_flush_keeps_sticky_events)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstTagList *tags = gst_tag_list_new (GST_TAG_TITLE, "kept", NULL);
  GstEvent *tag_event;
  GstTagList *got;
  GstSegment seg;
  const gchar *title = NULL;

  t->slow_first_us = 200 * 1000;
  gst_harness_set_src_caps_str (h, "test/in");
  /* the tag event waits behind a frame that takes 200 ms */
  gst_harness_push (h, make_frame (0));
  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_ref (tags))));
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

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean blocked;
} Blocker;

static GstPadProbeReturn
block_frame_0 (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Blocker *b = data;

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
  Blocker b;
  gulong id;

  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  b.blocked = FALSE;
  t->slow_first_us = 100 * 1000;
  gst_harness_set_src_caps_str (h, "test/in");
  id = gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BLOCK, block_frame_0, &b, NULL);
  gst_harness_push (h, make_frame (0));
  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_ref (tags))));
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

static void
change_everything (GstHarness * h, GRand * rand, gpointer data)
{
  static const guint work_us[] = { 0, 0, 30, 300, 2000 };
  GstTestAsync *t = data;

  g_object_set (t, "ordered", g_rand_boolean (rand), "max-in-flight",
      g_rand_int_range (rand, 1, 9), NULL);
  g_atomic_int_set (&t->work_us,
      work_us[g_rand_int_range (rand, 0, G_N_ELEMENTS (work_us))]);
}

/* Everything at once, at random: flushes, drain queries and caps changes
 * in the stream, and ordered, max-in-flight and the cost of the work
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

/* Puts @e, PLAYING, between a src pad of the test's and a sink pad whose
 * chain function is @chain; the stream has started, with caps and a
 * segment. Returns the src pad, and the sink pad in @sink. */
static GstPad *
setup_between_pads (GstElement * e, GstPadChainFunction chain, GstPad ** sink)
{
  GstPad *src = gst_check_setup_src_pad (e, &srctemplate);
  GstCaps *caps = gst_caps_new_empty_simple ("test/x");

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

/* --- state changes with frames in flight --------------------------------- */

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

static Suite *
asynctransform_suite (void)
{
  Suite *s = suite_create ("asynctransform");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 600);
  tcase_add_loop_test (tc, test_identical_output, 0,
      G_N_ELEMENTS (worker_counts));
  tcase_add_test (tc, test_metadata_copied);
  tcase_add_test (tc, test_unordered_exactly_once);
  tcase_add_loop_test (tc, test_unordered_overtakes, 0, 2);
  tcase_add_test (tc, test_real_concurrency);
  tcase_add_loop_test (tc, test_max_in_flight_bound, 0, G_N_ELEMENTS (windows));
  tcase_add_test (tc, test_workers_and_contexts);
  tcase_add_loop_test (tc, test_events_keep_place, 0, 4);
  tcase_add_test (tc, test_caps_drains_first);
  tcase_add_test (tc, test_format_change);
  tcase_add_test (tc, test_not_negotiated);
  tcase_add_test (tc, test_renegotiate_on_reconfigure);
  tcase_add_test (tc, test_parse_frames_input);
  tcase_add_loop_test (tc, test_dropped_frames, 0, 2);
  tcase_add_test (tc, test_output_caps_from_parse);
  tcase_add_test (tc, test_metas_copied);
  tcase_add_test (tc, test_lent_contexts);
  tcase_add_loop_test (tc, test_leaky, 0, 2);
  tcase_add_test (tc, test_drain_query);
  tcase_add_loop_test (tc, test_flush_with_frames_in_flight, 0, 4);
  tcase_add_loop_test (tc, test_downstream_flow_reaches_upstream, 0,
      G_N_ELEMENTS (downstream_flows));
  tcase_add_test (tc, test_flush_keeps_sticky_events);
  tcase_add_test (tc, test_flush_keeps_sticky_in_batch);
  tcase_add_test (tc, test_downstream_eos_then_new_segment);
  tcase_add_test (tc, test_caps_kept_after_downstream_eos);
  tcase_add_loop_test (tc, test_chaos, 0, 3);
  tcase_add_test (tc, test_reconfigure_races_not_linked);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_flushing_seek);
  tcase_add_test (tc, test_allocation_adds_window);
  return s;
}

GST_CHECK_MAIN (asynctransform);
