/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * asyncwrap.c: tests for asyncwrap, against the bare chains it wraps
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
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "../asynccheck.h"
#include "../codeccheck.h"

/* Runs @frames through asyncwrap with @filter and @workers, and through
 * the bare @filter: the caps and every buffer (bytes and timestamps) are
 * the same. */
static void
check_identical (const gchar * filter, GstCaps * caps, GPtrArray * frames,
    guint workers)
{
  gchar *desc = g_strdup_printf ("asyncwrap n-workers=%u filter=\"%s\"",
      workers, filter);
  Encoded bare = encode (filter, caps, frames);
  Encoded wrapped = encode (desc, caps, frames);
  guint i;

  GST_INFO ("%s: %" GST_PTR_FORMAT, desc, wrapped.caps);
  fail_unless (gst_caps_is_equal (bare.caps, wrapped.caps),
      "%s: %" GST_PTR_FORMAT " against %" GST_PTR_FORMAT, desc,
      wrapped.caps, bare.caps);
  for (i = 0; i < frames->len; i++) {
    GstBuffer *a = g_ptr_array_index (bare.buffers, i);
    GstBuffer *b = g_ptr_array_index (wrapped.buffers, i);

    fail_unless (buffers_equal (a, b), "%s: frame %u differs", desc, i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (a), GST_BUFFER_PTS (b));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (a),
        GST_BUFFER_DURATION (b));
  }
  encoded_clear (&bare);
  encoded_clear (&wrapped);
  g_free (desc);
}

static const gchar *video_chains[] = {
  "videoconvert ! capsfilter caps=video/x-raw,format=BGRx",
  "videoflip video-direction=horiz",
  "videoscale ! capsfilter caps=video/x-raw,width=200,height=90",
  "videobalance saturation=0.3 contrast=1.4 hue=0.2",
  "videoconvert ! capsfilter caps=video/x-raw,format=AYUV ! "
      "gaussianblur sigma=2 ! videoconvert ! capsfilter "
      "caps=video/x-raw,format=I420",
};

/* Every chain, with 1 to 4 workers, gives what the bare chain gives. */
GST_START_TEST (test_video_chains_identical)
{
  GstCaps *caps = raw_caps ("I420", 160, 120);
  GPtrArray *frames = make_frames (caps, 12, 0, async_check_scale (40));
  guint workers;

  for (workers = 1; workers <= 4; workers++)
    check_identical (video_chains[__i__], caps, frames, workers);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

static GPtrArray *
make_audio (guint n)
{
  GPtrArray *audio = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GRand *rand = g_rand_new_with_seed (7);
  guint i, k;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 1024 * 2 * 2, NULL);
    GstMapInfo map;
    gint16 *s;

    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    s = (gint16 *) map.data;
    for (k = 0; k < 1024 * 2; k++)
      s[k] = g_rand_int_range (rand, -20000, 20000);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (i * 1024, GST_SECOND, 48000);
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (1024, GST_SECOND, 48000);
    GST_BUFFER_OFFSET (buf) = i * 1024;
    g_ptr_array_add (audio, buf);
  }
  g_rand_free (rand);
  return audio;
}

GST_START_TEST (test_audio_chain_identical)
{
  GstCaps *caps = gst_caps_from_string ("audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=48000,channels=2,channel-mask=(bitmask)0x3");
  GPtrArray *audio = make_audio (async_check_scale (200));
  guint workers;

  for (workers = 1; workers <= 4; workers += 3)
    check_identical ("audioconvert ! capsfilter caps=audio/x-raw,format=F32LE "
        "! volume volume=0.5", caps, audio, workers);
  g_ptr_array_unref (audio);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* --- against the bare filter in a pipeline ------------------------------- */

#define VIDEO_SOURCE "videotestsrc num-buffers=%u pattern=ball " \
  "animation-mode=frames ! video/x-raw,format=I420,width=160,height=120," \
  "framerate=30/1 ! videoconvert"
#define VIDEO_TAIL "videoconvert ! video/x-raw,format=I420"
#define AUDIO_SOURCE "audiotestsrc num-buffers=%u wave=saw " \
  "samplesperbuffer=1024 ! audio/x-raw,format=S16LE,rate=48000,channels=2 " \
  "! audioconvert"
#define AUDIO_TAIL "audioconvert ! audio/x-raw,format=S16LE"

/* Every buffer @launch gives to its appsink "sink", in order, with the
 * caps of the last one in @caps; fails on an error. */
static GPtrArray *
pull_all (const gchar * launch, GstCaps ** caps)
{
  GPtrArray *pulled = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (launch, &error);
  GstElement *sink;
  GstMessage *msg;
  GstBus *bus;
  GstSample *sample;

  fail_unless (pipeline != NULL, "%s: %s", launch, error ? error->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  bus = gst_element_get_bus (pipeline);
  *caps = NULL;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              60 * GST_SECOND))) {
    g_ptr_array_add (pulled, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_caps_replace (caps, gst_sample_get_caps (sample));
    gst_sample_unref (sample);
  }
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    gst_message_parse_error (msg, &error, NULL);
    fail ("%s: %s", launch, error->message);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)), "%s: no EOS", launch);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return pulled;
}

