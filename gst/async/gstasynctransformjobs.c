/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformjobs.c: the lists that order the items inside a
 * GstAsyncTransform
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

/* Which item may leave, and when.
 *
 * Every item (a frame or a serialized event) is in out, in arrival order,
 * until the src task collects it. Ordered, an item leaves once it is the
 * head of out and done. Unordered, every item has a section, the number of
 * events before it: the done frames of the head section (no event before
 * them in out) wait in finished, in the order they finished, and leave
 * from there; an event leaves once it is the head of out, and then the
 * done frames of the next section move to finished. A frame whose
 * process () ended the stream (EOS) leaves in its place, as an event
 * would, and the frames of its section after it are past the end.
 *
 * Nothing here locks, waits, or calls out: the element's lock guards
 * these lists, and the functions return what the caller must act on (wake
 * the src task, free what was taken out). tests/check/libs/asyncjobs.c
 * tests them alone. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformjobs.h"

void
gst_async_jobs_init (GstAsyncJobs * jobs)
{
  g_queue_init (&jobs->out);
  g_queue_init (&jobs->finished);
  g_queue_init (&jobs->stealable);
  jobs->todo = gst_queue_array_new (32);
  jobs->spare = gst_queue_array_new (32);
  jobs->ordered = TRUE;
  jobs->next_arrival = 0;
  jobs->head_section = jobs->tail_section = 0;
  jobs->head_end_arrival = G_MAXUINT64;
  jobs->tail_discont = FALSE;
}

/* Frees the lists once every item has been taken out. */
void
gst_async_jobs_free (GstAsyncJobs * jobs)
{
  g_assert (g_queue_is_empty (&jobs->out));
  gst_queue_array_free (jobs->todo);
  gst_queue_array_set_clear_func (jobs->spare, g_free);
  gst_queue_array_free (jobs->spare);
  jobs->todo = jobs->spare = NULL;
}

/* A job in no list, state QUEUED, with nothing attached: a spare one, or
 * a new one. The caller fills in what it carries. */
GstAsyncJob *
gst_async_jobs_new_job_locked (GstAsyncJobs * jobs)
{
  GstAsyncJob *job = gst_queue_array_pop_tail (jobs->spare);

  if (job == NULL) {
    job = g_new0 (GstAsyncJob, 1);
    job->out_link.data = job->finished_link.data = job;
    job->stealable_link.data = job;
    g_queue_init (&job->events);
    g_queue_init (&job->messages);
  }
  job->state = JOB_QUEUED;
  job->ret = GST_FLOW_OK;
  job->late = FALSE;
  job->discont = job->past_end = job->run_by_task = FALSE;
  job->finish_called = job->abandoned = FALSE;
  job->processed_at = 0;
  job->frame.number = G_MAXUINT64;
  return job;
}

/* Keeps @job, in no list and cleared (gst_async_transform_clear_job ()),
 * for gst_async_jobs_new_job_locked (). */
void
gst_async_jobs_recycle_locked (GstAsyncJobs * jobs, GstAsyncJob * job)
{
  gst_queue_array_push_tail (jobs->spare, job);
}

/* A frame leaky=downstream may drop: done, with no error to report, no QoS
 * message to post, no event to send. */
static inline gboolean
gst_async_jobs_can_steal (GstAsyncJob * job)
{
  return job->event == NULL && job->state == JOB_DONE && !job->late
      && job->ret == GST_FLOW_OK && job->frame_error == NULL
      && g_queue_is_empty (&job->messages) && g_queue_is_empty (&job->events);
}

/* Appends the frame @job to out, a DISCONT if a frame before it was
 * dropped. A @late frame is done at once (it only keeps its place, for
 * its QoS message); any other goes to todo. Returns TRUE when it may leave
 * now: wake the src task. */
