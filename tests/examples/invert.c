/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * invert.c: a plugin of your own on GstAsyncTransform, in one file
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
 * SECTION:element-exampleinvert
 * @title: exampleinvert
 *
 * Inverts GRAY8 video frames, several at a time, in place: every pixel,
 * or with #ExampleInvert:threshold those at or above it. It holds no
 * lock and starts no thread: #GstAsyncTransform runs its per-frame work
 * on its workers and keeps the frames in order. docs/writing-elements.md
 * walks through it.
 *
 * ## Example launch line
 * |[
 * GST_PLUGIN_PATH=build/tests/examples gst-launch-1.0 videotestsrc num-buffers=100 ! video/x-raw,format=GRAY8 ! exampleinvert ! videoconvert ! autovideosink
 * ]| Shows the test pattern in negative.
 */

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/async/gstasynctransform.h>

/* What GST_PLUGIN_DEFINE () names the plugin's package; a project of its
 * own takes it from its config.h. */
#define PACKAGE "gst-example-invert"

typedef struct
{
  GstAsyncTransform parent;
  GstVideoInfo info;            /* set in set_caps, read by process */
  guint threshold;              /* atomic: set while process reads it */
} ExampleInvert;

typedef struct
{
  GstAsyncTransformClass parent_class;
} ExampleInvertClass;

static GType example_invert_get_type (void);
G_DEFINE_TYPE (ExampleInvert, example_invert, GST_TYPE_ASYNC_TRANSFORM);

enum
{
  PROP_0,
  PROP_THRESHOLD,
};

#define DEFAULT_THRESHOLD 0

#define CAPS GST_VIDEO_CAPS_MAKE ("GRAY8")

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SINK_NAME, GST_PAD_SINK,
    GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));
static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SRC_NAME, GST_PAD_SRC,
    GST_PAD_ALWAYS, GST_STATIC_CAPS (CAPS));

/* Runs once every earlier frame has left: no process () reads info now. */
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
  /* read once: the whole frame is inverted with one value */
  guint threshold = (guint) g_atomic_int_get ((gint *) & self->threshold);
  /* The input becomes the output, writable: copied only when another
   * element still holds it, behind a tee for instance. */
  GstBuffer *buf = gst_async_frame_output_in_place (frame);
  GstVideoFrame vframe;
  gint x, y;

  if (!gst_video_frame_map (&vframe, &self->info, buf, GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map a frame."),
        (NULL));
    return GST_FLOW_ERROR;
  }
  for (y = 0; y < GST_VIDEO_FRAME_HEIGHT (&vframe); y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&vframe, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&vframe, 0);

    for (x = 0; x < GST_VIDEO_FRAME_WIDTH (&vframe); x++)
      if (row[x] >= threshold)
        row[x] = 255 - row[x];
  }
  gst_video_frame_unmap (&vframe);
  return GST_FLOW_OK;
}

static void
example_invert_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  ExampleInvert *self = (ExampleInvert *) object;

  switch (prop_id) {
    case PROP_THRESHOLD:
      g_atomic_int_set ((gint *) & self->threshold, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
example_invert_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  ExampleInvert *self = (ExampleInvert *) object;

  switch (prop_id) {
    case PROP_THRESHOLD:
      g_value_set_uint (value,
          (guint) g_atomic_int_get ((gint *) & self->threshold));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
example_invert_class_init (ExampleInvertClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  gobject_class->set_property = example_invert_set_property;
  gobject_class->get_property = example_invert_get_property;
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_uint ("threshold", "Threshold",
          "Invert only the pixels at or above this value (0 = every pixel)",
          0, 255, DEFAULT_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Example invert",
      "Filter/Effect/Video", "Inverts GRAY8 frames concurrently, in place",
      "gst-plugins-async developers");
  trans_class->set_caps = example_invert_set_caps;
  trans_class->process = example_invert_process;
  /* Works in place: no output buffers to allocate. */
  trans_class->decide_allocation = NULL;
}

static void
example_invert_init (ExampleInvert * self)
{
  self->threshold = DEFAULT_THRESHOLD;
}

static gboolean
plugin_init (GstPlugin * plugin)
{
  return gst_element_register (plugin, "exampleinvert", GST_RANK_NONE,
      example_invert_get_type ());
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, exampleinvert,
    "An example element on GstAsyncTransform", plugin_init, "1.0", "LGPL",
    "gst-plugins-async examples", "Unknown package origin")
