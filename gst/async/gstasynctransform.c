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
 * (format-changing elements), #GstAsyncTransformClass.negotiate and
 * #GstAsyncTransformClass.parse (decoders, which frame their input in order
 * and learn their output caps from it) and
 * #GstAsyncTransformClass.create_context (exclusive per-worker state, such
 * as a codec instance). The subclass never locks: the base class guarantees
 * that a context is used by one frame at a time, and that fields set in
 * #GstAsyncTransformClass.set_caps are not read by a frame meanwhile.
 *
 * What a frame's work says reaches the pipeline in the frame's turn: an
 * error message posted from #GstAsyncTransformClass.process is posted when
 * every frame before it has left, events added with
 * gst_async_frame_add_event() leave just before it, and
 * GST_ASYNC_TRANSFORM_FRAME_ERROR() counts errors in a row in frame order.
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
 * gst_async_transform_pool_run () once the element woke it. The src task
 * runs on the same pool's threads (its GstTaskPool, gstasynctaskpool.c):
 * it ends its loop when it has nothing to do ("parks", giving the thread
 * back) and what makes an item ready starts it again (wake_task_locked ());
 * for frames that come fast it lingers a moment first, and for frames that
 * come slowly with cheap work upstream's thread runs its steps itself
 * instead of waking it ("inline", as identity would push).
 *
 * Locks, in the order they may be taken (a thread holding one never takes
 * one above it):
 *  1. the pads' stream locks (GStreamer's): the sink pad's is held by
 *     upstream around chain and serialized events, the src pad's by the
 *     src task around each loop;
 *  2. priv->lock: every field of GstAsyncTransformPrivate not marked
 *     otherwise (gstasynctransformprivate.h groups the fields by guard);
 *  3. the worker pool's lock (gstasyncworkerpool.c), taken inside
 *     priv->lock only to wake the pool.
 * Apart from these, priv->stats_timer_lock guards the periodic stats
 * message (stats-interval): taken with no other lock of ours, before the
 * system clock's own, to schedule its timer; the timer's tick runs on the
 * clock's thread and takes priv->lock alone.
 * Nothing that calls out of the element (pad pushes, events, queries,
 * messages, the subclass's vfuncs, buffer and context frees) runs with
 * priv->lock held. The one exception, as in queue: the src task stops
 * itself, and what restarts it (a frame ready, a reconfigure, a
 * flush-stop) starts it, with priv->lock held, so that the two cannot
 * cross. GstTask's own lock is a leaf, the pool's lock nests inside
 * priv->lock, and the only wait is gst_task_join () on a task that left
 * its loop: the few instructions of GstTask after it (start_task_locked
 * ()), which take none of our locks.
 *
 * Items (frame jobs and serialized events) live in the lists of priv->jobs
 * (gstasynctransformjobs.c), which say when each may leave. Two conds:
 *  - space: something left the element (chain waits for a free slot in the
 *    window, drain waits for every item to leave and every process () call
 *    to end);
 *  - linger: an item may leave, while the src task lingers before it
 *    parks (a parked task is started instead).
 * Each cond has a waiter count so the hot path only signals when somebody
 * waits. Every wait is a loop that re-checks its condition and priv->flow,
 * which is GST_FLOW_FLUSHING while flushing or inactive, and which carries
 * the last downstream flow return otherwise. The task is parked, started
 * and stopped with priv->lock held, so that "parked" and "something to
 * do" are decided together (no wake-up is lost).
 *
 * A flush or a stop bumps priv->flush_count. A worker still running a job
 * that came before it finishes it and throws the result away; the job is no
 * longer in the lists, so it can never be pushed. The subclass's unlock
 * makes such work end early, and flush-stop waits for it to end, so that
 * flush () and the first frame after the flush find every worker free.
 *
 * At most n-workers frames are processed at once (priv->busy_workers). When
 * the work is cheap (see CHEAP_WORK) the src task takes one of those slots
 * and runs frames itself instead of waking a worker. Frames stay in
 * the lists while they run, and leave only from there, in their turn:
 * nobody waits for a frame left pending (gstasynctransformrun.c).
 *
 * A buffer's path, in named steps:
 *   chain () -> submit_full () -> queue_frame_locked () (waits for room,
 *     appends the job to out and todo) -> announce_locked ();
 *   a worker: pool_take () -> pool_run (), or the src task, with cheap
 *     work: take_run_locked () -> run_locked () -> run_call () (calls
 *     process (), or process_batch () on a batch) -> work_over_locked ()
 *     -> mark_done_locked ();
 *   the src task: loop () -> step_locked () -> collect_locked () (the
 *     done items at the head of out) -> push_batch_locked () ->
 *     push_frame () -> gst_pad_push () -> account_locked () (the window
 *     has room again); or, from chain (), run_inline () -> step_locked ().
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#include <glib/gi18n-lib.h>


GST_DEBUG_CATEGORY (gst_async_transform_debug);

/* The element whose chain this thread is in (its private struct). */
G_GNUC_INTERNAL GPrivate gst_async_transform_in_chain;
#define GST_CAT_DEFAULT gst_async_transform_debug

#define DEFAULT_N_WORKERS 0
#define DEFAULT_MAX_IN_FLIGHT 0
#define DEFAULT_MAX_SIZE_BYTES 0
#define DEFAULT_MAX_SIZE_TIME 0
#define DEFAULT_ORDERED TRUE
#define DEFAULT_LATENCY -1
#define DEFAULT_MAX_LATENCY 0
#define DEFAULT_STATS_INTERVAL 0
/* (a day: the clock's times are signed, and now + the interval must fit) */
#define MAX_STATS_INTERVAL (G_GUINT64_CONSTANT (86400) * GST_SECOND)
#define DEFAULT_LEAKY GST_ASYNC_TRANSFORM_LEAKY_NO
#define DEFAULT_QOS TRUE
#define DEFAULT_WORKER_GROUP ""
#define DEFAULT_MAX_ERRORS -1


enum
{
  PROP_0,
  PROP_N_WORKERS,
  PROP_MAX_IN_FLIGHT,
  PROP_MAX_SIZE_BYTES,
  PROP_MAX_SIZE_TIME,
  PROP_ORDERED,
  PROP_LATENCY,
  PROP_MAX_LATENCY,
  PROP_LEAKY,
  PROP_QOS,
  PROP_WORKER_GROUP,
  PROP_STATS,
  PROP_STATS_INTERVAL,
};

GType
gst_async_transform_leaky_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_ASYNC_TRANSFORM_LEAKY_NO, "Not leaky: upstream waits", "no"},
    {GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM, "Drop the new frame", "upstream"},
    {GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM,
        "Drop the oldest frame not being processed or pushed", "downstream"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAsyncTransformLeaky", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_async_transform_role_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_ASYNC_TRANSFORM_ROLE_FILTER, "A filter", "filter"},
    {GST_ASYNC_TRANSFORM_ROLE_ENCODER, "An encoder", "encoder"},
    {GST_ASYNC_TRANSFORM_ROLE_DECODER, "A decoder", "decoder"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAsyncTransformRole", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_async_transform_copy_get_type (void)
{
  static gsize type = 0;
  static const GFlagsValue values[] = {
    {GST_ASYNC_TRANSFORM_COPY_TIMESTAMPS, "PTS, DTS and duration",
        "timestamps"},
    {GST_ASYNC_TRANSFORM_COPY_OFFSETS, "Offsets", "offsets"},
    {GST_ASYNC_TRANSFORM_COPY_FLAGS, "Buffer flags", "flags"},
    {GST_ASYNC_TRANSFORM_COPY_METAS, "Metas", "metas"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_flags_register_static ("GstAsyncTransformCopy", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstElementClass *parent_class = NULL;
gint _gst_async_transform_private_offset = 0;

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

    _gst_async_transform_private_offset = g_type_add_instance_private (t,
        sizeof (GstAsyncTransformPrivate));
#ifdef ENABLE_NLS
    /* The library's messages are in the plugins' text domain, which an
     * element of another project on the library would not have bound.
     * Here, it is bound as a plugin registers its elements. */
    bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
    g_once_init_leave (&type, t);
  }
  return type;
}

static void gst_async_transform_dispose (GObject * object);
static void gst_async_transform_finalize (GObject * object);
static void gst_async_transform_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_async_transform_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_async_transform_change_state (GstElement *
    element, GstStateChange transition);
static gboolean gst_async_transform_post_message (GstElement * element,
    GstMessage * message);

static GstFlowReturn gst_async_transform_chain (GstPad * pad,
    GstObject * parent, GstBuffer * buffer);
static GstFlowReturn gst_async_transform_chain_list (GstPad * pad,
    GstObject * parent, GstBufferList * list);
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
static GstFlowReturn gst_async_transform_default_parse (GstAsyncTransform *
    self, GstBuffer * buffer);
static gboolean gst_async_transform_src_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static gboolean gst_async_transform_sink_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static void gst_async_transform_loop (GstAsyncTransform * self);
static void gst_async_transform_configure_task (GstAsyncTransform * self,
    GstTask * task);
static void gst_async_transform_post_task_status (GstAsyncTransform * self,
    GstTask * task, GstStreamStatusType type);
static void gst_async_transform_stop_task_and_wait (GstAsyncTransform * self);
static void gst_async_transform_run_inline (GstAsyncTransform * self);

static void
gst_async_transform_class_init (GstAsyncTransformClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_async_transform_debug, "asynctransform", 0,
      "Concurrent transform base class");
  parent_class = g_type_class_peek_parent (klass);
  g_type_class_adjust_private_offset (klass,
      &_gst_async_transform_private_offset);

  gobject_class->dispose = gst_async_transform_dispose;
  gobject_class->finalize = gst_async_transform_finalize;
  gobject_class->set_property = gst_async_transform_set_property;
  gobject_class->get_property = gst_async_transform_get_property;

  /**
   * GstAsyncTransform:n-workers:
   *
   * Worker threads of this element; 0 uses one per CPU core. Changing it
   * above READY is refused with a warning.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_N_WORKERS,
      g_param_spec_uint ("n-workers", "Workers",
          "Worker threads (0 = one per CPU core)", 0, MAX_N_WORKERS,
          DEFAULT_N_WORKERS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstAsyncTransform:max-in-flight:
   *
   * Frames accepted but not yet pushed downstream; upstream waits while the
   * element holds this many. 0 sizes the window from the measured work:
   * about 1 ms of it across the workers (window × time per frame ÷
   * workers), never fewer than twice the workers (every worker busy, one
   * frame waiting each) nor more than 256 frames, and beyond twice the
   * workers at most 10 MB. With cheap work upstream and the src task then
   * pass many frames per wake-up, as through a queue, and with real work
   * the window is twice the workers. The window now is in
   * #GstAsyncTransform:stats.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_IN_FLIGHT,
      g_param_spec_uint ("max-in-flight", "Max in flight",
          "Max. number of frames inside (0 = automatic)",
          0, MAX_WINDOW, DEFAULT_MAX_IN_FLIGHT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:max-size-bytes:
   *
   * Bytes of input frames accepted but not yet pushed downstream: upstream
   * waits (or, leaky, a frame is dropped) once the element holds this
   * many, whatever #GstAsyncTransform:max-in-flight allows, as queue's
   * max-size-bytes. A frame larger than the limit still gets in when the
   * element is empty. 0 sets no limit of its own; the automatic window
   * (max-in-flight=0) always stops at 10 MB beyond twice the workers.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_SIZE_BYTES,
      g_param_spec_uint64 ("max-size-bytes", "Max. size (bytes)",
          "Max. bytes of input frames inside (0 = no limit)", 0, G_MAXUINT64,
          DEFAULT_MAX_SIZE_BYTES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:max-size-time:
   *
   * Time of input frames accepted but not yet pushed downstream, in
   * nanoseconds: the sum of their durations (a frame without one counts
   * the frame rate's duration, or nothing); upstream waits (or, leaky, a
   * frame is dropped) once the element holds this much, as queue's
   * max-size-time. 0 sets no limit.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_SIZE_TIME,
      g_param_spec_uint64 ("max-size-time", "Max. size (ns)",
          "Max. time of input frames inside, in ns (0 = no limit)", 0,
          G_MAXUINT64, DEFAULT_MAX_SIZE_TIME, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

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
          "Push frames in input order (false = as soon as each is done)",
          DEFAULT_ORDERED,
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
          "Latency to report, in nanoseconds (-1 = as measured)", -1,
          G_MAXINT64,
          DEFAULT_LATENCY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:max-latency:
   *
   * The most this element may add to a frame's latency, in nanoseconds; 0
   * sets no budget. Frames must be done within it, from entering the
   * element to the end of their work: the window (whatever
   * #GstAsyncTransform:max-in-flight makes it) narrows until they are,
   * with frames left out waiting upstream or following
   * #GstAsyncTransform:leaky, as when the window is full; a partial batch
   * waits no longer than leaves time for its work. The latency query
   * reports no more than the budget (an explicit
   * #GstAsyncTransform:latency is reported as it is). The budget never
   * narrows the window below 2 x workers x batch size; work that takes
   * longer than the budget even then gets a warning, once, and the
   * latency it really takes reported.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_LATENCY,
      g_param_spec_uint64 ("max-latency", "Max. latency",
          "Most latency the element may add, in ns (0 = no budget)", 0,
          G_MAXUINT64, DEFAULT_MAX_LATENCY, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:leaky:
   *
   * What happens to a frame that finds the element full, as with queue:
   * upstream waits (no), the new frame is dropped (upstream), or it
   * replaces the oldest frame that no thread is processing or pushing, or
   * is dropped itself when there is none (downstream). A leaky element
   * never makes upstream wait; the buffer after a dropped frame is marked
   * DISCONT.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_LEAKY,
      g_param_spec_enum ("leaky", "Leaky",
          "Where frames are dropped when the element is full, if at all",
          GST_TYPE_ASYNC_TRANSFORM_LEAKY, DEFAULT_LEAKY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncTransform:qos:
   *
   * Drop frames that downstream's QoS events show to be late before any
   * work is spent on them: a frame is dropped when it arrives or when a
   * worker would start it, if the time left until it is due downstream is
   * less than the measured process time. Every drop posts a QoS message,
   * and the next buffer pushed is marked DISCONT. No gap event takes a
   * dropped frame's place, as with #GstVideoDecoder and #GstBaseTransform.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_boolean ("qos", "QoS",
          "Drop frames that QoS shows to be late before working on them",
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
   * goes away with its last element. Changing it above READY is refused
   * with a warning.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_WORKER_GROUP,
      g_param_spec_string ("worker-group", "Worker group",
          "Name of a pool of workers shared with other elements "
          "(empty = its own workers)",
          DEFAULT_WORKER_GROUP, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstAsyncTransform:stats:
   *
   * Counters since the element went to PAUSED, readable at any time from
   * any thread: frames-in, frames-out, dropped-leaky, dropped-qos,
   * dropped-errors (frame errors that were warnings), dropped-other (by the
   * subclass, a flush, an error, or after EOS), frames-processed,
   * in-flight and in-flight-max (frames), window (frames: the
   * #GstAsyncTransform:max-in-flight in effect), process-time-min/mean/max,
   * time-waiting-mean/max (from entering to the start of the work: the
   * wait for a worker, in a #GstAsyncTransform:worker-group the stream's
   * share of the group) and
   * time-through-mean/max (ns; 18446744073709551615, that is
   * %GST_CLOCK_TIME_NONE, until the first frame was measured), workers,
   * and latency (ns, what a latency query gets now). frames-in always
   * equals frames-out + all dropped + in-flight, and every counter is
   * final before EOS leaves the element.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frame counters, frames in flight and times since PAUSED "
          "(ns; 18446744073709551615 = none yet)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstAsyncTransform:stats-interval:
   *
   * Posts #GstAsyncTransform:stats as an element message (a structure
   * named GstAsyncTransformStats) this often, in nanoseconds (at least
   * 1 ms, at most a day), from PAUSED on, so that an application or
   * `gst-launch-1.0 -m` sees them without polling. 0 posts none. A
   * change applies at once: the next message comes one interval later.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_uint64 ("stats-interval", "Stats interval",
          "Post the stats as an element message this often, in ns "
          "(0 = never, at least 1 ms)", 0, MAX_STATS_INTERVAL,
          DEFAULT_STATS_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_async_transform_change_state);
  element_class->post_message =
      GST_DEBUG_FUNCPTR (gst_async_transform_post_message);

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
  klass->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_async_transform_default_decide_allocation);

  gst_type_mark_as_plugin_api (GST_TYPE_ASYNC_TRANSFORM_LEAKY, 0);
}

static void
gst_async_transform_init (GstAsyncTransform * self,
    GstAsyncTransformClass * klass)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstPadTemplate *templ;

  g_mutex_init (&priv->lock);
  g_mutex_init (&priv->stats_timer_lock);
  g_cond_init (&priv->space_cond);
  g_cond_init (&priv->linger_cond);

  gst_async_jobs_init (&priv->jobs);
  priv->free_contexts = gst_queue_array_new (8);
  priv->lent_contexts = g_hash_table_new (NULL, NULL);
  priv->task.batch = g_ptr_array_new ();
  priv->task.run = g_ptr_array_new ();
  priv->task.tally.last_end = priv->task.tally.last_start = GST_CLOCK_TIME_NONE;
  g_queue_init (&priv->task.before_caps);
  g_queue_init (&priv->held_events);

  priv->flow = GST_FLOW_FLUSHING;
  priv->batches = klass->process_batch != NULL;
  priv->batch_size_setting = priv->batch_size = 1;
  priv->n_workers_setting = DEFAULT_N_WORKERS;
  priv->max_in_flight_setting = DEFAULT_MAX_IN_FLIGHT;
  priv->jobs.ordered = DEFAULT_ORDERED;
  priv->latency_setting = DEFAULT_LATENCY;
  priv->leaky = DEFAULT_LEAKY;
  priv->qos_enabled = DEFAULT_QOS;
  priv->worker_group = g_strdup (DEFAULT_WORKER_GROUP);
  priv->max_errors = DEFAULT_MAX_ERRORS;
  priv->copy = GST_ASYNC_TRANSFORM_COPY_ALL;
  priv->qos.frame_duration = GST_CLOCK_TIME_NONE;
  gst_allocation_params_init (&priv->params);

  templ = gst_element_class_get_pad_template (element_class,
      GST_ASYNC_TRANSFORM_SINK_NAME);
  g_return_if_fail (templ != NULL);
  priv->sinkpad = gst_pad_new_from_template (templ,
      GST_ASYNC_TRANSFORM_SINK_NAME);
  gst_pad_set_chain_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_chain));
  gst_pad_set_chain_list_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_async_transform_chain_list));
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

/* An element may be dropped without ever reaching PAUSED after a caps
 * query made it lend a context (or after READY->NULL was skipped): free
 * what it still holds while the subclass can still free it. */
static void
gst_async_transform_dispose (GObject * object)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (object);

  gst_async_transform_drop_contexts (self);
  gst_async_transform_clear_allocation (self);
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_async_transform_finalize (GObject * object)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (GST_ASYNC_TRANSFORM (object));

  /* (PAUSED->READY took every item out, and stopped the stats timer) */
  g_assert (priv->stats_timer == NULL);
  /* (the src pad's deactivation let go of the task) */
  g_assert (priv->src_task == NULL);
  gst_async_jobs_free (&priv->jobs);
  gst_queue_array_free (priv->free_contexts);
  g_hash_table_unref (priv->lent_contexts);
  g_free (priv->worker_group);
  g_ptr_array_unref (priv->task.batch);
  g_ptr_array_unref (priv->task.run);
  g_queue_clear_full (&priv->task.before_caps,
      (GDestroyNotify) gst_event_unref);
  g_queue_clear_full (&priv->held_events, (GDestroyNotify) gst_event_unref);
  gst_clear_caps (&priv->incaps);
  gst_clear_caps (&priv->outcaps);
  gst_clear_tag_list (&priv->upstream_tags);
  gst_clear_tag_list (&priv->subclass_tags);

  g_mutex_clear (&priv->lock);
  g_mutex_clear (&priv->stats_timer_lock);
  g_cond_clear (&priv->space_cond);
  g_cond_clear (&priv->linger_cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}


static void
gst_async_transform_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (object);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gboolean latency_changed = FALSE, resize_pool = FALSE, refused = FALSE;

  /* (its own lock: the timer is rescheduled under it) */
  if (prop_id == PROP_STATS_INTERVAL) {
    gst_async_transform_set_stats_interval (self, g_value_get_uint64 (value));
    return;
  }
  g_mutex_lock (&priv->lock);
  switch (prop_id) {
    case PROP_N_WORKERS:
      /* Takes effect on READY->PAUSED: refused while the element runs,
       * rather than accepted and silently not applied. */
      refused = priv->running;
      if (!refused)
        priv->n_workers_setting = g_value_get_uint (value);
      break;
    case PROP_MAX_IN_FLIGHT:
      priv->max_in_flight_setting = g_value_get_uint (value);
      /* Applies at once when the workers run: a larger window frees
       * upstream, and the output pool is sized again for it. */
      if (priv->running) {
        gst_async_transform_update_window_locked (priv);
        g_cond_broadcast (&priv->space_cond);
        resize_pool = priv->pool != NULL;
      }
      break;
    case PROP_MAX_SIZE_BYTES:
      priv->max_size_bytes = g_value_get_uint64 (value);
      /* a larger limit frees upstream */
      g_cond_broadcast (&priv->space_cond);
      break;
    case PROP_MAX_SIZE_TIME:
      priv->max_size_time = g_value_get_uint64 (value);
      g_cond_broadcast (&priv->space_cond);
      break;
    case PROP_ORDERED:
      gst_async_jobs_set_ordered_locked (&priv->jobs,
          g_value_get_boolean (value));
      /* (frames done out of order may leave now) */
      gst_async_transform_wake_task_locked (priv);
      break;
    case PROP_LATENCY:
      priv->latency_setting = g_value_get_int64 (value);
      latency_changed = TRUE;
      break;
    case PROP_MAX_LATENCY:
      gst_async_transform_set_max_latency_locked (priv,
          g_value_get_uint64 (value));
      latency_changed = TRUE;
      break;
    case PROP_LEAKY:
      priv->leaky = g_value_get_enum (value);
      /* A waiting upstream may drop instead now. */
      g_cond_broadcast (&priv->space_cond);
      break;
    case PROP_QOS:
      priv->qos_enabled = g_value_get_boolean (value);
      break;
    case PROP_WORKER_GROUP:
      refused = priv->running;
      if (!refused) {
        g_free (priv->worker_group);
        priv->worker_group = g_value_dup_string (value);
        if (priv->worker_group == NULL)
          priv->worker_group = g_strdup ("");
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  gst_async_transform_unlock_and_wake (priv);

  if (refused)
    g_warning ("%s: %s can only be changed in the NULL or READY state; "
        "the new value was ignored", GST_OBJECT_NAME (self), pspec->name);
  if (latency_changed)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  if (resize_pool)
    gst_pad_mark_reconfigure (priv->srcpad);
}

static void
gst_async_transform_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (GST_ASYNC_TRANSFORM (object));

  if (prop_id == PROP_STATS_INTERVAL) {
    g_value_set_uint64 (value,
        gst_async_transform_get_stats_interval (GST_ASYNC_TRANSFORM (object)));
    return;
  }
  g_mutex_lock (&priv->lock);
  switch (prop_id) {
    case PROP_N_WORKERS:
      g_value_set_uint (value, priv->n_workers_setting);
      break;
    case PROP_MAX_IN_FLIGHT:
      g_value_set_uint (value, priv->max_in_flight_setting);
      break;
    case PROP_MAX_SIZE_BYTES:
      g_value_set_uint64 (value, priv->max_size_bytes);
      break;
    case PROP_MAX_SIZE_TIME:
      g_value_set_uint64 (value, priv->max_size_time);
      break;
    case PROP_ORDERED:
      g_value_set_boolean (value, priv->jobs.ordered);
      break;
    case PROP_LATENCY:
      g_value_set_int64 (value, priv->latency_setting);
      break;
    case PROP_MAX_LATENCY:
      g_value_set_uint64 (value, priv->window.max_latency);
      break;
    case PROP_LEAKY:
      g_value_set_enum (value, priv->leaky);
      break;
    case PROP_QOS:
      g_value_set_boolean (value, priv->qos_enabled);
      break;
    case PROP_WORKER_GROUP:
      g_value_set_string (value, priv->worker_group);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_async_transform_stats_locked (priv));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  gst_async_transform_unlock_and_wake (priv);
}

/* --- dropping what is inside -------------------------------------------- */

/* Takes every item out of the element, except jobs a worker is running (the
 * worker throws those away when it sees the bumped flush_count) and pending
 * ones (their finish_frame () does). The taken items are moved to
 * @dropped, oldest first, to be cleared without the lock. The src task is
 * paused, or inside one of its own pushes (a flush from a pad probe): the
 * items a failed push left in its batch go too, unless it is pushing
 * them. */
static void
gst_async_transform_drop_all_locked (GstAsyncTransformPrivate * priv,
    GPtrArray * dropped)
{
  GstAsyncJob *job;
  GstEvent *event;

  g_atomic_int_inc (&priv->flush_count);
  /* (frames still in work are stale now, and count no more: a pending one
   * the subclass forgets would otherwise count for good) */
  priv->in_work = 0;
  if (!priv->pushing) {
    g_ptr_array_extend (dropped, priv->task.batch, NULL, NULL);
    g_ptr_array_set_size (priv->task.batch, 0);
  }
  /* Held events go too; their sticky ones other than segment are kept
   * like the queued ones (their type comes after caps, so storing them
   * before caps is in order). */
  while ((event = g_queue_pop_head (&priv->held_events))) {
    job = gst_async_jobs_new_job_locked (&priv->jobs);
    job->event = event;
    g_ptr_array_add (dropped, job);
  }
  gst_async_jobs_take_all_locked (&priv->jobs, dropped);
  priv->stats.dropped_other += priv->in_flight;
  priv->in_flight = 0;
  priv->bytes_in_flight = 0;
  priv->time_in_flight = 0;
  g_cond_broadcast (&priv->space_cond);
}

/* A sticky event that was not pushed still belongs to the stream: stored
 * on the src pad, to go out before the next data. Not segment nor EOS,
 * which do not outlive a flush. */
static void
gst_async_transform_keep_sticky (GstAsyncTransformPrivate * priv,
    GstEvent * event)
{
  if (GST_EVENT_IS_STICKY (event)
      && GST_EVENT_TYPE (event) != GST_EVENT_SEGMENT
      && GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    gst_pad_store_sticky_event (priv->srcpad, event);
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

    if (keep_sticky) {
      GList *l;

      for (l = job->events.head; l; l = l->next)
        gst_async_transform_keep_sticky (priv, l->data);
      if (job->event)
        gst_async_transform_keep_sticky (priv, job->event);
    }
    gst_async_transform_clear_job (job);
  }
  g_mutex_lock (&priv->lock);
  for (i = 0; i < dropped->len; i++)
    gst_async_jobs_recycle_locked (&priv->jobs, g_ptr_array_index (dropped, i));
  gst_async_transform_unlock_and_wake (priv);
  g_ptr_array_set_size (dropped, 0);
}

/* GstElement.post_message: error messages from process () wait for their
 * frame's turn (gstasynctransformrun.c). */
static gboolean
gst_async_transform_post_message (GstElement * element, GstMessage * message)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (element);

  if (gst_async_transform_hold_error_message (self, message))
    return TRUE;
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_STREAM_STATUS
      && GST_MESSAGE_SRC (message) == GST_OBJECT (GET_PRIV (self)->srcpad)) {
    GstStreamStatusType type;
    const GValue *value;

    gst_message_parse_stream_status (message, &type, NULL);
    value = gst_message_get_stream_status_object (message);
    if (type == GST_STREAM_STATUS_TYPE_CREATE && value
        && G_VALUE_HOLDS (value, GST_TYPE_TASK))
      gst_async_transform_configure_task (self, g_value_get_object (value));
  }
  return parent_class->post_message (element, message);
}

/* Posts STREAM_STATUS @type for the src pad's @task, as the pad would. */
static void
gst_async_transform_post_task_status (GstAsyncTransform * self,
    GstTask * task, GstStreamStatusType type)
{
  GstMessage *message;
  GValue value = G_VALUE_INIT;

  message = gst_message_new_stream_status (GST_OBJECT (GET_PRIV (self)->srcpad),
      type, GST_ELEMENT (self));
  g_value_init (&value, GST_TYPE_TASK);
  g_value_set_object (&value, task);
  gst_message_set_stream_status_object (message, &value);
  g_value_unset (&value);
  gst_element_post_message (GST_ELEMENT (self), message);
}

/* --- the element's lifecycle helpers -------------------------------------- */

/* Flushing, stopping or a pad deactivated: a chain waiting for space lets
 * its stream lock go, and the src task returns. */
static void
gst_async_transform_set_flushing_locked (GstAsyncTransformPrivate * priv)
{
  priv->flow = GST_FLOW_FLUSHING;
  g_cond_broadcast (&priv->space_cond);
  g_cond_broadcast (&priv->linger_cond);
}

/* Data flows again: the src task, stopped by a flush or a downstream
 * error, starts over. */
static void
gst_async_transform_restart_task_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  priv->flow = GST_FLOW_OK;
  gst_async_transform_start_task_locked (priv);
}

/* After a flush, or a stop that failed: once every process () call the
 * unlock interrupted has returned, frames may flow again. Not on a src pad
 * deactivated meanwhile, as queue: its task would never be stopped
 * again. */
static void
gst_async_transform_resume (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  gst_async_transform_unlock_stop (self);
  g_mutex_lock (&priv->lock);
  if (gst_pad_is_active (priv->srcpad))
    gst_async_transform_restart_task_locked (self);
  else
    GST_DEBUG_OBJECT (self, "src pad inactive: not restarting the task");
  gst_async_transform_unlock_and_wake (priv);
}

/* --- sink side: frames --------------------------------------------------- */

/* For leaky=downstream: takes the oldest frame that may be dropped out of
 * the window, or NULL when every frame inside is being processed or
 * pushed. */
static GstAsyncJob *
gst_async_transform_steal_oldest_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncJob *job = gst_async_jobs_steal_oldest_locked (&priv->jobs);

  if (job == NULL)
    return NULL;
  priv->in_flight--;
  priv->bytes_in_flight -= job->size;
  priv->time_in_flight -= job->duration;
  /* What was behind it may be able to leave now. */
  gst_async_transform_wake_task_locked (priv);
  return job;
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

/* Takes the element lock on the hot paths (a frame in, a batch out): the
 * other side holds it for a few µs at a time, so spinning a little first
 * avoids sleeping in the kernel (a context switch each time) when the two
 * sides meet, as glibc's adaptive mutexes do. */
static inline void
gst_async_transform_lock_hot (GstAsyncTransformPrivate * priv)
{
  guint i;

  for (i = 0; i < 200; i++) {
    if (g_mutex_trylock (&priv->lock))
      return;
  }
  g_mutex_lock (&priv->lock);
}

/* Waits, releasing the lock meanwhile, for room in the window (or with
 * leaky makes some), then queues @buffer as a frame, with @user_data for process (). Returns GST_FLOW_OK
 * when queued (the frame owns @buffer and @user_data; announce it),
 * GST_ASYNC_TRANSFORM_FLOW_DROPPED when leaky dropped it, or the flow
 * return that refused it. An older frame leaky dropped to make room is put
 * in @replaced. gst_async_transform_free_refused () frees what is left. */
static GstFlowReturn
gst_async_transform_queue_frame_locked (GstAsyncTransform * self,
    GstBuffer * buffer, gpointer user_data, GDestroyNotify destroy,
    GstAsyncJob ** replaced)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gboolean drop_new = FALSE;
  GstAsyncJob *job;
  GstFlowReturn ret;

  *replaced = NULL;
  while ((ret = gst_async_transform_data_flow_locked (priv)) == GST_FLOW_OK
      && (gst_async_transform_window_full_locked (priv)
          || priv->posting_error)) {
    if (!priv->posting_error && priv->leaky != GST_ASYNC_TRANSFORM_LEAKY_NO) {
      if (priv->leaky == GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM)
        *replaced = gst_async_transform_steal_oldest_locked (priv);
      drop_new = *replaced == NULL;
      break;
    }
    /* (frames of a list queued before are someone's before we sleep) */
    gst_async_transform_announce_locked (priv);
    gst_async_transform_wait_locked (priv, &priv->space_cond,
        &priv->space_waiters);
  }
  if (ret != GST_FLOW_OK)
    return ret;
  priv->stats.frames_in++;
  if (drop_new || *replaced)
    priv->stats.dropped_leaky++;
  if (drop_new) {
    priv->jobs.tail_discont = TRUE;
    return GST_ASYNC_TRANSFORM_FLOW_DROPPED;
  }

  if (!priv->qos.duration_from_caps && GST_BUFFER_DURATION_IS_VALID (buffer))
    priv->qos.frame_duration = GST_BUFFER_DURATION (buffer);

  job = gst_async_jobs_new_job_locked (&priv->jobs);
  job->element = self;
  job->flush_count = priv->flush_count;
  job->frame.input = buffer;
  job->frame.user_data = user_data;
  job->user_data_destroy = destroy;
  job->entered = g_get_monotonic_time ();
  gst_async_transform_count_arrival_locked (priv, job->entered);
  job->size = gst_buffer_get_size (buffer);
  job->duration = GST_BUFFER_DURATION_IS_VALID (buffer) ?
      GST_BUFFER_DURATION (buffer) :
      GST_CLOCK_TIME_IS_VALID (priv->qos.frame_duration) ?
      priv->qos.frame_duration : 0;
  job->segment_count = priv->segment_count;
  gst_async_transform_stamp_locked (priv, job);
  /* (a frame already late only keeps its place, for the QoS message) */
  if (gst_async_jobs_add_frame_locked (&priv->jobs, job,
          gst_async_transform_is_late_locked (priv, job)))
    gst_async_transform_wake_task_locked (priv);
  priv->in_flight++;
  priv->bytes_in_flight += job->size;
  priv->time_in_flight += job->duration;
  priv->stats.in_flight_max = MAX (priv->stats.in_flight_max, priv->in_flight);
  GST_LOG_OBJECT (self, "queued a frame, %u in flight", priv->in_flight);
  return GST_FLOW_OK;
}

