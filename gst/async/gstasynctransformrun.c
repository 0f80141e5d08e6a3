/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformrun.c: running process (): worker slots, the worker
 * pool, batches, the src task's runs of cheap frames, pending frames,
 * unlocking and draining
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

/* Who runs process (), and what happens to a frame after it.
 *
 * A run is one or more frames taken from the to-do list in arrival order
 * and run by one thread in one worker slot, in calls: process () on one
 * frame, or with a class that batches process_batch () on up to
 * batch-size. A pool worker takes one call's frames, the src task (when
 * the work is cheap) takes runs of many. At most n-workers slots are busy
 * at once; a frame's GstAsyncFrame.worker is its slot. A partial batch
 * may wait for more frames, up to batch-timeout (batch_due_locked ()).
 *
 * After process () a frame is done and may leave in its turn, or, when
 * process () returned FLOW_PENDING, pending: it stays in the window, the
 * slot is free for the next frame, and gst_async_transform_finish_frame (),
 * from any thread, makes it done later. Nobody ever waits for a pending
 * frame but the src task, and only for its turn to come: so a frame that
 * a later frame finishes (a batching subclass) never holds that later
 * frame up.
 *
 * The element interrupts process () calls with unlock () and waits for
 * them with unlock_stop (); a drain waits for every frame to leave. Once
 * new caps are due and nothing is inside, renew_contexts () applies the
 * one rule for what they do to the worker contexts.
 *
 * The _locked functions here are called with priv->lock held, and release
 * it only around process () and the frees that call out, as their first
 * comment lines say. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#include <glib/gi18n-lib.h>

#define GST_CAT_DEFAULT gst_async_transform_debug

/* --- what process () says about its own frame ---------------------------- */

/* The call the calling thread runs (process () or process_batch ()), so
 * that what it says about itself (an error message, a discarded context)
 * lands on it. */
typedef struct
{
  GstAsyncTransform *self;
  GstAsyncJob **jobs;           /* the call's frames, maybe of other */
  guint n;                      /* elements of the worker group too */
  gpointer context;
  gboolean discard_context;
  GQueue messages;              /* error messages, for a frame's turn */
} GstAsyncRun;

static GPrivate current_run;

/* GstElement.post_message: an error message from process () waits for its
 * frame's turn, so that it never overtakes the good frames before it (an
 * application that stops on the first error still gets them all). */
gboolean
gst_async_transform_hold_error_message (GstAsyncTransform * self,
    GstMessage * message)
{
  GstAsyncRun *run = g_private_get (&current_run);
  guint i;

  if (run == NULL || GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return FALSE;
  /* (from the element that makes the call, or from one whose frame is in
   * it) */
  for (i = 0; run->self != self && i < run->n; i++) {
    if (run->jobs[i]->element == self)
      break;
  }
  if (run->self != self && i == run->n)
    return FALSE;
  GST_DEBUG_OBJECT (self, "error message held for its frame's turn");
  g_queue_push_tail (&run->messages, message);
  return TRUE;
}

/**
 * gst_async_transform_discard_context:
 * @self: a #GstAsyncTransform
 * @context: the context #GstAsyncTransformClass.process was given, or one
 *     from gst_async_transform_acquire_context()
 *
 * Says that @context is broken (a child process died, a wrapped element
 * failed): it is freed instead of being used again, and a later frame
 * gets a new one. From #GstAsyncTransformClass.process, for its own
 * context, the context is freed once process returns; for a lent context,
 * this gives it back and frees it at once.
 *
 * Since: 1.0
 */
void
gst_async_transform_discard_context (GstAsyncTransform * self, gpointer context)
{
  GstAsyncRun *run;

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  g_return_if_fail (context != NULL);

  run = g_private_get (&current_run);
  if (run && run->self == self && run->context == context)
    run->discard_context = TRUE;        /* freed once process () returns */
  else
    gst_async_transform_return_context (self, context, TRUE);
}

/* --- one frame ----------------------------------------------------------- */

/* What process () (or finish_frame ()) gave @job becomes the frame's
 * result: an output buffer or none, and the input freed. Without the
 * lock: only the thread that owns the frame calls it. */
static void
gst_async_transform_settle_job (GstAsyncJob * job)
{
  GstAsyncTransform *self = job->element;
  GstAsyncFrame *frame = &job->frame;

  if (job->ret >= GST_FLOW_OK && job->frame_error) {
    /* dropped, with a warning in its turn */
    job->ret = GST_FLOW_OK;
    gst_clear_buffer (&frame->output);
  } else if (job->ret > GST_FLOW_OK) {
    /* GST_ASYNC_TRANSFORM_FLOW_DROPPED and other successes */
    job->ret = GST_FLOW_OK;
    gst_clear_buffer (&frame->output);
  } else if (job->ret != GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s", frame->number,
        gst_flow_get_name (job->ret));
    gst_clear_buffer (&frame->output);
  } else if (frame->output == NULL && frame->input
      && !g_atomic_int_get (&GET_PRIV (self)->same_caps)) {
    /* Left alone by an element whose output is of other caps than its
     * input (a converter, a codec): the input cannot go out for it. */
    _gst_async_transform_frame_error (self, frame, GST_CORE_ERROR,
        GST_CORE_ERROR_FAILED,
        g_strdup (_("A frame was left without a result.")),
        g_strdup_printf ("process () returned OK with no output, and the "
            "input does not fit the output caps"), __FILE__, GST_FUNCTION,
        __LINE__);
    job->ret = GST_FLOW_OK;
    gst_clear_buffer (&frame->output);
  } else if (frame->output == NULL) {
    /* Left alone, the frame goes out as it came, as through an in-place
     * GstBaseTransform that does nothing (asyncprocess's contract too); a
     * frame whose input process () took has nothing to push. */
    frame->output = g_steal_pointer (&frame->input);
  } else if (frame->input && frame->output != frame->input) {
    gst_async_transform_apply_output_policy (self, frame);
  }
  /* The input is not needed any more: free it now rather than when the
   * frame leaves, so memory follows the frames really in use. */
  gst_clear_buffer (&frame->input);
}

