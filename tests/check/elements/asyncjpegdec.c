/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncjpegdec.c: tests of the asyncjpegdec element, against jpegdec
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
#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>
#include <string.h>

#include "../asynccheck.h"
#include "../codeccheck.h"

/* The raw formats whose JPEGs cover every layout:
 * 4:2:0, 4:2:2, 4:4:4, 4:1:1, RGB and greyscale. */
static const gchar *const kinds[] = { "I420", "YUY2", "Y444", "Y41B", "RGB",
  "GRAY8"
};

/* JPEG frames of the scene @seed in @format, made by asyncjpegenc (jpegenc
 * reads uninitialised memory at odd sizes, which valgrind reports) with
 * @settings; @caps_out gets their caps. */
static GPtrArray *
make_jpegs (const gchar * format, guint width, guint height, guint32 seed,
    guint n, const gchar * settings, GstCaps ** caps_out)
{
  GstCaps *caps = raw_caps (format, width, height);
  GPtrArray *frames = make_frames (caps, seed, 0, n);
  gchar *desc = g_strdup_printf ("asyncjpegenc %s", settings ? settings : "");
  Encoded e = encode (desc, caps, frames);

  *caps_out = e.caps;
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
  g_free (desc);
  return e.buffers;
}

/* Whether the pictures @a and @b of @info hold the same samples (padding
 * aside), in the components of @components (a bit mask). */
static gboolean
pictures_equal (GstBuffer * a, GstBuffer * b, GstVideoInfo * info,
    guint components)
{
  GstVideoFrame fa, fb;
  gboolean same = TRUE;
  guint k, y;

  fail_unless (gst_video_frame_map (&fa, info, a, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, info, b, GST_MAP_READ));
  for (k = 0; k < GST_VIDEO_FRAME_N_COMPONENTS (&fa); k++) {
    guint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&fa, k);
    guint bytes = (GST_VIDEO_FRAME_COMP_WIDTH (&fa, k) - 1) * pstride + 1;

    if (!(components & (1 << k)))
      continue;
    for (y = 0; y < (guint) GST_VIDEO_FRAME_COMP_HEIGHT (&fa, k); y++)
      same = same && memcmp ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&fa, k) +
          y * GST_VIDEO_FRAME_COMP_STRIDE (&fa, k),
          (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&fb, k) +
          y * GST_VIDEO_FRAME_COMP_STRIDE (&fb, k), bytes) == 0;
  }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  return same;
}

/* Fails unless @ours are @stock's caps, naming both. */
static void
check_caps_equal (GstCaps * ours, GstCaps * stock, const gchar * what)
{
  gchar *a, *b;

  if (gst_caps_is_equal (ours, stock))
    return;
  a = gst_caps_to_string (ours);
  b = gst_caps_to_string (stock);
  fail ("%s: caps %s, jpegdec's %s", what, a, b);
  g_free (a);
  g_free (b);
}

/* Decodes @jpegs with both decoders and checks that the caps and the
 * pictures are the same. jpegdec leaves the chroma of 4:1:1 pictures
 * unwritten: only their luma is compared. */
static void
check_same_as_jpegdec (GPtrArray * jpegs, GstCaps * caps, const gchar * what,
    const gchar * settings, guint components)
{
  gchar *stock_desc = g_strdup_printf ("jpegdec %s", settings);
  gchar *ours_desc = g_strdup_printf ("asyncjpegdec %s", settings);
  Encoded stock = encode (stock_desc, caps, jpegs);
  Encoded ours = encode (ours_desc, caps, jpegs);
  GstVideoInfo info;
  guint i;

  check_caps_equal (ours.caps, stock.caps, what);
  fail_unless (gst_video_info_from_caps (&info, ours.caps));
  for (i = 0; i < jpegs->len; i++) {
    GstBuffer *a = g_ptr_array_index (stock.buffers, i);
    GstBuffer *b = g_ptr_array_index (ours.buffers, i);

    fail_unless (pictures_equal (a, b, &info, components),
        "%s %s: frame %u differs from jpegdec's", what, settings, i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), GST_BUFFER_PTS (a));
  }
  encoded_clear (&stock);
  encoded_clear (&ours);
  g_free (stock_desc);
  g_free (ours_desc);
}

/* The same pictures and caps as jpegdec for every layout (__i__), at sizes
 * that fill whole MCUs and at sizes that do not, several qualities and
 * each DCT method. */
GST_START_TEST (test_identical_to_jpegdec)
{
  static const guint sizes[][2] = { {64, 48}, {320, 241}, {97, 33}, {1, 1},
  {17, 9}, {32, 8}
  };
  static const gchar *const quality[] = { "", "quality=5", "quality=100" };
  static const gchar *const idct[] = { "", "idct-method=islow",
    "idct-method=float"
  };
  const gchar *format = kinds[__i__];
  guint components = g_str_equal (format, "Y41B") ? 1 : 7;
  guint s, q, n = async_check_under_valgrind ()? 2 : 3;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    for (q = 0; q < G_N_ELEMENTS (quality); q++) {
      GstCaps *caps;
      GPtrArray *jpegs = make_jpegs (format, sizes[s][0], sizes[s][1],
          100 + s, n, quality[q], &caps);
      gchar *what = g_strdup_printf ("%s %ux%u %s", format, sizes[s][0],
          sizes[s][1], quality[q]);

      check_same_as_jpegdec (jpegs, caps, what, idct[q], components);
      g_free (what);
      g_ptr_array_unref (jpegs);
      gst_caps_unref (caps);
    }
  }
}

GST_END_TEST;

/* One buffer holding @jpegs one after the other, with @junk bytes of
 * garbage before each and, with @strip_eoi, every EOI marker left out. */
static GstBuffer *
concatenate (GPtrArray * jpegs, guint junk, gboolean strip_eoi)
{
  GByteArray *bytes = g_byte_array_new ();
  guint i, j;

  for (i = 0; i < jpegs->len; i++) {
    GstMapInfo map;

    for (j = 0; j < junk; j++) {
      guint8 garbage = (j * 37 + i) & 0x7f;     /* no 0xff: no marker */

      g_byte_array_append (bytes, &garbage, 1);
    }
    gst_buffer_map (g_ptr_array_index (jpegs, i), &map, GST_MAP_READ);
    g_byte_array_append (bytes, map.data, map.size - (strip_eoi ? 2 : 0));
    gst_buffer_unmap (g_ptr_array_index (jpegs, i), &map);
  }
  {
    gsize len = bytes->len;

    return gst_buffer_new_wrapped (g_byte_array_free (bytes, FALSE), len);
  }
}

/* Decodes the byte stream @stream, pushed in pieces of @piece bytes with a
 * BYTES segment, as filesrc gives it; returns the pictures. */
static GPtrArray *
decode_stream (GstBuffer * stream, gsize piece, guint expected)
{
  GstHarness *h = gst_harness_new ("asyncjpegdec");
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  gsize size = gst_buffer_get_size (stream), pos;
  GstSegment segment;
  GstCaps *caps;
  guint i;

  gst_segment_init (&segment, GST_FORMAT_BYTES);
  gst_harness_play (h);
  gst_harness_push_event (h, gst_event_new_stream_start ("jpeg"));
  caps = gst_caps_new_empty_simple ("image/jpeg");
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  for (pos = 0; pos < size; pos += piece)
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_copy_region (stream, GST_BUFFER_COPY_MEMORY, pos,
                MIN (piece, size - pos))), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (i = 0; i < expected; i++)
    g_ptr_array_add (out, gst_harness_pull (h));
  /* nothing more: the EOS follows */
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (read_stats (h->element).errors, 0);
  gst_harness_teardown (h);
  return out;
}

/* An unparsed stream (a BYTES segment, as from filesrc) is cut into frames
 * as jpegdec does: whatever the pieces it comes in, with garbage between
 * the images, and with images that lack their EOI marker. */
