/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * testasync.h: a GstAsyncTransform subclass for the engine tests, and the
 * helpers they share
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

/* GstTestAsync does what a test asks of it (change the format, frame its
 * input, drop, fail or hold frames, allocate its output) and records what
 * the base class did to it (calls, contexts, concurrency). GstTestDecoder
 * is the same with a decoder's negotiation: output caps from parse. */

#ifndef __TEST_ASYNC_H__
#define __TEST_ASYNC_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/base/gstadapter.h>
#include <gst/async/gstasynctransform.h>
#include <string.h>

#include "../asynccheck.h"

static inline gboolean
caps_is (GstCaps * caps, const gchar * str)
{
  GstCaps *other = gst_caps_from_string (str);
  gboolean res = gst_caps_can_intersect (caps, other);

  gst_caps_unref (other);
  return res;
}

static inline GstEvent *
caps_event (GstCaps * caps)
{
  GstEvent *event = gst_event_new_caps (caps);

  gst_caps_unref (caps);
  return event;
}

/* --- the test subclass --------------------------------------------------- */

typedef struct
{
  gint in_use;
} TestContext;

typedef struct
{
  GstAsyncTransform parent;

  /* configuration, set before PAUSED */
  gboolean change_format;       /* test/in -> test/out */
  gboolean out_range;           /* ...with v=1 or v=2, downstream chooses */
  gboolean drop_odd;            /* odd frames produce no output... */
  gboolean drop_by_flow;        /* ...by returning FLOW_DROPPED */
  guint frame_size;             /* > 0: parse splits input in frames */
  guint slow_first_us;          /* frame 0 takes this long */
  gint work_us;                 /* every other frame takes up to this */
  gboolean fresh_output;        /* output is a new buffer, without metas */
  gboolean own_pts;             /* ...with a PTS of its own (an encoder) */
  gboolean allocate;            /* ...from allocate_output_buffer () */
  guint64 frame_errors;         /* frame n < 64 fails if bit n is set */
  guint64 error_at;             /* this frame fails with an error */
  guint64 eos_offsets;          /* offset n < 64 ends the stream (at once,
                                 * without work) if bit n is set */
  guint64 discard_at;           /* this frame's context is discarded */
  gboolean add_events;          /* each frame carries an event */

  /* observations */
  gint running;
  gint max_running;
  gint contexts_created;
  gint contexts_freed;
  gint context_clash;
  gint set_caps_calls;
  guint64 pushed_at_set_caps;   /* frames seen downstream then */
  gint *pushed_counter;         /* where the test counts pushes */
  gint user_data_ok;            /* frames whose user data matched */
  gint user_data_freed;
  gint decide_calls;
  gboolean decided_after_caps;  /* the caps were downstream by then */
  gint flush_busy;              /* flush () found a process () running */
  gint busy_at_unlock_stop;     /* unlock_stop () found one running */
  gint drained_contexts;
  gint flushed_contexts;
  GString *calls;               /* vfuncs called, in order (gate_lock) */

  /* A frame (offset 0 unless gate_offset says otherwise) waits in
   * process () while the gate is closed, until unlock. */
  guint64 gate_offset;
  GMutex gate_lock;
  GCond gate_cond;
  gboolean gate_closed;
  gboolean gate_reached;        /* that frame is inside process () */
  gboolean unlocked;
  GstAdapter *adapter;          /* for parse; streaming thread only */
} GstTestAsync;

typedef struct
{
  GstAsyncTransformClass parent_class;
} GstTestAsyncClass;

GType gst_test_async_get_type (void);
G_DEFINE_TYPE (GstTestAsync, gst_test_async, GST_TYPE_ASYNC_TRANSFORM);

static GstStaticPadTemplate test_sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("test/in; test/out; audio/x-raw; video/x-raw"));
static GstStaticPadTemplate test_src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("test/in; test/out; audio/x-raw; video/x-raw"));

static void
test_log_call (GstTestAsync * self, const gchar * name)
{
  g_mutex_lock (&self->gate_lock);
  g_string_append_printf (self->calls, "%s%s", self->calls->len ? " " : "",
      name);
  g_mutex_unlock (&self->gate_lock);
}

