/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncprocess.c: the application's function through the C API and the
 * process signal, synchronous and completion-based
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
#include <gst/async/gstasyncprocess.h>

#include "../asynccheck.h"

#define FRAME_SIZE 64

static GstBuffer *
make_frame (guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, FRAME_SIZE, NULL);

  gst_buffer_memset (buf, 0, (guint8) i, FRAME_SIZE);
  GST_BUFFER_PTS (buf) = i * 10 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
  GST_BUFFER_OFFSET (buf) = i;
  return buf;
}

/* The frame's first byte, which make_frame () sets to its index. */
static guint8
first_byte (GstBuffer * buf)
{
  guint8 byte = 0;

  gst_buffer_extract (buf, 0, &byte, 1);
  return byte;
}

/* A harness around an asyncprocess the test holds a reference to, with
 * batches of up to @batch_size frames. */
static GstHarness *
batch_harness (guint n_workers, guint max_in_flight, guint batch_size,
    GstElement ** element)
{
  GstHarness *h;

  *element = gst_object_ref_sink (gst_element_factory_make ("asyncprocess",
          NULL));
  g_object_set (*element, "n-workers", n_workers, "max-in-flight",
      max_in_flight, "batch-size", batch_size, NULL);
  h = gst_harness_new_with_element (*element, "sink", "src");
  gst_harness_set_src_caps_str (h, "test/frames");
  return h;
}

static GstHarness *
process_harness (guint n_workers, guint max_in_flight, GstElement ** element)
{
  return batch_harness (n_workers, max_in_flight, 1, element);
}

static void
push_frames (GstHarness * h, guint from, guint to)
{
  async_check_push_frames (h, make_frame, from, to);
}

/* Pulls frames @from to @to - 1 and checks each: its index, timestamp,
 * and bytes (the index XOR @xor, as the work left them). */
static void
pull_frames (GstHarness * h, guint from, guint to, gint xor)
{
  guint i;

  for (i = from; i < to; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL, "frame %u missing", i);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), i * 10 * GST_MSECOND);
    fail_unless_equals_int (first_byte (buf), (guint8) (i ^ xor));
    gst_buffer_unref (buf);
  }
}

/* --- what the tests' functions share ------------------------------------ */

typedef struct
{
  GMutex lock;
  GCond cond;
  GRand *rand;
  guint max_sleep_us;           /* each call sleeps up to this long */
  gint running, max_running;
  guint64 workers_busy;         /* bit n: a call with worker index n runs */
  gint worker_clash;            /* two calls at once had the same index */
  guint max_worker;
  gint calls;
  guint64 drop_odd;             /* odd frames are dropped */
  guint64 error_at;             /* this frame fails with an error */
  gboolean replace;             /* a new buffer, not the input changed */
  gboolean pend;                /* frames are finished by completers */
  GPtrArray *pending;           /* GstAsyncProcessFrame *, owned */
  GArray *pending_ids;          /* guint64: frames of the signal path */
  guint max_pending;
  gboolean stop;
  GThread *completers[2];
  gint cancels;
  gint freed;                   /* user data freed */
} Work;

static void
work_init (Work * w)
{
  memset (w, 0, sizeof (*w));
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->rand = g_rand_new_with_seed (17);
  w->pending = g_ptr_array_new ();
  w->pending_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  w->error_at = G_MAXUINT64;
}

static void
work_clear (Work * w)
{
  fail_unless_equals_int (w->pending->len, 0);
  fail_unless_equals_int (w->pending_ids->len, 0);
  g_ptr_array_unref (w->pending);
  g_array_unref (w->pending_ids);
  g_rand_free (w->rand);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
}

/* XORs every byte of the frame with 0xff, in place or into a new buffer. */
static void
invert (GstAsyncProcessFrame * frame, gboolean replace)
{
  GstBuffer *in = gst_async_process_frame_get_buffer (frame);
  GstMapInfo map;
  guint8 data[FRAME_SIZE];
  gsize k;

  gst_buffer_extract (in, 0, data, FRAME_SIZE);
  for (k = 0; k < FRAME_SIZE; k++)
    data[k] ^= 0xff;
  if (replace) {
    gst_async_process_frame_set_buffer (frame,
        gst_buffer_new_memdup (data, FRAME_SIZE));
    return;
  }
  in = gst_async_process_frame_get_writable_buffer (frame);
  fail_unless (gst_buffer_map (in, &map, GST_MAP_WRITE));
  memcpy (map.data, data, FRAME_SIZE);
  gst_buffer_unmap (in, &map);
}

/* The work of one call: records concurrency and worker indexes, sleeps a
 * random while, then inverts, drops, fails or hands the frame over. */
static GstFlowReturn
work_function (GstAsyncProcess * process, GstAsyncProcessFrame * frame,
    gpointer data)
{
  Work *w = data;
  guint worker = gst_async_process_frame_get_worker (frame);
  guint64 index = first_byte (gst_async_process_frame_get_buffer (frame));
  guint sleep_us;

  g_mutex_lock (&w->lock);
  w->calls++;
  w->running++;
  w->max_running = MAX (w->max_running, w->running);
  w->max_worker = MAX (w->max_worker, worker);
  if (worker < 64) {
    if (w->workers_busy & (G_GUINT64_CONSTANT (1) << worker))
      w->worker_clash++;
    w->workers_busy |= G_GUINT64_CONSTANT (1) << worker;
  }
  sleep_us = w->max_sleep_us ? g_rand_int_range (w->rand, 0,
      w->max_sleep_us) : 0;
  g_mutex_unlock (&w->lock);

  fail_unless (gst_structure_has_name (gst_caps_get_structure
          (gst_async_process_frame_get_caps (frame), 0), "test/frames"));
  if (sleep_us)
    g_usleep (sleep_us);

  g_mutex_lock (&w->lock);
  w->running--;
  if (worker < 64)
    w->workers_busy &= ~(G_GUINT64_CONSTANT (1) << worker);
  if (w->pend) {
    g_ptr_array_add (w->pending, gst_async_process_frame_ref (frame));
    w->max_pending = MAX (w->max_pending, w->pending->len);
    g_cond_broadcast (&w->cond);
    g_mutex_unlock (&w->lock);
    return GST_ASYNC_TRANSFORM_FLOW_PENDING;
  }
  g_mutex_unlock (&w->lock);

  if (index == w->error_at && !w->pend) {
    GST_ELEMENT_ERROR (process, STREAM, FAILED, ("frame %u failed",
            (guint) index), (NULL));
    return GST_FLOW_ERROR;
  }
  if (w->drop_odd && index % 2)
    return GST_ASYNC_TRANSFORM_FLOW_DROPPED;
  invert (frame, w->replace);
  return GST_FLOW_OK;
}

static void
work_free (gpointer data)
{
  g_atomic_int_inc (&((Work *) data)->freed);
}

