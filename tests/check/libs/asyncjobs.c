/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncjobs.c: unit tests of the lists that order the items inside a
 * GstAsyncTransform (gst/async/gstasynctransformjobs.c, built into this
 * test on its own, without the element)
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

#include "gstasynctransformjobs.h"

static GstAsyncJobs jobs;
static GPtrArray *batch;

static void
setup (void)
{
  gst_async_jobs_init (&jobs);
  batch = g_ptr_array_new ();
}

/* Frees a job taken out of the lists, as the element does. */
static void
release (GstAsyncJob * job)
{
  gst_clear_event (&job->event);
  gst_async_jobs_recycle_locked (&jobs, job);
}

static void
teardown (void)
{
  GPtrArray *rest = g_ptr_array_new ();
  GList *l;

  /* (pending and running jobs stay out of what take_all gives: they are
   * the test's, as they would be a thread's) */
  for (l = jobs.out.head; l; l = l->next) {
    GstAsyncJob *job = l->data;

    if (job->state == JOB_PENDING || job->state == JOB_RUNNING)
      g_ptr_array_add (rest, job);
  }
  g_ptr_array_foreach (batch, (GFunc) release, NULL);
  g_ptr_array_set_size (batch, 0);
  gst_async_jobs_take_all_locked (&jobs, batch);
  g_ptr_array_foreach (batch, (GFunc) release, NULL);
  g_ptr_array_foreach (rest, (GFunc) release, NULL);
  g_ptr_array_unref (batch);
  g_ptr_array_unref (rest);
  gst_async_jobs_free (&jobs);
}

/* --- helpers ------------------------------------------------------------ */

static GstAsyncJob *
add_frame (void)
{
  GstAsyncJob *job = gst_async_jobs_new_job_locked (&jobs);

  fail_if (gst_async_jobs_add_frame_locked (&jobs, job, FALSE));
  return job;
}

/* Adds a custom event; returns its job. @leaves: whether it may leave at
 * once (it is the only item inside). */
static GstAsyncJob *
add_event (gboolean leaves)
{
  GstEvent *event = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new_empty ("test"));

  fail_unless_equals_int (gst_async_jobs_add_event_locked (&jobs, event),
      leaves);
  return jobs.out.tail->data;
}

/* Starts the next frame to do, which must be @job. */
static void
start (GstAsyncJob * job)
{
  fail_unless (gst_async_jobs_next_todo_locked (&jobs) == job);
  job->state = JOB_RUNNING;
}

/* Adds three frames, and starts them all. */
static void
add_running (GstAsyncJob ** a, GstAsyncJob ** b, GstAsyncJob ** c)
{
  *a = add_frame ();
  *b = add_frame ();
  *c = add_frame ();
  start (*a);
  start (*b);
  start (*c);
}

/* Ends @job's work with @ret; returns whether its turn has come. */
static gboolean
finish (GstAsyncJob * job, GstFlowReturn ret)
{
  job->ret = ret;
  return gst_async_jobs_mark_done_locked (&jobs, job);
}

/* Collects what may leave (up to @max_frames frames) and checks it is
 * exactly the @n items given, in that order. */
static void
collect_check (guint max_frames, guint n, ...)
{
  va_list args;
  guint i;

  g_ptr_array_foreach (batch, (GFunc) release, NULL);
  g_ptr_array_set_size (batch, 0);
  fail_unless_equals_int (gst_async_jobs_collect_locked (&jobs, batch,
          max_frames), n);
  fail_unless_equals_int (batch->len, n);
  va_start (args, n);
  for (i = 0; i < n; i++)
    fail_unless (g_ptr_array_index (batch, i) == va_arg (args, GstAsyncJob *),
        "item %u of %u is not the expected one", i, n);
  va_end (args);
}

#define ALL G_MAXUINT

/* --- ordered ------------------------------------------------------------ */

GST_START_TEST (test_ordered_leaves_in_arrival_order)
{
  GstAsyncJob *a, *b, *c;

  add_running (&a, &b, &c);
  fail_if (finish (c, GST_FLOW_OK));
  fail_if (finish (b, GST_FLOW_OK));
  collect_check (ALL, 0);
  fail_unless (finish (a, GST_FLOW_OK));
  collect_check (ALL, 3, a, b, c);
  fail_unless (gst_async_jobs_is_empty_locked (&jobs));
}

GST_END_TEST;

