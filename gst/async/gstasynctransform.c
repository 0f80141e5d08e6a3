/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransform.c: base class for elements that process frames
 * concurrently
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

/**
 * SECTION:gstasynctransform
 * @title: GstAsyncTransform
 * @short_description: Base class for filters that process frames
 *     concurrently
 *
 * #GstAsyncTransform is the base class of elements with one sink and one
 * src pad whose per-frame work runs on a pool of worker threads while the
 * element behaves like any other filter: frames leave in input order (or as
 * soon as done with #GstAsyncTransform:ordered set to %FALSE), serialized
 * events keep their place, flushes discard everything in flight, upstream is
 * held back once #GstAsyncTransform:max-in-flight frames are inside, and
 * the latency query reports what the element adds.
 *
 * A subclass implements #GstAsyncTransformClass.process, and where needed
 * #GstAsyncTransformClass.transform_caps and #GstAsyncTransformClass.set_caps
 * (format-changing elements), #GstAsyncTransformClass.parse (elements that
 * must frame their input in order first) and
 * #GstAsyncTransformClass.create_context (exclusive per-worker state, such
 * as a codec instance). The subclass never locks: the base class guarantees
 * that a context is used by one frame at a time.
 *
 * Since: 1.0
 */

/* Threading rules.
 *
 * Threads: the upstream streaming thread (chain, sink events and queries),
 * worker threads (process), the src pad GstTask (pushes downstream), and
 * application threads (properties, state changes, queries). The workers
 * belong to a pool (gstasyncworkerpool.c), the element's own or one shared
 * by a worker group, which calls gst_async_transform_pool_take () and
 * gst_async_transform_pool_run () once the element woke it.
 *
 * One mutex, priv->lock, guards every field of GstAsyncTransformPrivate that
 * is not marked otherwise. Nothing that calls out of the element (pad pushes,
 * events, queries, the subclass's vfuncs, buffer and context frees) runs with
 * it held, so there is no lock order to respect beyond GStreamer's own pad
 * stream locks, which are always taken before priv->lock, never after, and
 * the worker pool's lock, taken to wake the pool, which nests inside
 * priv->lock. The one exception, as in queue: the src task pauses itself,
 * and a reconfigure restarts it, with priv->lock held (neither waits for
 * the task), so that the two cannot cross.
 *
 * Items (frame jobs and serialized events) live in priv->out in arrival
 * order. Frame jobs not yet started also sit in priv->todo. Two conds:
 *  - space: something left the element (chain waits for a free slot in the
 *    window, drain waits for priv->out to empty);
 *  - ready: an item may leave (the src task waits).
 * Each cond has a waiter count so the hot path only signals when somebody
 * waits. Every wait is a loop that re-checks its condition and priv->flow,
 * which is GST_FLOW_FLUSHING while flushing or inactive, and which carries
 * the last downstream flow return otherwise.
 *
 * A flush or a stop bumps priv->generation. A worker still running a job of
 * an older generation finishes it and throws the result away; the job is no
 * longer in priv->out, so it can never be pushed.
 *
 * At most n-workers frames are processed at once (priv->busy_workers). When
 * the work is cheap (see CHEAP_WORK) the src task takes one of those slots
 * and runs frames itself instead of waking a worker; a frame it runs while
 * nothing is ahead of it leaves priv->out at once and is pushed by the task
 * straight after process (), still counted in priv->in_flight until then.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransform.h"
#include "gstasyncworkerpool.h"

#include <gst/base/base.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (gst_async_transform_debug);
#define GST_CAT_DEFAULT gst_async_transform_debug

#define DEFAULT_N_WORKERS 0
#define DEFAULT_MAX_IN_FLIGHT 0
#define DEFAULT_ORDERED TRUE
#define DEFAULT_LATENCY -1
#define DEFAULT_LEAKY GST_ASYNC_TRANSFORM_LEAKY_NO
#define DEFAULT_QOS TRUE

#define MAX_N_WORKERS 256
#define MAX_MAX_IN_FLIGHT 4096

enum
{
  PROP_0,
  PROP_N_WORKERS,
  PROP_MAX_IN_FLIGHT,
  PROP_ORDERED,
  PROP_LATENCY,
  PROP_LEAKY,
  PROP_QOS,
  PROP_WORKER_GROUP,
  PROP_STATS,
};

typedef enum
{
  JOB_QUEUED,
  JOB_RUNNING,
  JOB_DONE,
} JobState;

/* One item in the output sequence: a frame, or a serialized event. */
typedef struct
{
  GstAsyncFrame frame;
  GDestroyNotify user_data_destroy;
  GstEvent *event;              /* non-NULL: this item is an event */
  JobState state;
  GstFlowReturn ret;            /* the result of process () */
  guint generation;
  gint64 entered;               /* monotonic µs, when submitted */
  gint64 processed_at;          /* monotonic µs, when process () ended */
  GstClockTime running_time;    /* of its timestamp, for QoS */
  /* Dropped by QoS before work: what the QoS message will say. */
  gboolean late;
  GstClockTime stream_time;
  GstClockTimeDiff late_by;
  gdouble proportion;
  guint64 processed_before;
} GstAsyncJob;

typedef struct
{
  GstPad *sinkpad;
  GstPad *srcpad;

  GMutex lock;
  GCond space_cond;
  GCond ready_cond;
  guint space_waiters;          /* upstream, waiting for a free slot */
  guint drain_waiters;          /* waiting for everything to leave */
  guint ready_waiters;

  GstQueueArray *out;           /* GstAsyncJob *, arrival order */
  GstQueueArray *todo;          /* GstAsyncJob *, frames not yet started */
  GstQueueArray *spare_jobs;    /* GstAsyncJob *, recycled */
  guint in_flight;              /* frames accepted and not yet pushed */
  guint busy_workers;           /* workers inside process () */
  GstClockTime process_avg;     /* running average of process () time */
  gboolean pushing;             /* the src task is pushing a batch */
  guint generation;
  guint64 next_number;
  GstFlowReturn flow;
  gboolean eos;                 /* EOS received, not yet flushed */
  gboolean downstream_eos;      /* downstream returned EOS: refuse data
                                 * until a new segment or stream */
  guint stream_epoch;           /* bumped by each segment / stream-start */
  GstSegment segment;           /* the input segment, for running times */
  gboolean allocation_pending;  /* upstream thread only: decide_allocation
                                 * was interrupted by a flush */
  gboolean negotiated;          /* FALSE: refuse data as not-negotiated */
  gboolean duration_from_caps;  /* the frame rate gives frame_duration */
  gboolean awaiting_output_caps;        /* negotiate left them to parse */
  GQueue held_events;           /* GstEvent *, waiting for output caps */

  /* Worker contexts not in use, all made for the current caps cookie. A
   * context made for older caps is freed when it comes back. */
  GstQueueArray *free_contexts;
  guint caps_cookie;
  GHashTable *lent_contexts;    /* context -> cookie, public borrowers */

  /* Our place in a worker pool, joined on READY->PAUSED and left on
   * PAUSED->READY; only touched in state changes, and read while running. */
  GstAsyncPoolMember *pool_member;
  gboolean running;             /* between the two: limits are fixed */

  /* Properties and what follows from them. */
  guint n_workers_setting;
  guint max_in_flight_setting;
  guint n_workers;              /* effective */
  guint max_in_flight;          /* effective */
  gboolean ordered;
  gint64 latency;
  GstAsyncTransformLeaky leaky;
  gboolean qos;
  gchar *worker_group;

  /* From downstream's last QoS event: a frame whose running time is
   * before earliest_time is late (GST_CLOCK_TIME_NONE: none is). */
  GstClockTime earliest_time;
  gdouble proportion;

  /* Statistics since READY->PAUSED, for the stats property. At every
   * moment frames_in == frames_out + dropped_leaky + dropped_qos +
   * dropped_other + in_flight. */
  guint64 frames_in;
  guint64 frames_out;           /* pushed downstream */
  guint64 dropped_leaky;
  guint64 dropped_qos;
  guint64 dropped_other;        /* by the subclass, a flush, an error or
                                 * after EOS from downstream */
  guint in_flight_max;
  guint64 processed;
  GstClockTime process_min, process_max, process_sum;
  guint64 left;                 /* frames timed through the element */
  GstClockTime through_max, through_sum;

  GstClockTime frame_duration;  /* from caps or buffers, for QoS */

  /* Latency with latency=-1: the longest a frame took from entering to
   * being done (waiting for a worker, then process), with headroom. */
  GstClockTime delay_max;
  GstClockTime latency_reported;        /* the last answer to a query */
  gboolean live;                /* upstream said so in that query */
  gboolean latency_message_due; /* the src task is to post one */
  gboolean latency_message_sent;        /* and no query came since */
  GstClockTime last_running_time;       /* of the newest frame */
  GstClockTime qos_stale_until; /* QoS about frames up to this running
                                 * time was measured with an older latency */
  GstCaps *incaps;
  GstCaps *outcaps;

  /* Used by the src task only. */
  GPtrArray *batch;
  gboolean discarding;          /* after EOS from downstream, until a
                                 * segment or stream-start leaves */
  gboolean got_eos;             /* a push of this batch returned EOS */
  guint batch_pushed;           /* frames of this batch given to a push */
  guint batch_late;             /* frames of this batch dropped by QoS */
  gboolean discont;             /* a frame was dropped by QoS: the next
                                 * buffer pushed is a DISCONT */
  GstClockTime batch_through_sum, batch_through_max;
  GQueue unpushed_sticky;       /* sticky events a failed push left, for
                                 * flush-stop to keep (task stopped then) */
} GstAsyncTransformPrivate;

