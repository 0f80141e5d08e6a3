/* Shared by the encoder tests: what an encoder puts on its output buffers
 * besides the image (timestamps, offsets, flags), through starts, flushes,
 * new caps, segments and gaps, to set against the stock encoder's. */

#ifndef __ENCODER_CHECK_H__
#define __ENCODER_CHECK_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "asynccheck.h"

#define ENCODER_CHECK_FRAME(i) ((i) * GST_SECOND / 30)

/* A uniform frame of @info with the given timing and flags. Offsets are
 * set too: an encoder should not pass them on. */
static inline GstBuffer *
encoder_check_frame (const GstVideoInfo * info, guint i, GstClockTime pts,
    GstClockTime dts, GstBufferFlags flags)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);

  gst_buffer_memset (buf, 0, 16 + 8 * (i % 25), info->size);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = dts;
  GST_BUFFER_DURATION (buf) = ENCODER_CHECK_FRAME (1);
  GST_BUFFER_OFFSET (buf) = 100 + i;
  GST_BUFFER_OFFSET_END (buf) = 101 + i;
  GST_BUFFER_FLAG_SET (buf, flags);
  return buf;
}

/* One line for an output buffer: everything but its memory (and the
 * flags that are about the memory). */
static inline gchar *
encoder_check_describe (GstBuffer * buf)
{
  GstBufferFlags flags = GST_BUFFER_FLAGS (buf) &
      ~(GST_BUFFER_FLAG_TAG_MEMORY | (GST_MINI_OBJECT_FLAG_LAST - 1));
  gchar *names = g_flags_to_string (GST_TYPE_BUFFER_FLAGS, flags);
  gchar *line = g_strdup_printf ("pts %" GST_TIME_FORMAT " dts %"
      GST_TIME_FORMAT " duration %" GST_TIME_FORMAT " offset %"
      G_GINT64_FORMAT " offset-end %" G_GINT64_FORMAT " flags %s",
      GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
      GST_TIME_ARGS (GST_BUFFER_DTS (buf)),
      GST_TIME_ARGS (GST_BUFFER_DURATION (buf)),
      (gint64) GST_BUFFER_OFFSET (buf), (gint64) GST_BUFFER_OFFSET_END (buf),
      names);

  g_free (names);
  return line;
}

/* Everything pushed so far leaves the element (a drain query), and is
 * described into @out, each line led by @step. */
static inline void
encoder_check_collect (GstHarness * h, GPtrArray * out, const gchar * step)
{
  GstBuffer *buf;

  fail_unless (async_check_drain (h->srcpad));
  while ((buf = gst_harness_try_pull (h))) {
    gchar *line = encoder_check_describe (buf);

    g_ptr_array_add (out, g_strdup_printf ("%s: %s", step, line));
    g_free (line);
    gst_buffer_unref (buf);
  }
}

static inline void
encoder_check_segment (GstHarness * h, GstClockTime start, GstClockTime stop)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = segment.time = start;
  segment.stop = stop;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

static inline void
encoder_check_flush (GstHarness * h, gboolean reset_time)
{
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h,
          gst_event_new_flush_stop (reset_time)));
  encoder_check_segment (h, 0, GST_CLOCK_TIME_NONE);
}

/* Runs @desc (one encoder and its properties) over a stream of @format
 * frames with every case of timing: input flags and DTS of all kinds, a
 * frame without timestamp, flushes, new caps, a segment that drops and
 * clips frames, a gap, a restart from READY. Returns a line per output
 * buffer. */
static inline GPtrArray *
encoder_check_timing (const gchar * desc, const gchar * format)
{
  GstHarness *h = gst_harness_new_parse (desc);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GstCaps *caps[2];
  GstVideoInfo info[2];
  guint c;

  for (c = 0; c < 2; c++) {
    caps[c] = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
        format, "width", G_TYPE_INT, c ? 32 : 64, "height", G_TYPE_INT,
        c ? 32 : 48, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
    fail_unless (gst_video_info_from_caps (&info[c], caps[c]));
  }
#define PUSH(c, i, pts, dts, flags) fail_unless_equals_int (gst_harness_push \
    (h, encoder_check_frame (&info[c], i, pts, dts, flags)), GST_FLOW_OK)
