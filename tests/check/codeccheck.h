/* Shared by the codec tests: natural-looking frames, and runs of an
 * encoder or decoder over them in a GstHarness. */

#ifndef __CODEC_CHECK_H__
#define __CODEC_CHECK_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "naturalimage.h"

/* Encoded frames and the caps they came with. */
typedef struct
{
  GPtrArray *buffers;
  GstCaps *caps;
} Encoded;

static inline void
encoded_clear (Encoded * e)
{
  g_ptr_array_unref (e->buffers);
  gst_caps_unref (e->caps);
}

static inline GstCaps *
raw_caps (const gchar * format, guint width, guint height)
{
  return gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, format,
      "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
      "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
}

/* Frames @first to @first + @n - 1 of the scene @seed, in @caps. */
static inline GPtrArray *
make_frames (GstCaps * caps, guint32 seed, guint first, guint n)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstVideoInfo info;
  guint i;

  fail_unless (gst_video_info_from_caps (&info, caps));
  for (i = 0; i < n; i++) {
    GstBuffer *buf = natural_frame (&info, seed, first + i);

    GST_BUFFER_PTS (buf) = (first + i) * GST_SECOND / 30;
    GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
    g_ptr_array_add (frames, buf);
  }
  return frames;
}

/* Runs @frames through @desc (a launch description of one element) with
 * @caps; as many buffers must come out. */
static inline Encoded
encode (const gchar * desc, GstCaps * caps, GPtrArray * frames)
{
  GstHarness *h = gst_harness_new_parse (desc);
  Encoded e;
  guint i;

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (i = 0; i < frames->len; i++)
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (frames, i))), GST_FLOW_OK);
  e.buffers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  for (i = 0; i < frames->len; i++)
    g_ptr_array_add (e.buffers, gst_harness_pull (h));
  e.caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (e.caps != NULL);
  gst_harness_teardown (h);
  return e;
}

static inline gboolean
buffers_equal (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma, mb;
  gboolean same;

  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  same = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return same;
}

/* snapshot=true on @stock and on @ours (element names): the frame of
 * @caps is encoded and pushed, upstream gets EOS, and both give the same
 * bytes. */
static inline void
check_snapshot (const gchar * stock, const gchar * ours, GstCaps * caps)
{
  GPtrArray *frames = make_frames (caps, 5000, 0, 1);
  const gchar *elements[] = { stock, ours };
  GstBuffer *out[2];
  guint e;

  for (e = 0; e < 2; e++) {
    gchar *desc = g_strdup_printf ("%s snapshot=true", elements[e]);
    GstHarness *h = gst_harness_new_parse (desc);

    gst_harness_set_src_caps (h, gst_caps_ref (caps));
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (frames, 0))), GST_FLOW_EOS);
    out[e] = gst_harness_pull (h);
    gst_harness_teardown (h);
    g_free (desc);
  }
  fail_unless (buffers_equal (out[0], out[1]));
  gst_buffer_unref (out[0]);
  gst_buffer_unref (out[1]);
  g_ptr_array_unref (frames);
}

#endif /* __CODEC_CHECK_H__ */