/* Completer threads: finish pending frames in random order. */
static gpointer
completer (gpointer data)
{
  Work *w = data;
  GRand *rand = g_rand_new_with_seed (GPOINTER_TO_UINT (g_thread_self ()));
  GstAsyncProcessFrame *frame;

  g_mutex_lock (&w->lock);
  while (!w->stop) {
    if (w->pending->len == 0) {
      g_cond_wait (&w->cond, &w->lock);
      continue;
    }
    frame = g_ptr_array_remove_index_fast (w->pending,
        g_rand_int_range (rand, 0, w->pending->len));
    g_mutex_unlock (&w->lock);
    g_usleep (g_rand_int_range (rand, 0, 300));
    if (gst_async_process_frame_get_number (frame) == w->error_at) {
      GError *error = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
          "frame %u failed", (guint) w->error_at);

      gst_async_process_frame_finish_with_error (frame, error, "details");
      g_error_free (error);
    } else {
      invert (frame, w->replace);
      gst_async_process_frame_finish (frame, GST_FLOW_OK);
    }
    gst_async_process_frame_unref (frame);
    g_mutex_lock (&w->lock);
  }
  g_mutex_unlock (&w->lock);
  g_rand_free (rand);
  return NULL;
}

static void
start_completers (Work * w)
{
  guint i;

  w->stop = FALSE;
  for (i = 0; i < G_N_ELEMENTS (w->completers); i++)
    w->completers[i] = g_thread_new ("completer", completer, w);
}

static void
stop_completers (Work * w)
{
  guint i;

  g_mutex_lock (&w->lock);
  w->stop = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  for (i = 0; i < G_N_ELEMENTS (w->completers); i++)
    g_thread_join (w->completers[i]);
}

/* Pushes frames @from to @to - 1 while the completers finish them, and
 * waits until every one has left. */
static void
push_with_completers (Work * w, GstHarness * h, guint from, guint to)
{
  start_completers (w);
  push_frames (h, from, to);
  fail_unless (async_check_drain (h->srcpad));
  stop_completers (w);
}

/* Finishes every frame pending now with @flow. */
static void
finish_pending (Work * w, GstFlowReturn flow)
{
  GstAsyncProcessFrame *frame;

  g_mutex_lock (&w->lock);
  while (w->pending->len > 0) {
    frame = g_ptr_array_steal_index (w->pending, 0);
    g_mutex_unlock (&w->lock);
    gst_async_process_frame_finish (frame, flow);
    gst_async_process_frame_unref (frame);
    g_mutex_lock (&w->lock);
  }
  g_mutex_unlock (&w->lock);
}

static void
wait_pending (Work * w, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&w->lock);
  while (w->pending->len < n)
    fail_unless (g_cond_wait_until (&w->cond, &w->lock, deadline));
  g_mutex_unlock (&w->lock);
}

/* --- tests --------------------------------------------------------------- */

/* Without a function or a handler: the very buffers pass through. */
GST_START_TEST (test_passthrough)
{
  GstElement *e;
  GstHarness *h = process_harness (2, 0, &e);
  GstBuffer *in = make_frame (3), *out;

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out == in);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The C function on 200 frames, four workers, random times: the frames
 * leave in order, changed in place or replaced; four calls ran at once,
 * never two with the same worker index, every index below n-workers. */
GST_START_TEST (test_function)
{
  const guint n = 200;
  gboolean replace = __i__;
  GstElement *e;
  GstHarness *h = process_harness (4, 0, &e);
  Work w;

  work_init (&w);
  w.max_sleep_us = 2000;
  w.replace = replace;
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      work_free);
  push_frames (h, 0, n);
  fail_unless (async_check_drain (h->srcpad));
  pull_frames (h, 0, n, 0xff);
  fail_unless_equals_int (w.calls, n);
  fail_unless (w.max_running > 1, "one call at a time");
  fail_unless (w.max_running <= 4, "%d calls at once", w.max_running);
  fail_unless_equals_int (w.worker_clash, 0);
  fail_unless (w.max_worker < 4, "worker index %u", w.max_worker);

  gst_async_process_set_function (GST_ASYNC_PROCESS (e), NULL, NULL, NULL);
  fail_unless_equals_int (w.freed, 1);
  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* Dropped frames leave nothing; an error stops the element after the
 * frames before it, with the function's message. */
GST_START_TEST (test_drop_and_error)
{
  GstElement *e;
  GstHarness *h = process_harness (2, 0, &e);
  GstBus *bus = gst_bus_new ();
  GError *error = NULL;
  GstMessage *msg;
  Work w;
  guint i;

  gst_element_set_bus (e, bus);
  work_init (&w);
  w.drop_odd = TRUE;
  w.error_at = 10;
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      NULL);
  /* frames 0, 2, 4, 6 and 8 left first */
  msg = async_check_push_until_error (h, bus, make_frame, 5);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless_equals_string (error->message, "frame 10 failed");
  g_error_free (error);
  gst_message_unref (msg);
  for (i = 0; i < 10; i += 2) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless_equals_int (first_byte (buf), i ^ 0xff);
    gst_buffer_unref (buf);
  }

  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* Completion-based: one worker, frames finished by two threads in random
 * order; more than one is pending at once, never more than max-in-flight,
 * and they leave in order. */
GST_START_TEST (test_pending)
{
  const guint n = 200;
  GstElement *e;
  GstHarness *h = process_harness (1, 12, &e);
  Work w;

  work_init (&w);
  w.pend = TRUE;
  w.replace = __i__;
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      NULL);
  push_with_completers (&w, h, 0, n);
  pull_frames (h, 0, n, 0xff);
  fail_unless (w.max_pending > 1, "frames pended one at a time");
  fail_unless (w.max_pending <= 12, "%u pending", w.max_pending);

  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* A pending frame finished with an error from another thread: its message
 * is posted after the frames before it, and upstream is refused. */
GST_START_TEST (test_pending_error)
{
  GstElement *e;
  GstHarness *h = process_harness (1, 4, &e);
  GstBus *bus = gst_bus_new ();
  GError *error = NULL;
  gchar *debug = NULL;
  GstMessage *msg;
  Work w;

  gst_element_set_bus (e, bus);
  work_init (&w);
  w.pend = TRUE;
  w.error_at = 6;
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      NULL);
  start_completers (&w);
  msg = async_check_push_until_error (h, bus, make_frame, 6);
  gst_message_parse_error (msg, &error, &debug);
  fail_unless_equals_string (error->message, "frame 6 failed");
  fail_unless_equals_string (debug, "details");
  g_error_free (error);
  g_free (debug);
  gst_message_unref (msg);
  stop_completers (&w);
  finish_pending (&w, GST_FLOW_OK);
  pull_frames (h, 0, 6, 0xff);

  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* A flush with frames pending emits cancel; those frames, finished
 * afterwards, are dropped, and the stream goes on. */
static void
count_cancel (GstElement * e, Work * w)
{
  g_atomic_int_inc (&w->cancels);
}

GST_START_TEST (test_cancel_on_flush)
{
  GstElement *e;
  GstHarness *h = process_harness (1, 8, &e);
  GstSegment seg;
  Work w;

  work_init (&w);
  w.pend = TRUE;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      NULL);
  g_signal_connect (e, "cancel", G_CALLBACK (count_cancel), &w);
  push_frames (h, 0, 6);
  wait_pending (&w, 6);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless (g_atomic_int_get (&w.cancels) >= 1);
  finish_pending (&w, GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);

  push_with_completers (&w, h, 6, 12);
  pull_frames (h, 6, 12, 0xff);
  fail_unless_equals_int (gst_harness_buffers_received (h), 6);

  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* A frame finished by another thread just as the function returns
 * FLOW_PENDING for it: the function's thread turns the frame from "in
 * process" to "pending" while the finisher swaps it to "finished", and
 * the finisher must win from either state. The function hands each frame
 * to a thread that spins for it and finishes it at once, so the two meet
 * in that window now and then; with a finish that looked at the two
 * states one after the other, a frame in some ten thousand was refused
 * as "finished already" and never left. */
