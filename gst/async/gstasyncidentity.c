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
 * device pays per kernel launch. #GstAsyncIdentity:service-capacity
 * makes the work a service that serves only so many frames at once, like
 * a remote server: the others wait in its queue, so their time in work,
 * and the latency, grows with the frames in flight beyond it. Use it to
 * measure an element's window against a service black-box.
 * #GstAsyncIdentity:error-after and #GstAsyncIdentity:eos-after make a
 * chosen frame fail or end the stream.
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
 * gst-launch-1.0 videotestsrc num-buffers=100 ! asyncidentity work-mode=pending work-time=40000 service-capacity=2 max-in-flight=8 ! fakesink
 * ]| The same eight frames in flight, but a service that serves two at
 * once: the 100 frames take 2 s instead of 0.5 s, and each frame spends
 * about 160 ms in work, 120 ms of it waiting for a slot.
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
#include <string.h>
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
#define DEFAULT_SERVICE_CAPACITY 0

/* Ten seconds of simulated work per frame is plenty. */
#define MAX_WORK_TIME_US (10 * G_USEC_PER_SEC)
/* As many frames as the widest window (max-in-flight). */
#define MAX_SERVICE_CAPACITY 4096

enum
{
  PROP_0,
  PROP_WORK_TIME,
  PROP_WORK_JITTER,
  PROP_WORK_MODE,
  PROP_ERROR_AFTER,
  PROP_EOS_AFTER,
  PROP_CALL_TIME,
  PROP_SERVICE_CAPACITY,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
};

/* Threading. A frame's work runs in the simulated service of its own
 * element (in a worker group, a call may hold frames of several
 * asyncidentity elements; each goes by its own element's settings and
 * service). The service serves at most service-capacity frames at once
 * (0: no limit); the others wait in its queue, in arrival order, and their
 * work time starts once they are served. A call's frames of one element
 * are one request: they take a slot each and are served together.
 *
 * Pending work leaves its requests queued and returns: whoever frees
 * slots (a timer firing, a capacity raised) starts the timers of the
 * requests that fit then. Sleeping and busy work waits for its requests
 * to be served, holding its worker, works, then gives the slots back.
 *
 * One lock, service_lock, guards the service state of every asyncidentity
 * (the fields so marked below), so that a call takes its places in the
 * queues of all its frames' elements in one step: the queues then agree
 * on which call came first, and a call holding slots of one element while
 * it waits for another's is never what the other waits for. Nothing calls
 * out with it held but to the system clock (to start a timer); frames are
 * finished, and messages posted, once it is released. */
static GMutex service_lock;

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

  /* Protected by service_lock. */
  /* Set by unlock () (a flush or a stop), cleared by unlock_stop () once
   * no frame is in process (); busy work also reads it as an atomic. */
  gboolean flushing;
  GCond cond;                   /* sleeping work of this element's calls
                                 * waits on it until its time is up */
  GHashTable *timers;           /* GstAsyncIdentityTimer *: pending frames
                                 * served */
  guint capacity;               /* service-capacity: 0 = no limit */
  guint serving;                /* frames served, a slot each */
  GQueue waiting;               /* GstAsyncIdentityRequest *, oldest
                                 * first */
  GQueue waiting_calls;         /* GstAsyncIdentityCall *: this element's
                                 * sleep and busy calls waiting to be
                                 * served */
};

/* work-mode=pending: a frame served, whose work time runs out on the
 * clock. The timer (when it fires) and unlock () both may finish the
 * frame: the one that claims the timer first does. The timer keeps its
 * element, the frame's own, alive (the frame keeps it only until it is
 * finished), and lives as long as its clock id. */
typedef struct
{
  GstAsyncIdentity *self;       /* a reference */
  GstAsyncFrame *frame;
  GstClockID id;                /* the set's reference */
  gint claimed;                 /* atomic */
} GstAsyncIdentityTimer;

typedef struct _GstAsyncIdentityCall GstAsyncIdentityCall;

typedef enum
{
  GST_ASYNC_IDENTITY_REQUEST_WAITING,   /* in its service's queue */
  GST_ASYNC_IDENTITY_REQUEST_SERVED,    /* holds a slot per frame */
  GST_ASYNC_IDENTITY_REQUEST_OUT,       /* neither: withdrawn, or done */
} GstAsyncIdentityRequestState;