GST_START_TEST (test_unparsed_stream)
{
  static const gsize pieces[] = { 4096, 1, 7, 100000 };
  GstCaps *caps;
  GPtrArray *jpegs = make_jpegs ("I420", 64, 48, 200, 5, NULL, &caps);
  Encoded stock = encode ("jpegdec", caps, jpegs);
  GstVideoInfo info;
  guint p, v, i;

  fail_unless (gst_video_info_from_caps (&info, stock.caps));
  for (v = 0; v < 3; v++) {
    GstBuffer *stream = concatenate (jpegs, v == 1 ? 50 : 0, v == 2);

    for (p = 0; p < G_N_ELEMENTS (pieces); p++) {
      GPtrArray *out;

      if (pieces[p] == 1 && async_check_under_valgrind ())
        continue;
      out = decode_stream (stream, pieces[p], jpegs->len);
      for (i = 0; i < jpegs->len; i++)
        fail_unless (pictures_equal (g_ptr_array_index (stock.buffers, i),
                g_ptr_array_index (out, i), &info, 7),
            "variant %u, pieces of %" G_GSIZE_FORMAT ": frame %u", v,
            pieces[p], i);
      g_ptr_array_unref (out);
    }
    gst_buffer_unref (stream);
  }
  encoded_clear (&stock);
  g_ptr_array_unref (jpegs);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* Whole JPEGs without timestamps, one per buffer, with a BYTES segment
 * (as multifilesrc gives them): each frame leaves as soon as its EOI came,
 * not when the next frame's first bytes come, in a TIME segment, with
 * timestamps from the frame rate, as from jpegdec. */
GST_START_TEST (test_unparsed_timing)
{
  const gchar *decoders[] = { "jpegdec", "asyncjpegdec" };
  GstCaps *caps;
  GPtrArray *jpegs = make_jpegs ("I420", 64, 48, 250, 3, NULL, &caps);
  guint d, i;

  for (d = 0; d < 2; d++) {
    GstHarness *h = gst_harness_new (decoders[d]);
    GstSegment segment;
    GstEvent *event;
    const GstSegment *out_segment;

    gst_segment_init (&segment, GST_FORMAT_BYTES);
    gst_harness_set_src_caps_str (h, "image/jpeg,framerate=30/1");
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
    for (i = 0; i < jpegs->len; i++) {
      GstBuffer *jpeg = gst_buffer_copy (g_ptr_array_index (jpegs, i));
      GstBuffer *out;

      GST_BUFFER_PTS (jpeg) = GST_BUFFER_DURATION (jpeg) = GST_CLOCK_TIME_NONE;
      fail_unless_equals_int (gst_harness_push (h, jpeg), GST_FLOW_OK);
      if (d == 1) {
        /* nothing more needed for it to come out */
        fail_unless (async_check_drain (h->srcpad));
        out = gst_harness_try_pull (h);
        fail_unless (out != NULL, "frame %u waited for more data", i);
      } else {
        /* (jpegdec waits for the next frame's first bytes, or EOS) */
        if (i + 1 < jpegs->len)
          continue;
        fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
        out = NULL;
      }
      if (out) {
        fail_unless_equals_uint64 (GST_BUFFER_PTS (out),
            gst_util_uint64_scale (i, GST_SECOND, 30));
        fail_unless_equals_uint64 (GST_BUFFER_DURATION (out),
            gst_util_uint64_scale (1, GST_SECOND, 30));
        gst_buffer_unref (out);
      }
    }
    if (d == 0) {
      for (i = 0; i < jpegs->len; i++) {
        GstBuffer *out = gst_harness_pull (h);

        fail_unless_equals_uint64 (GST_BUFFER_PTS (out),
            gst_util_uint64_scale (i, GST_SECOND, 30));
        gst_buffer_unref (out);
      }
    }
    /* the segment downstream is in time */
    while ((event = gst_harness_try_pull_event (h))) {
      if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
        gst_event_parse_segment (event, &out_segment);
        fail_unless_equals_int (out_segment->format, GST_FORMAT_TIME);
      }
      gst_event_unref (event);
    }
    gst_harness_teardown (h);
  }
  g_ptr_array_unref (jpegs);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* JPEG files read by multifilesrc, whose BYTES segment says nothing of
 * time: a position query in time is answered from the frames' timestamps
 * (from the frame rate), as by jpegdec: the last frame's. */
GST_START_TEST (test_position_from_frames)
{
  const gchar *decoders[] = { "jpegdec", "asyncjpegdec" };
  const guint n = 12;
  GstCaps *caps;
  GPtrArray *jpegs = make_jpegs ("I420", 64, 48, 330, n, NULL, &caps);
  gchar *dir = g_dir_make_tmp ("asyncjpegdec-XXXXXX", NULL);
  gint64 stock = -1;
  guint d, i;

  fail_unless (dir != NULL);
  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("%s/f-%03u.jpg", dir, i);
    GstMapInfo map;

    gst_buffer_map (g_ptr_array_index (jpegs, i), &map, GST_MAP_READ);
    fail_unless (g_file_set_contents (name, (const gchar *) map.data,
            map.size, NULL));
    gst_buffer_unmap (g_ptr_array_index (jpegs, i), &map);
    g_free (name);
  }
  for (d = 0; d < G_N_ELEMENTS (decoders); d++) {
    gchar *desc = g_strdup_printf ("multifilesrc location=%s/f-%%03d.jpg "
        "caps=image/jpeg,framerate=30/1 ! %s name=dec ! fakesink", dir,
        decoders[d]);
    GstElement *pipeline = gst_parse_launch (desc, NULL);
    GstElement *dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
    GstPad *pad = gst_element_get_static_pad (dec, "src");
    GstMessage *msg;
    gint64 position = -1;

    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
        60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "%s", desc);
    gst_message_unref (msg);
    /* (multifilesrc cannot answer it) */
    fail_unless (gst_pad_query_position (pad, GST_FORMAT_TIME, &position),
        "%s: no position", desc);
    /* (both add up frame durations: a few ns off (n - 1) / 30 s) */
    fail_unless (ABS (position - (gint64) gst_util_uint64_scale (n - 1,
                GST_SECOND, 30)) < GST_USECOND, "%s: %" GST_TIME_FORMAT, desc,
        GST_TIME_ARGS (position));
    if (d == 0)
      stock = position;
    else
      fail_unless_equals_int64 (position, stock);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pad);
    gst_object_unref (dec);
    gst_object_unref (pipeline);
    g_free (desc);
  }
  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("%s/f-%03u.jpg", dir, i);

    g_unlink (name);
    g_free (name);
  }
  g_rmdir (dir);
  g_free (dir);
  g_ptr_array_unref (jpegs);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* Runs @desc (its sink an appsink named "sink") to EOS; returns the
 * buffers and the caps of the last one. */
static GPtrArray *
run_to_eos (const gchar * desc, GstCaps ** caps)
{
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstSample *sample;
  GstMessage *msg;

  fail_unless (pipeline != NULL, "%s", desc);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  *caps = NULL;
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    g_ptr_array_add (out, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_caps_replace (caps, gst_sample_get_caps (sample));
    gst_sample_unref (sample);
  }
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return out;
}

/* Writes @data (@size bytes) to a new temporary file: its path. */
static gchar *
write_temp_file (const guint8 * data, gsize size)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "asyncjpegdec-XXXXXX.jpg",
      NULL);
  gint fd = g_mkstemp (path);

  fail_unless (fd >= 0);
  fail_unless (write (fd, data, size) == (gssize) size);
  close (fd);
  return path;
}

static gchar *
write_temp_jpeg (GstBuffer * jpeg)
{
  GstMapInfo map;
  gchar *path;

  gst_buffer_map (jpeg, &map, GST_MAP_READ);
  path = write_temp_file (map.data, map.size);
  gst_buffer_unmap (jpeg, &map);
  return path;
}

