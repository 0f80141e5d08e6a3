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
 * frame a known cost, and through a subclass that records which frames it
 * worked on. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/async/gstasynctransform.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>

#include "../asynccheck.h"

/* --- a subclass that records its work ------------------------------------ */

typedef struct
{
  GstAsyncTransform parent;

  guint work_us;                /* each frame takes this long */
  GMutex lock;
  GHashTable *worked;           /* PTS of the frames process () saw */
} GstCountAsync;

typedef struct
{
  GstAsyncTransformClass parent_class;
} GstCountAsyncClass;

GType gst_count_async_get_type (void);
G_DEFINE_TYPE (GstCountAsync, gst_count_async, GST_TYPE_ASYNC_TRANSFORM);

static GstStaticPadTemplate any_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate any_src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstFlowReturn
count_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstCountAsync *self = (GstCountAsync *) trans;

  if (self->work_us)
    g_usleep (self->work_us);
  g_mutex_lock (&self->lock);
  g_hash_table_add (self->worked,
      g_memdup2 (&GST_BUFFER_PTS (frame->input), sizeof (GstClockTime)));
  g_mutex_unlock (&self->lock);
  frame->output = g_steal_pointer (&frame->input);
  return GST_FLOW_OK;
}

static gboolean
count_worked_on (GstCountAsync * self, GstClockTime pts)
{
  gboolean worked;

  g_mutex_lock (&self->lock);
  worked = g_hash_table_contains (self->worked, &pts);
  g_mutex_unlock (&self->lock);
  return worked;
}

static guint
count_worked (GstCountAsync * self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->worked);
  g_mutex_unlock (&self->lock);
  return n;
}

static void
count_finalize (GObject * object)
{
  GstCountAsync *self = (GstCountAsync *) object;

  g_hash_table_unref (self->worked);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_count_async_parent_class)->finalize (object);
}

static void
gst_count_async_class_init (GstCountAsyncClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = count_finalize;
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &any_template);
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &any_src_template);
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass),
      "Count", "Testing", "Records the frames it works on", "tests");
  GST_ASYNC_TRANSFORM_CLASS (klass)->process = count_process;
}

static void
gst_count_async_init (GstCountAsync * self)
{
  g_mutex_init (&self->lock);
  self->worked = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
      NULL);
}

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

/* Waits up to 30 s for @n threads named @prefix: a thread names itself
 * once it runs, and one that was joined leaves /proc a moment later. */
static guint
wait_threads (const gchar * prefix, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  guint count;

  while ((count = count_threads (prefix)) != n
      && g_get_monotonic_time () < deadline)
    g_usleep (G_TIME_SPAN_MILLISECOND);
  return count;
}

/* --- worker groups ------------------------------------------------------- */

#define N_ELEMENTS 16

/* 16 elements asking for 1 to 4 workers: with one group they share 5
 * threads (4 and one for the src tasks), which run their src tasks too;
 * alone they have 56 (as many and one each). Either way the workers go
 * away with the elements. */
static void
run_sixteen (const gchar * group, guint expect_workers)
{
  GstHarness *h[N_ELEMENTS];
  guint before = count_threads (NULL), i, k;

  fail_unless_equals_int (wait_threads ("asyncworker", 0), 0);
  for (i = 0; i < N_ELEMENTS; i++) {
    h[i] = harness_for (identity_new (1 + i % 4, 100, group));
    gst_harness_play (h[i]);
  }
  fail_unless_equals_int (wait_threads ("asyncworker", expect_workers),
      expect_workers);
  /* (and the group's watcher, made if a task ever waited for a thread) */
  if (group)
    fail_unless (count_threads (NULL) <= before + expect_workers + 1);

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
    /* the group stays while one element is left (a worker running a src
     * task has the task's name a moment: waited for) */
    if (group && i + 1 < N_ELEMENTS)
      fail_unless_equals_int (wait_threads ("asyncworker", expect_workers),
          expect_workers);
  }
  fail_unless_equals_int (wait_threads ("asyncworker", 0), 0);
}