/* A call's frames of one element, in that element's service. Pending
 * work's requests are allocated, and freed as they are served (their
 * timers take the frames over) or flushed; sleep and busy work's live on
 * the stack of their call, which waits for them. Protected by
 * service_lock. */
typedef struct
{
  GstAsyncIdentity *service;    /* the frames' element */
  GstAsyncIdentityCall *call;   /* the call that waits, or NULL: pending */
  GstAsyncIdentityRequestState state;
  gint64 us;                    /* pending: the work time, once served */
  GstAsyncFrame **frames;
  guint n_frames;
  GList link;                   /* in its service's waiting queue */
} GstAsyncIdentityRequest;

/* A sleep or busy call waiting for its requests to be served: its worker
 * waits on cond until none is left waiting, or its element flushes.
 * Protected by service_lock. */
struct _GstAsyncIdentityCall
{
  GCond cond;
  guint unserved;               /* its requests still waiting */
  GList link;                   /* in its element's waiting_calls */
};

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
static void gst_async_identity_set_capacity (GstAsyncIdentity * self,
    guint capacity);
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
  /**
   * GstAsyncIdentity:service-capacity:
   *
   * How many frames the element's simulated service works on at once, as
   * a server with that many slots (0 = unlimited). Further frames wait in
   * the service's own queue, in arrival order, and their work time (and
   * jitter) starts only once they get a slot: a frame's time in work is
   * its wait there plus its own work time, so latency grows once more
   * frames are in flight than the capacity, as a real server's does.
   *
   * With #GstAsyncIdentity:work-mode=pending the frames wait holding no
   * worker; with sleep and busy the worker waits for the slot, holding
   * itself, like a blocking client of a busy server. A call of several
   * frames (#GstAsyncTransform:batch-size) takes a slot per frame; its
   * frames are served together, once the frames before them are served and
   * there is room for all of them (a call of more frames than the capacity
   * waits for the service to be idle, and is then served alone), and the
   * #GstAsyncIdentity:call-time is paid once per call. In a worker group,
   * the frames of each element wait for their own element's service.
   * Frames with no work time at all use no slot.
   *
   * A change applies at once: a higher capacity serves waiting frames at
   * once, a lower one lets the frames being served finish and serves new
   * ones only below the new capacity. A flush or a stop finishes the
   * frames waiting as flushed at once.
   */
  g_object_class_install_property (gobject_class, PROP_SERVICE_CAPACITY,
      g_param_spec_uint ("service-capacity", "Service capacity",
          "Frames the simulated service works on at once, the others wait "
          "their turn (0 = unlimited)", 0, MAX_SERVICE_CAPACITY,
          DEFAULT_SERVICE_CAPACITY, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
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
  self->capacity = DEFAULT_SERVICE_CAPACITY;
  g_cond_init (&self->cond);
  self->timers = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->waiting);
  g_queue_init (&self->waiting_calls);
}

static void
gst_async_identity_finalize (GObject * object)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (object);

  /* (a pending frame, served or waiting, holds a reference to the
   * element, and a sleep or busy call runs with one: none is left) */
  g_warn_if_fail (g_queue_is_empty (&self->waiting));
  g_hash_table_unref (self->timers);
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
    case PROP_SERVICE_CAPACITY:
      gst_async_identity_set_capacity (self, g_value_get_uint (value));
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
    case PROP_SERVICE_CAPACITY:
      g_mutex_lock (&service_lock);
      g_value_set_uint (value, self->capacity);
      g_mutex_unlock (&service_lock);
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

/* The element @frame belongs to: in a worker group, a batch of this
 * element may hold frames of another asyncidentity, whose own settings
 * and service apply to them. */
static GstAsyncIdentity *
gst_async_identity_of (GstAsyncFrame * frame)
{
  return GST_ASYNC_IDENTITY (gst_async_frame_get_element (frame));
}

/* --- the service --------------------------------------------------------- */

static void gst_async_identity_serve_locked (GstAsyncIdentity * self,
    GQueue * failed);
