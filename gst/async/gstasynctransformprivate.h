/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformprivate.h: what the files of GstAsyncTransform share
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

/* Private to the library: not installed. The files, each calling only the
 * ones below it:
 *   gstasynctransform.c          the element: pads, properties, states,
 *                                the data path from chain to push, and
 *                                its locking rules
 *   gstasynctransformcaps.c      caps queries, negotiation, allocation
 *   gstasynctransformevents.c    serialized events and tags, in order
 *   gstasynctransformbatch.c     batches: their properties
 *   gstasynctransformrun.c       running process (): slots, the worker
 *                                pool, batches, pending frames, unlock,
 *                                drain, and what new caps do to contexts
 *   gstasynctransformcontexts.c  the worker contexts
 *   gstasynctransformframe.c     what process () gets and gives
 *   gstasynctransformtiming.c    QoS, latency, position and stats
 *   gstasynctransformjobs.c      the lists that order the items inside */

#ifndef __GST_ASYNC_TRANSFORM_PRIVATE_H__
#define __GST_ASYNC_TRANSFORM_PRIVATE_H__

#include "gstasynctransform.h"
#include "gstasynctransformjobs.h"
#include "gstasyncworkerpool.h"
#include "gstasynctaskpool.h"

#include <gst/base/base.h>

G_BEGIN_DECLS
/* The most worker threads an element may have (n-workers). */
#define MAX_N_WORKERS 256
/* The src task lingers, instead of parking, for frames that come at most
 * LINGER_GAP_MAX µs apart, LINGER_MIN µs at least. */
#define LINGER_GAP_MAX 1000
#define LINGER_MIN 50

/* The widest window (max-in-flight) and the largest batch (batch-size). */
#define MAX_WINDOW 4096
#define MAX_BATCH_SIZE 1024

/* QoS and position, under the lock. */
typedef struct
{
  /* From downstream's last QoS event: a frame whose running time is
   * before earliest_time is late (GST_CLOCK_TIME_NONE: none is). */
  GstClockTime earliest_time;
  gdouble proportion;
  GstClockTime frame_duration;  /* from caps or buffers */
  gboolean duration_from_caps;  /* the frame rate gives frame_duration */
  GstSegment segment;           /* the input segment, for running times;
                                 * the upstream thread, which writes it,
                                 * reads it without the lock too */
  GstClockTime last_in;         /* running time of the newest frame in */
  GstClockTime last_out;        /* running time, newest frame pushed */
  GstClockTime last_out_start;  /* where that frame starts: the position
                                 * when upstream cannot say */
  GstClockTime stale_until;     /* QoS about frames up to this running
                                 * time was measured with an older
                                 * latency */
} GstAsyncQos;

/* Latency with latency=-1, under the lock: the longest a frame took from
 * entering to being done (waiting for a worker, then process), with
 * headroom. */
typedef struct
{
  GstClockTime delay_max;
  GstClockTime reported;        /* the last answer to a query */
  gboolean live;                /* upstream said so in that query */
  gboolean message_due;         /* the src task is to post one */
  gboolean message_sent;        /* and no query came since */
} GstAsyncLatency;

/* Statistics since READY->PAUSED, for the stats property, under the lock.
 * At every moment frames_in == frames_out + dropped_leaky + dropped_qos +
 * dropped_errors + dropped_other + in_flight. */
typedef struct
{
  guint64 frames_in;
  guint64 frames_out;           /* pushed downstream */
  guint64 dropped_leaky;
  guint64 dropped_qos;
  guint64 dropped_errors;       /* frame errors (warnings) */
  guint64 dropped_other;        /* by the subclass, a flush, an error,
                                 * or after EOS */
  guint in_flight_max;
  guint64 processed;
  guint64 calls;                /* process () / process_batch () calls
                                 * that held frames of this element */
  guint64 calls_shared;         /* of those, calls that held frames of
                                 * other elements too */
  GstClockTime process_min, process_max, process_sum;
  GstClockTime waiting_max, waiting_sum;        /* entering to the start of
                                                 * the work, of the frames
                                                 * processed: the wait for
                                                 * a worker or the task */
  guint64 left;                 /* frames timed through the element */
  GstClockTime through_max, through_sum;
  GstClockTime through_recent;  /* a running average */
} GstAsyncStats;