GST_START_TEST (test_worker_group_threads)
{
  run_sixteen ("sixteen", 4 + 1);
}

GST_END_TEST;

GST_START_TEST (test_own_workers_threads)
{
  run_sixteen (NULL, N_ELEMENTS / 4 * (1 + 2 + 3 + 4) + N_ELEMENTS);
}

GST_END_TEST;

/* A sink that never returns, until released. */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint blocked;                /* pushes held */
  gboolean released;
} Gate;

static GstPadProbeReturn
hold_push (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Gate *gate = data;

  g_mutex_lock (&gate->lock);
  gate->blocked++;
  g_cond_broadcast (&gate->cond);
  while (!gate->released)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
  return GST_PAD_PROBE_OK;
}

/* Three streams of a group push into sinks that do not return, and hold
 * the group's two threads (n-workers=1: one for the work, one for the src
 * tasks) and more: the group adds a thread for each push that blocks, so
 * the five other streams keep flowing; released, the three deliver too,
 * and the threads added end once idle (SPARE_IDLE, 1 s). */
GST_START_TEST (test_worker_group_blocked_pushes)
{
  const guint n = 8, n_blocked = 3, frames = async_check_scale (20);
  guint before = count_threads (NULL), i, k;
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  GstHarness *h[8];
  Gate gate;

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  gate.blocked = 0;
  gate.released = FALSE;
  for (i = 0; i < n; i++) {
    h[i] = harness_for (identity_new (1, 2000, "blocked"));
    gst_harness_play (h[i]);
    if (i < n_blocked) {
      GstPad *src = gst_element_get_static_pad (h[i]->element, "src");

      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, hold_push, &gate,
          NULL);
      gst_object_unref (src);
      /* (real work: a worker runs it, the src task pushes it) */
      fail_unless_equals_int (gst_harness_push (h[i], make_frame (0)),
          GST_FLOW_OK);
    }
  }
  g_mutex_lock (&gate.lock);
  while (gate.blocked < n_blocked && g_get_monotonic_time () < deadline)
    g_cond_wait_until (&gate.cond, &gate.lock, deadline);
  fail_unless_equals_int (gate.blocked, n_blocked);
  g_mutex_unlock (&gate.lock);

  for (k = 0; k < frames; k++)
    for (i = n_blocked; i < n; i++)
      fail_unless_equals_int (gst_harness_push (h[i], make_frame (k)),
          GST_FLOW_OK);
  for (k = 0; k < frames; k++)
    for (i = n_blocked; i < n; i++) {
      GstBuffer *buf = gst_harness_pull (h[i]);

      fail_unless (buf != NULL);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), k * 10 * GST_MSECOND);
      gst_buffer_unref (buf);
    }
  /* the two, the watcher, one for each push blocked (and a couple more a
   * loaded machine may ask for: a thread starved of CPU finishes nothing
   * either) */
  fail_unless (count_threads (NULL) <= before + 2 + 1 + n_blocked + 2);

  g_mutex_lock (&gate.lock);
  gate.released = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
  for (i = 0; i < n_blocked; i++) {
    GstBuffer *buf = gst_harness_pull (h[i]);

    fail_unless (buf != NULL);
    gst_buffer_unref (buf);
  }
  /* the threads added end: the group's two and its watcher remain */
  deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  while (count_threads (NULL) > before + 2 + 1
      && g_get_monotonic_time () < deadline)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_int (count_threads (NULL), before + 2 + 1);
  for (i = 0; i < n; i++)
    gst_harness_teardown (h[i]);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

GST_END_TEST;

/* Eight streams of a group prerolling: each sink holds its first push
 * until PLAYING, and so a thread of the group each, more than the group's
 * two (n-workers=1). The group adds threads for the pushes held, so every
 * stream prerolls, plays and ends. */