/* The vfuncs called so far, space-separated; then forgets them. */
static inline gchar *
test_take_calls (GstTestAsync * self)
{
  gchar *calls;

  g_mutex_lock (&self->gate_lock);
  calls = g_strdup (self->calls->str);
  g_string_truncate (self->calls, 0);
  g_mutex_unlock (&self->gate_lock);
  return calls;
}

static GstCaps *
test_transform_caps (GstAsyncTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  GstCaps *res;

  if (!self->change_format)
    res = gst_caps_ref (caps);
  else if (gst_caps_is_any (caps))
    res = gst_caps_new_empty_simple (direction == GST_PAD_SINK
        ? "test/out" : "test/in");
  else if (direction == GST_PAD_SINK)
    res = caps_is (caps, "test/in")
        ? gst_caps_from_string (self->out_range ? "test/out, v=(int)[1,2]" :
        "test/out") : gst_caps_new_empty ();
  else
    res = caps_is (caps, "test/out")
        ? gst_caps_new_empty_simple ("test/in") : gst_caps_new_empty ();

  if (filter) {
    GstCaps *tmp = gst_caps_intersect (filter, res);
    gst_caps_unref (res);
    res = tmp;
  }
  return res;
}

static gboolean
test_set_caps (GstAsyncTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  self->set_caps_calls++;
  if (self->pushed_counter)
    self->pushed_at_set_caps = g_atomic_int_get (self->pushed_counter);
  return TRUE;
}

static gboolean
test_decide_allocation (GstAsyncTransform * trans, GstQuery * query)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  GstPad *src = GST_ASYNC_TRANSFORM_SRC_PAD (trans);
  GstCaps *caps = NULL, *current = gst_pad_get_current_caps (src);

  gst_query_parse_allocation (query, &caps, NULL);
  self->decide_calls++;
  self->decided_after_caps = current && gst_caps_is_equal (caps, current);
  gst_clear_caps (&current);
  return GST_ASYNC_TRANSFORM_CLASS
      (gst_test_async_parent_class)->decide_allocation (trans, query);
}

/* What parse tells process about a frame. */
typedef struct
{
  GstTestAsync *self;
  guint64 offset;
} FrameInfo;

static void
test_user_data_free (gpointer data)
{
  FrameInfo *info = data;

  g_atomic_int_inc (&info->self->user_data_freed);
  g_free (info);
}

static GstFlowReturn
test_parse (GstAsyncTransform * trans, GstBuffer * buffer)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  GstFlowReturn ret = GST_FLOW_OK;

  if (self->frame_size == 0)
    return gst_async_transform_submit (trans, buffer);

  gst_adapter_push (self->adapter, buffer);
  while (ret == GST_FLOW_OK
      && gst_adapter_available (self->adapter) >= self->frame_size)
    ret = gst_async_transform_submit (trans,
        gst_adapter_take_buffer (self->adapter, self->frame_size));
  return ret;
}

static GstFlowReturn
test_finish (GstAsyncTransform * trans)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  gsize left = gst_adapter_available (self->adapter);

  if (left == 0)
    return GST_FLOW_OK;
  return gst_async_transform_submit (trans,
      gst_adapter_take_buffer (self->adapter, left));
}

static void
test_flush (GstAsyncTransform * trans)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  if (g_atomic_int_get (&self->running) > 0)
    g_atomic_int_inc (&self->flush_busy);
  gst_adapter_clear (self->adapter);
  test_log_call (self, "flush");
}

#define TEST_LOGGING_VFUNC(name) \
static gboolean \
test_ ## name (GstAsyncTransform * trans) \
{ \
  test_log_call ((GstTestAsync *) trans, #name); \
  return TRUE; \
}

TEST_LOGGING_VFUNC (open);
TEST_LOGGING_VFUNC (close);
TEST_LOGGING_VFUNC (start);
TEST_LOGGING_VFUNC (stop);

static void
test_unlock (GstAsyncTransform * trans)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  test_log_call (self, "unlock");
  g_mutex_lock (&self->gate_lock);
  self->unlocked = TRUE;
  g_cond_broadcast (&self->gate_cond);
  g_mutex_unlock (&self->gate_lock);
}

