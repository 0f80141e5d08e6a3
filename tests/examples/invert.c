/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * invert.c: a GstAsyncTransform subclass of your own, in one file
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

/* Defines "exampleinvert", which inverts GRAY8 video frames concurrently,
 * registers it in the program, and runs
 *
 *   videotestsrc num-buffers=N ! video/x-raw,format=GRAY8 ! exampleinvert !
 *   fakesink
 *
 * The element holds no lock and starts no thread: GstAsyncTransform runs
 * process () on its workers and keeps the frames in order.
 *
 * Usage: invert [N-FRAMES] */

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/async/gstasynctransform.h>

typedef struct
{
  GstAsyncTransform parent;
  GstVideoInfo info;            /* set in set_caps, read by workers */
} ExampleInvert;

typedef struct
{
  GstAsyncTransformClass parent_class;
} ExampleInvertClass;

static GType example_invert_get_type (void);
G_DEFINE_TYPE (ExampleInvert, example_invert, GST_TYPE_ASYNC_TRANSFORM);

#define CAPS GST_VIDEO_CAPS_MAKE ("GRAY8")

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SINK_NAME, GST_PAD_SINK,
    GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));
static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SRC_NAME, GST_PAD_SRC,
    GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));

/* Runs after every earlier frame has left: no worker reads info now. */
static gboolean
example_invert_set_caps (GstAsyncTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  ExampleInvert *self = (ExampleInvert *) trans;

  return gst_video_info_from_caps (&self->info, incaps);
}

/* Called on several workers at once, one frame each. */
static GstFlowReturn
example_invert_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  ExampleInvert *self = (ExampleInvert *) trans;
  GstVideoFrame in, out;
  GstBuffer *outbuf = gst_buffer_new_allocate (NULL, self->info.size, NULL);
  gint x, y;

  if (!gst_video_frame_map (&in, &self->info, frame->input, GST_MAP_READ)) {
    gst_buffer_unref (outbuf);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not read a frame."),
        (NULL));
    return GST_FLOW_ERROR;
  }
  if (!gst_video_frame_map (&out, &self->info, outbuf, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in);
    gst_buffer_unref (outbuf);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not write a frame."),
        (NULL));
    return GST_FLOW_ERROR;
  }
  for (y = 0; y < GST_VIDEO_FRAME_HEIGHT (&in); y++) {
    const guint8 *src = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&in, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&in, 0);
    guint8 *dst = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&out, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&out, 0);

    for (x = 0; x < GST_VIDEO_FRAME_WIDTH (&in); x++)
      dst[x] = 255 - src[x];
  }
  gst_video_frame_unmap (&out);
  gst_video_frame_unmap (&in);

  /* A new buffer without timestamps: the base class copies the input's. */
  frame->output = outbuf;
  return GST_FLOW_OK;
}

static void
example_invert_class_init (ExampleInvertClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Example invert",
      "Filter/Effect/Video", "Inverts GRAY8 frames concurrently",
      "gst-plugins-async developers");
  trans_class->set_caps = example_invert_set_caps;
  trans_class->process = example_invert_process;
}

static void
example_invert_init (ExampleInvert * self)
{
}

int
main (int argc, char **argv)
{
  guint frames = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100;
  GstElement *pipeline;
  GstMessage *msg;
  GstBus *bus;
  GError *err = NULL;
  gchar *desc;
  int ret = 0;

  gst_init (&argc, &argv);
  gst_element_register (NULL, "exampleinvert", GST_RANK_NONE,
      example_invert_get_type ());

  desc = g_strdup_printf ("videotestsrc num-buffers=%u ! "
      "video/x-raw,format=GRAY8,width=320,height=240 ! exampleinvert ! "
      "fakesink", frames);
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("%s\n", err->message);
    return 1;
  }
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &err, NULL);
    g_printerr ("error: %s\n", err->message);
    g_error_free (err);
    ret = 1;
  } else {
    g_print ("inverted %u frames\n", frames);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return ret;
}