GST_START_TEST (test_worker_group_prerolls_more_streams_than_threads)
{
  GString *desc = g_string_new (NULL);
  GstElement *pipeline;
  GstMessage *msg;
  GstBus *bus;
  guint i;

  for (i = 0; i < 8; i++)
    g_string_append (desc, "fakesrc num-buffers=5 sizetype=fixed sizemax=16 "
        "! asyncidentity worker-group=preroll n-workers=1 work-time=2000 "
        "! fakesink ");
  pipeline = gst_parse_launch (desc->str, NULL);
  g_string_free (desc, TRUE);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  /* (stopped first: a failure must not leave sinks holding pushes) */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (msg != NULL, "the streams never all prerolled and ended");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
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
 * frames in a row while the other waits. The order is seen where the
 * frames are pushed, by two src tasks that a loaded machine may wake late:
 * so the check is that neither gets more than a few frames ahead of the
 * other (a first-come first-served worker would run all of A's first). */
GST_START_TEST (test_worker_group_takes_turns)
{
  const guint n = async_check_scale (40);
  PushLog log;
  GstHarness *h[2];
  const gchar *order, *first_b;
  guint i, k, end;
  gint ahead;

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
  for (i = 0, ahead = 0; i <= end; i++) {
    ahead += order[i] == 'A' ? 1 : -1;
    fail_unless (ABS (ahead) <= 4, "%s: unfair at %u", order, i);
  }

  for (i = 0; i < 2; i++)
    gst_harness_teardown (h[i]);
  g_string_free (log.order, TRUE);
  g_mutex_clear (&log.lock);
}

GST_END_TEST;

/* --- QoS ----------------------------------------------------------------- */

/* A counting element in a harness, with a bus for its messages. */
typedef struct
{
  GstHarness *h;
  GstCountAsync *count;
  GstBus *bus;
} CountHarness;

static CountHarness
count_harness_new (void)
{
  GstElement *e = g_object_new (gst_count_async_get_type (), "n-workers", 1,
      NULL);
  CountHarness c;

  c.count = (GstCountAsync *) gst_object_ref (e);
  c.bus = gst_bus_new ();
  gst_element_set_bus (e, c.bus);
  c.h = harness_for (e);
  return c;
}

static void
count_harness_free (CountHarness * c)
{
  gst_harness_teardown (c->h);
  gst_element_set_bus (GST_ELEMENT (c->count), NULL);
  gst_object_unref (c->bus);
  gst_object_unref (c->count);
}

/* Pushes frames @from to @to (10 ms each) and pulls what comes out: the
 * PTS of the output as a string, "*" after the PTS of a DISCONT buffer. */
static gchar *
push_and_pull (GstHarness * h, guint from, guint to)
{
  GString *out = g_string_new (NULL);
  GstBuffer *buf;
  guint i;

  for (i = from; i <= to; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  fail_unless (async_check_drain (h->srcpad));
  while ((buf = gst_harness_try_pull (h))) {
    g_string_append_printf (out, "%" G_GUINT64_FORMAT "%s ",
        GST_BUFFER_PTS (buf) / GST_MSECOND,
        GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT) ? "*" : "");
    gst_buffer_unref (buf);
  }
  return g_string_free (out, FALSE);
}

/* A flushing seek back to 0. */
static void
flush_to_new_segment (GstHarness * h)
{
  GstSegment segment;

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

/* Frame 40 ms came 12 ms late: expecting to stay late, the element drops
 * what is before 40 + 2 x 12 + 10 = 74 ms (plus the work) of frames 5 to
 * 10, and marks the first frame after them DISCONT. */
static void
expect_late_frames_dropped (GstHarness * h)
{
  gchar *out;

  fail_unless (gst_harness_push_upstream_event (h,
          gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 0.9, 12 * GST_MSECOND,
              40 * GST_MSECOND)));
  out = push_and_pull (h, 5, 10);
  fail_unless_equals_string (out, "80* 90 100 ");
  g_free (out);
}

/* Downstream says it is late: frames earlier than it can show are dropped
 * before any work, with a QoS message each and a DISCONT on the next
 * buffer. Without the qos property, or after a flush, nothing is. */
GST_START_TEST (test_qos_drops_before_work)
{
  CountHarness c = count_harness_new ();
  GstHarness *h = c.h;
  GstMessage *msg;
  gchar *out;
  guint i;

  out = push_and_pull (h, 0, 4);
  fail_unless_equals_string (out, "0 10 20 30 40 ");
  g_free (out);

  expect_late_frames_dropped (h);
  for (i = 5; i <= 10; i++)
    fail_unless_equals_int (count_worked_on (c.count, i * 10 * GST_MSECOND),
        i >= 8);

  for (i = 5; i <= 7; i++) {
    GstFormat format;
    guint64 processed, dropped;
    GstClockTime running_time, timestamp;
    gint64 jitter;
    gdouble proportion;
    gint quality;

    msg = gst_bus_pop_filtered (c.bus, GST_MESSAGE_QOS);
    fail_unless (msg != NULL);
    fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (c.count));
    gst_message_parse_qos (msg, NULL, &running_time, NULL, &timestamp, NULL);
    gst_message_parse_qos_values (msg, &jitter, &proportion, &quality);
    gst_message_parse_qos_stats (msg, &format, &processed, &dropped);
    fail_unless_equals_uint64 (running_time, i * 10 * GST_MSECOND);
    fail_unless_equals_uint64 (timestamp, i * 10 * GST_MSECOND);
    fail_unless (jitter >= (gint64) (74 - i * 10) * GST_MSECOND);
    fail_unless_equals_float (proportion, 0.9);
    fail_unless_equals_int (format, GST_FORMAT_BUFFERS);
    fail_unless_equals_uint64 (processed, 5);
    fail_unless_equals_uint64 (dropped, i - 4);
    gst_message_unref (msg);
  }
  fail_unless (gst_bus_pop_filtered (c.bus, GST_MESSAGE_QOS) == NULL);
  fail_unless_equals_uint64 (read_stats (h->element).qos, 3);

  /* qos=false: late frames are worked on */
  g_object_set (h->element, "qos", FALSE, NULL);
  fail_unless (gst_harness_push_upstream_event (h,
          gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 0.5, GST_SECOND,
              100 * GST_MSECOND)));
  out = push_and_pull (h, 11, 12);
  fail_unless_equals_string (out, "110 120 ");
  g_free (out);

  /* a flush forgets what QoS said */
  g_object_set (h->element, "qos", TRUE, NULL);
  flush_to_new_segment (h);
  out = push_and_pull (h, 13, 14);
  fail_unless_equals_string (out, "130 140 ");
  g_free (out);
  fail_unless_equals_uint64 (read_stats (h->element).qos, 3);
  fail_unless (gst_bus_pop_filtered (c.bus, GST_MESSAGE_QOS) == NULL);

  count_harness_free (&c);
}