gboolean
gst_async_jobs_add_frame_locked (GstAsyncJobs * jobs, GstAsyncJob * job,
    gboolean late)
{
  job->arrival = jobs->next_arrival++;
  job->section = jobs->tail_section;
  job->discont = jobs->tail_discont;
  jobs->tail_discont = FALSE;
  g_queue_push_tail_link (&jobs->out, &job->out_link);
  if (late)
    return gst_async_jobs_mark_done_locked (jobs, job);
  gst_queue_array_push_tail (jobs->todo, job);
  return FALSE;
}

/* Appends @event (taking it) to out, after every frame added before it.
 * Returns TRUE when it may leave now: wake the src task. */
gboolean
gst_async_jobs_add_event_locked (GstAsyncJobs * jobs, GstEvent * event)
{
  GstAsyncJob *job = gst_async_jobs_new_job_locked (jobs);

  job->event = event;
  job->state = JOB_DONE;
  job->arrival = jobs->next_arrival++;
  job->section = jobs->tail_section++;
  g_queue_push_tail_link (&jobs->out, &job->out_link);
  return jobs->out.head == &job->out_link;
}

/* @job's work is over: it may leave once its turn comes. Returns TRUE
 * when its turn has come: wake the src task. */
gboolean
gst_async_jobs_mark_done_locked (GstAsyncJobs * jobs, GstAsyncJob * job)
{
  job->state = JOB_DONE;
  if (gst_async_jobs_can_steal (job)) {
    g_queue_push_tail_link (&jobs->stealable, &job->stealable_link);
    job->in_stealable = TRUE;
  }
  if (job->ret == GST_FLOW_EOS && job->section == jobs->head_section)
    jobs->head_end_arrival = MIN (jobs->head_end_arrival, job->arrival);
  /* (unordered, the end of the stream leaves in its place too, as an
   * event) */
  if (jobs->ordered || job->ret == GST_FLOW_EOS)
    return jobs->out.head == &job->out_link;
  if (job->section != jobs->head_section)
    return FALSE;
  g_queue_push_tail_link (&jobs->finished, &job->finished_link);
  job->in_finished = TRUE;
  return TRUE;
}

/* @job leaves the window (pushed or dropped): out of the lists of done
 * frames. */
static void
gst_async_jobs_unlink_done (GstAsyncJobs * jobs, GstAsyncJob * job)
{
  if (job->in_finished) {
    g_queue_unlink (&jobs->finished, &job->finished_link);
    job->in_finished = FALSE;
  }
  if (job->in_stealable) {
    g_queue_unlink (&jobs->stealable, &job->stealable_link);
    job->in_stealable = FALSE;
  }
}

/* Unordered: the done frames of the head section go to finished, and the
 * first one that ended the stream is noted. */
static void
gst_async_jobs_fill_finished (GstAsyncJobs * jobs)
{
  GList *l;

  jobs->head_end_arrival = G_MAXUINT64;
  for (l = jobs->out.head; l; l = l->next) {
    GstAsyncJob *job = l->data;

    if (job->event)
      break;
    if (job->state != JOB_DONE)
      continue;
    if (job->ret == GST_FLOW_EOS)
      jobs->head_end_arrival = MIN (jobs->head_end_arrival, job->arrival);
    else if (!job->in_finished) {
      g_queue_push_tail_link (&jobs->finished, &job->finished_link);
      job->in_finished = TRUE;
    }
  }
}

/* Takes @job out of out into @batch. An event that leaves makes the next
 * section the head one: each frame is visited once, when its section
 * comes to the head. */
static void
gst_async_jobs_take_out (GstAsyncJobs * jobs, GstAsyncJob * job,
    GPtrArray * batch)
{
  g_queue_unlink (&jobs->out, &job->out_link);
  gst_async_jobs_unlink_done (jobs, job);
  /* Unordered, a frame after the end may finish before it: dropped. */
  job->past_end = job->event == NULL && !jobs->ordered
      && job->arrival > jobs->head_end_arrival;
  g_ptr_array_add (batch, job);
  if (job->event) {
    jobs->head_section++;
    if (!jobs->ordered)
      gst_async_jobs_fill_finished (jobs);
  }
}

