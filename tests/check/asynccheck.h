/* Shared by the test programs: loop counts that shrink under valgrind, which
 * runs every thread on one core and many times slower (the valgrind test
 * setup sets GST_ASYNC_TEST_VALGRIND), the stats property checked, and
 * streams of numbered frames pushed through a harness. */

#ifndef __ASYNC_CHECK_H__
#define __ASYNC_CHECK_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

static inline gboolean
async_check_under_valgrind (void)
{
  return g_getenv ("GST_ASYNC_TEST_VALGRIND") != NULL;
}

static inline guint
async_check_scale (guint n)
{
  return async_check_under_valgrind ()? MAX (n / 10, 2) : n;
}

/* Sends a drain query from @pad (the pad linked to the element's sink
 * pad): it returns once everything pushed before has left the element.
 * Returns what the query returned (FALSE when flushing or after an
 * error). */
static inline gboolean
async_check_drain (GstPad * pad)
{
  GstQuery *query = gst_query_new_drain ();
  gboolean ok = gst_pad_peer_query (pad, query);

  gst_query_unref (query);
  return ok;
}

/* Reads the stats property, checks that its counters add up, and returns
 * the counters the tests look at. */
typedef struct
{
  guint64 in, out, processed, leaky, qos, errors, other;
  guint64 calls, calls_shared;
  guint in_flight, in_flight_max, window;
  GstClockTime process_min, process_mean, process_max;
  GstClockTime through_mean, through_max;
} Stats;

static inline Stats
read_stats (GstElement * e)
{
  GstStructure *st = NULL;
  Stats x;

  g_object_get (e, "stats", &st, NULL);
  fail_unless (st != NULL);
  fail_unless (gst_structure_get (st, "frames-in", G_TYPE_UINT64, &x.in,
          "frames-out", G_TYPE_UINT64, &x.out,
          "frames-processed", G_TYPE_UINT64, &x.processed,
          "process-calls", G_TYPE_UINT64, &x.calls,
          "process-calls-shared", G_TYPE_UINT64, &x.calls_shared,
          "dropped-leaky", G_TYPE_UINT64, &x.leaky,
          "dropped-qos", G_TYPE_UINT64, &x.qos,
          "dropped-errors", G_TYPE_UINT64, &x.errors,
          "dropped-other", G_TYPE_UINT64, &x.other,
          "in-flight", G_TYPE_UINT, &x.in_flight,
          "in-flight-max", G_TYPE_UINT, &x.in_flight_max,
          "window", G_TYPE_UINT, &x.window,
          "process-time-min", G_TYPE_UINT64, &x.process_min,
          "process-time-mean", G_TYPE_UINT64, &x.process_mean,
          "process-time-max", G_TYPE_UINT64, &x.process_max,
          "time-through-mean", G_TYPE_UINT64, &x.through_mean,
          "time-through-max", G_TYPE_UINT64, &x.through_max, NULL));
  gst_structure_free (st);

  fail_unless_equals_uint64 (x.in,
      x.out + x.leaky + x.qos + x.errors + x.other + x.in_flight);
  fail_unless (x.in_flight <= x.in_flight_max);
  fail_unless (x.calls_shared <= x.calls);
  if (GST_CLOCK_TIME_IS_VALID (x.process_mean))
    fail_unless (x.process_min <= x.process_mean
        && x.process_mean <= x.process_max);
  if (GST_CLOCK_TIME_IS_VALID (x.through_mean))
    fail_unless (x.through_mean <= x.through_max);
  return x;
}

/* Makes frame @i of a test's stream. */
typedef GstBuffer *(*AsyncCheckFrameFunc) (guint i);

/* Pushes frames @from to @to - 1, each answered OK. */
static inline void
async_check_push_frames (GstHarness * h, AsyncCheckFrameFunc make,
    guint from, guint to)
{
  guint i;

  for (i = from; i < to; i++)
    fail_unless_equals_int (gst_harness_push (h, make (i)), GST_FLOW_OK);
}

/* Pushes frames from 0 until one is refused with GST_FLOW_ERROR. By then
 * the element's error message is on @bus (upstream gets the error flow
 * only once it is out), and @before frames have left; later pushes are
 * refused too. Returns the message. */
static inline GstMessage *
async_check_push_until_error (GstHarness * h, GstBus * bus,
    AsyncCheckFrameFunc make, guint before)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstMessage *msg;
  guint i;

  for (i = 0; i < 100000 && ret == GST_FLOW_OK; i++)
    ret = gst_harness_push (h, make (i));
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "the error flow came before the error message");
  fail_unless_equals_int (gst_harness_buffers_received (h), before);
  fail_unless_equals_int (gst_harness_push (h, make (i)), GST_FLOW_ERROR);
  return msg;
}

#endif /* __ASYNC_CHECK_H__ */