GST_START_TEST (test_ordered_event_keeps_its_place)
{
  GstAsyncJob *a = add_frame (), *e = add_event (FALSE), *b = add_frame ();

  start (a);
  start (b);
  fail_if (finish (b, GST_FLOW_OK));
  collect_check (ALL, 0);
  fail_unless (finish (a, GST_FLOW_OK));
  collect_check (ALL, 3, a, e, b);
  /* an event alone inside may leave at once */
  e = add_event (TRUE);
  collect_check (ALL, 1, e);
}

GST_END_TEST;

GST_START_TEST (test_max_frames_counts_frames_only)
{
  GstAsyncJob *e = add_event (TRUE), *a = add_frame (), *b = add_frame ();

  start (a);
  start (b);
  finish (a, GST_FLOW_OK);
  finish (b, GST_FLOW_OK);
  collect_check (1, 2, e, a);
  collect_check (1, 1, b);
}

GST_END_TEST;

GST_START_TEST (test_late_frame_is_done_at_once)
{
  GstAsyncJob *a = gst_async_jobs_new_job_locked (&jobs);

  fail_unless (gst_async_jobs_add_frame_locked (&jobs, a, TRUE));
  fail_unless_equals_int (a->state, JOB_DONE);
  fail_if (gst_async_jobs_has_todo_locked (&jobs));
  collect_check (ALL, 1, a);
}

GST_END_TEST;

/* --- unordered ---------------------------------------------------------- */

GST_START_TEST (test_unordered_leaves_as_done)
{
  GstAsyncJob *a, *b, *c;

  gst_async_jobs_set_ordered_locked (&jobs, FALSE);
  add_running (&a, &b, &c);
  fail_unless (finish (c, GST_FLOW_OK));
  fail_unless (finish (a, GST_FLOW_OK));
  collect_check (ALL, 2, c, a);
  fail_unless (finish (b, GST_FLOW_OK));
  collect_check (ALL, 1, b);
}

GST_END_TEST;

/* A frame after an event never overtakes it, nor an event a frame before
 * it. */
GST_START_TEST (test_unordered_event_splits_sections)
{
  GstAsyncJob *a, *e, *b, *c;

  gst_async_jobs_set_ordered_locked (&jobs, FALSE);
  a = add_frame ();
  e = add_event (FALSE);
  b = add_frame ();
  c = add_frame ();
  start (a);
  start (b);
  start (c);
  fail_if (finish (c, GST_FLOW_OK));
  collect_check (ALL, 0);
  fail_unless (finish (a, GST_FLOW_OK));
  collect_check (ALL, 3, a, e, c);
  fail_unless (finish (b, GST_FLOW_OK));
  collect_check (ALL, 1, b);
}

GST_END_TEST;

/* A frame whose work ended the stream leaves in its place; the frames
 * after it in its section are past the end, those before it are not. */
GST_START_TEST (test_unordered_end_of_stream)
{
  GstAsyncJob *a, *b, *c;

  gst_async_jobs_set_ordered_locked (&jobs, FALSE);
  add_running (&a, &b, &c);
  fail_if (finish (b, GST_FLOW_EOS));
  fail_unless (finish (c, GST_FLOW_OK));
  collect_check (ALL, 1, c);
  fail_unless (c->past_end);
  fail_unless (finish (a, GST_FLOW_OK));
  collect_check (ALL, 2, a, b);
  fail_if (a->past_end);
  fail_if (b->past_end);
}

GST_END_TEST;

GST_START_TEST (test_switching_order_mid_stream)
{
  GstAsyncJob *a, *b, *c;

  gst_async_jobs_set_ordered_locked (&jobs, FALSE);
  add_running (&a, &b, &c);
  fail_unless (finish (c, GST_FLOW_OK));
  gst_async_jobs_set_ordered_locked (&jobs, TRUE);
  fail_unless (g_queue_is_empty (&jobs.finished));
  fail_if (c->in_finished);
  collect_check (ALL, 0);
  gst_async_jobs_set_ordered_locked (&jobs, FALSE);
  collect_check (ALL, 1, c);
  gst_async_jobs_set_ordered_locked (&jobs, TRUE);
  finish (b, GST_FLOW_OK);
  collect_check (ALL, 0);
  fail_unless (finish (a, GST_FLOW_OK));
  collect_check (ALL, 2, a, b);
}

GST_END_TEST;

/* --- leaky=downstream --------------------------------------------------- */

