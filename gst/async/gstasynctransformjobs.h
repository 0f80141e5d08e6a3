/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformjobs.h: the items inside a GstAsyncTransform and the
 * lists that order them
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

/* Private to the library: not installed. */

#ifndef __GST_ASYNC_TRANSFORM_JOBS_H__
#define __GST_ASYNC_TRANSFORM_JOBS_H__

#include "gstasynctransform.h"

#include <gst/base/gstqueuearray.h>

G_BEGIN_DECLS

typedef enum
{
  JOB_QUEUED,                   /* in out and todo: no thread has it */
  JOB_RUNNING,                  /* a thread runs process () on it */
  JOB_PENDING,                  /* process () returned FLOW_PENDING: the
                                 * subclass finishes it, from any thread */
  JOB_DONE,                     /* may leave once its turn comes */
} GstAsyncJobState;

/* A recoverable frame error (GST_ASYNC_TRANSFORM_FRAME_ERROR): a warning,
 * or an error once too many came in a row, posted in the frame's turn. */
typedef struct
{
  GQuark domain;
  gint code;
  gchar *text;
  gchar *debug;
  const gchar *file;
  const gchar *function;
  gint line;
} GstAsyncFrameError;

/* One item in the output sequence: a frame, or a serialized event. Only
 * the thread that owns it touches its fields without the lock: the one in
 * process () (state RUNNING), or the src task once it took it out. */
typedef struct
{
  GstAsyncFrame frame;          /* first: frames are jobs */
  GstAsyncTransform *element;   /* the frame's own element (a call of
                                 * another member of its worker group may
                                 * work on it) */
  GList out_link;               /* in GstAsyncJobs.out */
  GList finished_link;          /* in GstAsyncJobs.finished */
  gboolean in_finished;
  GList stealable_link;         /* in GstAsyncJobs.stealable */
  gboolean in_stealable;
  GDestroyNotify user_data_destroy;
  GstEvent *event;              /* non-NULL: this item is an event */
  GstAsyncJobState state;
  GstFlowReturn ret;            /* the result of process () */
  /* Where it stands in the stream (GstAsyncFrame.number is a fourth,
   * counting frames in the order they start): */
  guint64 arrival;              /* items (frames and events) before it */
  guint section;                /* events before it: unordered output */
  guint flush_count;            /* flushes and stops before it came */
  guint segment_count;          /* segments and stream-starts before it */
  gint64 entered;               /* monotonic µs, when submitted */
  gsize size;                   /* of the input, for the window */
  GstClockTime duration;        /* its input's duration, or 0 */
  gint64 processed_at;          /* monotonic µs, when its work ended */
  GstClockTime took;            /* how long its work took */
  gboolean run_by_task;         /* the src task ran it, not a worker */
  GstClockTime running_time;    /* of its timestamp, for QoS */
  GstClockTime running_end;     /* running_time + duration: position */
  gboolean discont;             /* a frame before it was dropped */
  gboolean past_end;            /* unordered: after a frame that ended the
                                 * stream (process () returned EOS) */
  /* Completion-based frames (process () returned FLOW_PENDING). */
  gint64 started_at;            /* monotonic µs, when process () began */
  gboolean finish_called;       /* finish_frame () came, maybe while
                                 * process () still ran */
  GstFlowReturn finished_ret;   /* the flow that finish_frame () gave */
  gboolean abandoned;           /* flushed while PENDING: nobody waits for
                                 * it, finish_frame () frees it */
  /* From process (): events to push before it, error messages and a
   * frame error to post in its turn. */
  GQueue events;
  GQueue messages;
  GstAsyncFrameError *frame_error;
  /* Dropped by QoS before work: what the QoS message will say. */
  gboolean late;
  GstClockTime stream_time;
  GstClockTimeDiff late_by;
  gdouble proportion;
  guint64 processed_before;
} GstAsyncJob;

#define GST_ASYNC_JOB(frame) ((GstAsyncJob *) (frame))