/* After gst_async_transform_queue_frame_locked (), without the lock: frees
 * what was not queued. Returns the flow return for upstream. */
static GstFlowReturn
gst_async_transform_free_refused (GstAsyncTransform * self, GstFlowReturn ret,
    GstBuffer * buffer, gpointer user_data, GDestroyNotify destroy,
    GstAsyncJob * replaced)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  if (ret != GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "%s frame: %s", ret ==
        GST_ASYNC_TRANSFORM_FLOW_DROPPED ? "leaky, dropping" : "refusing",
        gst_flow_get_name (ret));
    gst_buffer_unref (buffer);
    if (destroy)
      destroy (user_data);
  }
  if (replaced) {
    GST_DEBUG_OBJECT (self, "leaky, dropped an older frame");
    gst_async_transform_clear_job (replaced);
    g_mutex_lock (&priv->lock);
    gst_async_jobs_recycle_locked (&priv->jobs, replaced);
    gst_async_transform_unlock_and_wake (priv);
  }
  return ret == GST_ASYNC_TRANSFORM_FLOW_DROPPED ? GST_FLOW_OK : ret;
}

/**
 * gst_async_transform_submit:
 * @self: a #GstAsyncTransform
 * @buffer: (transfer full): one complete frame
 *
 * Queues one frame for #GstAsyncTransformClass.process. Call it from
 * #GstAsyncTransformClass.parse (or #GstAsyncTransformClass.drain,
 * #GstAsyncTransformClass.finish) in the upstream streaming thread. Waits
 * while the element holds #GstAsyncTransform:max-in-flight frames, unless
 * it is leaky.
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
  GstAsyncJob *replaced = NULL;
  GstFlowReturn ret;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), GST_FLOW_ERROR);
  g_return_val_if_fail (GST_IS_BUFFER (buffer), GST_FLOW_ERROR);
  priv = GET_PRIV (self);

  gst_async_transform_lock_hot (priv);
  ret = gst_async_transform_queue_frame_locked (self, buffer, user_data,
      destroy, &replaced);
  if (ret == GST_FLOW_OK)
    gst_async_transform_announce_locked (priv);
  gst_async_transform_unlock_and_wake (priv);

  return gst_async_transform_free_refused (self, ret, buffer, user_data,
      destroy, replaced);
}

/* Data came in: at EOS, an element that requires output checks that some
 * frame gave it. (Read first: one atomic store per stream, not per
 * buffer.) */