/* Moves the items that may leave now from out to @batch, up to
 * @max_frames frames: ordered, the head while it is done; unordered, the
 * finished frames of the head section, then the event after them. Returns
 * how many items it moved. */
guint
gst_async_jobs_collect_locked (GstAsyncJobs * jobs, GPtrArray * batch,
    guint max_frames)
{
  guint frames = 0, before = batch->len;
  GstAsyncJob *job;

  while (frames < max_frames) {
    if (!jobs->ordered && jobs->finished.head)
      job = jobs->finished.head->data;
    else if (jobs->out.head && (job = jobs->out.head->data)
        && job->state == JOB_DONE && (jobs->ordered || job->event
            || job->ret == GST_FLOW_EOS));
    else
      break;
    gst_async_jobs_take_out (jobs, job, batch);
    frames += job->event == NULL;
  }
  return batch->len - before;
}

/* Marks the first frame after @job DISCONT, or the next frame added when
 * none is inside yet: @job is being dropped. */
static void
gst_async_jobs_discont_after (GstAsyncJobs * jobs, GstAsyncJob * job)
{
  GList *l;

  for (l = job->out_link.next; l; l = l->next) {
    GstAsyncJob *next = l->data;

    if (next->event == NULL) {
      next->discont = TRUE;
      return;
    }
  }
  jobs->tail_discont = TRUE;
}

/* For leaky=downstream: takes out the oldest frame that no thread is
 * processing or pushing, the oldest not started or the first done one
 * that may be dropped, whichever came first; the frame after it becomes a
 * DISCONT. NULL when no frame inside may be dropped. What was behind the
 * frame may be able to leave now: wake the src task. */
GstAsyncJob *
gst_async_jobs_steal_oldest_locked (GstAsyncJobs * jobs)
{
  GstAsyncJob *queued = gst_queue_array_peek_head (jobs->todo);
  GstAsyncJob *done = jobs->stealable.head ? jobs->stealable.head->data : NULL;
  GstAsyncJob *job;

  if (queued && (done == NULL || queued->arrival < done->arrival))
    job = gst_queue_array_pop_head (jobs->todo);
  else if (done)
    job = done;
  else
    return NULL;

  gst_async_jobs_discont_after (jobs, job);
  gst_async_jobs_unlink_done (jobs, job);
  g_queue_unlink (&jobs->out, &job->out_link);
  return job;
}

/* A flush or a stop: takes every item out, oldest first, into @taken,
 * except jobs a thread is running (it throws them away when it sees the
 * flush) and pending ones (marked abandoned: their finish_frame () frees
 * them). */
void
gst_async_jobs_take_all_locked (GstAsyncJobs * jobs, GPtrArray * taken)
{
  GList *link;

  gst_queue_array_clear (jobs->todo);
  while ((link = g_queue_pop_head_link (&jobs->out))) {
    GstAsyncJob *job = link->data;

    gst_async_jobs_unlink_done (jobs, job);
    if (job->state == JOB_PENDING)
      job->abandoned = TRUE;
    else if (job->state != JOB_RUNNING)
      g_ptr_array_add (taken, job);
  }
  jobs->head_section = jobs->tail_section;
  jobs->head_end_arrival = G_MAXUINT64;
  jobs->tail_discont = FALSE;
}

/* The ordered property changed: finished is kept in unordered mode
 * only. */
void
gst_async_jobs_set_ordered_locked (GstAsyncJobs * jobs, gboolean ordered)
{
  GList *l;

  jobs->ordered = ordered;
  while ((l = g_queue_pop_head_link (&jobs->finished)))
    ((GstAsyncJob *) l->data)->in_finished = FALSE;
  if (!ordered)
    gst_async_jobs_fill_finished (jobs);
}