/* @filter as a quoted property value of a launch line. */
static gchar *
quote_filter (const gchar * filter)
{
  GString *quoted = g_string_new ("\"");
  const gchar *c;

  for (c = filter; *c; c++) {
    if (*c == '"' || *c == '\\')
      g_string_append_c (quoted, '\\');
    g_string_append_c (quoted, *c);
  }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

/* @filter between @source (with a %u for the number of buffers) and
 * @tail, bare and in asyncwrap with @workers: the same caps, buffers and
 * timestamps. */
static void
check_like_bare (const gchar * source, const gchar * tail,
    const gchar * filter, guint workers)
{
  gchar *head = g_strdup_printf (source, async_check_scale (12));
  gchar *quoted = quote_filter (filter);
  gchar *bare = g_strdup_printf ("%s ! %s ! %s ! appsink name=sink "
      "sync=false", head, filter, tail);
  gchar *wrapped = g_strdup_printf ("%s ! asyncwrap n-workers=%u filter=%s "
      "! %s ! appsink name=sink sync=false", head, workers, quoted, tail);
  GstCaps *bare_caps, *wrapped_caps;
  GPtrArray *expected = pull_all (bare, &bare_caps);
  GPtrArray *got = pull_all (wrapped, &wrapped_caps);
  guint i;

  GST_INFO ("%s", wrapped);
  fail_unless_equals_int (got->len, expected->len);
  fail_unless (expected->len > 0);
  fail_unless (gst_caps_is_equal (bare_caps, wrapped_caps), "%s: %"
      GST_PTR_FORMAT " against %" GST_PTR_FORMAT, wrapped, wrapped_caps,
      bare_caps);
  for (i = 0; i < got->len; i++) {
    GstBuffer *a = g_ptr_array_index (expected, i);
    GstBuffer *b = g_ptr_array_index (got, i);

    fail_unless (buffers_equal (a, b), "%s: buffer %u differs", wrapped, i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (a), GST_BUFFER_PTS (b));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (a),
        GST_BUFFER_DURATION (b));
  }
  gst_caps_unref (bare_caps);
  gst_caps_unref (wrapped_caps);
  g_ptr_array_unref (expected);
  g_ptr_array_unref (got);
  g_free (head);
  g_free (quoted);
  g_free (bare);
  g_free (wrapped);
}

#define PAGE SRCDIR "/docs/elements/asyncwrap.md"

/* The rows of the table after the heading @heading in the element's page:
 * each row's first two cells, the first without its backquotes. */
static GPtrArray *
page_table (const gchar * heading)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_strfreev);
  gchar *text = NULL, **lines, **line;
  gboolean in_section = FALSE;

  if (!g_file_get_contents (PAGE, &text, NULL, NULL))
    g_error ("cannot read %s", PAGE);
  lines = g_strsplit (text, "\n", -1);
  for (line = lines; *line; line++) {
    gchar **cells;

    if (g_str_has_prefix (*line, "#"))
      in_section = g_str_equal (*line, heading);
    if (!in_section || !g_str_has_prefix (*line, "| `"))
      continue;
    cells = g_strsplit (*line + 1, "|", 3);
    if (g_strv_length (cells) != 3)
      g_error ("%s: not a row of two cells: %s", PAGE, *line);
    g_strstrip (cells[0]);
    g_strstrip (cells[1]);
    if (!g_str_has_suffix (cells[0], "`"))
      g_error ("%s: the first cell is not quoted: %s", PAGE, *line);
    memmove (cells[0], cells[0] + 1, strlen (cells[0]) - 1);
    cells[0][strlen (cells[0]) - 2] = '\0';
    g_ptr_array_add (rows, cells);
  }
  if (rows->len == 0)
    g_error ("%s: no table under \"%s\"", PAGE, heading);
  g_strfreev (lines);
  g_free (text);
  return rows;
}

#define CHECKED_HEADING "## Filters checked against the bare filter"
#define STATEFUL_HEADING "## Filters that keep state"

/* The page's table of checked filters, read once by the suite. */
static GPtrArray *checked_filters;

/* Whether the loop test at @i runs: all of them normally; under valgrind
 * or AddressSanitizer, where a pipeline is many times slower, one in
 * eight. */
static gboolean
sampled (guint i)
{
#ifdef __SANITIZE_ADDRESS__
  gboolean slow = TRUE;
#else
  gboolean slow = async_check_under_valgrind ();
#endif

  return !slow || i % 8 == 0;
}

/* Every filter the page says gives the bare filter's output does, with
 * one and two workers. */
GST_START_TEST (test_page_filters)
{
  gchar **row = g_ptr_array_index (checked_filters, __i__);
  gboolean video = g_str_equal (row[1], "video");

  fail_unless (video || g_str_equal (row[1], "audio"), "%s", row[1]);
  if (!sampled (__i__))
    return;
  check_like_bare (video ? VIDEO_SOURCE : AUDIO_SOURCE,
      video ? VIDEO_TAIL : AUDIO_TAIL, row[0], 1);
  check_like_bare (video ? VIDEO_SOURCE : AUDIO_SOURCE,
      video ? VIDEO_TAIL : AUDIO_TAIL, row[0], 2);
}