/* One JPEG file read by filesrc, in a real pipeline (no input caps at
 * all): one picture, the same as jpegdec's with the same caps (for RGB
 * and greyscale the format's own colorimetry, sRGB and 1:4:0:0), and the
 * segment after the caps (the caps are known only from the image, at its
 * end); also pictures wider or taller than 8192, as jpegdec decodes them.
 * __i__: the picture. */
static const struct
{
  const gchar *format;
  guint width, height;
} single_files[] = {
  {"I420", 97, 33}, {"RGB", 64, 48}, {"GRAY8", 64, 48}, {"GRAY8", 8200, 16},
  {"GRAY8", 16, 8200}
};

GST_START_TEST (test_single_file)
{
  GstCaps *caps, *stock_caps, *ours_caps;
  GPtrArray *jpegs = make_jpegs (single_files[__i__].format,
      single_files[__i__].width, single_files[__i__].height, 300, 1, NULL,
      &caps);
  gchar *path = write_temp_jpeg (g_ptr_array_index (jpegs, 0));
  GPtrArray *stock, *ours;
  GstVideoInfo info;
  gchar *desc;

  desc = g_strdup_printf ("filesrc location=%s ! jpegdec ! appsink "
      "name=sink", path);
  stock = run_to_eos (desc, &stock_caps);
  g_free (desc);
  desc = g_strdup_printf ("filesrc location=%s ! asyncjpegdec ! appsink "
      "name=sink", path);
  ours = run_to_eos (desc, &ours_caps);
  g_free (desc);

  fail_unless_equals_int (ours->len, 1);
  fail_unless_equals_int (stock->len, 1);
  check_caps_equal (ours_caps, stock_caps, single_files[__i__].format);
  fail_unless (gst_video_info_from_caps (&info, ours_caps));
  fail_unless (pictures_equal (g_ptr_array_index (stock, 0),
          g_ptr_array_index (ours, 0), &info, 7));

  g_unlink (path);
  g_free (path);
  g_ptr_array_unref (stock);
  g_ptr_array_unref (ours);
  gst_caps_unref (stock_caps);
  gst_caps_unref (ours_caps);
  g_ptr_array_unref (jpegs);
  gst_caps_unref (caps);
}

GST_END_TEST;

typedef struct
{
  gint buffers;                 /* pictures out of the decoder */
  guint warnings;               /* ...and its messages */
  GError *error;
} FileRun;

static GstPadProbeReturn
count_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

/* Runs filesrc location=@path ! @decoder ! fakesink to its EOS: what came
 * out of the decoder, and what it posted. */
static FileRun
run_file (const gchar * decoder, const gchar * path)
{
  gchar *desc = g_strdup_printf ("filesrc location=%s ! %s name=dec ! "
      "fakesink", path, decoder);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  GstPad *pad = gst_element_get_static_pad (dec, "src");
  GstBus *bus = gst_element_get_bus (pipeline);
  FileRun run = { 0, 0, NULL };
  gboolean eos = FALSE;
  GstMessage *msg;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffers,
      &run.buffers, NULL);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* (an error ends the run: the pipeline fails to preroll) */
  while (!eos && run.error == NULL) {
    msg = gst_bus_timed_pop (bus, 60 * GST_SECOND);
    fail_unless (msg != NULL, "%s: no EOS or error", desc);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (dec),
          "%s: an error from %s", desc, GST_MESSAGE_SRC_NAME (msg));
      fail_unless (run.error == NULL, "%s: a second error", desc);
      gst_message_parse_error (msg, &run.error, NULL);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING
        && GST_MESSAGE_SRC (msg) == GST_OBJECT (dec)) {
      run.warnings++;
    }
    eos = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (dec);
  gst_object_unref (pipeline);
  g_free (desc);
  return run;
}

/* A file read by filesrc that gives no picture: not a JPEG at all,
 * random bytes, a JPEG cut short in its header or in its image data. As
 * with jpegdec (GstVideoDecoder), data but no picture ends the stream with
 * a STREAM DECODE error, after the warning for each frame dropped; an
 * empty file, or one with a picture, does not. Where jpegdec differs:
 * it outputs the picture cut short in its image data, damaged, where
 * asyncjpegdec drops it (see test_corrupt_frames), and it ends the file
 * cut short in its header without a word, still waiting for the rest of
 * the frame. __i__: the file. */
