/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncsubclass.c: tests of the GstAsyncTransform subclass interface:
 * state vfuncs, caps and negotiation, allocation, worker contexts, events
 * and tags, frame errors and the output policy
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

/* Driven through the test subclasses of testasync.h, which record what the
 * base class calls. */

#include "testasync.h"

/* --- state vfuncs -------------------------------------------------------- */

/* open/close at NULL<->READY, start/stop at READY<->PAUSED, as in
 * GstVideoDecoder; stop comes after unlock, flush and unlock_stop, once no
 * frame is in flight. */
GST_START_TEST (test_state_vfuncs)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstElement *e = GST_ELEMENT (t);
  gchar *calls;

  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  calls = test_take_calls (t);
  fail_unless_equals_string (calls, "open start unlock flush unlock_stop "
      "stop start unlock flush unlock_stop stop close");
  g_free (calls);
  gst_object_unref (t);
}

GST_END_TEST;

/* The element as the subclass sees it: pads, caps and the window. */
GST_START_TEST (test_accessors)
{
  GstTestAsync *t = test_async_new (3, 0);
  GstAsyncTransform *trans = GST_ASYNC_TRANSFORM (t);
  GstHarness *h = test_harness (t);
  GstCaps *caps;

  fail_unless (GST_ASYNC_TRANSFORM_SINK_PAD (t) == GST_PAD_PEER (h->srcpad));
  fail_unless (GST_ASYNC_TRANSFORM_SRC_PAD (t) == GST_PAD_PEER (h->sinkpad));
  fail_unless_equals_int (gst_async_transform_get_n_workers (trans), 3);
  fail_unless_equals_int (gst_async_transform_get_max_in_flight (trans), 6);
  fail_unless (gst_async_transform_get_input_caps (trans) == NULL);
  gst_harness_set_src_caps_str (h, "test/in");
  caps = gst_async_transform_get_input_caps (trans);
  fail_unless (caps_is (caps, "test/in"));
  gst_caps_unref (caps);
  caps = gst_async_transform_get_output_caps (trans);
  fail_unless (caps_is (caps, "test/in"));
  gst_caps_unref (caps);
  g_object_set (t, "max-in-flight", 5, NULL);
  fail_unless_equals_int (gst_async_transform_get_max_in_flight (trans), 5);
  test_teardown (h, t);
}

GST_END_TEST;

/* --- caps, framing, dropped frames -------------------------------------- */

GST_START_TEST (test_format_change)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h;
  GstCaps *caps;
  GstPad *sinkpad;

  t->change_format = TRUE;
  h = test_harness (t);
  sinkpad = gst_element_get_static_pad (GST_ELEMENT (t), "sink");

  /* caps query on the sink pad: what gives test/out downstream */
  gst_harness_set_sink_caps_str (h, "test/out");
  caps = gst_pad_query_caps (sinkpad, NULL);
  fail_unless (caps_is (caps, "test/in") && !caps_is (caps, "test/out"),
      "got %" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);
  caps = gst_caps_from_string ("test/in");
  fail_unless (gst_pad_query_accept_caps (sinkpad, caps));
  gst_caps_unref (caps);
  caps = gst_caps_from_string ("test/out");
  fail_if (gst_pad_query_accept_caps (sinkpad, caps));
  gst_caps_unref (caps);

  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (caps_is (caps, "test/out"), "got %" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);

  gst_object_unref (sinkpad);
  test_teardown (h, t);
}

GST_END_TEST;

/* Downstream changing its mind (a reconfigure with other caps) makes the
 * element negotiate again before the next frame, as GstBaseTransform. */
GST_START_TEST (test_renegotiate_on_reconfigure)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h;
  GstCaps *caps;
  gint v = 0;

  t->change_format = TRUE;
  t->out_range = TRUE;
  h = test_harness (t);
  gst_harness_set_sink_caps_str (h, "test/out, v=(int)1");
  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  caps = gst_pad_get_current_caps (h->sinkpad);
  gst_structure_get_int (gst_caps_get_structure (caps, 0), "v", &v);
  fail_unless_equals_int (v, 1);
  gst_caps_unref (caps);

  gst_harness_set_sink_caps_str (h, "test/out, v=(int)2");
  fail_unless (gst_pad_push_event (h->sinkpad, gst_event_new_reconfigure ()));
  gst_harness_push (h, make_frame (1));
  gst_buffer_unref (gst_harness_pull (h));
  caps = gst_pad_get_current_caps (h->sinkpad);
  gst_structure_get_int (gst_caps_get_structure (caps, 0), "v", &v);
  fail_unless_equals_int (v, 2);
  gst_caps_unref (caps);
  fail_unless_equals_int (t->set_caps_calls, 2);

  test_teardown (h, t);
}

GST_END_TEST;

/* Caps that cannot be transformed fail negotiation, and data after them is
 * refused as not-negotiated. */
GST_START_TEST (test_not_negotiated)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h;
  GstSegment seg;

  t->change_format = TRUE;
  h = test_harness (t);
  fail_unless (gst_harness_push_event (h, gst_event_new_stream_start ("x")));
  /* (a refused sticky event still counts as stored for the pusher) */
  gst_harness_push_event (h, caps_event (gst_caps_from_string ("test/out")));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&seg));
  fail_unless_equals_int (gst_harness_push (h, make_frame (0)),
      GST_FLOW_NOT_NEGOTIATED);
  test_teardown (h, t);
}

GST_END_TEST;