GST_START_TEST (test_steal_oldest)
{
  GstAsyncJob *a = add_frame (), *b = add_frame (), *c = add_frame (), *d;

  /* b is running, c done while a waits to start */
  fail_unless (gst_async_jobs_next_todo_locked (&jobs) == a);
  start (b);
  start (c);
  gst_queue_array_push_tail (jobs.todo, a);
  finish (c, GST_FLOW_OK);

  /* a, not started, came before c, done */
  fail_unless (gst_async_jobs_steal_oldest_locked (&jobs) == a);
  fail_unless (b->discont);
  fail_if (jobs.tail_discont);
  fail_unless (gst_async_jobs_steal_oldest_locked (&jobs) == c);
  fail_unless (jobs.tail_discont);
  /* b is being processed: nothing more to drop */
  fail_unless (gst_async_jobs_steal_oldest_locked (&jobs) == NULL);
  release (a);
  release (c);

  d = add_frame ();
  fail_unless (d->discont);
  fail_if (jobs.tail_discont);
}

GST_END_TEST;

/* Done frames with something to tell, and events, are never dropped. */
GST_START_TEST (test_steal_spares_what_must_be_told)
{
  GstAsyncJob *a = add_frame (), *e = add_event (FALSE), *b = add_frame ();
  GstAsyncJob *c = add_frame ();

  start (a);
  start (b);
  start (c);
  finish (a, GST_FLOW_ERROR);
  b->late = TRUE;
  finish (b, GST_FLOW_OK);
  g_queue_push_tail (&c->messages, GINT_TO_POINTER (1));
  finish (c, GST_FLOW_OK);
  fail_unless (gst_async_jobs_steal_oldest_locked (&jobs) == NULL);
  g_queue_clear (&c->messages);
  collect_check (ALL, 4, a, e, b, c);
}

GST_END_TEST;

/* --- flushes and reuse -------------------------------------------------- */

GST_START_TEST (test_take_all_leaves_running_and_pending)
{
  GstAsyncJob *a = add_frame (), *b = add_frame (), *c = add_frame ();
  GstAsyncJob *d = add_frame (), *e = add_event (FALSE), *f;

  /* a waits; b runs; c is pending; d is done */
  fail_unless (gst_async_jobs_next_todo_locked (&jobs) == a);
  start (b);
  start (c);
  start (d);
  c->state = JOB_PENDING;
  finish (d, GST_FLOW_OK);
  gst_queue_array_push_tail (jobs.todo, a);

  gst_async_jobs_take_all_locked (&jobs, batch);
  fail_unless_equals_int (batch->len, 3);
  fail_unless (g_ptr_array_index (batch, 0) == a);
  fail_unless (g_ptr_array_index (batch, 1) == d);
  fail_unless (g_ptr_array_index (batch, 2) == e);
  fail_unless (c->abandoned);
  fail_if (b->abandoned);
  fail_unless (gst_async_jobs_is_empty_locked (&jobs));
  fail_if (gst_async_jobs_has_todo_locked (&jobs));
  fail_unless (g_queue_is_empty (&jobs.stealable));
  fail_unless (gst_async_jobs_steal_oldest_locked (&jobs) == NULL);
  release (b);
  release (c);

  /* what comes after the flush leaves on its own, unordered too */
  gst_async_jobs_set_ordered_locked (&jobs, FALSE);
  f = add_frame ();
  start (f);
  fail_unless (finish (f, GST_FLOW_OK));
  collect_check (ALL, 1, f);
}

GST_END_TEST;

GST_START_TEST (test_recycled_job_starts_clean)
{
  GstAsyncJob *a = add_frame (), *b;

  start (a);
  a->finish_called = a->abandoned = a->late = TRUE;
  a->run_by_task = a->past_end = TRUE;
  a->frame.number = 7;
  finish (a, GST_FLOW_ERROR);
  collect_check (ALL, 1, a);
  release (g_ptr_array_steal_index (batch, 0));

  b = gst_async_jobs_new_job_locked (&jobs);
  fail_unless (b == a);
  fail_unless_equals_int (b->state, JOB_QUEUED);
  fail_unless_equals_int (b->ret, GST_FLOW_OK);
  fail_if (b->finish_called || b->abandoned || b->late || b->discont);
  fail_if (b->run_by_task || b->past_end || b->in_finished);
  fail_if (b->in_stealable);
  fail_unless (b->frame.number == G_MAXUINT64);
  fail_unless (b->out_link.data == b && b->finished_link.data == b);
  gst_async_jobs_recycle_locked (&jobs, b);
}