GST_START_TEST (test_no_frame_decoded)
{
  static const struct
  {
    const gchar *what;
    gboolean error;             /* asyncjpegdec posts an error... */
    gint frames_dropped;        /* ...after this many warnings (-1: any) */
    gint pictures;              /* ...and gives this many pictures */
    gboolean stock_error;       /* the same of jpegdec */
    gint stock_pictures;
  } files[] = {
    {"text", TRUE, 0, 0, TRUE, 0},
    {"random bytes", TRUE, -1, 0, TRUE, 0},
    {"cut in the header", TRUE, 1, 0, FALSE, 0},
    {"cut in the image data", TRUE, 1, 0, FALSE, 1},
    {"empty", FALSE, 0, 0, FALSE, 0},
    {"a picture and text", FALSE, 0, 1, FALSE, 1},
  };
  const gchar *decoders[] = { "jpegdec", "asyncjpegdec" };
  GstCaps *caps;
  GPtrArray *jpegs = make_jpegs ("I420", 64, 48, 320, 1, NULL, &caps);
  GByteArray *bytes = g_byte_array_new ();
  GstMapInfo map;
  gchar *path;
  guint d, i;

  gst_buffer_map (g_ptr_array_index (jpegs, 0), &map, GST_MAP_READ);
  switch (__i__) {
    case 0:
    case 5:
      if (__i__ == 5)
        g_byte_array_append (bytes, map.data, map.size);
      for (i = 0; i < 500; i++)
        g_byte_array_append (bytes, (const guint8 *) "not a JPEG ", 11);
      break;
    case 1:{
      GRand *rand = g_rand_new_with_seed (33);

      for (i = 0; i < 20000; i++) {
        guint8 byte = g_rand_int_range (rand, 0, 256);

        g_byte_array_append (bytes, &byte, 1);
      }
      g_rand_free (rand);
      break;
    }
    case 2:
      /* (the quantisation and Huffman tables come first) */
      g_byte_array_append (bytes, map.data, 100);
      break;
    case 3:
      g_byte_array_append (bytes, map.data, map.size / 2);
      break;
    default:
      break;
  }
  gst_buffer_unmap (g_ptr_array_index (jpegs, 0), &map);
  path = write_temp_file (bytes->data, bytes->len);

  for (d = 0; d < G_N_ELEMENTS (decoders); d++) {
    FileRun run = run_file (decoders[d], path);
    gboolean error = d ? files[__i__].error : files[__i__].stock_error;
    gint pictures = d ? files[__i__].pictures : files[__i__].stock_pictures;

    fail_unless_equals_int (run.buffers, pictures);
    if (error) {
      fail_unless (run.error != NULL, "%s, %s: no error", decoders[d],
          files[__i__].what);
      fail_unless (g_error_matches (run.error, GST_STREAM_ERROR,
              GST_STREAM_ERROR_DECODE), "%s", run.error->message);
      g_clear_error (&run.error);
    } else {
      fail_unless (run.error == NULL, "%s, %s: %s", decoders[d],
          files[__i__].what, run.error ? run.error->message : "");
    }
    if (d == 1 && files[__i__].frames_dropped >= 0)
      fail_unless_equals_int (run.warnings, files[__i__].frames_dropped);
  }

  g_unlink (path);
  g_free (path);
  g_byte_array_unref (bytes);
  g_ptr_array_unref (jpegs);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* A copy of @jpeg: its first @keep bytes, then @junk bytes of garbage,
 * then the rest from @from on. */
static GstBuffer *
mangle (GstBuffer * jpeg, gsize keep, const guint8 * junk, gsize junk_size,
    gsize from)
{
  GstMapInfo map;
  GByteArray *bytes = g_byte_array_new ();
  gsize len;

  gst_buffer_map (jpeg, &map, GST_MAP_READ);
  g_byte_array_append (bytes, map.data, MIN (keep, map.size));
  g_byte_array_append (bytes, junk, junk_size);
  if (from < map.size)
    g_byte_array_append (bytes, map.data + from, map.size - from);
  gst_buffer_unmap (jpeg, &map);
  len = bytes->len;
  return gst_buffer_new_wrapped (g_byte_array_free (bytes, FALSE), len);
}

/* Corrupt frames, one per buffer: cut in half, ones in the image data
 * (no Huffman code is all ones), an empty buffer, garbage before the SOI
 * marker. Each is dropped with a warning and counted; the good frames
 * around them are decoded as jpegdec decodes them, the one after them
 * marked DISCONT (as the first since the start is). */
/* The DISCONT flags of @decoder's pictures for five frames, the second
 * of them DISCONT, then a flush and three more, as a string of 0 and 1. */
static gchar *
discont_flags (const gchar * decoder, GstCaps * caps, GPtrArray * jpegs)
{
  GstHarness *h = gst_harness_new (decoder);
  GString *flags = g_string_new (NULL);
  GstSegment segment;
  GstBuffer *out;
  guint i;

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (i = 0; i < jpegs->len; i++) {
    GstBuffer *jpeg = gst_buffer_copy (g_ptr_array_index (jpegs, i));

    if (i == 1)
      GST_BUFFER_FLAG_SET (jpeg, GST_BUFFER_FLAG_DISCONT);
    if (i == 5) {
      fail_unless (async_check_drain (h->srcpad));
      fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
      fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
      gst_segment_init (&segment, GST_FORMAT_TIME);
      fail_unless (gst_harness_push_event (h,
              gst_event_new_segment (&segment)));
    }
    fail_unless_equals_int (gst_harness_push (h, jpeg), GST_FLOW_OK);
  }
  fail_unless (async_check_drain (h->srcpad));
  while ((out = gst_harness_try_pull (h))) {
    g_string_append_c (flags, GST_BUFFER_FLAG_IS_SET (out,
            GST_BUFFER_FLAG_DISCONT) ? '1' : '0');
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  return g_string_free (flags, FALSE);
}

/* The first picture since the start and since a flush is DISCONT, and
 * only those: an input DISCONT does not carry over, as with jpegdec. */
GST_START_TEST (test_discont_like_jpegdec)
{
  GstCaps *caps;
  GPtrArray *jpegs = make_jpegs ("I420", 64, 48, 401, 8, NULL, &caps);
  gchar *stock = discont_flags ("jpegdec", caps, jpegs);
  gchar *ours = discont_flags ("asyncjpegdec", caps, jpegs);

  fail_unless_equals_string (stock, "10000100");
  fail_unless_equals_string (ours, stock);
  g_free (stock);
  g_free (ours);
  g_ptr_array_unref (jpegs);
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_corrupt_frames)
{
  static const guint8 ones[] = { 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff,
    0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00
  };
  static const guint8 garbage[] = "garbage";
  GstCaps *caps;
  GPtrArray *jpegs = make_jpegs ("I420", 64, 48, 400, 2, NULL, &caps);
  GstBuffer *good = g_ptr_array_index (jpegs, 0);
  gsize size = gst_buffer_get_size (good);
  GstBuffer *bad[] = {
    gst_buffer_copy_region (good, GST_BUFFER_COPY_ALL, 0, size / 2),
    mangle (good, size - 200, ones, sizeof (ones), size - 200 + sizeof (ones)),
    gst_buffer_new (),
    mangle (good, 0, garbage, sizeof (garbage), 0),
  };
  Encoded stock = encode ("jpegdec", caps, jpegs);
  GstHarness *h = gst_harness_new ("asyncjpegdec");
  GstBus *bus = gst_bus_new ();
  GstVideoInfo info;
  GstMessage *msg;
  guint i, warnings = 0;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (good)),
      GST_FLOW_OK);
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    fail_unless_equals_int (gst_harness_push (h, bad[i]), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_ref (g_ptr_array_index (jpegs, 1))), GST_FLOW_OK);

  fail_unless (gst_video_info_from_caps (&info, stock.caps));
  for (i = 0; i < 2; i++) {
    GstBuffer *out = gst_harness_pull (h);

    fail_unless (pictures_equal (g_ptr_array_index (stock.buffers, i), out,
            &info, 7), "good frame %u", i);
    /* the first, and the one after the frames dropped, say so, as
     * jpegdec's */
    fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DISCONT),
        "frame %u is not DISCONT", i);
    gst_buffer_unref (out);
  }
  /* (once everything has left, the counters are final) */
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (read_stats (h->element).errors,
      G_N_ELEMENTS (bad));
  while ((msg = gst_bus_pop (bus))) {
    GError *err = NULL;

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (msg, &err, NULL);
      fail_unless (g_error_matches (err, GST_STREAM_ERROR,
              GST_STREAM_ERROR_DECODE));
      g_error_free (err);
      warnings++;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (warnings, G_N_ELEMENTS (bad));

  encoded_clear (&stock);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_ptr_array_unref (jpegs);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* max-errors with jpegdec's values: 0 ("automatic", the default) and -1
 * never stop, whatever the number of corrupt frames in a row, as jpegdec
 * never does; N > 0 (which jpegdec ignores) makes the N-th corrupt frame in
 * a row an error. __i__: the value. */
static const gint max_errors_values[] = { G_MININT, 0, -1, 1, 3 };

GST_START_TEST (test_max_errors)
{
  const gint value = max_errors_values[__i__];
  const guint corrupt = 20;
  const gchar *decoders[] = { "jpegdec", "asyncjpegdec" };
  GstCaps *caps;
  GPtrArray *jpegs = make_jpegs ("I420", 64, 48, 500, 1, NULL, &caps);
  guint d, i;

  for (d = 0; d < G_N_ELEMENTS (decoders); d++) {
    gchar *desc = value == G_MININT ? g_strdup (decoders[d]) :
        g_strdup_printf ("%s max-errors=%d", decoders[d], value);
    GstHarness *h = gst_harness_new_parse (desc);
    GstBus *bus = gst_bus_new ();
    guint warnings = 0, errors = 0;
    GstFlowReturn ret = GST_FLOW_OK;
    GstMessage *msg;
    /* (asyncjpegdec only: jpegdec drops them silently, and never stops) */
    gboolean stops = d == 1 && value > 0;

    gst_element_set_bus (h->element, bus);
    gst_harness_set_src_caps (h, gst_caps_ref (caps));
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (jpegs, 0))), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
    for (i = 0; i < corrupt && ret == GST_FLOW_OK; i++)
      ret = gst_harness_push (h, gst_buffer_new_wrapped (g_strdup
              ("not a JPEG"), 10));
    if (!stops) {
      GstBuffer *out;

      fail_unless_equals_int (ret, GST_FLOW_OK);
      fail_unless_equals_int (gst_harness_push (h,
              gst_buffer_ref (g_ptr_array_index (jpegs, 0))), GST_FLOW_OK);
      out = gst_harness_pull (h);
      fail_unless (out != NULL, "%s: the good frame is missing", desc);
      gst_buffer_unref (out);
    } else {
      while (errors == 0) {
        msg = gst_bus_timed_pop (bus, 60 * GST_SECOND);
        fail_unless (msg != NULL, "%s: no error", desc);
        warnings += GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING;
        errors += GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
        gst_message_unref (msg);
      }
      /* (the flow return is the error from the moment it is posted) */
      fail_unless_equals_int (gst_harness_push (h,
              gst_buffer_ref (g_ptr_array_index (jpegs, 0))), GST_FLOW_ERROR);
    }
    /* (once everything has left, every message is out) */
    async_check_drain (h->srcpad);
    while ((msg = gst_bus_pop (bus))) {
      warnings += GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING;
      errors += GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
      gst_message_unref (msg);
    }
    if (d == 0) {
      fail_unless_equals_int (warnings, 0);
      fail_unless_equals_int (errors, 0);
    } else {
      /* a warning for each frame dropped before the fatal one */
      fail_unless_equals_int (warnings, stops ? (guint) value - 1 : corrupt);
      fail_unless_equals_int (errors, stops);
    }
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
    g_free (desc);
  }
  g_ptr_array_unref (jpegs);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* Offset of the first @marker (0xffXX) segment in @data, or -1. */