GType
gst_async_transform_leaky_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_ASYNC_TRANSFORM_LEAKY_NO, "Not leaky: upstream waits", "no"},
    {GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM, "Drop the new frame", "upstream"},
    {GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM,
        "Drop the oldest frame not being processed", "downstream"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAsyncTransformLeaky", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstElementClass *parent_class = NULL;
static gint private_offset = 0;

static void gst_async_transform_class_init (GstAsyncTransformClass * klass);
static void gst_async_transform_init (GstAsyncTransform * self,
    GstAsyncTransformClass * klass);

/* Registered by hand rather than with G_DEFINE_TYPE: the instance init
 * needs the subclass's class, whose pad templates make the pads. */
GType
gst_async_transform_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type)) {
    static const GTypeInfo info = {
      sizeof (GstAsyncTransformClass),
      NULL, NULL,
      (GClassInitFunc) gst_async_transform_class_init,
      NULL, NULL,
      sizeof (GstAsyncTransform),
      0,
      (GInstanceInitFunc) gst_async_transform_init,
      NULL,
    };
    GType t = g_type_register_static (GST_TYPE_ELEMENT, "GstAsyncTransform",
        &info, G_TYPE_FLAG_ABSTRACT);

    private_offset = g_type_add_instance_private (t,
        sizeof (GstAsyncTransformPrivate));
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GET_PRIV(self) \
    ((GstAsyncTransformPrivate *) G_STRUCT_MEMBER_P (self, private_offset))

static void gst_async_transform_finalize (GObject * object);
static void gst_async_transform_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_async_transform_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_async_transform_change_state (GstElement *
    element, GstStateChange transition);

static GstFlowReturn gst_async_transform_chain (GstPad * pad,
    GstObject * parent, GstBuffer * buffer);
static gboolean gst_async_transform_sink_event (GstPad * pad,
    GstObject * parent, GstEvent * event);
static gboolean gst_async_transform_sink_query (GstPad * pad,
    GstObject * parent, GstQuery * query);
static gboolean gst_async_transform_src_event (GstPad * pad,
    GstObject * parent, GstEvent * event);
static gboolean gst_async_transform_src_query (GstPad * pad,
    GstObject * parent, GstQuery * query);
static gboolean gst_async_transform_default_sink_event (GstAsyncTransform *
    self, GstEvent * event);
static gboolean gst_async_transform_default_sink_query (GstAsyncTransform *
    self, GstQuery * query);
static gboolean gst_async_transform_default_src_event (GstAsyncTransform *
    self, GstEvent * event);
static gboolean gst_async_transform_default_src_query (GstAsyncTransform *
    self, GstQuery * query);
static gboolean gst_async_transform_default_negotiate (GstAsyncTransform *
    self, GstCaps * incaps);
static void gst_async_transform_renegotiate (GstAsyncTransform * self);
static gboolean gst_async_transform_default_transform_meta (GstAsyncTransform
    * self, GstBuffer * outbuf, GstMeta * meta, GstBuffer * inbuf);
static gboolean gst_async_transform_src_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static gboolean gst_async_transform_sink_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static void gst_async_transform_loop (GstAsyncTransform * self);

static GstCaps *gst_async_transform_default_transform_caps (GstAsyncTransform *
    self, GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static GstCaps *gst_async_transform_default_fixate_caps (GstAsyncTransform *
    self, GstPadDirection direction, GstCaps * caps, GstCaps * othercaps);
static GstFlowReturn gst_async_transform_default_parse (GstAsyncTransform *
    self, GstBuffer * buffer);
static gboolean gst_async_transform_default_propose_allocation
    (GstAsyncTransform * self, GstQuery * query);

static void
gst_async_transform_class_init (GstAsyncTransformClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_async_transform_debug, "asynctransform", 0,
      "Concurrent transform base class");
  parent_class = g_type_class_peek_parent (klass);
  g_type_class_adjust_private_offset (klass, &private_offset);

  gobject_class->finalize = gst_async_transform_finalize;
  gobject_class->set_property = gst_async_transform_set_property;
  gobject_class->get_property = gst_async_transform_get_property;

  /**
   * GstAsyncTransform:n-workers:
   *
   * Worker threads of this element; 0 uses one per CPU core.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_N_WORKERS,
      g_param_spec_uint ("n-workers", "Workers",
          "Worker threads that process frames concurrently "
          "(0 = one per CPU core)", 0, MAX_N_WORKERS, DEFAULT_N_WORKERS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstAsyncTransform:max-in-flight:
   *
   * Frames accepted but not yet pushed downstream; upstream waits while the
   * element holds this many. 0 means twice the number of workers.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_IN_FLIGHT,
      g_param_spec_uint ("max-in-flight", "Max in flight",
          "Frames accepted but not yet pushed downstream, in frames; "
          "upstream is held back at this many (0 = 2 x workers)", 0,
          MAX_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:ordered:
   *
   * Push frames in input order. When %FALSE a frame is pushed as soon as it
   * is done, so timestamps are no longer monotonic (which syncing sinks,
   * encoders and muxers may not like); events still keep their place.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_ORDERED,
      g_param_spec_boolean ("ordered", "Ordered",
          "Push frames in input order (false: push each frame as soon as it "
          "is done, so timestamps may go backwards; events keep their place "
          "either way)", DEFAULT_ORDERED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:latency:
   *
   * Latency the element adds to the latency query, in nanoseconds. With
   * -1 it reports what it has measured: the longest a frame has taken from
   * entering the element to being processed, plus a quarter as headroom (0
   * before the first frame). In a live pipeline, a frame that takes longer
   * than that posts a latency message, so that the pipeline asks again.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_int64 ("latency", "Latency",
          "Latency this element reports, in nanoseconds (-1 = the longest "
          "time a frame has taken to be processed, plus a quarter; grows "
          "with a latency message in live pipelines)", -1, G_MAXINT64,
          DEFAULT_LATENCY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:leaky:
   *
   * What happens to a frame that finds the element full, as with queue:
   * upstream waits (no), the new frame is dropped (upstream), or it
   * replaces the oldest frame not being processed (downstream).
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_LEAKY,
      g_param_spec_enum ("leaky", "Leaky",
          "When max-in-flight frames are inside: wait (no), drop the new "
          "frame (upstream) or drop the oldest frame not being processed "
          "(downstream)", GST_TYPE_ASYNC_TRANSFORM_LEAKY, DEFAULT_LEAKY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:qos:
   *
   * Drop frames that downstream's QoS events show to be late before any
   * work is spent on them: a frame is dropped when it arrives or when a
   * worker would start it, if the time left until it is due downstream is
   * less than the measured process time. Every drop posts a QoS message, and the next buffer
   * pushed is marked DISCONT. No gap event takes a dropped frame's place,
   * as with #GstVideoDecoder and #GstBaseTransform.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_boolean ("qos", "QoS",
          "Drop frames that downstream's QoS events show to be late before "
          "working on them, and post a QoS message for each",
          DEFAULT_QOS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:worker-group:
   *
   * Elements of one process with the same non-empty group name share one
   * pool of worker threads instead of each having its own. The pool has as
   * many threads as the largest #GstAsyncTransform:n-workers of its
   * elements; each element still processes at most its own n-workers
   * frames at once, and the elements take turns frame by frame. The pool
   * goes away with its last element.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_WORKER_GROUP,
      g_param_spec_string ("worker-group", "Worker group",
          "Elements with the same non-empty name share one pool of workers, "
          "as many as the largest n-workers among them (empty = this "
          "element's own workers)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstAsyncTransform:stats:
   *
   * Counters since the element went to PAUSED, readable at any time from
   * any thread: frames-in, frames-out, dropped-leaky, dropped-qos,
   * dropped-other (by the subclass, a flush, an error, or after EOS from
   * downstream), in-flight and in-flight-max (frames),
   * process-time-min/mean/max and time-through-mean/max (ns; GST_CLOCK_TIME_NONE before the first
   * frame), workers, and latency (ns, what a latency query gets now).
   * frames-in always equals frames-out + dropped-leaky + dropped-qos +
   * dropped-other + in-flight.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frame counters, frames in flight, process time, time through "
          "the element and the latency reported (ns), since PAUSED",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_async_transform_change_state);

  klass->negotiate = GST_DEBUG_FUNCPTR (gst_async_transform_default_negotiate);
  klass->transform_meta =
      GST_DEBUG_FUNCPTR (gst_async_transform_default_transform_meta);
  klass->sink_event =
      GST_DEBUG_FUNCPTR (gst_async_transform_default_sink_event);
  klass->src_event = GST_DEBUG_FUNCPTR (gst_async_transform_default_src_event);
  klass->sink_query =
      GST_DEBUG_FUNCPTR (gst_async_transform_default_sink_query);
  klass->src_query = GST_DEBUG_FUNCPTR (gst_async_transform_default_src_query);
  klass->transform_caps =
      GST_DEBUG_FUNCPTR (gst_async_transform_default_transform_caps);
  klass->fixate_caps =
      GST_DEBUG_FUNCPTR (gst_async_transform_default_fixate_caps);
  klass->parse = GST_DEBUG_FUNCPTR (gst_async_transform_default_parse);
  klass->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_async_transform_default_propose_allocation);
}

static void
gst_async_transform_init (GstAsyncTransform * self,
    GstAsyncTransformClass * klass)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstPadTemplate *templ;

  g_mutex_init (&priv->lock);
  g_cond_init (&priv->space_cond);
  g_cond_init (&priv->ready_cond);

  priv->out = gst_queue_array_new (32);
  priv->todo = gst_queue_array_new (32);
  priv->spare_jobs = gst_queue_array_new (32);
  priv->free_contexts = gst_queue_array_new (8);
  priv->lent_contexts = g_hash_table_new (NULL, NULL);
  priv->batch = g_ptr_array_new ();

  priv->flow = GST_FLOW_FLUSHING;
  priv->n_workers_setting = DEFAULT_N_WORKERS;
  priv->max_in_flight_setting = DEFAULT_MAX_IN_FLIGHT;
  priv->ordered = DEFAULT_ORDERED;
  priv->latency = DEFAULT_LATENCY;
  priv->leaky = DEFAULT_LEAKY;
  priv->qos = DEFAULT_QOS;
  priv->frame_duration = GST_CLOCK_TIME_NONE;

  templ = gst_element_class_get_pad_template (element_class,
      GST_ASYNC_TRANSFORM_SINK_NAME);
  g_return_if_fail (templ != NULL);
  priv->sinkpad = gst_pad_new_from_template (templ,
      GST_ASYNC_TRANSFORM_SINK_NAME);
  gst_pad_set_chain_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_chain));
  gst_pad_set_event_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_sink_event));
  gst_pad_set_query_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_sink_query));
  gst_pad_set_activatemode_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_sink_activate_mode));
  gst_element_add_pad (GST_ELEMENT (self), priv->sinkpad);

  templ = gst_element_class_get_pad_template (element_class,
      GST_ASYNC_TRANSFORM_SRC_NAME);
  g_return_if_fail (templ != NULL);
  priv->srcpad = gst_pad_new_from_template (templ,
      GST_ASYNC_TRANSFORM_SRC_NAME);
  gst_pad_set_event_function (priv->srcpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_src_event));
  gst_pad_set_query_function (priv->srcpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_src_query));
  gst_pad_set_activatemode_function (priv->srcpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_src_activate_mode));
  gst_element_add_pad (GST_ELEMENT (self), priv->srcpad);
}

/* The effective window from its setting and the worker count. */
static void
gst_async_transform_update_window_locked (GstAsyncTransformPrivate * priv)
{
  priv->max_in_flight = priv->max_in_flight_setting;
  if (priv->max_in_flight == 0)
    priv->max_in_flight = 2 * priv->n_workers;
}

/* Effective worker count and window from the settings; with the lock. */
static void
gst_async_transform_update_limits_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  priv->n_workers = priv->n_workers_setting;
  if (priv->n_workers == 0)
    priv->n_workers = MAX (1, g_get_num_processors ());
  gst_async_transform_update_window_locked (priv);
}

static void
gst_async_transform_finalize (GObject * object)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (GST_ASYNC_TRANSFORM (object));
  GstAsyncJob *job;

  /* PAUSED->READY emptied out, todo and the contexts. */
  g_assert (gst_queue_array_is_empty (priv->out));
  while ((job = gst_queue_array_pop_head (priv->spare_jobs)))
    g_free (job);
  gst_queue_array_free (priv->out);
  gst_queue_array_free (priv->todo);
  gst_queue_array_free (priv->spare_jobs);
  gst_queue_array_free (priv->free_contexts);
  g_hash_table_unref (priv->lent_contexts);
  g_free (priv->worker_group);
  g_ptr_array_unref (priv->batch);
  gst_clear_caps (&priv->incaps);
  gst_clear_caps (&priv->outcaps);

  g_mutex_clear (&priv->lock);
  g_cond_clear (&priv->space_cond);
  g_cond_clear (&priv->ready_cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_async_transform_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (object);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gboolean latency_changed = FALSE;

  g_mutex_lock (&priv->lock);
  switch (prop_id) {
    case PROP_N_WORKERS:
      priv->n_workers_setting = g_value_get_uint (value);
      break;
    case PROP_MAX_IN_FLIGHT:
      priv->max_in_flight_setting = g_value_get_uint (value);
      /* Applies at once when the workers run: a larger window frees
       * upstream. */
      if (priv->running) {
        gst_async_transform_update_window_locked (priv);
        g_cond_broadcast (&priv->space_cond);
      }
      break;
    case PROP_ORDERED:
      priv->ordered = g_value_get_boolean (value);
      g_cond_broadcast (&priv->ready_cond);
      break;
    case PROP_LATENCY:
      priv->latency = g_value_get_int64 (value);
      latency_changed = TRUE;
      break;
    case PROP_LEAKY:
      priv->leaky = g_value_get_enum (value);
      /* A waiting upstream may drop instead now. */
      g_cond_broadcast (&priv->space_cond);
      break;
    case PROP_QOS:
      priv->qos = g_value_get_boolean (value);
      break;
    case PROP_WORKER_GROUP:
      g_free (priv->worker_group);
      priv->worker_group = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&priv->lock);

  if (latency_changed)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

static inline GstClockTime
gst_async_transform_mean (GstClockTime sum, guint64 count)
{
  return count ? sum / count : GST_CLOCK_TIME_NONE;
}

/* The latency property, or with -1 what was measured. */
static inline GstClockTime
gst_async_transform_measured_latency_locked (GstAsyncTransformPrivate * priv)
{
  return priv->latency >= 0 ? (GstClockTime) priv->latency
      : priv->delay_max + priv->delay_max / 4;
}

static GstStructure *
gst_async_transform_stats_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  return gst_structure_new ("GstAsyncTransformStats",
      "frames-in", G_TYPE_UINT64, priv->frames_in,
      "frames-out", G_TYPE_UINT64, priv->frames_out,
      "dropped-leaky", G_TYPE_UINT64, priv->dropped_leaky,
      "dropped-qos", G_TYPE_UINT64, priv->dropped_qos,
      "dropped-other", G_TYPE_UINT64, priv->dropped_other,
      "in-flight", G_TYPE_UINT, priv->in_flight,
      "in-flight-max", G_TYPE_UINT, priv->in_flight_max,
      "process-time-min", G_TYPE_UINT64,
      priv->processed ? priv->process_min : GST_CLOCK_TIME_NONE,
      "process-time-mean", G_TYPE_UINT64,
      gst_async_transform_mean (priv->process_sum, priv->processed),
      "process-time-max", G_TYPE_UINT64,
      priv->processed ? priv->process_max : GST_CLOCK_TIME_NONE,
      "time-through-mean", G_TYPE_UINT64,
      gst_async_transform_mean (priv->through_sum, priv->left),
      "time-through-max", G_TYPE_UINT64,
      priv->left ? priv->through_max : GST_CLOCK_TIME_NONE,
      "workers", G_TYPE_UINT, priv->n_workers,
      "latency", G_TYPE_UINT64,
      gst_async_transform_measured_latency_locked (priv), NULL);
}

static void
gst_async_transform_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (GST_ASYNC_TRANSFORM (object));

  g_mutex_lock (&priv->lock);
  switch (prop_id) {
    case PROP_N_WORKERS:
      g_value_set_uint (value, priv->n_workers_setting);
      break;
    case PROP_MAX_IN_FLIGHT:
      g_value_set_uint (value, priv->max_in_flight_setting);
      break;
    case PROP_ORDERED:
      g_value_set_boolean (value, priv->ordered);
      break;
    case PROP_LATENCY:
      g_value_set_int64 (value, priv->latency);
      break;
    case PROP_LEAKY:
      g_value_set_enum (value, priv->leaky);
      break;
    case PROP_QOS:
      g_value_set_boolean (value, priv->qos);
      break;
    case PROP_WORKER_GROUP:
      g_value_set_string (value, priv->worker_group);
      break;
    case PROP_STATS:
      g_value_take_boxed (value,
          gst_async_transform_stats_locked (GST_ASYNC_TRANSFORM (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&priv->lock);
}

/* --- jobs ---------------------------------------------------------------- */

static GstAsyncJob *
gst_async_transform_new_job_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncJob *job = gst_queue_array_pop_tail (priv->spare_jobs);

  if (job == NULL)
    job = g_new0 (GstAsyncJob, 1);
  job->generation = priv->generation;
  job->state = JOB_QUEUED;
  job->ret = GST_FLOW_OK;
  job->late = FALSE;
  return job;
}

/* Releases what @job holds. Calls out (buffer and event unrefs), so never
 * with the lock held. */
static void
gst_async_transform_clear_job (GstAsyncJob * job)
{
  gst_clear_buffer (&job->frame.input);
  gst_clear_buffer (&job->frame.output);
  gst_clear_event (&job->event);
  if (job->user_data_destroy)
    job->user_data_destroy (job->frame.user_data);
  job->user_data_destroy = NULL;
  job->frame.user_data = NULL;
}

static void
gst_async_transform_recycle_job_locked (GstAsyncTransform * self,
    GstAsyncJob * job)
{
  gst_queue_array_push_tail (GET_PRIV (self)->spare_jobs, job);
}

/* Takes every item out of the element, except jobs a worker is running (the
 * worker throws those away when it sees the bumped generation). The taken
 * items are moved to @dropped, to be cleared without the lock. */
static void
gst_async_transform_drop_all_locked (GstAsyncTransform * self,
    GPtrArray * dropped)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncJob *job;
  GstEvent *event;

  priv->generation++;
  /* Held events go too; their sticky ones other than segment are kept
   * like the queued ones (their type comes after caps, so storing them
   * before caps is in order). */
  while ((event = g_queue_pop_head (&priv->held_events))) {
    job = gst_async_transform_new_job_locked (self);
    job->event = event;
    job->state = JOB_DONE;
    g_ptr_array_add (dropped, job);
  }
  gst_queue_array_clear (priv->todo);
  while ((job = gst_queue_array_pop_head (priv->out))) {
    if (job->state != JOB_RUNNING)
      g_ptr_array_add (dropped, job);
  }
  priv->dropped_other += priv->in_flight;
  priv->in_flight = 0;
  g_cond_broadcast (&priv->space_cond);
}

/* Frees what drop_all_locked () took. With @keep_sticky (a flush, not a
 * stop), sticky events other than segment and EOS are stored on the src
 * pad instead, as queue does: the stream's caps, tags and stream-start
 * still reach downstream before the next buffer. */
static void
gst_async_transform_free_dropped (GstAsyncTransform * self,
    GPtrArray * dropped, gboolean keep_sticky)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  guint i;

  if (dropped->len == 0)
    return;
  GST_DEBUG_OBJECT (self, "dropping %u queued items", dropped->len);
  for (i = 0; i < dropped->len; i++) {
    GstAsyncJob *job = g_ptr_array_index (dropped, i);

    if (keep_sticky && job->event && GST_EVENT_IS_STICKY (job->event)
        && GST_EVENT_TYPE (job->event) != GST_EVENT_SEGMENT
        && GST_EVENT_TYPE (job->event) != GST_EVENT_EOS)
      gst_pad_store_sticky_event (priv->srcpad, job->event);
    gst_async_transform_clear_job (job);
  }
  g_mutex_lock (&priv->lock);
  for (i = 0; i < dropped->len; i++)
    gst_async_transform_recycle_job_locked (self,
        g_ptr_array_index (dropped, i));
  g_mutex_unlock (&priv->lock);
  g_ptr_array_set_size (dropped, 0);
}