/* Time from process () starting on @job to now, which is when its work
 * ended (process () returned, or finish_frame () came). */
static GstClockTime
gst_async_transform_work_ended (GstAsyncJob * job)
{
  job->processed_at = g_get_monotonic_time ();
  return (job->processed_at - job->started_at) * GST_USECOND;
}

/* @job's work is over, maybe releasing the lock for a moment: the averages
 * learn of it, and it may leave in its turn. A flush meanwhile made it
 * stale: it is then thrown away, cleared without the lock (the frees call
 * out). */
static void
gst_async_transform_work_over_locked (GstAsyncTransform * self,
    GstAsyncJob * job)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  gst_async_transform_record_run_locked (priv, job, job->took);
  if (job->flush_count == priv->flush_count && !job->abandoned) {
    gst_async_transform_mark_done_locked (priv, job);
    return;
  }
  gst_async_transform_unlock_and_wake (priv);
  gst_async_transform_clear_job (job);
  g_mutex_lock (&priv->lock);
  gst_async_jobs_recycle_locked (&priv->jobs, job);
}

static void
gst_async_transform_move_messages (GstAsyncJob * job, GQueue * messages)
{
  GstMessage *message;

  while ((message = g_queue_pop_head (messages)))
    g_queue_push_tail (&job->messages, message);
}

/* The frame of @jobs whose turn @message, held during their call, waits
 * for: the first that failed, one of the message's element first; else
 * the element's first frame; else the call's first. */
static GstAsyncJob *
gst_async_transform_message_frame (GstAsyncJob ** jobs, guint n,
    GstMessage * message)
{
  GstObject *src = GST_MESSAGE_SRC (message);
  GstAsyncJob *failed = NULL, *first = NULL;
  guint i;

  for (i = 0; i < n; i++) {
    gboolean own = GST_OBJECT (jobs[i]->element) == src;

    if (own && jobs[i]->ret < GST_FLOW_EOS)
      return jobs[i];
    if (failed == NULL && jobs[i]->ret < GST_FLOW_EOS)
      failed = jobs[i];
    if (first == NULL && own)
      first = jobs[i];
  }
  return failed ? failed : first ? first : jobs[0];
}

/* Moves the messages held during the call on @jobs, each to the frame
 * whose turn it waits for; a frame of another element posts it as its
 * own element's. */
static void
gst_async_transform_place_messages (GstAsyncJob ** jobs, guint n,
    GQueue * messages)
{
  GstMessage *message;

  while ((message = g_queue_pop_head (messages))) {
    GstAsyncJob *job = gst_async_transform_message_frame (jobs, n, message);

    if (GST_MESSAGE_SRC (message) != GST_OBJECT (job->element)) {
      message = gst_message_make_writable (message);
      gst_object_replace (&GST_MESSAGE_SRC (message),
          GST_OBJECT (job->element));
    }
    g_queue_push_tail (&job->messages, message);
  }
}