static gssize
find_marker (const guint8 * data, gsize size, guint8 marker)
{
  gsize i;

  for (i = 0; i + 1 < size; i++)
    if (data[i] == 0xff && data[i + 1] == marker)
      return i;
  return -1;
}

/* A mutation of one of @jpegs, chosen with @rand: flipped bits, a cut,
 * a header spliced onto another image's data, absurd dimensions, a span of
 * random bytes. */
static GstBuffer *
mutate (GPtrArray * jpegs, GRand * rand)
{
  GstBuffer *src = g_ptr_array_index (jpegs, g_rand_int_range (rand, 0,
          jpegs->len));
  GstBuffer *other = g_ptr_array_index (jpegs, g_rand_int_range (rand, 0,
          jpegs->len));
  GstMapInfo map, omap;
  guint8 *data;
  gsize size, i, n;
  gssize at;

  gst_buffer_map (src, &map, GST_MAP_READ);
  data = g_memdup2 (map.data, map.size);
  size = map.size;
  gst_buffer_unmap (src, &map);

  switch (g_rand_int_range (rand, 0, 5)) {
    case 0:
      n = g_rand_int_range (rand, 1, 9);
      for (i = 0; i < n; i++)
        data[g_rand_int_range (rand, 0, size)] ^= 1 << g_rand_int_range (rand,
            0, 8);
      break;
    case 1:
      size = g_rand_int_range (rand, 0, size);
      break;
    case 2:
      /* this image's header, the other's image data */
      at = find_marker (data, size, 0xda);
      gst_buffer_map (other, &omap, GST_MAP_READ);
      if (at >= 0) {
        gssize oat = find_marker (omap.data, omap.size, 0xda);

        if (oat >= 0) {
          data = g_realloc (data, at + omap.size - oat);
          memcpy (data + at, omap.data + oat, omap.size - oat);
          size = at + omap.size - oat;
        }
      }
      gst_buffer_unmap (other, &omap);
      break;
    case 3:
      /* absurd dimensions in the SOF0 segment */
      at = find_marker (data, size, 0xc0);
      if (at >= 0 && (gsize) at + 9 <= size) {
        static const guint16 sizes[] = { 0, 1, 65535, 65500, 40000, 8193 };

        guint16 height = sizes[g_rand_int_range (rand, 0,
                G_N_ELEMENTS (sizes))];
        guint16 width = sizes[g_rand_int_range (rand, 0,
                G_N_ELEMENTS (sizes))];

        data[at + 5] = height >> 8;
        data[at + 6] = height & 0xff;
        data[at + 7] = width >> 8;
        data[at + 8] = width & 0xff;
      }
      break;
    default:
      n = g_rand_int_range (rand, 1, 64);
      at = g_rand_int_range (rand, 0, size);
      for (i = at; i < MIN (size, at + n); i++)
        data[i] = g_rand_int_range (rand, 0, 256);
      break;
  }
  return gst_buffer_new_wrapped (data, size);
}

/* Thousands of mutated small JPEGs of every layout: no crash, no hang, no
 * leak (valgrind, ASan), nothing larger than the memory cap allocated,
 * and every frame either decoded or counted as dropped. */
GST_START_TEST (test_fuzz)
{
  GPtrArray *jpegs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstHarness *h = gst_harness_new ("asyncjpegdec");
  GRand *rand = g_rand_new_with_seed (2026);
  guint i, k, n = 5000, out = 0;
  GstBuffer *buf;
  Stats st;

  for (k = 0; k < G_N_ELEMENTS (kinds); k++) {
    GstCaps *caps;
    GPtrArray *some = make_jpegs (kinds[k], 32 + k * 8, 24, 600 + k, 2, NULL,
        &caps);

    for (i = 0; i < some->len; i++)
      g_ptr_array_add (jpegs, gst_buffer_ref (g_ptr_array_index (some, i)));
    g_ptr_array_unref (some);
    gst_caps_unref (caps);
  }
  gst_harness_set_src_caps_str (h, "image/jpeg,framerate=30/1");
  for (i = 0; i < n; i++) {
    fail_unless_equals_int (gst_harness_push (h, mutate (jpegs, rand)),
        GST_FLOW_OK);
    while ((buf = gst_harness_try_pull (h))) {
      /* the memory cap: 8192 x 8192 I420 at most */
      fail_unless (gst_buffer_get_size (buf) <= 8192 * 8192 * 3 / 2);
      gst_buffer_unref (buf);
      out++;
    }
  }
  fail_unless (async_check_drain (h->srcpad));
  while ((buf = gst_harness_try_pull (h))) {
    gst_buffer_unref (buf);
    out++;
  }
  st = read_stats (h->element);
  fail_unless_equals_uint64 (st.in, n);
  fail_unless_equals_uint64 (st.out, out);
  fail_unless_equals_uint64 (st.out + st.errors, n);
  /* most mutations spoil the image, some do not */
  fail_unless (st.errors > n / 10 && st.out > n / 10, "%" G_GUINT64_FORMAT
      " decoded, %" G_GUINT64_FORMAT " dropped", st.out, st.errors);

  g_rand_free (rand);
  gst_harness_teardown (h);
  g_ptr_array_unref (jpegs);
}

GST_END_TEST;

/* A new size and layout mid-stream: the output caps change in their place,
 * and the pictures are jpegdec's (sizes without row padding, so that the
 * whole buffers compare). */
GST_START_TEST (test_caps_change_mid_stream)
{
  static const struct
  {
    const gchar *format;
    guint width, height;
  } parts[] = { {"I420", 64, 48}, {"RGB", 96, 32}, {"GRAY8", 40, 40},
  {"I420", 64, 48}
  };
  GPtrArray *jpegs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  Encoded stock, ours;
  GstCaps *caps, *any = gst_caps_from_string ("image/jpeg,framerate=30/1");
  guint p, i;

  for (p = 0; p < G_N_ELEMENTS (parts); p++) {
    GPtrArray *some = make_jpegs (parts[p].format, parts[p].width,
        parts[p].height, 700 + p, 3, NULL, &caps);

    for (i = 0; i < some->len; i++)
      g_ptr_array_add (jpegs, gst_buffer_ref (g_ptr_array_index (some, i)));
    g_ptr_array_unref (some);
    gst_caps_unref (caps);
  }
  stock = encode ("jpegdec", any, jpegs);
  ours = encode ("asyncjpegdec n-workers=3", any, jpegs);
  for (i = 0; i < jpegs->len; i++)
    fail_unless (buffers_equal (g_ptr_array_index (stock.buffers, i),
            g_ptr_array_index (ours.buffers, i)), "frame %u", i);
  fail_unless (gst_caps_is_equal (stock.caps, ours.caps));
  encoded_clear (&stock);
  encoded_clear (&ours);
  gst_caps_unref (any);
  g_ptr_array_unref (jpegs);
}

GST_END_TEST;

/* Whether the interlaced picture @frame of @info holds @top in its even
 * rows and @bottom in its odd ones (pictures of @field_info), as far as
 * its rows go. */