/* --- worker contexts ----------------------------------------------------- */

static gpointer
gst_async_transform_take_context (GstAsyncTransform * self, guint * cookie)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gpointer context;

  if (klass->create_context == NULL) {
    *cookie = 0;
    return NULL;
  }

  g_mutex_lock (&priv->lock);
  context = gst_queue_array_pop_tail (priv->free_contexts);
  *cookie = priv->caps_cookie;
  g_mutex_unlock (&priv->lock);

  if (context == NULL) {
    GST_DEBUG_OBJECT (self, "creating a worker context");
    context = klass->create_context (self);
  }
  return context;
}

static void
gst_async_transform_give_context (GstAsyncTransform * self, gpointer context,
    guint cookie)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gboolean keep;

  if (context == NULL)
    return;

  g_mutex_lock (&priv->lock);
  keep = cookie == priv->caps_cookie;
  if (keep)
    gst_queue_array_push_tail (priv->free_contexts, context);
  g_mutex_unlock (&priv->lock);

  if (!keep && klass->free_context)
    klass->free_context (self, context);
}

/* Makes every context created so far stale and frees the idle ones. */
static void
gst_async_transform_drop_contexts (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstQueueArray *idle;
  gpointer context;

  g_mutex_lock (&priv->lock);
  priv->caps_cookie++;
  idle = priv->free_contexts;
  priv->free_contexts = gst_queue_array_new (8);
  g_mutex_unlock (&priv->lock);

  while ((context = gst_queue_array_pop_head (idle))) {
    if (klass->free_context)
      klass->free_context (self, context);
  }
  gst_queue_array_free (idle);
}

/**
 * gst_async_transform_acquire_context:
 * @self: a #GstAsyncTransform
 *
 * Lends one worker context (see #GstAsyncTransformClass.create_context)
 * for use outside #GstAsyncTransformClass.process, for example to ask a
 * replica of a wrapped element a caps query. No frame uses it until it is
 * given back with gst_async_transform_release_context().
 *
 * Returns: (transfer none) (nullable): a context, or %NULL if the subclass
 *     has none or could not create one.
 *
 * Since: 1.0
 */
gpointer
gst_async_transform_acquire_context (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv;
  gpointer context;
  guint cookie;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), NULL);
  priv = GET_PRIV (self);

  context = gst_async_transform_take_context (self, &cookie);
  if (context) {
    g_mutex_lock (&priv->lock);
    g_hash_table_insert (priv->lent_contexts, context,
        GUINT_TO_POINTER (cookie));
    g_mutex_unlock (&priv->lock);
  }
  return context;
}

/**
 * gst_async_transform_release_context:
 * @self: a #GstAsyncTransform
 * @context: a context from gst_async_transform_acquire_context()
 *
 * Gives back a lent context.
 *
 * Since: 1.0
 */
void
gst_async_transform_release_context (GstAsyncTransform * self, gpointer context)
{
  GstAsyncTransformPrivate *priv;
  gpointer cookie = NULL;
  gboolean lent;

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  g_return_if_fail (context != NULL);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  lent = g_hash_table_steal_extended (priv->lent_contexts, context, NULL,
      &cookie);
  g_mutex_unlock (&priv->lock);

  g_return_if_fail (lent);
  gst_async_transform_give_context (self, context, GPOINTER_TO_UINT (cookie));
}

/**
 * gst_async_transform_get_n_workers:
 * @self: a #GstAsyncTransform
 *
 * Returns: the number of workers the element runs (or will run) with, the
 *     #GstAsyncTransform:n-workers setting with 0 resolved to the number of
 *     CPU cores.
 *
 * Since: 1.0
 */
guint
gst_async_transform_get_n_workers (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv;
  guint n;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), 0);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  if (!priv->running)
    gst_async_transform_update_limits_locked (self);
  n = priv->n_workers;
  g_mutex_unlock (&priv->lock);
  return n;
}

/* --- workers ------------------------------------------------------------- */

typedef struct
{
  GstAsyncTransform *self;
  GstBuffer *outbuf;
} CopyMetaData;

static gboolean
gst_async_transform_copy_meta (GstBuffer * inbuf, GstMeta ** meta,
    gpointer user_data)
{
  CopyMetaData *data = user_data;
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (data->self);
  const GstMetaInfo *info = (*meta)->info;

  if (info->transform_func
      && klass->transform_meta (data->self, data->outbuf, *meta, inbuf)) {
    GstMetaTransformCopy copy = { FALSE, 0, -1 };

    info->transform_func (data->outbuf, *meta, inbuf,
        _gst_meta_transform_copy, &copy);
  }
  return TRUE;
}

static gboolean
gst_async_transform_default_transform_meta (GstAsyncTransform * self,
    GstBuffer * outbuf, GstMeta * meta, GstBuffer * inbuf)
{
  const gchar *const *tags = gst_meta_api_type_get_tags (meta->info->api);

  return tags == NULL || tags[0] == NULL;
}