/* Why the window is what it is now (the stats' window-state). */
typedef enum
{
  GST_ASYNC_WINDOW_FIXED,       /* max-in-flight is set */
  GST_ASYNC_WINDOW_WORKERS,     /* twice the workers: real work */
  GST_ASYNC_WINDOW_CHEAP,       /* about AUTO_WINDOW_TIME of cheap work */
  GST_ASYNC_WINDOW_GROWING,     /* waiting work: more frames, more done */
  GST_ASYNC_WINDOW_SETTLED,     /* waiting work: as wide as it pays */
  GST_ASYNC_WINDOW_SHRINKING,   /* waiting work: the service queues them */
  GST_ASYNC_WINDOW_PROBING,     /* waiting work: half as wide for a round,
                                 * to measure the unloaded time again */
  GST_ASYNC_WINDOW_BUDGET,      /* narrower for max-latency */
} GstAsyncWindowState;

/* The automatic window and the latency budget, under the lock
 * (gstasynctransformwindow.c). */
typedef struct
{
  GstAsyncWindowState state;
  guint rule;                   /* the window before the budget */
  guint waiting;                /* the window for waiting work */
  guint probe_restore;          /* while probing: the window after it */
  gboolean warming;             /* the round after a change: not used */
  guint doubling_below;         /* the window of the last shrink */
  guint far_rounds;             /* rounds in a row beyond it, none
                                 * waiting at the service */
  /* The round: frames that started after round_start, once done. */
  gint64 round_start;           /* monotonic µs */
  guint round_frames;
  guint round_pending;          /* of them, left pending by process () */
  GstClockTime round_work;      /* the sum of their times in work */
  guint64 round_inside;         /* the sum of the frames in work as each
                                 * ended */
  GstClockTime recent;          /* the last round's mean time in work */
  GstClockTime unloaded;        /* the time in work with no queue at the
                                 * service: the lower of these two */
  GstClockTime lowest_now;      /* the lowest round mean of this period */
  GstClockTime lowest_before;   /* and of the one before */
  gint64 period_start;          /* monotonic µs, this period's start */
  /* max-latency: frames entering to done, over a period. */
  GstClockTime max_latency;     /* 0: no budget */
  guint budget;                 /* the frames not yet done it allows */
  guint period_frames;
  GstClockTime period_delay;
  GstClockTime delay_recent;    /* the last period's mean */
  guint over_periods;           /* periods in a row over it, at the
                                 * narrowest window */
  gboolean over_budget;         /* the work alone takes longer */
  gboolean warning_due;         /* the src task is to post a warning */
  gboolean warned;              /* it did, since max-latency was set */
} GstAsyncWindow;

/* What one batch of the src task did, counted without the lock and added
 * to the stats with it. */
typedef struct
{
  guint frames;                 /* taken out of the window */
  guint pushed;
  guint late;
  guint errors;
  gsize bytes;                  /* of the frames taken out */
  GstClockTime time;            /* their durations */
  GstClockTime through_sum, through_max;
  GstClockTime last_end;        /* running time, end of the newest frame
                                 * pushed */
  GstClockTime last_start;      /* running time, start of that frame */
} GstAsyncTally;

/* Used by the src task only, without the lock; but batch's length
 * changes only with the lock held, and a drain reads it with the lock
 * (items taken out and not pushed yet). */
typedef struct
{
  GPtrArray *batch;             /* GstAsyncJob *, taken out of out; after
                                 * a failed push, the ones behind it */
  GPtrArray *run;               /* GstAsyncJob *, cheap frames it runs */
  GstAsyncTally tally;          /* of the part of batch not yet counted */
  gint64 now;                   /* monotonic µs, when the batch went */
  guint flush_count;            /* priv->flush_count when the batch went */
  guint eos_segment_count;      /* segment count of the frame that met
                                 * EOS */
  gboolean discarding;          /* after EOS (from downstream or from
                                 * process), until a segment or
                                 * stream-start leaves */
  gboolean got_eos;             /* this batch met such an EOS */
  gboolean discont;             /* a frame was dropped by QoS or a frame
                                 * error: the next buffer pushed is a
                                 * DISCONT */
  gint errors_in_a_row;         /* frame errors, for max-errors */
  gboolean had_output;          /* a frame gave output (pushed, or late)
                                 * since the start or the last flush */
  GQueue before_caps;           /* sticky events that must follow caps,
                                 * held until a decoder's first caps */
} GstAsyncTask;