static gboolean
fields_interleaved (GstBuffer * frame, GstVideoInfo * info, GstBuffer * top,
    GstBuffer * bottom, GstVideoInfo * field_info)
{
  GstVideoFrame f, fields[2];
  gboolean same = TRUE;
  guint k, r;

  fail_unless (gst_video_frame_map (&f, info, frame, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fields[0], field_info, top, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fields[1], field_info, bottom,
          GST_MAP_READ));
  for (k = 0; k < GST_VIDEO_FRAME_N_COMPONENTS (&f); k++) {
    guint bytes = (GST_VIDEO_FRAME_COMP_WIDTH (&f, k) - 1) *
        GST_VIDEO_FRAME_COMP_PSTRIDE (&f, k) + 1;

    for (r = 0; r < (guint) GST_VIDEO_FRAME_COMP_HEIGHT (&f, k); r++) {
      GstVideoFrame *field = &fields[r % 2];

      if (r / 2 >= (guint) GST_VIDEO_FRAME_COMP_HEIGHT (field, k))
        continue;
      same = same && memcmp ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&f, k) +
          r * GST_VIDEO_FRAME_COMP_STRIDE (&f, k),
          (guint8 *) GST_VIDEO_FRAME_COMP_DATA (field, k) +
          r / 2 * GST_VIDEO_FRAME_COMP_STRIDE (field, k), bytes) == 0;
    }
  }
  gst_video_frame_unmap (&fields[1]);
  gst_video_frame_unmap (&fields[0]);
  gst_video_frame_unmap (&f);
  return same;
}

/* Interlaced Motion JPEG, both fields of a frame in one buffer (the caps'
 * height twice the images'): one interleaved frame of the two fields,
 * as jpegdec gives; also with fields of an odd height (the last chroma
 * row of the frame is the top field's). */
GST_START_TEST (test_interlaced_fields)
{
  static const gchar *const formats[] = { "I420", "GRAY8", "RGB", "Y444" };
  guint f, i;

  for (f = 0; f < 2 * G_N_ELEMENTS (formats); f++) {
    guint field_height = f < G_N_ELEMENTS (formats) ? 24 : 27;
    gchar *desc = g_strdup_printf ("image/jpeg,width=64,height=%u,"
        "framerate=30/1", 2 * field_height);
    GstCaps *caps, *field_caps = gst_caps_from_string (desc);
    GPtrArray *fields = make_jpegs (formats[f % G_N_ELEMENTS (formats)], 64,
        field_height, 800 + f, 6, NULL, &caps);
    GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_buffer_unref);
    Encoded stock, ours, one_by_one;
    GstVideoInfo info, field_info;

    for (i = 0; i < fields->len; i += 2)
      g_ptr_array_add (frames, gst_buffer_append (gst_buffer_copy
              (g_ptr_array_index (fields, i)),
              gst_buffer_copy (g_ptr_array_index (fields, i + 1))));
    stock = encode ("jpegdec", field_caps, frames);
    ours = encode ("asyncjpegdec", field_caps, frames);
    if (!gst_caps_is_equal (stock.caps, ours.caps)) {
      gchar *a = gst_caps_to_string (ours.caps);
      gchar *b = gst_caps_to_string (stock.caps);

      fail ("%s: %s, jpegdec's %s", desc, a, b);
      g_free (a);
      g_free (b);
    }
    fail_unless (gst_video_info_from_caps (&info, ours.caps));
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 2 * field_height);
    fail_unless (GST_VIDEO_INFO_IS_INTERLACED (&info));
    /* the fields decoded one by one, as progressive pictures */
    one_by_one = encode ("jpegdec", caps, fields);
    fail_unless (gst_video_info_from_caps (&field_info, one_by_one.caps));
    for (i = 0; i < frames->len; i++) {
      /* (jpegdec writes interlaced I420 with the planes of a progressive
       * frame, which its caps do not describe when the height is not a
       * multiple of 4: there only its luma is comparable) */
      fail_unless (pictures_equal (g_ptr_array_index (stock.buffers, i),
              g_ptr_array_index (ours.buffers, i), &info,
              field_height % 2 ? 1 : 7), "%s frame %u", desc, i);
      fail_unless (fields_interleaved (g_ptr_array_index (ours.buffers, i),
              &info, g_ptr_array_index (one_by_one.buffers, 2 * i),
              g_ptr_array_index (one_by_one.buffers, 2 * i + 1), &field_info),
          "%s frame %u is not its two fields", desc, i);
    }
    encoded_clear (&one_by_one);
    encoded_clear (&stock);
    encoded_clear (&ours);
    g_ptr_array_unref (frames);
    g_ptr_array_unref (fields);
    gst_caps_unref (caps);
    gst_caps_unref (field_caps);
    g_free (desc);
  }
}

GST_END_TEST;

/* Fields a little taller than half the caps' height (their height
 * rounded up by the camera, as 248 rows for a 480-row frame): each is
 * decoded whole and cut to its half of the frame, as jpegdec does where
 * it decodes them (YCbCr pictures libjpeg cannot write straight into the
 * frame: widths that are not a multiple of the MCU, 4:4:4). For the
 * others jpegdec 1.22 gives nothing (greyscale and RGB: every frame
 * dropped, "too few scanlines") or crashes (4:2:0 and 4:2:2 at widths of
 * whole MCUs); asyncjpegdec decodes them the same way. __i__: the case. */
static const struct
{
  const gchar *format;
  guint width, field_height;
  gboolean stock;               /* compare with jpegdec */
} tall_fields[] = {
  {"I420", 100, 25, TRUE}, {"I420", 100, 32, TRUE}, {"Y444", 64, 28, TRUE},
  {"YUY2", 97, 30, TRUE}, {"I420", 64, 25, FALSE}, {"I420", 64, 40, FALSE},
  {"YUY2", 64, 28, FALSE}, {"GRAY8", 64, 25, FALSE}, {"RGB", 64, 31, FALSE},
};

GST_START_TEST (test_interlaced_tall_fields)
{
  const guint width = tall_fields[__i__].width;
  const guint field_height = tall_fields[__i__].field_height;
  GstCaps *caps, *frame_caps = gst_caps_new_simple ("image/jpeg",
      "width", G_TYPE_INT, width, "height", G_TYPE_INT, 48,
      "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  GPtrArray *fields = make_jpegs (tall_fields[__i__].format, width,
      field_height, 870 + __i__, 4, NULL, &caps);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  Encoded ours, one_by_one;
  GstVideoInfo info, field_info;
  guint i;

  for (i = 0; i < fields->len; i += 2)
    g_ptr_array_add (frames, gst_buffer_append (gst_buffer_copy
            (g_ptr_array_index (fields, i)),
            gst_buffer_copy (g_ptr_array_index (fields, i + 1))));
  ours = encode ("asyncjpegdec", frame_caps, frames);
  fail_unless (gst_video_info_from_caps (&info, ours.caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), width);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 48);
  fail_unless (GST_VIDEO_INFO_IS_INTERLACED (&info));
  one_by_one = encode ("asyncjpegdec", caps, fields);
  fail_unless (gst_video_info_from_caps (&field_info, one_by_one.caps));
  for (i = 0; i < frames->len; i++)
    fail_unless (fields_interleaved (g_ptr_array_index (ours.buffers, i),
            &info, g_ptr_array_index (one_by_one.buffers, 2 * i),
            g_ptr_array_index (one_by_one.buffers, 2 * i + 1), &field_info),
        "frame %u is not its two fields", i);
  if (tall_fields[__i__].stock) {
    Encoded stock = encode ("jpegdec", frame_caps, frames);

    check_caps_equal (ours.caps, stock.caps, tall_fields[__i__].format);
    for (i = 0; i < frames->len; i++)
      fail_unless (pictures_equal (g_ptr_array_index (stock.buffers, i),
              g_ptr_array_index (ours.buffers, i), &info, 7),
          "frame %u differs from jpegdec's", i);
    encoded_clear (&stock);
  }
  encoded_clear (&one_by_one);
  encoded_clear (&ours);
  g_ptr_array_unref (frames);
  g_ptr_array_unref (fields);
  gst_caps_unref (caps);
  gst_caps_unref (frame_caps);
}

GST_END_TEST;