GST_START_TEST (test_parse_frames_input)
{
  GstTestAsync *t = test_async_new (3, 0);
  GstHarness *h = test_harness (t);
  GRand *rand = g_rand_new_with_seed (7);
  GByteArray *in = g_byte_array_new (), *out = g_byte_array_new ();
  guint i, n = async_check_scale (300);
  GstBuffer *buf;

  t->frame_size = 10;
  t->work_us = 500;
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < n; i++) {
    guint size = g_rand_int_range (rand, 1, 40), k;
    guint8 *data = g_malloc (size);

    for (k = 0; k < size; k++)
      data[k] = g_rand_int (rand);
    g_byte_array_append (in, data, size);
    gst_harness_push (h, gst_buffer_new_wrapped (data, size));
  }
  gst_harness_push_event (h, gst_event_new_eos ());

  /* whole frames of 10 bytes, then what was left at EOS */
  for (i = 0; i < (in->len + 9) / 10; i++) {
    GstMapInfo map;

    buf = gst_harness_pull (h);
    fail_unless (buf != NULL);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    fail_unless (map.size == 10 || out->len + map.size == in->len);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_int (out->len, in->len);
  fail_unless (memcmp (out->data, in->data, in->len) == 0);

  g_byte_array_unref (in);
  g_byte_array_unref (out);
  g_rand_free (rand);
  test_teardown (h, t);
}

GST_END_TEST;

/* A frame is dropped by leaving no output, or by returning a success
 * other than OK (as GST_BASE_TRANSFORM_FLOW_DROPPED); the stream goes on. */
GST_START_TEST (test_dropped_frames)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h = test_harness (t);
  guint i;

  t->drop_odd = TRUE;
  t->drop_by_flow = __i__ == 1;
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < 20; i++)
    gst_harness_push (h, make_frame (i));
  for (i = 0; i < 20; i += 2) {
    GstBuffer *buf = gst_harness_pull (h);
    assert_frame (buf, i);
    gst_buffer_unref (buf);
  }
  fail_unless (gst_harness_try_pull (h) == NULL);
  test_teardown (h, t);
}

GST_END_TEST;

/* A decoder: output caps from parse with find_output_caps and
 * set_output_caps (frames of the old caps leave first, decide_allocation
 * sees the new caps downstream, once per caps), per-frame data from parse
 * to process with submit_full, freed once each; segment and tags wait for
 * the first output caps. */
GST_START_TEST (test_output_caps_from_parse)
{
  GstTestAsync *t = test_decoder_new (3, 6);
  GstHarness *h;
  Recorder rec;
  guint i, n = 40;
  gint64 v = -1;

  t->work_us = 1000;
  recorder_attach (&rec, GST_ELEMENT (t));
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_new (GST_TAG_TITLE, "x", NULL))));
  for (i = 0; i < n; i++)
    gst_harness_push (h, make_frame (i));
  for (i = 0; i < n; i++)
    gst_buffer_unref (gst_harness_pull (h));

  /* each frame left under the caps set for it, segment and tags after the
   * first caps */
  g_mutex_lock (&rec.lock);
  for (i = 0; i < rec.items->len; i++) {
    Item *item = &g_array_index (rec.items, Item, i);

    if (item->type == GST_EVENT_CAPS)
      v = item->value;
    else if (item->type == GST_EVENT_SEGMENT || item->type == GST_EVENT_TAG
        || item->type == 0)
      fail_unless (v >= 0, "item %u before any caps", i);
    if (item->type == 0)
      fail_unless_equals_int (v, item->value / 10);
  }
  g_mutex_unlock (&rec.lock);
  recorder_clear (&rec);
  fail_unless_equals_int (t->decide_calls, n / 10);
  fail_unless (t->decided_after_caps);
  fail_unless_equals_int (t->user_data_ok, n);
  gst_harness_teardown (h);
  fail_unless_equals_int (t->user_data_freed, n);
  gst_object_unref (t);
}

GST_END_TEST;

/* A new output buffer gets the input's metas that do not depend on the
 * format (no API tags). */
GST_START_TEST (test_metas_copied)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h = test_harness (t);
  GstCaps *ref = gst_caps_new_empty_simple ("timestamp/x-test");
  GstBuffer *in, *out;
  GstReferenceTimestampMeta *meta;

  t->fresh_output = TRUE;
  gst_harness_set_src_caps_str (h, "test/in");
  in = make_frame (0);
  gst_buffer_add_reference_timestamp_meta (in, ref, 42, GST_CLOCK_TIME_NONE);
  gst_harness_push (h, in);
  out = gst_harness_pull (h);
  meta = gst_buffer_get_reference_timestamp_meta (out, ref);
  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->timestamp, 42);
  gst_buffer_unref (out);
  gst_caps_unref (ref);
  test_teardown (h, t);
}

GST_END_TEST;

/* Contexts lent outside process (asyncwrap's caps queries) are exclusive
 * too, and freed like the others; n-workers 0 is one per core. */
GST_START_TEST (test_lent_contexts)
{
  GstTestAsync *t = test_async_new (0, 0);
  GstHarness *h = test_harness (t);
  gpointer a, b;

  fail_unless_equals_int (gst_async_transform_get_n_workers
      (GST_ASYNC_TRANSFORM (t)), MAX (1, g_get_num_processors ()));
  gst_harness_set_src_caps_str (h, "test/in");
  a = gst_async_transform_acquire_context (GST_ASYNC_TRANSFORM (t));
  b = gst_async_transform_acquire_context (GST_ASYNC_TRANSFORM (t));
  fail_unless (a != NULL && b != NULL && a != b);
  gst_async_transform_release_context (GST_ASYNC_TRANSFORM (t), b);
  /* given back, it is used again rather than a new one made */
  fail_unless (gst_async_transform_acquire_context (GST_ASYNC_TRANSFORM (t))
      == b);
  gst_async_transform_release_context (GST_ASYNC_TRANSFORM (t), b);
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_int (t->context_clash, 0);
  /* one lent across new caps is freed when it comes back */
  gst_harness_set_src_caps_str (h, "test/out");
  gst_async_transform_release_context (GST_ASYNC_TRANSFORM (t), a);
  gst_harness_teardown (h);
  fail_unless_equals_int (t->contexts_freed, t->contexts_created);
  gst_object_unref (t);
}

