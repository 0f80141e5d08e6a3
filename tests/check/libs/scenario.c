/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * scenario.c: random scenarios that cross the engine's features in one run
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

/* One seed, one scenario. A GRand seeded with it picks the element
 * (asyncprocess with a C function, or a GstAsyncTransform subclass of our
 * own), its properties (n-workers, max-in-flight 1..16, ordered, leaky,
 * qos), the work (a random time per frame, from nothing to 2 ms; frames
 * dropped, frames failing with GST_ASYNC_TRANSFORM_FRAME_ERROR (); frames
 * left PENDING and finished later: by the k-th frame of a batch as a
 * batching element does, by completer threads, or inside process ()), the
 * sink (sometimes slow) and then a list of steps: buffers, serialized
 * events (custom, gap, segment, caps), QoS events from downstream,
 * flushes (from the streaming thread, or from another thread while
 * upstream pushes), state changes PLAYING <-> PAUSED <-> READY with frames
 * in flight, downstream refusing a buffer with NOT_LINKED or FLUSHING,
 * drain queries, EOS in the middle and at the end. What the frames do is a
 * function of the seed and the frame's offset, so a seed replays the same
 * scenario; only the threads' timing differs.
 *
 * After the run, the engine's invariants (ENGINE.md) are checked on what
 * went in and what came out: buffers leave in input order (offsets
 * strictly increasing with ordered=true), none twice, none from before a
 * flush or a state change after it; every event keeps its place among the
 * buffers and none is lost, nor anything accepted before a not-linked
 * (a reconfigure resumes with it, as with queue); EOS comes after every
 * buffer; upstream learns of a not-linked; a buffer that
 * comes out is one the work kept, and the buffer after a frame lost to
 * leaky, QoS or a frame error is DISCONT; every frame is accounted for
 * (frames-in = frames-out + dropped + in-flight, with frames-in the
 * buffers upstream saw accepted and frames-out the buffers downstream
 * got, the errors and drops those the work made); at most max-in-flight
 * frames inside at once; no error message. Nothing may hang: a watchdog
 * fails the scenario as "stalled" when nothing moves for a while, and
 * valgrind (the test setup of that name) finds leaks.
 *
 * Seeds: a fixed list by default, so that CI is deterministic;
 * SCENARIO_SEED=n replays one seed, SCENARIO_SEEDS=n runs n random seeds
 * (each printed as it starts). SCENARIO_STEPS=n sets the steps of every
 * scenario; SCENARIO_DUMP=1 prints what went in and what came out. Every
 * failure names the seed and the step. Under valgrind
 * (GST_ASYNC_TEST_VALGRIND) the scenarios are half as long. */

#include <gst/check/gstcheck.h>
#include <gst/async/gstasynctransform.h>
#include <gst/async/gstasyncprocess.h>
#include <string.h>

#include "../asynccheck.h"

#define FRAME_DURATION (10 * GST_MSECOND)
#define FRAME_SIZE 32

/* Nothing moved for this long: stalled (work, sink and completers take at
 * most a few ms per frame). */
#define STALL_SECONDS 5
#define STALL_SECONDS_VALGRIND 60

/* Frames upstream pushes, at most, to learn that downstream refused one. */
#define MAX_SETTLE_FRAMES 2000

typedef enum
{
  KIND_PROCESS,                 /* asyncprocess, a C function */
  KIND_SUBCLASS,                /* GstScenarioTransform below */
  KIND_BATCH,                   /* GstScenarioBatch: batches of frames */
} Kind;

typedef enum
{
  PEND_NONE,                    /* process () does the work */
  PEND_BATCH,                   /* the k-th frame finishes the k before */
  PEND_COMPLETER,               /* threads finish them after a while */
  PEND_INLINE,                  /* finished inside process () */
  PEND_MIXED,                   /* completers and inline */
} PendMode;

static const gchar *pend_names[] = { "none", "batch", "completer", "inline",
  "mixed"
};

typedef enum
{
  FATE_NONE,                    /* never processed */
  FATE_OK,
  FATE_DROP,                    /* GST_ASYNC_TRANSFORM_FLOW_DROPPED */
  FATE_ERROR,                   /* GST_ASYNC_TRANSFORM_FRAME_ERROR () */
} Fate;

typedef struct
{
  guint32 seed;
  Kind kind;
  guint n_workers;
  guint max_in_flight;
  guint batch_size;             /* KIND_BATCH */
  GstClockTime batch_timeout;
  gboolean ordered;
  GstAsyncTransformLeaky leaky;
  gboolean qos;
  gboolean qos_events;          /* downstream sends QoS events */
  guint work_max_us;            /* each frame works 0..this long */
  PendMode pend;
  guint pend_pct;               /* completer, inline, mixed: frames pending */
  guint batch;                  /* PEND_BATCH: k */
  guint n_completers;
  guint complete_max_us;
  guint error_pct;              /* frames failing (subclass only) */
  guint drop_pct;               /* frames dropped by the work */
  guint sink_slow_pct;
  guint sink_slow_max_us;
  guint chaos;                  /* 0: a plain stream; 1, 2: more disruptions */
  guint n_steps;
  gboolean auto_window;         /* max-in-flight=0: the work sizes it, up
                                 * to max_in_flight (256) */
  GstClockTime max_latency;     /* 0: none */
  GstClockTime stats_interval;  /* 0: no stats messages */
} Params;

/* What upstream sent (the driver's log) and what downstream got (the
 * sink's log). */
typedef enum
{
  ITEM_BUFFER,                  /* id: offset */
  ITEM_EVENT,                   /* id: the event's number */
  ITEM_EOS,
  ITEM_FLUSH,                   /* flush-stop */
  ITEM_RESET,                   /* the element went to READY and back */
} ItemKind;

typedef struct
{
  ItemKind kind;
  GstEventType type;            /* ITEM_EVENT */
  guint64 id;
  gboolean discont;             /* sink's ITEM_BUFFER */
  gboolean refused;             /* sink's ITEM_BUFFER: not-linked, flushing */
} Item;

typedef struct _Scenario Scenario;

/* A frame the work holds (batch, completers) or finishes. */
typedef struct
{
  Scenario *sc;
  GstAsyncTransform *trans;
  GstAsyncProcessFrame *pframe; /* KIND_PROCESS (owned when held) */
  GstAsyncFrame *frame;         /* KIND_SUBCLASS, KIND_BATCH */
  guint64 offset;
  Fate fate;
  gint64 due;                   /* completers: finish then (monotonic µs) */
  guint cancel_gen;
} Pending;

typedef struct
{
  gint thread_set;
  GThread *thread;
  gboolean reset;               /* READY, else flush-start */
  guint delay_us;
  GstState resume;              /* reset: the state to go back to */
} Interrupt;

struct _Scenario
{
  Params p;
  GRand *rand;                  /* the driver's: the scenario */
  GstElement *element;
  GstPad *src, *sink;           /* ours, linked to the element */
  GstBus *bus;
  GstState state;               /* PAUSED or PLAYING */

  /* the work, with lock */
  GMutex lock;
  GCond cond;
  GPtrArray *held;              /* Pending: the batch so far */
  GQueue todo;                  /* Pending: for the completers */
  gboolean closing;             /* batch: finish at once (EOS, drain) */
  guint cancel_gen;
  gboolean stop;
  GThread *completers[2];

  /* per frame, by offset, written by process () (fates before the
   * counters, read after the threads are gone) */
  guint cap;
  gint *processed;              /* atomic */
  guint8 *fates;

  /* since the last READY->PAUSED, atomic */
  gint proc_ok, proc_drop, proc_error;

  /* the sink, with sink_lock */
  GMutex sink_lock;
  GCond sink_cond;
  GArray *sink_items;
  guint sink_buffers;           /* since the last READY->PAUSED... */
  guint sink_refused;           /* ...and of those, refused */
  guint eos_count;
  GRand *sink_rand;
  /* 0; 100 - flow: armed, the next buffer gets flow; flow: it got it */
  gint sink_fail;

  /* the driver's, one thread */
  GArray *drv_items;
  gint *buf_index;              /* by offset: in drv_items, -1 refused */
  gint *ev_index;               /* by event number */
  guint ev_cap;
  guint64 next_offset;
  guint64 next_event;
  guint64 last_caps;            /* the event number of the last caps */
  guint accepted;               /* frames accepted since READY->PAUSED */
  guint flushes;                /* flushes since READY->PAUSED */
  gboolean qos_sent;            /* since READY->PAUSED */
  guint refusals;               /* not-linked recovered since READY->PAUSED */
  guint disruptions;            /* flushes and resets, all run */
  Interrupt intr;
  guint n_eos, n_flush, n_reset, n_sink_fail, n_drain;

  /* what the driver does now, for messages (atomic) */
  gint step;
  const gchar *volatile step_what;
  volatile guint64 step_arg;

  /* failure */
  gint abort;
  gint stalled;
  GMutex fail_lock;
  gchar *failure;
  gchar *desc;

  /* watchdog */
  gint progress;
  GMutex wd_lock;
  GCond wd_cond;
  gboolean wd_done;
  GThread *watchdog;
};

/* --- failures ------------------------------------------------------------ */

/* *INDENT-OFF* */
static void violation (Scenario * sc, const gchar * format, ...)
    G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

/* Records the first failure (with the seed and the step) and stops the
 * scenario; from any thread. */
static void
violation (Scenario * sc, const gchar * format, ...)
{
  va_list args;
  gchar *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);

  g_mutex_lock (&sc->fail_lock);
  if (sc->failure == NULL)
    sc->failure = g_strdup_printf ("seed %u, step %d (%s %" G_GUINT64_FORMAT
        "): %s\n  scenario: %s\n  replay: SCENARIO_SEED=%u", sc->p.seed,
        g_atomic_int_get (&sc->step), sc->step_what, sc->step_arg, msg,
        sc->desc, sc->p.seed);
  g_mutex_unlock (&sc->fail_lock);
  g_free (msg);
  g_atomic_int_set (&sc->abort, 1);
}