static void gst_async_identity_fail_frames (GQueue * failed);

static void
gst_async_identity_timer_free (GstAsyncIdentityTimer * timer)
{
  gst_object_unref (timer->self);
  g_free (timer);
}

/* The clock's thread: the work time of a pending frame is over. Its slot
 * goes to the oldest request waiting, if it fits now. */
static gboolean
gst_async_identity_timer_fired (GstClock * clock, GstClockTime time,
    GstClockID id, gpointer user_data)
{
  GstAsyncIdentityTimer *timer = user_data;
  GstAsyncIdentity *self = timer->self;
  GQueue failed = G_QUEUE_INIT;

  /* Claimed by unlock (): the frame is finished there. */
  if (!g_atomic_int_compare_and_exchange (&timer->claimed, 0, 1))
    return TRUE;
  g_mutex_lock (&service_lock);
  g_hash_table_remove (self->timers, timer);
  self->serving--;
  gst_async_identity_serve_locked (self, &failed);
  g_mutex_unlock (&service_lock);
  gst_async_transform_finish_frame (GST_ASYNC_TRANSFORM (self), timer->frame,
      GST_FLOW_OK);
  gst_async_identity_fail_frames (&failed);
  gst_clock_id_unref (id);
  return TRUE;
}

/* Starts the timer that finishes @frame, served by @self, after @us.
 * Returns FALSE when the clock cannot time it. With the lock held, so
 * that unlock () finds every timer that started, and a timer that fires
 * at once waits for its place in the set. */
static gboolean
gst_async_identity_start_timer_locked (GstAsyncIdentity * self,
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
  g_hash_table_add (self->timers, timer);
  /* (the clock frees the timer with the id) */
  timer->self = gst_object_ref (self);
  ret = gst_clock_id_wait_async (timer->id, gst_async_identity_timer_fired,
      timer, (GDestroyNotify) gst_async_identity_timer_free);
  if (G_UNLIKELY (ret != GST_CLOCK_OK)) {
    GST_WARNING_OBJECT (self, "the system clock refused a timer (%d)", ret);
    g_hash_table_remove (self->timers, timer);
    /* (not the last reference to the element: the frame has one) */
    gst_clock_id_unref (timer->id);
    return FALSE;
  }
  return TRUE;
}

/* Whether a request of @n frames fits in @self's service now: a slot per
 * frame; one larger than the capacity fits an idle service. */
static inline gboolean
gst_async_identity_fits_locked (GstAsyncIdentity * self, guint n)
{
  return self->capacity == 0 || self->serving == 0
      || self->serving + n <= self->capacity;
}

/* Serves @n pending frames: their slots are taken, their work time starts
 * now. A frame whose timer could not start gives its slot back and goes
 * on @failed. */
static void
gst_async_identity_serve_pending_locked (GstAsyncIdentity * self,
    GstAsyncFrame ** frames, guint n, gint64 us, GQueue * failed)
{
  guint i;

  self->serving += n;
  for (i = 0; i < n; i++) {
    if (!gst_async_identity_start_timer_locked (self, frames[i], us)) {
      self->serving--;
      g_queue_push_tail (failed, frames[i]);
    }
  }
}

/* Serves the requests waiting in @self's service, oldest first, as long
 * as the oldest fits: a sleep or busy call is told (once all its requests
 * are served), a pending request's timers start, and the frames whose
 * timer could not start go on @failed. */
static void
gst_async_identity_serve_locked (GstAsyncIdentity * self, GQueue * failed)
{
  GstAsyncIdentityRequest *req;

  while ((req = g_queue_peek_head (&self->waiting))
      && gst_async_identity_fits_locked (self, req->n_frames)) {
    g_queue_pop_head_link (&self->waiting);
    GST_LOG_OBJECT (self, "serving %u frames, %u served, capacity %u",
        req->n_frames, self->serving, self->capacity);
    if (req->call) {
      self->serving += req->n_frames;
      req->state = GST_ASYNC_IDENTITY_REQUEST_SERVED;
      if (--req->call->unserved == 0)
        g_cond_signal (&req->call->cond);
    } else {
      gst_async_identity_serve_pending_locked (self, req->frames,
          req->n_frames, req->us, failed);
      g_free (req);
    }
  }
}