GST_END_TEST;

/* --- caps: identical caps, reconfiguration ------------------------------ */

/* The same caps again are no change, as for GstVideoDecoder: no drain, no
 * set_caps, no contexts made again (asyncwrap's replicas, asyncprocess's
 * child processes stay). */
GST_START_TEST (test_identical_caps_no_change)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  guint round, i;

  gst_harness_set_src_caps_str (h, "test/in");
  for (round = 0; round < 3; round++) {
    for (i = 0; i < 4; i++)
      gst_harness_push (h, make_frame (i));
    for (i = 0; i < 4; i++)
      gst_buffer_unref (gst_harness_pull (h));
    fail_unless (gst_harness_push_event (h,
            caps_event (gst_caps_from_string ("test/in"))));
  }
  fail_unless_equals_int (t->set_caps_calls, 1);
  fail_unless (t->contexts_created > 0);
  fail_unless_equals_int (t->contexts_freed, 0);
  fail_unless_equals_int (t->decide_calls, 1);
  test_teardown (h, t);
}

GST_END_TEST;

/* A class whose output caps do not depend on the input size, as an
 * encoder's: test/out for any test/in, whatever its height. set_caps
 * keeps the height, which process () reads, as asyncpngenc keeps its
 * GstVideoInfo: each frame comes out with one byte per row. */
typedef struct
{
  GstTestAsync parent;
  gint height;                  /* set in set_caps, read by process () */
  GString *heights;             /* what set_caps got, in order */
} GstTestGeometry;

typedef struct
{
  GstTestAsyncClass parent_class;
} GstTestGeometryClass;

GType gst_test_geometry_get_type (void);
G_DEFINE_TYPE (GstTestGeometry, gst_test_geometry, gst_test_async_get_type ());

static gboolean
test_geometry_set_caps (GstAsyncTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstTestGeometry *self = (GstTestGeometry *) trans;

  if (!gst_structure_get_int (gst_caps_get_structure (incaps, 0), "height",
          &self->height))
    return FALSE;
  g_string_append_printf (self->heights, "%s%d",
      self->heights->len ? " " : "", self->height);
  return TRUE;
}

static GstFlowReturn
test_geometry_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstTestGeometry *self = (GstTestGeometry *) trans;

  frame->output = gst_buffer_new_allocate (NULL, self->height, NULL);
  return GST_FLOW_OK;
}

static void
test_geometry_finalize (GObject * object)
{
  g_string_free (((GstTestGeometry *) object)->heights, TRUE);
  G_OBJECT_CLASS (gst_test_geometry_parent_class)->finalize (object);
}

static void
gst_test_geometry_class_init (GstTestGeometryClass * klass)
{
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_geometry_finalize;
  trans_class->set_caps = test_geometry_set_caps;
  trans_class->process = test_geometry_process;
}

static void
gst_test_geometry_init (GstTestGeometry * self)
{
  self->heights = g_string_new (NULL);
  self->parent.change_format = TRUE;
}

/* New input caps reach set_caps even when the output caps stay the same,
 * as in GstBaseTransform: 320x240 then 640x480 input, the same test/out
 * both times, and the second frame has 480 rows, not 240. */
GST_START_TEST (test_set_caps_on_new_input)
{
  GstTestGeometry *g = g_object_new (gst_test_geometry_get_type (),
      "n-workers", 2, NULL);
  GstTestAsync *t = (GstTestAsync *) g;
  GstHarness *h = test_harness (t);
  static const gint heights[] = { 240, 480 };
  GstCaps *outcaps[2];
  GstBuffer *out;
  guint i;

  for (i = 0; i < 2; i++) {
    gchar *caps = g_strdup_printf ("test/in, width=(int)%d, height=(int)%d",
        heights[i] * 4 / 3, heights[i]);

    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    gst_harness_push (h, gst_buffer_new_allocate (NULL, heights[i], NULL));
    out = gst_harness_pull (h);
    fail_unless_equals_int (gst_buffer_get_size (out), heights[i]);
    gst_buffer_unref (out);
    outcaps[i] = gst_pad_get_current_caps (h->sinkpad);
  }

  /* (the output caps did not change: not what made set_caps run) */
  fail_unless (gst_caps_is_equal (outcaps[0], outcaps[1]), "%" GST_PTR_FORMAT
      " then %" GST_PTR_FORMAT, outcaps[0], outcaps[1]);
  fail_unless_equals_string (g->heights->str, "240 480");
  gst_caps_unref (outcaps[0]);
  gst_caps_unref (outcaps[1]);
  test_teardown (h, t);
}

GST_END_TEST;

/* One caps event, one negotiation: the reconfigure that linking left on
 * the src pad is answered by it, not by a second drain and allocation
 * query on the first frame. */
GST_START_TEST (test_one_allocation_per_caps)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  guint i;

  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < 3; i++) {
    gst_harness_push (h, make_frame (i));
    gst_buffer_unref (gst_harness_pull (h));
  }
  fail_unless_equals_int (t->set_caps_calls, 1);
  fail_unless_equals_int (t->decide_calls, 1);
  test_teardown (h, t);
}

GST_END_TEST;

/* A reconfiguration from downstream runs negotiate again before the next
 * frame; with the output caps unchanged, the allocation is decided again
 * (downstream may have another pool), whether negotiate is the default
 * one or a decoder's. __i__: the decoder. */
GST_START_TEST (test_reconfigure_decides_allocation)
{
  GstTestAsync *t = __i__ ? test_decoder_new (2, 4) : test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  gint decided;

  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  decided = t->decide_calls;
  fail_unless_equals_int (decided, 1);

  fail_unless (gst_harness_push_upstream_event (h,
          gst_event_new_reconfigure ()));
  gst_harness_push (h, make_frame (1));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_int (t->decide_calls, decided + 1);
  /* and once only */
  gst_harness_push (h, make_frame (2));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_int (t->decide_calls, decided + 1);
  test_teardown (h, t);
}