/* The call on @jobs returned @ret: each frame's outcome is the flow its
 * finish_frame () gave during the call, or else @ret, read with the lock
 * of the frame's element (a call may hold frames of several, see
 * pool_take ()). The call's error messages go to their frames. Frames
 * left pending belong to their finish_frame () from now on: they are
 * taken out of @jobs (set to NULL). */
static void
gst_async_transform_end_call (GstAsyncJob ** jobs, guint n, GstFlowReturn ret,
    GQueue * messages)
{
  GstAsyncTransform *element;
  GstAsyncTransformPrivate *priv;
  GstAsyncJob *job;
  guint i, end;

  for (i = 0; i < n; i = end) {
    element = jobs[i]->element;
    priv = GET_PRIV (element);
    g_mutex_lock (&priv->lock);
    for (end = i; end < n && (job = jobs[end])->element == element; end++)
      job->ret = job->finish_called ? job->finished_ret : ret;
    g_mutex_unlock (&priv->lock);
  }
  /* (no frame is pending yet: each is still this thread's) */
  gst_async_transform_place_messages (jobs, n, messages);
  for (i = 0; i < n; i = end) {
    element = jobs[i]->element;
    priv = GET_PRIV (element);
    g_mutex_lock (&priv->lock);
    for (end = i; end < n && (job = jobs[end])->element == element; end++) {
      if (job->ret != GST_ASYNC_TRANSFORM_FLOW_PENDING)
        continue;
      if (job->finish_called) {
        /* (finished since the first look) */
        job->ret = job->finished_ret;
        continue;
      }
      job->state = JOB_PENDING;
      /* a flush while the call ran: nobody waits for it any more */
      job->abandoned = job->flush_count != priv->flush_count;
      /* Until finish_frame (): the frame's element must outlive it. */
      gst_object_ref (element);
      jobs[end] = NULL;
    }
    g_mutex_unlock (&priv->lock);
  }
}

/* Runs one call, process () on one frame or process_batch () on @n,
 * without the lock, with a context of its own, and settles the frames'
 * results, except those left pending (set to NULL in @jobs: another thread
 * may be finishing them already). */
static void
gst_async_transform_run_call (GstAsyncTransform * self, GstAsyncJob ** jobs,
    guint n, gboolean batch)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncRun run = { self, jobs, n, NULL, FALSE, G_QUEUE_INIT };
  gint64 now = g_get_monotonic_time ();
  GstFlowReturn ret;
  guint cookie, i;

  for (i = 0; i < n; i++)
    jobs[i]->started_at = now;
  g_private_set (&current_run, &run);
  run.context = gst_async_transform_take_context (self, &cookie);
  if (klass->create_context && run.context == NULL) {
    if (g_queue_is_empty (&run.messages))
      GST_ELEMENT_ERROR (self, CORE, FAILED,
          (_("Could not prepare a worker to process frames.")),
          ("The subclass could not create a worker context"));
    ret = GST_FLOW_ERROR;
  } else {
    ret = batch ? klass->process_batch (self, run.context,
        (GstAsyncFrame **) jobs, n) : klass->process (self, run.context,
        &jobs[0]->frame);
    gst_async_transform_give_context (self, run.context, cookie,
        run.discard_context);
  }
  g_private_set (&current_run, NULL);

  if (G_LIKELY (!batch && ret != GST_ASYNC_TRANSFORM_FLOW_PENDING)) {
    /* (one frame that returned: nobody else may touch it, no lock) */
    jobs[0]->ret = ret;
    gst_async_transform_move_messages (jobs[0], &run.messages);
  } else {
    gst_async_transform_end_call (jobs, n, ret, &run.messages);
  }
  for (i = 0; i < n; i++) {
    if (jobs[i]) {
      gst_async_transform_settle_job (jobs[i]);
      jobs[i]->took = gst_async_transform_work_ended (jobs[i]);
    }
  }
}

/**
 * gst_async_transform_finish_frame:
 * @self: a #GstAsyncTransform
 * @frame: (transfer none): a frame #GstAsyncTransformClass.process
 *     returned %GST_ASYNC_TRANSFORM_FLOW_PENDING for
 * @flow: what process () would have returned: %GST_FLOW_OK with
 *     @frame's output set before this call, %GST_ASYNC_TRANSFORM_FLOW_DROPPED,
 *     %GST_FLOW_EOS, or an error
 *
 * Completes a pending frame, from any thread (also from within process ()
 * itself, before it returns, and from the process () of a later frame).
 * The frame then leaves in its turn exactly as if process () had returned
 * @flow. Every pending frame must be finished once: the element keeps a
 * reference to itself until then. After a flush or a stop (which call
 * #GstAsyncTransformClass.unlock, so that the work can be cancelled) the
 * frame is thrown away here, never pushed; @frame must not be used after
 * this call.
 *
 * Since: 1.0
 */