static inline void
gst_async_transform_mark_input (GstAsyncTransformPrivate * priv)
{
  if (G_UNLIKELY (!g_atomic_int_get (&priv->had_input)))
    g_atomic_int_set (&priv->had_input, TRUE);
}

static GstFlowReturn
gst_async_transform_default_parse (GstAsyncTransform * self, GstBuffer * buffer)
{
  return gst_async_transform_submit (self, buffer);
}

/* An input buffer to parse (), once an encoder has clipped it to the
 * segment. gst_async_transform_submit () refuses frames when the element
 * does not take data (flushing, EOS, not negotiated, downstream error). */
static GstFlowReturn
gst_async_transform_parse (GstAsyncTransform * self, GstBuffer * buffer)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  if (priv->role == GST_ASYNC_TRANSFORM_ROLE_ENCODER
      && !(buffer = gst_async_transform_clip_to_segment (priv, buffer))) {
    GST_LOG_OBJECT (self, "buffer outside the segment dropped");
    return GST_FLOW_OK;
  }
  return GST_ASYNC_TRANSFORM_GET_CLASS (self)->parse (self, buffer);
}

/* A list from upstream: with the default parse, every frame is queued in
 * one lock hold and announced once. */
static GstFlowReturn
gst_async_transform_chain_list (GstPad * pad, GstObject * parent,
    GstBufferList * list)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstFlowReturn ret = GST_FLOW_OK;
  guint i, n = gst_buffer_list_length (list);

  if (G_UNLIKELY (GST_PAD_NEEDS_RECONFIGURE (priv->srcpad)))
    gst_async_transform_renegotiate (self);
  gst_async_transform_mark_input (priv);

  if (klass->parse != gst_async_transform_default_parse
      || priv->role == GST_ASYNC_TRANSFORM_ROLE_ENCODER) {
    for (i = 0; i < n && ret == GST_FLOW_OK; i++)
      ret = gst_async_transform_parse (self,
          gst_buffer_ref (gst_buffer_list_get (list, i)));
    gst_buffer_list_unref (list);
    return ret;
  }

  g_mutex_lock (&priv->lock);
  for (i = 0; i < n && ret == GST_FLOW_OK; i++) {
    GstBuffer *buffer = gst_buffer_ref (gst_buffer_list_get (list, i));
    GstAsyncJob *replaced;

    ret = gst_async_transform_queue_frame_locked (self, buffer, NULL, NULL,
        &replaced);
    if (ret != GST_FLOW_OK || replaced) {
      gst_async_transform_unlock_and_wake (priv);
      ret = gst_async_transform_free_refused (self, ret, buffer, NULL, NULL,
          replaced);
      g_mutex_lock (&priv->lock);
    }
  }
  gst_async_transform_announce_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
  gst_buffer_list_unref (list);
  return ret;
}