GST_END_TEST;

/* A class with a negotiate of its own, as asyncpngenc's, that rewrites
 * what process () reads; it records whether negotiate or set_caps ever ran
 * while a process () call was active, seen from both sides: they look at
 * the process () calls running (GstTestAsync.running), and process () at
 * whether one of them runs. */
typedef struct
{
  GstTestAsync parent;
  gint configuring;             /* atomic: inside negotiate or set_caps */
  gint negotiations;            /* atomic */
  gint overlaps;                /* atomic: times one met the other */
} GstTestWatcher;

typedef struct
{
  GstTestAsyncClass parent_class;
} GstTestWatcherClass;

GType gst_test_watcher_get_type (void);
G_DEFINE_TYPE (GstTestWatcher, gst_test_watcher, gst_test_async_get_type ());

static void
test_watcher_enter (GstTestWatcher * self)
{
  g_atomic_int_inc (&self->configuring);
  if (g_atomic_int_get (&self->parent.running) > 0)
    g_atomic_int_inc (&self->overlaps);
}

static void
test_watcher_leave (GstTestWatcher * self)
{
  if (g_atomic_int_get (&self->parent.running) > 0)
    g_atomic_int_inc (&self->overlaps);
  g_atomic_int_add (&self->configuring, -1);
}

static gboolean
test_watcher_negotiate (GstAsyncTransform * trans)
{
  GstTestWatcher *self = (GstTestWatcher *) trans;
  gboolean ok;

  test_watcher_enter (self);
  g_atomic_int_inc (&self->negotiations);
  ok = GST_ASYNC_TRANSFORM_CLASS (gst_test_watcher_parent_class)->negotiate
      (trans);
  test_watcher_leave (self);
  return ok;
}

static gboolean
test_watcher_set_caps (GstAsyncTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstTestWatcher *self = (GstTestWatcher *) trans;
  gboolean ok;

  test_watcher_enter (self);
  ok = GST_ASYNC_TRANSFORM_CLASS (gst_test_watcher_parent_class)->set_caps
      (trans, incaps, outcaps);
  test_watcher_leave (self);
  return ok;
}

static GstFlowReturn
test_watcher_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstTestWatcher *self = (GstTestWatcher *) trans;
  GstFlowReturn ret;

  if (g_atomic_int_get (&self->configuring) > 0)
    g_atomic_int_inc (&self->overlaps);
  ret = GST_ASYNC_TRANSFORM_CLASS (gst_test_watcher_parent_class)->process
      (trans, context, frame);
  if (g_atomic_int_get (&self->configuring) > 0)
    g_atomic_int_inc (&self->overlaps);
  return ret;
}

static void
gst_test_watcher_class_init (GstTestWatcherClass * klass)
{
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  trans_class->negotiate = test_watcher_negotiate;
  trans_class->set_caps = test_watcher_set_caps;
  trans_class->process = test_watcher_process;
}

static void
gst_test_watcher_init (GstTestWatcher * self)
{
  self->parent.change_format = TRUE;
  self->parent.out_range = TRUE;
  self->parent.work_us = 1000;
}

/* What process () reads never changes under it: negotiate and set_caps
 * run only while no process () call is active, on a reconfiguration as on
 * new caps, with frames in flight each time. Downstream asks for a
 * reconfiguration every 5 frames, changing its caps every other time, and
 * the input caps change every 25 frames. */
GST_START_TEST (test_negotiate_never_under_process)
{
  GstTestWatcher *w = g_object_new (gst_test_watcher_get_type (),
      "n-workers", 3, "max-in-flight", 8, NULL);
  GstTestAsync *t = (GstTestAsync *) w;
  GstHarness *h = test_harness (t);
  guint i, n = async_check_scale (200), asked = 0;

  gst_harness_set_sink_caps_str (h, "test/out, v=(int)1");
  gst_harness_set_src_caps_str (h, "test/in, x=(int)0");
  for (i = 0; i < n; i++) {
    if (i % 5 == 4) {
      gst_harness_set_sink_caps_str (h, i % 10 == 4 ? "test/out, v=(int)2" :
          "test/out, v=(int)1");
      fail_unless (gst_harness_push_upstream_event (h,
              gst_event_new_reconfigure ()));
      asked++;
    }
    if (i % 25 == 12) {
      fail_unless (gst_harness_push_event (h,
              caps_event (gst_caps_new_simple ("test/in", "x", G_TYPE_INT,
                      (gint) i, NULL))));
      asked++;
    }
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  }
  for (i = 0; i < n; i++)
    pull_frame (h, i);

  fail_unless_equals_int (g_atomic_int_get (&w->overlaps), 0);
  /* (every request was answered, and set_caps had its turns) */
  fail_unless (g_atomic_int_get (&w->negotiations) >= (gint) asked,
      "%d negotiations for %u requests", w->negotiations, asked);
  fail_unless (t->set_caps_calls > (gint) n / 10);
  test_teardown (h, t);
}

GST_END_TEST;

/* --- allocation ---------------------------------------------------------- */

static gboolean
small_pool_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    GstBufferPool *pool = gst_buffer_pool_new ();

    gst_query_add_allocation_pool (query, pool, 64, 1, 2);
    gst_object_unref (pool);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* process () allocates its output from downstream's pool, which allows 2
 * buffers: the default decide_allocation makes room for the window, so the
 * frames behind frame 0 (held at the gate) do not take every buffer while
 * frame 0, which must leave first, waits for one. */
