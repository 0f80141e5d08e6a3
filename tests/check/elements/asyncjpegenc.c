/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncjpegenc.c: tests of the asyncjpegenc element, against jpegenc
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

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <string.h>

#include <stdio.h>
#include <jpeglib.h>

#include "../asynccheck.h"
#include "../codeccheck.h"
#include "../encodercheck.h"

/* jpegenc's input formats, in the order of its template. */
static const gchar *const formats[] = { "I420", "YV12", "YUY2", "UYVY",
  "Y41B", "Y42B", "YVYU", "Y444", "NV21", "NV12", "RGB", "BGR", "RGBx",
  "xRGB", "BGRx", "xBGR", "GRAY8"
};

/* The same bytes, caps and timestamps as jpegenc's for every format
 * (__i__), at sizes whose rows fill whole blocks (widths that are
 * multiples of 32; any height: rows past the bottom are the last row
 * repeated, in both), at several qualities and with each DCT method, over
 * frames of natural-looking pictures. */
GST_START_TEST (test_identical_to_jpegenc)
{
  static const guint sizes[][2] = { {64, 48}, {320, 241}, {32, 1},
  {96, 17}
  };
  static const gchar *const settings[] = { "", "quality=5 idct-method=islow",
    "quality=50 idct-method=float", "quality=100 idct-method=ifast"
  };
  const gchar *format = formats[__i__];
  guint s, q, i, n = async_check_under_valgrind ()? 2 : 4;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    GstCaps *caps = raw_caps (format, sizes[s][0], sizes[s][1]);
    GPtrArray *frames = make_frames (caps, 1000 + s, 0, n);

    for (q = 0; q < G_N_ELEMENTS (settings); q++) {
      gchar *stock_desc = g_strdup_printf ("jpegenc %s", settings[q]);
      gchar *ours_desc = g_strdup_printf ("asyncjpegenc %s", settings[q]);
      Encoded stock = encode (stock_desc, caps, frames);
      Encoded ours = encode (ours_desc, caps, frames);

      fail_unless (gst_caps_is_equal (stock.caps, ours.caps),
          "%s %ux%u %s: caps %" GST_PTR_FORMAT ", jpegenc's %" GST_PTR_FORMAT,
          format, sizes[s][0], sizes[s][1], settings[q], ours.caps, stock.caps);
      for (i = 0; i < n; i++) {
        GstBuffer *a = g_ptr_array_index (stock.buffers, i);
        GstBuffer *b = g_ptr_array_index (ours.buffers, i);

        fail_unless (buffers_equal (a, b), "%s %ux%u %s: frame %u differs "
            "(%" G_GSIZE_FORMAT " bytes, jpegenc's %" G_GSIZE_FORMAT ")",
            format, sizes[s][0], sizes[s][1], settings[q], i,
            gst_buffer_get_size (b), gst_buffer_get_size (a));
        fail_unless_equals_uint64 (GST_BUFFER_PTS (b), GST_BUFFER_PTS (a));
        fail_unless_equals_uint64 (GST_BUFFER_DURATION (b),
            GST_BUFFER_DURATION (a));
        fail_if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT));
      }
      encoded_clear (&stock);
      encoded_clear (&ours);
      g_free (stock_desc);
      g_free (ours_desc);
    }
    g_ptr_array_unref (frames);
    gst_caps_unref (caps);
  }
}

GST_END_TEST;

/* The components of the JPEG image @jpeg, decoded by libjpeg as they are
 * stored (no colour conversion, no upsampling), each padded to whole
 * blocks: what the encoder put in, before any decoder's choices. */
typedef struct
{
  guint n;
  guint width[3], height[3];    /* the component's own samples */
  guint stride[3];
  guint8 *data[3];
} Components;