static void
test_unlock_stop (GstAsyncTransform * trans)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  test_log_call (self, "unlock_stop");
  if (g_atomic_int_get (&self->running) > 0)
    g_atomic_int_set (&self->busy_at_unlock_stop, 1);
  g_mutex_lock (&self->gate_lock);
  self->unlocked = FALSE;
  g_mutex_unlock (&self->gate_lock);
}

/* Contexts of every test element not freed yet. */
static gint test_contexts_alive;

static gpointer
test_create_context (GstAsyncTransform * trans)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  g_atomic_int_inc (&test_contexts_alive);
  g_atomic_int_inc (&self->contexts_created);
  return g_new0 (TestContext, 1);
}

static void
test_free_context (GstAsyncTransform * trans, gpointer context)
{
  GstTestAsync *self = (GstTestAsync *) trans;

  g_atomic_int_add (&test_contexts_alive, -1);
  g_atomic_int_inc (&self->contexts_freed);
  g_free (context);
}

static gboolean
test_drain_context (GstAsyncTransform * trans, gpointer context)
{
  g_atomic_int_inc (&((GstTestAsync *) trans)->drained_contexts);
  return TRUE;
}

static gboolean
test_flush_context (GstAsyncTransform * trans, gpointer context)
{
  g_atomic_int_inc (&((GstTestAsync *) trans)->flushed_contexts);
  return TRUE;
}

/* The gated frame waits here while the gate is closed; FALSE if
 * unlocked. */
static gboolean
test_pass_gate (GstTestAsync * self)
{
  gboolean unlocked;

  g_mutex_lock (&self->gate_lock);
  self->gate_reached = TRUE;
  g_cond_broadcast (&self->gate_cond);
  while (self->gate_closed && !self->unlocked)
    g_cond_wait (&self->gate_cond, &self->gate_lock);
  unlocked = self->unlocked;
  g_mutex_unlock (&self->gate_lock);
  return !unlocked;
}

static GstBuffer *
test_copy_data (GstTestAsync * self, GstBuffer * in)
{
  GstMapInfo map;
  GstBuffer *out = NULL;

  gst_buffer_map (in, &map, GST_MAP_READ);
  if (self->allocate) {
    fail_unless_equals_int (gst_async_transform_allocate_output_buffer
        (GST_ASYNC_TRANSFORM (self), map.size, &out), GST_FLOW_OK);
    gst_buffer_fill (out, 0, map.data, map.size);
  } else {
    out = gst_buffer_new_memdup (map.data, map.size);
  }
  gst_buffer_unmap (in, &map);
  return out;
}