/* Without the lock: the frames of @failed, whose timer the clock refused,
 * end with an error of their element. */
static void
gst_async_identity_fail_frames (GQueue * failed)
{
  GstAsyncFrame *frame;

  while ((frame = g_queue_pop_head (failed))) {
    GstAsyncIdentity *self = gst_async_identity_of (frame);

    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL),
        ("the system clock could not start a timer"));
    gst_async_transform_finish_frame (GST_ASYNC_TRANSFORM (self), frame,
        GST_FLOW_ERROR);
  }
}

/* Without the lock: the frames of @flushed end as flushed. */
static void
gst_async_identity_flush_frames (GQueue * flushed)
{
  GstAsyncFrame *frame;

  while ((frame = g_queue_pop_head (flushed)))
    gst_async_transform_finish_frame (GST_ASYNC_TRANSFORM
        (gst_async_identity_of (frame)), frame, GST_FLOW_FLUSHING);
}

/* service-capacity: a higher capacity serves the frames waiting at once;
 * a lower one serves no more until the frames served are below it. */
static void
gst_async_identity_set_capacity (GstAsyncIdentity * self, guint capacity)
{
  GQueue failed = G_QUEUE_INIT;

  g_mutex_lock (&service_lock);
  GST_DEBUG_OBJECT (self, "service capacity %u (was %u), %u frames served, "
      "%u requests waiting", capacity, self->capacity, self->serving,
      self->waiting.length);
  self->capacity = capacity;
  gst_async_identity_serve_locked (self, &failed);
  g_mutex_unlock (&service_lock);
  gst_async_identity_fail_frames (&failed);
}

/* A flush or a stop: the frames at work are thrown away, so their work may
 * end now. Pending ones, served or waiting in the service, are finished as
 * flushed; this element's calls waiting to be served stop waiting, and
 * other elements' calls no longer wait for their frames of this one. */
static void
gst_async_identity_unlock (GstAsyncTransform * trans)
{
  GstAsyncIdentity *self = GST_ASYNC_IDENTITY (trans);
  GQueue flushed = G_QUEUE_INIT;
  GstAsyncIdentityRequest *req;
  GSList *timers = NULL, *l;
  GHashTableIter iter;
  GList *link;
  gpointer key;
  guint i;

  g_mutex_lock (&service_lock);
  g_atomic_int_set (&self->flushing, TRUE);
  g_cond_broadcast (&self->cond);
  for (link = self->waiting_calls.head; link; link = link->next)
    g_cond_signal (&((GstAsyncIdentityCall *) link->data)->cond);
  while ((link = g_queue_pop_head_link (&self->waiting))) {
    req = link->data;
    if (req->call) {
      req->state = GST_ASYNC_IDENTITY_REQUEST_OUT;
      if (--req->call->unserved == 0)
        g_cond_signal (&req->call->cond);
    } else {
      for (i = 0; i < req->n_frames; i++)
        g_queue_push_tail (&flushed, req->frames[i]);
      g_free (req);
    }
  }
  /* (a timer claimed by its firing is left to it) */
  g_hash_table_iter_init (&iter, self->timers);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    GstAsyncIdentityTimer *timer = key;

    if (g_atomic_int_compare_and_exchange (&timer->claimed, 0, 1)) {
      g_hash_table_iter_remove (&iter);
      self->serving--;
      timers = g_slist_prepend (timers, timer);
    }
  }
  g_mutex_unlock (&service_lock);

  gst_async_identity_flush_frames (&flushed);
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

  g_mutex_lock (&service_lock);
  g_atomic_int_set (&self->flushing, FALSE);
  g_mutex_unlock (&service_lock);
}

/* Splits the @n_frames @frames of a call into one request per element, in
 * @reqs, their frames (in order) in @grouped: returns how many. */