static void
gst_async_transform_run_job (GstAsyncTransform * self, GstAsyncJob * job)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncFrame *frame = &job->frame;
  gpointer context;
  guint cookie;

  context = gst_async_transform_take_context (self, &cookie);
  if (klass->create_context && context == NULL) {
    job->ret = GST_FLOW_ERROR;
    GST_ELEMENT_ERROR (self, CORE, FAILED, (NULL),
        ("The subclass could not create a worker context"));
    return;
  }

  job->ret = klass->process (self, context, frame);
  gst_async_transform_give_context (self, context, cookie);

  if (job->ret > GST_FLOW_OK) {
    /* A success other than OK (GST_BASE_TRANSFORM_FLOW_DROPPED style):
     * the frame is dropped. */
    job->ret = GST_FLOW_OK;
    gst_clear_buffer (&frame->output);
  } else if (job->ret != GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s", frame->number,
        gst_flow_get_name (job->ret));
    gst_clear_buffer (&frame->output);
  } else if (frame->output && frame->input && frame->output != frame->input
      && !GST_BUFFER_PTS_IS_VALID (frame->output)
      && !GST_BUFFER_DURATION_IS_VALID (frame->output)) {
    CopyMetaData data = { self, NULL };

    data.outbuf = frame->output = gst_buffer_make_writable (frame->output);
    gst_buffer_copy_into (frame->output, frame->input,
        GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
    gst_buffer_foreach_meta (frame->input, gst_async_transform_copy_meta,
        &data);
  }
  /* The input is not needed any more: free it now rather than when the
   * frame leaves, so memory follows the frames really in use. */
  gst_clear_buffer (&frame->input);
}

/* Below this average process () time, handing a frame to another thread
 * costs more than the work itself. Then the src task runs process () on
 * the oldest waiting frame itself when it has nothing to push, instead of
 * waking a worker. */
#define CHEAP_WORK (20 * GST_USECOND)

static inline gboolean
gst_async_transform_work_is_cheap_locked (GstAsyncTransformPrivate * priv)
{
  return priv->process_avg < CHEAP_WORK;
}

/* A frame's timestamp: PTS, or DTS without one. Only before it is
 * processed (the input is gone then). */
static inline GstClockTime
gst_async_transform_job_timestamp (GstAsyncJob * job)
{
  GstBuffer *buf = job->frame.input;

  return GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf)
      : GST_BUFFER_DTS (buf);
}

/* @job may leave: wakes the src task if it waits for it. */
static void
gst_async_transform_mark_done_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job)
{
  job->state = JOB_DONE;
  if (priv->ready_waiters > 0 && (!priv->ordered
          || gst_queue_array_peek_head (priv->out) == job))
    g_cond_signal (&priv->ready_cond);
}

/* QoS, when a frame arrives or is about to start: downstream's last QoS
 * event says frames before earliest_time are late. Once processed, this
 * frame reaches downstream process_avg later than now, and now is past
 * earliest_time: it is surely late if its running time is before
 * earliest_time + process_avg. Marks @job as such for the QoS message. */
static gboolean
gst_async_transform_is_late_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job)
{
  GstClockTimeDiff late_by;

  if (!priv->qos || !GST_CLOCK_TIME_IS_VALID (priv->earliest_time)
      || !GST_CLOCK_TIME_IS_VALID (job->running_time))
    return FALSE;
  late_by = GST_CLOCK_DIFF (job->running_time,
      priv->earliest_time + priv->process_avg);
  if (late_by <= 0)
    return FALSE;

  job->late = TRUE;
  /* Only for the frames dropped, not on every frame's path: in the
   * current input segment, which is the frame's own unless a new one came
   * while it waited (then the message's stream time is approximate). */
  job->stream_time = gst_segment_to_stream_time (&priv->segment,
      GST_FORMAT_TIME, gst_async_transform_job_timestamp (job));
  job->late_by = late_by;
  job->proportion = priv->proportion;
  job->processed_before = priv->processed;
  return TRUE;
}

/* Takes the oldest frame not yet started, for the calling thread to run;
 * NULL when there is none or every worker slot is in use. Late frames on
 * the way are done at once, without work; @skipped tells if there were. */
static GstAsyncJob *
gst_async_transform_take_job_locked (GstAsyncTransformPrivate * priv,
    gboolean * skipped)
{
  GstAsyncJob *job;

  *skipped = FALSE;
  if (priv->busy_workers >= priv->n_workers)
    return NULL;
  while ((job = gst_queue_array_pop_head (priv->todo))) {
    if (!gst_async_transform_is_late_locked (priv, job)) {
      job->state = JOB_RUNNING;
      priv->busy_workers++;
      return job;
    }
    gst_async_transform_mark_done_locked (priv, job);
    *skipped = TRUE;
  }
  return NULL;
}

/* Runs @job, timed, without the lock. Returns how long process () took. */
static GstClockTime
gst_async_transform_run_job_timed (GstAsyncTransform * self, GstAsyncJob * job)
{
  gint64 start = g_get_monotonic_time ();

  gst_async_transform_run_job (self, job);
  job->processed_at = g_get_monotonic_time ();
  return (job->processed_at - start) * GST_USECOND;
}

/* Records how long @job took from entering to being processed, @took of
 * it in process (). With latency=-1 in a live pipeline, a frame that took
 * longer than the latency reported makes the src task post a latency
 * message (one per latency query); wakes it if it waits. */
static void
gst_async_transform_measure_delay_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job, GstClockTime took)
{
  GstClockTime delay;

  /* Real work: a frame waits only for a worker, whose number is ours to
   * choose. Cheap work: it waits for the src task, which may sit in a push
   * that downstream holds for the very latency reported; that wait is
   * downstream's, and counting it would feed the latency back into itself. */
  if (gst_async_transform_work_is_cheap_locked (priv))
    delay = took;
  else
    delay = (job->processed_at - job->entered) * GST_USECOND;

  if (delay <= priv->delay_max)
    return;
  GST_CAT_DEBUG (gst_async_transform_debug, "frame %" G_GUINT64_FORMAT
      " took %" GST_TIME_FORMAT " in all, the longest yet", job->frame.number,
      GST_TIME_ARGS (delay));
  priv->delay_max = delay;
  if (priv->latency < 0 && priv->live && delay > priv->latency_reported
      && !priv->latency_message_sent) {
    priv->latency_message_due = priv->latency_message_sent = TRUE;
    if (priv->ready_waiters > 0)
      g_cond_signal (&priv->ready_cond);
  }
}

static void
gst_async_transform_job_ran_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job, GstClockTime took)
{
  gst_async_transform_measure_delay_locked (priv, job, took);
  priv->busy_workers--;
  priv->process_avg = (7 * priv->process_avg + took) / 8;
  if (priv->processed == 0 || took < priv->process_min)
    priv->process_min = took;
  priv->process_max = MAX (priv->process_max, took);
  priv->process_sum += took;
  priv->processed++;
  /* A drain may wait for the last process () call to end. */
  if (priv->busy_workers == 0 && priv->drain_waiters > 0)
    g_cond_broadcast (&priv->space_cond);
}

/* Runs @job without the lock, then records its result with the lock
 * retaken. Returns FALSE if a flush made the job stale meanwhile (it is
 * then gone). */
static gboolean
gst_async_transform_run_job_locked (GstAsyncTransform * self, GstAsyncJob * job)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstClockTime took;

  g_mutex_unlock (&priv->lock);
  took = gst_async_transform_run_job_timed (self, job);
  g_mutex_lock (&priv->lock);

  gst_async_transform_job_ran_locked (priv, job, took);
  if (job->generation != priv->generation) {
    /* Flushed while running: nobody will push it. */
    g_mutex_unlock (&priv->lock);
    gst_async_transform_clear_job (job);
    g_mutex_lock (&priv->lock);
    gst_async_transform_recycle_job_locked (self, job);
    return FALSE;
  }
  gst_async_transform_mark_done_locked (priv, job);
  return TRUE;
}

/* A frame not yet started may start now. */
static inline gboolean
gst_async_transform_can_start_locked (GstAsyncTransformPrivate * priv)
{
  return priv->flow != GST_FLOW_FLUSHING && priv->busy_workers < priv->n_workers
      && !gst_queue_array_is_empty (priv->todo);
}

/* Pool worker, GstAsyncPoolTakeFunc: the oldest frame not yet started. A
 * second worker is asked for only when the work is worth a wake-up. */
static gpointer
gst_async_transform_pool_take (gpointer data, gboolean * more)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (data);
  GstAsyncJob *job = NULL;
  gboolean skipped;

  g_mutex_lock (&priv->lock);
  if (gst_async_transform_can_start_locked (priv))
    job = gst_async_transform_take_job_locked (priv, &skipped);
  *more = gst_async_transform_can_start_locked (priv)
      && !gst_async_transform_work_is_cheap_locked (priv);
  g_mutex_unlock (&priv->lock);
  return job;
}

/* Pool worker, GstAsyncPoolRunFunc: runs a frame and lets it leave. */
static gboolean
gst_async_transform_pool_run (gpointer data, gpointer job_ptr)
{
  GstAsyncTransform *self = data;
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncJob *job = job_ptr;
  gboolean more;

  g_mutex_lock (&priv->lock);
  gst_async_transform_run_job_locked (self, job);
  more = gst_async_transform_can_start_locked (priv);
  g_mutex_unlock (&priv->lock);
  return more;
}

static void
gst_async_transform_start_workers (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gchar *group;
  guint n;

  g_mutex_lock (&priv->lock);
  gst_async_transform_update_limits_locked (self);
  priv->running = TRUE;
  /* Unknown until measured: assume real work, wake workers freely. */
  priv->process_avg = 2 * CHEAP_WORK;
  n = priv->n_workers;
  group = g_strdup (priv->worker_group);
  g_mutex_unlock (&priv->lock);

  GST_DEBUG_OBJECT (self, "%u workers (group \"%s\"), window of %u frames",
      n, GST_STR_NULL (group), priv->max_in_flight);
  priv->pool_member = gst_async_worker_pool_join (group, n,
      gst_async_transform_pool_take, gst_async_transform_pool_run, self);
  g_free (group);
}

/* Called once the pads are inactive, so no new frame can start. */
static void
gst_async_transform_stop_workers (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  /* Waits for a worker busy with one of our frames to finish it. */
  gst_async_worker_pool_leave (priv->pool_member);
  priv->pool_member = NULL;

  g_mutex_lock (&priv->lock);
  priv->running = FALSE;
  g_mutex_unlock (&priv->lock);
}

/* --- sink side: frames --------------------------------------------------- */

/* For leaky=downstream: takes the oldest frame out of the window that no
 * thread is processing (waiting, or done and not yet pushed). */
static GstAsyncJob *
gst_async_transform_steal_oldest_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  guint i, n = gst_queue_array_get_length (priv->out);

  for (i = 0; i < n; i++) {
    GstAsyncJob *job = gst_queue_array_peek_nth (priv->out, i);

    if (job->event || job->state == JOB_RUNNING)
      continue;
    if (job->state == JOB_QUEUED)
      gst_queue_array_drop_element (priv->todo,
          gst_queue_array_find (priv->todo, NULL, job));
    gst_queue_array_drop_element (priv->out, i);
    priv->in_flight--;
    /* What was behind it may be able to leave now. */
    if (i == 0 && priv->ready_waiters > 0)
      g_cond_signal (&priv->ready_cond);
    return job;
  }
  return NULL;
}