/* Upstream's streaming thread, in the chain or a serialized event, may
 * push what it queues while the src task is parked itself, on its way
 * out (wake_task_locked ()). */
static inline gpointer
gst_async_transform_enter_upstream (GstAsyncTransform * self)
{
  gpointer outer = g_private_get (&gst_async_transform_in_chain);

  g_private_set (&gst_async_transform_in_chain, GET_PRIV (self));
  return outer;
}

/* (@outer: the element whose chain this one runs in, if any) */
static inline void
gst_async_transform_leave_upstream (GstAsyncTransform * self, gpointer outer)
{
  g_private_set (&gst_async_transform_in_chain, outer);
  if (G_UNLIKELY (GET_PRIV (self)->inline_due))
    gst_async_transform_run_inline (self);
}

static GstFlowReturn
gst_async_transform_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);
  GstFlowReturn ret;
  gpointer outer;

  /* The flag is read without the pad's lock first: a reconfigure seen one
   * buffer late is fine, a lock per buffer is not needed. */
  if (G_UNLIKELY (GST_PAD_NEEDS_RECONFIGURE (GET_PRIV (self)->srcpad)))
    gst_async_transform_renegotiate (self);
  gst_async_transform_mark_input (GET_PRIV (self));
  outer = gst_async_transform_enter_upstream (self);
  ret = gst_async_transform_parse (self, buffer);
  gst_async_transform_leave_upstream (self, outer);
  return ret;
}

/* --- sink side: events --------------------------------------------------- */

static void
gst_async_transform_flush_start (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  gst_async_transform_set_flushing_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
  gst_async_transform_unlock (self);

  /* Forward first: it unblocks a push the src task may be stuck in, and the
   * task must leave its loop before this returns. */
  gst_pad_push_event (priv->srcpad, event);
  gst_async_transform_stop_task_and_wait (self);
}

/* Resets what the src task keeps between batches, and whether input came;
 * the task is stopped, and no chain runs. */
static void
gst_async_transform_reset_task (GstAsyncTransform * self)
{
  GstAsyncTask *task = &GET_PRIV (self)->task;

  task->discarding = FALSE;
  /* (a codec's first buffer says the stream starts there) */
  task->discont = GET_PRIV (self)->role != GST_ASYNC_TRANSFORM_ROLE_FILTER;
  task->errors_in_a_row = 0;
  task->had_output = FALSE;
  g_atomic_int_set (&GET_PRIV (self)->had_input, FALSE);
  /* (upstream sends its segment again after a flush) */
  g_queue_clear_full (&task->before_caps, (GDestroyNotify) gst_event_unref);
}