GST_END_TEST;

/* --- random ------------------------------------------------------------- */

/* Steps of each random sequence, before the lists are emptied. */
#define RANDOM_STEPS 5000

/* Random frames, events, starts, ends and collects, ordered or not: every
 * item leaves once; ordered, in arrival order; unordered, no frame crosses
 * an event. */
static void
run_random (guint32 seed, gboolean ordered)
{
  GRand *rand = g_rand_new_with_seed (seed);
  GPtrArray *running = g_ptr_array_new ();
  guint64 added = 0, left = 0, last_arrival = 0;
  guint last_section = 0;
  gboolean any_left = FALSE;
  guint step, i;

  gst_async_jobs_set_ordered_locked (&jobs, ordered);
  for (step = 0; step < RANDOM_STEPS || !gst_async_jobs_is_empty_locked (&jobs);
      step++) {
    guint what = g_rand_int_range (rand, 0, 10);
    GstAsyncJob *job;

    fail_unless (step < 5 * RANDOM_STEPS, "the lists never emptied");
    if (step >= RANDOM_STEPS)
      what = running->len ? 6 : gst_async_jobs_has_todo_locked (&jobs) ? 4 : 9;
    if (what < 3) {
      add_frame ();
      added++;
    } else if (what == 3) {
      gst_async_jobs_add_event_locked (&jobs,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new_empty ("test")));
      added++;
    } else if (what < 6) {
      if ((job = gst_async_jobs_next_todo_locked (&jobs))) {
        job->state = JOB_RUNNING;
        g_ptr_array_add (running, job);
      }
    } else if (what < 9) {
      if (running->len) {
        job = g_ptr_array_steal_index_fast (running,
            g_rand_int_range (rand, 0, running->len));
        finish (job, GST_FLOW_OK);
      }
    } else {
      g_ptr_array_foreach (batch, (GFunc) release, NULL);
      g_ptr_array_set_size (batch, 0);
      gst_async_jobs_collect_locked (&jobs, batch, G_MAXUINT);
      for (i = 0; i < batch->len; i++) {
        job = g_ptr_array_index (batch, i);
        fail_unless_equals_int (job->state, JOB_DONE);
        if (any_left && ordered)
          fail_unless (job->arrival > last_arrival);
        /* sections only grow: nothing crosses an event */
        fail_unless (job->section >= last_section);
        fail_unless (job->event == NULL || job->section == last_section
            || !any_left, "event overtook frames before it");
        last_section = job->section + (job->event != NULL);
        last_arrival = job->arrival;
        any_left = TRUE;
        left++;
      }
    }
  }
  fail_unless_equals_int (left, added);
  g_ptr_array_unref (running);
  g_rand_free (rand);
}

GST_START_TEST (test_random_ordered)
{
  run_random (1 + __i__, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_random_unordered)
{
  run_random (1 + __i__, FALSE);
}

GST_END_TEST;

static Suite *
asyncjobs_suite (void)
{
  Suite *s = suite_create ("asyncjobs");
  TCase *tc;

  tc = tcase_create ("ordered");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_ordered_leaves_in_arrival_order);
  tcase_add_test (tc, test_ordered_event_keeps_its_place);
  tcase_add_test (tc, test_max_frames_counts_frames_only);
  tcase_add_test (tc, test_late_frame_is_done_at_once);
  suite_add_tcase (s, tc);

  tc = tcase_create ("unordered");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_unordered_leaves_as_done);
  tcase_add_test (tc, test_unordered_event_splits_sections);
  tcase_add_test (tc, test_unordered_end_of_stream);
  tcase_add_test (tc, test_switching_order_mid_stream);
  suite_add_tcase (s, tc);

  tc = tcase_create ("leaky");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_steal_oldest);
  tcase_add_test (tc, test_steal_spares_what_must_be_told);
  suite_add_tcase (s, tc);

  tc = tcase_create ("flush and reuse");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_take_all_leaves_running_and_pending);
  tcase_add_test (tc, test_recycled_job_starts_clean);
  suite_add_tcase (s, tc);

  tc = tcase_create ("random");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_random_ordered, 0, 10);
  tcase_add_loop_test (tc, test_random_unordered, 0, 10);
  suite_add_tcase (s, tc);

  return s;
}

GST_CHECK_MAIN (asyncjobs);