/* The frame's running time in the input segment, for QoS. */
static void
gst_async_transform_stamp_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job)
{
  GstClockTime ts = gst_async_transform_job_timestamp (job);

  job->running_time = GST_CLOCK_TIME_NONE;
  if (priv->segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (ts))
    job->running_time = gst_segment_to_running_time (&priv->segment,
        GST_FORMAT_TIME, ts);
}

/* Forgets what QoS events said: after a flush, a new segment, or a new
 * latency. */
static inline void
gst_async_transform_reset_qos_locked (GstAsyncTransformPrivate * priv)
{
  priv->earliest_time = GST_CLOCK_TIME_NONE;
  priv->proportion = 1.0;
}

/* After a flush or a new segment, running times start again: what QoS
 * said, and which of it was stale, no longer applies. */
static inline void
gst_async_transform_new_timeline_locked (GstAsyncTransformPrivate * priv)
{
  gst_async_transform_reset_qos_locked (priv);
  priv->last_running_time = priv->qos_stale_until = GST_CLOCK_TIME_NONE;
}

/* What new data gets: the last downstream flow return or FLUSHING, EOS
 * after EOS, NOT_NEGOTIATED without usable caps, else OK. */
static inline GstFlowReturn
gst_async_transform_data_flow_locked (GstAsyncTransformPrivate * priv)
{
  if (priv->flow != GST_FLOW_OK)
    return priv->flow;
  if (priv->eos || priv->downstream_eos)
    return GST_FLOW_EOS;
  if (!priv->negotiated)
    return GST_FLOW_NOT_NEGOTIATED;
  return GST_FLOW_OK;
}

/**
 * gst_async_transform_submit:
 * @self: a #GstAsyncTransform
 * @buffer: (transfer full): one complete frame
 *
 * Queues one frame for #GstAsyncTransformClass.process. Call it from
 * #GstAsyncTransformClass.parse (or #GstAsyncTransformClass.finish) in the
 * upstream streaming thread. Waits while the element holds
 * #GstAsyncTransform:max-in-flight frames.
 *
 * Returns: %GST_FLOW_OK, or the flow return upstream must see: the last
 *     downstream error, %GST_FLOW_FLUSHING, %GST_FLOW_EOS, or
 *     %GST_FLOW_NOT_NEGOTIATED.
 *
 * Since: 1.0
 */
GstFlowReturn
gst_async_transform_submit (GstAsyncTransform * self, GstBuffer * buffer)
{
  return gst_async_transform_submit_full (self, buffer, NULL, NULL);
}

/**
 * gst_async_transform_submit_full:
 * @self: a #GstAsyncTransform
 * @buffer: (transfer full): one complete frame
 * @user_data: (transfer full) (nullable): data for
 *     #GstAsyncTransformClass.process, as #GstAsyncFrame.user_data
 * @destroy: (nullable): frees @user_data when the frame is done (or
 *     refused)
 *
 * As gst_async_transform_submit(), with data that
 * #GstAsyncTransformClass.parse found for this frame (a parsed header, the
 * frame's size) and #GstAsyncTransformClass.process needs.
 *
 * Returns: as gst_async_transform_submit().
 *
 * Since: 1.0
 */
GstFlowReturn
gst_async_transform_submit_full (GstAsyncTransform * self, GstBuffer * buffer,
    gpointer user_data, GDestroyNotify destroy)
{
  GstAsyncTransformPrivate *priv;
  GstAsyncJob *job, *replaced = NULL;
  gboolean drop_new = FALSE;
  GstFlowReturn ret;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), GST_FLOW_ERROR);
  g_return_val_if_fail (GST_IS_BUFFER (buffer), GST_FLOW_ERROR);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  while ((ret = gst_async_transform_data_flow_locked (priv)) == GST_FLOW_OK
      && priv->in_flight >= priv->max_in_flight) {
    if (priv->leaky == GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM) {
      drop_new = TRUE;
      break;
    }
    if (priv->leaky == GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM
        && (replaced = gst_async_transform_steal_oldest_locked (self)))
      break;
    /* (leaky downstream with every frame being processed: that ends
     * within one process () call) */
    priv->space_waiters++;
    g_cond_wait (&priv->space_cond, &priv->lock);
    priv->space_waiters--;
  }
  if (ret == GST_FLOW_OK)
    priv->frames_in++;
  if (drop_new || replaced)
    priv->dropped_leaky++;
  if (ret != GST_FLOW_OK || drop_new) {
    g_mutex_unlock (&priv->lock);
    GST_DEBUG_OBJECT (self, "%s frame: %s", drop_new ? "leaky, dropping" :
        "refusing", gst_flow_get_name (ret));
    gst_buffer_unref (buffer);
    if (destroy)
      destroy (user_data);
    return ret;
  }

  if (!priv->duration_from_caps && GST_BUFFER_DURATION_IS_VALID (buffer))
    priv->frame_duration = GST_BUFFER_DURATION (buffer);

  job = gst_async_transform_new_job_locked (self);
  job->frame.number = priv->next_number++;
  job->frame.input = buffer;
  job->frame.user_data = user_data;
  job->user_data_destroy = destroy;
  job->entered = g_get_monotonic_time ();
  gst_async_transform_stamp_locked (priv, job);
  if (GST_CLOCK_TIME_IS_VALID (job->running_time))
    priv->last_running_time = job->running_time;
  gst_queue_array_push_tail (priv->out, job);
  priv->in_flight++;
  priv->in_flight_max = MAX (priv->in_flight_max, priv->in_flight);
  GST_LOG_OBJECT (self, "queued frame %" G_GUINT64_FORMAT ", %u in flight",
      job->frame.number, priv->in_flight);
  if (gst_async_transform_is_late_locked (priv, job)) {
    /* Already late: it only keeps its place, for the QoS message. */
    gst_async_transform_mark_done_locked (priv, job);
  } else if (gst_async_transform_work_is_cheap_locked (priv)) {
    /* Cheap work is done by the src task, or by a worker that is already
     * awake; real work wakes a worker. */
    gst_queue_array_push_tail (priv->todo, job);
    if (priv->ready_waiters > 0)
      g_cond_signal (&priv->ready_cond);
  } else {
    gst_queue_array_push_tail (priv->todo, job);
    gst_async_worker_pool_wake (priv->pool_member);
  }
  g_mutex_unlock (&priv->lock);

  if (replaced) {
    GST_DEBUG_OBJECT (self, "leaky, dropped frame %" G_GUINT64_FORMAT,
        replaced->frame.number);
    gst_async_transform_clear_job (replaced);
    g_mutex_lock (&priv->lock);
    gst_async_transform_recycle_job_locked (self, replaced);
    g_mutex_unlock (&priv->lock);
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_async_transform_default_parse (GstAsyncTransform * self, GstBuffer * buffer)
{
  return gst_async_transform_submit (self, buffer);
}

static GstFlowReturn
gst_async_transform_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);

  /* The flag is read without the pad's lock first: a reconfigure seen one
   * buffer late is fine, a lock per buffer is not needed. */
  if (G_UNLIKELY (GST_PAD_NEEDS_RECONFIGURE (GET_PRIV (self)->srcpad))
      && gst_pad_check_reconfigure (GET_PRIV (self)->srcpad))
    gst_async_transform_renegotiate (self);

  /* gst_async_transform_submit () refuses frames when the element does not
   * take data (flushing, EOS, not negotiated, downstream error). */
  return GST_ASYNC_TRANSFORM_GET_CLASS (self)->parse (self, buffer);
}

/* --- sink side: events and queries --------------------------------------- */

static void
gst_async_transform_append_event_locked (GstAsyncTransform * self,
    GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncJob *job = gst_async_transform_new_job_locked (self);

  job->event = event;
  job->state = JOB_DONE;
  gst_queue_array_push_tail (priv->out, job);
  if (priv->ready_waiters > 0 && gst_queue_array_peek_head (priv->out) == job)
    g_cond_signal (&priv->ready_cond);
}

static void
gst_async_transform_release_held_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstEvent *event;

  while ((event = g_queue_pop_head (&priv->held_events)))
    gst_async_transform_append_event_locked (self, event);
}

/* Appends a serialized event to the output sequence. While a subclass has
 * yet to set its first output caps, events that must follow caps
 * (segment, tags...) wait for them, as GstVideoDecoder does; EOS takes
 * them along if no caps ever come. */
static gboolean
gst_async_transform_queue_event (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstEventType type = GST_EVENT_TYPE (event);
  GQueue stale = G_QUEUE_INIT;
  GstFlowReturn flow;

  g_mutex_lock (&priv->lock);
  flow = priv->flow;
  if (type == GST_EVENT_STREAM_START) {
    /* The previous stream's events never got caps: they end with it. */
    stale = priv->held_events;
    g_queue_init (&priv->held_events);
  }
  if (flow != GST_FLOW_OK) {
    /* refused below */
  } else if (priv->awaiting_output_caps && type != GST_EVENT_STREAM_START
      && type != GST_EVENT_CAPS && type != GST_EVENT_EOS) {
    g_queue_push_tail (&priv->held_events, event);
  } else {
    if (type == GST_EVENT_EOS)
      gst_async_transform_release_held_locked (self);
    gst_async_transform_append_event_locked (self, event);
    if (type == GST_EVENT_CAPS) {
      priv->awaiting_output_caps = FALSE;
      gst_async_transform_release_held_locked (self);
    }
  }
  g_mutex_unlock (&priv->lock);
  g_queue_clear_full (&stale, (GDestroyNotify) gst_event_unref);

  if (flow != GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "refusing %" GST_PTR_FORMAT ": %s", event,
        gst_flow_get_name (flow));
    gst_event_unref (event);
    return FALSE;
  }
  GST_LOG_OBJECT (self, "queued %" GST_PTR_FORMAT, event);
  return TRUE;
}

/* Waits until every item has left the element, and no process () call
 * runs, not even one on a frame a flush threw away: set_caps may follow. */
static GstFlowReturn
gst_async_transform_wait_drained (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstFlowReturn ret;

  g_mutex_lock (&priv->lock);
  while ((ret = priv->flow) == GST_FLOW_OK && (priv->pushing
          || priv->busy_workers > 0 || !gst_queue_array_is_empty (priv->out))) {
    priv->drain_waiters++;
    g_cond_wait (&priv->space_cond, &priv->lock);
    priv->drain_waiters--;
  }
  g_mutex_unlock (&priv->lock);
  return ret;
}

/* Lets a framing subclass submit what it holds, then waits for every frame
 * to leave. */
static GstFlowReturn
gst_async_transform_drain (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstFlowReturn ret = GST_FLOW_OK;

  if (klass->finish)
    ret = klass->finish (self);
  if (ret == GST_FLOW_OK)
    ret = gst_async_transform_wait_drained (self);
  return ret;
}

/* After new output caps: once they have left the element (no frame is in
 * flight then), lets a subclass that wants to choose its output
 * allocation do so, with downstream's answer to an allocation query. */
static gboolean
gst_async_transform_decide_allocation (GstAsyncTransform * self,
    GstCaps * outcaps)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstQuery *query;
  gboolean ok;

  if (klass->decide_allocation == NULL)
    return TRUE;
  if (gst_async_transform_wait_drained (self) != GST_FLOW_OK)
    return FALSE;

  query = gst_query_new_allocation (outcaps, TRUE);
  if (!gst_pad_peer_query (priv->srcpad, query))
    GST_DEBUG_OBJECT (self, "downstream did not answer the allocation query");
  ok = klass->decide_allocation (self, query);
  gst_query_unref (query);
  return ok;
}

/* Queues a caps event for @outcaps, takes them as the output caps, and
 * lets the subclass decide its allocation for them. */