static void
decode_components (GstBuffer * jpeg, Components * c)
{
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr err;
  JSAMPROW *rows[3];
  JSAMPARRAY planes[3];
  GstMapInfo map;
  guint k, j, done = 0, v_max;

  gst_buffer_map (jpeg, &map, GST_MAP_READ);
  cinfo.err = jpeg_std_error (&err);
  jpeg_create_decompress (&cinfo);
  jpeg_mem_src (&cinfo, map.data, map.size);
  fail_unless_equals_int (jpeg_read_header (&cinfo, TRUE), JPEG_HEADER_OK);
  cinfo.raw_data_out = TRUE;
  jpeg_start_decompress (&cinfo);
  c->n = cinfo.num_components;
  v_max = cinfo.max_v_samp_factor;
  for (k = 0; k < c->n; k++) {
    jpeg_component_info *comp = &cinfo.comp_info[k];

    c->width[k] = comp->downsampled_width;
    c->height[k] = comp->downsampled_height;
    c->stride[k] = comp->width_in_blocks * DCTSIZE;
    c->data[k] = g_malloc0 ((gsize) c->stride[k] * (cinfo.total_iMCU_rows *
            comp->v_samp_factor * DCTSIZE));
    rows[k] = g_new (JSAMPROW, comp->v_samp_factor * DCTSIZE);
    planes[k] = rows[k];
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    for (k = 0; k < c->n; k++) {
      guint lines = cinfo.comp_info[k].v_samp_factor * DCTSIZE;

      for (j = 0; j < lines; j++)
        rows[k][j] = c->data[k] + (gsize) (done * lines + j) * c->stride[k];
    }
    fail_unless (jpeg_read_raw_data (&cinfo, planes, v_max * DCTSIZE) > 0);
    done++;
  }
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  for (k = 0; k < c->n; k++)
    g_free (rows[k]);
  gst_buffer_unmap (jpeg, &map);
}

static void
components_clear (Components * c)
{
  guint k;

  for (k = 0; k < c->n; k++)
    g_free (c->data[k]);
}

/* Whether @a and @b hold the same samples in every block but the last of
 * each row (the blocks that reach past the right edge). */
static gboolean
components_equal_but_right_edge (Components * a, Components * b)
{
  guint k, y;

  if (a->n != b->n)
    return FALSE;
  for (k = 0; k < a->n; k++) {
    guint inner = (a->width[k] - 1) / DCTSIZE * DCTSIZE;

    if (a->width[k] != b->width[k] || a->height[k] != b->height[k])
      return FALSE;
    for (y = 0; y < a->height[k]; y++)
      if (memcmp (a->data[k] + y * a->stride[k], b->data[k] + y * b->stride[k],
              inner) != 0)
        return FALSE;
  }
  return TRUE;
}

/* Sizes whose rows do not fill whole blocks, where jpegenc reads past the
 * row: ours gives the same bytes on every run and with any number of
 * workers (valgrind finds no uninitialised read in it), and holds the
 * same samples as jpegenc's in every block but those at the right edge.
 * (Compared as libjpeg stores them: jpegdec's own output is not stable at
 * some of these sizes.) jpegenc itself is left out under valgrind, which
 * reports its reads. */
GST_START_TEST (test_odd_sizes_stable)
{
  static const guint sizes[][2] = { {641, 479}, {97, 33}, {1, 1}, {2, 2},
  {3, 5}, {17, 9}
  };
  const gchar *format = formats[__i__];
  guint s, i, n = 2;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    GstCaps *caps = raw_caps (format, sizes[s][0], sizes[s][1]);
    GPtrArray *frames = make_frames (caps, 2000 + s, 0, n);
    Encoded one = encode ("asyncjpegenc n-workers=1", caps, frames);
    Encoded three = encode ("asyncjpegenc n-workers=3", caps, frames);

    for (i = 0; i < n; i++)
      fail_unless (buffers_equal (g_ptr_array_index (one.buffers, i),
              g_ptr_array_index (three.buffers, i)), "%s %ux%u: frame %u "
          "changed between runs", format, sizes[s][0], sizes[s][1], i);
    if (!async_check_under_valgrind ()) {
      Encoded stock = encode ("jpegenc", caps, frames);

      for (i = 0; i < n; i++) {
        Components a, b;

        decode_components (g_ptr_array_index (stock.buffers, i), &a);
        decode_components (g_ptr_array_index (one.buffers, i), &b);
        fail_unless (components_equal_but_right_edge (&a, &b),
            "%s %ux%u: frame %u differs from jpegenc's away from the edge",
            format, sizes[s][0], sizes[s][1], i);
        components_clear (&a);
        components_clear (&b);
      }
      encoded_clear (&stock);
    }
    encoded_clear (&one);
    encoded_clear (&three);
    g_ptr_array_unref (frames);
    gst_caps_unref (caps);
  }
}

GST_END_TEST;

/* Pushes @frames into @h, with the quality set to @qualities[i] before
 * frame i, and pulls as many. */
static GPtrArray *
encode_with_qualities (GstHarness * h, GPtrArray * frames,
    const gint * qualities)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  guint i;

  for (i = 0; i < frames->len; i++) {
    g_object_set (h->element, "quality", qualities[i], NULL);
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (frames, i))), GST_FLOW_OK);
  }
  for (i = 0; i < frames->len; i++)
    g_ptr_array_add (out, gst_harness_pull (h));
  return out;
}

