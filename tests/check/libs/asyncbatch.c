/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncbatch.c: batches, several frames in one process_batch () call
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

#include "testasync.h"

/* --- a subclass that works on batches ------------------------------------ */

/* GstTestBatch records the size of every call, can hold its first call at
 * a gate (so that frames pile up behind it), and gives each frame the
 * outcome its offset picks: dropped, a frame error, an error, or left
 * pending for the test to finish. */
typedef struct
{
  GstAsyncTransform parent;

  /* configuration, set before PAUSED (offsets below 64) */
  guint64 drop_mask;            /* finished as FLOW_DROPPED in the call */
  guint64 frame_error_mask;     /* GST_ASYNC_TRANSFORM_FRAME_ERROR () */
  guint64 pend_mask;            /* left pending, for the test to finish */
  guint64 fail_at;              /* an error message and an error flow */
  gboolean pend_all;            /* every frame pending (the race test) */
  guint call_us;                /* each call sleeps this long */
  gboolean gate_closed;         /* the first call waits until opened */

  GMutex lock;
  GCond cond;
  GArray *calls;                /* guint: the size of each call */
  GString *offsets;             /* the offsets of each call, "(1 2) (3)" */
  gboolean gate_reached;
  gboolean unlocked;
  GPtrArray *pending;           /* GstAsyncFrame *, not finished yet */
} GstTestBatch;

typedef struct
{
  GstAsyncTransformClass parent_class;
} GstTestBatchClass;

enum
{
  PROP_0,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
};

GType gst_test_batch_get_type (void);
G_DEFINE_TYPE (GstTestBatch, gst_test_batch, GST_TYPE_ASYNC_TRANSFORM);

static gboolean
bit_set (guint64 mask, guint64 offset)
{
  return offset < 64 && (mask & (G_GUINT64_CONSTANT (1) << offset));
}

static GstFlowReturn
test_batch_process_batch (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame ** frames, guint n_frames)
{
  GstTestBatch *self = (GstTestBatch *) trans;
  gboolean pend = FALSE;
  guint i, n = n_frames;

  g_mutex_lock (&self->lock);
  g_array_append_val (self->calls, n);
  g_string_append (self->offsets, self->offsets->len ? " (" : "(");
  for (i = 0; i < n_frames; i++)
    g_string_append_printf (self->offsets, "%s%" G_GUINT64_FORMAT,
        i ? " " : "", GST_BUFFER_OFFSET (frames[i]->input));
  g_string_append_c (self->offsets, ')');
  self->gate_reached = TRUE;
  g_cond_broadcast (&self->cond);
  while (self->gate_closed && !self->unlocked)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  if (self->call_us)
    g_usleep (self->call_us);

  for (i = 0; i < n_frames; i++) {
    GstAsyncFrame *frame = frames[i];
    guint64 offset = GST_BUFFER_OFFSET (frame->input);

    if (bit_set (self->drop_mask, offset)) {
      gst_async_transform_finish_frame (trans, frame,
          GST_ASYNC_TRANSFORM_FLOW_DROPPED);
    } else if (bit_set (self->frame_error_mask, offset)) {
      GST_ASYNC_TRANSFORM_FRAME_ERROR (self, frame, STREAM, DECODE,
          ("Frame %" G_GUINT64_FORMAT " is bad.", offset), (NULL));
    } else if (offset == self->fail_at) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Frame failed."),
          ("frame %" G_GUINT64_FORMAT, offset));
      gst_async_transform_finish_frame (trans, frame, GST_FLOW_ERROR);
    } else if (self->pend_all || bit_set (self->pend_mask, offset)) {
      g_mutex_lock (&self->lock);
      g_ptr_array_add (self->pending, frame);
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      pend = TRUE;
    }
  }
  if (!pend)
    return GST_FLOW_OK;
  /* Pending from here on are only the frames on the list: the rest, left
   * alone, are done now. */
  for (i = 0; i < n_frames; i++) {
    GstAsyncFrame *frame = frames[i];
    guint64 offset = GST_BUFFER_OFFSET (frame->input ? frame->input :
        frame->output);

    if (frame->input && !self->pend_all && !bit_set (self->pend_mask, offset)
        && !bit_set (self->drop_mask, offset) && offset != self->fail_at)
      gst_async_transform_finish_frame (trans, frame, GST_FLOW_OK);
  }
  return GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

/* Finishes the pending frames, the newest first, with @flow. */
static void
test_batch_finish_pending (GstTestBatch * self, GstFlowReturn flow)
{
  GstAsyncFrame *frame;

  for (;;) {
    g_mutex_lock (&self->lock);
    frame = self->pending->len ? g_ptr_array_steal_index (self->pending,
        self->pending->len - 1) : NULL;
    g_mutex_unlock (&self->lock);
    if (frame == NULL)
      break;
    gst_async_transform_finish_frame (GST_ASYNC_TRANSFORM (self), frame, flow);
  }
}