/* The element's state, grouped by what guards it. */
typedef struct
{
  /* --- fixed from the instance init on --- */
  GstPad *sinkpad;
  GstPad *srcpad;
  GstAsyncTransformRole role;
  gboolean batches;             /* the class has process_batch () */

  /* --- the lock, its conds, and who waits on them --- */
  GMutex lock;
  GCond space_cond;
  GCond linger_cond;            /* the src task lingers before it parks */
  guint space_waiters;          /* upstream, waiting for a free slot */
  guint drain_waiters;          /* waiting for everything to leave */
  guint draining;               /* drains going on: a partial batch
                                 * waits for nothing more */
  guint linger_waiters;
  gboolean linger_signalled;    /* the lingering src task was woken */
  guint wakes_due;              /* GstAsyncWakes, made at the next unlock */
  gint64 wake_workers_at;       /* for GST_ASYNC_WAKE_WORKER_AT */

  /* --- priv->lock: the items inside (gstasynctransformjobs.c) --- */
  GstAsyncJobs jobs;

  /* --- priv->lock: the window --- */
  guint in_flight;              /* frames accepted and not yet pushed */
  guint64 bytes_in_flight;      /* their input bytes */
  GstClockTime time_in_flight;  /* their durations */

  /* --- priv->lock: process () calls (gstasynctransformrun.c) --- */
  guint in_work;                /* frames started and not yet done:
                                 * running, or pending */
  guint busy_workers;           /* slots in use: runs of process () */
  guint lent_slots;             /* of those, slots whose frames are in a
                                 * call of another element of the worker
                                 * group: its unlock () cannot reach them,
                                 * so a flush or a stop does not wait */
  guint32 busy_slots[MAX_N_WORKERS / 32];       /* GstAsyncFrame.worker of
                                                 * each, a bit each */
  guint64 next_number;          /* for GstAsyncFrame.number */
  GstClockTime process_avg;     /* running average of process () time */
  GstClockTime process_last;    /* the last process () time */

  /* --- priv->lock: the stream --- */
  guint flush_count;            /* bumped by each flush and stop; the src
                                 * task also reads it atomically */
  GstFlowReturn flow;           /* FLUSHING, or the last downstream one */
  gboolean error_posted;        /* flow is an error we posted */
  gboolean posting_error;       /* the src task posts one: upstream waits */
  gboolean eos;                 /* EOS received, not yet flushed */
  gboolean downstream_eos;      /* EOS from downstream or process: refuse
                                 * data until a new segment or stream */
  guint segment_count;          /* bumped by each segment / stream-start */
  gboolean negotiated;          /* FALSE: refuse data as not-negotiated */
  gboolean awaiting_output_caps;        /* negotiate left them to parse */
  GQueue held_events;           /* GstEvent *, waiting for output caps */
  gboolean pushing;             /* the src task is pushing a batch */

  /* --- priv->lock: worker contexts not in use, all made for the current
   * caps cookie (one made for older caps is freed when it comes back) --- */
  GstQueueArray *free_contexts;
  guint caps_cookie;
  GHashTable *lent_contexts;    /* context -> cookie, public borrowers */
  guint contexts_made;          /* contexts alive, idle or not */

  /* --- priv->lock: properties and what follows from them --- */
  guint n_workers_setting;
  guint max_in_flight_setting;
  guint n_workers;              /* effective */
  guint batch_size_setting;
  guint batch_size;             /* effective: frames per process_batch ()
                                 * call at most, 1 without it */
  GstClockTime batch_timeout;   /* how long a partial batch may wait */
  gconstpointer batch_key;      /* batches across elements: equal keys */
  guint base_window;            /* max-in-flight, or with 0 2 x workers
                                 * x batch size */
  guint64 max_size_bytes;       /* 0: no limit */
  GstClockTime max_size_time;   /* 0: no limit */
  guint max_in_flight;          /* the window now: base_window, or with
                                 * max-in-flight=0 what the work needs
                                 * (see window; max-latency bounds the
                                 * frames not done yet apart) */
  gint64 latency_setting;
  GstAsyncTransformLeaky leaky;
  gboolean qos_enabled;
  gchar *worker_group;


  /* --- stats_timer_lock (before the clock's own; never with priv->lock,
   * which the timer's tick takes alone) --- */
  GMutex stats_timer_lock;
  GstClockTime stats_interval;  /* ns, 0: no stats messages */
  gboolean stats_running;       /* between READY->PAUSED and back */
  GstClockID stats_timer;       /* posts the stats every stats_interval */

  /* --- priv->lock: caps and allocation --- */
  GstCaps *incaps;
  GstCaps *outcaps;
  GstBufferPool *pool;
  GstAllocator *allocator;
  GstAllocationParams params;

  /* --- priv->lock: timing (gstasynctransformtiming.c) --- */
  GstAsyncQos qos;
  GstAsyncLatency latency;
  GstAsyncStats stats;
  GstAsyncWindow window;

  /* --- atomic --- */
  gint max_errors;
  gint had_input;               /* a buffer came in since the start or the
                                 * last flush; set by upstream, read by the
                                 * src task at EOS */
  gint copy;                    /* GstAsyncTransformCopy */
  gint same_caps;               /* set with the caps: incaps equals
                                 * outcaps, so a frame process () leaves
                                 * alone can go out as it came */

  /* --- the upstream streaming thread only --- */
  gboolean allocation_pending;  /* decide_allocation was interrupted */
  gboolean set_caps_due;        /* new input caps that set_caps has not
                                 * taken yet, whatever the output caps */
  guint allocations;            /* decide_allocation runs so far */
  GstTagList *upstream_tags;    /* stream tags, merged */
  GstTagList *subclass_tags;    /* with these (merge_tags ()) */
  GstTagMergeMode tags_mode;

  /* --- priv->lock: the worker pool, joined on READY->PAUSED and left on
   * PAUSED->READY (its workers, and those of other members of its group,
   * wake it) --- */
  GstAsyncPoolMember *pool_member;

  /* --- priv->lock: the src task, which runs on the pool's threads and
   * ends its loop when it has nothing to do (gstasynctransform.c) --- */
  GstTask *src_task;            /* the src pad's, from its creation to the
                                 * pad's deactivation */
  GThread *task_thread;         /* the thread in its loop, or NULL */
  gboolean task_parked;         /* it ended its loop with nothing to do:
                                 * what gives it something starts it */
  gboolean task_yielded;        /* it ended its loop with more to do, to
                                 * let other tasks of the pool run: the
                                 * pool pokes it back (pool_poke ()) */
  gint task_parks;              /* atomic: it runs on the worker pool,
                                 * and parks (else it keeps its thread,
                                 * on a pool of the application's) */
  gboolean inline_due;          /* the chain runs the parked task's steps
                                 * on its way out (set in upstream's
                                 * thread, which reads it without the lock
                                 * after; cleared with the lock, by a wait
                                 * that starts the task instead) */
  gboolean inline_running;      /* it does */
  gint64 last_arrival;          /* monotonic µs, the last frame in */
  gint64 arrival_gap;           /* µs between two frames in, on average */

  /* --- state changes only: set on READY->PAUSED, left on PAUSED->READY,
   * read while running --- */
  gboolean running;             /* between the two: limits are fixed */

  /* --- the src task only --- */
  GstAsyncTask task;
} GstAsyncTransformPrivate;

