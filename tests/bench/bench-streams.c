/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * bench-streams.c: many live streams in one process
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

/* N live 320x240 30 fps streams in one pipeline, one process, each
 *   videotestsrc is-live=true pattern=black ! ELEMENT ! fakesink sync=false
 * for each ELEMENT in turn, round after round (interleaved):
 *   identity, queue                        the stock references
 *   asyncidentity                          own workers and src task each
 *   asyncidentity worker-group=streams     one group for all
 * (with --busy, 1 ms of computing per frame in the asyncidentity ones,
 * and no stock reference: nothing stock computes per frame).
 *
 * After a warm-up, over a measured window it reports: the threads of the
 * process (the most seen), CPU (all threads, in cores), its ratio to
 * identity's in the same round, the resident memory, frames out per
 * stream (mean, and the farthest stream from the mean, in %), frames
 * late (more than a frame time, 33 ms, through the element), dropped
 * frames (in and not out, beyond those inside at the end), and the time
 * through the element (entering its sink pad to leaving its src pad):
 * the median over streams of each stream's 99th percentile, and the
 * worst stream's.
 *
 * One line per element and round, then a summary per element (median of
 * the rounds, and their spread). With $BENCH_RESULTS set, result lines
 * go there too (tests/bench/report section 8).
 *
 * Usage: bench-streams [--streams N] [--seconds S] [--warmup S]
 *            [--rounds R] [--busy] [--only NAME]
 *   (GST_PLUGIN_PATH=build/gst/async) */

#include <gst/gst.h>
#include <string.h>
#include <sys/resource.h>

#include "benchstats.h"

#define FPS 30
#define RING 64                 /* frames a stream may have inside at once,
                                 * for the through times */
#define LATE (GST_SECOND / FPS)

typedef struct
{
  GstClockTime entered[RING];   /* monotonic ns, by frame number */
  GArray *through;              /* GstClockTime, frames out in the window */
  guint64 in, out;              /* in the window */
  guint late;
} Stream;

typedef struct
{
  Stream *streams;
  guint n;
  gint measuring;               /* atomic */
} Bench;

typedef struct
{
  const gchar *name;
  const gchar *element;         /* launch description of the element */
} Variant;

static const Variant cheap_variants[] = {
  {"identity", "identity"},
  {"queue", "queue"},
  {"async-own", "asyncidentity"},
  {"async-group", "asyncidentity worker-group=streams"},
};

static const Variant busy_variants[] = {
  {"async-own", "asyncidentity work-mode=busy work-time=1000"},
  {"async-group",
      "asyncidentity work-mode=busy work-time=1000 worker-group=streams"},
};

typedef struct
{
  guint threads;
  gdouble cpu;                  /* cores */
  gdouble rss_mb;
  gdouble out_mean, out_spread; /* frames per stream, % farthest */
  guint64 late, dropped;
  gdouble p99_median_ms, p99_worst_ms;
} Figures;

static guint
frame_number (GstBuffer * buf)
{
  return (guint) (GST_BUFFER_PTS (buf) * FPS / GST_SECOND);
}

static GstPadProbeReturn
on_enter (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Stream *s = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  s->entered[frame_number (buf) % RING] = g_get_monotonic_time () * 1000;
  s->in++;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_leave (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Stream *s = data;
  Bench *b = g_object_get_data (G_OBJECT (pad), "bench");
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime through = g_get_monotonic_time () * 1000 -
      s->entered[frame_number (buf) % RING];

  s->out++;
  if (g_atomic_int_get (&b->measuring)) {
    g_array_append_val (s->through, through);
    if (through > LATE)
      s->late++;
  }
  return GST_PAD_PROBE_OK;
}

static guint
count_threads (void)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  if (dir)
    g_dir_close (dir);
  return n;
}

static gdouble
rss_mb (void)
{
  gchar *status = NULL, *line;
  gdouble kb = 0;

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      && (line = strstr (status, "VmRSS:")))
    kb = g_ascii_strtod (line + strlen ("VmRSS:"), NULL);
  g_free (status);
  return kb / 1024;
}

static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static gint
compare_times (gconstpointer a, gconstpointer b)
{
  GstClockTime x = *(const GstClockTime *) a, y = *(const GstClockTime *) b;

  return x < y ? -1 : x > y;
}

/* The frames the async elements e0 to e@n - 1 dropped so far. */
static guint64
count_dropped (GstElement * pipeline, guint n)
{
  guint64 dropped = 0;
  guint i;

  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("e%u", i);
    GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
    GstStructure *st;
    guint64 d[4];

    g_object_get (e, "stats", &st, NULL);
    gst_structure_get (st, "dropped-leaky", G_TYPE_UINT64, &d[0],
        "dropped-qos", G_TYPE_UINT64, &d[1], "dropped-errors",
        G_TYPE_UINT64, &d[2], "dropped-other", G_TYPE_UINT64, &d[3], NULL);
    dropped += d[0] + d[1] + d[2] + d[3];
    gst_structure_free (st);
    gst_object_unref (e);
    g_free (name);
  }
  return dropped;
}