GST_END_TEST;

/* Descriptions whose ends take finding, each run against the bare chain
 * with one and two workers:
 * - elements with sink pads besides the one the stream takes, unlinked as
 *   they may be when bare: the stream goes into video_sink (textoverlay),
 *   sink (rsvgoverlay) or the one pad that takes raw video (dvdspu's
 *   "video");
 * - bins (autovideoconvert, aspectratiocrop) at either end, or alone: the
 *   stream goes in and out through their ghost pads;
 * - caps that begin or end the filter (which a bin description cannot):
 *   they mean what they mean between two elements of a pipeline. */
static const gchar *ends_filters[] = {
  "textoverlay text=Hello",
  "videoflip video-direction=horiz ! textoverlay text=Hello valignment=top",
  "rsvgoverlay",
  "dvdspu",
  "autovideoconvert",
  "videoscale ! autovideoconvert",
  "aspectratiocrop aspect-ratio=4/3",
  "aspectratiocrop aspect-ratio=4/3 ! videoconvert",
  "videoconvert ! aspectratiocrop aspect-ratio=4/3 ! videoconvert",
  "videoscale ! video/x-raw,width=160,height=120",
  "videoscale ! video/x-raw,width=80,height=60",
  "video/x-raw,format=Y444 ! videoconvert",
  "video/x-raw,format=GRAY8",
  "textoverlay text=\"a ! b\" ! video/x-raw,format=BGRx",
  /* an apostrophe is no quote in a launch description */
  "textoverlay text=Don't ! videoscale ! video/x-raw,width=160,height=120",
  "videoconvert ! video/x-raw(memory:SystemMemory),format=\"RGBx\"",
};

GST_START_TEST (test_chain_ends)
{
  check_like_bare (VIDEO_SOURCE, VIDEO_TAIL, ends_filters[__i__], 1);
  check_like_bare (VIDEO_SOURCE, VIDEO_TAIL, ends_filters[__i__], 2);
}

GST_END_TEST;

/* The warnings on @bus: their number, and the first one's text in @text.
 * There must be no error. */
static guint
pop_warnings (GstBus * bus, gchar ** text)
{
  GstMessage *msg;
  guint n = 0;

  *text = NULL;
  while ((msg = gst_bus_pop_filtered (bus,
              GST_MESSAGE_WARNING | GST_MESSAGE_ERROR))) {
    GError *error = NULL;

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    gst_message_parse_warning (msg, &error, NULL);
    if (n++ == 0)
      *text = g_strdup (error->message);
    g_error_free (error);
    gst_message_unref (msg);
  }
  return n;
}

/* How many warnings asyncwrap with @filter and @workers posts on its way
 * to PAUSED and back, the first one's text in @text. */