G_GNUC_INTERNAL extern gint _gst_async_transform_private_offset;

#define GET_PRIV(self) ((GstAsyncTransformPrivate *) \
    G_STRUCT_MEMBER_P (self, _gst_async_transform_private_offset))

/* The element's debug category. */
G_GNUC_INTERNAL GST_DEBUG_CATEGORY_EXTERN (gst_async_transform_debug);

/* Below this average process () time, handing a frame to another thread
 * costs more than the work itself (see gstasynctransform.c). */
#define CHEAP_WORK (20 * GST_USECOND)

/* The automatic window (max-in-flight=0) holds about AUTO_WINDOW_TIME of
 * work across the workers: a hand-off between threads costs tens of µs, so
 * with cheap work upstream and the src task pass many frames per wake-up,
 * as they do through a queue; never fewer than 2 x workers, never more than
 * AUTO_WINDOW_MAX frames, and beyond 2 x workers no more than
 * AUTO_WINDOW_BYTES (queue's own limits are 200 buffers and 10 MB). */
#define AUTO_WINDOW_TIME (1 * GST_MSECOND)
#define AUTO_WINDOW_MAX 256
#define AUTO_WINDOW_BYTES (10 * 1024 * 1024)


/* gstasynctransformevents.c */
G_GNUC_INTERNAL GstEvent *gst_async_transform_upstream_tags
    (GstAsyncTransformPrivate * priv, GstEvent * event);

/* gstasynctransformrun.c */
G_GNUC_INTERNAL
    gboolean gst_async_transform_hold_error_message (GstAsyncTransform * self,
    GstMessage * message);
G_GNUC_INTERNAL
    void gst_async_transform_announce_locked (GstAsyncTransformPrivate * priv);
G_GNUC_INTERNAL
    guint gst_async_transform_take_run_locked (GstAsyncTransformPrivate * priv,
    GPtrArray * run, guint max);