static void
test_batch_unlock (GstAsyncTransform * trans)
{
  GstTestBatch *self = (GstTestBatch *) trans;

  g_mutex_lock (&self->lock);
  self->unlocked = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  test_batch_finish_pending (self, GST_FLOW_FLUSHING);
}

static void
test_batch_unlock_stop (GstAsyncTransform * trans)
{
  GstTestBatch *self = (GstTestBatch *) trans;

  g_mutex_lock (&self->lock);
  self->unlocked = FALSE;
  g_mutex_unlock (&self->lock);
}

static void
test_batch_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  if (!gst_async_transform_set_batch_property (GST_ASYNC_TRANSFORM (object),
          pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
test_batch_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  if (!gst_async_transform_get_batch_property (GST_ASYNC_TRANSFORM (object),
          pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_test_batch_finalize (GObject * object)
{
  GstTestBatch *self = (GstTestBatch *) object;

  g_array_unref (self->calls);
  g_string_free (self->offsets, TRUE);
  g_ptr_array_unref (self->pending);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gst_test_batch_parent_class)->finalize (object);
}

static void
gst_test_batch_class_init (GstTestBatchClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  gobject_class->finalize = gst_test_batch_finalize;
  gobject_class->set_property = test_batch_set_property;
  gobject_class->get_property = test_batch_get_property;
  gst_async_transform_class_install_batch_properties (trans_class,
      PROP_BATCH_SIZE, PROP_BATCH_TIMEOUT);
  gst_element_class_add_static_pad_template (element_class,
      &test_sink_template);
  gst_element_class_add_static_pad_template (element_class, &test_src_template);
  gst_element_class_set_static_metadata (element_class, "Batch",
      "Testing", "Works on batches of frames", "tests");
  trans_class->process_batch = test_batch_process_batch;
  trans_class->unlock = test_batch_unlock;
  trans_class->unlock_stop = test_batch_unlock_stop;
}

static void
gst_test_batch_init (GstTestBatch * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->calls = g_array_new (FALSE, FALSE, sizeof (guint));
  self->offsets = g_string_new (NULL);
  self->pending = g_ptr_array_new ();
  self->fail_at = G_MAXUINT64;
}

static GstTestBatch *
test_batch_new (guint n_workers, guint max_in_flight, guint batch_size,
    GstClockTime timeout)
{
  return g_object_new (gst_test_batch_get_type (), "n-workers", n_workers,
      "max-in-flight", max_in_flight, "batch-size", batch_size,
      "batch-timeout", timeout, NULL);
}

static GstHarness *
batch_harness (GstTestBatch * t)
{
  GstHarness *h = gst_harness_new_with_element (GST_ELEMENT (t), "sink",
      "src");

  gst_harness_set_src_caps_str (h, "test/in");
  return h;
}

/* Waits until the first call is inside process_batch (). */
static void
test_batch_wait_at_gate (GstTestBatch * t)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&t->lock);
  while (!t->gate_reached)
    fail_unless (g_cond_wait_until (&t->cond, &t->lock, deadline),
        "no call came");
  g_mutex_unlock (&t->lock);
}

static void
test_batch_open_gate (GstTestBatch * t)
{
  g_mutex_lock (&t->lock);
  t->gate_closed = FALSE;
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

/* Waits until @n frames are pending. */
static void
test_batch_wait_pending (GstTestBatch * t, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&t->lock);
  while (t->pending->len < n)
    fail_unless (g_cond_wait_until (&t->cond, &t->lock, deadline),
        "%u frames pending, not %u", t->pending->len, n);
  g_mutex_unlock (&t->lock);
}

/* The sizes of the calls so far, as "1 4 4". */
static gchar *
test_batch_calls (GstTestBatch * t)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_mutex_lock (&t->lock);
  for (i = 0; i < t->calls->len; i++)
    g_string_append_printf (s, "%s%u", i ? " " : "",
        g_array_index (t->calls, guint, i));
  g_mutex_unlock (&t->lock);
  return g_string_free (s, FALSE);
}

static void
assert_calls (GstTestBatch * t, const gchar * expected)
{
  gchar *calls = test_batch_calls (t);

  fail_unless_equals_string (calls, expected);
  g_free (calls);
}

static void
push_frames (GstHarness * h, guint from, guint to)
{
  async_check_push_frames (h, make_frame, from, to);
}