/* Counts the window: the counters restart, the through times are kept
 * from now on. */
static void
start_window (Bench * b)
{
  guint i;

  for (i = 0; i < b->n; i++) {
    b->streams[i].in = b->streams[i].out = 0;
    b->streams[i].late = 0;
    g_array_set_size (b->streams[i].through, 0);
  }
  g_atomic_int_set (&b->measuring, TRUE);
}

/* Waits @seconds with the bus watched; FALSE on an error. Samples the
 * thread count each 100 ms into @threads (the most seen). */
static gboolean
run_for (GstElement * pipeline, gdouble seconds, guint * threads)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  gboolean ok = TRUE;

  while (ok && g_get_monotonic_time () < end) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ERROR);

    if (msg) {
      GError *err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      g_printerr ("error: %s\n", err->message);
      g_clear_error (&err);
      gst_message_unref (msg);
      ok = FALSE;
    }
    if (threads)
      *threads = MAX (*threads, count_threads ());
  }
  gst_object_unref (bus);
  return ok;
}

static gboolean
measure (const Variant * v, guint n, gdouble warmup, gdouble seconds,
    Figures * f)
{
  GString *desc = g_string_new (NULL);
  GstElement *pipeline;
  GError *err = NULL;
  Bench b = { g_new0 (Stream, n), n, FALSE };
  gdouble cpu0, *p99 = g_new (gdouble, n), sum = 0;
  gint64 t0;
  guint i;
  gboolean ok;
  guint64 dropped_before = 0;

  for (i = 0; i < n; i++)
    g_string_append_printf (desc, "videotestsrc is-live=true pattern=black "
        "! video/x-raw,format=I420,width=320,height=240,framerate=%d/1 "
        "! %s name=e%u ! fakesink sync=false async=false ", FPS, v->element, i);
  pipeline = gst_parse_launch (desc->str, &err);
  g_string_free (desc, TRUE);
  if (pipeline == NULL) {
    g_printerr ("%s: %s\n", v->name, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("e%u", i);
    GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
    GstPad *sink = gst_element_get_static_pad (e, "sink");
    GstPad *src = gst_element_get_static_pad (e, "src");

    b.streams[i].through = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
    g_object_set_data (G_OBJECT (src), "bench", &b);
    gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, on_enter,
        &b.streams[i], NULL);
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_leave,
        &b.streams[i], NULL);
    gst_object_unref (sink);
    gst_object_unref (src);
    gst_object_unref (e);
    g_free (name);
  }

  memset (f, 0, sizeof (*f));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  ok = run_for (pipeline, warmup, NULL);
  start_window (&b);
  if (g_str_has_prefix (v->element, "async"))
    dropped_before = count_dropped (pipeline, n);
  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  ok = ok && run_for (pipeline, seconds, &f->threads);
  f->cpu = (cpu_seconds () - cpu0) / ((g_get_monotonic_time () - t0) / 1e6);
  g_atomic_int_set (&b.measuring, FALSE);
  f->rss_mb = rss_mb ();

  {
    guint64 in = 0, out = 0, inside = 0;
    gdouble far = 0;

    for (i = 0; i < n; i++) {
      in += b.streams[i].in;
      out += b.streams[i].out;
      f->late += b.streams[i].late;
      sum += b.streams[i].out;
    }
    f->out_mean = sum / n;
    for (i = 0; i < n; i++)
      far = MAX (far, ABS (b.streams[i].out - f->out_mean));
    f->out_spread = f->out_mean > 0 ? 100 * far / f->out_mean : 0;
    /* (frames inside at the end of the window are not dropped: at most a
     * window each, counted by the element's stats where it has them) */
    if (g_str_has_prefix (v->element, "async")) {
      f->dropped = count_dropped (pipeline, n) - dropped_before;
    } else {
      inside = in > out ? in - out : 0;
      f->dropped = inside > (guint64) n *2 ? inside - n * 2 : 0;
    }
  }
  for (i = 0; i < n; i++) {
    GArray *t = b.streams[i].through;

    g_array_sort (t, compare_times);
    p99[i] = t->len ? g_array_index (t, GstClockTime,
        MIN (t->len - 1, t->len * 99 / 100)) / 1e6 : 0;
    f->p99_worst_ms = MAX (f->p99_worst_ms, p99[i]);
  }
  f->p99_median_ms = median (p99, n);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  for (i = 0; i < n; i++)
    g_array_unref (b.streams[i].through);
  g_free (b.streams);
  g_free (p99);
  return ok;
}