static inline gboolean
aborted (Scenario * sc)
{
  return g_atomic_int_get (&sc->abort);
}

static inline void
progress (Scenario * sc)
{
  g_atomic_int_inc (&sc->progress);
}

static inline void
step_set (Scenario * sc, const gchar * what, guint64 arg)
{
  sc->step_what = what;
  sc->step_arg = arg;
  progress (sc);
}

/* --- per-frame choices: a function of the seed and the offset ----------- */

static inline guint64
mix64 (guint64 z)
{
  z += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

enum
{
  SALT_FATE = 1,
  SALT_WORK,
  SALT_PEND,
  SALT_INLINE,
  SALT_DELAY,
  SALT_ORDER,
};

/* 0 .. @range - 1 */
static inline guint
frame_rand (Scenario * sc, guint64 offset, guint salt, guint range)
{
  if (range == 0)
    return 0;
  return mix64 (((guint64) sc->p.seed << 32) ^ (offset << 4) ^ salt) % range;
}

/* --- the work, shared by both kinds of element -------------------------- */

/* What process () returns for @pd's fate, setting the output. */
static GstFlowReturn
pending_result (Pending * pd)
{
  switch (pd->fate) {
    case FATE_DROP:
      return GST_ASYNC_TRANSFORM_FLOW_DROPPED;
    case FATE_ERROR:
      return GST_ASYNC_TRANSFORM_FRAME_ERROR (pd->trans, pd->frame, STREAM,
          DECODE, ("Scenario frame %" G_GUINT64_FORMAT " is corrupt.",
              pd->offset), ("its fate, seed %u", pd->sc->p.seed));
    default:
      if (pd->frame)
        pd->frame->output = g_steal_pointer (&pd->frame->input);
      /* (asyncprocess: a frame left alone goes out as it came) */
      return GST_FLOW_OK;
  }
}

static Pending *
pending_copy (Pending * pd)
{
  Pending *copy = g_memdup2 (pd, sizeof (Pending));

  if (copy->pframe)
    gst_async_process_frame_ref (copy->pframe);
  return copy;
}

/* Finishes a pending frame and frees @pd. */
static void
pending_finish (Pending * pd)
{
  GstFlowReturn flow = pending_result (pd);

  if (pd->pframe) {
    gst_async_process_frame_finish (pd->pframe, flow);
    gst_async_process_frame_unref (pd->pframe);
  } else {
    gst_async_transform_finish_frame (pd->trans, pd->frame, flow);
  }
  progress (pd->sc);
  g_free (pd);
}

static void
finish_all (GPtrArray * frames, gboolean reverse)
{
  guint i, n = frames->len;

  for (i = 0; i < n; i++)
    pending_finish (g_ptr_array_index (frames, reverse ? n - 1 - i : i));
  g_ptr_array_unref (frames);
}

/* Takes the batch held so far (with the lock). */
static GPtrArray *
take_held_locked (Scenario * sc)
{
  GPtrArray *taken = sc->held;

  sc->held = g_ptr_array_new ();
  return taken;
}

static Fate
pick_fate (Scenario * sc, guint64 offset)
{
  guint r = frame_rand (sc, offset, SALT_FATE, 100);

  if (r < sc->p.error_pct)
    return FATE_ERROR;
  if (r < sc->p.error_pct + sc->p.drop_pct)
    return FATE_DROP;
  return FATE_OK;
}

/* process () of both elements: @pd, on the stack, is the frame. */
static GstFlowReturn
scenario_work (Scenario * sc, Pending * pd)
{
  guint64 offset = pd->offset;
  guint work_us;
  gboolean pend;

  progress (sc);
  if (offset >= sc->cap) {
    violation (sc, "process () got offset %" G_GUINT64_FORMAT
        ", never pushed", offset);
    pd->fate = FATE_OK;
    return pending_result (pd);
  }
  if (g_atomic_int_add (&sc->processed[offset], 1) != 0)
    violation (sc, "frame %" G_GUINT64_FORMAT " was processed twice", offset);
  pd->fate = pick_fate (sc, offset);
  sc->fates[offset] = pd->fate;
  g_atomic_int_inc (pd->fate == FATE_OK ? &sc->proc_ok : pd->fate ==
      FATE_DROP ? &sc->proc_drop : &sc->proc_error);

  work_us = frame_rand (sc, offset, SALT_WORK, sc->p.work_max_us + 1);
  if (work_us)
    g_usleep (work_us);

  switch (sc->p.pend) {
    case PEND_BATCH:
      pend = TRUE;
      break;
    case PEND_NONE:
      pend = FALSE;
      break;
    default:
      pend = frame_rand (sc, offset, SALT_PEND, 100) < sc->p.pend_pct;
      break;
  }
  if (!pend)
    return pending_result (pd);

  if (sc->p.pend == PEND_BATCH) {
    GPtrArray *batch = NULL;

    g_mutex_lock (&sc->lock);
    if (sc->closing) {
      g_mutex_unlock (&sc->lock);
      return pending_result (pd);
    }
    g_ptr_array_add (sc->held, pending_copy (pd));
    if (sc->held->len >= sc->p.batch)
      batch = take_held_locked (sc);
    g_mutex_unlock (&sc->lock);
    /* (this frame among them: finished before process () returns) */
    if (batch)
      finish_all (batch, frame_rand (sc, offset, SALT_ORDER, 2));
    return GST_ASYNC_TRANSFORM_FLOW_PENDING;
  }

  if (sc->p.pend == PEND_INLINE || (sc->p.pend == PEND_MIXED
          && frame_rand (sc, offset, SALT_INLINE, 2))) {
    pending_finish (pending_copy (pd));
    return GST_ASYNC_TRANSFORM_FLOW_PENDING;
  }

  pd = pending_copy (pd);
  pd->due = g_get_monotonic_time () + frame_rand (sc, offset, SALT_DELAY,
      sc->p.complete_max_us + 1);
  g_mutex_lock (&sc->lock);
  pd->cancel_gen = sc->cancel_gen;
  g_queue_push_tail (&sc->todo, pd);
  g_cond_broadcast (&sc->cond);
  g_mutex_unlock (&sc->lock);
  return GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

/* A flush or a stop: the held batch is finished now (and thrown away by
 * the element), the completers hurry. */
static void
scenario_cancel (Scenario * sc)
{
  GPtrArray *batch;

  g_mutex_lock (&sc->lock);
  batch = take_held_locked (sc);
  sc->cancel_gen++;
  g_cond_broadcast (&sc->cond);
  g_mutex_unlock (&sc->lock);
  finish_all (batch, FALSE);
}

/* Before EOS, a drain or new caps, which wait for every frame: a batching
 * element would finish its partial batch on a timeout; here the driver
 * says when. */
static void
batch_close (Scenario * sc)
{
  GPtrArray *batch;

  g_mutex_lock (&sc->lock);
  sc->closing = TRUE;
  batch = take_held_locked (sc);
  g_mutex_unlock (&sc->lock);
  finish_all (batch, FALSE);
}

static void
batch_open (Scenario * sc)
{
  g_mutex_lock (&sc->lock);
  sc->closing = FALSE;
  g_mutex_unlock (&sc->lock);
}

static gpointer
completer_thread (gpointer data)
{
  Scenario *sc = data;
  Pending *pd;

  g_mutex_lock (&sc->lock);
  for (;;) {
    gint64 wait;

    if (g_queue_is_empty (&sc->todo)) {
      if (sc->stop)
        break;
      g_cond_wait (&sc->cond, &sc->lock);
      continue;
    }
    pd = g_queue_pop_head (&sc->todo);
    wait = pd->cancel_gen == sc->cancel_gen && !sc->stop ?
        pd->due - g_get_monotonic_time () : 0;
    g_mutex_unlock (&sc->lock);
    if (wait > 0)
      g_usleep (wait);
    pending_finish (pd);
    g_mutex_lock (&sc->lock);
  }
  g_mutex_unlock (&sc->lock);
  return NULL;
}

/* --- the elements -------------------------------------------------------- */

static GstFlowReturn
scenario_process_function (GstAsyncProcess * process,
    GstAsyncProcessFrame * frame, gpointer user_data)
{
  Pending pd = { 0, };

  pd.sc = user_data;
  pd.trans = GST_ASYNC_TRANSFORM (process);
  pd.pframe = frame;
  pd.offset = GST_BUFFER_OFFSET (gst_async_process_frame_get_buffer (frame));

  return scenario_work (user_data, &pd);
}

static void
scenario_on_cancel (GstAsyncProcess * process, gpointer user_data)
{
  scenario_cancel (user_data);
}

/* GstScenarioTransform: a GstAsyncTransform whose process () is the
 * scenario's work; unlock () cancels it. */
typedef struct
{
  GstAsyncTransform parent;
  Scenario *sc;
} GstScenarioTransform;

typedef struct
{
  GstAsyncTransformClass parent_class;
} GstScenarioTransformClass;

GType gst_scenario_transform_get_type (void);
G_DEFINE_TYPE (GstScenarioTransform, gst_scenario_transform,
    GST_TYPE_ASYNC_TRANSFORM);

static GstStaticPadTemplate any_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate any_src_template =
GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS_ANY);

static GstFlowReturn
scenario_transform_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  Scenario *sc = ((GstScenarioTransform *) trans)->sc;
  Pending pd = { 0, };

  pd.sc = sc;
  pd.trans = trans;
  pd.frame = frame;
  pd.offset = GST_BUFFER_OFFSET (frame->input);

  return scenario_work (sc, &pd);
}

static void
scenario_transform_unlock (GstAsyncTransform * trans)
{
  scenario_cancel (((GstScenarioTransform *) trans)->sc);
}

static void
gst_scenario_transform_class_init (GstScenarioTransformClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &any_sink_template);
  gst_element_class_add_static_pad_template (element_class, &any_src_template);
  gst_element_class_set_static_metadata (element_class, "Scenario",
      "Testing", "Does what the scenario's seed says", "tests");
  trans_class->process = scenario_transform_process;
  trans_class->unlock = scenario_transform_unlock;
  trans_class->decide_allocation = NULL;
}