typedef struct
{
  GstAsyncProcessFrame *slot;   /* atomic: the frame to finish, or NULL */
  gint stop;                    /* atomic */
  GstFlowReturn flow;           /* what the frames are finished with */
} Racer;

static GstFlowReturn
hand_over (GstAsyncProcess * process, GstAsyncProcessFrame * frame,
    gpointer data)
{
  Racer *r = data;

  gst_async_process_frame_ref (frame);
  while (!g_atomic_pointer_compare_and_exchange (&r->slot, NULL, frame))
    g_thread_yield ();
  return GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

static gpointer
finish_at_once (gpointer data)
{
  Racer *r = data;
  guint idle = 0;

  while (!g_atomic_int_get (&r->stop)) {
    GstAsyncProcessFrame *frame = g_atomic_pointer_get (&r->slot);

    if (frame && g_atomic_pointer_compare_and_exchange (&r->slot, frame, NULL)) {
      gst_async_process_frame_finish (frame, r->flow);
      gst_async_process_frame_unref (frame);
      idle = 0;
    } else if (++idle % 1024 == 0) {
      /* (spin, to be there as the frame comes, but let others run) */
      g_thread_yield ();
    }
  }
  return NULL;
}

GST_START_TEST (test_finish_as_the_function_returns)
{
  guint n = async_check_scale (20000);
  GstElement *e;
  GstHarness *h = process_harness (1, 8, &e);
  Racer r = { NULL, 0, GST_FLOW_OK };
  GThread *finisher = g_thread_new ("finisher", finish_at_once, &r);

  gst_async_process_set_function (GST_ASYNC_PROCESS (e), hand_over, &r, NULL);
  push_frames (h, 0, n);
  fail_unless (async_check_drain (h->srcpad));
  g_atomic_int_set (&r.stop, 1);
  g_thread_join (finisher);
  pull_frames (h, 0, n, 0);

  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Frames that wait for a later one, as a batching function does: every
 * call leaves its frame pending, and the call that completes a group of
 * GROUP frames in a row (by frame number, whatever the order of the calls)
 * finishes them all. */
#define GROUP 4

typedef struct
{
  GMutex lock;
  GHashTable *groups;           /* number / GROUP -> GPtrArray of frames */
} Grouper;

static GstFlowReturn
finish_in_groups (GstAsyncProcess * process, GstAsyncProcessFrame * frame,
    gpointer user_data)
{
  Grouper *g = user_data;
  gpointer key =
      GUINT_TO_POINTER (gst_async_process_frame_get_number (frame) / GROUP);
  GPtrArray *group, *full = NULL;
  guint i;

  g_mutex_lock (&g->lock);
  group = g_hash_table_lookup (g->groups, key);
  if (group == NULL) {
    group = g_ptr_array_new ();
    g_hash_table_insert (g->groups, key, group);
  }
  g_ptr_array_add (group, gst_async_process_frame_ref (frame));
  if (group->len == GROUP) {
    full = group;
    g_hash_table_steal (g->groups, key);
  }
  g_mutex_unlock (&g->lock);
  for (i = 0; full && i < full->len; i++) {
    gst_async_process_frame_finish (g_ptr_array_index (full, i), GST_FLOW_OK);
    gst_async_process_frame_unref (g_ptr_array_index (full, i));
  }
  if (full)
    g_ptr_array_unref (full);
  return GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

typedef struct
{
  GstHarness *h;
  guint frames;
} Pusher;

static gpointer
push_in_thread (gpointer data)
{
  Pusher *p = data;

  push_frames (p->h, 0, p->frames);
  return NULL;
}

/* The work is cheap, so the src task runs frames itself: a frame it left
 * pending must not hold up the later frames of its run, one of which
 * finishes it. (The task used to wait for it there, and the stream
 * stalled within a few groups.) */
GST_START_TEST (test_pending_until_a_later_frame)
{
  Pusher p = { NULL, async_check_scale (20000) / GROUP * GROUP };
  Grouper g;
  GstElement *e;
  GThread *pusher;
  GstBuffer *buf;
  gint64 deadline;
  guint i;

  g_mutex_init (&g.lock);
  g.groups = g_hash_table_new (NULL, NULL);
  p.h = process_harness (2, 16, &e);
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), finish_in_groups,
      &g, NULL);
  pusher = g_thread_new ("pusher", push_in_thread, &p);
  deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  for (i = 0; i < p.frames; i++) {
    while (!(buf = gst_harness_try_pull (p.h))) {
      fail_unless (g_get_monotonic_time () < deadline,
          "stalled after %u of %u frames", i, p.frames);
      g_usleep (1000);
    }
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
    gst_buffer_unref (buf);
  }
  g_thread_join (pusher);

  gst_object_unref (e);
  gst_harness_teardown (p.h);
  fail_unless_equals_int (g_hash_table_size (g.groups), 0);
  g_hash_table_unref (g.groups);
  g_mutex_clear (&g.lock);
}

GST_END_TEST;

/* --- the signal ---------------------------------------------------------- */

/* A handler as bindings write it: reads the buffer it is given and
 * replaces the output with set-output, or leaves the frame pending for
 * another thread to finish with the finish action. */
static GstFlowReturn
on_process (GstElement * e, guint64 id, GstBuffer * buffer, GstCaps * caps,
    guint worker, Work * w)
{
  guint8 data[FRAME_SIZE];
  GstBuffer *out;
  gsize k;

  fail_unless (GST_IS_BUFFER (buffer));
  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "test/frames"));
  fail_unless (worker < 2);
  g_atomic_int_inc (&w->calls);
  if (w->pend) {
    g_mutex_lock (&w->lock);
    g_array_append_val (w->pending_ids, id);
    g_cond_broadcast (&w->cond);
    g_mutex_unlock (&w->lock);
    return GST_ASYNC_TRANSFORM_FLOW_PENDING;
  }
  gst_buffer_extract (buffer, 0, data, FRAME_SIZE);
  for (k = 0; k < FRAME_SIZE; k++)
    data[k] ^= 0x0f;
  out = gst_buffer_new_memdup (data, FRAME_SIZE);
  g_signal_emit_by_name (e, "set-output", id, out);
  gst_buffer_unref (out);
  return GST_FLOW_OK;
}

typedef struct
{
  GstElement *element;
  Work *work;
  guint frames;
} Finisher;

/* Finishes the pending frames through the finish action, newest first. */
static gpointer
finish_by_signal (gpointer data)
{
  Finisher *f = data;
  Work *w = f->work;
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  guint done;
  guint64 id;

  for (done = 0; done < f->frames; done++) {
    g_mutex_lock (&w->lock);
    while (w->pending_ids->len == 0)
      fail_unless (g_cond_wait_until (&w->cond, &w->lock, deadline));
    id = g_array_index (w->pending_ids, guint64, w->pending_ids->len - 1);
    g_array_set_size (w->pending_ids, w->pending_ids->len - 1);
    g_mutex_unlock (&w->lock);
    g_signal_emit_by_name (f->element, "finish", id, GST_FLOW_OK);
  }
  return NULL;
}