GST_START_TEST (test_small_pool_no_deadlock)
{
  GstTestAsync *t = test_async_new (4, 4);
  GstHarness *h = test_harness (t);
  GstBufferPool *pool;
  GstStructure *config;
  guint i, min, max;

  t->allocate = TRUE;
  t->gate_closed = TRUE;
  gst_pad_set_query_function (h->sinkpad, small_pool_query);
  gst_harness_set_src_caps_str (h, "test/in");
  pool = gst_async_transform_get_buffer_pool (GST_ASYNC_TRANSFORM (t));
  fail_unless (pool != NULL);
  config = gst_buffer_pool_get_config (pool);
  fail_unless (gst_buffer_pool_config_get_params (config, NULL, NULL, &min,
          &max));
  fail_unless_equals_int (min, 1 + 4);
  fail_unless (max == 0 || max >= min);
  gst_structure_free (config);
  gst_object_unref (pool);

  for (i = 0; i < 4; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  test_wait_at_gate (t);
  test_open_gate (t);
  for (i = 0; i < 4; i++)
    pull_frame (h, i);
  for (i = 4; i < 20; i++) {
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
    pull_frame (h, i);
  }
  test_teardown (h, t);
}

GST_END_TEST;

static GstBufferPool *downstream_pool;

static gboolean
propose_downstream_pool (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    gst_query_add_allocation_pool (query, downstream_pool, 64, 1, 0);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* A pool downstream proposed is never deactivated by the element when it
 * decides on another (downstream may still use it), as with
 * GstVideoDecoder: here a larger window makes the element take a pool of
 * its own, as downstream's is active and cannot grow. */
GST_START_TEST (test_downstream_pool_stays_active)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstBufferPool *pool;

  t->allocate = TRUE;
  downstream_pool = gst_buffer_pool_new ();
  gst_pad_set_query_function (h->sinkpad, propose_downstream_pool);
  gst_harness_set_src_caps_str (h, "test/in");
  pool = gst_async_transform_get_buffer_pool (GST_ASYNC_TRANSFORM (t));
  fail_unless (pool == downstream_pool);
  gst_object_unref (pool);
  gst_harness_push (h, make_frame (0));
  pull_frame (h, 0);

  g_object_set (t, "max-in-flight", 8, NULL);
  gst_harness_push (h, make_frame (1));
  pull_frame (h, 1);
  pool = gst_async_transform_get_buffer_pool (GST_ASYNC_TRANSFORM (t));
  fail_unless (pool != downstream_pool);
  gst_object_unref (pool);
  fail_unless (gst_buffer_pool_is_active (downstream_pool));

  test_teardown (h, t);
  gst_buffer_pool_set_active (downstream_pool, FALSE);
  gst_clear_object (&downstream_pool);
}

GST_END_TEST;

/* --- worker contexts ----------------------------------------------------- */

/* A context lent before the element ever started (asyncwrap's caps
 * queries at link time) is freed: in READY->NULL, or when the element is
 * dropped without a state change. */
GST_START_TEST (test_contexts_outside_paused)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstAsyncTransform *trans = GST_ASYNC_TRANSFORM (t);
  gpointer context;

  context = gst_async_transform_acquire_context (trans);
  fail_unless (context != NULL);
  gst_async_transform_release_context (trans, context);
  fail_unless_equals_int (t->contexts_created, 1);
  gst_element_set_state (GST_ELEMENT (t), GST_STATE_READY);
  context = gst_async_transform_acquire_context (trans);
  gst_async_transform_release_context (trans, context);
  fail_unless_equals_int (t->contexts_created, 1);
  gst_element_set_state (GST_ELEMENT (t), GST_STATE_NULL);
  fail_unless_equals_int (t->contexts_freed, 1);

  /* never started at all */
  context = gst_async_transform_acquire_context (trans);
  gst_async_transform_release_context (trans, context);
  fail_unless_equals_int (t->contexts_created, 2);
  fail_unless_equals_int (g_atomic_int_get (&test_contexts_alive), 1);
  gst_object_unref (t);
  fail_unless_equals_int (g_atomic_int_get (&test_contexts_alive), 0);
}

GST_END_TEST;

/* process () may discard a broken context: it is freed, and later frames
 * get a new one. Contexts can also be made up front; idle ones drain at a
 * drain query and EOS. */
GST_START_TEST (test_context_lifecycle)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h;
  guint i;

  t->discard_at = 3;
  fail_unless (gst_async_transform_create_contexts (GST_ASYNC_TRANSFORM (t)));
  fail_unless_equals_int (t->contexts_created, 2);
  h = test_harness (t);
  /* made before caps, for no caps: the first caps free them */
  gst_harness_set_src_caps_str (h, "test/in");
  fail_unless_equals_int (t->contexts_freed, 2);
  for (i = 0; i < 8; i++)
    gst_harness_push (h, make_frame (i));
  for (i = 0; i < 8; i++)
    pull_frame (h, i);
  fail_unless_equals_int (t->context_clash, 0);
  /* frame 3's context went */
  fail_unless_equals_int (t->contexts_freed, 3);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (t->drained_contexts >= 1);
  t->drained_contexts = 0;
  gst_harness_push_event (h, gst_event_new_eos ());
  fail_unless (t->drained_contexts >= 1);
  gst_harness_teardown (h);
  fail_unless_equals_int (t->contexts_freed, t->contexts_created);
  gst_object_unref (t);
}

GST_END_TEST;

/* A class whose contexts do not depend on the caps keeps them across new
 * caps, and they drain first. */
typedef struct
{
  GstTestAsync parent;
} GstTestKeeper;

typedef struct
{
  GstTestAsyncClass parent_class;
} GstTestKeeperClass;

GType gst_test_keeper_get_type (void);
G_DEFINE_TYPE (GstTestKeeper, gst_test_keeper, gst_test_async_get_type ());

static void
gst_test_keeper_class_init (GstTestKeeperClass * klass)
{
  GST_ASYNC_TRANSFORM_CLASS (klass)->keep_contexts_across_caps = TRUE;
}

static void
gst_test_keeper_init (GstTestKeeper * self)
{
}