static void
gst_async_transform_flush_stop (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GPtrArray *dropped = g_ptr_array_new ();

  /* Forwarded first, as queue does: the src pad takes sticky events
   * again once it no longer flushes. The task is paused meanwhile. */
  gst_pad_push_event (priv->srcpad, event);

  g_mutex_lock (&priv->lock);
  gst_async_transform_drop_all_locked (priv, dropped);
  priv->eos = FALSE;
  priv->downstream_eos = FALSE;
  priv->error_posted = FALSE;
  gst_async_transform_reset_timeline_locked (priv);
  /* process () calls on frames before the flush were unlocked; once they
   * are over, flush () and the first frame after find every worker
   * free. */
  gst_async_transform_wait_idle_locked (priv);
  gst_async_transform_unlock_and_wake (priv);

  gst_async_transform_reset_task (self);
  gst_async_transform_free_dropped (self, dropped, TRUE);
  g_ptr_array_unref (dropped);
  if (klass->flush_context)
    gst_async_transform_visit_contexts (self, TRUE);
  if (klass->flush)
    klass->flush (self);
  gst_async_transform_resume (self);
}

static gboolean
gst_async_transform_handle_eos (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstFlowReturn flow;
  gboolean posted;

  if (klass->finish && klass->finish (self) != GST_FLOW_OK) {
    /* Still queue EOS: downstream must learn the stream ended. */
    GST_DEBUG_OBJECT (self, "finish failed before EOS");
  }
  gst_async_transform_drain_contexts (self);

  g_mutex_lock (&priv->lock);
  priv->eos = TRUE;
  flow = priv->flow;
  posted = priv->error_posted;
  gst_async_transform_unlock_and_wake (priv);
  /* Stopped by a downstream error that upstream may not have reported
   * (it now ends the stream): report it, as queue does. An error of our
   * own was posted already. */
  if (!posted && (flow == GST_FLOW_NOT_LINKED || flow < GST_FLOW_EOS))
    GST_ELEMENT_FLOW_ERROR (self, flow);
  return gst_async_transform_queue_event (self, event);
}

static gboolean
gst_async_transform_default_sink_event (GstAsyncTransform * self,
    GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  GST_LOG_OBJECT (self, "sink event %" GST_PTR_FORMAT, event);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      gst_async_transform_flush_start (self, event);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      gst_async_transform_flush_stop (self, event);
      return TRUE;
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ok;

      gst_event_parse_caps (event, &caps);
      ok = gst_async_transform_handle_caps (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_EOS:
      return gst_async_transform_handle_eos (self, event);
    case GST_EVENT_STREAM_START:
    case GST_EVENT_SEGMENT:
      /* A new stream may follow EOS without a flush. */
      g_mutex_lock (&priv->lock);
      priv->eos = FALSE;
      priv->downstream_eos = FALSE;
      priv->segment_count++;
      if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
        gst_event_copy_segment (event, &priv->qos.segment);
        gst_async_transform_reset_timeline_locked (priv);
      }
      gst_async_transform_unlock_and_wake (priv);
      if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START)
        gst_clear_tag_list (&priv->upstream_tags);
      return gst_async_transform_queue_event (self, event);
    case GST_EVENT_TAG:
      return gst_async_transform_queue_event (self,
          gst_async_transform_upstream_tags (priv, event));
    default:
      if (GST_EVENT_IS_SERIALIZED (event))
        return gst_async_transform_queue_event (self, event);
      return gst_pad_event_default (priv->sinkpad, GST_OBJECT (self), event);
  }
}

static gboolean
gst_async_transform_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);
  gboolean ret;
  gpointer outer;

  if (!GST_EVENT_IS_SERIALIZED (event)
      || GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    return GST_ASYNC_TRANSFORM_GET_CLASS (self)->sink_event (self, event);
  outer = gst_async_transform_enter_upstream (self);
  ret = GST_ASYNC_TRANSFORM_GET_CLASS (self)->sink_event (self, event);
  gst_async_transform_leave_upstream (self, outer);
  return ret;
}

/* --- sink side: queries -------------------------------------------------- */

static gboolean
gst_async_transform_default_sink_query (GstAsyncTransform * self,
    GstQuery * query)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstPad *pad = GET_PRIV (self)->sinkpad;

  /* A serialized query must reach downstream after every item before it. */
  if (GST_QUERY_TYPE (query) == GST_QUERY_DRAIN) {
    if (gst_async_transform_drain (self) != GST_FLOW_OK)
      return FALSE;
    gst_async_transform_drain_contexts (self);
  } else if (GST_QUERY_IS_SERIALIZED (query)
      && gst_async_transform_wait_drained (self) != GST_FLOW_OK) {
    return FALSE;
  }

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_ALLOCATION:
      return klass->propose_allocation (self, query);
    case GST_QUERY_CAPS:
      return gst_async_transform_query_caps_on (self, pad, query);
    case GST_QUERY_ACCEPT_CAPS:
      return gst_async_transform_query_accept_caps (self, query);
    default:
      return gst_pad_query_default (pad, GST_OBJECT (self), query);
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
  g_mutex_lock (&priv->lock);
  if (!active) {
    gst_async_transform_set_flushing_locked (priv);
  } else if (priv->flow == GST_FLOW_FLUSHING
      && gst_pad_is_active (priv->srcpad)) {
    /* Only this pad was deactivated: data flows again, as with queue. */
    gst_async_transform_restart_task_locked (GST_ASYNC_TRANSFORM (parent));
  }
  gst_async_transform_unlock_and_wake (priv);
  return TRUE;
}

/* --- src side ------------------------------------------------------------ */

/* With leaky=downstream, the src task takes one frame at a time, so that
 * the others stay in the window where a new frame may replace them. */
static inline guint
gst_async_transform_batch_frames_locked (GstAsyncTransformPrivate * priv)
{
  return priv->leaky == GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM ? 1 : G_MAXUINT;
}

/* The frames the src task runs at a time, with cheap work: one batch of a
 * class that batches (the rest wait for theirs to fill), else as many as
 * it collects. */
static inline guint
gst_async_transform_run_frames_locked (GstAsyncTransformPrivate * priv)
{
  return priv->batch_size > 1 ? priv->batch_size :
      gst_async_transform_batch_frames_locked (priv);
}

/* Moves the items that may leave now to the src task's batch. Returns how
 * many. */
static guint
gst_async_transform_collect_locked (GstAsyncTransformPrivate * priv)
{
  return gst_async_jobs_collect_locked (&priv->jobs, priv->task.batch,
      gst_async_transform_batch_frames_locked (priv));
}

/* Whether to wake an upstream that waits for space. With cheap work, once
 * the window is half empty, so that it queues many frames per wake-up, as
 * with queue; with real work at every free slot, so that no worker waits
 * for upstream to wake. */
static inline gboolean
gst_async_transform_space_low_locked (GstAsyncTransformPrivate * priv)
{
  if (priv->flow != GST_FLOW_OK)
    return TRUE;
  if (gst_async_transform_window_full_locked (priv))
    return FALSE;
  return !gst_async_transform_work_is_cheap_locked (priv)
      || priv->in_flight <= priv->max_in_flight / 2;
}

/* Counts what the src task pushed so far (with the lock), wakes upstream,
 * and takes a non-OK flow return as the element's. */
static void
gst_async_transform_account_locked (GstAsyncTransform * self,
    GstFlowReturn ret, gboolean own_error)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncTask *task = &priv->task;

  if (task->flush_count == priv->flush_count) {
    /* (a flush counted these frames as dropped already) */
    priv->in_flight -= task->tally.frames;
    priv->bytes_in_flight -= task->tally.bytes;
    priv->time_in_flight -= task->tally.time;
    gst_async_transform_count_tally_locked (priv, &task->tally);
    if (ret != GST_FLOW_OK && priv->flow == GST_FLOW_OK) {
      priv->flow = ret;
      priv->error_posted = own_error;
    }
    /* Unless upstream started a new segment since that frame came. */
    if (task->got_eos && task->eos_segment_count == priv->segment_count)
      priv->downstream_eos = TRUE;
  }
  task->got_eos = FALSE;
  memset (&task->tally, 0, sizeof (task->tally));
  task->tally.last_end = task->tally.last_start = GST_CLOCK_TIME_NONE;
  if (priv->drain_waiters > 0 || (priv->space_waiters > 0
          && gst_async_transform_space_low_locked (priv)))
    priv->wakes_due |= GST_ASYNC_WAKE_SPACE;
}

static void
gst_async_transform_account (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  gst_async_transform_account_locked (self, GST_FLOW_OK, FALSE);
  gst_async_transform_unlock_and_wake (priv);
}

/* Posts the messages process () left for this frame's turn. */
static gboolean
gst_async_transform_post_held (GstAsyncTransform * self, GstAsyncJob * job)
{
  GstMessage *msg;
  gboolean posted = FALSE;

  while ((msg = g_queue_pop_head (&job->messages))) {
    gst_element_post_message (GST_ELEMENT (self), msg);
    posted = TRUE;
  }
  return posted;
}

/* An error of this element's is about to be posted: upstream waits until
 * it is out (hold), then gets @flow (refuse), not only once the batch is
 * accounted for. So the error message comes before the one a source posts
 * for the error flow, and no frame gets in once an application saw it. */
static void
gst_async_transform_hold_upstream (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  priv->posting_error = priv->flow == GST_FLOW_OK
      && priv->task.flush_count == priv->flush_count;
  g_mutex_unlock (&priv->lock);
}

static void
gst_async_transform_refuse_upstream (GstAsyncTransform * self,
    GstFlowReturn flow)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  if (priv->posting_error && priv->flow == GST_FLOW_OK) {
    priv->flow = flow;
    priv->error_posted = TRUE;
  }
  priv->posting_error = FALSE;
  priv->wakes_due |= GST_ASYNC_WAKE_SPACE;
  gst_async_transform_unlock_and_wake (priv);
}

/* A frame error in its turn: a warning, or an error once more than
 * max-errors came in a row. Returns GST_FLOW_ERROR for the latter. */
static GstFlowReturn
gst_async_transform_post_frame_error (GstAsyncTransform * self,
    GstAsyncJob * job)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncTask *task = &priv->task;
  GstAsyncFrameError *error = g_steal_pointer (&job->frame_error);
  gint max = g_atomic_int_get (&priv->max_errors);
  gboolean fatal;

  task->errors_in_a_row++;
  fatal = max >= 0 && task->errors_in_a_row > max;
  GST_DEBUG_OBJECT (self, "frame error %d in a row (max-errors %d)",
      task->errors_in_a_row, max);
  if (fatal)
    gst_async_transform_hold_upstream (self);
  /* takes text and debug */
  gst_element_message_full (GST_ELEMENT (self), fatal ? GST_MESSAGE_ERROR :
      GST_MESSAGE_WARNING, error->domain, error->code, error->text,
      error->debug, error->file, error->function, error->line);
  g_free (error);
  if (fatal) {
    gst_async_transform_refuse_upstream (self, GST_FLOW_ERROR);
    return GST_FLOW_ERROR;
  }
  task->tally.errors++;
  return GST_FLOW_OK;
}

