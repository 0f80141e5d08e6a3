/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncpngenc.c: tests of the asyncpngenc element, against pngenc
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
#include <glib/gstdio.h>
#include <string.h>

#include "../asynccheck.h"
#include "../codeccheck.h"
#include "../encodercheck.h"

/* pngenc's input formats. */
static const gchar *const formats[] = { "RGBA", "RGB", "GRAY8", "GRAY16_BE" };

/* The same bytes, caps and timestamps as pngenc's for every format
 * (__i__), at even and odd sizes, at every compression level, over
 * natural-looking pictures. */
GST_START_TEST (test_identical_to_pngenc)
{
  static const guint sizes[][2] = { {64, 48}, {97, 33}, {1, 1}, {320, 241} };
  static const guint fast_levels[] = { 0, 1, 6, 9 };
  const gchar *format = formats[__i__];
  gboolean slow = async_check_under_valgrind ();
  guint s, l, i, n_levels = slow ? G_N_ELEMENTS (fast_levels) : 10;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    GstCaps *caps = raw_caps (format, sizes[s][0], sizes[s][1]);
    GPtrArray *frames = make_frames (caps, 1100 + s, 0, 2);

    for (l = 0; l < n_levels; l++) {
      guint level = slow ? fast_levels[l] : l;
      gchar *stock_desc = g_strdup_printf ("pngenc compression-level=%u",
          level);
      gchar *ours_desc = g_strdup_printf ("asyncpngenc compression-level=%u",
          level);
      Encoded stock = encode (stock_desc, caps, frames);
      Encoded ours = encode (ours_desc, caps, frames);

      fail_unless (gst_caps_is_equal (stock.caps, ours.caps), "%s level %u",
          format, level);
      for (i = 0; i < frames->len; i++) {
        GstBuffer *a = g_ptr_array_index (stock.buffers, i);
        GstBuffer *b = g_ptr_array_index (ours.buffers, i);

        fail_unless (buffers_equal (a, b), "%s %ux%u level %u: frame %u "
            "differs", format, sizes[s][0], sizes[s][1], level, i);
        fail_unless_equals_uint64 (GST_BUFFER_PTS (b), GST_BUFFER_PTS (a));
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

/* PNG is lossless: pngdec gives back the input pixels, every sample. */
GST_START_TEST (test_lossless)
{
  guint f, i, y;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstCaps *caps = raw_caps (formats[f], 97, 33);
    GPtrArray *frames = make_frames (caps, 1200 + f, 0, 2);
    Encoded png = encode ("asyncpngenc", caps, frames);
    Encoded raw = encode ("pngdec", png.caps, png.buffers);
    GstVideoInfo in_info, out_info;

    fail_unless (gst_video_info_from_caps (&in_info, caps));
    fail_unless (gst_video_info_from_caps (&out_info, raw.caps));
    fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&out_info),
        GST_VIDEO_INFO_FORMAT (&in_info));
    for (i = 0; i < frames->len; i++) {
      GstVideoFrame a, b;
      guint bytes = GST_VIDEO_INFO_WIDTH (&in_info) *
          GST_VIDEO_INFO_COMP_PSTRIDE (&in_info, 0);

      fail_unless (gst_video_frame_map (&a, &in_info,
              g_ptr_array_index (frames, i), GST_MAP_READ));
      fail_unless (gst_video_frame_map (&b, &out_info,
              g_ptr_array_index (raw.buffers, i), GST_MAP_READ));
      for (y = 0; y < (guint) GST_VIDEO_INFO_HEIGHT (&in_info); y++)
        fail_unless (memcmp ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&a, 0) +
                y * GST_VIDEO_FRAME_PLANE_STRIDE (&a, 0),
                (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&b, 0) +
                y * GST_VIDEO_FRAME_PLANE_STRIDE (&b, 0), bytes) == 0,
            "%s frame %u row %u", formats[f], i, y);
      gst_video_frame_unmap (&a);
      gst_video_frame_unmap (&b);
    }
    encoded_clear (&png);
    encoded_clear (&raw);
    g_ptr_array_unref (frames);
    gst_caps_unref (caps);
  }
}

GST_END_TEST;

/* snapshot=true: the frame is encoded and pushed, and upstream gets EOS,
 * as with pngenc. */