static guint
start_warnings (const gchar * filter, guint workers, gchar ** text)
{
  GstElement *wrap = gst_element_factory_make ("asyncwrap", "w");
  GstBus *bus = gst_bus_new ();
  guint n;

  gst_element_set_bus (wrap, bus);
  g_object_set (wrap, "filter", filter, "n-workers", workers, NULL);
  fail_unless_equals_int (gst_element_set_state (wrap, GST_STATE_PAUSED),
      GST_STATE_CHANGE_SUCCESS);
  n = pop_warnings (bus, text);
  fail_unless_equals_int (gst_element_set_state (wrap, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_element_set_bus (wrap, NULL);
  gst_object_unref (bus);
  gst_object_unref (wrap);
  return n;
}

/* Each stateful filter the page lists makes asyncwrap warn once at start
 * with two workers, naming the filter and the element; with one worker
 * (the bare filter's output) and for stateless filters it does not. */
GST_START_TEST (test_stateful_warning)
{
  static const gchar *stateless[] = { "identity", "videobalance",
    "videoconvert ! gaussianblur", "identity error-after=-1",
  };
  GPtrArray *rows = page_table (STATEFUL_HEADING);
  gchar *text;
  guint i, n;

  for (i = 0; i < rows->len; i++) {
    const gchar *filter = ((gchar **) g_ptr_array_index (rows, i))[0];
    gchar *element = g_strdup (filter), *factory;

    n = start_warnings (filter, 2, &text);
    fail_unless (n == 1, "%s: %u warnings with two workers", filter, n);
    GST_INFO ("%s: %s", filter, text);
    fail_unless (strstr (text, filter) != NULL, "%s", text);
    fail_unless (strstr (text, "n-workers=1") != NULL, "%s", text);
    /* the element's name: its factory's and a number */
    factory = strtok (element, " ");
    fail_unless (strstr (text, factory) != NULL, "%s", text);
    g_free (text);
    g_free (element);
    fail_unless_equals_int (start_warnings (filter, 1, &text), 0);
    g_free (text);
  }
  for (i = 0; i < G_N_ELEMENTS (stateless); i++) {
    fail_unless (start_warnings (stateless[i], 2, &text) == 0, "%s: %s",
        stateless[i], text);
    g_free (text);
  }
  g_ptr_array_unref (rows);
}

GST_END_TEST;

/* With one worker a stateful filter gives the bare filter's output. */
GST_START_TEST (test_stateful_one_worker)
{
  check_like_bare (VIDEO_SOURCE, VIDEO_TAIL, "streaktv", 1);
  check_like_bare (VIDEO_SOURCE, VIDEO_TAIL, "vertigotv", 1);
  check_like_bare (AUDIO_SOURCE, AUDIO_TAIL,
      "audioecho delay=1000000 intensity=0.5", 1);
}

GST_END_TEST;

/* Caps queries and accept-caps are the chain's. */
GST_START_TEST (test_caps_queries)
{
  GstHarness *h = gst_harness_new_parse ("asyncwrap filter=\"videoconvert ! "
      "capsfilter caps=video/x-raw,format=GRAY8\"");
  GstPad *sink = gst_element_get_static_pad (h->element, "sink");
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  GstCaps *caps, *gray = gst_caps_from_string ("video/x-raw,format=GRAY8");
  GstCaps *audio = gst_caps_from_string ("audio/x-raw,format=S16LE,"
      "rate=8000,channels=1,layout=interleaved");
  GstCaps *i420 = raw_caps ("I420", 64, 48);

  caps = gst_pad_query_caps (src, NULL);
  fail_unless (gst_caps_is_subset (caps, gray), "%" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);
  caps = gst_pad_query_caps (sink, NULL);
  fail_unless (gst_caps_can_intersect (caps, i420));
  fail_if (gst_caps_can_intersect (caps, audio));
  gst_caps_unref (caps);
  fail_unless (gst_pad_query_accept_caps (sink, i420));
  fail_if (gst_pad_query_accept_caps (sink, audio));

  gst_caps_unref (i420);
  gst_caps_unref (audio);
  gst_caps_unref (gray);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The element @name in @h (transfer full). */
static GstElement *
harness_element (GstHarness * h, const gchar * name)
{
  GstElement *e;

  if (GST_IS_BIN (h->element))
    e = gst_bin_get_by_name (GST_BIN (h->element), name);
  else
    e = gst_object_ref (h->element);
  fail_unless (e != NULL && g_str_equal (GST_OBJECT_NAME (e), name));
  return e;
}

/* The wrapped elements are children; a property set on one while frames
 * are in flight reaches every replica from the next frame in. */
GST_START_TEST (test_property_change_playing)
{
  GstCaps *caps = raw_caps ("I420", 96, 64);
  guint n = async_check_scale (40), i;
  GPtrArray *frames = make_frames (caps, 3, 0, 2 * n);
  GPtrArray *part1 = g_ptr_array_new (), *part2 = g_ptr_array_new ();
  Encoded before, after;
  GstHarness *h = gst_harness_new_parse ("asyncwrap name=w n-workers=4 "
      "filter=\"videobalance name=balance\" balance::saturation=0.5");
  GstElement *wrap = harness_element (h, "w");
  GObject *child;
  gdouble saturation;

  fail_unless_equals_int (gst_child_proxy_get_children_count (GST_CHILD_PROXY
          (wrap)), 1);
  child = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (wrap), "balance");
  fail_unless (child != NULL);
  g_object_get (child, "saturation", &saturation, NULL);
  fail_unless_equals_float (saturation, 0.5);
  g_object_unref (child);

  for (i = 0; i < 2 * n; i++)
    g_ptr_array_add (i < n ? part1 : part2, g_ptr_array_index (frames, i));
  before = encode ("videobalance saturation=0.5", caps, part1);
  after = encode ("videobalance saturation=0.0 brightness=0.1", caps, part2);

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (i = 0; i < 2 * n; i++) {
    if (i == n)
      gst_child_proxy_set (GST_CHILD_PROXY (wrap), "balance::saturation",
          0.0, "balance::brightness", 0.1, NULL);
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (frames, i))), GST_FLOW_OK);
  }
  for (i = 0; i < 2 * n; i++) {
    GstBuffer *out = gst_harness_pull (h);
    GstBuffer *expected = g_ptr_array_index (i < n ? before.buffers :
        after.buffers, i % n);

    fail_unless (buffers_equal (out, expected), "frame %u", i);
    gst_buffer_unref (out);
  }
  /* (the counters are final once the last batch is accounted for) */
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_uint64 (read_stats (wrap).processed, 2 * n);
  gst_object_unref (wrap);
  gst_harness_teardown (h);
  encoded_clear (&before);
  encoded_clear (&after);
  g_ptr_array_unref (part1);
  g_ptr_array_unref (part2);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* A property change that makes the chain renegotiate by itself while
 * playing (videoflip turned by 90°) stops the element with an error that
 * says so, after the frames before it. */