/* Pushes the events held until the output caps. */
static void
gst_async_transform_push_before_caps (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstEvent *event;

  while ((event = g_queue_pop_head (&priv->task.before_caps)))
    gst_pad_push_event (priv->srcpad, event);
}

/* @job's output went downstream: what it counts for. */
static void
gst_async_transform_tally_pushed (GstAsyncTask * task, GstAsyncJob * job)
{
  /* (the time its batch went: close enough, without a clock read a
   * frame) */
  GstClockTime through = (task->now - job->entered) * GST_USECOND;

  task->tally.pushed++;
  task->tally.through_sum += through;
  task->tally.through_max = MAX (task->tally.through_max, through);
  gst_async_keep_later (&task->tally.last_end, job->running_end);
  gst_async_keep_later (&task->tally.last_start, job->running_time);
}

/* Pushes one frame's output, with the events it carries. Returns the flow
 * return to keep; sets @own_error when it is an error this element
 * posted. */
static GstFlowReturn
gst_async_transform_push_frame (GstAsyncTransform * self, GstAsyncJob * job,
    gboolean * own_error)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncTask *task = &priv->task;
  GstEvent *event;
  GstFlowReturn ret;

  /* A frame before this one was dropped: the next buffer that leaves says
   * so, whether it is this frame's or not. */
  if (job->discont)
    task->discont = TRUE;
  while ((event = g_queue_pop_head (&job->events))) {
    if (task->discarding || job->past_end)
      gst_event_unref (event);
    else
      gst_pad_push_event (priv->srcpad, event);
  }
  /* After the end of the stream nothing counts, errors neither. */
  if (task->discarding || job->past_end)
    return GST_FLOW_OK;

  if (job->ret == GST_FLOW_EOS) {
    /* The work ended the stream (a wrapped element, a child process):
     * as when downstream returns EOS. */
    GST_DEBUG_OBJECT (self, "process () returned EOS: the stream ends");
    task->discarding = task->got_eos = TRUE;
    task->eos_segment_count = job->segment_count;
    return GST_FLOW_OK;
  }
  if (job->ret == GST_FLOW_FLUSHING) {
    /* Unlocked, yet not stale: the flush of another element of the worker
     * group cut short the call it shared. Lost, as a late frame is. */
    GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT " was cut short by "
        "another element's flush", job->frame.number);
    task->discont = TRUE;
    return GST_FLOW_OK;
  }
  if (job->ret != GST_FLOW_OK) {
    /* Every frame before it has left: now the error may be told. */
    gst_async_transform_hold_upstream (self);
    if (!gst_async_transform_post_held (self, job))
      GST_ELEMENT_FLOW_ERROR (self, job->ret);
    gst_async_transform_refuse_upstream (self, job->ret);
    *own_error = TRUE;
    return job->ret;
  }
  gst_async_transform_post_held (self, job);
  if (job->frame_error) {
    ret = gst_async_transform_post_frame_error (self, job);
    *own_error = ret != GST_FLOW_OK;
    /* (as a decoder's dropped frame, and as QoS below) */
    task->discont = TRUE;
    return ret;
  }
  if (job->late) {
    /* (the frame was not bad, only late) */
    task->had_output = TRUE;
    task->tally.late++;
    task->discont = TRUE;
    gst_async_transform_post_qos_drop (self, job,
        priv->stats.dropped_qos + task->tally.late);
    return GST_FLOW_OK;
  }

  task->errors_in_a_row = 0;
  if (job->frame.output == NULL) {
    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " dropped",
        job->frame.number);
    return GST_FLOW_OK;
  }
  task->had_output = TRUE;
  if (task->discont) {
    job->frame.output = gst_buffer_make_writable (job->frame.output);
    GST_BUFFER_FLAG_SET (job->frame.output, GST_BUFFER_FLAG_DISCONT);
    task->discont = FALSE;
  }
  /* a stream without caps: the held events go before its first data */
  if (G_UNLIKELY (!g_queue_is_empty (&task->before_caps)))
    gst_async_transform_push_before_caps (self);
  ret = gst_pad_push (priv->srcpad, g_steal_pointer (&job->frame.output));
  if (ret == GST_FLOW_OK) {
    gst_async_transform_tally_pushed (task, job);
  } else if (ret == GST_FLOW_EOS) {
    GST_DEBUG_OBJECT (self, "downstream is EOS, dropping frames");
    task->discarding = task->got_eos = TRUE;
    task->eos_segment_count = job->segment_count;
    ret = GST_FLOW_OK;
  }
  return ret;
}

/* At EOS: in a decoder, a stream that brought data and gave no frame is an
 * error, as with GstVideoDecoder. The EOS still goes out. */
static void
gst_async_transform_check_output (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  if (priv->task.had_output || priv->task.discarding
      || priv->role != GST_ASYNC_TRANSFORM_ROLE_DECODER
      || !g_atomic_int_get (&priv->had_input))
    return;
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_("The stream ended before any frame could be decoded.")),
      ("input came, but no frame gave output before EOS"));
}

/* Pushes one event. After EOS (from downstream or from process ()),
 * frames and events are dropped until an EOS, segment or stream-start
 * event, which still go out, as queue does: the task keeps running so that
 * the stream can end, or start again. The counters are brought up to date
 * first, so that whoever the event reaches (EOS to a sink, then the
 * application) reads final stats. */
static void
gst_async_transform_push_event (GstAsyncTransform * self, GstAsyncJob * job)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncTask *task = &priv->task;
  GstEventType type = GST_EVENT_TYPE (job->event);

  if (task->discarding) {
    if (type == GST_EVENT_SEGMENT || type == GST_EVENT_STREAM_START) {
      /* a new stream part: upstream may send data again */
      task->discarding = task->got_eos = FALSE;
    } else if (type != GST_EVENT_EOS) {
      /* Not pushed, but caps and tags stay the stream's. */
      if (GST_EVENT_IS_STICKY (job->event))
        gst_pad_store_sticky_event (priv->srcpad, job->event);
      return;
    }
  }
  /* A decoder knows its output caps from its first frame: the segment and
   * the other sticky events that must follow caps wait for them (and
   * serialized events after them, to keep their order), as with
   * GstVideoDecoder, or the pad warns of misordering. A stream with no
   * caps at all sends them before its first buffer, or its EOS. */
  if (type != GST_EVENT_EOS && type != GST_EVENT_CAPS
      && ((GST_EVENT_IS_STICKY (job->event) && type > GST_EVENT_CAPS)
          || !g_queue_is_empty (&task->before_caps))
      && !gst_pad_has_current_caps (priv->srcpad)) {
    g_queue_push_tail (&task->before_caps, g_steal_pointer (&job->event));
    return;
  }
  if (type == GST_EVENT_EOS) {
    gst_async_transform_check_output (self);
    gst_async_transform_push_before_caps (self);
  }
  if (task->tally.frames > 0 || task->got_eos)
    gst_async_transform_account (self);
  if (!gst_pad_push_event (priv->srcpad, g_steal_pointer (&job->event)))
    GST_DEBUG_OBJECT (self, "downstream refused %s event",
        gst_event_type_get_name (type));
  if (type == GST_EVENT_CAPS)
    gst_async_transform_push_before_caps (self);
}

/* The batch being pushed is from before a flush that has completed. */
static inline gboolean
gst_async_transform_batch_is_stale (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  return (guint) g_atomic_int_get (&priv->flush_count) !=
      priv->task.flush_count;
}

/* Pushes the items of the batch in order, releasing the lock meanwhile
 * (called and returns with it). After a failed push the items
 * behind the failed one stay in the batch, as they stay in queue: the
 * task pushes them when it runs again (a reconfigure after not-linked),
 * or a flush or a stop drops them. A flush made inside one of these
 * pushes, in this very thread, leaves them behind it at once. */
static void
gst_async_transform_push_batch_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncTask *task = &priv->task;
  GPtrArray *batch = task->batch;
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean own_error = FALSE;
  GstAsyncJob *job;
  guint i, pushed, gone;

  task->flush_count = priv->flush_count;
  priv->pushing = TRUE;
  gst_async_transform_unlock_and_wake (priv);

  task->now = g_get_monotonic_time ();
  for (i = 0; i < batch->len && ret == GST_FLOW_OK
      && !gst_async_transform_batch_is_stale (self); i++) {
    job = g_ptr_array_index (batch, i);
    if (job->event) {
      gst_async_transform_push_event (self, job);
    } else {
      task->tally.frames++;
      task->tally.bytes += job->size;
      task->tally.time += job->duration;
      ret = gst_async_transform_push_frame (self, job, &own_error);
    }
    gst_async_transform_clear_job (job);
  }
  pushed = gone = i;
  if (i < batch->len && gst_async_transform_batch_is_stale (self)) {
    GPtrArray *stale = g_ptr_array_new ();

    for (; i < batch->len; i++)
      g_ptr_array_add (stale, g_ptr_array_index (batch, i));
    gst_async_transform_free_dropped (self, stale, TRUE);
    g_ptr_array_unref (stale);
    gone = batch->len;
  }

  gst_async_transform_lock_hot (priv);
  for (i = 0; i < pushed; i++)
    gst_async_jobs_recycle_locked (&priv->jobs, g_ptr_array_index (batch, i));
  g_ptr_array_remove_range (batch, 0, gone);
  priv->pushing = FALSE;
  gst_async_transform_account_locked (self, ret, own_error);
}

/* --- the src task on the pool's threads ---------------------------------- */

/* Starts the src task (again). A task that ended its loop may still be on
 * its way out of its thread, and GstTask starts a thread only for a task
 * that left its last one: a start meanwhile would be lost. So a stopped
 * task is joined first, which waits for those few instructions (its leave
 * callback is empty: configure_task ()), unless it is in its loop, which
 * then goes on. */
void
gst_async_transform_start_task_locked (GstAsyncTransformPrivate * priv)
{
  GstTask *task = priv->src_task;

  priv->task_parked = priv->task_yielded = FALSE;
  if (task == NULL)
    return;
  if (priv->task_thread == NULL
      && gst_task_get_state (task) == GST_TASK_STOPPED)
    gst_task_join (task);
  gst_task_start (task);
}

/* From the src task's own loop, about to return: it stops, so that its
 * thread goes back to the pool. */
static void
gst_async_transform_leave_loop_locked (GstAsyncTransformPrivate * priv)
{
  if (priv->src_task)
    gst_task_stop (priv->src_task);
  priv->task_thread = NULL;
}

