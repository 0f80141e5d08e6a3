/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncpending.c: completion-based frames, which process () leaves pending
 * and other threads finish with gst_async_transform_finish_frame ()
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

/* --- a subclass whose frames other threads finish ------------------------ */

/* GstTestPending hands each frame to a list and returns FLOW_PENDING;
 * completer threads (or the test itself) take frames off the list in
 * random order and finish them. */
typedef struct
{
  GstAsyncTransform parent;

  /* configuration, set before PAUSED */
  gboolean finish_inline;       /* process () finishes its frame itself */
  guint pend_every;             /* > 1: only every n-th frame pends, the
                                 * others are done at once (cheap work) */
  guint64 error_at;             /* this frame is finished with an error */

  GMutex lock;
  GCond cond;
  GPtrArray *pending;           /* GstAsyncFrame *, not finished yet */
  guint max_pending;
  gint unlocks;
  gboolean stop;                /* the completers return */
  GThread *completers[3];
  guint n_completers;
} GstTestPending;

typedef struct
{
  GstAsyncTransformClass parent_class;
} GstTestPendingClass;

GType gst_test_pending_get_type (void);
G_DEFINE_TYPE (GstTestPending, gst_test_pending, GST_TYPE_ASYNC_TRANSFORM);

static void
test_pending_finish (GstTestPending * self, GstAsyncFrame * frame)
{
  GstAsyncTransform *trans = GST_ASYNC_TRANSFORM (self);
  guint64 offset = GST_BUFFER_OFFSET (frame->input);

  if (offset == self->error_at) {
    GError *error = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "frame %" G_GUINT64_FORMAT " failed", offset);

    gst_async_frame_add_message (frame,
        gst_message_new_error (GST_OBJECT (self), error, NULL));
    g_error_free (error);
    gst_async_transform_finish_frame (trans, frame, GST_FLOW_ERROR);
    return;
  }
  frame->output = g_steal_pointer (&frame->input);
  gst_async_transform_finish_frame (trans, frame, GST_FLOW_OK);
}

static GstFlowReturn
test_pending_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstTestPending *self = (GstTestPending *) trans;
  guint64 offset = GST_BUFFER_OFFSET (frame->input);

  if (self->finish_inline) {
    test_pending_finish (self, frame);
    return GST_ASYNC_TRANSFORM_FLOW_PENDING;
  }
  if (self->pend_every > 1 && offset % self->pend_every != 0) {
    frame->output = g_steal_pointer (&frame->input);
    return GST_FLOW_OK;
  }
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->pending, frame);
  self->max_pending = MAX (self->max_pending, self->pending->len);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  /* (a completer may finish it before this returns) */
  return GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

static void
test_pending_unlock (GstAsyncTransform * trans)
{
  g_atomic_int_inc (&((GstTestPending *) trans)->unlocks);
}

static void
gst_test_pending_finalize (GObject * object)
{
  GstTestPending *self = (GstTestPending *) object;

  g_ptr_array_unref (self->pending);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gst_test_pending_parent_class)->finalize (object);
}

static void
gst_test_pending_class_init (GstTestPendingClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = gst_test_pending_finalize;
  gst_element_class_add_static_pad_template (element_class,
      &test_sink_template);
  gst_element_class_add_static_pad_template (element_class, &test_src_template);
  gst_element_class_set_static_metadata (element_class, "Pending",
      "Testing", "Leaves frames for other threads to finish", "tests");
  trans_class->process = test_pending_process;
  trans_class->unlock = test_pending_unlock;
}

static void
gst_test_pending_init (GstTestPending * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->pending = g_ptr_array_new ();
  self->error_at = G_MAXUINT64;
}

static GstTestPending *
test_pending_new (guint n_workers, guint max_in_flight)
{
  return g_object_new (gst_test_pending_get_type (), "n-workers", n_workers,
      "max-in-flight", max_in_flight, NULL);
}

/* Takes a pending frame at random, waiting up to @timeout_us for one;
 * NULL when there is none or the completers are told to stop. */