GST_START_TEST (test_caps_change_by_itself)
{
  GstCaps *caps = raw_caps ("I420", 64, 48);
  GPtrArray *frames = make_frames (caps, 4, 0, 40);
  GstHarness *h = gst_harness_new_parse ("asyncwrap name=w n-workers=2 "
      "filter=\"videoflip name=flip\"");
  GstElement *wrap = harness_element (h, "w");
  GstBus *bus = gst_bus_new ();
  GstFlowReturn ret = GST_FLOW_OK;
  GstMessage *msg;
  GError *error = NULL;
  guint i;

  gst_element_set_bus (wrap, bus);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (i = 0; i < 5; i++)
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (frames, i))), GST_FLOW_OK);
  fail_unless (async_check_drain (h->srcpad));
  fail_unless_equals_int (gst_harness_buffers_received (h), 5);

  gst_child_proxy_set (GST_CHILD_PROXY (wrap), "flip::video-direction",
      GST_VIDEO_ORIENTATION_90R, NULL);
  for (; i < frames->len && ret == GST_FLOW_OK; i++)
    ret = gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (frames, i)));
  /* (the error may come after the last push) */
  fail_if (async_check_drain (h->srcpad));
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, "caps") != NULL, "%s", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_harness_buffers_received (h), 5);

  gst_element_set_bus (wrap, NULL);
  gst_object_unref (bus);
  gst_object_unref (wrap);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* Application threads set properties of children at the same moment,
 * round after round, each thread its own property: the replicas get every
 * thread's last value of each round (a setup read, then replaced, in two
 * critical sections loses one). (Two properties of one child would not
 * race: GObject sends the notifications of one object from one thread at
 * a time.) */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint round;                  /* the round the setters are to do */
  guint done;                   /* setters done, over all rounds */
  gint arrived;                 /* setters at the start line, atomic */
  guint rounds;
  guint n_setters;
  guint max_sets;               /* a setter sets 1 to max_sets values a round */
  GstChildProxy *wrap;
} Race;

typedef struct
{
  Race *race;
  const gchar *property;
  gdouble values[2];            /* the last one of a round, by its parity */
  gdouble step;                 /* between the values set before it */
} Setter;

static gpointer
setter_thread (gpointer data)
{
  Setter *setter = data;
  Race *race = setter->race;
  guint round, n;

  for (round = 1; round <= race->rounds; round++) {
    g_mutex_lock (&race->lock);
    while (race->round < round)
      g_cond_wait (&race->cond, &race->lock);
    g_mutex_unlock (&race->lock);
    /* the setters leave the start line together */
    g_atomic_int_inc (&race->arrived);
    while (g_atomic_int_get (&race->arrived) < (gint) (race->n_setters * round))
      g_thread_yield ();
    /* values on the way, then the round's last one */
    for (n = 1 + round % race->max_sets; n > 0; n--)
      gst_child_proxy_set (race->wrap, setter->property,
          setter->values[round % 2] + (n - 1) * setter->step, NULL);
    g_mutex_lock (&race->lock);
    race->done++;
    g_cond_broadcast (&race->cond);
    g_mutex_unlock (&race->lock);
  }
  return NULL;
}

/* Starts @round and waits for every setter to finish it; @frame, if any,
 * is pushed (and what comes out dropped) while they set. */
static void
race_round (Race * race, guint round, GstHarness * h, GstBuffer * frame)
{
  g_mutex_lock (&race->lock);
  race->round = round;
  g_cond_broadcast (&race->cond);
  g_mutex_unlock (&race->lock);
  if (frame) {
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frame)),
        GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
  }
  g_mutex_lock (&race->lock);
  while (race->done < race->n_setters * round)
    g_cond_wait (&race->cond, &race->lock);
  g_mutex_unlock (&race->lock);
}

GST_START_TEST (test_concurrent_child_properties)
{
  GstCaps *caps = raw_caps ("I420", 16, 16);
  GPtrArray *frames = make_frames (caps, 11, 0, 1);
  GstBuffer *frame = g_ptr_array_index (frames, 0);
  GstHarness *h = gst_harness_new_parse ("asyncwrap name=w n-workers=2 "
      "filter=\"videobalance name=first ! videobalance name=second\"");
  GstElement *wrap = harness_element (h, "w");
  Race race = { 0, };
  Setter saturation = { &race, "first::saturation", {1.8, 0.0}, 0.0
  };
  Setter brightness = { &race, "second::brightness", {0.3, -0.3}, 0.0
  };
  Encoded expected[2];
  GThread *threads[2];
  guint round, parity;

  for (parity = 0; parity < 2; parity++) {
    gchar *bare = g_strdup_printf ("videobalance saturation=%f ! "
        "videobalance brightness=%f",
        saturation.values[parity], brightness.values[parity]);

    expected[parity] = encode (bare, caps, frames);
    g_free (bare);
  }
  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  race.rounds = async_check_scale (3000);
  race.n_setters = 2;
  race.max_sets = 1;
  race.wrap = GST_CHILD_PROXY (wrap);
  threads[0] = g_thread_new ("saturation", setter_thread, &saturation);
  threads[1] = g_thread_new ("brightness", setter_thread, &brightness);

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (round = 1; round <= race.rounds; round++) {
    GstBuffer *out;

    race_round (&race, round, NULL, NULL);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frame)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (buffers_equal (out,
            g_ptr_array_index (expected[round % 2].buffers, 0)),
        "round %u: a property set at the same time as the other was lost",
        round);
    gst_buffer_unref (out);
  }

  g_thread_join (threads[0]);
  g_thread_join (threads[1]);
  g_mutex_clear (&race.lock);
  g_cond_clear (&race.cond);
  encoded_clear (&expected[0]);
  encoded_clear (&expected[1]);
  gst_object_unref (wrap);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* Three threads, each with a property of its own, set it several times a
 * round at the same moment while frames go through: after each round, a
 * frame comes out with every thread's last value. */