static void
gst_scenario_transform_init (GstScenarioTransform * self)
{
}

/* GstScenarioBatch: the same work on batches (process_batch ()), and on
 * single frames (process ()) while batch-size is 1. Each frame's outcome
 * is its own: the frames not left pending that did not go well are
 * finished in the call, and the flow returned is for the rest (OK, or
 * PENDING when some pend). */
typedef struct
{
  GstScenarioTransform parent;
} GstScenarioBatch;

typedef struct
{
  GstScenarioTransformClass parent_class;
} GstScenarioBatchClass;

enum
{
  PROP_0,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
};

GType gst_scenario_batch_get_type (void);
G_DEFINE_TYPE (GstScenarioBatch, gst_scenario_batch,
    gst_scenario_transform_get_type ());

static GstFlowReturn
scenario_batch_process_batch (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame ** frames, guint n_frames)
{
  Scenario *sc = ((GstScenarioTransform *) trans)->sc;
  GstFlowReturn *flows = g_newa (GstFlowReturn, n_frames);
  gboolean any_pending = FALSE;
  guint i;

  for (i = 0; i < n_frames; i++) {
    Pending pd = { 0, };

    pd.sc = sc;
    pd.trans = trans;
    pd.frame = frames[i];
    pd.offset = GST_BUFFER_OFFSET (frames[i]->input);
    flows[i] = scenario_work (sc, &pd);
    any_pending |= flows[i] == GST_ASYNC_TRANSFORM_FLOW_PENDING;
  }
  for (i = 0; i < n_frames; i++) {
    if (flows[i] != GST_ASYNC_TRANSFORM_FLOW_PENDING
        && (any_pending || flows[i] != GST_FLOW_OK))
      gst_async_transform_finish_frame (trans, frames[i], flows[i]);
  }
  return any_pending ? GST_ASYNC_TRANSFORM_FLOW_PENDING : GST_FLOW_OK;
}

static void
scenario_batch_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  if (!gst_async_transform_set_batch_property (GST_ASYNC_TRANSFORM (object),
          pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
scenario_batch_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  if (!gst_async_transform_get_batch_property (GST_ASYNC_TRANSFORM (object),
          pspec, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_scenario_batch_class_init (GstScenarioBatchClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  gobject_class->set_property = scenario_batch_set_property;
  gobject_class->get_property = scenario_batch_get_property;
  gst_async_transform_class_install_batch_properties (trans_class,
      PROP_BATCH_SIZE, PROP_BATCH_TIMEOUT);
  trans_class->process_batch = scenario_batch_process_batch;
}

static void
gst_scenario_batch_init (GstScenarioBatch * self)
{
}

/* --- downstream ---------------------------------------------------------- */

static void
sink_record_locked (Scenario * sc, ItemKind kind, GstEventType type,
    guint64 id, gboolean discont)
{
  Item item = { kind, type, id, discont, FALSE };

  g_array_append_val (sc->sink_items, item);
  g_cond_broadcast (&sc->sink_cond);
}

static GstFlowReturn
sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  Scenario *sc = gst_pad_get_element_private (pad);
  guint slow_us = 0;
  gint fail;

  progress (sc);
  /* armed: this buffer is refused */
  fail = g_atomic_int_get (&sc->sink_fail);
  if (fail > 0 && g_atomic_int_compare_and_exchange (&sc->sink_fail, fail,
          100 - fail))
    fail = 100 - fail;
  else
    fail = GST_FLOW_OK;
  g_mutex_lock (&sc->sink_lock);
  sink_record_locked (sc, ITEM_BUFFER, 0, GST_BUFFER_OFFSET (buf),
      GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT));
  g_array_index (sc->sink_items, Item, sc->sink_items->len - 1).refused =
      fail != GST_FLOW_OK;
  sc->sink_buffers++;
  sc->sink_refused += fail != GST_FLOW_OK;
  if (g_rand_int_range (sc->sink_rand, 0, 100) < (gint) sc->p.sink_slow_pct)
    slow_us = g_rand_int_range (sc->sink_rand, 0, sc->p.sink_slow_max_us + 1);
  g_mutex_unlock (&sc->sink_lock);
  gst_buffer_unref (buf);

  if (slow_us)
    g_usleep (slow_us);
  return fail;
}

static gboolean
sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  Scenario *sc = gst_pad_get_element_private (pad);
  const GstStructure *s = gst_event_get_structure (event);
  guint64 id = 0;

  progress (sc);
  g_mutex_lock (&sc->sink_lock);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      sink_record_locked (sc, ITEM_FLUSH, 0, 0, FALSE);
      break;
    case GST_EVENT_EOS:
      sink_record_locked (sc, ITEM_EOS, 0, 0, FALSE);
      sc->eos_count++;
      break;
    case GST_EVENT_SEGMENT:{
      const GstSegment *seg;

      gst_event_parse_segment (event, &seg);
      sink_record_locked (sc, ITEM_EVENT, GST_EVENT_SEGMENT, seg->time, FALSE);
      break;
    }
    case GST_EVENT_GAP:{
      GstClockTime ts, duration;

      gst_event_parse_gap (event, &ts, &duration);
      sink_record_locked (sc, ITEM_EVENT, GST_EVENT_GAP, duration - 1, FALSE);
      break;
    }
    case GST_EVENT_CAPS:{
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      gst_structure_get_uint64 (gst_caps_get_structure (caps, 0), "id", &id);
      sink_record_locked (sc, ITEM_EVENT, GST_EVENT_CAPS, id, FALSE);
      break;
    }
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (s && gst_structure_has_name (s, "scenario")) {
        gst_structure_get_uint64 (s, "id", &id);
        sink_record_locked (sc, ITEM_EVENT, GST_EVENT_CUSTOM_DOWNSTREAM, id,
            FALSE);
      }
      break;
    default:
      break;
  }
  g_mutex_unlock (&sc->sink_lock);
  gst_event_unref (event);
  return TRUE;
}

/* --- the watchdog -------------------------------------------------------- */

static gchar *
stats_string (Scenario * sc)
{
  GstStructure *st = NULL;
  gchar *str;

  g_object_get (sc->element, "stats", &st, NULL);
  str = st ? gst_structure_to_string (st) : g_strdup ("(no stats)");
  if (st)
    gst_structure_free (st);
  return str;
}

/* Fails the scenario when nothing moves (no process () call, no frame
 * finished, nothing downstream, no step) for STALL_SECONDS, then unsticks
 * the element with a flush-start so that the driver can clean up; aborts
 * the program if even that does not help. */
static gpointer
watchdog_thread (gpointer data)
{
  Scenario *sc = data;
  gint64 limit = (async_check_under_valgrind ()? STALL_SECONDS_VALGRIND :
      STALL_SECONDS) * G_TIME_SPAN_SECOND;
  gint64 since = g_get_monotonic_time ();
  gint last = g_atomic_int_get (&sc->progress);

  g_mutex_lock (&sc->wd_lock);
  while (!sc->wd_done) {
    gint64 now = g_get_monotonic_time ();
    gint p;

    g_cond_wait_until (&sc->wd_cond, &sc->wd_lock, now + 50 * 1000);
    p = g_atomic_int_get (&sc->progress);
    now = g_get_monotonic_time ();
    if (p != last || sc->wd_done) {
      last = p;
      since = now;
      continue;
    }
    if (now - since < limit)
      continue;
    g_mutex_unlock (&sc->wd_lock);

    if (!g_atomic_int_get (&sc->stalled)) {
      gchar *stats;
      guint held, todo, sink_items;

      /* first the seed, in case what follows hangs too */
      g_printerr ("scenario seed %u STALLED: nothing moved for %d s at "
          "step %d (%s %" G_GUINT64_FORMAT "); replay with "
          "SCENARIO_SEED=%u\n", sc->p.seed, (gint) (limit /
              G_TIME_SPAN_SECOND), g_atomic_int_get (&sc->step), sc->step_what,
          sc->step_arg, sc->p.seed);
      g_mutex_lock (&sc->lock);
      held = sc->held->len;
      todo = g_queue_get_length (&sc->todo);
      g_mutex_unlock (&sc->lock);
      g_mutex_lock (&sc->sink_lock);
      sink_items = sc->sink_items->len;
      g_mutex_unlock (&sc->sink_lock);
      stats = stats_string (sc);
      g_atomic_int_set (&sc->stalled, 1);
      violation (sc, "stalled: nothing moved for %d s; %u frames held by "
          "the batch, %u by the completers, %u items downstream; %s",
          (gint) (limit / G_TIME_SPAN_SECOND), held, todo, sink_items, stats);
      g_free (stats);
      gst_pad_push_event (sc->src, gst_event_new_flush_start ());
    } else {
      g_printerr ("scenario seed %u: still stuck after a flush-start, at "
          "step %d (%s %" G_GUINT64_FORMAT "): aborting\n", sc->p.seed,
          g_atomic_int_get (&sc->step), sc->step_what, sc->step_arg);
      abort ();
    }
    since = g_get_monotonic_time ();
    g_mutex_lock (&sc->wd_lock);
  }
  g_mutex_unlock (&sc->wd_lock);
  return NULL;
}

/* --- the scenario's parameters ------------------------------------------- */

static guint
scenario_steps (GRand * rand)
{
  const gchar *env = g_getenv ("SCENARIO_STEPS");

  guint n = g_rand_int_range (rand, 150, 451);

  if (env)
    return MAX (1, atoi (env));
  /* (half under valgrind, where all threads share one core; the work and
   * the sink mostly sleep, so that stays a few seconds) */
  return async_check_under_valgrind ()? n / 2 : n;
}

