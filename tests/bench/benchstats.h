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

/* The pipeline @desc describes; exits when it names an element that is
 * not there (set GST_PLUGIN_PATH to the build). */
static inline GstElement *
bench_parse (const gchar * desc)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch_full (desc, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);

  if (pipeline == NULL) {
    g_printerr ("%s: %s\n", desc, err->message);
    exit (1);
  }
  return pipeline;
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

/* One message of @pipeline's bus (transfer full): an error exits (the
 * pipeline named by @desc), a latency message makes the pipeline ask
 * again, as gst-launch-1.0 does. Returns whether it was EOS. */
static inline gboolean
bench_handle_message (GstElement * pipeline, GstMessage * msg,
    const gchar * desc)
{
  gboolean eos = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      g_printerr ("%s: error\n", desc);
      exit (1);
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (pipeline));
      break;
    default:
      break;
  }
  gst_message_unref (msg);
  return eos;
}

/* The minimum latency a latency query on @element (or on its src pad,
 * with @pad_name) finds, ns. */
static inline GstClockTime
bench_query_min_latency (GstElement * element, const gchar * pad_name)
{
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min = GST_CLOCK_TIME_NONE;
  gboolean answered;

  if (pad_name) {
    GstPad *pad = gst_element_get_static_pad (element, pad_name);

    answered = gst_pad_query (pad, query);
    gst_object_unref (pad);
  } else {
    answered = gst_element_query (element, query);
  }
  if (answered)
    gst_query_parse_latency (query, NULL, &min, NULL);
  gst_query_unref (query);
  return min;
}

/* Plays @pipeline to EOS as a live application does: it recalculates
 * the latency when an element asks (gst-launch-1.0 does too). Exits on an
 * error, named by @desc. Leaves it in PLAYING. */
static inline void
bench_play_live (GstElement * pipeline, const gchar * desc)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean eos = FALSE;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!eos)
    eos = bench_handle_message (pipeline, gst_bus_timed_pop (bus,
            GST_CLOCK_TIME_NONE), desc);
  gst_object_unref (bus);
}

/* Frames per second once a stream runs, from a run of @n frames that
 * took @seconds and a shorter one of @m frames that took @m_seconds: the
 * rate of the frames the longer run adds. Both preroll and start alike
 * (start-up, the frames that fill a window while the pipeline prerolls,
 * a first call or batch that takes what is there), so the difference
 * leaves that out. With too few frames beyond the start (--tiny) the
 * difference is noise, and can be negative: the plain rate then, which
 * at least is a rate. */
static inline gdouble
bench_steady_rate (guint n, gdouble seconds, guint m, gdouble m_seconds)
{
  if (seconds - m_seconds < seconds / 10)
    return n / seconds;
  return (n - m) / (seconds - m_seconds);
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

/* Whether the command line names @name, or names no section at all (the
 * arguments that start with "--" are not sections). */
static inline gboolean
bench_wants_section (gint argc, gchar ** argv, const gchar * name)
{
  gboolean any = FALSE;
  gint i;

  for (i = 1; i < argc; i++) {
    if (g_str_has_prefix (argv[i], "--"))
      continue;
    if (g_str_equal (argv[i], name))
      return TRUE;
    any = TRUE;
  }
  return !any;
}

#endif /* __BENCH_STATS_H__ */