GST_START_TEST (test_signal)
{
  GstElement *e;
  GstHarness *h = process_harness (2, 4, &e);
  GThread *thread;
  Finisher f;
  Work w;

  work_init (&w);
  f.element = e;
  f.work = &w;
  f.frames = 20;
  w.pend = __i__;
  g_signal_connect (e, "process", G_CALLBACK (on_process), &w);
  thread = w.pend ? g_thread_new ("finisher", finish_by_signal, &f) : NULL;
  push_frames (h, 0, 20);
  fail_unless (async_check_drain (h->srcpad));
  if (thread)
    g_thread_join (thread);
  fail_unless_equals_int (w.calls, 20);
  /* pending frames were finished as they came: input unchanged */
  pull_frames (h, 0, 20, w.pend ? 0 : 0x0f);

  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* With a function set the signal is not emitted; with neither, frames
 * pass. */
static GstFlowReturn
must_not_run (GstElement * e, guint64 id, GstBuffer * buffer, GstCaps * caps,
    guint worker, gpointer data)
{
  fail ("the signal was emitted with a function set");
  return GST_FLOW_ERROR;
}

GST_START_TEST (test_function_over_signal)
{
  GstElement *e;
  GstHarness *h = process_harness (2, 0, &e);
  Work w;

  work_init (&w);
  g_signal_connect (e, "process", G_CALLBACK (must_not_run), NULL);
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      NULL);
  push_frames (h, 0, 10);
  fail_unless (async_check_drain (h->srcpad));
  pull_frames (h, 0, 10, 0xff);
  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* caps-out: the output has the caps given, whatever comes in. */
static GstFlowReturn
to_rgb (GstAsyncProcess * process, GstAsyncProcessFrame * frame, gpointer data)
{
  GstBuffer *out = gst_buffer_new_allocate (NULL, 2 * 2 * 3, NULL);

  gst_buffer_memset (out, 0, 0x80, 2 * 2 * 3);
  gst_async_process_frame_set_buffer (frame, out);
  return GST_FLOW_OK;
}

GST_START_TEST (test_caps_out)
{
  GstHarness *h = gst_harness_new_parse ("asyncprocess name=p "
      "caps-out=\"video/x-raw,format=RGB,width=2,height=2\"");
  GstElement *e = gst_harness_find_element (h, "asyncprocess");
  GstCaps *caps, *expected;
  GstBuffer *out;

  gst_async_process_set_function (GST_ASYNC_PROCESS (e), to_rgb, NULL, NULL);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=GRAY8,width=2,height=2,framerate=25/1");
  fail_unless_equals_int (gst_harness_push (h, make_frame (1)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (gst_buffer_get_size (out), 12);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 10 * GST_MSECOND);
  gst_buffer_unref (out);
  caps = gst_pad_get_current_caps (h->sinkpad);
  expected = gst_caps_from_string ("video/x-raw,format=RGB,width=2,height=2");
  fail_unless (gst_caps_is_equal (caps, expected), "%" GST_PTR_FORMAT, caps);
  gst_caps_unref (expected);
  gst_caps_unref (caps);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* to_rgb () on even frames; odd ones left alone. */
static GstFlowReturn
to_rgb_even (GstAsyncProcess * process, GstAsyncProcessFrame * frame,
    gpointer data)
{
  if (gst_async_process_frame_get_number (frame) % 2)
    return GST_FLOW_OK;
  return to_rgb (process, frame, data);
}

/* With caps-out other than the input caps, a frame the function leaves
 * alone cannot go out as it came (a GRAY8 buffer under RGB caps): it is
 * dropped with a warning, one per frame, counted as an error; the frames
 * around it go out. */
GST_START_TEST (test_left_alone_other_caps)
{
  GstHarness *h = gst_harness_new_parse ("asyncprocess name=p n-workers=2 "
      "caps-out=\"video/x-raw,format=RGB,width=2,height=2\"");
  GstElement *e = gst_harness_find_element (h, "asyncprocess");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GstStructure *stats;
  guint64 errors;
  guint i, warnings = 0;

  gst_element_set_bus (e, bus);
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), to_rgb_even, NULL,
      NULL);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=GRAY8,width=2,height=2,framerate=25/1");
  for (i = 0; i < 6; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  fail_unless (async_check_drain (h->srcpad));
  for (i = 0; i < 3; i++) {
    GstBuffer *out = gst_harness_pull (h);

    fail_unless_equals_int (gst_buffer_get_size (out), 12);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 2 * i * 10 * GST_MSECOND);
    gst_buffer_unref (out);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING
              | GST_MESSAGE_ERROR))) {
    fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_WARNING);
    warnings++;
    gst_message_unref (msg);
  }
  fail_unless_equals_int (warnings, 3);
  g_object_get (e, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint64 (stats, "dropped-errors", &errors));
  fail_unless_equals_uint64 (errors, 3);
  gst_structure_free (stats);

  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Replacing the function while frames run: the old one's data is freed
 * once no call to it runs, and later frames get the new one. */
static GstFlowReturn
identity_function (GstAsyncProcess * process, GstAsyncProcessFrame * frame,
    gpointer data)
{
  return GST_FLOW_OK;
}

GST_START_TEST (test_replace_function)
{
  GstElement *e;
  GstHarness *h = process_harness (2, 0, &e);
  Work w;

  work_init (&w);
  w.max_sleep_us = 1000;
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      work_free);
  push_frames (h, 0, 10);
  fail_unless (async_check_drain (h->srcpad));
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), identity_function,
      NULL, NULL);
  fail_unless_equals_int (w.freed, 1);
  push_frames (h, 10, 20);
  fail_unless (async_check_drain (h->srcpad));
  pull_frames (h, 0, 10, 0xff);
  pull_frames (h, 10, 20, 0);
  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* Data without caps (fakesrc) passes, as through identity; the function
 * gets no caps. */
static GstFlowReturn
count_without_caps (GstAsyncProcess * process, GstAsyncProcessFrame * frame,
    gpointer data)
{
  fail_unless (gst_async_process_frame_get_caps (frame) == NULL);
  g_atomic_int_inc ((gint *) data);
  return GST_FLOW_OK;
}