GST_START_TEST (test_contexts_kept_across_caps)
{
  GstTestAsync *t = g_object_new (gst_test_keeper_get_type (), "n-workers", 1,
      NULL);
  GstHarness *h = test_harness (t);

  fail_unless (gst_async_transform_create_contexts (GST_ASYNC_TRANSFORM (t)));
  gst_harness_set_src_caps_str (h, "test/in");
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  gst_harness_set_src_caps_str (h, "test/out");
  gst_harness_push (h, make_frame (1));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_int (t->contexts_created, 1);
  fail_unless_equals_int (t->contexts_freed, 0);
  fail_unless (t->drained_contexts >= 2);
  test_teardown (h, t);
}

GST_END_TEST;

/* --- events and tags from the subclass ----------------------------------- */

/* Events a frame carries leave just before it; events queued by the
 * subclass in the upstream thread keep their place; ordered or not. */
GST_START_TEST (test_subclass_events_in_order)
{
  GstTestAsync *t = test_async_new (3, 6);
  guint i, n = async_check_scale (200), frames = 0, queued = 0;
  gint64 last_frame_event = -1;
  GstHarness *h;
  Recorder rec;

  t->add_events = TRUE;
  t->work_us = 1000;
  g_object_set (t, "ordered", __i__ == 0, NULL);
  recorder_attach (&rec, GST_ELEMENT (t));
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < n; i++) {
    gst_harness_push (h, make_frame (i));
    if (i % 10 == 9)
      fail_unless (gst_async_transform_queue_event (GST_ASYNC_TRANSFORM (t),
              gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
                  gst_structure_new ("queued", "n", G_TYPE_INT, 1000 + i,
                      NULL))));
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  fail_unless (recorder_wait_for (&rec, GST_EVENT_EOS));

  g_mutex_lock (&rec.lock);
  for (i = 0; i < rec.items->len; i++) {
    Item *item = &g_array_index (rec.items, Item, i);

    if (item->type == GST_EVENT_CUSTOM_DOWNSTREAM && item->value >= 1000) {
      /* after the 10 frames before it */
      fail_unless_equals_int (frames, item->value - 1000 + 1);
      queued++;
    } else if (item->type == GST_EVENT_CUSTOM_DOWNSTREAM) {
      last_frame_event = item->value;
    } else if (item->type == 0) {
      fail_unless_equals_int (last_frame_event, item->value);
      last_frame_event = -1;
      frames++;
    }
  }
  g_mutex_unlock (&rec.lock);
  fail_unless_equals_int (frames, n);
  fail_unless_equals_int (queued, n / 10);
  recorder_clear (&rec);
  test_teardown (h, t);
}

GST_END_TEST;

/* Returns the title and encoder of the tag event the harness last got. */
static void
last_tags (GstHarness * h, gchar ** title, gchar ** encoder)
{
  GstEvent *event = gst_pad_get_sticky_event (h->sinkpad, GST_EVENT_TAG, 0);
  GstTagList *tags;

  *title = *encoder = NULL;
  fail_unless (event != NULL);
  gst_event_parse_tag (event, &tags);
  gst_tag_list_get_string (tags, GST_TAG_TITLE, title);
  gst_tag_list_get_string (tags, GST_TAG_ENCODER, encoder);
  gst_event_unref (event);
}

/* merge_tags: the subclass's stream tags merged with upstream's, sent in
 * order, and merged again into every later upstream tag event. */
GST_START_TEST (test_merge_tags)
{
  GstTestAsync *t = test_async_new (2, 4);
  GstHarness *h = test_harness (t);
  GstTagList *ours = gst_tag_list_new (GST_TAG_ENCODER, "test", NULL);
  gchar *title, *encoder;

  gst_harness_set_src_caps_str (h, "test/in");
  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_new (GST_TAG_TITLE, "one", NULL))));
  gst_async_transform_merge_tags (GST_ASYNC_TRANSFORM (t), ours,
      GST_TAG_MERGE_REPLACE);
  gst_harness_push (h, make_frame (0));
  gst_buffer_unref (gst_harness_pull (h));
  last_tags (h, &title, &encoder);
  fail_unless_equals_string (title, "one");
  fail_unless_equals_string (encoder, "test");
  g_free (title);
  g_free (encoder);

  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_new (GST_TAG_TITLE, "two", NULL))));
  gst_harness_push (h, make_frame (1));
  gst_buffer_unref (gst_harness_pull (h));
  last_tags (h, &title, &encoder);
  fail_unless_equals_string (title, "two");
  fail_unless_equals_string (encoder, "test");
  g_free (title);
  g_free (encoder);

  gst_tag_list_unref (ours);
  test_teardown (h, t);
}

GST_END_TEST;

/* --- frame errors -------------------------------------------------------- */

/* GST_ASYNC_TRANSFORM_FRAME_ERROR drops the frame with a warning in its
 * turn, and the next buffer is a DISCONT; with max-errors N, the (N+1)-th
 * in a row, in frame order, is an error that stops the element; a good
 * frame starts the count again. */
GST_START_TEST (test_frame_errors)
{
  GstTestAsync *t = test_async_new (3, 6);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstBuffer *buf;
  Posted posted;
  Stats st;
  guint i;

  /* 2, 3 fail (two in a row: warnings); 5, 6, 7 fail (the third is
   * fatal) */
  t->frame_errors = (1 << 2) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 7);
  t->work_us = 2000;
  fail_unless_equals_int (gst_async_transform_get_max_errors
      (GST_ASYNC_TRANSFORM (t)), -1);
  gst_async_transform_set_max_errors (GST_ASYNC_TRANSFORM (t), 2);
  gst_element_set_bus (GST_ELEMENT (t), bus);
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  for (i = 0; i < 10; i++)
    gst_harness_push (h, make_frame (i));
  fail_if (async_check_drain (h->srcpad));

  for (i = 0; (buf = gst_harness_try_pull (h)); i++) {
    static const guint64 good[] = { 0, 1, 4 };

    fail_unless (i < G_N_ELEMENTS (good));
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), good[i]);
    /* (after 2 and 3 were dropped) */
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (buf,
            GST_BUFFER_FLAG_DISCONT), good[i] == 4);
    gst_buffer_unref (buf);
  }
  fail_unless_equals_int (i, 3);
  posted = count_messages (bus, t);
  fail_unless_equals_int (posted.warnings, 4);
  fail_unless_equals_int (posted.errors, 1);
  st = read_stats (GST_ELEMENT (t));
  fail_unless_equals_uint64 (st.errors, 4);
  fail_unless_equals_uint64 (st.out, 3);

  gst_element_set_bus (GST_ELEMENT (t), NULL);
  gst_object_unref (bus);
  test_teardown (h, t);
}