void
gst_async_transform_finish_frame (GstAsyncTransform * self,
    GstAsyncFrame * frame, GstFlowReturn flow)
{
  GstAsyncTransformPrivate *priv;
  GstAsyncJob *job;

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  g_return_if_fail (frame != NULL);
  g_return_if_fail (flow != GST_ASYNC_TRANSFORM_FLOW_PENDING);
  job = GST_ASYNC_JOB (frame);
  /* (the frame's own element: a call of @self may hold frames of other
   * members of its worker group) */
  self = job->element;
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  if ((job->state != JOB_RUNNING && job->state != JOB_PENDING)
      || job->finish_called)
    goto not_pending;
  job->finish_called = TRUE;
  if (job->state == JOB_RUNNING) {
    /* process () has not returned yet: its thread completes the frame */
    job->finished_ret = flow;
    g_mutex_unlock (&priv->lock);
    return;
  }
  g_mutex_unlock (&priv->lock);

  job->ret = flow;
  gst_async_transform_settle_job (job);
  job->took = gst_async_transform_work_ended (job);

  g_mutex_lock (&priv->lock);
  gst_async_transform_work_over_locked (self, job);
  gst_async_transform_unlock_and_wake (priv);
  gst_object_unref (self);
  return;

  /* ERRORS */
not_pending:
  g_mutex_unlock (&priv->lock);
  g_critical ("%s: frame %" G_GUINT64_FORMAT " is not pending, or was "
      "finished already", G_STRFUNC, frame->number);
}

/* --- runs ---------------------------------------------------------------- */

/* The lowest worker slot no run has: what GstAsyncFrame.worker says. At
 * most n-workers runs go at once, so it is below n-workers. */
static guint
gst_async_transform_lowest_free_slot_locked (GstAsyncTransformPrivate * priv)
{
  guint word;

  for (word = 0; priv->busy_slots[word] == G_MAXUINT32; word++);
  return word * 32 + g_bit_nth_lsf ((gulong) ~ priv->busy_slots[word], -1);
}

/* The oldest frame not yet started that is worth running: late frames on
 * the way are done at once, without work. */
static GstAsyncJob *
gst_async_transform_next_startable_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncJob *job;

  while ((job = gst_async_jobs_next_todo_locked (&priv->jobs))) {
    if (!gst_async_transform_is_late_locked (priv, job))
      return job;
    gst_async_transform_mark_done_locked (priv, job);
  }
  return NULL;
}

static void
gst_async_transform_start_job_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job, guint slot)
{
  job->state = JOB_RUNNING;
  priv->in_work++;
  job->frame.number = priv->next_number++;
  job->frame.worker = slot;
}

static inline gboolean
gst_async_transform_slot_free_locked (GstAsyncTransformPrivate * priv)
{
  return priv->busy_workers < priv->n_workers
      && priv->flow != GST_FLOW_FLUSHING;
}

static void
gst_async_transform_take_slot_locked (GstAsyncTransformPrivate * priv,
    guint slot)
{
  priv->busy_slots[slot / 32] |= 1u << (slot % 32);
  priv->busy_workers++;
}

/* Whether the frames waiting to start may go in a call now: a full batch
 * at once; a partial one once its oldest frame has waited batch-timeout,
 * or at once when waiting could gain nothing: an event, a drain or the
 * end of the stream waits behind them, or the window is full and no
 * frame can come in before some leave (see below). When they are to wait
 * for more, sets @deadline to the monotonic µs their wait ends, or 0 for
 * a wait until the batch is full. */
static gboolean
gst_async_transform_batch_due_locked (GstAsyncTransformPrivate * priv,
    gint64 * deadline)
{
  GstClockTime timeout;
  GstAsyncJob *oldest;
  gint64 due_at;

  if (priv->batch_size == 1
      || gst_async_jobs_n_todo_locked (&priv->jobs) >= priv->batch_size)
    return TRUE;
  timeout = gst_async_transform_batch_timeout_locked (priv);
  if (timeout == 0)
    return TRUE;
  oldest = gst_async_jobs_peek_todo_locked (&priv->jobs);
  /* (an event came after it: events bump the tail section) */
  if (oldest->section != priv->jobs.tail_section || priv->draining > 0
      || priv->eos || priv->posting_error || priv->flow != GST_FLOW_OK)
    return TRUE;
  if (!GST_CLOCK_TIME_IS_VALID (timeout)) {
    /* No frame can come before some leave, and those inside may wait for
     * these (a subclass that finishes them as later frames come). */
    *deadline = 0;
    return gst_async_transform_window_full_locked (priv);
  }
  /* With a timeout, a full window waits for it too while other frames
   * are inside, at work, pending or leaving: one leaving lets one more in,
   * and going at once would make batches of one of it (pending frames a
   * device finishes one by one). Only frames that wait all go at once. */
  if (gst_async_transform_window_full_locked (priv)
      && priv->in_flight <= gst_async_jobs_n_todo_locked (&priv->jobs))
    return TRUE;
  due_at = oldest->entered + (gint64) (timeout / GST_USECOND);
  if (g_get_monotonic_time () >= due_at)
    return TRUE;
  *deadline = due_at;
  return FALSE;
}