static GstFlowReturn
test_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  TestContext *ctx = context;
  guint64 offset = GST_BUFFER_OFFSET (frame->input);
  gboolean ends = offset < 64 && (self->eos_offsets &
      (G_GUINT64_CONSTANT (1) << offset));
  gint running, max;
  gboolean passed = TRUE;

  if (!g_atomic_int_compare_and_exchange (&ctx->in_use, 0, 1))
    g_atomic_int_inc (&self->context_clash);

  running = g_atomic_int_add (&self->running, 1) + 1;
  do {
    max = g_atomic_int_get (&self->max_running);
  } while (running > max
      && !g_atomic_int_compare_and_exchange (&self->max_running, max, running));

  if (offset == self->gate_offset)
    passed = test_pass_gate (self);
  if (!passed)
    /* an interrupted frame takes a while to clean up, as a child process
     * takes a while to die: flush () must still find it gone */
    g_usleep (50 * 1000);
  if (frame->number == 0 && self->slow_first_us)
    g_usleep (self->slow_first_us);
  else if (g_atomic_int_get (&self->work_us) && !ends)
    g_usleep (g_random_int_range (0, g_atomic_int_get (&self->work_us) + 1));

  g_atomic_int_add (&self->running, -1);
  g_atomic_int_set (&ctx->in_use, 0);
  if (!passed)
    return GST_FLOW_FLUSHING;

  if (frame->user_data && ((FrameInfo *) frame->user_data)->offset ==
      GST_BUFFER_OFFSET (frame->input))
    g_atomic_int_inc (&self->user_data_ok);
  if (frame->number == self->discard_at)
    gst_async_transform_discard_context (trans, context);
  if (self->add_events)
    gst_async_frame_add_event (frame,
        gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
            gst_structure_new ("test", "n", G_TYPE_INT,
                (gint) GST_BUFFER_OFFSET (frame->input), NULL)));
  if (frame->number < 64 && (self->frame_errors & (G_GUINT64_CONSTANT (1) <<
              frame->number)))
    return GST_ASYNC_TRANSFORM_FRAME_ERROR (self, frame, STREAM, DECODE,
        ("Corrupt test frame %" G_GUINT64_FORMAT ".", frame->number),
        ("frame_errors bit %" G_GUINT64_FORMAT, frame->number));
  if (ends)
    return GST_FLOW_EOS;
  if (frame->number == self->error_at) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Test frame failed."),
        ("error_at %" G_GUINT64_FORMAT, frame->number));
    return GST_FLOW_ERROR;
  }

  if (self->fresh_output || self->allocate) {
    frame->output = test_copy_data (self, frame->input);
    if (self->own_pts)
      GST_BUFFER_PTS (frame->output) = GST_BUFFER_PTS (frame->input) + 1;
    return GST_FLOW_OK;
  }
  if (self->drop_odd && frame->number % 2 == 1) {
    if (self->drop_by_flow)
      return GST_ASYNC_TRANSFORM_FLOW_DROPPED;
    /* no output and the input released: nothing to push */
    gst_async_frame_set_output (frame, NULL);
    return GST_FLOW_OK;
  }
  /* A new buffer with no timestamps: the base class copies them. */
  frame->output = gst_buffer_copy_deep (frame->input);
  GST_BUFFER_PTS (frame->output) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DTS (frame->output) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (frame->output) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (frame->output) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (frame->output) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_FLAGS (frame->output) = 0;
  return GST_FLOW_OK;
}

static void
test_finalize (GObject * object)
{
  GstTestAsync *self = (GstTestAsync *) object;

  g_mutex_clear (&self->gate_lock);
  g_cond_clear (&self->gate_cond);
  g_object_unref (self->adapter);
  g_string_free (self->calls, TRUE);
  G_OBJECT_CLASS (gst_test_async_parent_class)->finalize (object);
}

static void
gst_test_async_class_init (GstTestAsyncClass * klass)
{
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_finalize;
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &test_sink_template);
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &test_src_template);
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass),
      "Test", "Testing", "GstAsyncTransform test subclass", "tests");
  trans_class->open = test_open;
  trans_class->close = test_close;
  trans_class->start = test_start;
  trans_class->stop = test_stop;
  trans_class->transform_caps = test_transform_caps;
  trans_class->set_caps = test_set_caps;
  trans_class->parse = test_parse;
  trans_class->finish = test_finish;
  trans_class->flush = test_flush;
  trans_class->unlock = test_unlock;
  trans_class->unlock_stop = test_unlock_stop;
  trans_class->create_context = test_create_context;
  trans_class->free_context = test_free_context;
  trans_class->drain_context = test_drain_context;
  trans_class->flush_context = test_flush_context;
  trans_class->process = test_process;
  trans_class->decide_allocation = test_decide_allocation;
}

static void
gst_test_async_init (GstTestAsync * self)
{
  g_mutex_init (&self->gate_lock);
  g_cond_init (&self->gate_cond);
  self->adapter = gst_adapter_new ();
  self->calls = g_string_new (NULL);
  self->error_at = self->discard_at = G_MAXUINT64;
}

/* --- a decoder: output caps from the stream ------------------------------ */

typedef struct
{
  GstTestAsync parent;
} GstTestDecoder;

typedef struct
{
  GstTestAsyncClass parent_class;
} GstTestDecoderClass;

GType gst_test_decoder_get_type (void);
G_DEFINE_TYPE (GstTestDecoder, gst_test_decoder, gst_test_async_get_type ());

/* Output caps are only known from the frames: keep those already set. */
static gboolean
test_decoder_negotiate (GstAsyncTransform * trans)
{
  GstCaps *caps = gst_async_transform_get_output_caps (trans);
  gboolean ok = caps == NULL
      || gst_async_transform_set_output_caps (trans, caps);

  gst_clear_caps (&caps);
  return ok;
}