static GstAsyncFrame *
test_pending_take (GstTestPending * self, GRand * rand, gint64 timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  GstAsyncFrame *frame = NULL;

  g_mutex_lock (&self->lock);
  while (self->pending->len == 0 && !self->stop
      && g_cond_wait_until (&self->cond, &self->lock, deadline));
  if (self->pending->len > 0 && !self->stop)
    frame = g_ptr_array_remove_index_fast (self->pending,
        g_rand_int_range (rand, 0, self->pending->len));
  g_mutex_unlock (&self->lock);
  return frame;
}

/* Waits until @n frames are pending. */
static void
test_pending_wait_for (GstTestPending * self, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&self->lock);
  while (self->pending->len < n)
    fail_unless (g_cond_wait_until (&self->cond, &self->lock, deadline),
        "%u frames pending, not %u", self->pending->len, n);
  g_mutex_unlock (&self->lock);
}

/* Finishes every frame pending now, in random order. */
static void
test_pending_finish_all (GstTestPending * self, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  GstAsyncFrame *frame;

  while ((frame = test_pending_take (self, rand, 0)))
    test_pending_finish (self, frame);
  g_rand_free (rand);
}

static gpointer
completer_thread (gpointer data)
{
  GstTestPending *self = data;
  GRand *rand = g_rand_new_with_seed (GPOINTER_TO_UINT (g_thread_self ()));
  GstAsyncFrame *frame;

  for (;;) {
    g_mutex_lock (&self->lock);
    if (self->stop) {
      g_mutex_unlock (&self->lock);
      break;
    }
    g_mutex_unlock (&self->lock);
    frame = test_pending_take (self, rand, 20 * 1000);
    if (frame == NULL)
      continue;
    /* a remote call that takes a while, random */
    g_usleep (g_rand_int_range (rand, 0, 500));
    test_pending_finish (self, frame);
  }
  g_rand_free (rand);
  return NULL;
}

static void
test_pending_start_completers (GstTestPending * self, guint n)
{
  guint i;

  self->stop = FALSE;
  for (i = 0; i < n; i++)
    self->completers[i] = g_thread_new ("completer", completer_thread, self);
  self->n_completers = n;
}

/* Stops the completers; frames they did not take stay pending. */
static void
test_pending_stop_completers (GstTestPending * self)
{
  guint i;

  g_mutex_lock (&self->lock);
  self->stop = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  for (i = 0; i < self->n_completers; i++)
    g_thread_join (self->completers[i]);
  self->n_completers = 0;
  self->stop = FALSE;
}

static GstHarness *
pending_harness (GstTestPending * t)
{
  GstHarness *h = gst_harness_new_with_element (GST_ELEMENT (t), "sink",
      "src");

  gst_harness_set_src_caps_str (h, "test/in");
  return h;
}

static void
push_frames (GstHarness * h, guint from, guint to)
{
  async_check_push_frames (h, make_frame, from, to);
}

/* Pushes frames @from to @to - 1 while @n_completers threads finish them,
 * and waits until every one has left. */
static void
push_with_completers (GstTestPending * t, GstHarness * h, guint from,
    guint to, guint n_completers)
{
  test_pending_start_completers (t, n_completers);
  push_frames (h, from, to);
  fail_unless (async_check_drain (h->srcpad));
  test_pending_stop_completers (t);
}

/* --- order, bound ------------------------------------------------------- */

/* 200 frames finished by three threads in random order, after random
 * times, leave in input order. With one worker, more than one frame is in
 * flight at once (completion-based: no thread per frame), and never more
 * than max-in-flight. */