GST_START_TEST (test_child_properties_while_playing)
{
  GstCaps *caps = raw_caps ("I420", 16, 16);
  GPtrArray *frames = make_frames (caps, 12, 0, 1);
  GstBuffer *frame = g_ptr_array_index (frames, 0);
  GstHarness *h = gst_harness_new_parse ("asyncwrap name=w n-workers=3 "
      "filter=\"videobalance name=a ! videobalance name=b ! "
      "videobalance name=c\"");
  GstElement *wrap = harness_element (h, "w");
  Race race = { 0, };
  Setter setters[3] = {
    {&race, "a::saturation", {1.6, 0.0}, 0.1},
    {&race, "b::brightness", {0.3, -0.3}, 0.1},
    {&race, "c::contrast", {1.5, 0.5}, 0.1},
  };
  Encoded expected[2];
  GThread *threads[3];
  guint round, parity, i;

  for (parity = 0; parity < 2; parity++) {
    gchar *bare = g_strdup_printf ("videobalance saturation=%f ! "
        "videobalance brightness=%f ! videobalance contrast=%f",
        setters[0].values[parity], setters[1].values[parity],
        setters[2].values[parity]);

    expected[parity] = encode (bare, caps, frames);
    g_free (bare);
  }
  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  race.rounds = async_check_scale (2000);
  race.n_setters = G_N_ELEMENTS (setters);
  race.max_sets = 4;
  race.wrap = GST_CHILD_PROXY (wrap);
  for (i = 0; i < race.n_setters; i++)
    threads[i] = g_thread_new (setters[i].property, setter_thread, &setters[i]);

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (round = 1; round <= race.rounds; round++) {
    GstBuffer *out;

    race_round (&race, round, h, frame);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frame)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (buffers_equal (out,
            g_ptr_array_index (expected[round % 2].buffers, 0)),
        "round %u: a property set at the same time as others was lost", round);
    gst_buffer_unref (out);
  }

  for (i = 0; i < race.n_setters; i++)
    g_thread_join (threads[i]);
  g_mutex_clear (&race.lock);
  g_cond_clear (&race.cond);
  encoded_clear (&expected[0]);
  encoded_clear (&expected[1]);
  gst_object_unref (wrap);
  gst_harness_teardown (h);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

static void
on_child_changed (GstChildProxy * proxy, GObject * child, const gchar * name,
    guint * seen)
{
  GObject *found = gst_child_proxy_get_child_by_name (proxy, name);

  /* (a removed child is no longer there) */
  (*seen)++;
  if (found)
    g_object_unref (found);
}

/* A child-added or child-removed handler may ask for the children, as
 * gst_parse's delayed `child::property=value` does: the signals are
 * emitted with no lock held. */
GST_START_TEST (test_child_signals_unlocked)
{
  GstElement *wrap = gst_element_factory_make ("asyncwrap", NULL);
  guint added = 0, removed = 0;

  g_signal_connect (wrap, "child-added", G_CALLBACK (on_child_changed), &added);
  g_signal_connect (wrap, "child-removed", G_CALLBACK (on_child_changed),
      &removed);
  g_object_set (wrap, "filter", "videobalance ! videoflip", NULL);
  fail_unless_equals_int (added, 2);
  g_object_set (wrap, "filter", "videoflip", NULL);
  fail_unless_equals_int (removed, 2);
  fail_unless_equals_int (added, 3);
  gst_object_unref (wrap);
  fail_unless_equals_int (removed, 3);
}

GST_END_TEST;


/* Runs @launch until it ends; returns the error message (or NULL at
 * EOS). */
static GstMessage *
run_pipeline (const gchar * launch)
{
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (msg != NULL, "%s: neither EOS nor an error", launch);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    g_clear_pointer (&msg, gst_message_unref);
  return msg;
}

/* An error message from @launch: its text names @filter (unless NULL) and
 * @element, and its source is named @source. */
static void
check_error (const gchar * launch, const gchar * filter,
    const gchar * element, const gchar * source)
{
  GstMessage *msg = run_pipeline (launch);
  GError *error = NULL;

  fail_unless (msg != NULL, "%s: no error", launch);
  gst_message_parse_error (msg, &error, NULL);
  GST_INFO ("%s: %s", launch, error->message);
  if (filter)
    fail_unless (strstr (error->message, filter) != NULL, "%s", error->message);
  if (element)
    fail_unless (strstr (error->message, element) != NULL, "%s",
        error->message);
  fail_unless_equals_string (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), source);
  g_error_free (error);
  gst_message_unref (msg);
}

#define SOURCE "videotestsrc num-buffers=20 ! video/x-raw,width=64,height=48 "