/* A new size every 10 frames (v = offset / 10): the old frames leave
 * first. */
static GstFlowReturn
test_decoder_parse (GstAsyncTransform * trans, GstBuffer * buffer)
{
  GstTestAsync *self = (GstTestAsync *) trans;
  GstCaps *candidates = gst_caps_new_simple ("test/out", "v", G_TYPE_INT,
      (gint) (GST_BUFFER_OFFSET (buffer) / 10), NULL);
  GstCaps *caps = gst_async_transform_find_output_caps (trans, candidates);
  FrameInfo *info = g_new (FrameInfo, 1);

  fail_unless (caps != NULL);
  fail_unless (gst_async_transform_set_output_caps (trans, caps));
  gst_caps_unref (caps);
  gst_caps_unref (candidates);
  info->self = self;
  info->offset = GST_BUFFER_OFFSET (buffer);
  return gst_async_transform_submit_full (trans, buffer, info,
      test_user_data_free);
}

static void
gst_test_decoder_class_init (GstTestDecoderClass * klass)
{
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  trans_class->negotiate = test_decoder_negotiate;
  trans_class->parse = test_decoder_parse;
}

static void
gst_test_decoder_init (GstTestDecoder * self)
{
}

/* --- making elements ----------------------------------------------------- */

static inline GstTestAsync *
test_async_new (guint n_workers, guint max_in_flight)
{
  return g_object_new (gst_test_async_get_type (), "n-workers", n_workers,
      "max-in-flight", max_in_flight, NULL);
}

static inline GstTestAsync *
test_decoder_new (guint n_workers, guint max_in_flight)
{
  return g_object_new (gst_test_decoder_get_type (), "n-workers", n_workers,
      "max-in-flight", max_in_flight, NULL);
}

/* A harness around a test element the test still holds. */
static inline GstHarness *
test_harness (GstTestAsync * t)
{
  return gst_harness_new_with_element (GST_ELEMENT (t), "sink", "src");
}

static inline void
test_teardown (GstHarness * h, GstTestAsync * t)
{
  gst_harness_teardown (h);
  gst_object_unref (t);
}

/* Waits until the gated frame is inside process (). */
static inline void
test_wait_at_gate (GstTestAsync * t)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&t->gate_lock);
  while (!t->gate_reached)
    fail_unless (g_cond_wait_until (&t->gate_cond, &t->gate_lock, deadline),
        "the gated frame never reached process ()");
  g_mutex_unlock (&t->gate_lock);
}

static inline void
test_open_gate (GstTestAsync * t)
{
  g_mutex_lock (&t->gate_lock);
  t->gate_closed = FALSE;
  g_cond_broadcast (&t->gate_cond);
  g_mutex_unlock (&t->gate_lock);
}

/* --- frames -------------------------------------------------------------- */

static inline GstBuffer *
make_frame (guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);
  GstMapInfo map;
  guint k;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (k = 0; k < map.size; k++)
    map.data[k] = (guint8) (i * 7 + k);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * 10 * GST_MSECOND;
  GST_BUFFER_DTS (buf) = i * 10 * GST_MSECOND + 1;
  GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
  GST_BUFFER_OFFSET (buf) = i;
  GST_BUFFER_OFFSET_END (buf) = i + 1;
  if (i % 3 == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

static inline void assert_frame (GstBuffer * buf, guint i);

/* Pulls the next buffer, which must be frame @i. */
static inline void
pull_frame (GstHarness * h, guint i)
{
  GstBuffer *buf = gst_harness_pull (h);

  assert_frame (buf, i);
  gst_buffer_unref (buf);
}

static inline void
assert_frame (GstBuffer * buf, guint i)
{
  GstBuffer *expected = make_frame (i);
  GstMapInfo map;

  fail_unless (buf != NULL, "frame %u missing", i);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), GST_BUFFER_PTS (expected));
  fail_unless_equals_uint64 (GST_BUFFER_DTS (buf), GST_BUFFER_DTS (expected));
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
      GST_BUFFER_DURATION (expected));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buf), i + 1);
  fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (buf,
          GST_BUFFER_FLAG_DELTA_UNIT), i % 3 == 0);
  gst_buffer_map (expected, &map, GST_MAP_READ);
  fail_unless_equals_int (gst_buffer_get_size (buf), map.size);
  fail_unless (gst_buffer_memcmp (buf, 0, map.data, map.size) == 0,
      "frame %u: content differs", i);
  gst_buffer_unmap (expected, &map);
  gst_buffer_unref (expected);
}