static guint
gst_async_identity_split (GstAsyncFrame ** frames, guint n_frames,
    GstAsyncFrame ** grouped, GstAsyncIdentityRequest * reqs)
{
  guint n_reqs = 0, placed = 0, i, j;

  for (i = 0; i < n_frames; i++) {
    GstAsyncIdentity *service = gst_async_identity_of (frames[i]);
    GstAsyncIdentityRequest *req;

    for (j = 0; j < n_reqs && reqs[j].service != service; j++);
    if (j < n_reqs)
      continue;
    /* the first frame of an element: its request takes its frames */
    req = &reqs[n_reqs++];
    memset (req, 0, sizeof (*req));
    req->service = service;
    req->frames = grouped + placed;
    for (j = i; j < n_frames; j++) {
      if (gst_async_identity_of (frames[j]) == service)
        req->frames[req->n_frames++] = frames[j];
    }
    placed += req->n_frames;
  }
  return n_reqs;
}

/* Pending work: each request is served at once if nothing waits before
 * it and it fits, else it waits in its service, a copy of it (its timers
 * start as it is served). The frames of a flushing element are finished
 * as flushed. */
static void
gst_async_identity_submit (GstAsyncIdentityRequest * reqs, guint n_reqs,
    gint64 us)
{
  GQueue flushed = G_QUEUE_INIT, failed = G_QUEUE_INIT;
  guint r, i;

  g_mutex_lock (&service_lock);
  for (r = 0; r < n_reqs; r++) {
    GstAsyncIdentity *service = reqs[r].service;
    GstAsyncIdentityRequest *req;

    if (service->flushing) {
      for (i = 0; i < reqs[r].n_frames; i++)
        g_queue_push_tail (&flushed, reqs[r].frames[i]);
    } else if (g_queue_is_empty (&service->waiting)
        && gst_async_identity_fits_locked (service, reqs[r].n_frames)) {
      gst_async_identity_serve_pending_locked (service, reqs[r].frames,
          reqs[r].n_frames, us, &failed);
    } else {
      req = g_malloc (sizeof (GstAsyncIdentityRequest) +
          reqs[r].n_frames * sizeof (GstAsyncFrame *));
      *req = reqs[r];
      req->frames = (GstAsyncFrame **) (req + 1);
      memcpy (req->frames, reqs[r].frames,
          reqs[r].n_frames * sizeof (GstAsyncFrame *));
      req->us = us;
      req->state = GST_ASYNC_IDENTITY_REQUEST_WAITING;
      req->link.data = req;
      GST_LOG_OBJECT (service, "%u frames wait, %u served, capacity %u",
          req->n_frames, service->serving, service->capacity);
      g_queue_push_tail_link (&service->waiting, &req->link);
    }
  }
  g_mutex_unlock (&service_lock);
  gst_async_identity_flush_frames (&flushed);
  gst_async_identity_fail_frames (&failed);
}

/* The requests of a sleep or busy call leave their services: the slots of
 * those served are given back (and may serve others), those still waiting
 * are withdrawn. */
static void
gst_async_identity_leave_locked (GstAsyncIdentityRequest * reqs,
    guint n_reqs, GQueue * failed)
{
  guint r;

  for (r = 0; r < n_reqs; r++) {
    GstAsyncIdentity *service = reqs[r].service;

    switch (reqs[r].state) {
      case GST_ASYNC_IDENTITY_REQUEST_SERVED:
        service->serving -= reqs[r].n_frames;
        break;
      case GST_ASYNC_IDENTITY_REQUEST_WAITING:
        g_queue_unlink (&service->waiting, &reqs[r].link);
        break;
      default:
        continue;
    }
    reqs[r].state = GST_ASYNC_IDENTITY_REQUEST_OUT;
    gst_async_identity_serve_locked (service, failed);
  }
}

/* Sleep and busy work: waits, holding the worker, until every request of
 * the call is served (or withdrawn by a flush of its element). Returns
 * FALSE when @self, which makes the call, flushes first: then its
 * requests have left their services. */