GST_END_TEST;

static void
slow_render (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  g_usleep (40 * 1000);
}

/* Runs @desc, with an element named "e", until EOS; a sink named "slow"
 * takes 40 ms a frame. Returns the running times of the frames "e" said,
 * in QoS messages, it dropped, and the stats of a sink named "sink" in
 * @sink_stats if not NULL. */
static GArray *
run_pipeline (const gchar * desc, GstElement ** e, GstStructure ** sink_stats)
{
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstElement *slow = gst_bin_get_by_name (GST_BIN (pipeline), "slow");
  GArray *dropped = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  gboolean done = FALSE;


  *e = gst_bin_get_by_name (GST_BIN (pipeline), "e");
  if (slow) {
    g_signal_connect (slow, "handoff", G_CALLBACK (slow_render), NULL);
    gst_object_unref (slow);
  }
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, 60 * GST_SECOND);

    fail_unless (msg != NULL, "%s: no EOS", desc);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      case GST_MESSAGE_ERROR:
        fail ("%s: error %" GST_PTR_FORMAT, desc, msg);
        break;
      case GST_MESSAGE_LATENCY:
        gst_bin_recalculate_latency (GST_BIN (pipeline));
        break;
      case GST_MESSAGE_QOS:
        if (GST_MESSAGE_SRC (msg) == GST_OBJECT (*e)) {
          GstClockTime running_time;

          gst_message_parse_qos (msg, NULL, &running_time, NULL, NULL, NULL);
          g_array_append_val (dropped, running_time);
        }
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }
  if (sink_stats) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");

    g_object_get (sink, "stats", sink_stats, NULL);
    gst_object_unref (sink);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return dropped;
}