G_GNUC_INTERNAL
    void gst_async_transform_run_locked (GstAsyncTransform * self,
    GstAsyncJob ** jobs, guint n);
G_GNUC_INTERNAL
    void gst_async_transform_wait_idle_locked (GstAsyncTransformPrivate * priv);
G_GNUC_INTERNAL
    void gst_async_transform_start_workers (GstAsyncTransform * self);
G_GNUC_INTERNAL
    void gst_async_transform_stop_workers (GstAsyncTransform * self);
G_GNUC_INTERNAL void gst_async_transform_unlock (GstAsyncTransform * self);
G_GNUC_INTERNAL void gst_async_transform_unlock_stop (GstAsyncTransform * self);
G_GNUC_INTERNAL
    GstFlowReturn gst_async_transform_wait_drained (GstAsyncTransform * self);
G_GNUC_INTERNAL
    GstFlowReturn gst_async_transform_drain (GstAsyncTransform * self);
G_GNUC_INTERNAL
    void gst_async_transform_drain_contexts (GstAsyncTransform * self);
G_GNUC_INTERNAL
    void gst_async_transform_renew_contexts (GstAsyncTransform * self,
    gboolean input);

/* gstasynctransformframe.c */
G_GNUC_INTERNAL
    gboolean gst_async_transform_default_transform_meta (GstAsyncTransform *
    self, GstBuffer * outbuf, GstMeta * meta, GstBuffer * inbuf);
G_GNUC_INTERNAL
    void gst_async_transform_apply_output_policy (GstAsyncTransform * self,
    GstAsyncFrame * frame);
G_GNUC_INTERNAL void gst_async_frame_error_free (GstAsyncFrameError * error);
G_GNUC_INTERNAL void gst_async_transform_clear_job (GstAsyncJob * job);

/* gstasynctransformcaps.c */
G_GNUC_INTERNAL
    void gst_async_transform_caps_changed_locked (GstAsyncTransformPrivate *
    priv);
G_GNUC_INTERNAL
    gboolean gst_async_transform_query_caps_on (GstAsyncTransform * self,
    GstPad * pad, GstQuery * query);
G_GNUC_INTERNAL
    gboolean gst_async_transform_query_accept_caps (GstAsyncTransform * self,
    GstQuery * query);
G_GNUC_INTERNAL
    gboolean gst_async_transform_handle_caps (GstAsyncTransform * self,
    GstCaps * incaps);
G_GNUC_INTERNAL void gst_async_transform_renegotiate (GstAsyncTransform * self);
G_GNUC_INTERNAL
    gboolean gst_async_transform_default_negotiate (GstAsyncTransform * self);
G_GNUC_INTERNAL
    GstCaps * gst_async_transform_default_transform_caps (GstAsyncTransform *
    self, GstPadDirection direction, GstCaps * caps, GstCaps * filter);
G_GNUC_INTERNAL
    GstCaps * gst_async_transform_default_fixate_caps (GstAsyncTransform * self,
    GstPadDirection direction, GstCaps * caps, GstCaps * othercaps);
G_GNUC_INTERNAL
    gboolean gst_async_transform_default_propose_allocation (GstAsyncTransform *
    self, GstQuery * query);
G_GNUC_INTERNAL
    gboolean gst_async_transform_default_decide_allocation (GstAsyncTransform *
    self, GstQuery * query);
G_GNUC_INTERNAL
    void gst_async_transform_clear_allocation (GstAsyncTransform * self);

/* gstasynctransformcontexts.c */
G_GNUC_INTERNAL
    gpointer gst_async_transform_take_context (GstAsyncTransform * self,
    guint * cookie);
G_GNUC_INTERNAL
    void gst_async_transform_give_context (GstAsyncTransform * self,
    gpointer context, guint cookie, gboolean discard);
G_GNUC_INTERNAL
    void gst_async_transform_return_context (GstAsyncTransform * self,
    gpointer context, gboolean discard);
G_GNUC_INTERNAL
    void gst_async_transform_drop_contexts (GstAsyncTransform * self);
G_GNUC_INTERNAL
    void gst_async_transform_visit_contexts (GstAsyncTransform * self,
    gboolean flush);

/* gstasynctransformwindow.c */
G_GNUC_INTERNAL
    void gst_async_transform_update_window_locked (GstAsyncTransformPrivate *
    priv);
G_GNUC_INTERNAL
    void gst_async_transform_set_max_latency_locked (GstAsyncTransformPrivate *
    priv, GstClockTime max_latency);