/* The quality changed while playing applies from the next frame on, as in
 * jpegenc, down to the caps (a quality of 1 moves jpegenc's sof-marker
 * scan, see the element's code). */
GST_START_TEST (test_quality_change_while_playing)
{
  static const gint qualities[] = { 85, 85, 30, 30, 1, 100, 1, 85 };
  GstCaps *caps = raw_caps ("I420", 64, 48);
  GPtrArray *frames = make_frames (caps, 3000, 0, G_N_ELEMENTS (qualities));
  GstHarness *stock = gst_harness_new ("jpegenc");
  GstHarness *ours = gst_harness_new ("asyncjpegenc");
  GPtrArray *a, *b;
  GstCaps *caps_a, *caps_b;
  guint i;

  gst_harness_set_src_caps (stock, gst_caps_ref (caps));
  gst_harness_set_src_caps (ours, gst_caps_ref (caps));
  a = encode_with_qualities (stock, frames, qualities);
  b = encode_with_qualities (ours, frames, qualities);
  for (i = 0; i < frames->len; i++)
    fail_unless (buffers_equal (g_ptr_array_index (a, i),
            g_ptr_array_index (b, i)), "frame %u differs", i);
  caps_a = gst_pad_get_current_caps (stock->sinkpad);
  caps_b = gst_pad_get_current_caps (ours->sinkpad);
  fail_unless (gst_caps_is_equal (caps_a, caps_b));
  /* the same caps events too, in number */
  fail_unless_equals_int (gst_harness_events_received (ours),
      gst_harness_events_received (stock));
  gst_caps_unref (caps_a);
  gst_caps_unref (caps_b);
  g_ptr_array_unref (a);
  g_ptr_array_unref (b);
  gst_harness_teardown (stock);
  gst_harness_teardown (ours);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* New caps mid-stream (size and format): the frames after them are
 * encoded for them, as jpegenc does, with frames of the old caps still in
 * flight when they come. */
GST_START_TEST (test_caps_change_mid_stream)
{
  GstCaps *caps[] = { raw_caps ("I420", 64, 48), raw_caps ("RGB", 96, 32),
    raw_caps ("YUY2", 320, 240), raw_caps ("I420", 64, 48)
  };
  GstHarness *stock = gst_harness_new ("jpegenc");
  GstHarness *ours = gst_harness_new_parse ("asyncjpegenc n-workers=3");
  guint c, i;

  for (c = 0; c < G_N_ELEMENTS (caps); c++) {
    GPtrArray *frames = make_frames (caps[c], 4000 + c, 0, 6);
    GstCaps *caps_a, *caps_b;

    gst_harness_set_src_caps (stock, gst_caps_ref (caps[c]));
    gst_harness_set_src_caps (ours, gst_caps_ref (caps[c]));
    for (i = 0; i < frames->len; i++) {
      gst_harness_push (stock, gst_buffer_ref (g_ptr_array_index (frames, i)));
      gst_harness_push (ours, gst_buffer_ref (g_ptr_array_index (frames, i)));
    }
    for (i = 0; i < frames->len; i++) {
      GstBuffer *a = gst_harness_pull (stock);
      GstBuffer *b = gst_harness_pull (ours);

      fail_unless (buffers_equal (a, b), "caps %u, frame %u differs", c, i);
      gst_buffer_unref (a);
      gst_buffer_unref (b);
    }
    caps_a = gst_pad_get_current_caps (stock->sinkpad);
    caps_b = gst_pad_get_current_caps (ours->sinkpad);
    fail_unless (gst_caps_is_equal (caps_a, caps_b), "caps %u", c);
    gst_caps_unref (caps_a);
    gst_caps_unref (caps_b);
    g_ptr_array_unref (frames);
  }
  gst_harness_teardown (stock);
  gst_harness_teardown (ours);
  for (c = 0; c < G_N_ELEMENTS (caps); c++)
    gst_caps_unref (caps[c]);
}

GST_END_TEST;

/* snapshot=true: the frame is encoded and pushed, and upstream gets EOS
 * for it, as with jpegenc. */
GST_START_TEST (test_snapshot)
{
  GstCaps *caps = raw_caps ("I420", 64, 48);

  check_snapshot ("jpegenc", "asyncjpegenc", caps);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* A buffer too small for its caps is dropped with a warning and counted;
 * the frames around it are encoded. Caps jpegenc does not take are
 * refused. */
GST_START_TEST (test_bad_input)
{
  GstCaps *caps = raw_caps ("I420", 64, 48);
  GPtrArray *frames = make_frames (caps, 6000, 0, 2);
  GstHarness *h = gst_harness_new ("asyncjpegenc");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  Encoded stock;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_ref (g_ptr_array_index (frames, 0))), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL,
              10, NULL)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_ref (g_ptr_array_index (frames, 1))), GST_FLOW_OK);

  stock = encode ("jpegenc", caps, frames);
  {
    GstBuffer *a = gst_harness_pull (h), *b = gst_harness_pull (h);

    fail_unless (buffers_equal (a, g_ptr_array_index (stock.buffers, 0)));
    fail_unless (buffers_equal (b, g_ptr_array_index (stock.buffers, 1)));
    gst_buffer_unref (a);
    gst_buffer_unref (b);
  }
  /* (the counters are final once everything has left) */
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_uint64 (read_stats (h->element).errors, 1);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_WARNING);
  gst_message_unref (msg);

  /* caps jpegenc does not take either */
  gst_harness_set_src_caps_str (h, "video/x-raw,format=ARGB,width=64,"
      "height=48,framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_ref (g_ptr_array_index (frames, 0))),
      GST_FLOW_NOT_NEGOTIATED);

  encoded_clear (&stock);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* Output buffers are reused from frame to frame, not allocated anew:
 * over many frames, few distinct memories carry the output. */