/* Frames wait to start, and may start now: a batch that waits to fill
 * asks the worker pool to come back at its timeout instead (the src task,
 * which may sit in a push for a frame's duration, never times it). */
static gboolean
gst_async_transform_todo_startable_locked (GstAsyncTransformPrivate * priv)
{
  gint64 deadline = 0;

  if (!gst_async_jobs_has_todo_locked (&priv->jobs))
    return FALSE;
  if (gst_async_transform_batch_due_locked (priv, &deadline))
    return TRUE;
  if (deadline) {
    priv->wake_workers_at = deadline;
    priv->wakes_due |= GST_ASYNC_WAKE_WORKER_AT;
  }
  return FALSE;
}

/* Someone takes the frames waiting to start: the src task (cheap work)
 * or a worker (real work). Called as frames are queued, and as a slot
 * frees up, which may have been all that stopped them, and when a partial
 * batch may have to go (an event, a drain). */
void
gst_async_transform_announce_locked (GstAsyncTransformPrivate * priv)
{
  if (!gst_async_transform_todo_startable_locked (priv))
    return;
  if (!gst_async_transform_work_is_cheap_locked (priv))
    priv->wakes_due |= GST_ASYNC_WAKE_WORKER;
  else
    gst_async_transform_wake_task_locked (priv);
}

/* Takes up to @max frames not yet started, oldest first, into @run, in
 * one worker slot, which they hold from now on; @by_task: for the src
 * task. Returns how many (none when every slot is busy), and their slot in
 * @slot. */
static guint
gst_async_transform_take_frames_locked (GstAsyncTransformPrivate * priv,
    GPtrArray * run, guint max, gboolean by_task, guint * slot)
{
  GstAsyncJob *job;
  guint taken = 0;

  if (!gst_async_transform_slot_free_locked (priv))
    return 0;
  *slot = gst_async_transform_lowest_free_slot_locked (priv);
  while (run->len < max
      && (job = gst_async_transform_next_startable_locked (priv))) {
    gst_async_transform_start_job_locked (priv, job, *slot);
    job->run_by_task = by_task;
    g_ptr_array_add (run, job);
    taken++;
  }
  if (taken > 0)
    gst_async_transform_take_slot_locked (priv, *slot);
  return taken;
}

/* Takes up to @max frames for the src task to run, when they may start
 * now (gst_async_transform_take_frames_locked ()). */
guint
gst_async_transform_take_run_locked (GstAsyncTransformPrivate * priv,
    GPtrArray * run, guint max)
{
  guint slot;

  if (!gst_async_transform_todo_startable_locked (priv))
    return 0;
  return gst_async_transform_take_frames_locked (priv, run, max, TRUE, &slot);
}

/* process_batch () is the call: a class that has both gets process ()
 * while batches are of one frame. */
static inline gboolean
gst_async_transform_calls_batch_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  return priv->batches && (priv->batch_size > 1
      || GST_ASYNC_TRANSFORM_GET_CLASS (self)->process == NULL);
}

/* The end of a run of @n of @self's frames in @slot, with the lock, made
 * in @calls calls of which @shared held frames of other elements too (and
 * @lent: the calls were another element's): each frame is done, or
 * pending for its finish_frame (), and the slot is free again. */
static void
gst_async_transform_end_run_locked (GstAsyncTransform * self,
    GstAsyncJob ** jobs, guint n, guint slot, guint calls, guint shared,
    gboolean lent)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  guint i;

  for (i = 0; i < n; i++) {
    if (jobs[i])
      gst_async_transform_work_over_locked (self, jobs[i]);
  }
  priv->busy_slots[slot / 32] &= ~(1u << (slot % 32));
  priv->busy_workers--;
  if (lent)
    priv->lent_slots--;
  priv->stats.calls += calls;
  priv->stats.calls_shared += shared;
  gst_async_transform_announce_locked (priv);
  /* A drain, or a flush-stop, may wait for a process () call to end. */
  if (priv->drain_waiters > 0)
    priv->wakes_due |= GST_ASYNC_WAKE_SPACE;
}