G_GNUC_INTERNAL
    void gst_async_transform_window_record_locked (GstAsyncTransformPrivate *
    priv, GstAsyncJob * job, GstClockTime took);
G_GNUC_INTERNAL
    guint gst_async_transform_window_now_locked (GstAsyncTransformPrivate *
    priv);
G_GNUC_INTERNAL
    const gchar *gst_async_transform_window_state_locked
    (GstAsyncTransformPrivate * priv);
G_GNUC_INTERNAL
    GstClockTime gst_async_transform_batch_timeout_locked
    (GstAsyncTransformPrivate * priv);

/* gstasynctransformtiming.c */
G_GNUC_INTERNAL
    GstBuffer * gst_async_transform_clip_to_segment (GstAsyncTransformPrivate *
    priv, GstBuffer * buffer);
G_GNUC_INTERNAL
    void gst_async_transform_stamp_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job);
G_GNUC_INTERNAL
    gboolean gst_async_transform_is_late_locked (GstAsyncTransformPrivate *
    priv, GstAsyncJob * job);
G_GNUC_INTERNAL void
gst_async_transform_reset_timeline_locked (GstAsyncTransformPrivate * priv);
G_GNUC_INTERNAL void
gst_async_transform_timing_from_caps_locked (GstAsyncTransformPrivate * priv,
    GstCaps * caps);
G_GNUC_INTERNAL void gst_async_transform_handle_qos (GstAsyncTransform * self,
    GstEvent * event);
G_GNUC_INTERNAL void gst_async_transform_post_qos_drop (GstAsyncTransform *
    self, GstAsyncJob * job, guint64 dropped);
G_GNUC_INTERNAL void
gst_async_transform_record_run_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job, GstClockTime took);
G_GNUC_INTERNAL gboolean gst_async_transform_answer_latency (GstAsyncTransform *
    self, GstQuery * query);
G_GNUC_INTERNAL gboolean gst_async_transform_answer_position (GstAsyncTransform
    * self, GstQuery * query);
G_GNUC_INTERNAL GstClockTime
gst_async_transform_latency_locked (GstAsyncTransformPrivate * priv);
G_GNUC_INTERNAL GstStructure
    *gst_async_transform_stats_locked (GstAsyncTransformPrivate * priv);
G_GNUC_INTERNAL void
gst_async_transform_reset_stats_locked (GstAsyncTransformPrivate * priv);
G_GNUC_INTERNAL void gst_async_transform_run_stats_timer (GstAsyncTransform *
    self, gboolean running);
G_GNUC_INTERNAL void
gst_async_transform_set_stats_interval (GstAsyncTransform * self,
    GstClockTime interval);
G_GNUC_INTERNAL GstClockTime
gst_async_transform_get_stats_interval (GstAsyncTransform * self);
G_GNUC_INTERNAL void
gst_async_transform_count_tally_locked (GstAsyncTransformPrivate * priv,
    GstAsyncTally * tally);

/* The job's timestamp: PTS, or DTS without one. Only before it is
 * processed (the input is gone then). */
static inline GstClockTime
gst_async_job_timestamp (GstAsyncJob * job)
{
  GstBuffer *buf = job->frame.input;

  return GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf)
      : GST_BUFFER_DTS (buf);
}

static inline gboolean
gst_async_transform_work_is_cheap_locked (GstAsyncTransformPrivate * priv)
{
  return priv->process_avg < CHEAP_WORK;
}

/* Wake-ups decided with the lock held are made once it is released
 * (gst_async_transform_unlock_and_wake ()) or just before the thread waits: a
 * thread woken while the lock is held runs into it and sleeps again, and
 * on few cores it often preempts the waker to do so, which costs a second
 * wake-up and context switch for each one. The pool's and the task's are
 * the exception: the member may leave the pool, and the task be stopped
 * for good, as soon as the lock is released (stop_workers (), the src
 * pad's deactivation). */
typedef enum
{
  GST_ASYNC_WAKE_TASK = 1 << 0, /* the parked src task: started again */
  GST_ASYNC_WAKE_SPACE = 1 << 1,        /* upstream and drains, on space_cond */
  GST_ASYNC_WAKE_WORKER = 1 << 2,       /* a worker of the pool */
  GST_ASYNC_WAKE_WORKER_AT = 1 << 3,    /* one at wake_workers_at: a
                                         * partial batch's timeout */
  GST_ASYNC_WAKE_LINGER = 1 << 4,       /* the lingering src task, on
                                         * linger_cond */
  GST_ASYNC_WAKE_POKE = 1 << 5, /* the pool, for the yielded src task */
} GstAsyncWakes;