GST_START_TEST (test_output_memory_reused)
{
  GstCaps *caps = raw_caps ("I420", 320, 240);
  GPtrArray *frames = make_frames (caps, 7000, 0, 4);
  GstHarness *h = gst_harness_new_parse ("asyncjpegenc max-in-flight=4");
  GHashTable *seen = g_hash_table_new (NULL, NULL);
  guint i, n = async_check_scale (200);

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (i = 0; i < n; i++) {
    GstBuffer *out;
    GstMapInfo map;

    gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (frames, i % 4)));
    out = gst_harness_pull (h);
    gst_buffer_map (out, &map, GST_MAP_READ);
    g_hash_table_add (seen, map.data);
    gst_buffer_unmap (out, &map);
    gst_buffer_unref (out);
  }
  /* the window, one being pushed, one being released */
  fail_unless (g_hash_table_size (seen) <= 4 + 2,
      "%u output memories for %u frames", g_hash_table_size (seen), n);
  g_hash_table_unref (seen);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* Every property of jpegenc, with its type, range and default. */
GST_START_TEST (test_properties_match_jpegenc)
{
  static const gchar *const names[] = { "quality", "idct-method", "snapshot" };
  GstElement *stock = gst_element_factory_make ("jpegenc", NULL);
  GstElement *ours = gst_element_factory_make ("asyncjpegenc", NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GParamSpec *a = g_object_class_find_property (G_OBJECT_GET_CLASS (stock),
        names[i]);
    GParamSpec *b = g_object_class_find_property (G_OBJECT_GET_CLASS (ours),
        names[i]);
    GValue va = G_VALUE_INIT, vb = G_VALUE_INIT;

    fail_unless (a != NULL && b != NULL, "%s", names[i]);
    fail_unless_equals_int (G_TYPE_FUNDAMENTAL (a->value_type),
        G_TYPE_FUNDAMENTAL (b->value_type));
    g_value_init (&va, a->value_type);
    g_value_init (&vb, b->value_type);
    g_object_get_property (G_OBJECT (stock), names[i], &va);
    g_object_get_property (G_OBJECT (ours), names[i], &vb);
    if (G_IS_PARAM_SPEC_INT (a)) {
      fail_unless_equals_int (G_PARAM_SPEC_INT (a)->minimum,
          G_PARAM_SPEC_INT (b)->minimum);
      fail_unless_equals_int (G_PARAM_SPEC_INT (a)->maximum,
          G_PARAM_SPEC_INT (b)->maximum);
      fail_unless_equals_int (g_value_get_int (&va), g_value_get_int (&vb));
    } else if (G_IS_PARAM_SPEC_ENUM (a)) {
      GEnumClass *ea = G_PARAM_SPEC_ENUM (a)->enum_class;
      GEnumClass *eb = G_PARAM_SPEC_ENUM (b)->enum_class;
      guint v;

      fail_unless_equals_int (ea->n_values, eb->n_values);
      for (v = 0; v < ea->n_values; v++) {
        fail_unless_equals_int (ea->values[v].value, eb->values[v].value);
        fail_unless_equals_string (ea->values[v].value_nick,
            eb->values[v].value_nick);
      }
      fail_unless_equals_int (g_value_get_enum (&va), g_value_get_enum (&vb));
    } else {
      fail_unless_equals_int (g_value_get_boolean (&va),
          g_value_get_boolean (&vb));
    }
    g_value_unset (&va);
    g_value_unset (&vb);
  }
  gst_object_unref (stock);
  gst_object_unref (ours);
}