GST_START_TEST (test_without_caps)
{
  GstElement *pipeline = gst_parse_launch ("fakesrc num-buffers=20 "
      "! asyncprocess name=p ! fakesink", NULL);
  GstElement *p = gst_bin_get_by_name (GST_BIN (pipeline), "p");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gint calls = 0;

  gst_async_process_set_function (GST_ASYNC_PROCESS (p), count_without_caps,
      &calls, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (calls, 20);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* --- batches ------------------------------------------------------------- */

static gboolean
bit_set (guint64 mask, guint64 index)
{
  return index < 64 && (mask & (G_GUINT64_CONSTANT (1) << index));
}

/* A batch function as a device's driver would be: it records the size of
 * every call, can hold its first call at a gate (so that frames pile up
 * behind it) until opened or cancelled, inverts each frame, and gives each
 * frame the outcome its index picks. */
typedef struct
{
  GMutex lock;
  GCond cond;
  GArray *calls;                /* guint: the size of each call */
  gboolean gate_closed;         /* the first call waits until opened... */
  gboolean gate_reached;
  gboolean cancelled;           /* ...or until cancel */
  gint cancels;
  guint64 drop_mask;            /* finished DROPPED inside the call */
  guint64 pend_mask;            /* left pending, for the test to finish */
  gboolean pend_all;
  guint64 error_at;             /* GST_ELEMENT_ERROR, finished with ERROR */
  guint64 frame_error_at;       /* finished with finish_with_error () */
  gint worker_mixed;            /* a call with frames of two worker slots */
  GPtrArray *pending;           /* GstAsyncProcessFrame *, owned */
  gint freed;                   /* user data freed */
} Batcher;

static void
batcher_init (Batcher * b)
{
  memset (b, 0, sizeof (*b));
  g_mutex_init (&b->lock);
  g_cond_init (&b->cond);
  b->calls = g_array_new (FALSE, FALSE, sizeof (guint));
  b->pending = g_ptr_array_new ();
  b->error_at = b->frame_error_at = G_MAXUINT64;
}

static void
batcher_clear (Batcher * b)
{
  fail_unless_equals_int (b->pending->len, 0);
  g_ptr_array_unref (b->pending);
  g_array_unref (b->calls);
  g_mutex_clear (&b->lock);
  g_cond_clear (&b->cond);
}

static void
batcher_free (gpointer data)
{
  g_atomic_int_inc (&((Batcher *) data)->freed);
}

/* Waits at the gate, if it is closed. */
static void
batcher_enter (Batcher * b, guint n_frames)
{
  g_mutex_lock (&b->lock);
  g_array_append_val (b->calls, n_frames);
  b->gate_reached = TRUE;
  g_cond_broadcast (&b->cond);
  while (b->gate_closed && !b->cancelled)
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);
}

static GstFlowReturn
batch_function (GstAsyncProcess * process, GstAsyncProcessFrame ** frames,
    guint n_frames, gpointer data)
{
  Batcher *b = data;
  guint worker = gst_async_process_frame_get_worker (frames[0]);
  GPtrArray *done = g_ptr_array_new ();
  gboolean pend = FALSE;
  guint i;

  batcher_enter (b, n_frames);
  for (i = 0; i < n_frames; i++) {
    GstAsyncProcessFrame *frame = frames[i];
    guint64 index = first_byte (gst_async_process_frame_get_buffer (frame));

    if (gst_async_process_frame_get_worker (frame) != worker)
      g_atomic_int_inc (&b->worker_mixed);
    if (bit_set (b->drop_mask, index)) {
      gst_async_process_frame_finish (frame, GST_ASYNC_TRANSFORM_FLOW_DROPPED);
    } else if (index == b->error_at) {
      GST_ELEMENT_ERROR (process, STREAM, FAILED, ("frame %u failed",
              (guint) index), (NULL));
      gst_async_process_frame_finish (frame, GST_FLOW_ERROR);
    } else if (index == b->frame_error_at) {
      GError *error = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
          "frame %u failed", (guint) index);

      gst_async_process_frame_finish_with_error (frame, error, "details");
      g_error_free (error);
    } else {
      invert (frame, index % 2);
      if (b->pend_all || bit_set (b->pend_mask, index)) {
        g_mutex_lock (&b->lock);
        g_ptr_array_add (b->pending, gst_async_process_frame_ref (frame));
        g_cond_broadcast (&b->cond);
        g_mutex_unlock (&b->lock);
        pend = TRUE;
      } else {
        g_ptr_array_add (done, frame);
      }
    }
  }
  /* With frames left pending, the others are finished here; else the
   * flow returned is theirs. */
  for (i = 0; pend && i < done->len; i++)
    gst_async_process_frame_finish (g_ptr_array_index (done, i), GST_FLOW_OK);
  g_ptr_array_unref (done);
  return pend ? GST_ASYNC_TRANSFORM_FLOW_PENDING : GST_FLOW_OK;
}

static void
batcher_cancel (GstElement * e, Batcher * b)
{
  g_mutex_lock (&b->lock);
  b->cancelled = TRUE;
  b->cancels++;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

static void
batcher_open_gate (Batcher * b)
{
  g_mutex_lock (&b->lock);
  b->gate_closed = FALSE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

/* Waits until the first call is at the gate, or @n frames are pending. */
static void
batcher_wait (Batcher * b, gboolean gate, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&b->lock);
  while (gate ? !b->gate_reached : b->pending->len < n)
    fail_unless (g_cond_wait_until (&b->cond, &b->lock, deadline),
        "%s", gate ? "no call came" : "too few frames pending");
  g_mutex_unlock (&b->lock);
}

/* Finishes the pending frames, the newest first, with @flow. */
static void
batcher_finish_pending (Batcher * b, GstFlowReturn flow)
{
  GstAsyncProcessFrame *frame;

  for (;;) {
    g_mutex_lock (&b->lock);
    frame = b->pending->len ? g_ptr_array_steal_index (b->pending,
        b->pending->len - 1) : NULL;
    g_mutex_unlock (&b->lock);
    if (frame == NULL)
      break;
    gst_async_process_frame_finish (frame, flow);
    gst_async_process_frame_unref (frame);
  }
}

/* The sizes of the calls so far, as "1 4 4". */
static void
assert_calls (Batcher * b, const gchar * expected)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_mutex_lock (&b->lock);
  for (i = 0; i < b->calls->len; i++)
    g_string_append_printf (s, "%s%u", i ? " " : "",
        g_array_index (b->calls, guint, i));
  g_mutex_unlock (&b->lock);
  fail_unless_equals_string (s->str, expected);
  g_string_free (s, TRUE);
}

/* Holds the first call (frame 0) at the gate while frames 1 to @n - 1
 * pile up behind it. */
static void
push_behind_gate (Batcher * b, GstHarness * h, guint n)
{
  b->gate_closed = TRUE;
  push_frames (h, 0, 1);
  batcher_wait (b, TRUE, 0);
  push_frames (h, 1, n);
}

/* Pulls frames @from to @to - 1 but those in @dropped, inverted. */
static void
pull_but (GstHarness * h, guint from, guint to, guint64 dropped)
{
  guint i;

  for (i = from; i < to; i++) {
    if (!bit_set (dropped, i))
      pull_frames (h, i, i + 1, 0xff);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
}

/* Frames that wait while a call runs go in full batches, in input order,
 * all of one worker slot, and leave in order; while batch-size is 1 the
 * batch function gets one frame per call. */
GST_START_TEST (test_batch_function)
{
  guint batch_size = __i__ ? 1 : 4;
  GstElement *e;
  GstHarness *h = batch_harness (1, 32, batch_size, &e);
  Batcher b;

  batcher_init (&b);
  gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e), batch_function,
      &b, batcher_free);
  push_behind_gate (&b, h, 13);
  batcher_open_gate (&b);
  fail_unless (async_check_drain (h->srcpad));
  assert_calls (&b, batch_size == 4 ? "1 4 4 4" : "1 1 1 1 1 1 1 1 1 1 1 1 1");
  pull_frames (h, 0, 13, 0xff);
  fail_unless_equals_int (b.worker_mixed, 0);

  gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e), NULL, NULL,
      NULL);
  fail_unless_equals_int (b.freed, 1);
  gst_object_unref (e);
  gst_harness_teardown (h);
  batcher_clear (&b);
}