/* Filters that cannot be wrapped fail the state change to READY. */
GST_START_TEST (test_not_a_filter)
{
  static const struct
  {
    const gchar *filter, *element;
  } cases[] = {
    {"nosuchelement", "nosuchelement"},
    {"videoconvert ! tee name=t", NULL},
    {"fakesink", NULL},
    {"videotestsrc ! videoconvert", NULL},
    {"videoconvert name=c1 videoconvert name=c2", "c"},
    {"queue name=q", "q"},
    {"videoconvert ! identity name=x ! queue2 name=q2", "q2"},
    /* two inputs, two outputs */
    {"smpte name=wipe", "wipe"},
    /* a second video input, which nothing would feed */
    {"identity ! alphacombine name=ac", "alpha of ac"},
    {"shapewipe name=sw", "mask_sink of sw"},
    {"videoframe-audiolevel name=level", "level"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *launch = g_strdup_printf (SOURCE "! asyncwrap name=w "
        "filter=\"%s\" ! fakesink", cases[i].filter);

    check_error (launch, cases[i].filter, cases[i].element, "w");
    g_free (launch);
  }
  check_error (SOURCE "! asyncwrap name=w ! fakesink", NULL, "filter", "w");
}

GST_END_TEST;

/* Elements that do not give one buffer per buffer fail at the first
 * frame, naming the element; nothing hangs. */
GST_START_TEST (test_not_one_to_one)
{
  check_error (SOURCE "! asyncwrap name=w filter=\"videoconvert ! "
      "videorate name=rate ! capsfilter caps=video/x-raw,framerate=60/1\" ! "
      "fakesink", "videorate", "rate", "w");
  check_error (SOURCE "! asyncwrap name=w n-workers=3 filter=\"identity "
      "name=dropper drop-probability=1.0\" ! fakesink", "identity",
      "dropper", "w");
}

GST_END_TEST;

/* A wrapped element's own error reaches the bus under its name; the
 * frames before it come out. */
GST_START_TEST (test_wrapped_error)
{
  check_error (SOURCE "! asyncwrap n-workers=2 filter=\"identity name=failer "
      "error-after=5\" ! fakesink", NULL, NULL, "failer");
}

GST_END_TEST;

/* 12 JPEG frames of 1 s each in an AVI file. */
static gchar *
make_file (void)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "asyncwrap-XXXXXX.avi",
      NULL);
  gchar *launch;
  gint fd = g_mkstemp (path);

  fail_unless (fd >= 0);
  close (fd);
  launch = g_strdup_printf ("videotestsrc num-buffers=12 pattern=ball ! "
      "video/x-raw,width=64,height=48,framerate=1/1 ! jpegenc ! avimux ! "
      "filesink location=%s", path);
  fail_unless (run_pipeline (launch) == NULL);
  g_free (launch);
  return path;
}

/* PTS -> a copy of the frame, of the frames @launch gives after a flushing
 * seek to each position of @seeks in turn, made once the frame before
 * came out. */
static GHashTable *
play_with_seeks (const gchar * launch, const guint * seeks, guint n_seeks)
{
  GHashTable *frames = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) gst_buffer_unref);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstClockTime last = GST_CLOCK_TIME_NONE;
  GstSample *sample;
  guint s = 0;

  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PAUSED), GST_STATE_CHANGE_ASYNC);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              30 * GST_SECOND))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);

    /* in order, after each seek from its position on */
    if (GST_CLOCK_TIME_IS_VALID (last))
      fail_unless (GST_BUFFER_PTS (buf) > last);
    last = GST_BUFFER_PTS (buf);
    g_hash_table_replace (frames, GUINT_TO_POINTER (last / GST_SECOND),
        gst_buffer_ref (buf));
    gst_sample_unref (sample);
    if (s < n_seeks && last >= 2 * GST_SECOND) {
      fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
              GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT,
              seeks[s] * GST_SECOND));
      last = GST_CLOCK_TIME_NONE;
      /* the first frame out is the one sought */
      sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
          30 * GST_SECOND);
      fail_unless (sample != NULL);
      last = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
      fail_unless_equals_uint64 (last, seeks[s] * GST_SECOND);
      g_hash_table_replace (frames, GUINT_TO_POINTER (last / GST_SECOND),
          gst_buffer_ref (gst_sample_get_buffer (sample)));
      gst_sample_unref (sample);
      s++;
    }
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)));
  fail_unless_equals_int (s, n_seeks);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return frames;
}

/* Flushing seeks in a file pipeline with frames in flight: each seek gives
 * the frame sought first, and every frame is the bare chain's. */
GST_START_TEST (test_flushing_seek_file)
{
  static const guint seeks[] = { 0, 7, 1, 10, 3 };
  gchar *path = make_file ();
  gchar *bare = g_strdup_printf ("filesrc location=%s ! avidemux ! jpegdec ! "
      "videoflip video-direction=horiz ! appsink name=sink sync=false", path);
  gchar *wrapped = g_strdup_printf ("filesrc location=%s ! avidemux ! "
      "jpegdec ! asyncwrap n-workers=3 filter=\"videoflip "
      "video-direction=horiz\" ! appsink name=sink sync=false "
      "max-buffers=1", path);
  GHashTable *expected = play_with_seeks (bare, NULL, 0);
  GHashTable *got = play_with_seeks (wrapped, seeks, G_N_ELEMENTS (seeks));
  GHashTableIter iter;
  gpointer key, value;

  fail_unless_equals_int (g_hash_table_size (expected), 12);
  fail_unless_equals_int (g_hash_table_size (got), 12);
  g_hash_table_iter_init (&iter, got);
  while (g_hash_table_iter_next (&iter, &key, &value))
    fail_unless (buffers_equal (value, g_hash_table_lookup (expected, key)),
        "frame %u", GPOINTER_TO_UINT (key));

  g_hash_table_unref (expected);
  g_hash_table_unref (got);
  g_unlink (path);
  g_free (bare);
  g_free (wrapped);
  g_free (path);
}