GST_START_TEST (test_snapshot)
{
  GstCaps *caps = raw_caps ("RGB", 64, 48);

  check_snapshot ("pngenc", "asyncpngenc", caps);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* Frame extraction as users write it: numbered files, each a valid PNG
 * of the frame. */
GST_START_TEST (test_numbered_files)
{
  gchar *dir = g_dir_make_tmp ("asyncpngenc-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=8 pattern=ball ! "
      "video/x-raw,format=RGB,width=64,height=48 ! asyncpngenc ! "
      "multifilesink location=%s/frame-%%05d.png", dir);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstMessage *msg;
  guint i;

  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (desc);

  for (i = 0; i < 8; i++) {
    gchar *path = g_strdup_printf ("%s/frame-%05u.png", dir, i);
    GstElement *check;
    GstElement *sink;
    GstSample *sample;
    GstVideoInfo info;

    desc = g_strdup_printf ("filesrc location=%s ! pngdec ! appsink "
        "name=sink", path);
    check = gst_parse_launch (desc, NULL);
    sink = gst_bin_get_by_name (GST_BIN (check), "sink");
    gst_element_set_state (check, GST_STATE_PLAYING);
    g_signal_emit_by_name (sink, "pull-sample", &sample);
    fail_unless (sample != NULL, "%s is not a PNG", path);
    fail_unless (gst_video_info_from_caps (&info,
            gst_sample_get_caps (sample)));
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 64);
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 48);
    gst_sample_unref (sample);
    gst_element_set_state (check, GST_STATE_NULL);
    gst_object_unref (sink);
    gst_object_unref (check);
    g_free (desc);
    g_unlink (path);
    g_free (path);
  }
  g_rmdir (dir);
  g_free (dir);
}

GST_END_TEST;

/* Caps pngenc does not take fail negotiation with a clear message: a
 * pipeline does not link, and data in them is refused as
 * not-negotiated. */
GST_START_TEST (test_bad_caps)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=2 ! "
      "video/x-raw,format=I420 ! asyncpngenc ! fakesink", &err);
  GstHarness *h = gst_harness_new ("asyncpngenc");

  fail_unless (err != NULL);
  fail_unless (strstr (err->message, "could not link") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_clear_object (&pipeline);

  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=64,"
      "height=48,framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL,
              64 * 48 * 3 / 2, NULL)), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A buffer too small for its caps is dropped with a warning and counted;
 * the frame after it is encoded. */
GST_START_TEST (test_short_buffer)
{
  GstCaps *caps = raw_caps ("RGB", 64, 48);
  GPtrArray *frames = make_frames (caps, 1500, 0, 1);
  GstHarness *h = gst_harness_new ("asyncpngenc");
  Encoded stock = encode ("pngenc", caps, frames);
  GstBuffer *out;

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL,
              10, NULL)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_ref (g_ptr_array_index (frames, 0))), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (buffers_equal (out, g_ptr_array_index (stock.buffers, 0)));
  /* (the counters are final once everything has left) */
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_uint64 (read_stats (h->element).errors, 1);
  gst_buffer_unref (out);
  encoded_clear (&stock);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* A new compression level while playing applies from the next frame, and
 * new caps mid-stream (another size and format) are followed, as by
 * pngenc. */
GST_START_TEST (test_changes_mid_stream)
{
  GstCaps *caps[] = { raw_caps ("RGB", 64, 48), raw_caps ("GRAY16_BE", 33,
        17)
  };
  GstHarness *stock = gst_harness_new ("pngenc");
  GstHarness *ours = gst_harness_new ("asyncpngenc");
  guint c, i;

  for (c = 0; c < G_N_ELEMENTS (caps); c++) {
    GPtrArray *frames = make_frames (caps[c], 1400 + c, 0, 4);

    gst_harness_set_src_caps (stock, gst_caps_ref (caps[c]));
    gst_harness_set_src_caps (ours, gst_caps_ref (caps[c]));
    for (i = 0; i < frames->len; i++) {
      g_object_set (stock->element, "compression-level", (i * 3) % 10, NULL);
      g_object_set (ours->element, "compression-level", (i * 3) % 10, NULL);
      gst_harness_push (stock, gst_buffer_ref (g_ptr_array_index (frames, i)));
      gst_harness_push (ours, gst_buffer_ref (g_ptr_array_index (frames, i)));
    }
    for (i = 0; i < frames->len; i++) {
      GstBuffer *a = gst_harness_pull (stock);
      GstBuffer *b = gst_harness_pull (ours);

      fail_unless (buffers_equal (a, b), "caps %u, frame %u", c, i);
      gst_buffer_unref (a);
      gst_buffer_unref (b);
    }
    g_ptr_array_unref (frames);
  }
  gst_harness_teardown (stock);
  gst_harness_teardown (ours);
  for (c = 0; c < G_N_ELEMENTS (caps); c++)
    gst_caps_unref (caps[c]);
}

GST_END_TEST;

/* Downstream asks for a reconfiguration before every frame while frames
 * are being encoded: negotiate, which rewrites the format the workers read,
 * waits until none is, so every frame comes out whole, the bytes pngenc
 * gives, with no frame error and no GStreamer-Video-CRITICAL (fatal under
 * gst-check) from a format read half written. */