/* A live source at 50 fps and a sink that needs 40 ms a frame: the element
 * drops late frames (with qos), never one it worked on, and every frame is
 * either worked on and pushed or dropped by QoS. */
static void
run_slow_sink (gboolean qos)
{
  /* not fewer under valgrind: the sink falls behind by 20 ms a frame, and
   * only a long enough stream gets later than the latency the element
   * measured there (20 frames were not always) */
  const guint n = 50;
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true num-buffers=%u "
      "! video/x-raw,width=64,height=48,framerate=50/1 "
      "! countasync name=e n-workers=2 qos=%d "
      "! fakesink name=slow sync=true qos=true signal-handoffs=true", n, qos);
  GstElement *e;
  GArray *dropped;
  Stats st;
  guint i;

  dropped = run_pipeline (desc, &e, NULL);
  st = read_stats (e);
  GST_INFO ("qos=%d: %u frames, %" G_GUINT64_FORMAT " out, %" G_GUINT64_FORMAT
      " dropped by qos", qos, n, st.out, st.qos);
  fail_unless_equals_uint64 (st.in, n);
  fail_unless_equals_uint64 (st.qos, dropped->len);
  fail_unless_equals_uint64 (st.out + st.qos, n);
  fail_unless_equals_int (count_worked ((GstCountAsync *) e), st.out);
  for (i = 0; i < dropped->len; i++)
    fail_if (count_worked_on ((GstCountAsync *) e,
            g_array_index (dropped, GstClockTime, i)),
        "frame at %" GST_TIME_FORMAT " dropped after work",
        GST_TIME_ARGS (g_array_index (dropped, GstClockTime, i)));
  if (qos)
    fail_unless (st.qos > 0);
  else
    fail_unless_equals_uint64 (st.qos, 0);

  g_array_unref (dropped);
  gst_object_unref (e);
  g_free (desc);
}

GST_START_TEST (test_qos_live_slow_sink)
{
  run_slow_sink (TRUE);
}

GST_END_TEST;

GST_START_TEST (test_qos_off_live_slow_sink)
{
  run_slow_sink (FALSE);
}

GST_END_TEST;

/* A file played at its own pace, with a syncing sink that sends QoS:
 * nothing is late, and nothing is dropped. */
GST_START_TEST (test_qos_never_in_file_pipeline)
{
  const guint n = async_check_scale (30), frame_size = 64 * 48;
  gchar *path = g_build_filename (g_get_tmp_dir (), "realtime-XXXXXX.gray",
      NULL);
  gchar *data = g_malloc0 (n * frame_size), *desc;
  GstElement *e;
  GArray *dropped;
  Stats st;
  gint fd;

  fd = g_mkstemp (path);
  fail_unless (fd >= 0);
  close (fd);
  fail_unless (g_file_set_contents (path, data, n * frame_size, NULL));
  desc = g_strdup_printf ("filesrc location=%s ! rawvideoparse width=64 "
      "height=48 format=gray8 framerate=30/1 ! countasync name=e n-workers=2 "
      "! fakesink sync=true qos=true", path);

  dropped = run_pipeline (desc, &e, NULL);
  st = read_stats (e);
  fail_unless_equals_int (dropped->len, 0);
  fail_unless_equals_uint64 (st.qos, 0);
  fail_unless_equals_uint64 (st.out, n);
  fail_unless_equals_int (count_worked ((GstCountAsync *) e), n);

  g_array_unref (dropped);
  gst_object_unref (e);
  g_unlink (path);
  g_free (path);
  g_free (data);
  g_free (desc);
}