/* Runs the @n frames gst_async_transform_take_run_locked () took, one
 * after the other, or in calls of up to batch-size frames, releasing the
 * lock meanwhile. Called with the lock, and returns with it and their slot
 * free: each frame is done, or pending for its finish_frame (), and no
 * longer the caller's. */
void
gst_async_transform_run_locked (GstAsyncTransform * self,
    GstAsyncJob ** jobs, guint n)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  guint i, size, calls = 0, slot = jobs[0]->frame.worker;
  guint per_call = priv->batch_size;
  gboolean batch = gst_async_transform_calls_batch_locked (self);

  gst_async_transform_unlock_and_wake (priv);
  for (i = 0; i < n; i += size, calls++) {
    size = batch ? MIN (per_call, n - i) : 1;
    gst_async_transform_run_call (self, jobs + i, size, batch);
  }
  g_mutex_lock (&priv->lock);
  gst_async_transform_end_run_locked (self, jobs, n, slot, calls, 0, FALSE);
}

/* Waits, releasing the lock meanwhile, until no process () call of this
 * element runs, whatever the flow: after a flush or a stop, for those the
 * unlock interrupted. (Frames of its own in another element's call are
 * thrown away when that call ends: waiting for it would tie this
 * element's seeks and stops to another's work.) */
void
gst_async_transform_wait_idle_locked (GstAsyncTransformPrivate * priv)
{
  while (priv->busy_workers > priv->lent_slots)
    gst_async_transform_wait_locked (priv, &priv->space_cond,
        &priv->drain_waiters);
}

/* --- the worker pool ----------------------------------------------------- */

/* Cheap frames are the src task's: a worker taking them too would only
 * fight over the lock. */
static inline gboolean
gst_async_transform_worth_a_worker_locked (GstAsyncTransformPrivate * priv)
{
  return gst_async_transform_slot_free_locked (priv)
      && !gst_async_transform_work_is_cheap_locked (priv)
      && gst_async_transform_todo_startable_locked (priv);
}

/* The frames of one element in a worker's call, and their slot. */
typedef struct
{
  GstAsyncTransform *element;   /* a reference, but for the worker's own */
  guint start, n, slot;
} GstAsyncSegment;

/* What a worker took for its next call: pool_take () and pool_run () are
 * called in turn from the same worker thread. The frames of the element
 * whose worker it is come first; with batches across a worker group,
 * frames of other members follow, each member's together (a segment). */
typedef struct
{
  GPtrArray *jobs;
  GArray *segments;             /* GstAsyncSegment */
  gboolean batch;               /* process_batch () is the call */
  /* what frames of other members must share to join the call */
  GType type;
  guint batch_size;
  GstCaps *caps;
  gconstpointer key;
} GstAsyncCall;

static void
gst_async_call_free (GstAsyncCall * call)
{
  g_ptr_array_unref (call->jobs);
  g_array_unref (call->segments);
  g_free (call);
}

static GstAsyncCall *
gst_async_transform_worker_call (void)
{
  static GPrivate key = G_PRIVATE_INIT ((GDestroyNotify) gst_async_call_free);
  GstAsyncCall *call = g_private_get (&key);

  if (G_UNLIKELY (call == NULL)) {
    call = g_new0 (GstAsyncCall, 1);
    call->jobs = g_ptr_array_new ();
    call->segments = g_array_new (FALSE, FALSE, sizeof (GstAsyncSegment));
    g_private_set (&key, call);
  }
  return call;
}

static void
gst_async_call_add_segment (GstAsyncCall * call, GstAsyncTransform * element,
    guint n, guint slot)
{
  GstAsyncSegment segment = { element, call->jobs->len - n, n, slot };

  g_array_append_val (call->segments, segment);
}

/* GstAsyncPoolVisitFunc: another member of the worker group adds its
 * oldest frames to a batch that is not full, when it is of the same class
 * with the same batch size, input caps and batch key (its frames may be
 * waiting for their batch to fill, or for a worker). Returns FALSE once
 * the batch is full. */