static void
params_generate (Params * p, guint32 seed, GRand * rand)
{
  static const guint windows[] = { 1, 2, 3, 4, 5, 6, 8, 12, 16 };
  guint r;

  memset (p, 0, sizeof (*p));
  p->seed = seed;
  r = g_rand_int_range (rand, 0, 3);
  p->kind = r == 0 ? KIND_PROCESS : r == 1 ? KIND_SUBCLASS : KIND_BATCH;
  if (p->kind == KIND_BATCH) {
    static const GstClockTime timeouts[] = { 0, GST_MSECOND,
      5 * GST_MSECOND, GST_CLOCK_TIME_NONE
    };

    p->batch_size = g_rand_int_range (rand, 1, 9);
    p->batch_timeout = timeouts[g_rand_int_range (rand, 0,
            G_N_ELEMENTS (timeouts))];
  }
  r = g_rand_int_range (rand, 0, 100);
  p->pend = r < 25 ? PEND_NONE : r < 55 ? PEND_BATCH : r < 80 ?
      PEND_COMPLETER : r < 90 ? PEND_INLINE : PEND_MIXED;
  p->max_in_flight = windows[g_rand_int_range (rand, 0,
          G_N_ELEMENTS (windows))];
  if (p->pend == PEND_BATCH) {
    /* One worker: frames reach the batch in input order, so the frames
     * it holds are the newest and the window (at least k) always has
     * room for the rest of the batch. With more workers, or with frames
     * skipped by QoS keeping their place, a batch that only a k-th frame
     * completes could fill the window and wait forever by design (a real
     * batching element has a timeout for that). */
    p->n_workers = 1;
    p->max_in_flight = MAX (p->max_in_flight, 2);
    p->batch = g_rand_int_range (rand, 2, MIN (8, p->max_in_flight) + 1);
  } else {
    p->n_workers = g_rand_int_range (rand, 1, 5);
  }
  p->ordered = g_rand_int_range (rand, 0, 100) < 85;
  r = g_rand_int_range (rand, 0, 100);
  p->leaky = r < 60 ? GST_ASYNC_TRANSFORM_LEAKY_NO : r < 80 ?
      GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM : GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM;
  p->qos = g_rand_int_range (rand, 0, 100) < 70;
  p->qos_events = p->pend != PEND_BATCH && g_rand_boolean (rand);
  r = g_rand_int_range (rand, 0, 100);
  p->work_max_us = r < 35 ? 0 : r < 60 ? 40 : 2000;
  p->pend_pct = g_rand_int_range (rand, 20, 101);
  p->n_completers = g_rand_int_range (rand, 1, 3);
  p->complete_max_us = g_rand_int_range (rand, 0, 2001);
  if (p->kind != KIND_PROCESS && g_rand_boolean (rand))
    p->error_pct = g_rand_int_range (rand, 1, 11);
  if (g_rand_boolean (rand))
    p->drop_pct = g_rand_int_range (rand, 1, 11);
  if (g_rand_boolean (rand)) {
    p->sink_slow_pct = g_rand_int_range (rand, 5, 41);
    p->sink_slow_max_us = g_rand_int_range (rand, 50, 2001);
  }
  r = g_rand_int_range (rand, 0, 100);
  p->chaos = r < 25 ? 0 : r < 75 ? 1 : 2;
  p->n_steps = scenario_steps (rand);
  /* (drawn last, so that the draws above make the same scenarios as
   * before they came) A frame PEND_BATCH holds until k are pending needs
   * a window of k at least: neither an automatic window, whose floor is
   * twice the workers, nor a budget, which may narrow it to one. */
  if (p->pend != PEND_BATCH) {
    p->auto_window = g_rand_int_range (rand, 0, 100) < 30;
    if (p->auto_window)
      p->max_in_flight = 256;
    if (g_rand_int_range (rand, 0, 100) < 25)
      p->max_latency = g_rand_int_range (rand, 1, 41) * GST_MSECOND;
  }
  if (g_rand_int_range (rand, 0, 100) < 25)
    p->stats_interval = g_rand_int_range (rand, 1, 6) * GST_MSECOND;
}

static gchar *
params_describe (Params * p)
{
  static const gchar *leaky[] = { "no", "upstream", "downstream" };

  gchar *pending = p->pend == PEND_BATCH ?
      g_strdup_printf ("batch of %u", p->batch) : p->pend == PEND_NONE ?
      g_strdup ("none") : g_strdup_printf ("%s %u%%", pend_names[p->pend],
      p->pend_pct);
  gchar *batching = p->kind == KIND_BATCH ?
      g_strdup_printf (" batch-size=%u batch-timeout=%" G_GINT64_FORMAT,
      p->batch_size, (gint64) p->batch_timeout) : g_strdup ("");
  gchar *desc = g_strdup_printf ("%s n-workers=%u max-in-flight=%u%s "
      "max-latency=%" G_GUINT64_FORMAT " stats-interval=%" G_GUINT64_FORMAT
      " ordered=%d leaky=%s qos=%d%s work=0..%uus pending=%s errors=%u%% "
      "drops=%u%% sink-slow=%u%%x%uus chaos=%u steps=%u",
      p->kind == KIND_PROCESS ? "asyncprocess" : p->kind == KIND_SUBCLASS ?
      "subclass" : "batching subclass", p->n_workers,
      p->auto_window ? 0 : p->max_in_flight, batching, p->max_latency,
      p->stats_interval, p->ordered, leaky[p->leaky], p->qos,
      p->qos_events ? "+events" : "", p->work_max_us, pending,
      p->error_pct, p->drop_pct, p->sink_slow_pct, p->sink_slow_max_us,
      p->chaos, p->n_steps);

  g_free (pending);
  g_free (batching);
  return desc;
}

/* --- the driver: upstream and the application ---------------------------- */

static void
drv_log (Scenario * sc, ItemKind kind, GstEventType type, guint64 id)
{
  Item item = { kind, type, id, FALSE, FALSE };

  if (kind == ITEM_BUFFER)
    sc->buf_index[id] = sc->drv_items->len;
  else if (kind == ITEM_EVENT)
    sc->ev_index[id] = sc->drv_items->len;
  g_array_append_val (sc->drv_items, item);
}

static guint64
drv_new_event_id (Scenario * sc)
{
  if (sc->next_event >= sc->ev_cap) {
    violation (sc, "more events than the test has room for");
    return sc->ev_cap - 1;
  }
  return sc->next_event++;
}

static void settle_interrupt (Scenario * sc);
static void do_flush (Scenario * sc);

/* Upstream got @what refused (a frame with @ret, or an event): a flush or
 * state change from the other thread, or downstream's refusal. */
static void
handle_refusal (Scenario * sc, GstFlowReturn ret, const gchar * what)
{
  gint fail;

  if (aborted (sc))
    return;
  if (g_atomic_int_get (&sc->intr.thread_set)) {
    settle_interrupt (sc);
    return;
  }
  fail = g_atomic_int_get (&sc->sink_fail);
  if (fail < 0 && (ret == fail || ret == GST_FLOW_OK)) {
    /* (ret OK: an event refused after downstream refused a buffer) */
    step_set (sc, "recover from downstream", -fail);
    if (fail == GST_FLOW_NOT_LINKED) {
      /* refused upstream, so the src task has stopped: a new link */
      sc->refusals++;
      g_atomic_int_set (&sc->sink_fail, 0);
      gst_pad_push_event (sc->sink, gst_event_new_reconfigure ());
    } else {
      do_flush (sc);
    }
    return;
  }
  violation (sc, "%s refused: %s", what, ret == GST_FLOW_OK ? "FALSE" :
      gst_flow_get_name (ret));
}

/* Pushes the next frame; returns the flow return. */
static GstFlowReturn
drv_frame (Scenario * sc)
{
  guint64 offset = sc->next_offset;
  GstBuffer *buf;
  GstFlowReturn ret;

  if (offset >= sc->cap) {
    violation (sc, "more frames than the test has room for");
    return GST_FLOW_ERROR;
  }
  sc->next_offset++;
  buf = gst_buffer_new_allocate (NULL, FRAME_SIZE, NULL);
  gst_buffer_memset (buf, 0, (guint8) offset, FRAME_SIZE);
  GST_BUFFER_PTS (buf) = offset * FRAME_DURATION;
  GST_BUFFER_DURATION (buf) = FRAME_DURATION;
  GST_BUFFER_OFFSET (buf) = offset;
  GST_BUFFER_OFFSET_END (buf) = offset + 1;
  step_set (sc, "push frame", offset);
  ret = gst_pad_push (sc->src, buf);
  progress (sc);
  if (ret == GST_FLOW_OK) {
    drv_log (sc, ITEM_BUFFER, 0, offset);
    sc->accepted++;
  } else {
    handle_refusal (sc, ret, "frame");
  }
  return ret;
}

/* Pushes a serialized event with a number; logs it if accepted. */
static gboolean
drv_event (Scenario * sc, GstEvent * event, guint64 id, const gchar * what)
{
  GstEventType type = GST_EVENT_TYPE (event);
  gboolean ok;

  step_set (sc, what, id);
  ok = gst_pad_push_event (sc->src, event);
  progress (sc);
  if (ok)
    drv_log (sc, ITEM_EVENT, type, id);
  else
    handle_refusal (sc, GST_FLOW_OK, what);
  return ok;
}

static void
drv_custom (Scenario * sc)
{
  guint64 id = drv_new_event_id (sc);

  drv_event (sc, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new ("scenario", "id", G_TYPE_UINT64, id, NULL)), id,
      "custom event");
}

static void
drv_gap (Scenario * sc)
{
  guint64 id = drv_new_event_id (sc);

  /* (the duration carries the number) */
  drv_event (sc, gst_event_new_gap (sc->next_offset * FRAME_DURATION, id + 1),
      id, "gap event");
}

static void
drv_segment (Scenario * sc)
{
  guint64 id = drv_new_event_id (sc);
  GstSegment seg;

  /* (the stream time carries the number: running times stay the PTS) */
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.time = id;
  drv_event (sc, gst_event_new_segment (&seg), id, "segment event");
}

static void
drv_caps (Scenario * sc)
{
  guint64 id = drv_new_event_id (sc);
  GstCaps *caps = gst_caps_new_simple ("test/scenario", "id", G_TYPE_UINT64,
      id, NULL);

  if (drv_event (sc, gst_event_new_caps (caps), id, "caps event"))
    sc->last_caps = id;
  gst_caps_unref (caps);
}