/* --- recording what leaves ----------------------------------------------- */

static inline GstPadProbeReturn
count_buffers_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  GMutex lock;
  GCond cond;
  GArray *items;                /* Item */
} Recorder;

typedef struct
{
  GstEventType type;            /* 0 for a buffer */
  guint64 value;                /* buffer offset, or event detail */
} Item;

static inline guint64
event_detail (GstEvent * event)
{
  const GstStructure *s = gst_event_get_structure (event);
  gint n = 0;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "v", &n);
      return n;
    }
    case GST_EVENT_GAP:{
      GstClockTime ts;
      gst_event_parse_gap (event, &ts, NULL);
      return ts;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *seg;
      gst_event_parse_segment (event, &seg);
      return seg->start;
    }
    default:
      if (s)
        gst_structure_get_int (s, "n", &n);
      return n;
  }
}

static inline GstPadProbeReturn
record_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Recorder *rec = data;
  Item item = { 0, 0 };

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    item.value = GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info));
  } else {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    item.type = GST_EVENT_TYPE (event);
    item.value = event_detail (event);
  }
  g_mutex_lock (&rec->lock);
  g_array_append_val (rec->items, item);
  g_cond_broadcast (&rec->cond);
  g_mutex_unlock (&rec->lock);
  return GST_PAD_PROBE_OK;
}

static inline void
recorder_attach (Recorder * rec, GstElement * element)
{
  GstPad *pad = gst_element_get_static_pad (element, "src");

  g_mutex_init (&rec->lock);
  g_cond_init (&rec->cond);
  rec->items = g_array_new (FALSE, FALSE, sizeof (Item));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      record_probe, rec, NULL);
  gst_object_unref (pad);
}

/* Waits until an item of @type has been recorded; FALSE after 30 s. */
static inline gboolean
recorder_wait_for (Recorder * rec, GstEventType type)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  gboolean found = FALSE;
  guint i;

  g_mutex_lock (&rec->lock);
  while (!found) {
    for (i = 0; i < rec->items->len && !found; i++)
      found = g_array_index (rec->items, Item, i).type == type;
    if (!found && !g_cond_wait_until (&rec->cond, &rec->lock, deadline))
      break;
  }
  g_mutex_unlock (&rec->lock);
  return found;
}

static inline guint
recorder_count (Recorder * rec, GstEventType type)
{
  guint i, n = 0;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++)
    n += g_array_index (rec->items, Item, i).type == type;
  g_mutex_unlock (&rec->lock);
  return n;
}

static inline void
recorder_clear (Recorder * rec)
{
  g_array_unref (rec->items);
  g_mutex_clear (&rec->lock);
  g_cond_clear (&rec->cond);
}

/* The errors and warnings @src posted on @bus since the last call. */
typedef struct
{
  guint errors, warnings;
} Posted;

static inline Posted
count_messages (GstBus * bus, gpointer src)
{
  Posted posted = { 0, 0 };
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_SRC (msg) == GST_OBJECT (src)) {
      posted.errors += GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
      posted.warnings += GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING;
    }
    gst_message_unref (msg);
  }
  return posted;
}

/* --- flushes while streaming ------------------------------------------ */

typedef struct
{
  GstHarness *h;
  gboolean extras;              /* also drain queries and caps changes */
  GMutex lock;
  GCond cond;
  guint epoch;                  /* frames carry it in their offset */
  gboolean stop;
  gboolean flushed;             /* a push returned FLUSHING this epoch */
} Pusher;

/* An upstream streaming thread: pushes until a push returns FLUSHING,
 * then waits for the flush to end, as a real source does. With extras it
 * also asks drain queries and changes caps now and then, in the stream. */