/* A second field shorter than its half of the frame (its rows would be
 * missing from the picture): the frame is dropped with a warning, as
 * jpegdec drops it; the frames around it are decoded. */
GST_START_TEST (test_interlaced_short_second_field)
{
  GstCaps *caps, *short_caps;
  GPtrArray *fields = make_jpegs ("I420", 64, 28, 880, 2, NULL, &caps);
  GPtrArray *short_fields = make_jpegs ("I420", 64, 20, 881, 1, NULL,
      &short_caps);
  GstHarness *h = gst_harness_new ("asyncjpegdec");
  GstBuffer *whole = gst_buffer_append (gst_buffer_copy (g_ptr_array_index
          (fields, 0)), gst_buffer_copy (g_ptr_array_index (fields, 1)));
  GstBuffer *bad = gst_buffer_append (gst_buffer_copy (g_ptr_array_index
          (fields, 0)), gst_buffer_copy (g_ptr_array_index (short_fields, 0)));

  gst_harness_set_src_caps_str (h, "image/jpeg,width=64,height=48,"
      "framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (whole)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, bad), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, whole), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless (async_check_drain (h->srcpad));
  fail_unless (gst_harness_try_pull (h) == NULL);
  fail_unless_equals_uint64 (read_stats (h->element).errors, 1);
  gst_harness_teardown (h);
  g_ptr_array_unref (fields);
  g_ptr_array_unref (short_fields);
  gst_caps_unref (caps);
  gst_caps_unref (short_caps);
}

GST_END_TEST;

/* Input caps that say interlaced, with one whole frame per buffer (as
 * jpegenc labels interlaced input): decoded whole, as by jpegdec. */
GST_START_TEST (test_interlaced_caps_whole_frames)
{
  GstCaps *caps, *interlaced;
  GPtrArray *jpegs = make_jpegs ("I420", 64, 48, 850, 3, NULL, &caps);

  interlaced = gst_caps_copy (caps);
  gst_caps_set_simple (interlaced, "interlace-mode", G_TYPE_STRING,
      "interleaved", NULL);
  check_same_as_jpegdec (jpegs, interlaced, "interleaved caps", "", 7);
  gst_caps_unref (interlaced);
  gst_caps_unref (caps);
  g_ptr_array_unref (jpegs);
}

GST_END_TEST;

/* A header announcing a picture larger than its frame's bytes could hold
 * (9000 x 9000 in a few kilobytes: a corrupt header) is refused before
 * caps or buffers are made for it, and leaves the next frame's header
 * readable: the frame after it, of another size, is decoded with its own
 * caps. */
GST_START_TEST (test_refused_header_then_new_size)
{
  GstCaps *caps_a, *caps_b;
  GPtrArray *a = make_jpegs ("I420", 64, 48, 860, 1, NULL, &caps_a);
  GPtrArray *b = make_jpegs ("RGB", 96, 32, 861, 1, NULL, &caps_b);
  GstBuffer *huge = gst_buffer_copy_deep (g_ptr_array_index (a, 0));
  GstHarness *h = gst_harness_new ("asyncjpegdec");
  GstEvent *event;
  GstBuffer *out;
  GstMapInfo map;
  GstCaps *caps;
  gssize sof;

  gst_buffer_map (huge, &map, GST_MAP_WRITE);
  sof = find_marker (map.data, map.size, 0xc0);
  fail_unless (sof > 0);
  map.data[sof + 5] = 9000 >> 8;
  map.data[sof + 6] = 9000 & 0xff;
  map.data[sof + 7] = 9000 >> 8;
  map.data[sof + 8] = 9000 & 0xff;
  gst_buffer_unmap (huge, &map);

  gst_harness_set_src_caps_str (h, "image/jpeg,framerate=30/1");
  gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (a, 0)));
  gst_buffer_unref (gst_harness_pull (h));
  gst_harness_push (h, huge);
  gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (b, 0)));
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_structure_has_field_typed (gst_caps_get_structure (caps, 0),
          "format", G_TYPE_STRING));
  fail_unless_equals_string (gst_structure_get_string
      (gst_caps_get_structure (caps, 0), "format"), "RGB");
  fail_unless_equals_int (gst_buffer_get_size (out), 96 * 32 * 3);
  /* (the counters are final once everything has left) */
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_uint64 (read_stats (h->element).errors, 1);
  while ((event = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      GstCaps *event_caps;
      gint width = 0;

      gst_event_parse_caps (event, &event_caps);
      gst_structure_get_int (gst_caps_get_structure (event_caps, 0), "width",
          &width);
      /* (no caps for the refused picture) */
      fail_unless (width == 64 || width == 96, "caps of width %d", width);
    }
    gst_event_unref (event);
  }
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_ptr_array_unref (a);
  g_ptr_array_unref (b);
  gst_caps_unref (caps_a);
  gst_caps_unref (caps_b);
}

GST_END_TEST;

/* A picture over 8192 x 8192 (a flat grey one, which compresses about as
 * well as a JPEG can) is decoded, as by jpegdec: the limit on corrupt
 * headers above does not refuse it. (Not under valgrind: 67 megapixels.) */
GST_START_TEST (test_big_picture)
{
  GstCaps *caps = raw_caps ("GRAY8", 8200, 8200);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstBuffer *grey = gst_buffer_new_allocate (NULL, 8200 * 8200, NULL);
  Encoded jpeg, stock, ours;

  if (async_check_under_valgrind ()) {
    gst_buffer_unref (grey);
    g_ptr_array_unref (frames);
    gst_caps_unref (caps);
    return;
  }
  gst_buffer_memset (grey, 0, 0x80, 8200 * 8200);
  g_ptr_array_add (frames, grey);
  jpeg = encode ("asyncjpegenc", caps, frames);
  /* (more than 8192 * 8192 / 512 bytes: see gstasyncjpegdec.c) */
  fail_unless (gst_buffer_get_size (g_ptr_array_index (jpeg.buffers, 0)) >
      8200 * 8200 / 512);
  stock = encode ("jpegdec", jpeg.caps, jpeg.buffers);
  ours = encode ("asyncjpegdec", jpeg.caps, jpeg.buffers);
  fail_unless (gst_caps_is_equal (stock.caps, ours.caps));
  fail_unless (buffers_equal (g_ptr_array_index (stock.buffers, 0),
          g_ptr_array_index (ours.buffers, 0)));
  encoded_clear (&jpeg);
  encoded_clear (&stock);
  encoded_clear (&ours);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

static GstPadProbeReturn
count_after_seek (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  guint *counts = data;         /* frames before 1 s, at or after */
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  counts[GST_BUFFER_PTS (buf) >= GST_SECOND]++;
  return GST_PAD_PROBE_OK;
}

/* A flushing seek in a Motion JPEG AVI file, once prerolled and once while
 * frames are being decoded: the frames from the seek position on come out,
 * as many as with jpegdec. */
GST_START_TEST (test_seek_in_file)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "asyncjpegdec-XXXXXX.avi",
      NULL);
  gint fd = g_mkstemp (path);
  const gchar *decoders[] = { "jpegdec", "asyncjpegdec" };
  guint after[2], d, round;
  gchar *desc;
  GstElement *pipeline;
  GstMessage *msg;

  close (fd);
  desc = g_strdup_printf ("videotestsrc num-buffers=60 pattern=ball ! "
      "video/x-raw,width=64,height=48,framerate=30/1 ! jpegenc ! avimux ! "
      "filesink location=%s", path);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  for (round = 0; round < 2; round++) {
    for (d = 0; d < 2; d++) {
      guint counts[2] = { 0, 0 };
      GstElement *dec;
      GstPad *pad;

      desc = g_strdup_printf ("filesrc location=%s ! avidemux ! %s name=dec "
          "! fakesink sync=%s", path, decoders[d], round ? "true" : "false");
      pipeline = gst_parse_launch (desc, NULL);
      g_free (desc);
      dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
      pad = gst_element_get_static_pad (dec, "src");
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_after_seek,
          counts, NULL);
      if (round == 0) {
        gst_element_set_state (pipeline, GST_STATE_PAUSED);
        gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE);
        counts[0] = counts[1] = 0;
        fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
                GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, GST_SECOND));
        gst_element_set_state (pipeline, GST_STATE_PLAYING);
      } else {
        /* while playing in real time, a third of a second in */
        gst_element_set_state (pipeline, GST_STATE_PLAYING);
        gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE);
        g_usleep (G_USEC_PER_SEC / 3);
        fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
                GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, GST_SECOND));
      }
      msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
          60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
      fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
          "%s, round %u", decoders[d], round);
      gst_message_unref (msg);
      after[d] = counts[1];
      if (round == 0)
        fail_unless_equals_int (counts[0], 0);
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pad);
      gst_object_unref (dec);
      gst_object_unref (pipeline);
    }
    fail_unless_equals_int (after[1], after[0]);
    fail_unless_equals_int (after[1], 30);
  }
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* jpegdec's idct-method, and its max-errors range and default. */
GST_START_TEST (test_properties)
{
  GstElement *stock = gst_element_factory_make ("jpegdec", NULL);
  GstElement *ours = gst_element_factory_make ("asyncjpegdec", NULL);
  GParamSpec *a = g_object_class_find_property (G_OBJECT_GET_CLASS (stock),
      "idct-method");
  GParamSpec *b = g_object_class_find_property (G_OBJECT_GET_CLASS (ours),
      "idct-method");
  GEnumClass *ea = G_PARAM_SPEC_ENUM (a)->enum_class;
  GEnumClass *eb = G_PARAM_SPEC_ENUM (b)->enum_class;
  GParamSpecInt *max_errors;
  guint v;

  fail_unless_equals_int (G_PARAM_SPEC_ENUM (a)->default_value,
      G_PARAM_SPEC_ENUM (b)->default_value);
  fail_unless_equals_int (ea->n_values, eb->n_values);
  for (v = 0; v < ea->n_values; v++) {
    fail_unless_equals_int (ea->values[v].value, eb->values[v].value);
    fail_unless_equals_string (ea->values[v].value_nick,
        eb->values[v].value_nick);
  }
  max_errors = G_PARAM_SPEC_INT (g_object_class_find_property
      (G_OBJECT_GET_CLASS (ours), "max-errors"));
  fail_unless_equals_int (max_errors->minimum, -1);
  fail_unless_equals_int (max_errors->maximum, G_MAXINT);
  /* (jpegdec's default, "automatic") */
  fail_unless_equals_int (max_errors->default_value, 0);
  gst_object_unref (stock);
  gst_object_unref (ours);
}