static gboolean
gst_async_transform_use_output_caps (GstAsyncTransform * self,
    GstCaps * outcaps)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstCaps *old;

  if (!gst_async_transform_queue_event (self, gst_event_new_caps (outcaps)))
    return FALSE;

  g_mutex_lock (&priv->lock);
  old = priv->outcaps;
  priv->outcaps = gst_caps_ref (outcaps);
  g_mutex_unlock (&priv->lock);
  gst_clear_caps (&old);

  priv->allocation_pending =
      !gst_async_transform_decide_allocation (self, outcaps);
  return !priv->allocation_pending;
}

/* Output caps for @incaps that downstream accepts, fixed; NULL if none. */
static GstCaps *
gst_async_transform_find_output_caps (GstAsyncTransform * self,
    GstCaps * incaps)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstCaps *othercaps, *peercaps, *outcaps;

  othercaps = klass->transform_caps (self, GST_PAD_SINK, incaps, NULL);
  peercaps = gst_pad_peer_query_caps (priv->srcpad, othercaps);
  outcaps = gst_caps_intersect (peercaps, othercaps);
  gst_caps_unref (peercaps);
  gst_caps_unref (othercaps);

  if (!gst_caps_is_empty (outcaps))
    outcaps = klass->fixate_caps (self, GST_PAD_SINK, incaps, outcaps);
  if (gst_caps_is_empty (outcaps) || !gst_caps_is_fixed (outcaps)) {
    GST_WARNING_OBJECT (self, "no output caps for %" GST_PTR_FORMAT
        " (got %" GST_PTR_FORMAT ")", incaps, outcaps);
    gst_clear_caps (&outcaps);
  }
  return outcaps;
}

static gboolean
gst_async_transform_default_negotiate (GstAsyncTransform * self,
    GstCaps * incaps)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstCaps *outcaps;
  gboolean ok;

  outcaps = gst_async_transform_find_output_caps (self, incaps);
  if (outcaps == NULL)
    return FALSE;

  if (klass->set_caps && !klass->set_caps (self, incaps, outcaps)) {
    GST_WARNING_OBJECT (self, "subclass refused %" GST_PTR_FORMAT, incaps);
    gst_caps_unref (outcaps);
    return FALSE;
  }

  ok = gst_async_transform_use_output_caps (self, outcaps);
  gst_caps_unref (outcaps);
  return ok;
}

/* Downstream asked for a reconfiguration: when the output caps it would
 * now take differ, the frames before leave with the old ones, then the
 * element negotiates again; with the same caps the allocation is decided
 * again, as GstBaseTransform does. */
static void
gst_async_transform_renegotiate (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstCaps *incaps, *outcaps, *current;
  gboolean same, ok;

  /* A subclass with its own negotiation chooses its caps itself. */
  if (klass->negotiate != gst_async_transform_default_negotiate)
    return;
  g_mutex_lock (&priv->lock);
  incaps = priv->incaps ? gst_caps_ref (priv->incaps) : NULL;
  current = priv->outcaps ? gst_caps_ref (priv->outcaps) : NULL;
  g_mutex_unlock (&priv->lock);
  if (incaps == NULL)
    goto done;

  outcaps = gst_async_transform_find_output_caps (self, incaps);
  same = outcaps && current && gst_caps_is_equal (outcaps, current);
  gst_clear_caps (&outcaps);
  if (same) {
    /* Same caps, maybe another pool downstream. */
    if (klass->decide_allocation)
      priv->allocation_pending =
          !gst_async_transform_decide_allocation (self, current);
    goto done;
  }

  GST_DEBUG_OBJECT (self, "downstream wants other caps: negotiating again");
  ok = gst_async_transform_wait_drained (self) == GST_FLOW_OK;
  if (ok) {
    gst_async_transform_drop_contexts (self);
    ok = klass->negotiate (self, incaps);
  }
  g_mutex_lock (&priv->lock);
  priv->negotiated = ok;
  g_mutex_unlock (&priv->lock);
  if (!ok)
    gst_pad_mark_reconfigure (priv->srcpad);

done:
  gst_clear_caps (&incaps);
  gst_clear_caps (&current);
}

/* New input caps: once every earlier frame has left, forget what was made
 * for the old ones and negotiate. */
static gboolean
gst_async_transform_handle_caps (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstCaps *incaps, *old;
  gint fps_n = 0, fps_d = 1;
  GstClockTime duration;
  gboolean ok;

  gst_event_parse_caps (event, &incaps);
  GST_DEBUG_OBJECT (self, "new input caps %" GST_PTR_FORMAT, incaps);

  if (gst_async_transform_drain (self) != GST_FLOW_OK) {
    gst_event_unref (event);
    return FALSE;
  }
  gst_async_transform_drop_contexts (self);

  gst_structure_get_fraction (gst_caps_get_structure (incaps, 0),
      "framerate", &fps_n, &fps_d);
  duration = fps_n > 0 && fps_d > 0 ?
      gst_util_uint64_scale_int (GST_SECOND, fps_d, fps_n) :
      GST_CLOCK_TIME_NONE;
  g_mutex_lock (&priv->lock);
  old = priv->incaps;
  priv->incaps = gst_caps_ref (incaps);
  priv->duration_from_caps = GST_CLOCK_TIME_IS_VALID (duration);
  if (priv->duration_from_caps)
    priv->frame_duration = duration;
  g_mutex_unlock (&priv->lock);
  gst_clear_caps (&old);

  ok = klass->negotiate (self, incaps);
  g_mutex_lock (&priv->lock);
  priv->negotiated = ok;
  priv->awaiting_output_caps = priv->outcaps == NULL;
  g_mutex_unlock (&priv->lock);

  gst_event_unref (event);
  return ok;
}

static void
gst_async_transform_flush_start (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  priv->flow = GST_FLOW_FLUSHING;
  g_cond_broadcast (&priv->space_cond);
  g_cond_broadcast (&priv->ready_cond);
  g_mutex_unlock (&priv->lock);

  /* Forward first: it unblocks a push the src task may be stuck in, and the
   * task must leave its loop before pause_task can return. */
  gst_pad_push_event (priv->srcpad, event);
  gst_pad_pause_task (priv->srcpad);
}

static void
gst_async_transform_flush_stop (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GPtrArray *dropped = g_ptr_array_new ();
  GstEvent *event_left;

  /* Forwarded first, as queue does: the src pad takes sticky events
   * again once it no longer flushes. The task is paused meanwhile. */
  gst_pad_push_event (priv->srcpad, event);

  g_mutex_lock (&priv->lock);
  gst_async_transform_drop_all_locked (self, dropped);
  priv->flow = GST_FLOW_OK;
  priv->eos = FALSE;
  priv->downstream_eos = FALSE;
  priv->discarding = FALSE;
  priv->discont = FALSE;
  gst_async_transform_new_timeline_locked (priv);
  g_mutex_unlock (&priv->lock);

  /* The task is paused: its leftovers are older than what was queued. */
  while ((event_left = g_queue_pop_head (&priv->unpushed_sticky))) {
    gst_pad_store_sticky_event (priv->srcpad, event_left);
    gst_event_unref (event_left);
  }
  gst_async_transform_free_dropped (self, dropped, TRUE);
  g_ptr_array_unref (dropped);
  if (klass->flush)
    klass->flush (self);

  gst_pad_start_task (priv->srcpad,
      (GstTaskFunction) gst_async_transform_loop, self, NULL);
}

static gboolean
gst_async_transform_default_sink_event (GstAsyncTransform * self,
    GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstPad *pad = priv->sinkpad;
  GstObject *parent = GST_OBJECT (self);
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);

  GST_LOG_OBJECT (self, "sink event %" GST_PTR_FORMAT, event);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      gst_async_transform_flush_start (self, event);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      gst_async_transform_flush_stop (self, event);
      return TRUE;
    case GST_EVENT_CAPS:
      return gst_async_transform_handle_caps (self, event);
    case GST_EVENT_EOS:{
      GstFlowReturn flow;

      if (klass->finish && klass->finish (self) != GST_FLOW_OK) {
        /* Still queue EOS: downstream must learn the stream ended. */
        GST_DEBUG_OBJECT (self, "finish failed before EOS");
      }
      g_mutex_lock (&priv->lock);
      priv->eos = TRUE;
      flow = priv->flow;
      g_mutex_unlock (&priv->lock);
      /* Stopped by a downstream error that upstream may not have reported
       * (it now ends the stream): report it, as queue does. */
      if (flow == GST_FLOW_NOT_LINKED || flow < GST_FLOW_EOS)
        GST_ELEMENT_FLOW_ERROR (self, flow);
      return gst_async_transform_queue_event (self, event);
    }
    case GST_EVENT_STREAM_START:
    case GST_EVENT_SEGMENT:
      /* A new stream may follow EOS without a flush. */
      g_mutex_lock (&priv->lock);
      priv->eos = FALSE;
      priv->downstream_eos = FALSE;
      priv->stream_epoch++;
      if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
        gst_event_copy_segment (event, &priv->segment);
        gst_async_transform_new_timeline_locked (priv);
      }
      g_mutex_unlock (&priv->lock);
      return gst_async_transform_queue_event (self, event);
    default:
      if (GST_EVENT_IS_SERIALIZED (event))
        return gst_async_transform_queue_event (self, event);
      return gst_pad_event_default (pad, parent, event);
  }
}

static gboolean
gst_async_transform_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);

  return GST_ASYNC_TRANSFORM_GET_CLASS (self)->sink_event (self, event);
}

static GstCaps *
gst_async_transform_query_caps (GstAsyncTransform * self, GstPad * pad,
    GstCaps * filter)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstPad *otherpad = pad == priv->srcpad ? priv->sinkpad : priv->srcpad;
  GstPadDirection direction = GST_PAD_DIRECTION (pad);
  GstPadDirection otherdir = GST_PAD_DIRECTION (otherpad);
  GstCaps *templ, *othertempl, *peerfilter = NULL, *peercaps, *caps;

  templ = gst_pad_get_pad_template_caps (pad);
  othertempl = gst_pad_get_pad_template_caps (otherpad);

  /* What the filter allows on this pad, seen from the other side. */
  if (filter) {
    GstCaps *tmp = klass->transform_caps (self, direction, filter, NULL);
    peerfilter = gst_caps_intersect_full (tmp, othertempl,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (tmp);
  }
  peercaps = gst_pad_peer_query_caps (otherpad, peerfilter
      ? peerfilter : othertempl);
  gst_clear_caps (&peerfilter);

  caps = klass->transform_caps (self, otherdir, peercaps, filter);
  gst_caps_unref (peercaps);
  peercaps = caps;
  caps = gst_caps_intersect_full (peercaps, templ, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (peercaps);
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = tmp;
  }

  gst_caps_unref (templ);
  gst_caps_unref (othertempl);
  GST_LOG_OBJECT (pad, "caps %" GST_PTR_FORMAT, caps);
  return caps;
}

static gboolean
gst_async_transform_answer_caps_query (GstAsyncTransform * self, GstPad * pad,
    GstQuery * query)
{
  GstCaps *filter, *caps;

  gst_query_parse_caps (query, &filter);
  caps = gst_async_transform_query_caps (self, pad, filter);
  gst_query_set_caps_result (query, caps);
  gst_caps_unref (caps);
  return TRUE;
}