void gst_async_transform_start_task_locked (GstAsyncTransformPrivate * priv);

/* The wake-ups made with the element lock held. */
static inline void
gst_async_transform_wake_locked (GstAsyncTransformPrivate * priv, guint wakes)
{
  if (wakes & GST_ASYNC_WAKE_TASK)
    gst_async_transform_start_task_locked (priv);
  if (priv->pool_member == NULL)
    return;
  if (wakes & GST_ASYNC_WAKE_POKE)
    gst_async_worker_pool_poke (priv->pool_member);
  if (wakes & GST_ASYNC_WAKE_WORKER)
    gst_async_worker_pool_wake (priv->pool_member);
  else if (wakes & GST_ASYNC_WAKE_WORKER_AT)
    gst_async_worker_pool_wake_at (priv->pool_member, priv->wake_workers_at);
}

/* Releases the element lock, then makes the wake-ups due. */
static inline void
gst_async_transform_unlock_and_wake (GstAsyncTransformPrivate * priv)
{
  guint wakes = priv->wakes_due;

  priv->wakes_due = 0;
  if (G_UNLIKELY (wakes & (GST_ASYNC_WAKE_TASK | GST_ASYNC_WAKE_WORKER
              | GST_ASYNC_WAKE_WORKER_AT | GST_ASYNC_WAKE_POKE)))
    gst_async_transform_wake_locked (priv, wakes);
  g_mutex_unlock (&priv->lock);
  if (G_UNLIKELY (wakes & GST_ASYNC_WAKE_SPACE))
    g_cond_broadcast (&priv->space_cond);
  if (G_UNLIKELY (wakes & GST_ASYNC_WAKE_LINGER))
    g_cond_signal (&priv->linger_cond);
}

/* Makes the wake-ups due, all with the lock held: the caller is about to
 * wait, which releases it right after. */
static inline void
gst_async_transform_wake_before_wait_locked (GstAsyncTransformPrivate * priv)
{
  guint wakes = priv->wakes_due;

  if (wakes == 0)
    return;
  priv->wakes_due = 0;
  gst_async_transform_wake_locked (priv, wakes);
  if (wakes & GST_ASYNC_WAKE_SPACE)
    g_cond_broadcast (&priv->space_cond);
  if (wakes & GST_ASYNC_WAKE_LINGER)
    g_cond_signal (&priv->linger_cond);
}

/* Waits once on @cond, with the element lock, counted in @waiters (so that
 * the other side signals only when somebody waits), after the wake-ups due
 * (the lock is released right after them). Callers loop, re-checking their
 * condition and the flow. */
static inline void
gst_async_transform_wait_locked (GstAsyncTransformPrivate * priv, GCond * cond,
    guint * waiters)
{
  /* (the chain that was to push, inline, what it queued now waits: the
   * task does it) */
  if (G_UNLIKELY (priv->inline_due)) {
    priv->inline_due = FALSE;
    if (priv->task_parked && priv->flow == GST_FLOW_OK) {
      priv->task_parked = FALSE;
      priv->wakes_due |= GST_ASYNC_WAKE_TASK;
    }
  }
  gst_async_transform_wake_before_wait_locked (priv);
  (*waiters)++;
  g_cond_wait (cond, &priv->lock);
  (*waiters)--;
}

G_GNUC_INTERNAL extern GPrivate gst_async_transform_in_chain;

/* Wakes the src task if it lingers, once (a wake-up costs a system call,
 * and one is enough until it runs), or starts it if it parked: something
 * may leave, or run. Either is made at the next unlock.
 *
 * Frames that come further apart than a linger would wait (a live stream,
 * typically) would start a parked task each, and a thread hand-off costs
 * more than cheap work: the chain that queued such a frame runs the
 * task's steps itself instead, as the stock identity would
 * (run_inline ()); as does a step already running. */
static inline void
gst_async_transform_wake_task_locked (GstAsyncTransformPrivate * priv)
{
  if (priv->linger_waiters > 0) {
    if (!priv->linger_signalled) {
      priv->linger_signalled = TRUE;
      priv->wakes_due |= GST_ASYNC_WAKE_LINGER;
    }
  } else if (priv->inline_running) {
    /* (it looks for more before it stops) */
  } else if (priv->flow != GST_FLOW_OK) {
    /* (the task stopped: a restart starts it) */
  } else if (priv->task_thread == NULL && priv->arrival_gap > LINGER_GAP_MAX
      && g_private_get (&gst_async_transform_in_chain) == priv) {
    /* (not in its loop: parked, or started and waiting for a thread of a
     * busy group, which then finds nothing left; upstream's thread keeps
     * its stream's frames moving, whatever the group's load) */
    priv->inline_due = TRUE;
  } else if (priv->task_parked) {
    priv->task_parked = FALSE;
    priv->wakes_due |= GST_ASYNC_WAKE_TASK;
  }
}

