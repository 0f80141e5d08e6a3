/* Shared by the benchmarks: the median of a set of measures, and how long
 * a pipeline takes to play to its end. */

#ifndef __BENCH_STATS_H__
#define __BENCH_STATS_H__

#include <gst/gst.h>
#include <stdlib.h>

static inline gint
bench_compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* The median of @n values (sorted in place: lowest first, highest last,
 * for the spread). */
static inline gdouble
median (gdouble * values, guint n)
{
  qsort (values, n, sizeof (gdouble), bench_compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Prerolls @pipeline, then plays it to EOS: the seconds that took (exits
 * on an error, named by @desc). Leaves it in NULL. */
static inline gdouble
bench_play_seconds (GstElement * pipeline, const gchar * desc)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gint64 start;
  gdouble seconds;

  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE);
  start = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_printerr ("%s: error\n", desc);
    exit (1);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return seconds;
}

#endif /* __BENCH_STATS_H__ */