static gboolean
gst_async_transform_default_propose_allocation (GstAsyncTransform * self,
    GstQuery * query)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstCaps *caps;
  gboolean same_caps;
  guint extra, i, n, size = 0;

  gst_query_parse_allocation (query, &caps, NULL);

  g_mutex_lock (&priv->lock);
  same_caps = priv->outcaps && caps && gst_caps_is_equal (priv->outcaps, caps);
  extra = priv->max_in_flight;
  g_mutex_unlock (&priv->lock);

  /* Downstream's pool and metas only serve upstream when the format passes
   * through unchanged. */
  if (same_caps && !gst_pad_peer_query (priv->srcpad, query))
    GST_DEBUG_OBJECT (self, "downstream did not answer the allocation query");

  n = gst_query_get_n_allocation_pools (query);
  for (i = 0; i < n; i++) {
    GstBufferPool *pool;
    guint min, max;

    gst_query_parse_nth_allocation_pool (query, i, &pool, &size, &min, &max);
    min += extra;
    if (max != 0)
      max = MAX (max + extra, min);
    gst_query_set_nth_allocation_pool (query, i, pool, size, min, max);
    gst_clear_object (&pool);
  }
  /* Nobody proposed a pool: propose the window for raw video, whose size
   * is known. Any other format gets none rather than one of size 0. */
  if (n == 0) {
    GstVideoInfo info;

    if (caps && gst_video_info_from_caps (&info, caps) && info.size > 0)
      gst_query_add_allocation_pool (query, NULL, info.size, extra, 0);
  }
  return TRUE;
}

static gboolean
gst_async_transform_default_sink_query (GstAsyncTransform * self,
    GstQuery * query)
{
  GstPad *pad = GET_PRIV (self)->sinkpad;
  GstObject *parent = GST_OBJECT (self);
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);

  /* A serialized query must reach downstream after every item before it. */
  if (GST_QUERY_IS_SERIALIZED (query)) {
    GstFlowReturn ret = GST_QUERY_TYPE (query) == GST_QUERY_DRAIN
        ? gst_async_transform_drain (self)
        : gst_async_transform_wait_drained (self);
    if (ret != GST_FLOW_OK)
      return FALSE;
  }

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_ALLOCATION:
      return klass->propose_allocation (self, query);
    case GST_QUERY_CAPS:
      return gst_async_transform_answer_caps_query (self, pad, query);
    case GST_QUERY_ACCEPT_CAPS:{
      GstCaps *caps, *allowed;
      gboolean ok;

      gst_query_parse_accept_caps (query, &caps);
      allowed = gst_async_transform_query_caps (self, pad, NULL);
      ok = gst_caps_is_subset (caps, allowed);
      gst_caps_unref (allowed);
      gst_query_set_accept_caps_result (query, ok);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_async_transform_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);

  return GST_ASYNC_TRANSFORM_GET_CLASS (self)->sink_query (self, query);
}

static gboolean
gst_async_transform_sink_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (GST_ASYNC_TRANSFORM (parent));

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (!active) {
    /* Wake a chain waiting for space, so the stream lock comes free. */
    g_mutex_lock (&priv->lock);
    priv->flow = GST_FLOW_FLUSHING;
    g_cond_broadcast (&priv->space_cond);
    g_mutex_unlock (&priv->lock);
  }
  return TRUE;
}

/* --- src side ------------------------------------------------------------ */

/* Moves every item that may leave now from priv->out to @batch. Returns the
 * number of frames among them. */
static guint
gst_async_transform_collect_locked (GstAsyncTransform * self, GPtrArray * batch)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncJob *job;
  guint frames = 0, i = 0;

  if (priv->ordered) {
    while ((job = gst_queue_array_peek_head (priv->out))
        && job->state == JOB_DONE) {
      g_ptr_array_add (batch, gst_queue_array_pop_head (priv->out));
      frames += job->event == NULL;
    }
    return frames;
  }

  /* Unordered: any finished frame before the first event; the event itself
   * once every frame before it has left. */
  while (i < gst_queue_array_get_length (priv->out)) {
    job = gst_queue_array_peek_nth (priv->out, i);
    if (job->event && i > 0)
      break;
    if (job->state == JOB_DONE) {
      g_ptr_array_add (batch, gst_queue_array_drop_element (priv->out, i));
      frames += job->event == NULL;
    } else {
      i++;
    }
  }
  return frames;
}

/* From the src task: tells the application that a late frame was dropped,
 * with the standard QoS message. */
static void
gst_async_transform_post_qos_drop (GstAsyncTransform * self, GstAsyncJob * job)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstMessage *msg;

  GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
      " was late by %" GST_STIME_FORMAT ": dropped before work",
      job->frame.number, GST_TIME_ARGS (job->running_time),
      GST_STIME_ARGS (job->late_by));
  msg = gst_message_new_qos (GST_OBJECT (self), FALSE, job->running_time,
      job->stream_time, gst_async_transform_job_timestamp (job),
      GST_BUFFER_DURATION (job->frame.input));
  gst_message_set_qos_values (msg, job->late_by, job->proportion, 1000000);
  /* (only the src task changes dropped_qos) */
  gst_message_set_qos_stats (msg, GST_FORMAT_BUFFERS, job->processed_before,
      priv->dropped_qos + priv->batch_late);
  gst_element_post_message (GST_ELEMENT (self), msg);
}

/* Pushes one item. After downstream returned EOS, frames and events are
 * dropped until an EOS, segment or stream-start event, which still go
 * out, as queue does: the task keeps running so that the stream can end,
 * or start again. */
static GstFlowReturn
gst_async_transform_push_job (GstAsyncTransform * self, GstAsyncJob * job)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstFlowReturn ret = GST_FLOW_OK;

  if (job->event) {
    GstEventType type = GST_EVENT_TYPE (job->event);

    if (priv->discarding) {
      if (type == GST_EVENT_SEGMENT || type == GST_EVENT_STREAM_START) {
        priv->discarding = FALSE;
        priv->got_eos = FALSE;
      } else if (type != GST_EVENT_EOS) {
        /* Not pushed, but caps and tags stay the stream's. */
        if (GST_EVENT_IS_STICKY (job->event))
          gst_pad_store_sticky_event (priv->srcpad, job->event);
        return GST_FLOW_OK;
      }
    }
    if (!gst_pad_push_event (priv->srcpad, g_steal_pointer (&job->event)))
      GST_DEBUG_OBJECT (self, "downstream refused %s event",
          gst_event_type_get_name (type));
  } else if (job->ret != GST_FLOW_OK) {
    ret = job->ret;
  } else if (job->late && !priv->discarding) {
    priv->batch_late++;
    priv->discont = TRUE;
    gst_async_transform_post_qos_drop (self, job);
  } else if (job->frame.output && !priv->discarding) {
    GstClockTime through =
        (g_get_monotonic_time () - job->entered) * GST_USECOND;

    priv->batch_pushed++;
    priv->batch_through_sum += through;
    priv->batch_through_max = MAX (priv->batch_through_max, through);
    if (priv->discont) {
      job->frame.output = gst_buffer_make_writable (job->frame.output);
      GST_BUFFER_FLAG_SET (job->frame.output, GST_BUFFER_FLAG_DISCONT);
      priv->discont = FALSE;
    }
    ret = gst_pad_push (priv->srcpad, g_steal_pointer (&job->frame.output));
    if (ret == GST_FLOW_EOS) {
      GST_DEBUG_OBJECT (self, "downstream is EOS, dropping frames");
      priv->discarding = TRUE;
      priv->got_eos = TRUE;
      ret = GST_FLOW_OK;
    }
  } else {
    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " dropped",
        job->frame.number);
  }
  return ret;
}

/* Upstream waiting for space is woken once the window is half empty, so
 * it queues several frames per wake-up rather than one. */
static inline gboolean
gst_async_transform_space_low_locked (GstAsyncTransformPrivate * priv)
{
  return priv->in_flight <= priv->max_in_flight / 2
      || priv->flow != GST_FLOW_OK;
}

/* After pushing @frames frames collected in @generation and @epoch:
 * accounts for them and wakes upstream if it waits. */
static void
gst_async_transform_pushed_locked (GstAsyncTransform * self,
    guint generation, guint epoch, guint frames, GstFlowReturn ret)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  priv->pushing = FALSE;
  if (generation == priv->generation) {
    /* (a flush counted this batch's frames as dropped already) */
    priv->in_flight -= frames;
    priv->frames_out += priv->batch_pushed;
    priv->dropped_qos += priv->batch_late;
    priv->dropped_other += frames - priv->batch_pushed - priv->batch_late;
    priv->left += priv->batch_pushed;
    priv->through_sum += priv->batch_through_sum;
    priv->through_max = MAX (priv->through_max, priv->batch_through_max);
    if (ret != GST_FLOW_OK && priv->flow == GST_FLOW_OK)
      priv->flow = ret;
    /* Unless upstream started a new segment meanwhile. */
    if (priv->got_eos && epoch == priv->stream_epoch)
      priv->downstream_eos = TRUE;
  }
  priv->got_eos = FALSE;
  priv->batch_pushed = priv->batch_late = 0;
  priv->batch_through_sum = priv->batch_through_max = 0;
  if (priv->drain_waiters > 0 || (priv->space_waiters > 0
          && gst_async_transform_space_low_locked (priv)))
    g_cond_broadcast (&priv->space_cond);
}

/* A push of this batch failed: a sticky event after it (other than segment
 * and EOS) still belongs to the stream. Flushing: flush-stop stores it on
 * the src pad with the queued ones; otherwise it is stored now, to go out
 * before the next data. */
static void
gst_async_transform_keep_sticky (GstAsyncTransform * self, GstAsyncJob * job,
    GstFlowReturn ret)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstEvent *event = job->event;

  if (event == NULL || !GST_EVENT_IS_STICKY (event)
      || GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT
      || GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    return;
  if (ret == GST_FLOW_FLUSHING)
    g_queue_push_tail (&priv->unpushed_sticky, g_steal_pointer (&job->event));
  else
    gst_pad_store_sticky_event (priv->srcpad, event);
}

/* The src task: pushes what may leave, and with cheap work runs the
 * oldest waiting frame itself; sleeps only when there is nothing to do.
 * Returns (and pauses) when flushing, stopping, or after a downstream
 * error. */