GST_END_TEST;

/* The encoder role: buffers outside the segment are dropped before
 * parse (), those partly inside clipped to it, as by GstVideoEncoder, and
 * the first buffer pushed since a start or a flush is DISCONT. As a
 * filter (the default), everything passes as it came. */
static void
check_segment_and_discont (GstAsyncTransformRole role)
{
  static const GstClockTime expected[][2] = {
    {25, 5}, {30, 10}, {40, 10}, {50, 5}
  };
  gboolean encoder = role == GST_ASYNC_TRANSFORM_ROLE_ENCODER;
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h;
  GstSegment segment;
  GstBuffer *out;
  guint i, n = encoder ? G_N_ELEMENTS (expected) : 8;

  gst_async_transform_set_role (GST_ASYNC_TRANSFORM (t), role);
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = 25 * GST_MSECOND;
  segment.stop = 55 * GST_MSECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  for (i = 0; i < 8; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  for (i = 0; i < n; i++) {
    out = gst_harness_pull (h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), encoder ?
        expected[i][0] * GST_MSECOND : i * 10 * GST_MSECOND);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), encoder ?
        expected[i][1] * GST_MSECOND : 10 * GST_MSECOND);
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (out,
            GST_BUFFER_FLAG_DISCONT), encoder && i == 0);
    gst_buffer_unref (out);
  }
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (gst_harness_try_pull (h) == NULL);

  /* after a flush, the first buffer is DISCONT again */
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  for (i = 0; i < 2; i++) {
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (out,
            GST_BUFFER_FLAG_DISCONT), encoder && i == 0);
    gst_buffer_unref (out);
  }
  test_teardown (h, t);
}

GST_START_TEST (test_encoder_role)
{
  check_segment_and_discont (GST_ASYNC_TRANSFORM_ROLE_FILTER);
  check_segment_and_discont (GST_ASYNC_TRANSFORM_ROLE_ENCODER);
}

GST_END_TEST;

/* In the decoder role, a stream that brought data but gave no frame ends
 * with a STREAM DECODE error before its EOS, as with GstVideoDecoder; a
 * flush starts the reckoning again. __i__: 0, every frame fails; 1, the
 * same as a filter (which may drop everything); 2, one frame of three
 * decodes; 3, no data at all; 4, a good frame, a flush, then only bad
 * ones. */
GST_START_TEST (test_decoder_role_requires_output)
{
  GstTestAsync *t = test_async_new (2, 0);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstEvent *event;
  GstMessage *msg;
  guint i, start = 0, frame_errors = 0, warnings = 0, errors = 0;

  t->frame_errors = G_MAXUINT64;
  if (__i__ == 2)
    t->frame_errors &= ~(G_GUINT64_CONSTANT (1) << 1);
  if (__i__ == 4)
    t->frame_errors &= ~G_GUINT64_CONSTANT (1);
  if (__i__ != 1)
    gst_async_transform_set_role (GST_ASYNC_TRANSFORM (t),
        GST_ASYNC_TRANSFORM_ROLE_DECODER);
  gst_element_set_bus (GST_ELEMENT (t), bus);
  h = test_harness (t);
  gst_harness_set_src_caps_str (h, "test/in");
  if (__i__ == 4) {
    GstSegment segment;

    gst_harness_push (h, make_frame (0));
    gst_buffer_unref (gst_harness_pull (h));
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
    gst_segment_init (&segment, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
    start = 1;
  }
  if (__i__ != 3) {
    for (i = start; i < start + 3; i++)
      fail_unless_equals_int (gst_harness_push (h, make_frame (i)),
          GST_FLOW_OK);
    frame_errors = __i__ == 2 ? 2 : 3;
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* (the message is posted before the EOS leaves) */
  while ((event = gst_harness_pull_event (h))) {
    gboolean eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;

    gst_event_unref (event);
    if (eos)
      break;
  }
  if (__i__ == 2)
    gst_buffer_unref (gst_harness_pull (h));
  fail_unless (gst_harness_try_pull (h) == NULL);

  while ((msg = gst_bus_pop (bus))) {
    GError *err = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      /* (the frame errors' warnings come first) */
      fail_unless_equals_int (errors, 0);
      warnings++;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, NULL);
      fail_unless (g_error_matches (err, GST_STREAM_ERROR,
              GST_STREAM_ERROR_DECODE), "%s", err->message);
      g_error_free (err);
      errors++;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (warnings, frame_errors);
  fail_unless_equals_int (errors, __i__ == 0 || __i__ == 4 ? 1 : 0);

  gst_element_set_bus (GST_ELEMENT (t), NULL);
  gst_object_unref (bus);
  test_teardown (h, t);
}

GST_END_TEST;

/* --- the output ---------------------------------------------------------- */

/* A new output buffer gets, field by field, what it lacks of the input's
 * (timestamps, offsets, flags, metas); an encoder that sets its own PTS
 * still gets the metas. Without FLAGS in the policy, the input's flags
 * stay off the output; with NONE, nothing is copied. __i__: the policy. */
static const GstAsyncTransformCopy policies[] = {
  GST_ASYNC_TRANSFORM_COPY_ALL,
  GST_ASYNC_TRANSFORM_COPY_ALL & ~GST_ASYNC_TRANSFORM_COPY_FLAGS,
  GST_ASYNC_TRANSFORM_COPY_NONE,
};

GST_START_TEST (test_output_policy)
{
  GstAsyncTransformCopy copy = policies[__i__];
  GstTestAsync *t = test_async_new (2, 0);
  GstHarness *h = test_harness (t);
  GstCaps *ref = gst_caps_new_empty_simple ("timestamp/x-test");
  GstBuffer *in, *out;

  t->fresh_output = TRUE;
  t->own_pts = TRUE;
  gst_async_transform_set_output_policy (GST_ASYNC_TRANSFORM (t), copy);
  gst_harness_set_src_caps_str (h, "test/in");
  in = make_frame (3);
  gst_buffer_add_reference_timestamp_meta (in, ref, 42, GST_CLOCK_TIME_NONE);
  gst_harness_push (h, in);
  out = gst_harness_pull (h);

  /* the PTS is the subclass's own */
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 30 * GST_MSECOND + 1);
  fail_unless_equals_int (GST_BUFFER_DTS_IS_VALID (out),
      copy != GST_ASYNC_TRANSFORM_COPY_NONE);
  fail_unless_equals_int (GST_BUFFER_OFFSET (out) == 3,
      copy != GST_ASYNC_TRANSFORM_COPY_NONE);
  fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (out,
          GST_BUFFER_FLAG_DELTA_UNIT), copy == GST_ASYNC_TRANSFORM_COPY_ALL);
  fail_unless_equals_int (gst_buffer_get_reference_timestamp_meta (out,
          ref) != NULL, copy != GST_ASYNC_TRANSFORM_COPY_NONE);
  gst_buffer_unref (out);
  gst_caps_unref (ref);
  test_teardown (h, t);
}

