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
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_video_chains_identical, 0,
      G_N_ELEMENTS (video_chains));
  tcase_add_test (tc, test_audio_chain_identical);
  tcase_add_test (tc, test_caps_queries);
  tcase_add_test (tc, test_property_change_playing);
  tcase_add_test (tc, test_caps_change_by_itself);
  tcase_add_test (tc, test_not_a_filter);
  tcase_add_test (tc, test_not_one_to_one);
  tcase_add_test (tc, test_wrapped_error);
  tcase_add_test (tc, test_flushing_seek_file);
  tcase_add_test (tc, test_flush_and_restart_race);
  return s;
}

GST_CHECK_MAIN (asyncwrap);