GST_END_TEST;

/* The peak signal-to-noise ratio of @b against @a, in dB, over the luma
 * of @info. */
static gdouble
luma_psnr (GstBuffer * a, GstBuffer * b, GstVideoInfo * info)
{
  GstVideoFrame fa, fb;
  guint64 sum = 0;
  guint x, y, w = GST_VIDEO_INFO_WIDTH (info), h = GST_VIDEO_INFO_HEIGHT (info);

  fail_unless (gst_video_frame_map (&fa, info, a, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, info, b, GST_MAP_READ));
  for (y = 0; y < h; y++) {
    const guint8 *ra = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&fa, 0) +
        y * GST_VIDEO_FRAME_COMP_STRIDE (&fa, 0);
    const guint8 *rb = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&fb, 0) +
        y * GST_VIDEO_FRAME_COMP_STRIDE (&fb, 0);

    for (x = 0; x < w; x++)
      sum += (ra[x] - rb[x]) * (ra[x] - rb[x]);
  }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  return sum == 0 ? 99.0 : 10 * log10 (255.0 * 255.0 * w * h / sum);
}

/* A round trip, asyncjpegenc then asyncjpegdec, gives the pictures of
 * jpegenc then jpegdec, close to the source. */
GST_START_TEST (test_round_trip)
{
  GstCaps *caps = raw_caps ("I420", 320, 240);
  GPtrArray *frames = make_frames (caps, 900, 0, async_check_scale (20));
  Encoded stock_jpeg = encode ("jpegenc quality=90", caps, frames);
  Encoded ours_jpeg = encode ("asyncjpegenc quality=90", caps, frames);
  Encoded stock = encode ("jpegdec", stock_jpeg.caps, stock_jpeg.buffers);
  Encoded ours = encode ("asyncjpegdec", ours_jpeg.caps, ours_jpeg.buffers);
  GstVideoInfo info;
  guint i;

  fail_unless (gst_video_info_from_caps (&info, ours.caps));
  for (i = 0; i < frames->len; i++) {
    gdouble psnr = luma_psnr (g_ptr_array_index (frames, i),
        g_ptr_array_index (ours.buffers, i), &info);

    fail_unless (pictures_equal (g_ptr_array_index (stock.buffers, i),
            g_ptr_array_index (ours.buffers, i), &info, 7), "frame %u", i);
    fail_unless (psnr > 30, "frame %u: %.1f dB", i, psnr);
  }
  encoded_clear (&stock_jpeg);
  encoded_clear (&ours_jpeg);
  encoded_clear (&stock);
  encoded_clear (&ours);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* gst-inspect-1.0 describes both elements of the plugin. */
GST_START_TEST (test_inspect)
{
  const gchar *elements[] = { "asyncjpegdec", "asyncjpegenc" };
  const gchar *expect[] = { "max-errors", "quality" };
  guint i;

  for (i = 0; i < 2; i++) {
    gchar *argv[] = { (gchar *) "gst-inspect-1.0", (gchar *) elements[i],
      NULL
    };
    gchar *out = NULL;
    gint status;

    fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
            G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL));
    fail_unless (g_spawn_check_wait_status (status, NULL), "%s", elements[i]);
    fail_unless (strstr (out, "idct-method") && strstr (out, expect[i])
        && strstr (out, "n-workers"), "%s", out);
    g_free (out);
  }
}

GST_END_TEST;

static Suite *
asyncjpegdec_suite (void)
{
  Suite *s = suite_create ("asyncjpegdec");
  TCase *tc;

  tc = tcase_create ("against jpegdec");
  tcase_add_loop_test (tc, test_identical_to_jpegdec, 0, G_N_ELEMENTS (kinds));
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_inspect);
  suite_add_tcase (s, tc);

  tc = tcase_create ("parsing and timing");
  tcase_add_test (tc, test_unparsed_stream);
  tcase_add_test (tc, test_unparsed_timing);
  tcase_add_test (tc, test_position_from_frames);
  tcase_add_loop_test (tc, test_single_file, 0, G_N_ELEMENTS (single_files));
  tcase_add_test (tc, test_seek_in_file);
  suite_add_tcase (s, tc);

  tc = tcase_create ("bad input");
  tcase_add_loop_test (tc, test_no_frame_decoded, 0, 6);
  tcase_add_test (tc, test_corrupt_frames);
  tcase_add_test (tc, test_discont_like_jpegdec);
  tcase_add_loop_test (tc, test_max_errors, 0,
      G_N_ELEMENTS (max_errors_values));
  tcase_add_test (tc, test_fuzz);
  tcase_add_test (tc, test_refused_header_then_new_size);
  tcase_add_test (tc, test_big_picture);
  suite_add_tcase (s, tc);

  tc = tcase_create ("caps and interlacing");
  tcase_add_test (tc, test_caps_change_mid_stream);
  tcase_add_test (tc, test_interlaced_fields);
  tcase_add_loop_test (tc, test_interlaced_tall_fields, 0,
      G_N_ELEMENTS (tall_fields));
  tcase_add_test (tc, test_interlaced_short_second_field);
  tcase_add_test (tc, test_interlaced_caps_whole_frames);
  suite_add_tcase (s, tc);

  return s;
}

GST_CHECK_MAIN (asyncjpegdec);