GST_START_TEST (test_random_order)
{
  const guint n = 200;
  GstTestPending *t = test_pending_new (1, 16);
  GstHarness *h = pending_harness (t);
  Stats st;
  guint i;

  push_with_completers (t, h, 0, n, 3);

  fail_unless_equals_int (gst_harness_buffers_received (h), n);
  for (i = 0; i < n; i++)
    pull_frame (h, i);
  fail_unless (t->max_pending > 1, "frames pended one at a time");
  fail_unless (t->max_pending <= 16, "%u frames pending", t->max_pending);
  st = read_stats (GST_ELEMENT (t));
  fail_unless_equals_uint64 (st.processed, n);
  fail_unless_equals_uint64 (st.out, n);
  fail_unless (st.in_flight_max <= 16);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* With one worker and a window of 4, upstream waits once 4 frames are
 * pending, although the worker is free, and goes on as they finish. */
typedef struct
{
  GstHarness *h;
  guint first, last;
  gint pushed;
} PushJob;

static gpointer
push_thread (gpointer data)
{
  PushJob *job = data;
  guint i;

  for (i = job->first; i < job->last; i++) {
    fail_unless_equals_int (gst_harness_push (job->h, make_frame (i)),
        GST_FLOW_OK);
    g_atomic_int_inc (&job->pushed);
  }
  return NULL;
}

GST_START_TEST (test_max_in_flight_bound)
{
  GstTestPending *t = test_pending_new (1, 4);
  GstHarness *h = pending_harness (t);
  PushJob job = { h, 0, 10, 0 };
  GThread *pusher;
  guint i;

  pusher = g_thread_new ("pusher", push_thread, &job);
  test_pending_wait_for (t, 4);
  /* the fifth push waits for space; give it time to get through if it
   * wrongly could */
  g_usleep (100 * 1000);
  fail_unless_equals_int (g_atomic_int_get (&job.pushed), 4);
  g_mutex_lock (&t->lock);
  fail_unless_equals_int (t->pending->len, 4);
  g_mutex_unlock (&t->lock);
  fail_unless_equals_int (read_stats (GST_ELEMENT (t)).in_flight, 4);

  test_pending_start_completers (t, 1);
  g_thread_join (pusher);
  fail_unless (async_check_drain (h->srcpad));
  test_pending_stop_completers (t);
  for (i = 0; i < 10; i++)
    pull_frame (h, i);
  fail_unless_equals_int (t->max_pending, 4);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* A frame finished from within process (), before it returns. */
GST_START_TEST (test_finish_inline)
{
  GstTestPending *t = test_pending_new (2, 0);
  GstHarness *h = pending_harness (t);
  guint i;

  t->finish_inline = TRUE;
  push_frames (h, 0, 50);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_int (gst_harness_buffers_received (h), 50);
  for (i = 0; i < 50; i++)
    pull_frame (h, i);
  fail_unless_equals_uint64 (read_stats (GST_ELEMENT (t)).processed, 50);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* Cheap frames with a pending one now and then, in every window: the src
 * task, which runs cheap frames itself, may meet a pending frame too. */
GST_START_TEST (test_pending_among_cheap)
{
  const guint n = 2000;
  GstTestPending *t = test_pending_new (2, __i__ ? 8 : 0);
  GstHarness *h = pending_harness (t);
  guint i;

  t->pend_every = 50;
  push_with_completers (t, h, 0, n, 2);
  fail_unless_equals_int (gst_harness_buffers_received (h), n);
  for (i = 0; i < n; i++)
    pull_frame (h, i);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* --- flushes, state changes, errors -------------------------------------- */

/* A flush with frames pending: unlock tells the subclass; the frames
 * finished after it, between flush-start and flush-stop or after, are
 * thrown away, never pushed; the frames after the flush come out. */
GST_START_TEST (test_flush_while_pending)
{
  GstTestPending *t = test_pending_new (1, 8);
  GstHarness *h = pending_harness (t);
  GRand *rand = g_rand_new_with_seed (7);
  GstSegment seg;
  GstAsyncFrame *frame;
  guint i;

  gst_segment_init (&seg, GST_FORMAT_TIME);
  push_frames (h, 0, 8);
  test_pending_wait_for (t, 8);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (g_atomic_int_get (&t->unlocks) >= 1);
  for (i = 0; i < 3; i++) {
    frame = test_pending_take (t, rand, 0);
    test_pending_finish (t, frame);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  test_pending_finish_all (t, 8);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);

  push_with_completers (t, h, 8, 16, 2);
  fail_unless_equals_int (gst_harness_buffers_received (h), 8);
  for (i = 8; i < 16; i++)
    pull_frame (h, i);
  g_rand_free (rand);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* Flushes at random moments while frames pend and three threads finish
 * them, every frame pending or one in ten among cheap ones: after each
 * flush only newer frames come out, none twice. */
GST_START_TEST (test_flushes_with_completers)
{
  GstTestPending *t = test_pending_new (1 + (__i__ & 1), 8);
  GstHarness *h = pending_harness (t);

  t->pend_every = (__i__ & 2) ? 10 : 0;

  test_pending_start_completers (t, 3);
  run_flushes (h, async_check_scale (40), 555 + __i__, FALSE, NULL, NULL);
  test_pending_stop_completers (t);
  test_pending_finish_all (t, 1);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

/* Down to READY and back with frames pending: the state change does not
 * wait for them; finished afterwards, they are thrown away. Frames still
 * pending at teardown keep the element alive until they are finished. */
GST_START_TEST (test_state_change_while_pending)
{
  GstTestPending *t = test_pending_new (1, 8);
  GstHarness *h = pending_harness (t);
  GstSegment seg;
  guint i;

  gst_segment_init (&seg, GST_FORMAT_TIME);
  push_frames (h, 0, 6);
  test_pending_wait_for (t, 6);
  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  test_pending_finish_all (t, 3);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);

  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
  gst_harness_push_event (h, gst_event_new_stream_start ("again"));
  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  push_with_completers (t, h, 6, 12, 2);
  fail_unless_equals_int (gst_harness_buffers_received (h), 6);
  for (i = 6; i < 12; i++)
    pull_frame (h, i);

  /* two frames still pending when the harness goes */
  push_frames (h, 12, 14);
  test_pending_wait_for (t, 2);
  gst_harness_teardown (h);
  fail_unless (GST_OBJECT_REFCOUNT_VALUE (t) > 1);
  test_pending_finish_all (t, 4);
  fail_unless_equals_int (GST_OBJECT_REFCOUNT_VALUE (t), 1);
  gst_object_unref (t);
}

GST_END_TEST;

/* An error flow given to finish_frame (), with its message: the frames
 * before it leave first, then the message is posted, once, and upstream
 * gets the error. */
GST_START_TEST (test_error_from_finish)
{
  GstTestPending *t = test_pending_new (1, 4);
  GstHarness *h = pending_harness (t);
  GstBus *bus = gst_bus_new ();
  GError *error = NULL;
  GstMessage *msg;
  guint i;

  gst_element_set_bus (h->element, bus);
  t->error_at = 5;
  test_pending_start_completers (t, 2);
  msg = async_check_push_until_error (h, bus, make_frame, 5);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless_equals_string (error->message, "frame 5 failed");
  g_error_free (error);
  gst_message_unref (msg);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  test_pending_stop_completers (t);
  test_pending_finish_all (t, 5);
  for (i = 0; i < 5; i++)
    pull_frame (h, i);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  gst_object_unref (t);
}

GST_END_TEST;

static Suite *
asyncpending_suite (void)
{
  Suite *s = suite_create ("asyncpending");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_random_order);
  tcase_add_test (tc, test_max_in_flight_bound);
  tcase_add_test (tc, test_finish_inline);
  tcase_add_loop_test (tc, test_pending_among_cheap, 0, 2);
  tcase_add_test (tc, test_flush_while_pending);
  tcase_add_loop_test (tc, test_flushes_with_completers, 0, 4);
  tcase_add_test (tc, test_state_change_while_pending);
  tcase_add_test (tc, test_error_from_finish);
  return s;
}

GST_CHECK_MAIN (asyncpending);