static void
gst_async_transform_loop (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GPtrArray *batch = priv->batch;
  GstFlowReturn ret = GST_FLOW_OK;
  guint frames, generation, epoch, i;
  gboolean eos;

  g_mutex_lock (&priv->lock);
  while (priv->flow == GST_FLOW_OK) {
    GstAsyncJob *job = NULL;

    if (G_UNLIKELY (priv->latency_message_due)) {
      priv->latency_message_due = FALSE;
      g_mutex_unlock (&priv->lock);
      GST_DEBUG_OBJECT (self, "a frame took longer than the latency reported");
      gst_element_post_message (GST_ELEMENT (self),
          gst_message_new_latency (GST_OBJECT (self)));
      g_mutex_lock (&priv->lock);
      continue;
    }

    frames = gst_async_transform_collect_locked (self, batch);
    if (batch->len > 0) {
      generation = priv->generation;
      epoch = priv->stream_epoch;
      priv->pushing = TRUE;
      g_mutex_unlock (&priv->lock);

      for (i = 0; i < batch->len; i++) {
        job = g_ptr_array_index (batch, i);
        if (ret == GST_FLOW_OK)
          ret = gst_async_transform_push_job (self, job);
        else
          gst_async_transform_keep_sticky (self, job, ret);
        gst_async_transform_clear_job (job);
      }

      g_mutex_lock (&priv->lock);
      for (i = 0; i < batch->len; i++)
        gst_async_transform_recycle_job_locked (self,
            g_ptr_array_index (batch, i));
      g_ptr_array_set_size (batch, 0);
      gst_async_transform_pushed_locked (self, generation, epoch, frames, ret);
      continue;
    }

    if (!gst_queue_array_is_empty (priv->todo)) {
      gboolean skipped;

      if (gst_async_transform_work_is_cheap_locked (priv)) {
        job = gst_async_transform_take_job_locked (priv, &skipped);
        /* late frames were done without work: collect them */
        if (job == NULL && skipped)
          continue;
      } else if (gst_async_transform_can_start_locked (priv))
        /* The work turned expensive with frames queued while it was
         * cheap: nobody woke a worker for them yet. */
        gst_async_worker_pool_wake (priv->pool_member);
    }

    if (job && gst_queue_array_peek_head (priv->out) == job) {
      GstClockTime took;

      /* Nothing is ahead of it: run it and push it in one go. A flush
       * meanwhile cannot complete before this loop returns, and makes the
       * push fail. */
      gst_queue_array_pop_head (priv->out);
      generation = priv->generation;
      epoch = priv->stream_epoch;
      priv->pushing = TRUE;
      g_mutex_unlock (&priv->lock);

      took = gst_async_transform_run_job_timed (self, job);
      ret = gst_async_transform_push_job (self, job);
      gst_async_transform_clear_job (job);

      g_mutex_lock (&priv->lock);
      gst_async_transform_job_ran_locked (priv, job, took);
      gst_async_transform_recycle_job_locked (self, job);
      gst_async_transform_pushed_locked (self, generation, epoch, 1, ret);
    } else if (job) {
      gst_async_transform_run_job_locked (self, job);
    } else {
      priv->ready_waiters++;
      g_cond_wait (&priv->ready_cond, &priv->lock);
      priv->ready_waiters--;
    }
  }
  ret = priv->flow;
  eos = priv->eos;
  /* Paused with the lock held, so a reconfigure that restarts the task
   * after not-linked cannot slip in between and be undone. */
  gst_pad_pause_task (priv->srcpad);
  g_mutex_unlock (&priv->lock);

  GST_DEBUG_OBJECT (self, "paused task: %s", gst_flow_get_name (ret));
  /* Upstream already sent EOS, so it will not see this flow return and
   * report it: tell the application, and end the stream, as queue does. */
  if (eos && (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)) {
    GST_ELEMENT_FLOW_ERROR (self, ret);
    gst_pad_push_event (priv->srcpad, gst_event_new_eos ());
  }
}

static gboolean
gst_async_transform_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;

  if (active) {
    g_mutex_lock (&priv->lock);
    priv->flow = GST_FLOW_OK;
    priv->eos = FALSE;
    priv->downstream_eos = FALSE;
    priv->discarding = FALSE;
    g_mutex_unlock (&priv->lock);
    return gst_pad_start_task (pad,
        (GstTaskFunction) gst_async_transform_loop, self, NULL);
  }

  g_mutex_lock (&priv->lock);
  priv->flow = GST_FLOW_FLUSHING;
  g_cond_broadcast (&priv->space_cond);
  g_cond_broadcast (&priv->ready_cond);
  g_mutex_unlock (&priv->lock);
  return gst_pad_stop_task (pad);
}

static gboolean
gst_async_transform_default_src_event (GstAsyncTransform * self,
    GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstPad *pad = priv->srcpad;
  GstObject *parent = GST_OBJECT (self);

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS) {
    GstQOSType type;
    gdouble proportion;
    GstClockTimeDiff diff;
    GstClockTime timestamp;

    gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
    g_mutex_lock (&priv->lock);
    priv->proportion = proportion;
    if (GST_CLOCK_TIME_IS_VALID (priv->qos_stale_until)
        && GST_CLOCK_TIME_IS_VALID (timestamp)
        && timestamp <= priv->qos_stale_until)
      GST_LOG_OBJECT (self, "QoS from before the latency changed, ignored");
    else if (!GST_CLOCK_TIME_IS_VALID (timestamp))
      priv->earliest_time = GST_CLOCK_TIME_NONE;
    else if (diff > 0)
      /* Late: expect to stay late for a while, as GstVideoDecoder does,
       * so that dropping catches up rather than trails. */
      priv->earliest_time = timestamp + 2 * diff +
          (GST_CLOCK_TIME_IS_VALID (priv->frame_duration) ?
          priv->frame_duration : 0);
    else
      priv->earliest_time = MAX ((gint64) timestamp + diff, 0);
    g_mutex_unlock (&priv->lock);
    GST_LOG_OBJECT (self, "QoS: proportion %g, jitter %" GST_STIME_FORMAT
        " at %" GST_TIME_FORMAT, proportion, GST_STIME_ARGS (diff),
        GST_TIME_ARGS (timestamp));
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_RECONFIGURE) {
    gboolean restart;

    /* A newly linked downstream: try again after not-linked, as queue
     * does. */
    g_mutex_lock (&priv->lock);
    restart = priv->flow == GST_FLOW_NOT_LINKED;
    if (restart) {
      priv->flow = GST_FLOW_OK;
      gst_pad_start_task (pad, (GstTaskFunction) gst_async_transform_loop,
          parent, NULL);
    }
    g_mutex_unlock (&priv->lock);
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_async_transform_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);

  return GST_ASYNC_TRANSFORM_GET_CLASS (self)->src_event (self, event);
}

/* The latency this element adds, in ns, for a latency query that found
 * upstream @live or not. */
static GstClockTime
gst_async_transform_query_latency (GstAsyncTransform * self, gboolean live)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstClockTime latency;

  g_mutex_lock (&priv->lock);
  latency = gst_async_transform_measured_latency_locked (priv);
  if (latency != priv->latency_reported) {
    /* Downstream's QoS about the frames already inside was measured
     * against the old latency. */
    priv->qos_stale_until = priv->last_running_time;
    gst_async_transform_reset_qos_locked (priv);
  }
  priv->latency_reported = latency;
  priv->latency_message_sent = FALSE;
  priv->live = live;
  g_mutex_unlock (&priv->lock);
  return latency;
}

static gboolean
gst_async_transform_default_src_query (GstAsyncTransform * self,
    GstQuery * query)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstPad *pad = priv->srcpad;
  GstObject *parent = GST_OBJECT (self);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      GstClockTime min, max, ours;
      gboolean live;

      if (!gst_pad_peer_query (priv->sinkpad, query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);
      ours = gst_async_transform_query_latency (self, live);
      min += ours;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += ours;
      GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " of latency",
          GST_TIME_ARGS (ours));
      gst_query_set_latency (query, live, min, max);
      return TRUE;
    }
    case GST_QUERY_CAPS:
      return gst_async_transform_answer_caps_query (self, pad, query);
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_async_transform_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);

  return GST_ASYNC_TRANSFORM_GET_CLASS (self)->src_query (self, query);
}

/**
 * gst_async_transform_set_output_caps:
 * @self: a #GstAsyncTransform
 * @caps: (transfer none): fixed caps
 *
 * Sets the output caps from the upstream streaming thread, typically from
 * #GstAsyncTransformClass.parse once a decoder has read a header (with a
 * #GstAsyncTransformClass.negotiate that leaves the output caps open).
 * Every frame submitted before leaves first, with the old caps; then the
 * caps event goes out, #GstAsyncTransformClass.decide_allocation runs, and
 * frames submitted after leave with @caps. Equal caps cost a comparison, so
 * calling this for every frame is fine, and finishes what a flush may have
 * interrupted. Never call it from #GstAsyncTransformClass.process.
 *
 * Returns: %TRUE if the caps event was queued.
 *
 * Since: 1.0
 */
gboolean
gst_async_transform_set_output_caps (GstAsyncTransform * self, GstCaps * caps)
{
  GstAsyncTransformPrivate *priv;
  gboolean same;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), FALSE);
  g_return_val_if_fail (GST_IS_CAPS (caps) && gst_caps_is_fixed (caps), FALSE);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  same = priv->outcaps && gst_caps_is_equal (priv->outcaps, caps);
  g_mutex_unlock (&priv->lock);
  if (same && priv->allocation_pending) {
    /* A flush interrupted it last time. */
    priv->allocation_pending =
        !gst_async_transform_decide_allocation (self, caps);
    return !priv->allocation_pending;
  }
  if (same)
    return TRUE;

  /* Frames made for the old caps leave first: process () of later frames
   * may rely on state the subclass changes along with the caps. */
  if (gst_async_transform_wait_drained (self) != GST_FLOW_OK)
    return FALSE;
  return gst_async_transform_use_output_caps (self, caps);
}

/* --- caps defaults ------------------------------------------------------- */

static GstCaps *
gst_async_transform_default_transform_caps (GstAsyncTransform * self,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  if (filter)
    return gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
  return gst_caps_ref (caps);
}

static GstCaps *
gst_async_transform_default_fixate_caps (GstAsyncTransform * self,
    GstPadDirection direction, GstCaps * caps, GstCaps * othercaps)
{
  /* Prefer the caps we came with when the other side allows them. */
  if (gst_caps_can_intersect (caps, othercaps)) {
    GstCaps *same = gst_caps_intersect (caps, othercaps);

    if (gst_caps_is_fixed (same)) {
      gst_caps_unref (othercaps);
      return same;
    }
    gst_caps_unref (same);
  }
  return gst_caps_fixate (othercaps);
}

/* --- state changes ------------------------------------------------------- */

static GstStateChangeReturn
gst_async_transform_change_state (GstElement * element,
    GstStateChange transition)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (element);
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (klass->start && !klass->start (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      g_mutex_lock (&priv->lock);
      priv->next_number = 0;
      priv->frames_in = priv->frames_out = 0;
      priv->dropped_leaky = priv->dropped_qos = priv->dropped_other = 0;
      priv->discont = FALSE;
      gst_segment_init (&priv->segment, GST_FORMAT_UNDEFINED);
      gst_async_transform_new_timeline_locked (priv);
      priv->in_flight_max = 0;
      priv->processed = priv->left = 0;
      priv->process_min = priv->process_max = priv->process_sum = 0;
      priv->through_max = priv->through_sum = 0;
      priv->awaiting_output_caps = FALSE;
      /* As GstBaseTransform: data without caps passes only through an
       * element that needs no set_caps. */
      priv->negotiated = klass->set_caps == NULL;
      priv->frame_duration = GST_CLOCK_TIME_NONE;
      priv->duration_from_caps = FALSE;
      priv->delay_max = priv->latency_reported = 0;
      priv->live = FALSE;
      priv->latency_message_due = priv->latency_message_sent = FALSE;
      g_mutex_unlock (&priv->lock);
      gst_async_transform_start_workers (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE
      && transition != GST_STATE_CHANGE_READY_TO_PAUSED)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (ret != GST_STATE_CHANGE_FAILURE)
        break;
      /* failed: undo the workers */
      /* FALLTHROUGH */
    case GST_STATE_CHANGE_PAUSED_TO_READY:{
      GPtrArray *dropped = g_ptr_array_new ();
      GstCaps *incaps, *outcaps;

      /* The pads are inactive: the task has stopped and no chain runs. */
      gst_async_transform_stop_workers (self);
      g_mutex_lock (&priv->lock);
      gst_async_transform_drop_all_locked (self, dropped);
      incaps = g_steal_pointer (&priv->incaps);
      outcaps = g_steal_pointer (&priv->outcaps);
      g_mutex_unlock (&priv->lock);
      gst_clear_caps (&incaps);
      gst_clear_caps (&outcaps);
      gst_async_transform_free_dropped (self, dropped, FALSE);
      g_queue_clear_full (&priv->unpushed_sticky,
          (GDestroyNotify) gst_event_unref);
      g_ptr_array_unref (dropped);
      gst_async_transform_drop_contexts (self);
      if (klass->flush)
        klass->flush (self);
      break;
    }
    case GST_STATE_CHANGE_READY_TO_NULL:
      if (klass->stop && !klass->stop (self))
        ret = GST_STATE_CHANGE_FAILURE;
      break;
    default:
      break;
  }
  return ret;
}