static gboolean
gst_async_transform_join_call (gpointer data, gpointer user_data)
{
  GstAsyncTransform *other = data;
  GstAsyncTransformPrivate *priv = GET_PRIV (other);
  GstAsyncCall *call = user_data;
  guint n, slot;

  if (G_OBJECT_TYPE (other) != call->type)
    return TRUE;
  g_mutex_lock (&priv->lock);
  if (priv->batch_size == call->batch_size && priv->batch_key == call->key
      && priv->incaps && gst_caps_is_equal (priv->incaps, call->caps)
      && (n = gst_async_transform_take_frames_locked (priv, call->jobs,
              call->batch_size, FALSE, &slot)) > 0) {
    gst_async_call_add_segment (call, gst_object_ref (other), n, slot);
    priv->lent_slots++;
    GST_LOG_OBJECT (other, "%u frames join a batch of another element", n);
  }
  gst_async_transform_unlock_and_wake (priv);
  return call->jobs->len < call->batch_size;
}

/* GstAsyncPoolTakeFunc: the oldest frames not yet started, a batch or
 * one, in a slot of their own; a batch that is not full takes frames of
 * the other members of a worker group too. A second worker is asked for
 * only when the work is worth a wake-up. */
static gpointer
gst_async_transform_pool_take (gpointer data, gboolean * more)
{
  GstAsyncTransform *self = data;
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncCall *call = gst_async_transform_worker_call ();
  GstAsyncPoolMember *member;
  gboolean gather = FALSE;
  guint n, slot;

  g_mutex_lock (&priv->lock);
  if (gst_async_transform_todo_startable_locked (priv)
      && (n = gst_async_transform_take_frames_locked (priv, call->jobs,
              priv->batch_size, FALSE, &slot)) > 0) {
    gst_async_call_add_segment (call, self, n, slot);
    call->batch = gst_async_transform_calls_batch_locked (self);
    gather = call->batch && n < priv->batch_size && priv->worker_group[0]
        && priv->incaps;
    if (gather) {
      call->type = G_OBJECT_TYPE (self);
      call->batch_size = priv->batch_size;
      call->caps = gst_caps_ref (priv->incaps);
      call->key = priv->batch_key;
    }
  }
  *more = gst_async_transform_worth_a_worker_locked (priv);
  /* (NULL once stop_workers () took it: the member itself cannot go
   * while its worker is in take) */
  member = priv->pool_member;
  gst_async_transform_unlock_and_wake (priv);

  if (gather && member) {
    gst_async_worker_pool_visit_others (member,
        gst_async_transform_join_call, call);
  }
  gst_clear_caps (&call->caps);
  return call->jobs->len > 0 ? call : NULL;
}

/* GstAsyncPoolRunFunc: runs the call pool_take () took, then gives each
 * element's frames back to it. */
static gboolean
gst_async_transform_pool_run (gpointer data, gpointer taken)
{
  GstAsyncTransform *self = data;
  GstAsyncCall *call = taken;
  GstAsyncJob **jobs = (GstAsyncJob **) call->jobs->pdata;
  guint i, shared = call->segments->len > 1;
  gboolean more = FALSE;

  gst_async_transform_run_call (self, jobs, call->jobs->len, call->batch);
  for (i = 0; i < call->segments->len; i++) {
    GstAsyncSegment *seg = &g_array_index (call->segments, GstAsyncSegment, i);
    GstAsyncTransformPrivate *priv = GET_PRIV (seg->element);

    g_mutex_lock (&priv->lock);
    gst_async_transform_end_run_locked (seg->element, jobs + seg->start,
        seg->n, seg->slot, 1, shared, seg->element != self);
    if (seg->element == self)
      more = gst_async_transform_worth_a_worker_locked (priv);
    gst_async_transform_unlock_and_wake (priv);
    if (seg->element != self)
      gst_object_unref (seg->element);
  }
  g_ptr_array_set_size (call->jobs, 0);
  g_array_set_size (call->segments, 0);
  return more;
}

/* GstAsyncPoolPokeFunc: the src task gave its thread to other tasks of
 * the group (yield_task_locked ()), and gets one back in its turn. */
static void
gst_async_transform_pool_poke (gpointer data)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (GST_ASYNC_TRANSFORM (data));

  g_mutex_lock (&priv->lock);
  if (priv->task_yielded && priv->flow == GST_FLOW_OK)
    gst_async_transform_start_task_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
}

