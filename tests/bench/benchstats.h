/* Shared by the benchmarks: the median of a set of measures, how long a
 * pipeline takes to play to its end, and the machine-readable result lines
 * that tests/bench/report reads. */

#ifndef __BENCH_STATS_H__
#define __BENCH_STATS_H__

#include <gst/gst.h>
#include <stdarg.h>
#include <stdio.h>
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

/* Appends one result to the file $BENCH_RESULTS names: "RESULT", then
 * tab-separated key=value fields (@format gives them, e.g.
 * "section=live\tname=%s\tfps=%.1f"). Nothing when it is unset, so that
 * the printed tables stay as people read them. Opened per line: the
 * programs of a run append to the same file in turn. */
static inline void
bench_result (const gchar * format, ...)
G_GNUC_PRINTF (1, 2);

     static inline void bench_result (const gchar * format, ...)
{
  const gchar *path = g_getenv ("BENCH_RESULTS");
  va_list args;
  FILE *file;

  if (path == NULL || *path == '\0')
    return;
  file = fopen (path, "a");
  if (file == NULL) {
    g_printerr ("cannot append to %s\n", path);
    exit (1);
  }
  fputs ("RESULT\t", file);
  va_start (args, format);
  vfprintf (file, format, args);
  va_end (args);
  fputc ('\n', file);
  fclose (file);
}

/* The size of a run: 2 full, 1 --quick (a developer's check), 0 --tiny
 * (the report machinery's own test: seconds, numbers meaningless). */
static inline gint
bench_scale (int argc, char **argv)
{
  if (argc > 1 && g_str_equal (argv[1], "--tiny"))
    return 0;
  if (argc > 1 && g_str_equal (argv[1], "--quick"))
    return 1;
  return 2;
}

/* @tiny, @quick or @full, as @scale (bench_scale ()) says. */
static inline guint
bench_pick (gint scale, guint tiny, guint quick, guint full)
{
  return scale == 0 ? tiny : scale == 1 ? quick : full;
}

#endif /* __BENCH_STATS_H__ */