/* The start of a stream: after the start, and after READY. */
static void
drv_stream_start (Scenario * sc)
{
  GstEvent *event = gst_event_new_stream_start ("scenario");

  gst_event_set_group_id (event, gst_util_group_id_next ());
  step_set (sc, "stream-start", 0);
  if (!gst_pad_push_event (sc->src, event))
    violation (sc, "stream-start refused");
  drv_caps (sc);
  drv_segment (sc);
}

/* The second half of a flush (the first, flush-start, came already). */
static void
complete_flush (Scenario * sc)
{
  /* (nothing reaches downstream while it is flushing) */
  g_atomic_int_set (&sc->sink_fail, MAX (g_atomic_int_get (&sc->sink_fail), 0));
  drv_log (sc, ITEM_FLUSH, 0, 0);
  sc->flushes++;
  sc->disruptions++;
  sc->n_flush++;
  step_set (sc, "flush-stop", 0);
  if (!gst_pad_push_event (sc->src, gst_event_new_flush_stop (TRUE)))
    violation (sc, "flush-stop refused");
  drv_segment (sc);
}

static void
do_flush (Scenario * sc)
{
  step_set (sc, "flush-start", 0);
  if (!gst_pad_push_event (sc->src, gst_event_new_flush_start ()))
    violation (sc, "flush-start refused");
  complete_flush (sc);
}

static void
set_state (Scenario * sc, GstState state)
{
  GstStateChangeReturn ret;

  step_set (sc, gst_element_state_get_name (state), 0);
  ret = gst_element_set_state (sc->element, state);
  progress (sc);
  if (ret != GST_STATE_CHANGE_SUCCESS)
    violation (sc, "state change to %s: %s",
        gst_element_state_get_name (state),
        gst_element_state_change_return_get_name (ret));
}

/* The element is in READY: everything starts again, as when a pipeline
 * goes to READY and back (upstream too, so its sticky events go). */
static void
reset_up (Scenario * sc, GstState target)
{
  gst_pad_set_active (sc->src, FALSE);
  g_mutex_lock (&sc->sink_lock);
  sink_record_locked (sc, ITEM_RESET, 0, 0, FALSE);
  sc->sink_buffers = sc->sink_refused = 0;
  g_mutex_unlock (&sc->sink_lock);
  drv_log (sc, ITEM_RESET, 0, 0);
  g_atomic_int_set (&sc->sink_fail, MAX (g_atomic_int_get (&sc->sink_fail), 0));
  sc->accepted = 0;
  sc->flushes = 0;
  sc->refusals = 0;
  sc->qos_sent = FALSE;
  sc->disruptions++;
  sc->n_reset++;
  g_atomic_int_set (&sc->proc_ok, 0);
  g_atomic_int_set (&sc->proc_drop, 0);
  g_atomic_int_set (&sc->proc_error, 0);
  gst_pad_set_active (sc->src, TRUE);
  set_state (sc, GST_STATE_PAUSED);
  if (target == GST_STATE_PLAYING)
    set_state (sc, GST_STATE_PLAYING);
  sc->state = target;
  drv_stream_start (sc);
}

static void
do_reset (Scenario * sc, GstState target)
{
  set_state (sc, GST_STATE_READY);
  reset_up (sc, target);
}

/* The application thread: a flush-start (a seek) or a state change to
 * READY, while upstream goes on pushing. */
static gpointer
interrupt_thread (gpointer data)
{
  Scenario *sc = data;

  g_usleep (sc->intr.delay_us);
  if (sc->intr.reset) {
    GstStateChangeReturn ret = gst_element_set_state (sc->element,
        GST_STATE_READY);

    if (ret != GST_STATE_CHANGE_SUCCESS)
      violation (sc, "state change to READY from another thread: %s",
          gst_element_state_change_return_get_name (ret));
  } else {
    gst_pad_push_event (sc->src, gst_event_new_flush_start ());
  }
  progress (sc);
  return NULL;
}

static void
start_interrupt (Scenario * sc, gboolean reset)
{
  settle_interrupt (sc);
  sc->intr.reset = reset;
  sc->intr.delay_us = g_rand_int_range (sc->rand, 0, 3000);
  sc->intr.resume = sc->state;
  sc->intr.thread = g_thread_new ("interrupt", interrupt_thread, sc);
  g_atomic_int_set (&sc->intr.thread_set, 1);
}

/* Waits for the interrupting thread and completes what it started. */
static void
settle_interrupt (Scenario * sc)
{
  if (!g_atomic_int_get (&sc->intr.thread_set))
    return;
  step_set (sc, "join the interrupting thread", 0);
  g_thread_join (sc->intr.thread);
  sc->intr.thread = NULL;
  g_atomic_int_set (&sc->intr.thread_set, 0);
  if (aborted (sc))
    return;
  if (sc->intr.reset)
    reset_up (sc, sc->intr.resume);
  else
    complete_flush (sc);
}

/* The src task pauses once it has taken downstream's not-linked as the
 * element's flow return: from then on, upstream must be told at its next
 * push. Until then it may not be (the sink may still be sleeping before it
 * returns the refusal), and a leaky upstream drops frames far faster than
 * that: so this waits for the task, not for a number of frames. */
static void
wait_task_paused (Scenario * sc)
{
  GstPad *src = gst_element_get_static_pad (sc->element, "src");
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  while (gst_pad_get_task_state (src) == GST_TASK_STARTED && !aborted (sc)) {
    if (g_get_monotonic_time () > deadline) {
      violation (sc, "downstream refused a buffer with not-linked, yet the "
          "src task goes on");
      break;
    }
    g_usleep (100);
  }
  gst_object_unref (src);
}

/* No refusal armed downstream any more, and none that upstream has not
 * handled: pushes frames until upstream learns of it (the next push at the
 * latest, once the src task saw it). */
static void
settle_sink (Scenario * sc)
{
  gint fail = g_atomic_int_get (&sc->sink_fail);
  guint n = 0;

  if (fail > 0 && g_atomic_int_compare_and_exchange (&sc->sink_fail, fail, 0))
    return;
  if (g_atomic_int_get (&sc->sink_fail) == GST_FLOW_NOT_LINKED)
    wait_task_paused (sc);
  while (g_atomic_int_get (&sc->sink_fail) < 0 && !aborted (sc)) {
    if (g_atomic_int_get (&sc->sink_fail) == GST_FLOW_FLUSHING) {
      do_flush (sc);
      break;
    }
    if (++n > MAX_SETTLE_FRAMES) {
      violation (sc, "downstream refused a buffer with not-linked, yet "
          "upstream was never told after %u frames", n);
      break;
    }
    drv_frame (sc);
  }
}

/* Reads the stats; checks that the counters add up and the bound. */
static gboolean
read_stats_checked (Scenario * sc, Stats * x)
{
  GstStructure *st = NULL;
  gboolean ok;

  g_object_get (sc->element, "stats", &st, NULL);
  if (st == NULL) {
    violation (sc, "no stats");
    return FALSE;
  }
  ok = gst_structure_get (st, "frames-in", G_TYPE_UINT64, &x->in,
      "frames-out", G_TYPE_UINT64, &x->out,
      "frames-processed", G_TYPE_UINT64, &x->processed,
      "dropped-leaky", G_TYPE_UINT64, &x->leaky,
      "dropped-qos", G_TYPE_UINT64, &x->qos,
      "dropped-errors", G_TYPE_UINT64, &x->errors,
      "dropped-other", G_TYPE_UINT64, &x->other,
      "in-flight", G_TYPE_UINT, &x->in_flight,
      "in-flight-max", G_TYPE_UINT, &x->in_flight_max, NULL);
  if (!ok) {
    violation (sc, "stats without the counters: %" GST_PTR_FORMAT, st);
  } else if (x->in != x->out + x->leaky + x->qos + x->errors + x->other +
      x->in_flight) {
    violation (sc, "frames do not add up: %" GST_PTR_FORMAT, st);
    ok = FALSE;
  } else if (x->in_flight_max > sc->p.max_in_flight) {
    violation (sc, "%u frames were inside at once, max-in-flight is %u",
        x->in_flight_max, sc->p.max_in_flight);
    ok = FALSE;
  }
  gst_structure_free (st);
  return ok;
}

/* After EOS left the element: every frame since READY->PAUSED is
 * accounted for. */