GST_END_TEST;

/* After a seek, QoS applies to the new running times at once, even when a
 * latency change had made QoS about the old ones stale. */
GST_START_TEST (test_qos_after_seek)
{
  CountHarness c = count_harness_new ();

  g_free (push_and_pull (c.h, 0, 99));
  /* the latency changes from 0 to what was measured */
  gst_harness_query_latency (c.h);
  flush_to_new_segment (c.h);
  expect_late_frames_dropped (c.h);

  count_harness_free (&c);
}

GST_END_TEST;

/* --- latency ------------------------------------------------------------- */

static gboolean
latency_message_posted (GstBus * bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY);
  gboolean posted = msg != NULL;

  gst_clear_message (&msg);
  return posted;
}

static void
push_pull_one (GstHarness * h, guint i)
{
  fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (h));
}

/* With latency=-1 the element reports what it measured; a frame that takes
 * longer posts one latency message, until the pipeline asks again. An
 * explicit latency is reported as it is. */
GST_START_TEST (test_latency_follows_work)
{
  GstHarness *h = harness_for (identity_new (2, 20000, NULL));
  GstBus *bus = gst_bus_new ();
  GstClockTime latency;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);

  /* nothing measured: only upstream's */
  fail_unless_equals_uint64 (gst_harness_query_latency (h), 10 * GST_MSECOND);

  g_object_set (h->element, "latency", (gint64) 5 * GST_MSECOND, NULL);
  fail_unless (latency_message_posted (bus));
  fail_unless_equals_uint64 (gst_harness_query_latency (h), 15 * GST_MSECOND);
  push_pull_one (h, 0);
  fail_if (latency_message_posted (bus));

  /* measured: 20 ms of work and a quarter more, at least */
  g_object_set (h->element, "latency", (gint64) - 1, NULL);
  fail_unless (latency_message_posted (bus));
  latency = gst_harness_query_latency (h);
  fail_unless (latency >= 10 * GST_MSECOND + 25 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (latency));

  /* Longer frames: one message, then none until the pipeline asked. */
  g_object_set (h->element, "work-time", 80000, NULL);
  push_pull_one (h, 1);
  fail_unless (latency_message_posted (bus));
  push_pull_one (h, 2);
  fail_if (latency_message_posted (bus));
  latency = gst_harness_query_latency (h);
  fail_unless (latency >= 10 * GST_MSECOND + 100 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (latency));
  {
    GstStructure *st;
    guint64 ours;

    g_object_get (h->element, "stats", &st, NULL);
    fail_unless (gst_structure_get_uint64 (st, "latency", &ours));
    fail_unless_equals_uint64 (ours + 10 * GST_MSECOND, latency);
    gst_structure_free (st);
  }

  /* Frames within it post nothing. */
  g_object_set (h->element, "work-time", 20000, NULL);
  push_pull_one (h, 3);
  push_pull_one (h, 4);
  fail_if (latency_message_posted (bus));

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Holds every buffer it sees for 200 ms, as a syncing sink holds a push
 * until the frame is due. */
static GstPadProbeReturn
hold_200ms (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_usleep (200 * 1000);
  return GST_PAD_PROBE_OK;
}

/* Cheap work done by the src task waits behind pushes that downstream
 * holds (a syncing sink holds them for the very latency reported): that
 * wait is downstream's, not the element's, or its latency would feed back
 * into itself and grow without end. With pushes held for 200 ms, the
 * latency stays at what the work costs. */