GST_END_TEST;

/* In one call, frames are dropped or left pending (and finished later,
 * newest first), or done: the flow returned is for the frames not
 * finished in the call; the rest leave in order. */
GST_START_TEST (test_batch_outcomes)
{
  gboolean pend = __i__;
  guint64 dropped = (1 << 2) | (1 << 9);
  GstElement *e;
  GstHarness *h = batch_harness (1, 32, 8, &e);
  Batcher b;

  batcher_init (&b);
  b.drop_mask = dropped;
  if (pend)
    b.pend_mask = (1 << 4) | (1 << 5) | (1 << 12);
  gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e), batch_function,
      &b, NULL);
  push_behind_gate (&b, h, 17);
  batcher_open_gate (&b);
  if (pend) {
    batcher_wait (&b, FALSE, 3);
    pull_frames (h, 0, 2, 0xff);
    pull_frames (h, 3, 4, 0xff);
    /* nothing after frame 4 leaves before it is finished */
    g_usleep (20 * 1000);
    fail_unless_equals_int (gst_harness_buffers_received (h), 3);
    batcher_finish_pending (&b, GST_FLOW_OK);
    fail_unless (async_check_drain (h->srcpad));
    pull_but (h, 4, 17, dropped);
  } else {
    fail_unless (async_check_drain (h->srcpad));
    pull_but (h, 0, 17, dropped);
  }
  assert_calls (&b, "1 8 8");

  gst_object_unref (e);
  gst_harness_teardown (h);
  batcher_clear (&b);
}

GST_END_TEST;

/* An error in the middle of a batch, given either way, waits for its
 * frame's turn: the good frames before it in the same call leave first. */
GST_START_TEST (test_batch_error_waits_for_its_frame)
{
  GstElement *e;
  GstHarness *h = batch_harness (1, 32, 8, &e);
  GstBus *bus = gst_bus_new ();
  GError *error = NULL;
  GstMessage *msg;
  Batcher b;

  gst_element_set_bus (e, bus);
  batcher_init (&b);
  if (__i__)
    b.frame_error_at = 5;
  else
    b.error_at = 5;
  gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e), batch_function,
      &b, NULL);
  /* frames 1 to 8 in one call, frame 5 in its middle */
  push_behind_gate (&b, h, 9);
  batcher_open_gate (&b);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (gst_harness_buffers_received (h), 5);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless_equals_string (error->message, "frame 5 failed");
  g_error_free (error);
  gst_message_unref (msg);
  pull_frames (h, 0, 5, 0xff);
  assert_calls (&b, "1 8");
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);

  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
  batcher_clear (&b);
}

GST_END_TEST;

/* Finishes what is pending every so often, until told to stop. */
typedef struct
{
  Batcher *b;
  gint stop;
} BatchFinisher;

static gpointer
batch_finisher (gpointer data)
{
  BatchFinisher *f = data;
  GRand *rand = g_rand_new_with_seed (GPOINTER_TO_UINT (g_thread_self ()));

  while (!g_atomic_int_get (&f->stop)) {
    g_usleep (g_rand_int_range (rand, 0, 1000));
    batcher_finish_pending (f->b, GST_FLOW_OK);
  }
  g_rand_free (rand);
  return NULL;
}

/* Flushes, and stops, while batches are at work, pending or waiting for
 * their timeout, with a thread finishing pending frames at the same time:
 * cancel is emitted, nothing is pushed from before the flush, nothing
 * leaks or hangs, and the frames after it leave in order. */
GST_START_TEST (test_batch_flush)
{
  const guint rounds = async_check_scale (60);
  GRand *rand = g_rand_new_with_seed (22);
  guint r;

  for (r = 0; r < rounds; r++) {
    GstElement *e;
    GstHarness *h = batch_harness (g_rand_int_range (rand, 1, 4), 0,
        g_rand_int_range (rand, 2, 9), &e);
    BatchFinisher f;
    GThread *finisher;
    GstBuffer *buf;
    Batcher b;

    batcher_init (&b);
    b.pend_all = TRUE;
    f.b = &b;
    f.stop = 0;
    g_object_set (e, "batch-timeout", g_rand_boolean (rand) ?
        (guint64) g_rand_int_range (rand, 0, 3) * GST_MSECOND :
        GST_CLOCK_TIME_NONE, NULL);
    gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e),
        batch_function, &b, NULL);
    g_signal_connect (e, "cancel", G_CALLBACK (batcher_cancel), &b);
    finisher = g_thread_new ("finisher", batch_finisher, &f);
    push_frames (h, 0, g_rand_int_range (rand, 1, 20));
    g_usleep (g_rand_int_range (rand, 0, 2000));
    if (r % 4 == 3) {
      /* a stop instead of a flush, with the finisher still at work */
      gst_harness_teardown (h);
      g_atomic_int_set (&f.stop, 1);
      g_thread_join (finisher);
      batcher_finish_pending (&b, GST_FLOW_OK);
      fail_unless_equals_int (b.cancels, 1);
      gst_object_unref (e);
      batcher_clear (&b);
      continue;
    }
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    g_atomic_int_set (&f.stop, 1);
    g_thread_join (finisher);
    batcher_finish_pending (&b, GST_FLOW_OK);
    fail_unless_equals_int (b.cancels, 1);
    /* (buffers pushed before the flush may be in the harness queue) */
    while ((buf = gst_harness_try_pull (h)))
      gst_buffer_unref (buf);
    gst_harness_set_src_caps_str (h, "test/frames");
    b.pend_all = FALSE;
    push_frames (h, 30, 40);
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    pull_frames (h, 30, 40, 0xff);
    gst_object_unref (e);
    gst_harness_teardown (h);
    batcher_clear (&b);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* A call that waits until cancel: a flush, or a stop, returns (cancel
 * lets the call go), and after a flush the stream goes on. */
GST_START_TEST (test_batch_cancel_unlocks)
{
  GstElement *e;
  GstHarness *h = batch_harness (1, 8, 4, &e);
  Batcher b;

  batcher_init (&b);
  gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e), batch_function,
      &b, NULL);
  g_signal_connect (e, "cancel", G_CALLBACK (batcher_cancel), &b);
  push_behind_gate (&b, h, 5);
  if (__i__) {
    /* a stop: it waits for the call */
    gst_harness_teardown (h);
    fail_unless_equals_int (b.cancels, 1);
    gst_object_unref (e);
    batcher_clear (&b);
    return;
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless_equals_int (b.cancels, 1);
  fail_unless (gst_harness_try_pull (h) == NULL);
  b.gate_closed = FALSE;
  gst_harness_set_src_caps_str (h, "test/frames");
  push_frames (h, 5, 13);
  fail_unless (async_check_drain (h->srcpad));
  pull_frames (h, 5, 13, 0xff);

  gst_object_unref (e);
  gst_harness_teardown (h);
  batcher_clear (&b);
}

GST_END_TEST;

/* test_finish_as_the_function_returns () for batches: each call finishes
 * its even frames and hands its odd ones to a thread that drops them at
 * once, as the call returns FLOW_PENDING for them. */