static void
check_accounting (Scenario * sc)
{
  guint proc_ok = g_atomic_int_get (&sc->proc_ok);
  guint proc_drop = g_atomic_int_get (&sc->proc_drop);
  guint proc_error = g_atomic_int_get (&sc->proc_error);
  guint sink_buffers, sink_refused, stolen;
  GstMessage *msg;
  Stats x;

  if (!read_stats_checked (sc, &x))
    return;
  g_mutex_lock (&sc->sink_lock);
  sink_buffers = sc->sink_buffers;
  sink_refused = sc->sink_refused;
  g_mutex_unlock (&sc->sink_lock);

  if (x.in_flight != 0)
    violation (sc, "%u frames in flight after EOS left", x.in_flight);
  if (x.in != sc->accepted)
    violation (sc, "frames-in %" G_GUINT64_FORMAT ", yet %u were accepted",
        x.in, sc->accepted);
  /* (a buffer downstream refused may count as out or as dropped; a push
   * into a downstream that a flush made flushing counts, and is not seen
   * there) */
  if (x.out < sink_buffers - sink_refused || x.out > sink_buffers + sc->flushes)
    violation (sc, "frames-out %" G_GUINT64_FORMAT ", yet downstream got %u "
        "(%u of them refused, %u flushes)", x.out, sink_buffers,
        sink_refused, sc->flushes);
  if (sc->p.leaky == GST_ASYNC_TRANSFORM_LEAKY_NO && x.leaky)
    violation (sc, "%" G_GUINT64_FORMAT " leaky drops with leaky=no", x.leaky);
  if ((!sc->p.qos || !sc->qos_sent) && x.qos)
    violation (sc, "%" G_GUINT64_FORMAT " QoS drops without QoS", x.qos);
  /* (leaky=downstream may take a frame the work dropped to make room: it
   * then counts as dropped-leaky) */
  stolen = sc->p.leaky == GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM ?
      MIN (x.leaky, proc_drop) : 0;
  if (sc->flushes == 0 && sc->refusals == 0) {
    if (x.errors != proc_error || x.other > proc_drop
        || x.other + stolen < proc_drop)
      violation (sc, "dropped-errors %" G_GUINT64_FORMAT ", dropped-other %"
          G_GUINT64_FORMAT " (dropped-leaky %" G_GUINT64_FORMAT
          ", dropped-qos %" G_GUINT64_FORMAT "), yet the work failed %u and "
          "dropped %u frames", x.errors, x.other, x.leaky, x.qos, proc_error,
          proc_drop);
    /* (stale frames finished after a flush or READY count too) */
    if (sc->disruptions == 0 && x.processed != proc_ok + proc_drop + proc_error)
      violation (sc, "frames-processed %" G_GUINT64_FORMAT " after EOS left, "
          "yet process () ran %u times", x.processed, proc_ok + proc_drop +
          proc_error);
  } else if (x.errors > proc_error
      || x.errors + x.other + stolen < proc_error + proc_drop) {
    /* (frames flushed, or lost to a not-linked, count as dropped-other) */
    violation (sc, "dropped-errors %" G_GUINT64_FORMAT ", dropped-other %"
        G_GUINT64_FORMAT ", yet the work failed %u and dropped %u frames",
        x.errors, x.other, proc_error, proc_drop);
  }

  while ((msg = gst_bus_pop_filtered (sc->bus, GST_MESSAGE_ERROR))) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    violation (sc, "error message: %s (%s)", err->message,
        GST_STR_NULL (debug));
    g_clear_error (&err);
    g_free (debug);
    gst_message_unref (msg);
  }
  gst_bus_set_flushing (sc->bus, TRUE);
  gst_bus_set_flushing (sc->bus, FALSE);
}

/* Waits until downstream got EOS number @n. */
static void
wait_for_eos (Scenario * sc, guint n)
{
  g_mutex_lock (&sc->sink_lock);
  while (sc->eos_count < n && !aborted (sc))
    g_cond_wait_until (&sc->sink_cond, &sc->sink_lock,
        g_get_monotonic_time () + 20 * 1000);
  g_mutex_unlock (&sc->sink_lock);
}

/* Ends the stream and waits for its end downstream. */
static void
drv_eos (Scenario * sc)
{
  settle_interrupt (sc);
  settle_sink (sc);
  if (aborted (sc))
    return;
  batch_close (sc);
  step_set (sc, "EOS", sc->n_eos);
  if (!gst_pad_push_event (sc->src, gst_event_new_eos ())) {
    violation (sc, "EOS refused");
    return;
  }
  drv_log (sc, ITEM_EOS, 0, 0);
  sc->n_eos++;
  step_set (sc, "wait for EOS downstream", sc->n_eos);
  wait_for_eos (sc, sc->n_eos);
  if (aborted (sc))
    return;
  step_set (sc, "check the counters", sc->n_eos);
  check_accounting (sc);
  batch_open (sc);
}

static void
drv_drain (Scenario * sc)
{
  GstQuery *query;

  settle_interrupt (sc);
  settle_sink (sc);
  if (aborted (sc))
    return;
  batch_close (sc);
  step_set (sc, "drain query", 0);
  query = gst_query_new_drain ();
  if (!gst_pad_peer_query (sc->src, query) && !aborted (sc))
    violation (sc, "drain query failed");
  gst_query_unref (query);
  sc->n_drain++;
  batch_open (sc);
}

static void
drv_caps_change (Scenario * sc)
{
  settle_interrupt (sc);
  settle_sink (sc);
  if (aborted (sc))
    return;
  /* (new caps wait for the frames before them) */
  batch_close (sc);
  drv_caps (sc);
  batch_open (sc);
}

static void
drv_qos (Scenario * sc)
{
  /* the frames of the next few offsets are late */
  GstClockTime ts = (sc->next_offset + g_rand_int_range (sc->rand, 0, 8)) *
      FRAME_DURATION;

  step_set (sc, "QoS event", ts);
  sc->qos_sent = TRUE;
  gst_pad_push_event (sc->sink, gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW,
          1.5, 0, ts));
}

typedef enum
{
  ACT_FRAME,
  ACT_CUSTOM,
  ACT_GAP,
  ACT_SEGMENT,
  ACT_CAPS,
  ACT_QOS,
  ACT_STATS,
  ACT_SLEEP,
  /* disruptions, weighted by chaos */
  ACT_FLUSH,
  ACT_INTERRUPT_FLUSH,
  ACT_INTERRUPT_RESET,
  ACT_PAUSE,
  ACT_RESET,
  ACT_SINK_FAIL,
  ACT_DRAIN,
  ACT_EOS,
  N_ACTS
} Action;

static const guint act_weights[N_ACTS] = {
  800, 40, 15, 8, 5, 10, 10, 10,
  8, 5, 3, 5, 4, 6, 4, 3,
};

static Action
pick_action (Scenario * sc)
{
  guint weights[N_ACTS], total = 0, r, i;

  for (i = 0; i < N_ACTS; i++) {
    weights[i] = act_weights[i];
    if (i >= ACT_FLUSH)
      weights[i] *= sc->p.chaos;
    if (i == ACT_QOS && !sc->p.qos_events)
      weights[i] = 0;
    total += weights[i];
  }
  r = g_rand_int_range (sc->rand, 0, total);
  for (i = 0; i < N_ACTS; i++) {
    if (r < weights[i])
      return i;
    r -= weights[i];
  }
  return ACT_FRAME;
}

static void
drv_step (Scenario * sc, Action act)
{
  /* While the other thread is about to flush or stop the element, only
   * data goes in; anything else waits for it. */
  if (g_atomic_int_get (&sc->intr.thread_set) && act != ACT_FRAME
      && act != ACT_CUSTOM && act != ACT_GAP && act != ACT_SLEEP)
    settle_interrupt (sc);
  if (aborted (sc))
    return;

  switch (act) {
    case ACT_FRAME:
      drv_frame (sc);
      break;
    case ACT_CUSTOM:
      drv_custom (sc);
      break;
    case ACT_GAP:
      drv_gap (sc);
      break;
    case ACT_SEGMENT:
      settle_sink (sc);
      if (!aborted (sc))
        drv_segment (sc);
      break;
    case ACT_CAPS:
      drv_caps_change (sc);
      break;
    case ACT_QOS:
      drv_qos (sc);
      break;
    case ACT_STATS:{
      Stats x;

      step_set (sc, "read stats", 0);
      read_stats_checked (sc, &x);
      break;
    }
    case ACT_SLEEP:
      step_set (sc, "sleep", 0);
      g_usleep (g_rand_int_range (sc->rand, 0, 3000));
      break;
    case ACT_FLUSH:
      g_usleep (g_rand_int_range (sc->rand, 0, 2000));
      do_flush (sc);
      break;
    case ACT_INTERRUPT_FLUSH:
      start_interrupt (sc, FALSE);
      break;
    case ACT_INTERRUPT_RESET:
      start_interrupt (sc, TRUE);
      break;
    case ACT_PAUSE:
      sc->state = sc->state == GST_STATE_PLAYING ? GST_STATE_PAUSED :
          GST_STATE_PLAYING;
      set_state (sc, sc->state);
      break;
    case ACT_RESET:
      do_reset (sc, g_rand_boolean (sc->rand) ? GST_STATE_PLAYING :
          GST_STATE_PAUSED);
      break;
    case ACT_SINK_FAIL:
      if (g_atomic_int_get (&sc->sink_fail) == 0) {
        GstFlowReturn flow = g_rand_boolean (sc->rand) ? GST_FLOW_NOT_LINKED :
            GST_FLOW_FLUSHING;

        step_set (sc, "arm downstream refusal", -flow);
        sc->n_sink_fail++;
        g_atomic_int_set (&sc->sink_fail, 100 - flow);
      }
      break;
    case ACT_DRAIN:
      drv_drain (sc);
      break;
    case ACT_EOS:
      drv_eos (sc);
      if (aborted (sc))
        break;
      /* a new stream: a seek, or stop and play again */
      if (g_rand_boolean (sc->rand))
        do_flush (sc);
      else
        do_reset (sc, sc->state);
      break;
    default:
      g_assert_not_reached ();
  }
}

/* --- checking what came out against what went in ------------------------ */

/* The n-th flush or reset in the driver's log (from 1). */
static gint
drv_boundary (Scenario * sc, guint n, ItemKind * kind)
{
  guint i, seen = 0;

  for (i = 0; i < sc->drv_items->len; i++) {
    Item *item = &g_array_index (sc->drv_items, Item, i);

    if ((item->kind == ITEM_FLUSH || item->kind == ITEM_RESET) && ++seen == n) {
      *kind = item->kind;
      return i;
    }
  }
  return -1;
}

/* The number of the last caps event the driver logged before @idx. */
static guint64
drv_caps_before (Scenario * sc, gint idx)
{
  gint i;

  for (i = idx - 1; i >= 0; i--) {
    Item *item = &g_array_index (sc->drv_items, Item, i);

    if (item->kind == ITEM_EVENT && item->type == GST_EVENT_CAPS)
      return item->id;
  }
  return G_MAXUINT64;
}

/* Events the driver logged between @from and @to (exclusive). */
static guint
drv_events_between (Scenario * sc, gint from, gint to)
{
  guint n = 0;
  gint i;

  for (i = from + 1; i < to; i++)
    n += g_array_index (sc->drv_items, Item, i).kind == ITEM_EVENT;
  return n;
}

static const gchar *
item_name (Item * item)
{
  switch (item->kind) {
    case ITEM_BUFFER:
      return "buffer";
    case ITEM_EVENT:
      return gst_event_type_get_name (item->type);
    case ITEM_EOS:
      return "eos";
    case ITEM_FLUSH:
      return "flush-stop";
    default:
      return "reset";
  }
}