/* Stops the src task and waits for it to leave its loop, as
 * gst_pad_pause_task () would, but its thread goes back to the pool: a
 * flush may last. restart_task_locked () starts it again. */
static void
gst_async_transform_stop_task_and_wait (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  if (priv->src_task)
    gst_task_stop (priv->src_task);
  gst_async_transform_unlock_and_wake (priv);
  GST_PAD_STREAM_LOCK (priv->srcpad);
  GST_PAD_STREAM_UNLOCK (priv->srcpad);
}

/* The src task waits on linger_cond, until @until (monotonic µs; 0: until
 * woken), after the wake-ups due. */
static void
gst_async_transform_wait_in_task_locked (GstAsyncTransformPrivate * priv,
    gint64 until)
{
  gst_async_transform_wake_before_wait_locked (priv);
  priv->linger_waiters++;
  if (until)
    g_cond_wait_until (&priv->linger_cond, &priv->lock, until);
  else
    g_cond_wait (&priv->linger_cond, &priv->lock);
  priv->linger_waiters--;
  priv->linger_signalled = FALSE;
}

/* Frames come faster than a task's hand-off to a thread of the pool and
 * back costs: rather than park, the src task waits for the next frame, up
 * to a few times the usual gap between two (and at least LINGER_MIN), as
 * long as no other task waits for a thread. Returns whether it waited
 * (the caller then looks again before it parks: a wake-up at the very
 * end of the wait is only a signal, which the timeout may have beaten). */
static gboolean
gst_async_transform_linger_locked (GstAsyncTransformPrivate * priv)
{
  gint64 gap = priv->arrival_gap;

  if (gap > LINGER_GAP_MAX || (priv->pool_member
          && gst_async_worker_pool_tasks_wait (priv->pool_member)))
    return FALSE;
  gst_async_transform_wait_in_task_locked (priv, g_get_monotonic_time () +
      MAX (4 * gap, LINGER_MIN));
  return TRUE;
}

/* The src task has nothing to push or run: it ends its loop, and what
 * gives it something starts it again (wake_task_locked ()). First wakes a
 * worker for real work waiting (the work turned expensive with frames
 * queued while it was cheap, and nobody woke one for them), and upstream
 * if the window has room (with cheap work it is woken once the window is
 * half empty, but the frames still inside may be pending ones that only
 * more input finishes). */
static void
gst_async_transform_park_task_locked (GstAsyncTransformPrivate * priv)
{
  if (gst_async_jobs_has_todo_locked (&priv->jobs)
      && priv->busy_workers < priv->n_workers)
    priv->wakes_due |= GST_ASYNC_WAKE_WORKER;
  if (priv->space_waiters > 0 && !gst_async_transform_window_full_locked (priv))
    priv->wakes_due |= GST_ASYNC_WAKE_SPACE;
  priv->task_parked = TRUE;
  gst_async_transform_leave_loop_locked (priv);
}

/* Other tasks of the worker group wait for a thread, and none is idle:
 * the src task gives its thread to them, though it has more to do, and the
 * pool starts it again in its turn (pool_poke ()). Not once the flow is
 * not OK: the loop's end reports it. */
static gboolean
gst_async_transform_yield_task_locked (GstAsyncTransformPrivate * priv)
{
  if (priv->flow != GST_FLOW_OK || priv->pool_member == NULL
      || !gst_async_worker_pool_tasks_wait (priv->pool_member))
    return FALSE;
  priv->task_parked = priv->task_yielded = TRUE;
  priv->wakes_due |= GST_ASYNC_WAKE_POKE;
  gst_async_transform_leave_loop_locked (priv);
  return TRUE;
}

/* GstTask's enter and leave callbacks. A task on the worker pool, which
 * parks, posts STREAM_STATUS ENTER and LEAVE once, from the pad's
 * activation and deactivation (its threads are the pool's, shared, and a
 * start joins a task on its way out of its thread, which must run no
 * callback out of the element meanwhile: start_task_locked ()). On a pool
 * of the application's it keeps its thread, and posts them as the pad
 * would, from that thread. */
static void
gst_async_transform_task_entered (GstTask * task, GThread * thread,
    gpointer user_data)
{
  GstAsyncTransform *self = user_data;

  if (!g_atomic_int_get (&GET_PRIV (self)->task_parks))
    gst_async_transform_post_task_status (self, task,
        GST_STREAM_STATUS_TYPE_ENTER);
}

static void
gst_async_transform_task_left (GstTask * task, GThread * thread,
    gpointer user_data)
{
  GstAsyncTransform *self = user_data;

  if (!g_atomic_int_get (&GET_PRIV (self)->task_parks))
    gst_async_transform_post_task_status (self, task,
        GST_STREAM_STATUS_TYPE_LEAVE);
}

/* After the src pad made and started its task: on a pool of the
 * application's (its STREAM_STATUS CREATE handler set one), the task keeps
 * its thread, as any pad's task does; started again if it parked
 * meanwhile. On ours, STREAM_STATUS ENTER from here. */
static void
gst_async_transform_task_started (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstTask *task = NULL;
  gboolean parks;

  g_mutex_lock (&priv->lock);
  if (priv->src_task) {
    GstTaskPool *pool = gst_task_get_pool (priv->src_task);

    if (!GST_IS_ASYNC_TASK_POOL (pool)) {
      g_atomic_int_set (&priv->task_parks, FALSE);
      if (priv->task_parked && priv->flow == GST_FLOW_OK)
        gst_async_transform_start_task_locked (priv);
    }
    gst_object_unref (pool);
    task = gst_object_ref (priv->src_task);
  }
  parks = g_atomic_int_get (&priv->task_parks);
  gst_async_transform_unlock_and_wake (priv);
  if (task && parks)
    gst_async_transform_post_task_status (self, task,
        GST_STREAM_STATUS_TYPE_ENTER);
  gst_clear_object (&task);
}

/* The src pad made its task (STREAM_STATUS CREATE, posted before the task
 * first starts): it runs on the worker pool's threads, and the element
 * keeps it to start and stop it. An application's sync handler sees the
 * message next, and may still give it a pool of its own. */
static void
gst_async_transform_configure_task (GstAsyncTransform * self, GstTask * task)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstTaskPool *pool = NULL;
  gchar *name;

  g_mutex_lock (&priv->lock);
  if (priv->pool_member)
    pool = gst_async_worker_pool_get_task_pool (priv->pool_member);
  gst_object_replace ((GstObject **) & priv->src_task, GST_OBJECT (task));
  g_atomic_int_set (&priv->task_parks, pool != NULL);
  g_mutex_unlock (&priv->lock);

  if (pool) {
    gst_task_set_pool (task, pool);
    gst_object_unref (pool);
  }
  /* (named as the pad's enter callback would: the threads take the name
   * of the task they run) */
  name = g_strdup_printf ("%s:src", GST_OBJECT_NAME (self));
  gst_object_set_name (GST_OBJECT (task), name);
  g_free (name);
  gst_task_set_enter_callback (task, gst_async_transform_task_entered, self,
      NULL);
  gst_task_set_leave_callback (task, gst_async_transform_task_left, self, NULL);
}

/* Posts a latency message the measurements asked for (and a warning
 * when the work takes longer than max-latency), releasing the lock to
 * post (called and returns with it). */
static void
gst_async_transform_post_latency_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  GstClockTime took = priv->window.delay_recent;
  GstClockTime budget = priv->window.max_latency;
  gboolean warn = priv->window.warning_due;

  priv->latency.message_due = priv->window.warning_due = FALSE;
  gst_async_transform_unlock_and_wake (priv);
  if (warn)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        (_("The work takes longer than the latency budget allows.")),
        ("frames take %" GST_TIME_FORMAT " from entering to done, "
            "max-latency is %" GST_TIME_FORMAT ": the latency reported is "
            "what they take", GST_TIME_ARGS (took), GST_TIME_ARGS (budget)));
  GST_DEBUG_OBJECT (self, "the latency to report changed");
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_latency (GST_OBJECT (self)));
  g_mutex_lock (&priv->lock);
}

/* One step of the src task's work: push what may leave; else, with cheap
 * work, run the frames waiting, in this thread. Returns FALSE when there
 * was nothing to do. With the lock, which it releases meanwhile. */
static gboolean
gst_async_transform_step_locked (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncTask *task = &priv->task;

  if (G_UNLIKELY (priv->latency.message_due)) {
    gst_async_transform_post_latency_locked (self);
  } else if (task->batch->len > 0 || gst_async_transform_collect_locked (priv)) {
    gst_async_transform_push_batch_locked (self);
  } else if (gst_async_transform_work_is_cheap_locked (priv)
      && gst_async_transform_take_run_locked (priv, task->run,
          gst_async_transform_run_frames_locked (priv))) {
    gst_async_transform_run_locked (self, (GstAsyncJob **) task->run->pdata,
        task->run->len);
    g_ptr_array_set_size (task->run, 0);
  } else {
    /* (looking for a run may have found only late frames, which are done
     * at once, without work: they leave on the next step) */
    return gst_async_transform_collect_locked (priv);
  }
  return TRUE;
}

/* In the chain, after a frame came in while the src task was not in its
 * loop (see wake_task_locked ()): the task's steps, run in this thread,
 * holding the src pad's stream lock as the task would, until nothing is
 * left to do. The task stays parked (or, started, finds nothing to do);
 * a frame done meanwhile by a worker is pushed by one of these steps. The stream lock is only tried: its holder (the
 * task on its way out, or in a push that sends a seek upstream) may wait
 * for this thread; the task is started instead then. */
static void
gst_async_transform_run_inline (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gboolean locked = GST_PAD_STREAM_TRYLOCK (priv->srcpad);

  gst_async_transform_lock_hot (priv);
  priv->inline_due = FALSE;
  if (locked && priv->task_thread == NULL) {
    priv->inline_running = TRUE;
    while (priv->flow == GST_FLOW_OK && gst_async_transform_step_locked (self));
    priv->inline_running = FALSE;
  } else if (priv->task_parked && priv->flow == GST_FLOW_OK) {
    priv->task_parked = FALSE;
    priv->wakes_due |= GST_ASYNC_WAKE_TASK;
  }
  gst_async_transform_unlock_and_wake (priv);
  if (locked)
    GST_PAD_STREAM_UNLOCK (priv->srcpad);
}

/* The src task: steps until there is nothing to do, then lingers or ends
 * its loop, giving the thread back, until something is ready. Also
 * returns when flushing, stopping, or after a downstream error, or to let
 * other tasks of the worker group run. */