/* How often frames come in (for linger_locked ()): a running mean of the
 * gaps, an eighth of a new one each frame, and a gap of more than
 * LINGER_GAP_MAX counts as that much (a pause says little about the rate
 * after it). */
static inline void
gst_async_transform_count_arrival_locked (GstAsyncTransformPrivate * priv,
    gint64 now)
{
  gint64 gap = MIN (now - priv->last_arrival, 2 * LINGER_GAP_MAX);

  if (priv->last_arrival != 0)
    priv->arrival_gap += (gap - priv->arrival_gap) / 8;
  priv->last_arrival = now;
}

/* @job's work is over: it leaves in its turn, and the src task is woken
 * if that turn has come. */
static inline void
gst_async_transform_mark_done_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job)
{
  if (gst_async_jobs_mark_done_locked (&priv->jobs, job))
    gst_async_transform_wake_task_locked (priv);
}

/* Keeps in @latest the later of it and @time, either of which may be
 * GST_CLOCK_TIME_NONE (nothing yet). */
static inline void
gst_async_keep_later (GstClockTime * latest, GstClockTime time)
{
  if (GST_CLOCK_TIME_IS_VALID (time)
      && (!GST_CLOCK_TIME_IS_VALID (*latest) || time > *latest))
    *latest = time;
}

/* Keeps in @lowest the lower of it and @time, either of which may be
 * GST_CLOCK_TIME_NONE (nothing yet). */
static inline void
gst_async_keep_lower (GstClockTime * lowest, GstClockTime time)
{
  if (GST_CLOCK_TIME_IS_VALID (time)
      && (!GST_CLOCK_TIME_IS_VALID (*lowest) || time < *lowest))
    *lowest = time;
}

/* Effective worker count and window from the settings; with the lock. */
static inline void
gst_async_transform_update_limits_locked (GstAsyncTransformPrivate * priv)
{
  priv->n_workers = priv->n_workers_setting;
  /* (a machine with more cores than MAX_N_WORKERS gets that many: the
   * busy slots are a bitmap of that size) */
  if (priv->n_workers == 0)
    priv->n_workers = CLAMP (g_get_num_processors (), 1, MAX_N_WORKERS);
  priv->batch_size = priv->batches ? priv->batch_size_setting : 1;
  gst_async_transform_update_window_locked (priv);
}

/* The effective limits: fixed while running, from the settings
 * otherwise. */
static inline void
gst_async_transform_refresh_limits_locked (GstAsyncTransformPrivate * priv)
{
  if (!priv->running)
    gst_async_transform_update_limits_locked (priv);
}

/* Upstream must wait before it submits another frame: the window holds
 * max-in-flight frames (or what the work sized), max-size-bytes or
 * max-size-time, or, when it is automatic, AUTO_WINDOW_BYTES beyond twice
 * the workers; or max-latency allows no more frames that are not done
 * yet (frames done and waiting for downstream wait for downstream's
 * latency, not ours). */
static inline gboolean
gst_async_transform_window_full_locked (GstAsyncTransformPrivate * priv)
{
  return priv->in_flight >= priv->max_in_flight
      || (priv->window.max_latency && priv->in_work +
      gst_async_jobs_n_todo_locked (&priv->jobs) >= priv->window.budget)
      || (priv->max_size_bytes && priv->bytes_in_flight >= priv->max_size_bytes)
      || (priv->max_size_time && priv->time_in_flight >= priv->max_size_time)
      || (priv->max_in_flight_setting == 0
      && priv->in_flight >= priv->base_window
      && priv->bytes_in_flight >= AUTO_WINDOW_BYTES);
}

/* The most frames the window may hold, for sizing pools. */
static inline guint
gst_async_transform_window_max_locked (GstAsyncTransformPrivate * priv)
{
  return priv->max_in_flight_setting ? priv->base_window :
      MAX (AUTO_WINDOW_MAX, priv->base_window);
}

G_END_DECLS
#endif /* __GST_ASYNC_TRANSFORM_PRIVATE_H__ */