/* The buffer after a frame lost to leaky, QoS or an error says so. */
static void
check_discont (Scenario * sc, gint prev, gint idx, Item * buf)
{
  gint i;

  if (prev < 0 || buf->discont)
    return;
  for (i = prev + 1; i < idx; i++) {
    Item *item = &g_array_index (sc->drv_items, Item, i);

    if (item->kind == ITEM_BUFFER && sc->fates[item->id] != FATE_DROP) {
      violation (sc, "buffer %" G_GUINT64_FORMAT " is not DISCONT, yet "
          "frame %" G_GUINT64_FORMAT " before it was lost (%s)", buf->id,
          item->id, sc->fates[item->id] == FATE_NONE ? "never processed" :
          sc->fates[item->id] == FATE_ERROR ? "frame error" :
          "processed fine, then dropped");
      return;
    }
  }
}

/* SCENARIO_DUMP=1: both logs on stderr, to see a failure. */
static void
dump_logs (Scenario * sc)
{
  GArray *logs[2] = { sc->drv_items, sc->sink_items };
  guint i, k;

  for (k = 0; k < 2; k++) {
    g_printerr ("%s:", k ? "downstream" : "upstream");
    for (i = 0; i < logs[k]->len; i++) {
      Item *item = &g_array_index (logs[k], Item, i);

      if (item->kind == ITEM_BUFFER)
        g_printerr (" %" G_GUINT64_FORMAT "%s%s%s", item->id,
            item->discont ? "D" : "", item->refused ? "R" : "",
            sc->fates[item->id] == FATE_DROP ? "x" : sc->fates[item->id] ==
            FATE_ERROR ? "e" : sc->fates[item->id] == FATE_NONE ? "-" : "");
      else if (item->kind == ITEM_EVENT)
        g_printerr (" [%s %" G_GUINT64_FORMAT "]", item_name (item), item->id);
      else
        g_printerr (" [%s]", item_name (item));
    }
    g_printerr ("\n");
  }
}

/* Where check_logs () is in the driver's log. */
typedef struct
{
  gint lo;                      /* the flush or reset the epoch began with */
  gint last;                    /* the last item matched */
  gint last_event;
  gint max_buf;                 /* the latest buffer matched */
  gint prev_buf;                /* the buffer before, for DISCONT */
  gint eos;
  gint refused;                 /* a buffer downstream refused */
  guint events;                 /* events that came, or were lost to it */
} Cursor;

/* The first item downstream since a buffer it refused: frames and events
 * between the two went missing. After not-linked and a reconfigure
 * nothing may (queue keeps its items for the reconfigure); frames leaky,
 * QoS or the work dropped do not count. After flushing, a flush follows,
 * which closes the gap first. */
static void
close_refusal_gap (Scenario * sc, Cursor * c, gint idx)
{
  guint frames = 0, events = 0;
  guint64 refused;
  gint i;

  if (c->refused < 0 || idx <= c->refused)
    return;
  refused = g_array_index (sc->drv_items, Item, c->refused).id;
  for (i = c->refused + 1; i < idx; i++) {
    Item *item = &g_array_index (sc->drv_items, Item, i);

    /* (unordered, a frame of the gap may still come) */
    if (item->kind == ITEM_BUFFER && sc->p.ordered
        && sc->p.leaky == GST_ASYNC_TRANSFORM_LEAKY_NO && !sc->p.qos_events
        && sc->fates[item->id] != FATE_DROP
        && sc->fates[item->id] != FATE_ERROR)
      frames++;
    else if (item->kind == ITEM_EVENT)
      events++;
  }
  c->refused = -1;
  if (frames || events)
    violation (sc, "%u frames and %u events accepted before upstream "
        "learned of a not-linked were lost, after buffer %" G_GUINT64_FORMAT
        " (queue keeps them for the reconfigure)", frames, events, refused);
}

static void
check_events_complete (Scenario * sc, Cursor * c)
{
  guint sent = drv_events_between (sc, c->lo, c->eos);

  if (c->eos >= 0 && c->events != sent)
    violation (sc, "%u events of %u reached downstream before EOS", c->events,
        sent);
}

static void
check_buffer (Scenario * sc, Cursor * c, Item * item, guint8 * out,
    guint boundaries)
{
  Item *last;
  gint idx;

  if (item->id >= sc->cap || (idx = sc->buf_index[item->id]) < 0) {
    violation (sc, "buffer %" G_GUINT64_FORMAT " came out, yet was never "
        "accepted", item->id);
    return;
  }
  last = &g_array_index (sc->drv_items, Item, sc->p.ordered ? c->last :
      c->last_event);
  if (out[item->id]++)
    violation (sc, "buffer %" G_GUINT64_FORMAT " came out twice", item->id);
  else if (c->eos >= 0)
    violation (sc, "buffer %" G_GUINT64_FORMAT " came after EOS", item->id);
  else if (idx < c->lo)
    violation (sc, "buffer %" G_GUINT64_FORMAT " from before flush or reset "
        "%u came after it", item->id, boundaries);
  else if (idx < (sc->p.ordered ? c->last : c->last_event))
    violation (sc, "buffer %" G_GUINT64_FORMAT " came after %s %"
        G_GUINT64_FORMAT ", which was pushed after it", item->id,
        item_name (last), last->id);
  else if (sc->fates[item->id] != FATE_OK)
    violation (sc, "buffer %" G_GUINT64_FORMAT " came out, yet its work %s "
        "it", item->id, sc->fates[item->id] == FATE_NONE ? "never saw" :
        "dropped");
  else {
    close_refusal_gap (sc, c, idx);
    if (sc->p.ordered)
      check_discont (sc, c->prev_buf, idx, item);
  }
  c->last = MAX (c->last, idx);
  c->max_buf = MAX (c->max_buf, idx);
  c->prev_buf = idx;
  if (item->refused)
    c->refused = idx;
}

static void
check_event (Scenario * sc, Cursor * c, Item * item, guint boundaries)
{
  gint idx;

  if (item->id >= sc->ev_cap || (idx = sc->ev_index[item->id]) < 0) {
    violation (sc, "%s %" G_GUINT64_FORMAT " came out, yet was never "
        "accepted", item_name (item), item->id);
    return;
  }
  if (idx < c->lo && item->type == GST_EVENT_CAPS
      && item->id == drv_caps_before (sc, c->lo))
    /* sticky: the caps of the stream, kept across the flush */
    return;
  if (idx < c->lo)
    violation (sc, "%s %" G_GUINT64_FORMAT " from before flush or reset %u "
        "came after it", item_name (item), item->id, boundaries);
  else if (idx <= c->last_event)
    violation (sc, "%s %" G_GUINT64_FORMAT " came twice or after a later "
        "event", item_name (item), item->id);
  else if (idx < c->max_buf)
    violation (sc, "%s %" G_GUINT64_FORMAT " came after buffer %"
        G_GUINT64_FORMAT ", which was pushed after it", item_name (item),
        item->id, g_array_index (sc->drv_items, Item, c->max_buf).id);
  close_refusal_gap (sc, c, idx);
  c->last = c->last_event = idx;
  c->events++;
}

static void
check_eos (Scenario * sc, Cursor * c)
{
  gint idx;

  /* the EOS the driver sent next, after all that came */
  for (idx = MAX (c->last, c->lo) + 1; idx < (gint) sc->drv_items->len; idx++) {
    ItemKind kind = g_array_index (sc->drv_items, Item, idx).kind;

    if (kind != ITEM_BUFFER && kind != ITEM_EVENT)
      break;
  }
  if (idx >= (gint) sc->drv_items->len
      || g_array_index (sc->drv_items, Item, idx).kind != ITEM_EOS) {
    violation (sc, "EOS came out before all that was pushed before it");
    return;
  }
  if (c->eos >= 0)
    violation (sc, "EOS came out twice");
  close_refusal_gap (sc, c, idx);
  c->last = c->last_event = c->eos = idx;
}

/* What came out against what went in: order, places, epochs, DISCONT. */
static void
check_logs (Scenario * sc)
{
  GArray *items = sc->sink_items;
  guint8 *out = g_new0 (guint8, sc->cap);
  Cursor c = { -1, -1, -1, -1, -1, -1, -1, 0 };
  guint i, boundaries = 0;

  step_set (sc, "check the logs", 0);
  for (i = 0; i < items->len && !aborted (sc); i++) {
    Item *item = &g_array_index (items, Item, i);
    ItemKind kind;
    gint idx;

    switch (item->kind) {
      case ITEM_FLUSH:
      case ITEM_RESET:
        check_events_complete (sc, &c);
        idx = drv_boundary (sc, ++boundaries, &kind);
        if (idx < 0 || kind != item->kind) {
          violation (sc, "downstream item %u: %s number %u, never sent", i,
              item_name (item), boundaries);
          break;
        }
        c.lo = c.last = c.last_event = c.max_buf = idx;
        c.prev_buf = c.eos = c.refused = -1;
        c.events = 0;
        break;
      case ITEM_BUFFER:
        check_buffer (sc, &c, item, out, boundaries);
        break;
      case ITEM_EVENT:
        check_event (sc, &c, item, boundaries);
        break;
      case ITEM_EOS:
        check_eos (sc, &c);
        break;
    }
  }
  check_events_complete (sc, &c);
  if (!aborted (sc) && boundaries != sc->n_flush + sc->n_reset)
    violation (sc, "%u flushes and resets reached downstream, %u were made",
        boundaries, sc->n_flush + sc->n_reset);
  g_free (out);
}

/* --- a scenario ---------------------------------------------------------- */