static void
print_figures (const gchar * what, const Figures * f, gdouble cpu_ratio)
{
  g_print ("%-28s threads %5u  cpu %5.2f cores (x%4.2f identity)  rss %6.1f MB"
      "  out/stream %6.1f (far %4.1f%%)  late %6" G_GUINT64_FORMAT
      "  dropped %6" G_GUINT64_FORMAT "  p99 %6.2f ms (worst %7.2f)\n",
      what, f->threads, f->cpu, cpu_ratio, f->rss_mb, f->out_mean,
      f->out_spread, f->late, f->dropped, f->p99_median_ms, f->p99_worst_ms);
}

int
main (int argc, char **argv)
{
  gint streams = 100, rounds = 3;
  gdouble seconds = 10, warmup = 3;
  gboolean busy = FALSE;
  gchar *only = NULL;
  GOptionEntry entries[] = {
    {"streams", 0, 0, G_OPTION_ARG_INT, &streams, "Streams", "N"},
    {"seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Measured window", "S"},
    {"warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "Warm-up", "S"},
    {"rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds", "R"},
    {"busy", 0, 0, G_OPTION_ARG_NONE, &busy, "1 ms busy work", NULL},
    {"only", 0, 0, G_OPTION_ARG_STRING, &only, "One variant", "NAME"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- many live streams");
  const Variant *variants = busy ? busy_variants : cheap_variants;
  guint n_variants, i, r;
  Figures *all;
  GError *err = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  variants = busy ? busy_variants : cheap_variants;
  n_variants = busy ? G_N_ELEMENTS (busy_variants) :
      G_N_ELEMENTS (cheap_variants);
  all = g_new0 (Figures, n_variants * rounds);

  g_print ("# %d live 320x240 %d fps streams, %s work, %.0f s measured "
      "after %.0f s, %d rounds\n", streams, FPS, busy ? "1 ms busy" : "no",
      seconds, warmup, rounds);
  for (r = 0; r < (guint) rounds; r++) {
    gdouble identity_cpu = 0;

    for (i = 0; i < n_variants; i++) {
      Figures *f = &all[r * n_variants + i];
      gchar *what;

      if (only && strcmp (only, variants[i].name) != 0)
        continue;
      if (!measure (&variants[i], streams, warmup, seconds, f))
        return 1;
      if (strcmp (variants[i].name, "identity") == 0)
        identity_cpu = f->cpu;
      what = g_strdup_printf ("round %u %s", r + 1, variants[i].name);
      print_figures (what, f, identity_cpu > 0 ? f->cpu / identity_cpu : 0);
      g_free (what);
    }
  }

  g_print ("# median of %d rounds (spread lowest-highest)\n", rounds);
  for (i = 0; i < n_variants; i++) {
    gdouble cpu[64], ratio[64], thr[64], rss[64], p99[64], far[64];
    gdouble lo = G_MAXDOUBLE, hi = 0;

    if (only && strcmp (only, variants[i].name) != 0)
      continue;
    for (r = 0; r < (guint) rounds && r < 64; r++) {
      Figures *f = &all[r * n_variants + i];
      Figures *id = busy ? NULL : &all[r * n_variants];

      cpu[r] = f->cpu;
      ratio[r] = id && id->cpu > 0 ? f->cpu / id->cpu : 0;
      lo = MIN (lo, ratio[r]);
      hi = MAX (hi, ratio[r]);
      thr[r] = f->threads;
      rss[r] = f->rss_mb;
      p99[r] = f->p99_median_ms;
      far[r] = f->out_spread;
    }
    g_print ("%-12s threads %4.0f  cpu %5.2f cores  x%4.2f identity "
        "(%4.2f-%4.2f)  rss %6.1f MB  p99 %6.2f ms  far %4.1f%%\n",
        variants[i].name, median (thr, rounds), median (cpu, rounds),
        median (ratio, rounds), lo == G_MAXDOUBLE ? 0 : lo, hi,
        median (rss, rounds), median (p99, rounds), median (far, rounds));
    bench_result ("section=streams\tstreams=%d\twork=%s\tname=%s"
        "\tthreads=%.0f\tcpu=%.3f\tcpu_ratio=%.3f\tcpu_ratio_lo=%.3f"
        "\tcpu_ratio_hi=%.3f\trss_mb=%.1f\tp99_ms=%.2f\tfar_pct=%.1f",
        streams, busy ? "busy" : "cheap", variants[i].name,
        median (thr, rounds), median (cpu, rounds), median (ratio, rounds),
        lo == G_MAXDOUBLE ? 0 : lo, hi, median (rss, rounds),
        median (p99, rounds), median (far, rounds));
  }
  g_free (all);
  g_free (only);
  return 0;
}