GST_START_TEST (test_latency_ignores_downstream_wait)
{
  GstHarness *h = harness_for (identity_new (2, 0, NULL));
  GstClockTime latency;
  guint i;

  gst_harness_set_upstream_latency (h, 0);
  /* cheap frames: the src task learns to run them itself */
  for (i = 0; i < 50; i++)
    push_pull_one (h, i);
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER, hold_200ms, NULL,
      NULL);
  for (i = 50; i < 54; i++)
    fail_unless_equals_int (gst_harness_push (h, make_frame (i)), GST_FLOW_OK);
  fail_unless (async_check_drain (h->srcpad));
  latency = gst_harness_query_latency (h);
  GST_INFO ("cheap work: latency %" GST_TIME_FORMAT, GST_TIME_ARGS (latency));
  fail_unless (latency < 100 * GST_MSECOND, "latency %" GST_TIME_FORMAT,
      GST_TIME_ARGS (latency));
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The pipeline: live 30 fps, 40 ms of work per frame. Sequential
 * work cannot keep up, so frames come late to the sink or are dropped;
 * with 4 workers and the measured latency none is, but for the first
 * frame, which comes before anything was measured. Returns the frames
 * late or dropped. */
static guint
run_live_30fps (guint n_workers, guint n)
{
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true num-buffers=%u "
      "! video/x-raw,width=64,height=48,framerate=30/1 "
      "! asyncidentity name=e work-time=40000 n-workers=%u "
      "! fakesink name=sink sync=true qos=true max-lateness=20000000", n,
      n_workers);
  GstElement *e;
  GstStructure *sink_stats;
  guint64 rendered, late;
  GArray *dropped;
  Stats st;

  dropped = run_pipeline (desc, &e, &sink_stats);
  st = read_stats (e);
  fail_unless (gst_structure_get_uint64 (sink_stats, "rendered", &rendered));
  fail_unless (gst_structure_get_uint64 (sink_stats, "dropped", &late));
  GST_INFO ("%u workers: %u frames, %" G_GUINT64_FORMAT " rendered, %"
      G_GUINT64_FORMAT " late (dropped by the sink), %" G_GUINT64_FORMAT
      " dropped by qos", n_workers, n, rendered, late, st.qos);
  fail_unless_equals_uint64 (st.in, n);
  fail_unless_equals_uint64 (rendered + late + st.qos, n);
  fail_unless_equals_int (dropped->len, st.qos);

  gst_structure_free (sink_stats);
  g_array_unref (dropped);
  gst_object_unref (e);
  g_free (desc);
  return late + st.qos;
}

GST_START_TEST (test_live_keeps_up)
{
  const guint n = MAX (async_check_scale (60), 30);

  fail_unless (run_live_30fps (4, n) <= 1);
  fail_unless (run_live_30fps (1, n) >= n / 10);
}

GST_END_TEST;

static Suite *
realtime_suite (void)
{
  Suite *s = suite_create ("realtime");
  TCase *tc;

  gst_element_register (NULL, "countasync", GST_RANK_NONE,
      gst_count_async_get_type ());

  tc = tcase_create ("worker groups");
  tcase_add_test (tc, test_worker_group_threads);
  tcase_add_test (tc, test_own_workers_threads);
  tcase_add_test (tc, test_worker_group_takes_turns);
  tcase_add_test (tc, test_worker_group_blocked_pushes);
  tcase_add_test (tc, test_worker_group_prerolls_more_streams_than_threads);
  suite_add_tcase (s, tc);

  tc = tcase_create ("qos");
  tcase_add_test (tc, test_qos_drops_before_work);
  tcase_add_test (tc, test_qos_live_slow_sink);
  tcase_add_test (tc, test_qos_off_live_slow_sink);
  tcase_add_test (tc, test_qos_never_in_file_pipeline);
  tcase_add_test (tc, test_qos_after_seek);
  suite_add_tcase (s, tc);

  tc = tcase_create ("latency");
  tcase_add_test (tc, test_latency_follows_work);
  tcase_add_test (tc, test_latency_ignores_downstream_wait);
  tcase_add_test (tc, test_live_keeps_up);
  suite_add_tcase (s, tc);

  return s;
}

GST_CHECK_MAIN (realtime);