static void
scenario_setup (Scenario * sc)
{
  GstAsyncTransform *trans;
  GstPad *pad;
  guint i;

  if (sc->p.kind == KIND_PROCESS) {
    sc->element = gst_element_factory_make ("asyncprocess", NULL);
    fail_unless (sc->element != NULL);
    gst_async_process_set_function (GST_ASYNC_PROCESS (sc->element),
        scenario_process_function, sc, NULL);
    g_signal_connect (sc->element, "cancel", G_CALLBACK (scenario_on_cancel),
        sc);
  } else if (sc->p.kind == KIND_SUBCLASS) {
    sc->element = g_object_new (gst_scenario_transform_get_type (), NULL);
    ((GstScenarioTransform *) sc->element)->sc = sc;
  } else {
    sc->element = g_object_new (gst_scenario_batch_get_type (), "batch-size",
        sc->p.batch_size, "batch-timeout", sc->p.batch_timeout, NULL);
    ((GstScenarioTransform *) sc->element)->sc = sc;
  }
  gst_object_ref_sink (sc->element);
  g_object_set (sc->element, "n-workers", sc->p.n_workers, "max-in-flight",
      sc->p.auto_window ? 0 : sc->p.max_in_flight, "max-latency",
      sc->p.max_latency, "stats-interval", sc->p.stats_interval, "ordered",
      sc->p.ordered, "leaky", sc->p.leaky, "qos", sc->p.qos, NULL);
  trans = GST_ASYNC_TRANSFORM (sc->element);
  sc->bus = gst_bus_new ();
  gst_element_set_bus (sc->element, sc->bus);

  sc->src = gst_object_ref_sink (gst_pad_new_from_static_template
      (&any_src_template, "src"));
  sc->sink = gst_object_ref_sink (gst_pad_new_from_static_template
      (&any_sink_template, "sink"));
  gst_pad_set_element_private (sc->sink, sc);
  gst_pad_set_chain_function (sc->sink, sink_chain);
  gst_pad_set_event_function (sc->sink, sink_event);
  fail_unless_equals_int (gst_pad_link (sc->src,
          GST_ASYNC_TRANSFORM_SINK_PAD (trans)), GST_PAD_LINK_OK);
  pad = GST_ASYNC_TRANSFORM_SRC_PAD (trans);
  fail_unless_equals_int (gst_pad_link (pad, sc->sink), GST_PAD_LINK_OK);
  gst_pad_set_active (sc->src, TRUE);
  gst_pad_set_active (sc->sink, TRUE);

  if (sc->p.pend == PEND_COMPLETER || sc->p.pend == PEND_MIXED)
    for (i = 0; i < sc->p.n_completers; i++)
      sc->completers[i] = g_thread_new ("completer", completer_thread, sc);
}

static void
scenario_teardown (Scenario * sc)
{
  guint i;

  step_set (sc, "teardown", 0);
  if (g_atomic_int_get (&sc->intr.thread_set)) {
    g_thread_join (sc->intr.thread);
    g_atomic_int_set (&sc->intr.thread_set, 0);
  }
  batch_close (sc);
  set_state (sc, GST_STATE_NULL);
  g_mutex_lock (&sc->lock);
  sc->stop = TRUE;
  g_cond_broadcast (&sc->cond);
  g_mutex_unlock (&sc->lock);
  for (i = 0; i < G_N_ELEMENTS (sc->completers); i++)
    if (sc->completers[i])
      g_thread_join (sc->completers[i]);
  /* every frame left pending was finished: nothing holds the element */
  batch_close (sc);
  gst_pad_set_active (sc->src, FALSE);
  gst_pad_set_active (sc->sink, FALSE);
  gst_pad_unlink (sc->src, GST_ASYNC_TRANSFORM_SINK_PAD (sc->element));
  gst_pad_unlink (GST_ASYNC_TRANSFORM_SRC_PAD (sc->element), sc->sink);
  gst_element_set_bus (sc->element, NULL);
  /* (messages hold their source) */
  gst_bus_set_flushing (sc->bus, TRUE);
  if (GST_OBJECT_REFCOUNT_VALUE (sc->element) != 1)
    violation (sc, "the element has %d references at the end (a pending "
        "frame never released?)", GST_OBJECT_REFCOUNT_VALUE (sc->element));

  g_mutex_lock (&sc->wd_lock);
  sc->wd_done = TRUE;
  g_cond_broadcast (&sc->wd_cond);
  g_mutex_unlock (&sc->wd_lock);
  g_thread_join (sc->watchdog);
}

static void
scenario_free (Scenario * sc)
{
  gst_object_unref (sc->element);
  gst_object_unref (sc->src);
  gst_object_unref (sc->sink);
  gst_bus_set_flushing (sc->bus, TRUE);
  gst_object_unref (sc->bus);
  g_rand_free (sc->rand);
  g_rand_free (sc->sink_rand);
  g_ptr_array_unref (sc->held);
  g_array_unref (sc->sink_items);
  g_array_unref (sc->drv_items);
  g_free (sc->processed);
  g_free (sc->fates);
  g_free (sc->buf_index);
  g_free (sc->ev_index);
  g_mutex_clear (&sc->lock);
  g_cond_clear (&sc->cond);
  g_mutex_clear (&sc->sink_lock);
  g_cond_clear (&sc->sink_cond);
  g_mutex_clear (&sc->fail_lock);
  g_mutex_clear (&sc->wd_lock);
  g_cond_clear (&sc->wd_cond);
  g_free (sc->failure);
  g_free (sc->desc);
  g_free (sc);
}

static void
run_scenario (guint32 seed)
{
  Scenario *sc = g_new0 (Scenario, 1);
  gint64 start = g_get_monotonic_time ();
  guint step;
  gchar *failure;

  sc->rand = g_rand_new_with_seed (seed);
  params_generate (&sc->p, seed, sc->rand);
  sc->desc = params_describe (&sc->p);
  g_print ("scenario seed %u: %s\n", seed, sc->desc);

  g_mutex_init (&sc->lock);
  g_cond_init (&sc->cond);
  g_mutex_init (&sc->sink_lock);
  g_cond_init (&sc->sink_cond);
  g_mutex_init (&sc->fail_lock);
  g_mutex_init (&sc->wd_lock);
  g_cond_init (&sc->wd_cond);
  sc->held = g_ptr_array_new ();
  sc->sink_items = g_array_new (FALSE, FALSE, sizeof (Item));
  sc->drv_items = g_array_new (FALSE, FALSE, sizeof (Item));
  sc->sink_rand = g_rand_new_with_seed (seed ^ 0x5eed);
  sc->cap = sc->p.n_steps + MAX_SETTLE_FRAMES * 4 + 64;
  sc->processed = g_new0 (gint, sc->cap);
  sc->fates = g_new0 (guint8, sc->cap);
  sc->buf_index = g_new (gint, sc->cap);
  memset (sc->buf_index, 0xff, sc->cap * sizeof (gint));
  sc->ev_cap = sc->p.n_steps * 2 + 64;
  sc->ev_index = g_new (gint, sc->ev_cap);
  memset (sc->ev_index, 0xff, sc->ev_cap * sizeof (gint));
  sc->last_caps = G_MAXUINT64;
  sc->step_what = "setup";

  scenario_setup (sc);
  sc->watchdog = g_thread_new ("watchdog", watchdog_thread, sc);
  set_state (sc, GST_STATE_PLAYING);
  sc->state = GST_STATE_PLAYING;
  drv_stream_start (sc);

  for (step = 0; step < sc->p.n_steps && !aborted (sc); step++) {
    g_atomic_int_set (&sc->step, step);
    drv_step (sc, pick_action (sc));
  }
  if (!aborted (sc)) {
    g_atomic_int_set (&sc->step, step);
    drv_eos (sc);
  }
  scenario_teardown (sc);
  if (!aborted (sc))
    check_logs (sc);
  if (g_getenv ("SCENARIO_DUMP"))
    dump_logs (sc);

  g_print ("scenario seed %u: %s, %" G_GUINT64_FORMAT " frames, %"
      G_GUINT64_FORMAT " events, %u EOS, %u flushes, %u resets, %u "
      "refusals downstream, %u drains in %" G_GINT64_FORMAT " ms\n", seed,
      sc->failure ? "FAILED" : "ok", sc->next_offset, sc->next_event,
      sc->n_eos, sc->n_flush, sc->n_reset, sc->n_sink_fail, sc->n_drain,
      (g_get_monotonic_time () - start) / 1000);
  failure = g_strdup (sc->failure);
  scenario_free (sc);
  if (failure) {
    g_printerr ("%s\n", failure);
    fail ("%s", failure);
  }
  g_free (failure);
}

/* --- seeds --------------------------------------------------------------- */

/* 1 to 30, and streams of frames that all wait to be finished in
 * batches, with a window of 16 (197: our subclass, batches of 4; 242:
 * asyncprocess, batches of 5), or a window hardly larger than the batch
 * (1307908295: 6 and 5; 128544406: 3 and 3), where upstream must be let
 * in before the window is half empty. Among the first 30, 13, 15 and 20
 * are batches of cheap frames too. 1010961297: pending frames the
 * subclass forgets at a reset, with max-latency (they counted as in work
 * for good, and the budget let no frame in after it). */
static const guint32 default_seeds[] = {
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
  21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 197, 242, 1307908295, 128544406,
  1010961297,
};

static guint32 *seeds;
static guint n_seeds;

GST_START_TEST (test_scenario)
{
  run_scenario (seeds[__i__]);
}

GST_END_TEST;

static void
pick_seeds (void)
{
  const gchar *one = g_getenv ("SCENARIO_SEED");
  const gchar *count = g_getenv ("SCENARIO_SEEDS");
  guint i;

  if (one) {
    n_seeds = 1;
    seeds = g_new (guint32, 1);
    seeds[0] = strtoul (one, NULL, 0);
  } else if (count) {
    n_seeds = MAX (1, atoi (count));
    seeds = g_new (guint32, n_seeds);
    for (i = 0; i < n_seeds; i++)
      seeds[i] = g_random_int ();
  } else {
    n_seeds = G_N_ELEMENTS (default_seeds);
    seeds = g_memdup2 (default_seeds, sizeof (default_seeds));
  }
}

static Suite *
scenario_suite (void)
{
  Suite *s = suite_create ("scenario");
  TCase *tc = tcase_create ("scenarios");

  pick_seeds ();
  suite_add_tcase (s, tc);
  /* (a stall takes STALL_SECONDS to be found) */
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_scenario, 0, n_seeds);
  return s;
}

GST_CHECK_MAIN (scenario);