/* READY->PAUSED: joins the element's worker pool. */
void
gst_async_transform_start_workers (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncPoolMember *member;
  gchar *group;
  guint n;

  g_mutex_lock (&priv->lock);
  /* Unknown until measured: assume real work, wake workers freely. */
  priv->process_avg = priv->process_last = 2 * CHEAP_WORK;
  n = priv->n_workers;
  group = g_strdup (priv->worker_group);
  gst_async_transform_unlock_and_wake (priv);

  GST_DEBUG_OBJECT (self, "%u workers (group \"%s\"), window of %u frames",
      n, group, priv->max_in_flight);
  member = gst_async_worker_pool_join (group, n,
      gst_async_transform_pool_take, gst_async_transform_pool_run,
      gst_async_transform_pool_poke, self);
  g_free (group);
  g_mutex_lock (&priv->lock);
  priv->pool_member = member;
  gst_async_transform_unlock_and_wake (priv);
}

/* Leaves the worker pool, once the pads are inactive, so no new frame can
 * start; waits for a worker busy with one of our frames to finish it. */
void
gst_async_transform_stop_workers (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncPoolMember *member;

  /* (taken with the lock: from then on nobody wakes it) */
  g_mutex_lock (&priv->lock);
  member = g_steal_pointer (&priv->pool_member);
  g_mutex_unlock (&priv->lock);
  if (member)
    gst_async_worker_pool_leave (member);
}

/* unlock / unlock_stop: a process () waiting for a pool buffer returns. */
static void
gst_async_transform_set_pool_flushing (GstAsyncTransform * self,
    gboolean flushing)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstBufferPool *pool;

  g_mutex_lock (&priv->lock);
  pool = priv->pool ? gst_object_ref (priv->pool) : NULL;
  gst_async_transform_unlock_and_wake (priv);
  if (pool) {
    gst_buffer_pool_set_flushing (pool, flushing);
    gst_object_unref (pool);
  }
}

/* Makes process () calls in progress return early (flush-start, stop):
 * the subclass's unlock, and a pool process () may wait on. */
void
gst_async_transform_unlock (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);

  gst_async_transform_set_pool_flushing (self, TRUE);
  if (klass->unlock)
    klass->unlock (self);
}

/* The unlock is over: waits for every process () call it interrupted to
 * return, as the subclass's unlock_stop may rely on, then calls it. */
void
gst_async_transform_unlock_stop (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  gst_async_transform_wait_idle_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
  if (klass->unlock_stop)
    klass->unlock_stop (self);
  gst_async_transform_set_pool_flushing (self, FALSE);
}

/* --- draining ------------------------------------------------------------ */

/* Waits until every item has left the element and no process () call
 * runs, not even one on a frame a flush threw away: set_caps may follow. */
GstFlowReturn
gst_async_transform_wait_drained (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstFlowReturn ret;

  g_mutex_lock (&priv->lock);
  /* (a partial batch waits for no more frames now) */
  priv->draining++;
  gst_async_transform_announce_locked (priv);
  /* (an error of this element's sets the flow before its message is
   * posted, from the batch being pushed: a drain answers once the message
   * is out) */
  while ((ret = priv->flow) == GST_FLOW_OK ? (priv->pushing
          || priv->task.batch->len > 0 || priv->busy_workers > 0
          || !gst_async_jobs_is_empty_locked (&priv->jobs))
      : (ret < GST_FLOW_EOS && priv->pushing))
    gst_async_transform_wait_locked (priv, &priv->space_cond,
        &priv->drain_waiters);
  priv->draining--;
  gst_async_transform_unlock_and_wake (priv);
  return ret;
}

/* A drain query or new caps: lets a framing subclass submit what it can,
 * then waits for every frame to leave. */
GstFlowReturn
gst_async_transform_drain (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstFlowReturn ret = GST_FLOW_OK;

  if (klass->drain)
    ret = klass->drain (self);
  else if (klass->finish)
    ret = klass->finish (self);
  if (ret == GST_FLOW_OK)
    ret = gst_async_transform_wait_drained (self);
  return ret;
}

/* Lets the contexts finish what they hold, once every frame has left. */
void
gst_async_transform_drain_contexts (GstAsyncTransform * self)
{
  if (GST_ASYNC_TRANSFORM_GET_CLASS (self)->drain_context
      && gst_async_transform_wait_drained (self) == GST_FLOW_OK)
    gst_async_transform_visit_contexts (self, FALSE);
}

/* The one rule for what new caps do to the contexts, applied once every
 * frame made with the old caps has left: the contexts made for them go,
 * unless the class keeps its contexts across caps; a kept context gives
 * back what it holds for new input caps (@input), as on a drain. */
void
gst_async_transform_renew_contexts (GstAsyncTransform * self, gboolean input)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);

  if (!klass->keep_contexts_across_caps)
    gst_async_transform_drop_contexts (self);
  else if (input && klass->drain_context)
    gst_async_transform_visit_contexts (self, FALSE);
}