GST_END_TEST;

/* In-place work: the input becomes the output, copied only when someone
 * else still holds it (behind a tee), as GstBaseTransform's transform_ip. */
typedef struct
{
  GstAsyncTransform parent;
} GstTestInPlace;

typedef struct
{
  GstAsyncTransformClass parent_class;
} GstTestInPlaceClass;

GType gst_test_in_place_get_type (void);
G_DEFINE_TYPE (GstTestInPlace, gst_test_in_place, GST_TYPE_ASYNC_TRANSFORM);

static GstFlowReturn
test_in_place_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstBuffer *buf = gst_async_frame_output_in_place (frame);

  gst_buffer_memset (buf, 0, 0xff, 1);
  return GST_FLOW_OK;
}

static void
gst_test_in_place_class_init (GstTestInPlaceClass * klass)
{
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &test_sink_template);
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &test_src_template);
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass),
      "In place", "Testing", "Writes one byte in place", "tests");
  GST_ASYNC_TRANSFORM_CLASS (klass)->process = test_in_place_process;
}

static void
gst_test_in_place_init (GstTestInPlace * self)
{
}

GST_START_TEST (test_output_in_place)
{
  GstElement *e = g_object_new (gst_test_in_place_get_type (), NULL);
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");
  GstBuffer *in = make_frame (1), *out;
  guint8 byte = 0;

  gst_harness_set_src_caps_str (h, "test/in");
  /* held by the test too: not writable */
  gst_harness_push (h, gst_buffer_ref (in));
  out = gst_harness_pull (h);
  fail_unless (out != in);
  gst_buffer_extract (out, 0, &byte, 1);
  fail_unless_equals_int (byte, 0xff);
  gst_buffer_extract (in, 0, &byte, 1);
  fail_unless_equals_int (byte, 7);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
asyncsubclass_suite (void)
{
  Suite *s = suite_create ("asyncsubclass");
  TCase *tc;

  tc = tcase_create ("states and accessors");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_state_vfuncs);
  tcase_add_test (tc, test_accessors);
  suite_add_tcase (s, tc);

  tc = tcase_create ("caps and negotiation");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_format_change);
  tcase_add_test (tc, test_not_negotiated);
  tcase_add_test (tc, test_renegotiate_on_reconfigure);
  tcase_add_test (tc, test_identical_caps_no_change);
  tcase_add_test (tc, test_set_caps_on_new_input);
  tcase_add_test (tc, test_negotiate_never_under_process);
  tcase_add_test (tc, test_output_caps_from_parse);
  suite_add_tcase (s, tc);

  tc = tcase_create ("allocation");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_one_allocation_per_caps);
  tcase_add_loop_test (tc, test_reconfigure_decides_allocation, 0, 2);
  tcase_add_test (tc, test_small_pool_no_deadlock);
  tcase_add_test (tc, test_downstream_pool_stays_active);
  suite_add_tcase (s, tc);

  tc = tcase_create ("parse and roles");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_parse_frames_input);
  tcase_add_loop_test (tc, test_dropped_frames, 0, 2);
  tcase_add_test (tc, test_encoder_role);
  tcase_add_loop_test (tc, test_decoder_role_requires_output, 0, 5);
  suite_add_tcase (s, tc);

  tc = tcase_create ("contexts");
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_lent_contexts);
  tcase_add_test (tc, test_contexts_outside_paused);
  tcase_add_test (tc, test_context_lifecycle);
  tcase_add_test (tc, test_contexts_kept_across_caps);
  suite_add_tcase (s, tc);

  tc = tcase_create ("what process gives");
  tcase_set_timeout (tc, 300);
  tcase_add_loop_test (tc, test_subclass_events_in_order, 0, 2);
  tcase_add_test (tc, test_merge_tags);
  tcase_add_test (tc, test_frame_errors);
  tcase_add_test (tc, test_metas_copied);
  tcase_add_loop_test (tc, test_output_policy, 0, G_N_ELEMENTS (policies));
  tcase_add_test (tc, test_output_in_place);
  suite_add_tcase (s, tc);

  return s;
}

GST_CHECK_MAIN (asyncsubclass);