#define AT(i) ENCODER_CHECK_FRAME (i)
#define NONE GST_CLOCK_TIME_NONE

  gst_harness_set_src_caps (h, gst_caps_ref (caps[0]));
  PUSH (0, 0, AT (0), NONE, 0);
  PUSH (0, 1, AT (1), AT (1) - 5, GST_BUFFER_FLAG_DISCONT |
      GST_BUFFER_FLAG_GAP | GST_BUFFER_FLAG_LIVE);
  PUSH (0, 2, NONE, NONE, GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_HEADER);
  PUSH (0, 3, AT (3), AT (2), GST_BUFFER_FLAG_DROPPABLE |
      GST_BUFFER_FLAG_MARKER);
  PUSH (0, 4, AT (4), NONE, GST_BUFFER_FLAG_DISCONT);
  encoder_check_collect (h, out, "start");

  encoder_check_flush (h, TRUE);
  PUSH (0, 5, AT (5), NONE, 0);
  PUSH (0, 6, AT (6), NONE, 0);
  encoder_check_collect (h, out, "flush");

  gst_harness_set_src_caps (h, gst_caps_ref (caps[1]));
  PUSH (1, 7, AT (7), NONE, 0);
  PUSH (1, 8, AT (8), NONE, 0);
  encoder_check_collect (h, out, "new caps");

  /* frames 9 and 12 lie outside; 10 and 11 are clipped */
  encoder_check_segment (h, AT (10) + 1000, AT (12) - 1000);
  for (c = 9; c < 13; c++)
    PUSH (1, c, AT (c), NONE, 0);
  encoder_check_collect (h, out, "segment");

  encoder_check_flush (h, FALSE);
  PUSH (1, 13, AT (13), NONE, 0);
  encoder_check_collect (h, out, "flush, no reset");

  fail_unless (gst_harness_push_event (h, gst_event_new_gap (AT (14), AT (1))));
  PUSH (1, 15, AT (15), NONE, 0);
  encoder_check_collect (h, out, "gap");

  gst_element_set_state (h->element, GST_STATE_READY);
  gst_harness_play (h);
  gst_harness_set_src_caps (h, gst_caps_ref (caps[1]));
  PUSH (1, 16, AT (16), NONE, 0);
  PUSH (1, 17, AT (17), NONE, 0);
  encoder_check_collect (h, out, "restart");

#undef PUSH
#undef AT
#undef NONE
  for (c = 0; c < 2; c++)
    gst_caps_unref (caps[c]);
  gst_harness_teardown (h);
  return out;
}

/* @ours gives the timing and flags @stock gives, line for line. */
static inline void
encoder_check_timing_like (const gchar * stock, const gchar * ours,
    const gchar * format)
{
  GPtrArray *a = encoder_check_timing (stock, format);
  GPtrArray *b = encoder_check_timing (ours, format);
  guint i;

  for (i = 0; i < MIN (a->len, b->len); i++)
    fail_unless_equals_string (g_ptr_array_index (b, i),
        g_ptr_array_index (a, i));
  fail_unless_equals_int (b->len, a->len);
  g_ptr_array_unref (a);
  g_ptr_array_unref (b);
}

/* A flush while frames are being encoded on several workers: of the
 * frames after it, the first one out, and only that one, is DISCONT, as
 * is the first before it (if any left before the flush). */
static inline void
encoder_check_discont_after_flush (const gchar * desc, const gchar * format)
{
  GstHarness *h = gst_harness_new_parse (desc);
  GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format",
      G_TYPE_STRING, format, "width", G_TYPE_INT, 320, "height", G_TYPE_INT,
      240, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  GstVideoInfo info;
  GstBuffer *buf;
  guint i, before = 0, after = 0;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_harness_set_src_caps (h, caps);
  for (i = 0; i < 8; i++)
    fail_unless_equals_int (gst_harness_push (h, encoder_check_frame (&info,
                i, ENCODER_CHECK_FRAME (i), GST_CLOCK_TIME_NONE, 0)),
        GST_FLOW_OK);
  encoder_check_flush (h, TRUE);
  for (i = 100; i < 104; i++)
    fail_unless_equals_int (gst_harness_push (h, encoder_check_frame (&info,
                i, ENCODER_CHECK_FRAME (i), GST_CLOCK_TIME_NONE, 0)),
        GST_FLOW_OK);
  fail_unless (async_check_drain (h->srcpad));
  while ((buf = gst_harness_try_pull (h))) {
    guint *n = GST_BUFFER_PTS (buf) < ENCODER_CHECK_FRAME (100) ?
        &before : &after;

    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (buf,
            GST_BUFFER_FLAG_DISCONT), *n == 0);
    fail_unless (GST_BUFFER_FLAG_IS_SET (buf, GST_VIDEO_BUFFER_FLAG_MARKER));
    (*n)++;
    gst_buffer_unref (buf);
  }
  fail_unless (before <= 8);
  fail_unless_equals_int (after, 4);
  gst_harness_teardown (h);
}

#endif /* __ENCODER_CHECK_H__ */
