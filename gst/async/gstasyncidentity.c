/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
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
 * SECTION:element-asyncidentity
 * @title: asyncidentity
 *
 * Passes every buffer through unchanged after spending a simulated amount of
 * per-frame work on it, on a pool of workers. It is the placeholder for real
 * per-frame work: use it to see how a pipeline behaves when a stage takes
 * time, to size #GstAsyncTransform:n-workers and
 * #GstAsyncTransform:max-in-flight, and to measure the engine itself.
 *
 * With #GstAsyncIdentity:work-mode=sleep the work waits without using the
 * CPU, like a call to a remote service; with busy it computes over the
 * frame's bytes for that much CPU time, like a CPU-bound filter; with
 * pending the frame is left pending (%GST_ASYNC_TRANSFORM_FLOW_PENDING)
 * and a timer finishes it, so that no worker waits, like work handed to a
 * device: then #GstAsyncTransform:max-in-flight, not
 * #GstAsyncTransform:n-workers, bounds the frames at work.
 * #GstAsyncIdentity:work-jitter adds a random extra time per frame that is
 * the same on every run; #GstAsyncIdentity:call-time adds a time per call,
 * paid once for a batch of frames (#GstAsyncTransform:batch-size), as a
 * device pays per kernel launch. #GstAsyncIdentity:error-after and
 * #GstAsyncIdentity:eos-after make a chosen frame fail or end the stream.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=100 ! asyncidentity work-time=40000 n-workers=4 ! fakesink
 * ]| Spends 40 ms on each frame, four frames at a time: the 100 frames take
 * about one second instead of four.
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,framerate=30/1 ! asyncidentity work-time=40000 n-workers=4 ! fakesink sync=true qos=true
 * ]| A live 30 fps source, 40 ms of work per frame: four workers keep up and
 * every frame reaches the sink in time (put autovideosink in place of
 * fakesink to watch). With n-workers=1 the element cannot keep up; it drops
 * the frames that would be late before working on them (see
 * #GstAsyncTransform:qos).
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=100 ! asyncidentity work-mode=pending work-time=40000 n-workers=1 max-in-flight=8 ! fakesink
 * ]| One worker, yet eight frames at work at once: each frame's 40 ms run
 * out on a timer while the worker starts the next one.
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=100 ! asyncidentity call-time=5000 work-time=250 n-workers=1 batch-size=16 ! fakesink
 * ]| A device that costs 5 ms per call and 0.25 ms per frame, in batches of
 * up to 16 frames (see #GstAsyncTransform:batch-size): about 9 times as
 * many frames per second as one frame per call.
 * |[
 * gst-launch-1.0 videotestsrc ! asyncidentity eos-after=50 work-time=10000 ! fakesink
 * ]| Ends the stream after 50 frames, as identity's eos-after does: the
 * source gets %GST_FLOW_EOS, and its EOS leaves after the 50 frames.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncidentity.h"
#include "gstasyncelements.h"

#include <glib/gi18n-lib.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

GST_DEBUG_CATEGORY_STATIC (gst_async_identity_debug);
#define GST_CAT_DEFAULT gst_async_identity_debug

#define DEFAULT_WORK_TIME 0
#define DEFAULT_WORK_JITTER 0
#define DEFAULT_WORK_MODE GST_ASYNC_IDENTITY_WORK_MODE_SLEEP
#define DEFAULT_ERROR_AFTER -1
#define DEFAULT_EOS_AFTER -1
#define DEFAULT_CALL_TIME 0

/* Ten seconds of simulated work per frame is plenty. */
#define MAX_WORK_TIME_US (10 * G_USEC_PER_SEC)

enum
{
  PROP_0,
  PROP_WORK_TIME,
  PROP_WORK_JITTER,
  PROP_WORK_MODE,
  PROP_ERROR_AFTER,
  PROP_EOS_AFTER,
  PROP_CALL_TIME,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
};

struct _GstAsyncIdentity
{
  GstAsyncTransform parent;

  /* Read by workers and written by the application: atomics, no lock. */
  guint work_time;
  guint work_jitter;
  guint call_time;
  gint work_mode;
  gint error_after;
  gint eos_after;

  guint64 seed;                 /* from the element name, fixed at start */

  /* Sleeping work waits on cond until its time is up or unlock () sets
   * flushing; unlock_stop () clears it once no frame is in process ().
   * Pending work: the timers started and not yet finished. */
  GMutex lock;
  GCond cond;
  gboolean flushing;
  GHashTable *timers;           /* GstAsyncIdentityTimer * */
};

/* work-mode=pending: a frame whose work time runs out on the clock. The
 * timer (when it fires) and unlock () both may finish the frame: the one
 * that claims the timer first does. The timer keeps its element alive (the
 * frame keeps its own, which in a worker group may be another), and lives
 * as long as its clock id. */
typedef struct
{
  GstAsyncIdentity *self;       /* a reference */
  GstAsyncFrame *frame;
  GstClockID id;                /* the set's reference */
  gint claimed;                 /* atomic */
} GstAsyncIdentityTimer;

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SINK_NAME, GST_PAD_SINK,
    GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SRC_NAME, GST_PAD_SRC,
    GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define GST_TYPE_ASYNC_IDENTITY_WORK_MODE \
    (gst_async_identity_work_mode_get_type ())
static GType
gst_async_identity_work_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_ASYNC_IDENTITY_WORK_MODE_SLEEP,
        "Wait without using the CPU", "sleep"},
    {GST_ASYNC_IDENTITY_WORK_MODE_BUSY,
        "Compute over the frame's bytes", "busy"},
    {GST_ASYNC_IDENTITY_WORK_MODE_PENDING,
        "Leave the frame pending, finished by a timer", "pending"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAsyncIdentityWorkMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

G_DEFINE_TYPE (GstAsyncIdentity, gst_async_identity, GST_TYPE_ASYNC_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (asyncidentity, "asyncidentity", GST_RANK_NONE,
    GST_TYPE_ASYNC_IDENTITY);

static void gst_async_identity_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_async_identity_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_async_identity_finalize (GObject * object);
static gboolean gst_async_identity_start (GstAsyncTransform * trans);
static void gst_async_identity_unlock (GstAsyncTransform * trans);
static void gst_async_identity_unlock_stop (GstAsyncTransform * trans);
static GstFlowReturn gst_async_identity_process (GstAsyncTransform * trans,
    gpointer context, GstAsyncFrame * frame);
static GstFlowReturn gst_async_identity_process_batch (GstAsyncTransform *
    trans, gpointer context, GstAsyncFrame ** frames, guint n_frames);

static void
gst_async_identity_class_init (GstAsyncIdentityClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_async_identity_debug, "asyncidentity", 0,
      "Concurrent identity with simulated work");

  gobject_class->set_property = gst_async_identity_set_property;
  gobject_class->get_property = gst_async_identity_get_property;
  gobject_class->finalize = gst_async_identity_finalize;

  g_object_class_install_property (gobject_class, PROP_WORK_TIME,
      g_param_spec_uint ("work-time", "Work time",
          "Simulated work per frame, in microseconds (0 = none)", 0,
          MAX_WORK_TIME_US, DEFAULT_WORK_TIME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_WORK_JITTER,
      g_param_spec_uint ("work-jitter", "Work jitter",
          "Max. random extra work per frame, in microseconds, the same on "
          "every run (0 = none)", 0,
          MAX_WORK_TIME_US, DEFAULT_WORK_JITTER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_WORK_MODE,
      g_param_spec_enum ("work-mode", "Work mode",
          "How the work time is spent: sleeping, computing, or pending",
          GST_TYPE_ASYNC_IDENTITY_WORK_MODE,
          DEFAULT_WORK_MODE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstAsyncIdentity:error-after:
   *
   * The frame after this many frames worked on fails with an error, posted
   * once every frame before it has left. Frames dropped before any work
   * (by QoS or leaky) are not counted. identity's error-after lets one
   * frame fewer through.
   */
  g_object_class_install_property (gobject_class, PROP_ERROR_AFTER,
      g_param_spec_int ("error-after", "Error after",
          "Fail with an error on the frame that follows this many frames "
          "worked on (-1 = never)", -1, G_MAXINT, DEFAULT_ERROR_AFTER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstAsyncIdentity:eos-after:
   *
   * The frame after this many frames worked on ends the stream, as
   * identity's eos-after: it is dropped, later frames are dropped, and
   * upstream gets %GST_FLOW_EOS, so its EOS event follows the frames
   * before. Frames dropped before any work are not counted. identity's
   * eos-after lets one frame fewer through.
   */
  g_object_class_install_property (gobject_class, PROP_EOS_AFTER,
      g_param_spec_int ("eos-after", "EOS after",
          "End the stream on the frame that follows this many frames "
          "worked on (-1 = never)", -1, G_MAXINT, DEFAULT_EOS_AFTER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstAsyncIdentity:call-time:
   *
   * Simulated work paid once per call, on top of
   * #GstAsyncIdentity:work-time for each frame of the call, as a device
   * pays for a kernel launch or a model server for a request: a batch of
   * #GstAsyncTransform:batch-size frames takes call-time plus each frame's
   * work time, and its frames are done together.
   */
  g_object_class_install_property (gobject_class, PROP_CALL_TIME,
      g_param_spec_uint ("call-time", "Call time",
          "Simulated work per call (per batch of frames), in microseconds "
          "(0 = none)", 0, MAX_WORK_TIME_US, DEFAULT_CALL_TIME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  gst_async_transform_class_install_batch_properties (trans_class,
      PROP_BATCH_SIZE, PROP_BATCH_TIMEOUT);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Concurrent identity", "Generic",
      "Passes data through after simulated per-frame work done on a pool "
      "of workers", "gst-plugins-async developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_async_identity_start);
  trans_class->unlock = GST_DEBUG_FUNCPTR (gst_async_identity_unlock);
  trans_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_async_identity_unlock_stop);
  trans_class->process = GST_DEBUG_FUNCPTR (gst_async_identity_process);
  trans_class->process_batch =
      GST_DEBUG_FUNCPTR (gst_async_identity_process_batch);
  /* The input buffer itself is the output: no output allocation. */
  trans_class->decide_allocation = NULL;

  gst_type_mark_as_plugin_api (GST_TYPE_ASYNC_IDENTITY_WORK_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ASYNC_TRANSFORM, 0);
}

static void
gst_async_identity_init (GstAsyncIdentity * self)
{
  self->work_time = DEFAULT_WORK_TIME;
  self->work_jitter = DEFAULT_WORK_JITTER;
  self->work_mode = DEFAULT_WORK_MODE;
  self->error_after = DEFAULT_ERROR_AFTER;
  self->eos_after = DEFAULT_EOS_AFTER;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->timers = g_hash_table_new (NULL, NULL);
}

static void
gst_async_identity_finalize (GObject * object)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (object);

  /* (a pending frame holds a reference to the element: none is left) */
  g_hash_table_unref (self->timers);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gst_async_identity_parent_class)->finalize (object);
}

static void
gst_async_identity_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (object);

  switch (prop_id) {
    case PROP_WORK_TIME:
      g_atomic_int_set (&self->work_time, g_value_get_uint (value));
      break;
    case PROP_WORK_JITTER:
      g_atomic_int_set (&self->work_jitter, g_value_get_uint (value));
      break;
    case PROP_WORK_MODE:
      g_atomic_int_set (&self->work_mode, g_value_get_enum (value));
      break;
    case PROP_ERROR_AFTER:
      g_atomic_int_set (&self->error_after, g_value_get_int (value));
      break;
    case PROP_EOS_AFTER:
      g_atomic_int_set (&self->eos_after, g_value_get_int (value));
      break;
    case PROP_CALL_TIME:
      g_atomic_int_set (&self->call_time, g_value_get_uint (value));
      break;
    default:
      if (!gst_async_transform_set_batch_property (GST_ASYNC_TRANSFORM (self),
              pspec, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_identity_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (object);

  switch (prop_id) {
    case PROP_WORK_TIME:
      g_value_set_uint (value, g_atomic_int_get (&self->work_time));
      break;
    case PROP_WORK_JITTER:
      g_value_set_uint (value, g_atomic_int_get (&self->work_jitter));
      break;
    case PROP_WORK_MODE:
      g_value_set_enum (value, g_atomic_int_get (&self->work_mode));
      break;
    case PROP_ERROR_AFTER:
      g_value_set_int (value, g_atomic_int_get (&self->error_after));
      break;
    case PROP_EOS_AFTER:
      g_value_set_int (value, g_atomic_int_get (&self->eos_after));
      break;
    case PROP_CALL_TIME:
      g_value_set_uint (value, g_atomic_int_get (&self->call_time));
      break;
    default:
      if (!gst_async_transform_get_batch_property (GST_ASYNC_TRANSFORM (self),
              pspec, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static gboolean
gst_async_identity_start (GstAsyncTransform * trans)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (trans);
  gchar *name = gst_object_get_name (GST_OBJECT (self));

  /* Per element, and the same on every run of the same pipeline. */
  self->seed = g_str_hash (name);
  g_free (name);
  return TRUE;
}

/* splitmix64: a well-mixed value from (seed, frame number), so the jitter
 * of a frame does not depend on which worker runs it, or when. */
static guint64
gst_async_identity_mix (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

/* A flush or a stop: the frames at work are thrown away, so their work may
 * end now; pending ones are finished as flushed. */
static void
gst_async_identity_unlock (GstAsyncTransform * trans)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (trans);
  GSList *timers = NULL, *l;
  GHashTableIter iter;
  gpointer key;

  g_mutex_lock (&self->lock);
  g_atomic_int_set (&self->flushing, TRUE);
  g_cond_broadcast (&self->cond);
  /* (a timer claimed by its firing is left to it) */
  g_hash_table_iter_init (&iter, self->timers);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    GstAsyncIdentityTimer *timer = key;

    if (g_atomic_int_compare_and_exchange (&timer->claimed, 0, 1)) {
      g_hash_table_iter_remove (&iter);
      timers = g_slist_prepend (timers, timer);
    }
  }
  g_mutex_unlock (&self->lock);

  for (l = timers; l; l = l->next) {
    GstAsyncIdentityTimer *timer = l->data;
    GstClockID id = timer->id;

    gst_clock_id_unschedule (id);
    gst_async_transform_finish_frame (trans, timer->frame, GST_FLOW_FLUSHING);
    /* (may free the timer) */
    gst_clock_id_unref (id);
  }
  g_slist_free (timers);
}

static void
gst_async_identity_unlock_stop (GstAsyncTransform * trans)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (trans);

  g_atomic_int_set (&self->flushing, FALSE);
}

/* Sleeping work lasts its time, not up to 50 µs more: Linux lets a
 * thread's timers fire late by its timer slack, 50 µs by default, 0.5 % of
 * 10 ms of simulated work. Set once per worker thread. */
static void
gst_async_identity_precise_timers (void)
{
#ifdef __linux__
  static GPrivate done;

  if (g_private_get (&done) == NULL) {
    prctl (PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    g_private_set (&done, GINT_TO_POINTER (1));
  }
#endif
}

/* Waits @us, or until unlock (). Returns FALSE if unlocked. */
static gboolean
gst_async_identity_sleep (GstAsyncIdentity * self, gint64 us)
{
  gint64 until = g_get_monotonic_time () + us;
  gboolean flushing;

  gst_async_identity_precise_timers ();
  g_mutex_lock (&self->lock);
  while (!(flushing = self->flushing)
      && g_cond_wait_until (&self->cond, &self->lock, until));
  g_mutex_unlock (&self->lock);
  return !flushing;
}

/* CPU time of the calling thread, in µs. */
static gint64
gst_async_identity_thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Reads the frame over and over for @us of this thread's CPU time, so that
 * it models CPU-bound work whatever else runs: eight workers on two cores
 * take four times as long as on eight. Returns FALSE if unlocked. */
static gboolean
gst_async_identity_busy (GstAsyncIdentity * self, GstBuffer * buffer, gint64 us)
{
  gint64 until = gst_async_identity_thread_cpu_us () + us;
  volatile guint8 sink = 0;
  guint8 sum = 0;
  GstMapInfo map;
  gsize i;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    map.size = 0;
  do {
    for (i = 0; i < map.size && i < 4096; i++)
      sum += map.data[i];
    sum++;
  } while (gst_async_identity_thread_cpu_us () < until
      && !g_atomic_int_get (&self->flushing));
  sink = sum;
  (void) sink;
  if (map.size)
    gst_buffer_unmap (buffer, &map);
  return !g_atomic_int_get (&self->flushing);
}

static void
gst_async_identity_timer_free (GstAsyncIdentityTimer * timer)
{
  gst_object_unref (timer->self);
  g_free (timer);
}

/* The clock's thread: the work time of a pending frame is over. */
static gboolean
gst_async_identity_timer_fired (GstClock * clock, GstClockTime time,
    GstClockID id, gpointer user_data)
{
  GstAsyncIdentityTimer *timer = user_data;
  GstAsyncIdentity *self = timer->self;

  /* Claimed by unlock (): the frame is finished there. */
  if (!g_atomic_int_compare_and_exchange (&timer->claimed, 0, 1))
    return TRUE;
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->timers, timer);
  g_mutex_unlock (&self->lock);
  gst_async_transform_finish_frame (GST_ASYNC_TRANSFORM (self), timer->frame,
      GST_FLOW_OK);
  gst_clock_id_unref (id);
  return TRUE;
}

/* Starts the timer that finishes @frame after @us: returns
 * GST_ASYNC_TRANSFORM_FLOW_PENDING, or GST_FLOW_FLUSHING when the element
 * is flushing (the frame is thrown away), or GST_FLOW_ERROR when the
 * clock cannot time it. */
static GstFlowReturn
gst_async_identity_start_timer (GstAsyncIdentity * self,
    GstAsyncFrame * frame, gint64 us)
{
  GstAsyncIdentityTimer *timer = g_new0 (GstAsyncIdentityTimer, 1);
  /* Not kept by the element: a timer that fires during a stop may drop
   * the element's last reference in the clock's own thread, and must not
   * drop the clock's there too (after gst_deinit (), its last), which
   * would make the thread join itself. The id only has a weak one. */
  GstClock *clock = gst_system_clock_obtain ();
  GstClockReturn ret;

  timer->frame = frame;
  timer->id = gst_clock_new_single_shot_id (clock,
      gst_clock_get_time (clock) + us * GST_USECOND);
  gst_object_unref (clock);
  /* Started with the lock held, so that unlock () finds every timer that
   * started, and a timer that fires at once waits for its place in the
   * set. The clock frees the timer with the id. */
  g_mutex_lock (&self->lock);
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    gst_clock_id_unref (timer->id);
    g_free (timer);
    return GST_FLOW_FLUSHING;
  }
  g_hash_table_add (self->timers, timer);
  timer->self = gst_object_ref (self);
  ret = gst_clock_id_wait_async (timer->id, gst_async_identity_timer_fired,
      timer, (GDestroyNotify) gst_async_identity_timer_free);
  if (G_UNLIKELY (ret != GST_CLOCK_OK)) {
    /* (the timer is the clock's to free now) */
    g_hash_table_remove (self->timers, timer);
    g_mutex_unlock (&self->lock);
    gst_clock_id_unref (timer->id);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL),
        ("the system clock could not start a timer (%d)", ret));
    return GST_FLOW_ERROR;
  }
  g_mutex_unlock (&self->lock);
  return GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

/* The element @frame belongs to: in a worker group, a batch of this
 * element may hold frames of another asyncidentity, whose own settings
 * apply to them. */
static GstAsyncIdentity *
gst_async_identity_of (GstAsyncFrame * frame)
{
  return GST_ASYNC_IDENTITY (gst_async_frame_get_element (frame));
}

/* error-after and eos-after of @frame's element: the flow that ends
 * @frame before any work (an error is posted from that element), or
 * GST_FLOW_OK for a frame to work on. */
static GstFlowReturn
gst_async_identity_check_frame (GstAsyncFrame * frame)
{
  GstAsyncIdentity *self = gst_async_identity_of (frame);
  gint error_after = g_atomic_int_get (&self->error_after);
  gint eos_after = g_atomic_int_get (&self->eos_after);

  if (error_after >= 0 && frame->number == (guint64) error_after) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        (_("Simulated processing error.")),
        ("error-after=%d reached", error_after));
    return GST_FLOW_ERROR;
  }
  if (eos_after >= 0 && frame->number == (guint64) eos_after) {
    GST_DEBUG_OBJECT (self, "eos-after=%d reached", eos_after);
    return GST_FLOW_EOS;
  }
  return GST_FLOW_OK;
}

/* @frame's own work time, in µs: its element's work-time and jitter. */
static gint64
gst_async_identity_frame_us (GstAsyncFrame * frame)
{
  GstAsyncIdentity *self = gst_async_identity_of (frame);
  guint jitter = g_atomic_int_get (&self->work_jitter);
  gint64 us = g_atomic_int_get (&self->work_time);

  if (jitter > 0)
    us += gst_async_identity_mix (self->seed ^ frame->number) % (jitter + 1);
  return us;
}

/* Spends @us of work on @frames, in the work mode: the frames are done
 * once it returns GST_FLOW_OK (each with its very input buffer as output,
 * no copy: also where there are no caps to tell input fits output), or
 * pending on
 * timers that end together after @us (GST_ASYNC_TRANSFORM_FLOW_PENDING;
 * a frame whose timer could not start is finished here). */
static GstFlowReturn
gst_async_identity_work (GstAsyncIdentity * self, GstAsyncFrame ** frames,
    guint n_frames, gint64 us)
{
  GstAsyncTransform *trans = GST_ASYNC_TRANSFORM (self);
  GstFlowReturn ret;
  gboolean done = TRUE;
  guint i;

  for (i = 0; i < n_frames; i++)
    frames[i]->output = g_steal_pointer (&frames[i]->input);
  if (us == 0 || n_frames == 0)
    return GST_FLOW_OK;
  switch (g_atomic_int_get (&self->work_mode)) {
    case GST_ASYNC_IDENTITY_WORK_MODE_BUSY:
      done = gst_async_identity_busy (self, frames[0]->output, us);
      break;
    case GST_ASYNC_IDENTITY_WORK_MODE_PENDING:
      /* the outputs are ready; the timers say when they may leave */
      for (i = 0; i < n_frames; i++) {
        ret = gst_async_identity_start_timer (self, frames[i], us);
        if (ret != GST_ASYNC_TRANSFORM_FLOW_PENDING)
          gst_async_transform_finish_frame (trans, frames[i], ret);
      }
      return GST_ASYNC_TRANSFORM_FLOW_PENDING;
    default:
      done = gst_async_identity_sleep (self, us);
      break;
  }
  return done ? GST_FLOW_OK : GST_FLOW_FLUSHING;
}

static GstFlowReturn
gst_async_identity_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (trans);
  GstFlowReturn ret;
  gint64 us;

  if ((ret = gst_async_identity_check_frame (frame)) != GST_FLOW_OK)
    return ret;
  us = g_atomic_int_get (&self->call_time) +
      gst_async_identity_frame_us (frame);
  return gst_async_identity_work (self, &frame, 1, us);
}

/* A batch: one call time (this element's, which makes the call), then
 * each frame's work time, and the frames are done together. A frame that
 * error-after or eos-after picks is finished at once, the others go on. */
static GstFlowReturn
gst_async_identity_process_batch (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame ** frames, guint n_frames)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (trans);
  GstAsyncFrame **work = g_newa (GstAsyncFrame *, n_frames);
  gint64 us = g_atomic_int_get (&self->call_time);
  GstFlowReturn ret;
  guint i, n = 0;

  for (i = 0; i < n_frames; i++) {
    if ((ret = gst_async_identity_check_frame (frames[i])) != GST_FLOW_OK) {
      gst_async_transform_finish_frame (trans, frames[i], ret);
      continue;
    }
    us += gst_async_identity_frame_us (frames[i]);
    work[n++] = frames[i];
  }
  return gst_async_identity_work (self, work, n, us);
}