static gboolean
gst_async_identity_wait_served (GstAsyncIdentity * self,
    GstAsyncIdentityRequest * reqs, guint n_reqs)
{
  GstAsyncIdentityCall call = { 0, };
  GQueue failed = G_QUEUE_INIT;
  gboolean flushing;
  guint r;

  g_mutex_lock (&service_lock);
  if ((flushing = self->flushing))
    goto flushing;
  g_cond_init (&call.cond);
  call.link.data = &call;
  /* Served, or in the queue, of every service in one step (see the top
   * of the file). */
  for (r = 0; r < n_reqs; r++) {
    GstAsyncIdentity *service = reqs[r].service;

    reqs[r].call = &call;
    if (service->flushing) {
      reqs[r].state = GST_ASYNC_IDENTITY_REQUEST_OUT;
    } else if (g_queue_is_empty (&service->waiting)
        && gst_async_identity_fits_locked (service, reqs[r].n_frames)) {
      service->serving += reqs[r].n_frames;
      reqs[r].state = GST_ASYNC_IDENTITY_REQUEST_SERVED;
    } else {
      reqs[r].state = GST_ASYNC_IDENTITY_REQUEST_WAITING;
      reqs[r].link.data = &reqs[r];
      g_queue_push_tail_link (&service->waiting, &reqs[r].link);
      call.unserved++;
    }
  }
  if (call.unserved > 0) {
    g_queue_push_tail_link (&self->waiting_calls, &call.link);
    while (call.unserved > 0 && !(flushing = self->flushing))
      g_cond_wait (&call.cond, &service_lock);
    g_queue_unlink (&self->waiting_calls, &call.link);
    if (flushing)
      gst_async_identity_leave_locked (reqs, n_reqs, &failed);
  }
  g_mutex_unlock (&service_lock);
  g_cond_clear (&call.cond);
  gst_async_identity_fail_frames (&failed);
  return !flushing;

  /* ERRORS */
flushing:
  g_mutex_unlock (&service_lock);
  return FALSE;
}

/* The slots of a sleep or busy call go back to their services. */
static void
gst_async_identity_leave (GstAsyncIdentityRequest * reqs, guint n_reqs)
{
  GQueue failed = G_QUEUE_INIT;

  g_mutex_lock (&service_lock);
  gst_async_identity_leave_locked (reqs, n_reqs, &failed);
  g_mutex_unlock (&service_lock);
  gst_async_identity_fail_frames (&failed);
}

/* --- the work ------------------------------------------------------------ */

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
  g_mutex_lock (&service_lock);
  while (!(flushing = self->flushing)
      && g_cond_wait_until (&self->cond, &service_lock, until));
  g_mutex_unlock (&service_lock);
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

/* Spends @us of work on @frames, in the work mode of @self, which makes
 * the call, in the services of the frames' elements: the frames are done
 * once it returns GST_FLOW_OK (each with its very input buffer as output,
 * no copy: also where there are no caps to tell input fits output), or
 * pending on timers that end together @us after they are served
 * (GST_ASYNC_TRANSFORM_FLOW_PENDING; a frame whose timer could not start
 * is finished with an error, one of a flushing element as flushed). Work
 * of no time takes no slot. */
static GstFlowReturn
gst_async_identity_work (GstAsyncIdentity * self, GstAsyncFrame ** frames,
    guint n_frames, gint64 us)
{
  GstAsyncFrame **grouped;
  GstAsyncIdentityRequest *reqs;
  gboolean done = TRUE;
  gint mode;
  guint i, n_reqs;

  for (i = 0; i < n_frames; i++)
    frames[i]->output = g_steal_pointer (&frames[i]->input);
  if (us == 0 || n_frames == 0)
    return GST_FLOW_OK;
  grouped = g_newa (GstAsyncFrame *, n_frames);
  reqs = g_newa (GstAsyncIdentityRequest, n_frames);
  n_reqs = gst_async_identity_split (frames, n_frames, grouped, reqs);
  mode = g_atomic_int_get (&self->work_mode);
  if (mode == GST_ASYNC_IDENTITY_WORK_MODE_PENDING) {
    /* the outputs are ready; the service says when they may leave */
    gst_async_identity_submit (reqs, n_reqs, us);
    return GST_ASYNC_TRANSFORM_FLOW_PENDING;
  }
  if (!gst_async_identity_wait_served (self, reqs, n_reqs))
    return GST_FLOW_FLUSHING;
  if (mode == GST_ASYNC_IDENTITY_WORK_MODE_BUSY)
    done = gst_async_identity_busy (self, frames[0]->output, us);
  else
    done = gst_async_identity_sleep (self, us);
  gst_async_identity_leave (reqs, n_reqs);
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