GST_START_TEST (test_reconfigure_while_encoding)
{
  GstCaps *caps = raw_caps ("RGB", 24, 16);
  GPtrArray *frames = make_frames (caps, 1600, 0, async_check_scale (400));
  Encoded stock = encode ("pngenc compression-level=1", caps, frames);
  GstElement *e = gst_element_factory_make ("asyncpngenc", NULL);
  GstHarness *h;
  GstBuffer *out;
  Stats stats;
  guint i;

  g_object_set (e, "n-workers", 4, "compression-level", 1, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (i = 0; i < frames->len; i++) {
    fail_unless (gst_harness_push_upstream_event (h,
            gst_event_new_reconfigure ()));
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (frames, i))), GST_FLOW_OK);
  }
  fail_unless (async_check_drain (h->srcpad));
  stats = read_stats (e);
  fail_unless_equals_uint64 (stats.errors, 0);
  fail_unless_equals_uint64 (stats.out, frames->len);
  for (i = 0; i < frames->len; i++) {
    out = gst_harness_try_pull (h);
    fail_unless (out != NULL, "frame %u of %u missing", i, frames->len);
    fail_unless (buffers_equal (out, g_ptr_array_index (stock.buffers, i)),
        "frame %u differs", i);
    gst_buffer_unref (out);
  }

  gst_harness_teardown (h);
  gst_object_unref (e);
  encoded_clear (&stock);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* pngenc's properties, ranges and defaults; its templates. */
GST_START_TEST (test_drop_in)
{
  static const gchar *const names[] = { "compression-level", "snapshot" };
  GstElement *stock = gst_element_factory_make ("pngenc", NULL);
  GstElement *ours = gst_element_factory_make ("asyncpngenc", NULL);
  GstElementFactory *fs = gst_element_factory_find ("pngenc");
  GstElementFactory *fo = gst_element_factory_find ("asyncpngenc");
  const GList *ls, *lo;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GParamSpec *a = g_object_class_find_property (G_OBJECT_GET_CLASS (stock),
        names[i]);
    GParamSpec *b = g_object_class_find_property (G_OBJECT_GET_CLASS (ours),
        names[i]);

    fail_unless (a && b && a->value_type == b->value_type, "%s", names[i]);
    if (G_IS_PARAM_SPEC_UINT (a)) {
      fail_unless_equals_int (G_PARAM_SPEC_UINT (a)->minimum,
          G_PARAM_SPEC_UINT (b)->minimum);
      fail_unless_equals_int (G_PARAM_SPEC_UINT (a)->maximum,
          G_PARAM_SPEC_UINT (b)->maximum);
      fail_unless_equals_int (G_PARAM_SPEC_UINT (a)->default_value,
          G_PARAM_SPEC_UINT (b)->default_value);
    } else {
      fail_unless_equals_int (G_PARAM_SPEC_BOOLEAN (a)->default_value,
          G_PARAM_SPEC_BOOLEAN (b)->default_value);
    }
  }
  for (ls = gst_element_factory_get_static_pad_templates (fs); ls;
      ls = ls->next) {
    GstStaticPadTemplate *ts = ls->data;
    gboolean found = FALSE;

    for (lo = gst_element_factory_get_static_pad_templates (fo); lo;
        lo = lo->next) {
      GstStaticPadTemplate *to = lo->data;

      if (g_str_equal (ts->name_template, to->name_template)) {
        GstCaps *a = gst_static_pad_template_get_caps (ts);
        GstCaps *b = gst_static_pad_template_get_caps (to);

        fail_unless (gst_caps_is_equal (a, b), "%s", ts->name_template);
        gst_caps_unref (a);
        gst_caps_unref (b);
        found = TRUE;
      }
    }
    fail_unless (found);
  }
  gst_object_unref (fs);
  gst_object_unref (fo);
  gst_object_unref (stock);
  gst_object_unref (ours);
}

GST_END_TEST;

/* Timestamps, offsets and flags as pngenc's, buffer for buffer, over
 * starts, flushes, new caps, clipping segments, gaps and input flags of
 * every kind: PTS and DTS from the input's PTS, offsets unset, MARKER on
 * every image, DISCONT on the first since a start or a flush, and DELTA_UNIT on every image
 * as pngenc does (it never marks its images as key frames). */
GST_START_TEST (test_timing_like_pngenc)
{
  encoder_check_timing_like ("pngenc", "asyncpngenc", "RGB");
  encoder_check_timing_like ("pngenc", "asyncpngenc n-workers=3", "GRAY8");
}

GST_END_TEST;

/* A flush with frames being encoded: the first image after it is DISCONT,
 * whichever worker finishes first. */
GST_START_TEST (test_discont_after_flush_in_flight)
{
  guint i, n = async_check_scale (20);

  for (i = 0; i < n; i++)
    encoder_check_discont_after_flush ("asyncpngenc n-workers=3", "RGB");
}

GST_END_TEST;

static Suite *
asyncpngenc_suite (void)
{
  Suite *s = suite_create ("asyncpngenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_identical_to_pngenc, 0, G_N_ELEMENTS (formats));
  tcase_add_test (tc, test_lossless);
  tcase_add_test (tc, test_snapshot);
  tcase_add_test (tc, test_numbered_files);
  tcase_add_test (tc, test_bad_caps);
  tcase_add_test (tc, test_short_buffer);
  tcase_add_test (tc, test_changes_mid_stream);
  tcase_add_test (tc, test_reconfigure_while_encoding);
  tcase_add_test (tc, test_drop_in);
  tcase_add_test (tc, test_timing_like_pngenc);
  tcase_add_test (tc, test_discont_after_flush_in_flight);
  return s;
}

GST_CHECK_MAIN (asyncpngenc);