/* The lists that order the items inside the element. A job is in out from
 * the moment it comes in until the src task takes it; in todo while no
 * thread has started it; in finished (unordered output only) while it is
 * done and may leave; in stealable while leaky=downstream may drop it.
 * Guarded by the element lock: every function here is called with it,
 * never waits, and never calls out of the element (no unref, no signal). */
typedef struct
{
  GQueue out;                   /* GstAsyncJob, via out_link: arrival
                                 * order */
  GstQueueArray *todo;          /* GstAsyncJob *, frames not yet started */
  GQueue finished;              /* unordered: done frames of the head
                                 * section, in the order they finished */
  GQueue stealable;             /* done frames leaky=downstream may drop,
                                 * in the order they finished */
  GstQueueArray *spare;         /* GstAsyncJob *, cleared, for reuse */
  gboolean ordered;             /* frames leave in arrival order */
  guint64 next_arrival;
  guint head_section, tail_section;
  guint64 head_end_arrival;     /* unordered: the first frame of the head
                                 * section whose process () returned EOS */
  gboolean tail_discont;        /* a frame was dropped after the newest
                                 * one inside: the next one added is a
                                 * DISCONT */
} GstAsyncJobs;

G_GNUC_INTERNAL void gst_async_jobs_init (GstAsyncJobs * jobs);
G_GNUC_INTERNAL void gst_async_jobs_free (GstAsyncJobs * jobs);

G_GNUC_INTERNAL GstAsyncJob *gst_async_jobs_new_job_locked (GstAsyncJobs *
    jobs);
G_GNUC_INTERNAL void gst_async_jobs_recycle_locked (GstAsyncJobs * jobs,
    GstAsyncJob * job);

G_GNUC_INTERNAL gboolean gst_async_jobs_add_frame_locked (GstAsyncJobs *
    jobs, GstAsyncJob * job, gboolean late);
G_GNUC_INTERNAL gboolean gst_async_jobs_add_event_locked (GstAsyncJobs *
    jobs, GstEvent * event);
G_GNUC_INTERNAL gboolean gst_async_jobs_mark_done_locked (GstAsyncJobs *
    jobs, GstAsyncJob * job);
G_GNUC_INTERNAL guint gst_async_jobs_collect_locked (GstAsyncJobs * jobs,
    GPtrArray * batch, guint max_frames);
G_GNUC_INTERNAL GstAsyncJob *gst_async_jobs_steal_oldest_locked (GstAsyncJobs
    * jobs);
G_GNUC_INTERNAL void gst_async_jobs_take_all_locked (GstAsyncJobs * jobs,
    GPtrArray * taken);
G_GNUC_INTERNAL void gst_async_jobs_set_ordered_locked (GstAsyncJobs * jobs,
    gboolean ordered);

/* The oldest frame not yet started, taken off todo (it stays in out), or
 * NULL. (Inline: once per frame started.) */
static inline GstAsyncJob *
gst_async_jobs_next_todo_locked (GstAsyncJobs * jobs)
{
  return gst_queue_array_pop_head (jobs->todo);
}

/* The oldest frame not yet started, left on todo, or NULL. */
static inline GstAsyncJob *
gst_async_jobs_peek_todo_locked (GstAsyncJobs * jobs)
{
  return gst_queue_array_peek_head (jobs->todo);
}

/* How many frames no thread has started yet. */
static inline guint
gst_async_jobs_n_todo_locked (GstAsyncJobs * jobs)
{
  return gst_queue_array_get_length (jobs->todo);
}

/* Frames wait that no thread has started yet. */
static inline gboolean
gst_async_jobs_has_todo_locked (GstAsyncJobs * jobs)
{
  return !gst_queue_array_is_empty (jobs->todo);
}

/* Nothing is inside: every item has been taken out. */
static inline gboolean
gst_async_jobs_is_empty_locked (GstAsyncJobs * jobs)
{
  return g_queue_is_empty (&jobs->out);
}

G_END_DECLS
#endif /* __GST_ASYNC_TRANSFORM_JOBS_H__ */