/* Holds the first call (frame 0) at the gate while frames 1 to @n - 1
 * pile up behind it. */
static void
push_behind_gate (GstTestBatch * t, GstHarness * h, guint n)
{
  t->gate_closed = TRUE;
  push_frames (h, 0, 1);
  test_batch_wait_at_gate (t);
  push_frames (h, 1, n);
}

/* --- filling batches ----------------------------------------------------- */

/* Frames that wait while a call runs go in full batches of batch-size, in
 * input order, and leave in order. */
GST_START_TEST (test_batches_fill_in_order)
{
  GstTestBatch *t = test_batch_new (1, 32, 4, 0);
  GstHarness *h = batch_harness (t);
  Stats st;
  guint i;

  push_behind_gate (t, h, 13);
  test_batch_open_gate (t);
  fail_unless (async_check_drain (h->srcpad));
  assert_calls (t, "1 4 4 4");
  for (i = 0; i < 13; i++)
    pull_frame (h, i);
  st = read_stats (GST_ELEMENT (t));
  fail_unless_equals_uint64 (st.processed, 13);
  fail_unless_equals_uint64 (st.out, 13);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* With max-in-flight=0 the window holds a batch at work and a full one
 * waiting behind it, per worker. */
GST_START_TEST (test_window_holds_two_batches_per_worker)
{
  GstTestBatch *t = test_batch_new (2, 0, 8, 0);
  GstHarness *h = batch_harness (t);

  fail_unless_equals_int (gst_async_transform_get_max_in_flight
      (GST_ASYNC_TRANSFORM (t)), 2 * 2 * 8);
  fail_unless_equals_int (read_stats (GST_ELEMENT (t)).window, 32);
  gst_harness_teardown (h);
  gst_object_unref (t);

  /* a class that does not batch has no batch-size */
  t = (GstTestBatch *) test_async_new (1, 0);
  fail_if (g_object_class_find_property (G_OBJECT_GET_CLASS (t), "batch-size"));
  gst_object_unref (t);
}

GST_END_TEST;

/* --- when a partial batch goes ------------------------------------------- */

/* A partial batch waits batch-timeout for more frames, then goes. */
GST_START_TEST (test_partial_batch_waits_for_timeout)
{
  GstTestBatch *t = test_batch_new (1, 0, 4, 300 * GST_MSECOND);
  GstHarness *h = batch_harness (t);
  gint64 start = g_get_monotonic_time ();

  push_frames (h, 0, 2);
  g_usleep (100 * 1000);
  /* (unless the machine stalled for longer than the timeout) */
  if (g_get_monotonic_time () - start < 250 * 1000)
    assert_calls (t, "");
  pull_frame (h, 0);
  fail_unless (g_get_monotonic_time () - start >= 300 * 1000,
      "the batch went after %" G_GINT64_FORMAT " µs",
      g_get_monotonic_time () - start);
  pull_frame (h, 1);
  assert_calls (t, "2");
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* A batch waiting for a full batch (batch-timeout=NONE) never waits past
 * what must follow its frames: a serialized event, a drain, EOS, or a
 * full window, which no new frame could enter. */
GST_START_TEST (test_batch_never_waits_past)
{
  const gchar *what[] = { "event", "drain", "eos", "window" };
  guint v;

  for (v = 0; v < G_N_ELEMENTS (what); v++) {
    GstTestBatch *t = test_batch_new (1, v == 3 ? 3 : 0, 8,
        GST_CLOCK_TIME_NONE);
    GstHarness *h = batch_harness (t);
    GstEvent *event;

    push_frames (h, 0, 3);
    /* (a full window lets them go at once) */
    if (v < 3)
      assert_calls (t, "");
    switch (v) {
      case 0:
        fail_unless (gst_harness_push_event (h,
                gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
                    gst_structure_new_empty ("marker"))));
        break;
      case 1:
        fail_unless (async_check_drain (h->srcpad));
        break;
      case 2:
        fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
        break;
      default:
        break;
    }
    pull_frame (h, 0);
    pull_frame (h, 1);
    pull_frame (h, 2);
    assert_calls (t, "3");
    if (v == 0) {
      while ((event = gst_harness_try_pull_event (h))
          && GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM)
        gst_event_unref (event);
      fail_unless (event != NULL, "the event was lost (%s)", what[v]);
      gst_event_unref (event);
    }
    gst_harness_teardown (h);
    gst_object_unref (t);
  }
}

GST_END_TEST;

/* --- each frame of a batch on its own ------------------------------------ */

/* In one call, frames are dropped, fail with a frame error, are left
 * pending and finished later in reverse order, or are done: the rest leave
 * in order, and the stats count each. */
GST_START_TEST (test_frame_outcomes_in_a_batch)
{
  GstTestBatch *t = test_batch_new (1, 32, 8, 0);
  GstHarness *h = batch_harness (t);
  Stats st;
  guint i;

  t->drop_mask = (1 << 2) | (1 << 9);
  t->frame_error_mask = 1 << 3;
  t->pend_mask = (1 << 4) | (1 << 5) | (1 << 12);
  push_behind_gate (t, h, 17);
  test_batch_open_gate (t);
  test_batch_wait_pending (t, 3);
  pull_frame (h, 0);
  pull_frame (h, 1);
  /* nothing after frame 4 leaves before it is finished */
  g_usleep (20 * 1000);
  fail_unless_equals_int (gst_harness_buffers_received (h), 2);
  test_batch_finish_pending (t, GST_FLOW_OK);
  fail_unless (async_check_drain (h->srcpad));

  assert_calls (t, "1 8 8");
  for (i = 4; i < 17; i++) {
    if (i != 9)
      pull_frame (h, i);
  }
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  st = read_stats (GST_ELEMENT (t));
  fail_unless_equals_uint64 (st.out, 14);
  fail_unless_equals_uint64 (st.errors, 1);
  fail_unless_equals_uint64 (st.other, 2);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* An error message posted from a call waits for the turn of the frame
 * that failed, not the call's first frame: the good frames before it in
 * the same batch leave first. */
GST_START_TEST (test_error_waits_for_its_frame)
{
  GstTestBatch *t = test_batch_new (1, 32, 8, 0);
  GstHarness *h = batch_harness (t);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  gst_element_set_bus (GST_ELEMENT (t), bus);
  t->fail_at = 5;
  /* frames 1 to 8 in one call, frame 5 in its middle */
  push_behind_gate (t, h, 9);
  test_batch_open_gate (t);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (gst_harness_buffers_received (h), 5);
  assert_calls (t, "1 8");
  gst_message_unref (msg);
  gst_element_set_bus (GST_ELEMENT (t), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* --- flushes and stops with batches at work ------------------------------ */

/* Finishes what is pending every so often, until told to stop. */
typedef struct
{
  GstTestBatch *t;
  gint stop;
} Finisher;

static gpointer
finisher_thread (gpointer data)
{
  Finisher *f = data;
  GRand *rand = g_rand_new_with_seed (GPOINTER_TO_UINT (g_thread_self ()));

  while (!g_atomic_int_get (&f->stop)) {
    g_usleep (g_rand_int_range (rand, 0, 1000));
    test_batch_finish_pending (f->t, GST_FLOW_OK);
  }
  g_rand_free (rand);
  return NULL;
}

/* Flushes, and stops, while batches are at work, pending or waiting for
 * their timeout, with a thread finishing pending frames at the same time:
 * nothing is pushed from before the flush, nothing leaks or hangs, and the
 * frames after it leave in order. */
GST_START_TEST (test_flush_with_batches_at_work)
{
  const guint rounds = async_check_scale (100);
  GRand *rand = g_rand_new_with_seed (22);
  guint r, i;

  for (r = 0; r < rounds; r++) {
    GstTestBatch *t = test_batch_new (g_rand_int_range (rand, 1, 4), 0,
        g_rand_int_range (rand, 2, 9), g_rand_boolean (rand) ?
        (GstClockTime) g_rand_int_range (rand, 0, 3) * GST_MSECOND :
        GST_CLOCK_TIME_NONE);
    GstHarness *h = batch_harness (t);
    Finisher f = { t, 0 };
    GThread *finisher;
    GstBuffer *buf;
    guint n = g_rand_int_range (rand, 1, 20);

    t->pend_all = TRUE;
    finisher = g_thread_new ("finisher", finisher_thread, &f);
    push_frames (h, 0, n);
    g_usleep (g_rand_int_range (rand, 0, 2000));
    if (r % 4 == 3) {
      /* a stop instead of a flush, with the finisher still at work */
      gst_harness_teardown (h);
      g_atomic_int_set (&f.stop, 1);
      g_thread_join (finisher);
      gst_object_unref (t);
      continue;
    }
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    g_atomic_int_set (&f.stop, 1);
    g_thread_join (finisher);
    /* (buffers pushed before the flush may be in the harness queue) */
    while ((buf = gst_harness_try_pull (h)))
      gst_buffer_unref (buf);
    gst_harness_set_src_caps_str (h, "test/in");
    t->pend_all = FALSE;
    push_frames (h, 100, 110);
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    for (i = 100; i < 110; i++)
      pull_frame (h, i);
    gst_harness_teardown (h);
    gst_object_unref (t);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* --- batches across a worker group -------------------------------------- */

/* Two elements in one worker group, with one worker: frames of both that
 * wait while it is busy go in one call, to whichever element's turn it
 * is, and each frame leaves its own element in its order. */
GST_START_TEST (test_batch_across_worker_group)
{
  GstTestBatch *a = test_batch_new (1, 0, 4, 0);
  GstTestBatch *b = test_batch_new (1, 0, 4, 0);
  GstHarness *ha, *hb;
  gchar *calls;
  Stats sa, sb;
  guint i;

  g_object_set (a, "worker-group", "asyncbatch-across", NULL);
  g_object_set (b, "worker-group", "asyncbatch-across", NULL);
  ha = batch_harness (a);
  hb = batch_harness (b);
  /* the one worker holds frame 0 of a while 1, 2 of a and 100, 101 of b
   * come */
  push_behind_gate (a, ha, 3);
  push_frames (hb, 100, 102);
  test_batch_open_gate (a);
  fail_unless (async_check_drain (ha->srcpad));
  fail_unless (async_check_drain (hb->srcpad));

  for (i = 0; i < 3; i++)
    pull_frame (ha, i);
  for (i = 100; i < 102; i++)
    pull_frame (hb, i);
  /* one call held all four: led by a or by b */
  calls = g_strdup_printf ("%s | %s", a->offsets->str, b->offsets->str);
  fail_unless (strcmp (calls, "(0) (1 2 100 101) | ") == 0
      || strcmp (calls, "(0) | (100 101 1 2)") == 0, "calls: %s", calls);
  g_free (calls);
  sa = read_stats (GST_ELEMENT (a));
  sb = read_stats (GST_ELEMENT (b));
  fail_unless_equals_uint64 (sa.processed, 3);
  fail_unless_equals_uint64 (sb.processed, 2);
  fail_unless_equals_uint64 (sa.calls, 2);
  fail_unless_equals_uint64 (sa.calls_shared, 1);
  fail_unless_equals_uint64 (sb.calls, 1);
  fail_unless_equals_uint64 (sb.calls_shared, 1);
  gst_harness_teardown (ha);
  gst_harness_teardown (hb);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

/* Elements of a group whose frames cannot share a call are never
 * batched together: other input caps, another batch size, or another
 * batch key (other work). */
GST_START_TEST (test_batch_across_needs_same_work)
{
  guint v;

  for (v = 0; v < 3; v++) {
    GstTestBatch *a = test_batch_new (1, 0, 4, 0);
    GstTestBatch *b = test_batch_new (1, 0, v == 1 ? 8 : 4, 0);
    GstHarness *ha, *hb;

    g_object_set (a, "worker-group", "asyncbatch-apart", NULL);
    g_object_set (b, "worker-group", "asyncbatch-apart", NULL);
    if (v == 2)
      gst_async_transform_set_batch_key (GST_ASYNC_TRANSFORM (b), b);
    ha = batch_harness (a);
    hb = gst_harness_new_with_element (GST_ELEMENT (b), "sink", "src");
    gst_harness_set_src_caps_str (hb, v == 0 ? "test/out" : "test/in");
    push_behind_gate (a, ha, 3);
    push_frames (hb, 100, 102);
    test_batch_open_gate (a);
    fail_unless (async_check_drain (ha->srcpad));
    fail_unless (async_check_drain (hb->srcpad));
    fail_unless_equals_string (a->offsets->str, "(0) (1 2)");
    fail_unless_equals_string (b->offsets->str, "(100 101)");
    fail_unless_equals_uint64 (read_stats (GST_ELEMENT (a)).calls_shared, 0);
    gst_harness_teardown (ha);
    gst_harness_teardown (hb);
    gst_object_unref (a);
    gst_object_unref (b);
  }
}

GST_END_TEST;

/* Upstream of one element: pushes frames, and with @flush_every flushes
 * after every so many, as a seek does (flush, then a new segment). */
typedef struct
{
  GstHarness *h;
  guint first, n, flush_every;
} Feeder;

static gpointer
feeder_thread (gpointer data)
{
  Feeder *f = data;
  GstSegment segment;
  guint i;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  for (i = 0; i < f->n; i++) {
    fail_unless_equals_int (gst_harness_push (f->h,
            make_frame (f->first + i)), GST_FLOW_OK);
    if (f->flush_every && i % f->flush_every == f->flush_every - 1) {
      fail_unless (gst_harness_push_event (f->h, gst_event_new_flush_start ()));
      fail_unless (gst_harness_push_event (f->h,
              gst_event_new_flush_stop (TRUE)));
      fail_unless (gst_harness_push_event (f->h,
              gst_event_new_segment (&segment)));
    }
  }
  return NULL;
}

/* Pulls what @h got after a drain: frames @from to @from + @n - 1, in
 * order, none twice. A frame may be missing only when the flush of
 * another element cut short a call it shared (the test element's unlock
 * finishes every frame of its calls as flushed): the buffer after a gap
 * is DISCONT, and the stats count the frame as dropped. Returns how many
 * are missing. */
static guint
pull_in_order_with_gaps (GstHarness * h, GstElement * e, guint from, guint n)
{
  GstBuffer *buf;
  guint64 next = from;
  guint missing = 0;
  Stats st;

  while ((buf = gst_harness_try_pull (h))) {
    guint64 offset = GST_BUFFER_OFFSET (buf);

    fail_unless (offset >= next && offset < from + n,
        "frame %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT, offset, next);
    if (offset > next) {
      missing += offset - next;
      fail_unless (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT),
          "frames %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " lost "
          "without a DISCONT", next, offset - 1);
    }
    assert_frame (buf, offset);
    next = offset + 1;
    gst_buffer_unref (buf);
  }
  missing += from + n - next;
  st = read_stats (e);
  fail_unless_equals_uint64 (st.in, n);
  fail_unless_equals_uint64 (st.out, n - missing);
  fail_unless_equals_uint64 (st.other, missing);
  return missing;
}

/* Three elements of one group fed at once, their frames pending and
 * finished by another thread, while one of them flushes again and again:
 * the others' frames leave in order, whatever calls they shared; those a
 * flush of the third cut short are dropped, told and counted. */
GST_START_TEST (test_batch_across_with_flushes)
{
  const guint rounds = async_check_scale (20), n = 60;
  guint r, e, lost = 0;

  for (r = 0; r < rounds; r++) {
    GstTestBatch *t[3];
    GstHarness *h[3];
    GThread *feeders[3], *finishers[3];
    Feeder feed[3];
    Finisher fin[3];

    for (e = 0; e < 3; e++) {
      t[e] = test_batch_new (2, 0, 4, e == 0 ? 0 : GST_MSECOND);
      g_object_set (t[e], "worker-group", "asyncbatch-flushes", NULL);
      t[e]->pend_all = TRUE;
      h[e] = batch_harness (t[e]);
      fin[e].t = t[e];
      fin[e].stop = 0;
      finishers[e] = g_thread_new ("finisher", finisher_thread, &fin[e]);
    }
    /* element 2 flushes while the frames flow */
    for (e = 0; e < 3; e++) {
      feed[e].h = h[e];
      feed[e].first = e * 1000;
      feed[e].n = n;
      feed[e].flush_every = e == 2 ? 7 + r % 5 : 0;
      feeders[e] = g_thread_new ("feeder", feeder_thread, &feed[e]);
    }
    for (e = 0; e < 3; e++)
      g_thread_join (feeders[e]);
    for (e = 0; e < 2; e++) {
      fail_unless (async_check_drain (h[e]->srcpad));
      lost += pull_in_order_with_gaps (h[e], GST_ELEMENT (t[e]), e * 1000, n);
    }
    for (e = 0; e < 3; e++) {
      gst_harness_teardown (h[e]);
      g_atomic_int_set (&fin[e].stop, 1);
      g_thread_join (finishers[e]);
      gst_object_unref (t[e]);
    }
  }
  GST_INFO ("%u frames of the other elements lost to flushes", lost);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  GAsyncQueue *done;
} Teardown;

/* Tears a harness down, then says so on the queue. */
static gpointer
teardown_thread (gpointer data)
{
  Teardown *td = data;

  gst_harness_teardown (td->h);
  g_async_queue_push (td->done, td);
  return NULL;
}

/* A member's stop does not wait for a call of another member that holds
 * its frames (its unlock cannot reach that call): the call goes on, and
 * its frames are thrown away when it ends. */
GST_START_TEST (test_stop_does_not_wait_for_shared_call)
{
  GstTestBatch *x = test_batch_new (1, 0, 4, 0);
  GstTestBatch *a = test_batch_new (1, 0, 4, 0);
  GstTestBatch *b = test_batch_new (1, 0, 4, 0);
  GstHarness *hx, *ha, *hb;
  GstTestBatch *leader;
  GstHarness *hleader, *hother;
  Teardown stop;
  GThread *stopper;
  gboolean stopped;
  gint64 start;

  g_object_set (x, "worker-group", "asyncbatch-stop", NULL);
  g_object_set (a, "worker-group", "asyncbatch-stop", NULL);
  g_object_set (b, "worker-group", "asyncbatch-stop", NULL);
  hx = batch_harness (x);
  ha = batch_harness (a);
  hb = batch_harness (b);
  /* x holds the one worker while a and b get frames; then a's call takes
   * b's frames along (or b's takes a's) and waits at its gate */
  push_behind_gate (x, hx, 1);
  a->gate_closed = b->gate_closed = TRUE;
  push_frames (ha, 0, 1);
  push_frames (hb, 100, 102);
  test_batch_open_gate (x);
  /* (whoever leads is inside its call soon) */
  start = g_get_monotonic_time ();
  while (!a->gate_reached && !b->gate_reached) {
    fail_unless (g_get_monotonic_time () - start < 30 * G_USEC_PER_SEC);
    g_usleep (1000);
  }
  leader = a->gate_reached ? a : b;
  hleader = leader == a ? ha : hb;
  hother = leader == a ? hb : ha;
  fail_unless (strchr (leader->offsets->str, ' ') != NULL,
      "the call holds one frame: %s", leader->offsets->str);

  /* the other member stops although its frames are still in that call
   * (were it to wait for the call, it would wait for the gate: then the
   * gate opens after a while, and the test fails) */
  stop.h = hother;
  stop.done = g_async_queue_new ();
  stopper = g_thread_new ("stop", teardown_thread, &stop);
  stopped = g_async_queue_timeout_pop (stop.done, 30 * G_USEC_PER_SEC) != NULL;
  test_batch_open_gate (leader);
  g_thread_join (stopper);
  g_async_queue_unref (stop.done);
  fail_unless (stopped, "the stop waited for another member's call");
  fail_unless (async_check_drain (hleader->srcpad));
  fail_unless (gst_harness_buffers_received (hleader) > 0);
  gst_harness_teardown (hleader);
  gst_harness_teardown (hx);
  gst_object_unref (x);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  guint n;                      /* frames at most */
  gint stop;                    /* atomic: push no more */
  gint pushed;                  /* atomic: frames pushed so far */
} Stream;

/* Pushes frames one after another until told to stop, or n of them. */
static gpointer
stream_thread (gpointer data)
{
  Stream *st = data;
  guint i;

  for (i = 0; i < st->n && !g_atomic_int_get (&st->stop); i++) {
    push_frames (st->h, i, i + 1);
    g_atomic_int_inc (&st->pushed);
  }
  return NULL;
}

/* A partial batch waiting for its timeout goes in time although another
 * member of the group keeps the workers busy all along: its frame leaves
 * while the busy member still has frames coming (a starved batch would
 * wait until they stop, 1.2 s of work later). */
GST_START_TEST (test_timeout_not_starved_by_a_busy_member)
{
  GstTestBatch *busy = test_batch_new (1, 0, 1, 0);
  GstTestBatch *t = test_batch_new (1, 0, 4, 5 * GST_MSECOND);
  GstHarness *hb, *ht;
  Stream feed = { NULL, 600, 0, 0 };
  GThread *feeder;
  gint pushed;

  busy->call_us = 2000;
  g_object_set (busy, "worker-group", "asyncbatch-starve", NULL);
  g_object_set (t, "worker-group", "asyncbatch-starve", NULL);
  hb = batch_harness (busy);
  ht = batch_harness (t);
  feed.h = hb;
  feeder = g_thread_new ("busy", stream_thread, &feed);
  while (g_atomic_int_get (&feed.pushed) < 5)
    g_usleep (1000);
  push_frames (ht, 0, 1);
  pull_frame (ht, 0);
  pushed = g_atomic_int_get (&feed.pushed);
  g_atomic_int_set (&feed.stop, TRUE);
  g_thread_join (feeder);
  fail_unless ((guint) pushed < feed.n,
      "the batch waited for all %d frames of the busy member", pushed);
  gst_harness_teardown (hb);
  gst_harness_teardown (ht);
  gst_object_unref (busy);
  gst_object_unref (t);
}

GST_END_TEST;

/* Cheap work, which the src task runs itself, goes in whole batches too:
 * with batch-timeout=NONE every call is full, also with
 * leaky=downstream (which makes the src task push one frame at a time). */
GST_START_TEST (test_cheap_work_in_whole_batches)
{
  const guint n = 2000;
  guint v, i;

  for (v = 0; v < 2; v++) {
    GstTestBatch *t = test_batch_new (1, 4096, 4, GST_CLOCK_TIME_NONE);
    GstHarness *h = batch_harness (t);

    if (v == 1)
      gst_util_set_object_arg (G_OBJECT (t), "leaky", "downstream");
    push_frames (h, 0, n);
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    for (i = 0; i < n; i++)
      gst_buffer_unref (gst_harness_pull (h));
    g_mutex_lock (&t->lock);
    fail_unless_equals_int (t->calls->len, n / 4);
    for (i = 0; i < t->calls->len; i++)
      fail_unless_equals_int (g_array_index (t->calls, guint, i), 4);
    g_mutex_unlock (&t->lock);
    gst_harness_teardown (h);
    gst_object_unref (t);
  }
}

GST_END_TEST;

/* --- latency ------------------------------------------------------------- */

/* The latency reported includes the longest wait for a batch: the
 * timeout, or the time batch-size - 1 frames take to come when shorter;
 * nothing without a timeout. */
GST_START_TEST (test_latency_includes_the_wait)
{
  const struct
  {
    guint batch_size;
    GstClockTime timeout, latency;
  } cases[] = {
    {16, 10 * GST_MSECOND, 10 * GST_MSECOND},
    {16, GST_CLOCK_TIME_NONE, 15 * (GST_SECOND / 30)},
    {4, 200 * GST_MSECOND, 3 * (GST_SECOND / 30)},
    {16, 0, 0},
    {1, 10 * GST_MSECOND, 0},
  };
  guint c;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    GstTestBatch *t = test_batch_new (1, 0, cases[c].batch_size,
        cases[c].timeout);
    GstHarness *h = gst_harness_new_with_element (GST_ELEMENT (t), "sink",
        "src");

    gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=8,"
        "height=8,framerate=30/1");
    gst_harness_set_upstream_latency (h, 0);
    fail_unless_equals_uint64 (gst_harness_query_latency (h), cases[c].latency);
    gst_harness_teardown (h);
    gst_object_unref (t);
  }
}

GST_END_TEST;

/* Frames that come at 30 fps into batches of 16 with a 10 ms timeout
 * wait about the timeout, never for a full batch (half a second). */
GST_START_TEST (test_timeout_bounds_the_wait)
{
  GstTestBatch *t = test_batch_new (1, 0, 16, 10 * GST_MSECOND);
  GstHarness *h = batch_harness (t);
  const guint n = 12;
  Stats st;
  guint i;

  for (i = 0; i < n; i++) {
    push_frames (h, i, i + 1);
    g_usleep (G_USEC_PER_SEC / 30);
  }
  fail_unless (async_check_drain (h->srcpad));
  for (i = 0; i < n; i++)
    pull_frame (h, i);
  st = read_stats (GST_ELEMENT (t));
  fail_unless (st.through_max >= 10 * GST_MSECOND,
      "a frame left after %" GST_TIME_FORMAT, GST_TIME_ARGS (st.through_max));
  /* each frame went after the timeout, alone or with one that came late:
   * none waited for a full batch (a loaded machine may be late by more
   * than the 23 ms between the timeout and the next frame, now and then) */
  fail_unless (st.calls >= n / 2, "%" G_GUINT64_FORMAT " calls for %u "
      "frames", st.calls, n);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

static Suite *
asyncbatch_suite (void)
{
  Suite *s = suite_create ("asyncbatch");
  TCase *tc;

  tc = tcase_create ("filling");
  tcase_add_test (tc, test_batches_fill_in_order);
  tcase_add_test (tc, test_window_holds_two_batches_per_worker);
  suite_add_tcase (s, tc);

  tc = tcase_create ("partial batches");
  tcase_add_test (tc, test_partial_batch_waits_for_timeout);
  tcase_add_test (tc, test_batch_never_waits_past);
  tcase_add_test (tc, test_cheap_work_in_whole_batches);
  tcase_add_test (tc, test_timeout_bounds_the_wait);
  suite_add_tcase (s, tc);

  tc = tcase_create ("frames of a batch");
  tcase_add_test (tc, test_frame_outcomes_in_a_batch);
  tcase_add_test (tc, test_error_waits_for_its_frame);
  suite_add_tcase (s, tc);

  tc = tcase_create ("flushing");
  tcase_add_test (tc, test_flush_with_batches_at_work);
  suite_add_tcase (s, tc);

  tc = tcase_create ("across a worker group");
  tcase_add_test (tc, test_batch_across_worker_group);
  tcase_add_test (tc, test_batch_across_needs_same_work);
  tcase_add_test (tc, test_batch_across_with_flushes);
  tcase_add_test (tc, test_stop_does_not_wait_for_shared_call);
  tcase_add_test (tc, test_timeout_not_starved_by_a_busy_member);
  suite_add_tcase (s, tc);

  tc = tcase_create ("latency");
  tcase_add_test (tc, test_latency_includes_the_wait);
  suite_add_tcase (s, tc);

  return s;
}

GST_CHECK_MAIN (asyncbatch);