static GstFlowReturn
hand_odd_over (GstAsyncProcess * process, GstAsyncProcessFrame ** frames,
    guint n_frames, gpointer data)
{
  Racer *r = data;
  guint i;

  for (i = 0; i < n_frames; i++) {
    GstAsyncProcessFrame *frame = frames[i];

    if (gst_async_process_frame_get_number (frame) % 2 == 0) {
      gst_async_process_frame_finish (frame, GST_FLOW_OK);
      continue;
    }
    gst_async_process_frame_ref (frame);
    while (!g_atomic_pointer_compare_and_exchange (&r->slot, NULL, frame))
      g_thread_yield ();
  }
  return GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

GST_START_TEST (test_batch_finish_as_the_function_returns)
{
  guint i, n = async_check_scale (20000);
  GstElement *e;
  GstHarness *h = batch_harness (1, 16, 4, &e);
  Racer r = { NULL, 0, GST_ASYNC_TRANSFORM_FLOW_DROPPED };
  GThread *finisher = g_thread_new ("finisher", finish_at_once, &r);

  gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e), hand_odd_over,
      &r, NULL);
  push_frames (h, 0, n);
  fail_unless (async_check_drain (h->srcpad));
  g_atomic_int_set (&r.stop, 1);
  g_thread_join (finisher);
  for (i = 0; i < n; i += 2)
    pull_frames (h, i, i + 1, 0);
  fail_unless (gst_harness_try_pull (h) == NULL);

  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Setting one kind of function replaces the other, and frees its data. */
GST_START_TEST (test_batch_replaces_function)
{
  GstElement *e;
  GstHarness *h = batch_harness (2, 0, 4, &e);
  Batcher b;
  Work w;

  batcher_init (&b);
  work_init (&w);
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      work_free);
  gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e), batch_function,
      &b, batcher_free);
  fail_unless_equals_int (w.freed, 1);
  push_frames (h, 0, 10);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_int (w.calls, 0);
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      NULL);
  fail_unless_equals_int (b.freed, 1);
  push_frames (h, 10, 20);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_int (w.calls, 10);
  pull_frames (h, 0, 20, 0xff);

  gst_object_unref (e);
  gst_harness_teardown (h);
  batcher_clear (&b);
  work_clear (&w);
}

GST_END_TEST;

/* A per-frame function, or a process handler, with batch-size above 1:
 * the frames of a batch one after the other, each with its own flow. */
GST_START_TEST (test_per_frame_work_in_batches)
{
  const guint n = 100;
  GstElement *e;
  GstHarness *h = batch_harness (2, 0, 8, &e);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  Work w;
  guint i;

  gst_element_set_bus (e, bus);
  work_init (&w);
  w.max_sleep_us = 500;
  if (__i__)
    g_signal_connect (e, "process", G_CALLBACK (on_process), &w);
  else
    gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
        NULL);
  push_frames (h, 0, n);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_int (w.calls, n);
  pull_frames (h, 0, n, __i__ ? 0x0f : 0xff);
  if (!__i__) {
    /* then drops and an error: the frames before it leave */
    w.drop_odd = TRUE;
    w.error_at = 110;
    push_frames (h, 100, 110);
    fail_unless (async_check_drain (h->srcpad));
    for (i = 100; i < 110; i += 2)
      pull_frames (h, i, i + 1, 0xff);
    fail_unless (gst_harness_try_pull (h) == NULL);
    gst_harness_push (h, make_frame (110));
    msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL);
    gst_message_unref (msg);
  }

  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
  work_clear (&w);
}

GST_END_TEST;

/* --- the process-batch signal -------------------------------------------- */

/* A handler as bindings write it: frame i of the call has the id first_id
 * + i; it replaces each output with set-output, or leaves the frames
 * pending for another thread to finish by id. Its first call waits at
 * the gate. */
static GstFlowReturn
on_process_batch (GstElement * e, guint64 first_id, GstBufferList * list,
    GstCaps * caps, guint worker, Batcher * b)
{
  guint i, n = gst_buffer_list_length (list);

  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "test/frames"));
  batcher_enter (b, n);
  for (i = 0; i < n; i++) {
    guint64 id = first_id + i;
    guint8 data[FRAME_SIZE];
    GstBuffer *out;
    gsize k;

    if (b->pend_all) {
      g_mutex_lock (&b->lock);
      g_ptr_array_add (b->pending, g_memdup2 (&id, sizeof (id)));
      g_cond_broadcast (&b->cond);
      g_mutex_unlock (&b->lock);
      continue;
    }
    gst_buffer_extract (gst_buffer_list_get (list, i), 0, data, FRAME_SIZE);
    for (k = 0; k < FRAME_SIZE; k++)
      data[k] ^= 0x0f;
    out = gst_buffer_new_memdup (data, FRAME_SIZE);
    g_signal_emit_by_name (e, "set-output", id, out);
    gst_buffer_unref (out);
  }
  return b->pend_all ? GST_ASYNC_TRANSFORM_FLOW_PENDING : GST_FLOW_OK;
}

/* Finishes the frames pending by id, newest first, with the finish
 * action. */
static void
finish_ids (GstElement * e, Batcher * b)
{
  guint64 *id;

  g_mutex_lock (&b->lock);
  while ((id = b->pending->len ? g_ptr_array_steal_index (b->pending,
              b->pending->len - 1) : NULL)) {
    g_mutex_unlock (&b->lock);
    g_signal_emit_by_name (e, "finish", *id, GST_FLOW_OK);
    g_free (id);
    g_mutex_lock (&b->lock);
  }
  g_mutex_unlock (&b->lock);
}

static GstFlowReturn
must_not_run_batch (GstElement * e, guint64 first_id, GstBufferList * list,
    GstCaps * caps, guint worker, gpointer data)
{
  fail ("process-batch was emitted with a function set");
  return GST_FLOW_ERROR;
}

GST_START_TEST (test_batch_signal)
{
  gboolean pend = __i__;
  GstElement *e;
  GstHarness *h = batch_harness (1, 32, 4, &e);
  Batcher b;

  batcher_init (&b);
  b.pend_all = pend;
  /* (process-batch takes the frames from the process handler) */
  g_signal_connect (e, "process", G_CALLBACK (must_not_run), NULL);
  g_signal_connect (e, "process-batch", G_CALLBACK (on_process_batch), &b);
  push_behind_gate (&b, h, 13);
  batcher_open_gate (&b);
  if (pend) {
    batcher_wait (&b, FALSE, 13);
    fail_unless_equals_int (gst_harness_buffers_received (h), 0);
    finish_ids (e, &b);
  }
  fail_unless (async_check_drain (h->srcpad));
  assert_calls (&b, "1 4 4 4");
  /* pending frames were finished as they came: input unchanged */
  pull_frames (h, 0, 13, pend ? 0 : 0x0f);

  gst_object_unref (e);
  gst_harness_teardown (h);
  batcher_clear (&b);
}

GST_END_TEST;

/* While batch-size is 1, process-batch gets one frame per call; with a
 * function of either kind set, it is not emitted. */