GST_END_TEST;

/* The pad templates accept what jpegenc's accept. */
GST_START_TEST (test_templates_match_jpegenc)
{
  const gchar *pads[] = { "sink", "src" };
  GstElementFactory *stock = gst_element_factory_find ("jpegenc");
  GstElementFactory *ours = gst_element_factory_find ("asyncjpegenc");
  guint i;

  for (i = 0; i < 2; i++) {
    const GList *l;
    GstCaps *ca = NULL, *cb = NULL;

    for (l = gst_element_factory_get_static_pad_templates (stock); l;
        l = l->next) {
      GstStaticPadTemplate *t = l->data;

      if (g_str_equal (t->name_template, pads[i]))
        ca = gst_static_pad_template_get_caps (t);
    }
    for (l = gst_element_factory_get_static_pad_templates (ours); l;
        l = l->next) {
      GstStaticPadTemplate *t = l->data;

      if (g_str_equal (t->name_template, pads[i]))
        cb = gst_static_pad_template_get_caps (t);
    }
    fail_unless (ca && cb && gst_caps_is_equal (ca, cb), "%s template",
        pads[i]);
    gst_caps_unref (ca);
    gst_caps_unref (cb);
  }
  gst_object_unref (stock);
  gst_object_unref (ours);
}

GST_END_TEST;

/* Seeks and state changes while frames are being encoded, over and over:
 * no crash, no hang, no leak, and the stream still ends. */
GST_START_TEST (test_flush_and_restart_with_frames_in_flight)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc pattern=snow "
      "num-buffers=400 ! video/x-raw,format=I420,width=320,height=240 ! "
      "asyncjpegenc n-workers=3 ! fakesink name=sink", NULL);
  GRand *rand = g_rand_new_with_seed (8);
  GstMessage *msg;
  guint i, n = async_check_scale (30);

  fail_unless (pipeline != NULL);
  for (i = 0; i < n; i++) {
    fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    g_usleep (g_rand_int_range (rand, 0, 20000));
    if (i % 2 == 0) {
      gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE);
      gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH, 0);
    } else {
      fail_if (gst_element_set_state (pipeline, GST_STATE_READY) ==
          GST_STATE_CHANGE_FAILURE);
    }
  }
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_rand_free (rand);
}

GST_END_TEST;

/* Timestamps, offsets and flags as jpegenc's, buffer for buffer, over
 * starts, flushes, new caps, clipping segments, gaps and input flags of
 * every kind: PTS and DTS from the input's PTS, offsets unset, MARKER on
 * every image, DISCONT on the first since a start or a flush. */
GST_START_TEST (test_timing_like_jpegenc)
{
  encoder_check_timing_like ("jpegenc", "asyncjpegenc", "I420");
  encoder_check_timing_like ("jpegenc", "asyncjpegenc n-workers=3", "RGB");
}

GST_END_TEST;

/* A flush with frames being encoded: the first image after it is DISCONT,
 * whichever worker finishes first. */
GST_START_TEST (test_discont_after_flush_in_flight)
{
  guint i, n = async_check_scale (20);

  for (i = 0; i < n; i++)
    encoder_check_discont_after_flush ("asyncjpegenc n-workers=3", "I420");
}

GST_END_TEST;

static Suite *
asyncjpegenc_suite (void)
{
  Suite *s = suite_create ("asyncjpegenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_identical_to_jpegenc, 0,
      G_N_ELEMENTS (formats));
  tcase_add_loop_test (tc, test_odd_sizes_stable, 0, G_N_ELEMENTS (formats));
  tcase_add_test (tc, test_quality_change_while_playing);
  tcase_add_test (tc, test_caps_change_mid_stream);
  tcase_add_test (tc, test_snapshot);
  tcase_add_test (tc, test_bad_input);
  tcase_add_test (tc, test_output_memory_reused);
  tcase_add_test (tc, test_properties_match_jpegenc);
  tcase_add_test (tc, test_templates_match_jpegenc);
  tcase_add_test (tc, test_flush_and_restart_with_frames_in_flight);
  tcase_add_test (tc, test_timing_like_jpegenc);
  tcase_add_test (tc, test_discont_after_flush_in_flight);
  return s;
}

GST_CHECK_MAIN (asyncjpegenc);