static void
gst_async_transform_loop (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstFlowReturn ret;
  gboolean eos, posted, lingered = FALSE;

  gst_async_transform_lock_hot (priv);
  priv->task_thread = g_thread_self ();
again:
  while (priv->flow == GST_FLOW_OK) {
    if (gst_async_transform_step_locked (self)) {
      lingered = FALSE;
    } else if (!priv->task_parks) {
      /* (on a pool of the application's: the task keeps its thread) */
      gst_async_transform_wait_in_task_locked (priv, 0);
    } else if (lingered || !gst_async_transform_linger_locked (priv)) {
      gst_async_transform_park_task_locked (priv);
      gst_async_transform_unlock_and_wake (priv);
      return;
    } else {
      lingered = TRUE;
    }
    if (G_UNLIKELY (gst_async_transform_yield_task_locked (priv))) {
      gst_async_transform_unlock_and_wake (priv);
      return;
    }
  }
  ret = priv->flow;
  eos = priv->eos;
  posted = priv->error_posted;
  GST_DEBUG_OBJECT (self, "task stops: %s", gst_flow_get_name (ret));
  /* Upstream already sent EOS, so it will not see this flow return and
   * report it: tell the application, and end the stream, as queue does.
   * Before the task stops: a restart meanwhile (a relink) finds it in its
   * loop, and waits for nothing. */
  if (eos && !posted && (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)) {
    gst_async_transform_unlock_and_wake (priv);
    GST_ELEMENT_FLOW_ERROR (self, ret);
    gst_pad_push_event (priv->srcpad, gst_event_new_eos ());
    gst_async_transform_lock_hot (priv);
    if (priv->flow == GST_FLOW_OK)
      goto again;
  }
  /* Stopped with the lock held, so a reconfigure that restarts the task
   * after not-linked cannot slip in between and be undone. */
  gst_async_transform_leave_loop_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
}

static gboolean
gst_async_transform_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstTask *task;
  gboolean ret;

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;

  if (active) {
    gst_async_transform_reset_task (self);
    g_mutex_lock (&priv->lock);
    priv->flow = GST_FLOW_OK;
    priv->eos = FALSE;
    priv->downstream_eos = FALSE;
    priv->error_posted = FALSE;
    priv->task_parked = priv->task_yielded = FALSE;
    gst_async_transform_unlock_and_wake (priv);
    /* (configure_task () sees the task made, before it starts) */
    ret = gst_pad_start_task (pad,
        (GstTaskFunction) gst_async_transform_loop, self, NULL);
    if (ret)
      gst_async_transform_task_started (self);
    return ret;
  }

  g_mutex_lock (&priv->lock);
  gst_async_transform_set_flushing_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
  ret = gst_pad_stop_task (pad);

  g_mutex_lock (&priv->lock);
  task = g_steal_pointer (&priv->src_task);
  priv->task_parked = priv->task_yielded = FALSE;
  g_mutex_unlock (&priv->lock);
  if (task) {
    if (g_atomic_int_get (&priv->task_parks))
      gst_async_transform_post_task_status (self, task,
          GST_STREAM_STATUS_TYPE_LEAVE);
    gst_object_unref (task);
  }
  return ret;
}

static gboolean
gst_async_transform_default_src_event (GstAsyncTransform * self,
    GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstPad *pad = priv->srcpad;

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS) {
    gst_async_transform_handle_qos (self, event);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_RECONFIGURE) {
    /* A newly linked downstream: try again after not-linked, as queue
     * does. */
    g_mutex_lock (&priv->lock);
    if (priv->flow == GST_FLOW_NOT_LINKED)
      gst_async_transform_restart_task_locked (self);
    gst_async_transform_unlock_and_wake (priv);
  }
  return gst_pad_event_default (pad, GST_OBJECT (self), event);
}

static gboolean
gst_async_transform_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);

  return GST_ASYNC_TRANSFORM_GET_CLASS (self)->src_event (self, event);
}

static gboolean
gst_async_transform_default_src_query (GstAsyncTransform * self,
    GstQuery * query)
{
  GstPad *pad = GET_PRIV (self)->srcpad;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      return gst_async_transform_answer_latency (self, query);
    case GST_QUERY_POSITION:
      return gst_async_transform_answer_position (self, query);
    case GST_QUERY_CAPS:
      return gst_async_transform_query_caps_on (self, pad, query);
    default:
      return gst_pad_query_default (pad, GST_OBJECT (self), query);
  }
}

static gboolean
gst_async_transform_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstAsyncTransform *self = GST_ASYNC_TRANSFORM (parent);

  return GST_ASYNC_TRANSFORM_GET_CLASS (self)->src_query (self, query);
}

/* --- state changes ------------------------------------------------------- */

static gboolean
gst_async_transform_start (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  priv->next_number = 0;
  gst_async_transform_reset_stats_locked (priv);
  gst_segment_init (&priv->qos.segment, GST_FORMAT_UNDEFINED);
  gst_async_transform_reset_timeline_locked (priv);
  priv->awaiting_output_caps = FALSE;
  /* As GstBaseTransform: data without caps passes only through an
   * element that needs no set_caps. */
  priv->negotiated = klass->set_caps == NULL;
  priv->qos.frame_duration = GST_CLOCK_TIME_NONE;
  priv->qos.duration_from_caps = FALSE;
  gst_async_transform_update_limits_locked (priv);
  /* (frames count as far apart until they come: a live stream's first
   * frames need no thread hand-off, nor a burst of them at start) */
  priv->last_arrival = 0;
  priv->arrival_gap = 2 * LINGER_GAP_MAX;
  priv->running = TRUE;
  gst_async_transform_unlock_and_wake (priv);

  if (klass->start && !klass->start (self)) {
    g_mutex_lock (&priv->lock);
    priv->running = FALSE;
    gst_async_transform_unlock_and_wake (priv);
    return FALSE;
  }
  gst_async_transform_start_workers (self);
  gst_async_transform_run_stats_timer (self, TRUE);
  return TRUE;
}

/* PAUSED->READY, or a failed READY->PAUSED: the pads are inactive, so the
 * task has stopped and no chain runs. */
static gboolean
gst_async_transform_stop (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GPtrArray *dropped = g_ptr_array_new ();
  GstCaps *incaps, *outcaps;

  gst_async_transform_run_stats_timer (self, FALSE);
  gst_async_transform_stop_workers (self);
  g_mutex_lock (&priv->lock);
  gst_async_transform_drop_all_locked (priv, dropped);
  gst_async_transform_wait_idle_locked (priv);
  incaps = g_steal_pointer (&priv->incaps);
  outcaps = g_steal_pointer (&priv->outcaps);
  gst_async_transform_caps_changed_locked (priv);
  priv->running = FALSE;
  gst_async_transform_unlock_and_wake (priv);

  gst_clear_caps (&incaps);
  gst_clear_caps (&outcaps);
  gst_async_transform_free_dropped (self, dropped, FALSE);
  g_ptr_array_unref (dropped);
  gst_async_transform_reset_task (self);
  gst_async_transform_drop_contexts (self);
  if (klass->flush)
    klass->flush (self);
  gst_async_transform_unlock_stop (self);
  gst_async_transform_clear_allocation (self);
  gst_clear_tag_list (&priv->upstream_tags);
  gst_clear_tag_list (&priv->subclass_tags);
  return klass->stop == NULL || klass->stop (self);
}

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
      if (klass->open && !klass->open (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!gst_async_transform_start (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* Nothing may wait for a slow frame: interrupt the work first. */
      g_mutex_lock (&priv->lock);
      gst_async_transform_set_flushing_locked (priv);
      gst_async_transform_unlock_and_wake (priv);
      gst_async_transform_unlock (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE
      && transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    /* Still PAUSED: data flows again. */
    gst_async_transform_resume (self);
    return ret;
  }
  if (ret == GST_STATE_CHANGE_FAILURE
      && transition != GST_STATE_CHANGE_READY_TO_PAUSED)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (ret == GST_STATE_CHANGE_FAILURE)
        gst_async_transform_stop (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      if (!gst_async_transform_stop (self))
        ret = GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      /* Contexts lent in READY (caps queries at link time). */
      gst_async_transform_drop_contexts (self);
      if (klass->close && !klass->close (self))
        ret = GST_STATE_CHANGE_FAILURE;
      break;
    default:
      break;
  }
  return ret;
}

/* --- the element --------------------------------------------------------- */

/**
 * gst_async_transform_get_sink_pad:
 * @self: a #GstAsyncTransform
 *
 * Gets the element's sink pad, for a subclass that needs it (to query
 * upstream, say).
 *
 * Returns: (transfer none): the sink pad.
 *
 * Since: 1.0
 */
GstPad *
gst_async_transform_get_sink_pad (GstAsyncTransform * self)
{
  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), NULL);

  return GET_PRIV (self)->sinkpad;
}

/**
 * gst_async_transform_get_src_pad:
 * @self: a #GstAsyncTransform
 *
 * Gets the element's src pad, for a subclass that needs it (to query
 * downstream, say).
 *
 * Returns: (transfer none): the src pad.
 *
 * Since: 1.0
 */
GstPad *
gst_async_transform_get_src_pad (GstAsyncTransform * self)
{
  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), NULL);

  return GET_PRIV (self)->srcpad;
}

/* The worker count and the window: fixed while running, from the
 * settings otherwise. */
static void
gst_async_transform_get_limits (GstAsyncTransform * self, guint * n_workers,
    guint * max_in_flight)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  gst_async_transform_refresh_limits_locked (priv);
  *n_workers = priv->n_workers;
  *max_in_flight = priv->max_in_flight;
  gst_async_transform_unlock_and_wake (priv);
}

/**
 * gst_async_transform_get_n_workers:
 * @self: a #GstAsyncTransform
 *
 * Gets the number of worker threads running
 * #GstAsyncTransformClass.process.
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
  guint n_workers, max_in_flight;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), 0);

  gst_async_transform_get_limits (self, &n_workers, &max_in_flight);
  return n_workers;
}

/**
 * gst_async_transform_get_max_in_flight:
 * @self: a #GstAsyncTransform
 *
 * Gets the number of frames the element holds at most.
 *
 * Returns: the window the element runs (or will run) with now: the most
 *     frames it holds at once, the #GstAsyncTransform:max-in-flight setting
 *     or, with 0, twice the number of workers, more while the work is
 *     cheap. A subclass that keeps a buffer per frame in flight sizes its
 *     pools with it (the default decide_allocation allows for the largest
 *     automatic window).
 *
 * Since: 1.0
 */
guint
gst_async_transform_get_max_in_flight (GstAsyncTransform * self)
{
  guint n_workers, max_in_flight;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), 0);

  gst_async_transform_get_limits (self, &n_workers, &max_in_flight);
  return max_in_flight;
}