GST_START_TEST (test_batch_signal_rules)
{
  GstElement *e;
  GstHarness *h = batch_harness (2, 0, 1, &e);
  Batcher b;
  Work w;

  batcher_init (&b);
  work_init (&w);
  g_signal_connect (e, "process", G_CALLBACK (must_not_run), NULL);
  g_signal_connect (e, "process-batch", G_CALLBACK (on_process_batch), &b);
  push_frames (h, 0, 6);
  fail_unless (async_check_drain (h->srcpad));
  assert_calls (&b, "1 1 1 1 1 1");
  pull_frames (h, 0, 6, 0x0f);

  g_signal_handlers_disconnect_by_func (e, on_process_batch, &b);
  g_signal_connect (e, "process-batch", G_CALLBACK (must_not_run_batch), NULL);
  gst_async_process_set_function (GST_ASYNC_PROCESS (e), work_function, &w,
      NULL);
  push_frames (h, 6, 12);
  fail_unless (async_check_drain (h->srcpad));
  gst_async_process_set_batch_function (GST_ASYNC_PROCESS (e), batch_function,
      &b, NULL);
  push_frames (h, 12, 18);
  fail_unless (async_check_drain (h->srcpad));
  pull_frames (h, 6, 18, 0xff);
  fail_unless_equals_int (w.calls, 6);

  gst_object_unref (e);
  gst_harness_teardown (h);
  batcher_clear (&b);
  work_clear (&w);
}

GST_END_TEST;

/* --- batches across a worker group -------------------------------------- */

/* What the calls held: one letter per call, "m" when a call held frames of
 * two elements, "s" when of one. The first call sleeps, so that the frames
 * of both pile up behind it. */
typedef struct
{
  GMutex lock;
  GString *calls;
} SharedCalls;

static GstFlowReturn
shared_batch_function (GstAsyncProcess * process,
    GstAsyncProcessFrame ** frames, guint n_frames, gpointer user_data)
{
  SharedCalls *sc = user_data;
  gboolean mixed = FALSE;
  guint i;

  for (i = 1; i < n_frames; i++)
    mixed |= gst_async_process_frame_get_element (frames[i]) !=
        gst_async_process_frame_get_element (frames[0]);
  g_mutex_lock (&sc->lock);
  g_string_append_c (sc->calls, mixed ? 'm' : 's');
  i = sc->calls->len;
  g_mutex_unlock (&sc->lock);
  if (i == 1)
    g_usleep (200 * 1000);
  return GST_FLOW_OK;
}

static GstFlowReturn
other_batch_function (GstAsyncProcess * process,
    GstAsyncProcessFrame ** frames, guint n_frames, gpointer user_data)
{
  return shared_batch_function (process, frames, n_frames, user_data);
}

/* Two asyncprocess of one worker group share calls when they have the same
 * batch function, never with different ones; every frame leaves its own
 * element in order. */
GST_START_TEST (test_batch_function_shared_across_group)
{
  guint v, i;

  for (v = 0; v < 2; v++) {
    GstElement *a = gst_element_factory_make ("asyncprocess", NULL);
    GstElement *b = gst_element_factory_make ("asyncprocess", NULL);
    SharedCalls sc;
    GstHarness *ha, *hb;

    g_mutex_init (&sc.lock);
    sc.calls = g_string_new (NULL);
    g_object_set (a, "worker-group", "asyncprocess-shared", "n-workers", 1,
        "batch-size", 4, NULL);
    g_object_set (b, "worker-group", "asyncprocess-shared", "n-workers", 1,
        "batch-size", 4, NULL);
    gst_async_process_set_batch_function (GST_ASYNC_PROCESS (a),
        shared_batch_function, &sc, NULL);
    gst_async_process_set_batch_function (GST_ASYNC_PROCESS (b),
        v == 0 ? shared_batch_function : other_batch_function, &sc, NULL);
    ha = gst_harness_new_with_element (a, "sink", "src");
    hb = gst_harness_new_with_element (b, "sink", "src");
    gst_harness_set_src_caps_str (ha, "test/x");
    gst_harness_set_src_caps_str (hb, "test/x");
    for (i = 0; i < 3; i++) {
      GstBuffer *buf = gst_buffer_new ();

      GST_BUFFER_OFFSET (buf) = i;
      fail_unless_equals_int (gst_harness_push (ha, buf), GST_FLOW_OK);
      buf = gst_buffer_new ();
      GST_BUFFER_OFFSET (buf) = 100 + i;
      fail_unless_equals_int (gst_harness_push (hb, buf), GST_FLOW_OK);
    }
    for (i = 0; i < 3; i++) {
      GstBuffer *buf = gst_harness_pull (ha);

      fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
      gst_buffer_unref (buf);
      buf = gst_harness_pull (hb);
      fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), 100 + i);
      gst_buffer_unref (buf);
    }
    g_mutex_lock (&sc.lock);
    if (v == 0)
      fail_unless (strchr (sc.calls->str, 'm') != NULL, "calls: %s",
          sc.calls->str);
    else
      fail_unless (strchr (sc.calls->str, 'm') == NULL, "calls: %s",
          sc.calls->str);
    g_mutex_unlock (&sc.lock);
    gst_harness_teardown (ha);
    gst_harness_teardown (hb);
    gst_object_unref (a);
    gst_object_unref (b);
    g_string_free (sc.calls, TRUE);
    g_mutex_clear (&sc.lock);
  }
}

GST_END_TEST;

static Suite *
asyncprocess_suite (void)
{
  Suite *s = suite_create ("asyncprocess");
  TCase *tc;

  tc = tcase_create ("function");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_passthrough);
  tcase_add_loop_test (tc, test_function, 0, 2);
  tcase_add_test (tc, test_drop_and_error);
  tcase_add_test (tc, test_replace_function);
  suite_add_tcase (s, tc);

  tc = tcase_create ("pending");
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_pending, 0, 2);
  tcase_add_test (tc, test_pending_error);
  tcase_add_test (tc, test_cancel_on_flush);
  tcase_add_test (tc, test_finish_as_the_function_returns);
  tcase_add_test (tc, test_pending_until_a_later_frame);
  suite_add_tcase (s, tc);

  tc = tcase_create ("signal");
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_signal, 0, 2);
  tcase_add_test (tc, test_function_over_signal);
  suite_add_tcase (s, tc);

  tc = tcase_create ("batch");
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_batch_function, 0, 2);
  tcase_add_loop_test (tc, test_batch_outcomes, 0, 2);
  tcase_add_loop_test (tc, test_batch_error_waits_for_its_frame, 0, 2);
  tcase_add_test (tc, test_batch_flush);
  tcase_add_loop_test (tc, test_batch_cancel_unlocks, 0, 2);
  tcase_add_test (tc, test_batch_finish_as_the_function_returns);
  tcase_add_test (tc, test_batch_replaces_function);
  tcase_add_loop_test (tc, test_per_frame_work_in_batches, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("batch across a worker group");
  tcase_add_test (tc, test_batch_function_shared_across_group);
  suite_add_tcase (s, tc);

  tc = tcase_create ("batch signal");
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_batch_signal, 0, 2);
  tcase_add_test (tc, test_batch_signal_rules);
  suite_add_tcase (s, tc);

  tc = tcase_create ("caps");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_caps_out);
  tcase_add_test (tc, test_left_alone_other_caps);
  tcase_add_test (tc, test_without_caps);
  suite_add_tcase (s, tc);

  return s;
}

GST_CHECK_MAIN (asyncprocess);
