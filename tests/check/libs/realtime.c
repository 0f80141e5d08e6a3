/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * realtime.c: tests of GstAsyncTransform in live pipelines: shared worker
 * groups, QoS and latency
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

/* The engine is driven through asyncidentity, whose work-time gives every
 * frame a known cost. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "../asynccheck.h"

static GstElement *
identity_new (guint n_workers, guint work_us, const gchar * group)
{
  GstElement *e = gst_element_factory_make ("asyncidentity", NULL);

  fail_unless (e != NULL);
  g_object_set (e, "n-workers", n_workers, "work-time", work_us,
      "worker-group", group, NULL);
  return e;
}

static GstHarness *
harness_for (GstElement * e)
{
  GstHarness *h = gst_harness_new_with_element (e, "sink", "src");

  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, "test/frames");
  return h;
}

static GstBuffer *
make_frame (guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);

  gst_buffer_memset (buf, 0, i, 16);
  GST_BUFFER_PTS (buf) = i * 10 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
  return buf;
}

/* Threads of this process whose name starts with @prefix (NULL: all). */
static guint
count_threads (const gchar * prefix)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const gchar *tid;
  guint n = 0;

  fail_unless (dir != NULL);
  while ((tid = g_dir_read_name (dir))) {
    gchar *path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
    gchar *comm = NULL;

    if (prefix == NULL)
      n++;
    else if (g_file_get_contents (path, &comm, NULL, NULL)
        && g_str_has_prefix (comm, prefix))
      n++;
    g_free (comm);
    g_free (path);
  }
  g_dir_close (dir);
  return n;
}

/* --- worker groups ------------------------------------------------------- */

#define N_ELEMENTS 16

/* 16 elements asking for 1 to 4 workers: with one group they share 4
 * threads (plus a src task each); alone they have 40. Either way the
 * workers go away with the elements. */
static void
run_sixteen (const gchar * group, guint expect_workers)
{
  GstHarness *h[N_ELEMENTS];
  guint before = count_threads (NULL), i, k;

  fail_unless_equals_int (count_threads ("asyncworker"), 0);
  for (i = 0; i < N_ELEMENTS; i++) {
    h[i] = harness_for (identity_new (1 + i % 4, 100, group));
    gst_harness_play (h[i]);
  }
  fail_unless_equals_int (count_threads ("asyncworker"), expect_workers);
  if (group)
    fail_unless (count_threads (NULL) <= before + expect_workers + N_ELEMENTS);

  /* They all work. */
  for (k = 0; k < 4; k++)
    for (i = 0; i < N_ELEMENTS; i++)
      fail_unless_equals_int (gst_harness_push (h[i], make_frame (k)),
          GST_FLOW_OK);
  for (k = 0; k < 4; k++)
    for (i = 0; i < N_ELEMENTS; i++) {
      GstBuffer *buf = gst_harness_pull (h[i]);

      fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), k * 10 * GST_MSECOND);
      gst_buffer_unref (buf);
    }

  for (i = 0; i < N_ELEMENTS; i++) {
    gst_harness_teardown (h[i]);
    /* the group stays while one element is left */
    if (group && i + 1 < N_ELEMENTS)
      fail_unless_equals_int (count_threads ("asyncworker"), expect_workers);
  }
  fail_unless_equals_int (count_threads ("asyncworker"), 0);
}

GST_START_TEST (test_worker_group_threads)
{
  run_sixteen ("sixteen", 4);
}

GST_END_TEST;

GST_START_TEST (test_own_workers_threads)
{
  run_sixteen (NULL, N_ELEMENTS / 4 * (1 + 2 + 3 + 4));
}

GST_END_TEST;

/* Records which element pushed, in push order. */
typedef struct
{
  GMutex lock;
  GString *order;
} PushLog;

static GstPadProbeReturn
log_push (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  PushLog *log = user_data;
  GstElement *e = GST_PAD_PARENT (pad);

  g_mutex_lock (&log->lock);
  g_string_append_c (log->order, GPOINTER_TO_INT (g_object_get_data (G_OBJECT
              (e), "tag")));
  g_mutex_unlock (&log->lock);
  return GST_PAD_PROBE_OK;
}

/* Two elements share one worker; each has a backlog of frames. They take
 * turns frame by frame: once both have frames waiting, neither runs two
 * frames in a row while the other waits. */
GST_START_TEST (test_worker_group_takes_turns)
{
  const guint n = async_check_scale (40);
  PushLog log;
  GstHarness *h[2];
  const gchar *order, *first_b;
  guint i, k, end;

  g_mutex_init (&log.lock);
  log.order = g_string_new (NULL);
  for (i = 0; i < 2; i++) {
    GstElement *e = identity_new (1, 10000, "turns");
    GstPad *src = gst_element_get_static_pad (e, "src");

    g_object_set (e, "max-in-flight", n, NULL);
    g_object_set_data (G_OBJECT (e), "tag", GINT_TO_POINTER ('A' + i));
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, log_push, &log, NULL);
    gst_object_unref (src);
    h[i] = harness_for (e);
    gst_harness_play (h[i]);
  }

  /* A's whole backlog first, then B's, while A's first frame runs: a FIFO
   * of frames would run all of A's before any of B's. */
  for (i = 0; i < 2; i++)
    for (k = 0; k < n; k++)
      fail_unless_equals_int (gst_harness_push (h[i], make_frame (k)),
          GST_FLOW_OK);
  for (i = 0; i < 2; i++)
    for (k = 0; k < n; k++)
      gst_buffer_unref (gst_harness_pull (h[i]));

  order = log.order->str;
  GST_INFO ("push order %s", order);
  fail_unless_equals_int (log.order->len, 2 * n);
  /* B's backlog was queued while A ran its first frame or two... */
  first_b = strchr (order, 'B');
  fail_unless (first_b - order <= 2, "%s: B waited", order);
  /* ...and from then on they alternate, until A's frames are all done. */
  end = strrchr (order, 'A') - order;
  for (i = first_b - order + 1; i <= end; i++)
    fail_unless (order[i] != order[i - 1], "%s: unfair at %u", order, i);

  for (i = 0; i < 2; i++)
    gst_harness_teardown (h[i]);
  g_string_free (log.order, TRUE);
  g_mutex_clear (&log.lock);
}

GST_END_TEST;

static Suite *
realtime_suite (void)
{
  Suite *s = suite_create ("realtime");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_worker_group_threads);
  tcase_add_test (tc, test_own_workers_threads);
  tcase_add_test (tc, test_worker_group_takes_turns);
  return s;
}

GST_CHECK_MAIN (realtime);