GST_END_TEST;

/* Many frames, random flushes and state changes with frames inside the
 * replicas: what comes out after each flush is in order and right, and
 * nothing hangs or leaks. */
GST_START_TEST (test_flush_and_restart_race)
{
  GstCaps *caps = raw_caps ("I420", 64, 48);
  guint n = async_check_scale (300), i, round;
  GPtrArray *frames = make_frames (caps, 9, 0, n);
  Encoded bare = encode ("videoflip video-direction=vert", caps, frames);
  GRand *rand = g_rand_new_with_seed (42);

  for (round = 0; round < async_check_scale (20); round++) {
    GstHarness *h = gst_harness_new_parse ("asyncwrap n-workers=4 "
        "filter=\"videoflip video-direction=vert\"");
    guint base = 0, pulled = 0;

    gst_harness_set_src_caps (h, gst_caps_ref (caps));
    for (i = 0; i < n; i++) {
      if (g_rand_int_range (rand, 0, 40) == 0) {
        GstSegment segment;

        /* flush: what was pushed before is gone, in flight or not */
        fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
        fail_unless (gst_harness_push_event (h,
                gst_event_new_flush_stop (TRUE)));
        gst_segment_init (&segment, GST_FORMAT_TIME);
        fail_unless (gst_harness_push_event (h,
                gst_event_new_segment (&segment)));
        while (gst_harness_buffers_in_queue (h) > 0)
          gst_buffer_unref (gst_harness_pull (h));
        base = i;
        pulled = 0;
      }
      fail_unless_equals_int (gst_harness_push (h,
              gst_buffer_ref (g_ptr_array_index (frames, i))), GST_FLOW_OK);
      while (gst_harness_buffers_in_queue (h) > 0) {
        GstBuffer *out = gst_harness_pull (h);

        fail_unless (buffers_equal (out,
                g_ptr_array_index (bare.buffers, base + pulled)));
        pulled++;
        gst_buffer_unref (out);
      }
    }
    fail_unless (async_check_drain (h->srcpad));
    while (gst_harness_buffers_in_queue (h) > 0) {
      GstBuffer *out = gst_harness_pull (h);

      fail_unless (buffers_equal (out,
              g_ptr_array_index (bare.buffers, base + pulled)));
      pulled++;
      gst_buffer_unref (out);
    }
    fail_unless_equals_int (base + pulled, n);
    /* a stop with frames inside, at a random point */
    for (i = 0; i < (guint) g_rand_int_range (rand, 0, 8); i++)
      gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (frames, i)));
    gst_harness_teardown (h);
  }
  g_rand_free (rand);
  encoded_clear (&bare);
  g_ptr_array_unref (frames);
  gst_caps_unref (caps);
}

GST_END_TEST;

static Suite *
asyncwrap_suite (void)
{
  Suite *s = suite_create ("asyncwrap");
  TCase *tc_output = tcase_create ("output");
  TCase *tc_children = tcase_create ("children");
  TCase *tc_bad = tcase_create ("bad filters");
  TCase *tc_flush = tcase_create ("flushing");

  /* the output is the bare filter's */
  suite_add_tcase (s, tc_output);
  tcase_add_loop_test (tc_output, test_video_chains_identical, 0,
      G_N_ELEMENTS (video_chains));
  tcase_add_test (tc_output, test_audio_chain_identical);
  tcase_add_test (tc_output, test_caps_queries);
  checked_filters = page_table (CHECKED_HEADING);
  tcase_add_loop_test (tc_output, test_page_filters, 0, checked_filters->len);
  tcase_add_loop_test (tc_output, test_chain_ends, 0,
      G_N_ELEMENTS (ends_filters));
  tcase_add_test (tc_output, test_stateful_one_worker);

  /* the wrapped elements' properties */
  suite_add_tcase (s, tc_children);
  tcase_add_test (tc_children, test_property_change_playing);
  tcase_add_test (tc_children, test_caps_change_by_itself);
  tcase_add_test (tc_children, test_concurrent_child_properties);
  tcase_add_test (tc_children, test_child_properties_while_playing);
  tcase_add_test (tc_children, test_child_signals_unlocked);

  /* filters that cannot be wrapped, or not without a warning */
  suite_add_tcase (s, tc_bad);
  tcase_add_test (tc_bad, test_not_a_filter);
  tcase_add_test (tc_bad, test_not_one_to_one);
  tcase_add_test (tc_bad, test_wrapped_error);
  tcase_add_test (tc_bad, test_stateful_warning);

  suite_add_tcase (s, tc_flush);
  tcase_add_test (tc_flush, test_flushing_seek_file);
  tcase_add_test (tc_flush, test_flush_and_restart_race);
  return s;
}

GST_CHECK_MAIN (asyncwrap);
