/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * test-invert.c: tests of the example plugin in invert.c
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

/* The plugin is found through GST_PLUGIN_PATH, as a user's would be. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#define WIDTH 64
#define HEIGHT 48
#define CAPS "video/x-raw,format=GRAY8,width=64,height=48,framerate=30/1"

static guint8
pixel (guint i, guint x, guint y)
{
  return (guint8) (i * 3 + x + 2 * y);
}

/* A GRAY8 frame whose pixels tell frame, column and row apart. */
static GstBuffer *
make_frame (GstVideoInfo * info, guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstVideoFrame frame;
  guint x, y;

  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_WRITE));
  for (y = 0; y < HEIGHT; y++)
    for (x = 0; x < WIDTH; x++)
      ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))[y *
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x] = pixel (i, x, y);
  gst_video_frame_unmap (&frame);
  GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
  return buf;
}

/* @buf holds frame @i, inverted or not. */
static void
check_frame (GstVideoInfo * info, GstBuffer * buf, guint i, gboolean inverted)
{
  GstVideoFrame frame;
  guint x, y;

  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_READ));
  for (y = 0; y < HEIGHT; y++)
    for (x = 0; x < WIDTH; x++) {
      guint8 got = ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))[y *
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x];
      guint8 expected = inverted ? 255 - pixel (i, x, y) : pixel (i, x, y);

      fail_unless_equals_int (got, expected);
    }
  gst_video_frame_unmap (&frame);
}

/* Every frame comes out inverted, in order; a frame someone else still
 * holds is copied, not written to. */
GST_START_TEST (test_inverts_in_order)
{
  GstHarness *h = gst_harness_new ("exampleinvert");
  GstCaps *caps = gst_caps_from_string (CAPS);
  GstBuffer *held[50];
  GstVideoInfo info;
  guint i;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_harness_set_src_caps (h, caps);
  for (i = 0; i < G_N_ELEMENTS (held); i++) {
    held[i] = make_frame (&info, i);
    /* every other one shared, as behind a tee */
    gst_harness_push (h, i % 2 ? gst_buffer_ref (held[i]) : held[i]);
  }
  for (i = 0; i < G_N_ELEMENTS (held); i++) {
    GstBuffer *out = gst_harness_pull (h);

    fail_unless (out != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * GST_SECOND / 30);
    check_frame (&info, out, i, TRUE);
    if (i % 2) {
      check_frame (&info, held[i], i, FALSE);
      gst_buffer_unref (held[i]);
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* With a threshold, only the pixels at or above it are inverted. */
GST_START_TEST (test_threshold)
{
  GstHarness *h = gst_harness_new ("exampleinvert");
  GstCaps *caps = gst_caps_from_string (CAPS);
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *out;
  guint x, y;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_harness_set_src_caps (h, caps);
  gst_harness_set (h, "exampleinvert", "threshold", 100, NULL);
  gst_harness_push (h, make_frame (&info, 7));
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  fail_unless (gst_video_frame_map (&frame, &info, out, GST_MAP_READ));
  for (y = 0; y < HEIGHT; y++)
    for (x = 0; x < WIDTH; x++) {
      guint8 got = ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))[y *
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x];
      guint8 in = pixel (7, x, y);

      fail_unless_equals_int (got, in >= 100 ? 255 - in : in);
    }
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Behind a tee, next to a branch that reads the same buffers. */
GST_START_TEST (test_behind_tee)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=30 ! "
      CAPS " ! tee name=t ! queue ! exampleinvert ! fakesink t. ! queue ! "
      "fakesink", &err);
  GstBus *bus;
  GstMessage *msg;

  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
exampleinvert_suite (void)
{
  Suite *s = suite_create ("exampleinvert");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_inverts_in_order);
  tcase_add_test (tc, test_threshold);
  tcase_add_test (tc, test_behind_tee);
  return s;
}

GST_CHECK_MAIN (exampleinvert);