static inline gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;
  guint i = 0, epoch;

  g_mutex_lock (&p->lock);
  while (!p->stop) {
    GstBuffer *buf;
    GstFlowReturn ret;

    epoch = p->epoch;
    g_mutex_unlock (&p->lock);

    i++;
    /* (FALSE when a flush interrupts it) */
    if (p->extras && i % 97 == 0)
      async_check_drain (p->h->srcpad);
    if (p->extras && i % 301 == 0)
      gst_harness_push_event (p->h, caps_event (gst_caps_from_string (i % 2
                  ? "test/in" : "test/out")));

    buf = make_frame (i);
    GST_BUFFER_OFFSET (buf) = (guint64) epoch *1000000 + i;
    ret = gst_harness_push (p->h, buf);
    fail_unless (ret == GST_FLOW_OK || ret == GST_FLOW_FLUSHING,
        "push: %s", gst_flow_get_name (ret));

    g_mutex_lock (&p->lock);
    if (ret == GST_FLOW_FLUSHING) {
      p->flushed = TRUE;
      g_cond_broadcast (&p->cond);
      while (!p->stop && p->epoch == epoch)
        g_cond_wait (&p->cond, &p->lock);
    }
  }
  g_mutex_unlock (&p->lock);
  return NULL;
}

typedef void (*ChaosFunc) (GstHarness * h, GRand * rand, gpointer data);

/* Streams frames from a pusher thread and flushes @rounds times at random
 * moments, upstream blocked on a full window or not; between flushes
 * @chaos may change the element. Then checks that after the n-th
 * flush-stop only frames of epoch >= n came out, none twice. */
static inline void
run_flushes (GstHarness * h, guint rounds, guint32 seed, gboolean extras,
    ChaosFunc chaos, gpointer data)
{
  GRand *rand = g_rand_new_with_seed (seed);
  GHashTable *seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint round, i;
  GThread *thread;
  Recorder rec;
  GstSegment seg;
  gint epoch = 0;
  Pusher p;

  memset (&p, 0, sizeof (p));
  p.h = h;
  p.extras = extras;
  g_mutex_init (&p.lock);
  g_cond_init (&p.cond);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  recorder_attach (&rec, h->element);
  thread = g_thread_new ("pusher", pusher_thread, &p);

  for (round = 1; round <= rounds; round++) {
    gint64 deadline;

    g_usleep (g_rand_int_range (rand, 0, 8000));
    /* the counters add up at any moment, from any thread */
    read_stats (h->element);
    if (chaos)
      chaos (h, rand, data);
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));

    /* upstream stops before flush-stop, as after a seek */
    deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
    g_mutex_lock (&p.lock);
    while (!p.flushed)
      fail_unless (g_cond_wait_until (&p.cond, &p.lock, deadline));
    g_mutex_unlock (&p.lock);

    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));

    g_mutex_lock (&p.lock);
    p.flushed = FALSE;
    p.epoch = round;
    g_cond_broadcast (&p.cond);
    g_mutex_unlock (&p.lock);
  }
  g_mutex_lock (&p.lock);
  p.stop = TRUE;
  g_cond_broadcast (&p.cond);
  g_mutex_unlock (&p.lock);
  g_thread_join (thread);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (recorder_wait_for (&rec, GST_EVENT_EOS));

  g_mutex_lock (&rec.lock);
  for (i = 0; i < rec.items->len; i++) {
    Item *item = &g_array_index (rec.items, Item, i);

    if (item->type == GST_EVENT_FLUSH_STOP) {
      epoch++;
    } else if (item->type == 0) {
      fail_unless (item->value / 1000000 >= (guint64) epoch,
          "frame of epoch %" G_GUINT64_FORMAT " after flush %d",
          item->value / 1000000, epoch);
      fail_unless (g_hash_table_add (seen, &item->value),
          "frame %" G_GUINT64_FORMAT " twice", item->value);
    }
  }
  g_mutex_unlock (&rec.lock);
  fail_unless_equals_int (epoch, rounds);

  g_hash_table_unref (seen);
  g_rand_free (rand);
  recorder_clear (&rec);
  g_mutex_clear (&p.lock);
  g_cond_clear (&p.cond);
}

#endif /* __TEST_ASYNC_H__ */
