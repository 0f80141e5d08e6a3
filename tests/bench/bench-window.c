/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * bench-window.c: the automatic window for waiting work against fixed
 * windows, in-process: frames/s and the time through, a service whose
 * capacity changes mid-stream, and a latency budget in a live pipeline.
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

/* The service: asyncidentity work-mode=pending work-time=20000
 * n-workers=1, 20 ms a frame finished by a timer, holding no worker; with
 * service-capacity=C it serves C frames at once and queues the rest. Every
 * run reads the element's stats every SAMPLE_MS from the main thread.
 *
 * (a) sweep: max-in-flight 4, 16, 32, 64 and 256, and 0 (the automatic
 *     window), with service-capacity=32 and with no limit, in rounds that
 *     run each in turn. Each run takes about the same time: its frames are
 *     what the ideal rate, min (window, capacity) frames each 20 ms, does
 *     in it (for the automatic window, with the widest the element opens,
 *     256). Frames/s over the whole run (PLAYING to EOS), and once settled:
 *     the frames out between the first sample STEADY_AFTER s after PLAYING
 *     and the last while the source still had frames to give; each as a
 *     ratio to the best fixed window of the same round and capacity. At
 *     EOS, the stats exactly: time-through-mean (every frame since PAUSED),
 *     time-in-work-recent, window and window-state.
 * (b) change: the automatic window while service-capacity goes from 32 to
 *     8, then back to 32, a phase of each. The window follows down when it
 *     is at or below 8 + 8 = 16 and stays there until the next change, up
 *     when it is at or above 32 and stays there to the end (a probing
 *     round, half the window every 5 s, aside): the time from
 *     the change to the first sample of that stretch (to within a
 *     sample). Where it settles: the median window over the second half of
 *     each phase, and the lowest and highest sample there; frames/s in the
 *     same half, against capacity / 20 ms.
 * (c) live: videotestsrc is-live=true at 30 fps into fakesink sync=true,
 *     leaky=upstream, and a service too slow for it (capacity 1, 40 ms a
 *     frame: 25 frames/s) with and without max-latency=100 ms, and one that
 *     keeps up (capacity 4, 20 ms a frame); then the slow one with the
 *     budget and a queue before the sink. In rounds that run each in turn.
 *     The latency the element reports: a latency query's minimum at its
 *     src pad less the source's, at the end, and the highest its stats'
 *     latency field showed after the first second; frames out and dropped
 *     by leaky, and the time through.
 *
 *   bench-window [--quick | --tiny] [sweep] [change] [live]
 *
 * runs the sections named, or all. --tiny: a moment each, for the report
 * machinery's test (its numbers mean nothing). */

#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchstats.h"

#define WORK_US 20000
#define MAX_ROUNDS 16
/* µs between two readings of the stats */
#define SAMPLE_US 25000
/* the settled rate is measured from this long after PLAYING on (s) */
#define STEADY_AFTER 1.0
/* the automatic window opens no wider */
#define WIDEST 256
#define LIVE_FPS 30

#define SERVICE "asyncidentity work-mode=pending work-time=" \
    G_STRINGIFY (WORK_US) " n-workers=1"

static const guint windows[] = { 4, 16, 32, 64, 256, 0 };
static const guint capacities[] = { 32, 0 };

#define N_WINDOWS G_N_ELEMENTS (windows)
#define N_CAPACITIES G_N_ELEMENTS (capacities)

/* One reading of the stats. */
typedef struct
{
  gdouble at;                   /* s since PLAYING */
  guint64 in, out, dropped;     /* frames-in, frames-out, dropped-leaky */
  guint window;
  const gchar *state;           /* window-state, interned */
  GstClockTime latency;
} Sample;

/* service-capacity set to @capacity @at s after PLAYING (then: when it
 * was set). */
typedef struct
{
  gdouble at;
  guint capacity;
} Change;

/* A median and the spread of the finite ones of some values. */
typedef struct
{
  gdouble median, min, max;
  guint n;
} Spread;

static Spread
spread_of (const gdouble * values, guint n)
{
  gdouble finite[MAX_ROUNDS * 64];
  Spread spread = { NAN, NAN, NAN, 0 };
  guint i;

  for (i = 0; i < n && spread.n < G_N_ELEMENTS (finite); i++)
    if (isfinite (values[i]))
      finite[spread.n++] = values[i];
  if (spread.n == 0)
    return spread;
  /* (median () sorts: lowest first, highest last) */
  spread.median = median (finite, spread.n);
  spread.min = finite[0];
  spread.max = finite[spread.n - 1];
  return spread;
}

/* "median (min - max)" of @spread times @scale, with @digits decimals,
 * or "-" without values: a string for g_print (), valid until the next
 * call but seven. */
static const gchar *
spread_text (Spread spread, gdouble scale, gint digits)
{
  static gchar texts[8][64];
  static guint next;
  gchar *text = texts[next++ % 8];

  if (spread.n == 0)
    return "-";
  g_snprintf (text, sizeof (texts[0]), "%.*f (%.*f - %.*f)", digits,
      scale * spread.median, digits, scale * spread.min, digits,
      scale * spread.max);
  return text;
}

static guint64
stats_uint64 (const GstStructure * stats, const gchar * field)
{
  guint64 value = GST_CLOCK_TIME_NONE;

  gst_structure_get_uint64 (stats, field, &value);
  return value;
}

/* @value ns as ms, NAN for "none yet". */
static gdouble
ms_or_nan (guint64 value)
{
  return value == GST_CLOCK_TIME_NONE ? NAN : value / 1e6;
}

static void
take_sample (GstElement * work, gdouble at, GArray * samples)
{
  GstStructure *stats;
  Sample sample = { 0 };

  sample.at = at;
  g_object_get (work, "stats", &stats, NULL);
  sample.in = stats_uint64 (stats, "frames-in");
  sample.out = stats_uint64 (stats, "frames-out");
  sample.dropped = stats_uint64 (stats, "dropped-leaky");
  sample.latency = stats_uint64 (stats, "latency");
  gst_structure_get_uint (stats, "window", &sample.window);
  sample.state = g_intern_string (gst_structure_get_string (stats,
          "window-state"));
  gst_structure_free (stats);
  g_array_append_val (samples, sample);
}

/* Sets @pipeline PLAYING and runs it to EOS, or for @stop s when @stop >
 * 0, reading @work's stats every SAMPLE_US into @samples and setting its
 * service-capacity as @changes say (each change's time then becomes the
 * time it was made). Recalculates the latency when an element asks, as a
 * live application does. Exits on an error, named by @desc. Returns the
 * seconds from PLAYING to EOS (or to the stop). Leaves it PLAYING. */
static gdouble
play_sampled (GstElement * pipeline, GstElement * work, const gchar * desc,
    GArray * samples, Change * changes, guint n_changes, gdouble stop)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 start = g_get_monotonic_time (), next = start + SAMPLE_US;
  gdouble seconds = -1;
  guint change = 0;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (seconds < 0) {
    GstMessage *msg = gst_bus_timed_pop (bus,
        MAX (next - g_get_monotonic_time (), 0) * GST_USECOND);
    gint64 now = g_get_monotonic_time ();
    gdouble at = (now - start) / 1e6;

    if (msg && bench_handle_message (pipeline, msg, desc))
      seconds = at;
    if (now < next)
      continue;
    /* (a late wake-up skips the readings it missed) */
    next += SAMPLE_US * MAX ((now - next) / SAMPLE_US + 1, 1);
    if (change < n_changes && at >= changes[change].at) {
      g_object_set (work, "service-capacity", changes[change].capacity, NULL);
      changes[change++].at = at;
    }
    take_sample (work, at, samples);
    if (stop > 0 && at >= stop)
      seconds = at;
  }
  gst_object_unref (bus);
  return seconds;
}

static GstElement *
get_work (GstElement * pipeline)
{
  return gst_bin_get_by_name (GST_BIN (pipeline), "work");
}

/* --- (a) sweep --------------------------------------------------------- */

/* Frames/s the service gives at best with @window frames inside (0: the
 * automatic window, at its widest) and @capacity (0: no limit). */
static gdouble
ideal_fps (guint capacity, guint window)
{
  guint served = MIN (window ? window : WIDEST, capacity ? capacity : WIDEST);

  return 1e6 * served / WORK_US;
}

/* Frames/s between the first of @samples STEADY_AFTER s or more after
 * PLAYING and the last while fewer than @frames had come in; NAN when the
 * run was too short for it. */
static gdouble
settled_fps (GArray * samples, guint frames)
{
  const Sample *first = NULL, *last = NULL;
  guint i;

  for (i = 0; i < samples->len; i++) {
    const Sample *s = &g_array_index (samples, Sample, i);

    if (s->at >= STEADY_AFTER && first == NULL)
      first = s;
    if (s->in < frames)
      last = s;
  }
  if (first == NULL || last == NULL || last->at <= first->at)
    return NAN;
  return (last->out - first->out) / (last->at - first->at);
}

typedef struct
{
  gdouble fps[MAX_ROUNDS], settled[MAX_ROUNDS];
  gdouble ratio[MAX_ROUNDS], settled_ratio[MAX_ROUNDS];
  gdouble through[MAX_ROUNDS], recent[MAX_ROUNDS], in_work[MAX_ROUNDS];
  gdouble window[MAX_ROUNDS];
  const gchar *state[MAX_ROUNDS];
} SweepRuns;

static gchar *
sweep_desc (guint capacity, guint window, guint frames)
{
  gchar *limit = capacity ? g_strdup_printf (" service-capacity=%u",
      capacity) : g_strdup ("");
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%u pattern=black "
      "! video/x-raw,width=64,height=48 ! " SERVICE " name=work%s "
      "max-in-flight=%u ! fakesink", frames, limit, window);

  g_free (limit);
  return desc;
}

/* One run of the sweep, into round @r of @runs. */
static void
sweep_run (guint capacity, guint window, guint frames, SweepRuns * runs,
    guint r)
{
  gchar *desc = sweep_desc (capacity, window, frames);
  GstElement *pipeline = bench_parse (desc);
  GstElement *work = get_work (pipeline);
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  GstStructure *stats;
  gdouble seconds;
  guint end_window = 0;

  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE);
  seconds = play_sampled (pipeline, work, desc, samples, NULL, 0, 0);
  /* at EOS, still PLAYING: every frame is out */
  g_object_get (work, "stats", &stats, NULL);
  runs->fps[r] = frames / seconds;
  runs->settled[r] = settled_fps (samples, frames);
  runs->through[r] = ms_or_nan (stats_uint64 (stats, "time-through-mean"));
  runs->recent[r] = ms_or_nan (stats_uint64 (stats, "time-through-recent"));
  runs->in_work[r] = ms_or_nan (stats_uint64 (stats, "time-in-work-recent"));
  gst_structure_get_uint (stats, "window", &end_window);
  runs->window[r] = end_window;
  runs->state[r] = g_intern_string (gst_structure_get_string (stats,
          "window-state"));
  gst_structure_free (stats);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_array_free (samples, TRUE);
  gst_object_unref (work);
  gst_object_unref (pipeline);
  g_free (desc);
}

/* The window-states of @rounds runs (interned), each once, "/"
 * between. */
static gchar *
states_text (const gchar * const *states, guint rounds)
{
  GString *text = g_string_new (NULL);
  guint r, k;

  for (r = 0; r < rounds; r++) {
    for (k = 0; k < r && states[k] != states[r]; k++);
    if (k < r)
      continue;
    if (text->len)
      g_string_append_c (text, '/');
    g_string_append (text, states[r]);
  }
  return g_string_free (text, FALSE);
}

static void
print_sweep (guint capacity, SweepRuns * runs, const guint * frames,
    guint rounds)
{
  guint i;
  gchar *limit = capacity ? g_strdup_printf (" service-capacity=%u",
      capacity) : g_strdup ("");

  g_print ("  service-capacity=%u%s:\n", capacity, capacity ? "" :
      " (no limit)");
  g_print ("  | max-in-flight | frames | ideal frames/s | whole run: "
      "frames/s, median (min - max) | ratio to the best fixed window in the "
      "same round | after %g s: frames/s | ratio to the best fixed window "
      "| time-through-mean ms | time-in-work-recent ms | window at EOS |\n",
      STEADY_AFTER);
  g_print ("  |---|---|---|---|---|---|---|---|---|---|\n");
  for (i = 0; i < N_WINDOWS; i++) {
    SweepRuns *run = &runs[i];
    guint w = windows[i];
    Spread fps = spread_of (run->fps, rounds);
    Spread ratio = spread_of (run->ratio, rounds);
    Spread settled = spread_of (run->settled, rounds);
    Spread settled_ratio = spread_of (run->settled_ratio, rounds);
    Spread through = spread_of (run->through, rounds);
    Spread recent = spread_of (run->recent, rounds);
    Spread in_work = spread_of (run->in_work, rounds);
    Spread window = spread_of (run->window, rounds);
    gchar *states = states_text (run->state, rounds);
    gchar *name = w ? g_strdup_printf ("%u", w) : g_strdup ("0 (automatic)");

    g_print ("  | %s | %u | %.0f | %s | %s | ", name, frames[i],
        ideal_fps (capacity, w), spread_text (fps, 1, 0),
        spread_text (ratio, 1, 2));
    g_print ("%s | %s | %s | %s | %s, %s |\n", spread_text (settled, 1, 0),
        spread_text (settled_ratio, 1, 2), spread_text (through, 1, 1),
        spread_text (in_work, 1, 1), spread_text (window, 1, 0), states);
    bench_result ("section=window-inprocess\tname=" SERVICE "%s "
        "max-in-flight=%u\tcapacity=%u\twindow=%u\tframes=%u\trounds=%u\t"
        "ideal_fps=%.1f\tfps=%.1f\tfps_min=%.1f\tfps_max=%.1f\tratio=%.3f\t"
        "min=%.3f\tmax=%.3f\tsteady_fps=%.1f\tsteady_fps_min=%.1f\t"
        "steady_fps_max=%.1f\tsteady_ratio=%.3f\tsteady_ratio_min=%.3f\t"
        "steady_ratio_max=%.3f\tthrough_ms=%.2f\tthrough_ms_min=%.2f\t"
        "through_ms_max=%.2f\trecent_ms=%.2f\trecent_ms_min=%.2f\t"
        "recent_ms_max=%.2f\tin_work_ms=%.2f\tin_work_ms_min=%.2f\t"
        "in_work_ms_max=%.2f\tend_window=%.1f\tend_window_min=%.0f\t"
        "end_window_max=%.0f\tend_state=%s", limit, w, capacity, w,
        frames[i], rounds, ideal_fps (capacity, w), fps.median, fps.min,
        fps.max, ratio.median, ratio.min, ratio.max, settled.median,
        settled.min, settled.max, settled_ratio.median, settled_ratio.min,
        settled_ratio.max, through.median, through.min, through.max,
        recent.median, recent.min, recent.max, in_work.median, in_work.min,
        in_work.max, window.median, window.min, window.max, states);
    g_free (name);
    g_free (states);
  }
  g_free (limit);
}

static void
bench_sweep (gdouble seconds, guint rounds)
{
  static SweepRuns runs[N_CAPACITIES][N_WINDOWS];
  guint frames[N_CAPACITIES][N_WINDOWS];
  guint c, i, r;

  rounds = MIN (rounds, MAX_ROUNDS);
  g_print ("(a) sweep, `" SERVICE " service-capacity=C max-in-flight=W`, "
      "%u rounds, about %g s a run: frames/s over the whole run and after "
      "%g s, and the stats at EOS\n", rounds, seconds, STEADY_AFTER);
  for (c = 0; c < N_CAPACITIES; c++)
    for (i = 0; i < N_WINDOWS; i++)
      frames[c][i] = MAX ((guint) (seconds * ideal_fps (capacities[c],
                  windows[i]) + 0.5), 2);
  for (r = 0; r < rounds; r++)
    for (c = 0; c < N_CAPACITIES; c++)
      for (i = 0; i < N_WINDOWS; i++)
        sweep_run (capacities[c], windows[i], frames[c][i], &runs[c][i], r);

  /* each round's rates over the best fixed window's of that round */
  for (c = 0; c < N_CAPACITIES; c++) {
    for (r = 0; r < rounds; r++) {
      gdouble best = 0, best_settled = 0;

      for (i = 0; i < N_WINDOWS; i++) {
        if (windows[i] == 0)
          continue;
        best = MAX (best, runs[c][i].fps[r]);
        if (isfinite (runs[c][i].settled[r]))
          best_settled = MAX (best_settled, runs[c][i].settled[r]);
      }
      for (i = 0; i < N_WINDOWS; i++) {
        runs[c][i].ratio[r] = runs[c][i].fps[r] / best;
        runs[c][i].settled_ratio[r] = best_settled > 0 ?
            runs[c][i].settled[r] / best_settled : NAN;
      }
    }
    print_sweep (capacities[c], runs[c], frames[c], rounds);
  }
}

/* --- (b) change -------------------------------------------------------- */

#define CHANGE_FROM 32
#define CHANGE_TO 8
/* followed down: at or below the new capacity plus this */
#define CHANGE_SLACK 8

/* The first of @samples from @from s on where @follows holds for every
 * sample until @until s: the seconds from @from to it, or NAN. A sample
 * of a probing round (half the window for one round every 5 s, by
 * design) neither breaks nor starts it. */
static gdouble
time_to_follow (GArray * samples, gdouble from, gdouble until,
    gboolean down, guint bound)
{
  gdouble since = NAN;
  guint i;

  for (i = 0; i < samples->len; i++) {
    const Sample *s = &g_array_index (samples, Sample, i);
    gboolean follows = down ? s->window <= bound : s->window >= bound;

    if (s->at < from || s->at >= until || g_strcmp0 (s->state, "probing") == 0)
      continue;
    if (!follows)
      since = NAN;
    else if (isnan (since))
      since = s->at - from;
  }
  return since;
}

/* Over the second half of [@from, @until): the median window (and the
 * lowest and highest sample, in @low and @high), and the frames/s. */
static gdouble
settled_window (GArray * samples, gdouble from, gdouble until,
    gdouble * low, gdouble * high, gdouble * fps)
{
  gdouble values[4096];
  const Sample *first = NULL, *last = NULL;
  guint i, n = 0;

  *low = G_MAXDOUBLE;
  *high = 0;
  for (i = 0; i < samples->len && n < G_N_ELEMENTS (values); i++) {
    const Sample *s = &g_array_index (samples, Sample, i);

    if (s->at < (from + until) / 2 || s->at >= until)
      continue;
    values[n++] = s->window;
    *low = MIN (*low, s->window);
    *high = MAX (*high, s->window);
    if (first == NULL)
      first = s;
    last = s;
  }
  *fps = first && last->at > first->at ?
      (last->out - first->out) / (last->at - first->at) : NAN;
  return n ? median (values, n) : NAN;
}

/* "t:window:capacity" for each of @samples, "," between: the window's
 * trace, for the report's plot. */
static gchar *
trace_text (GArray * samples, const Change * changes, guint n_changes)
{
  GString *text = g_string_new (NULL);
  guint i, k, capacity = CHANGE_FROM;

  for (i = 0; i < samples->len; i++) {
    const Sample *s = &g_array_index (samples, Sample, i);

    for (k = 0; k < n_changes; k++)
      if (s->at >= changes[k].at)
        capacity = changes[k].capacity;
    g_string_append_printf (text, "%s%.3f:%u:%u", i ? "," : "", s->at,
        s->window, capacity);
  }
  return g_string_free (text, FALSE);
}

static void
bench_change (gdouble phase, guint rounds)
{
  gdouble down[MAX_ROUNDS], up[MAX_ROUNDS];
  gdouble at[3][MAX_ROUNDS], low[3][MAX_ROUNDS], high[3][MAX_ROUNDS];
  gdouble fps[3][MAX_ROUNDS];
  gchar *trace = NULL;
  Spread follow_down, follow_up, settled[3], lows[3], highs[3], rates[3];
  const guint bound_down = CHANGE_TO + CHANGE_SLACK;
  gchar *desc = g_strdup_printf ("videotestsrc pattern=black ! "
      "video/x-raw,width=64,height=48 ! " SERVICE " name=work "
      "service-capacity=%u max-in-flight=0 ! fakesink", CHANGE_FROM);
  guint r, k, capacity[3] = { CHANGE_FROM, CHANGE_TO, CHANGE_FROM };

  rounds = MIN (rounds, MAX_ROUNDS);
  g_print ("(b) service-capacity %u -> %u -> %u, %g s each, `%s`, %u "
      "rounds, stats every %u ms\n", CHANGE_FROM, CHANGE_TO, CHANGE_FROM,
      phase, desc, rounds, SAMPLE_US / 1000);
  for (r = 0; r < rounds; r++) {
    GstElement *pipeline = bench_parse (desc);
    GstElement *work = get_work (pipeline);
    GArray *samples = g_array_new (FALSE, FALSE, sizeof (Sample));
    Change changes[2];
    gdouble starts[4];

    changes[0].at = phase;
    changes[0].capacity = CHANGE_TO;
    changes[1].at = 2 * phase;
    changes[1].capacity = CHANGE_FROM;
    gst_element_set_state (pipeline, GST_STATE_PAUSED);
    gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE);
    starts[3] = play_sampled (pipeline, work, desc, samples, changes,
        G_N_ELEMENTS (changes), 3 * phase);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    starts[0] = 0;
    starts[1] = changes[0].at;
    starts[2] = changes[1].at;

    down[r] = time_to_follow (samples, starts[1], starts[2], TRUE, bound_down);
    up[r] = time_to_follow (samples, starts[2], starts[3] + 1, FALSE,
        CHANGE_FROM);
    for (k = 0; k < 3; k++)
      at[k][r] = settled_window (samples, starts[k], starts[k + 1],
          &low[k][r], &high[k][r], &fps[k][r]);
    if (r == rounds - 1)
      trace = trace_text (samples, changes, G_N_ELEMENTS (changes));

    g_array_free (samples, TRUE);
    gst_object_unref (work);
    gst_object_unref (pipeline);
  }

  follow_down = spread_of (down, rounds);
  follow_up = spread_of (up, rounds);
  for (k = 0; k < 3; k++) {
    settled[k] = spread_of (at[k], rounds);
    lows[k] = spread_of (low[k], rounds);
    highs[k] = spread_of (high[k], rounds);
    rates[k] = spread_of (fps[k], rounds);
  }
  g_print ("  | phase | service-capacity | window, second half: median "
      "(spread over rounds) | lowest - highest sample | frames/s, second "
      "half | ideal | time to follow, ms: median (spread) | followed in "
      "rounds |\n");
  g_print ("  |---|---|---|---|---|---|---|---|\n");
  for (k = 0; k < 3; k++) {
    Spread *follow = k == 1 ? &follow_down : k == 2 ? &follow_up : NULL;

    g_print ("  | %u | %u | %s | %.0f - %.0f | %s | %.0f | %s", k + 1,
        capacity[k], spread_text (settled[k], 1, 1), lows[k].min,
        highs[k].max, spread_text (rates[k], 1, 0),
        1e6 * capacity[k] / WORK_US, follow ? spread_text (*follow, 1e3,
            0) : "-");
    if (follow)
      g_print (" (to %s %u) | %u of %u |\n", k == 1 ? "<=" : ">=",
          k == 1 ? bound_down : CHANGE_FROM, follow->n, rounds);
    else
      g_print (" | - |\n");
  }
  bench_result ("section=window-change\tname=" SERVICE " max-in-flight=0 "
      "service-capacity %u -> %u -> %u\tphase_s=%.2f\trounds=%u\t"
      "bound_down=%u\tbound_up=%u\t"
      "down_ms=%.1f\tdown_ms_min=%.1f\tdown_ms_max=%.1f\tdown_followed=%u\t"
      "up_ms=%.1f\tup_ms_min=%.1f\tup_ms_max=%.1f\tup_followed=%u\t"
      "window_1=%.1f\twindow_1_min=%.1f\twindow_1_max=%.1f\t"
      "window_2=%.1f\twindow_2_min=%.1f\twindow_2_max=%.1f\t"
      "window_3=%.1f\twindow_3_min=%.1f\twindow_3_max=%.1f\t"
      "sample_1_min=%.0f\tsample_1_max=%.0f\tsample_2_min=%.0f\t"
      "sample_2_max=%.0f\tsample_3_min=%.0f\tsample_3_max=%.0f\t"
      "fps_1=%.1f\tfps_2=%.1f\tfps_3=%.1f\ttrace=%s", CHANGE_FROM,
      CHANGE_TO, CHANGE_FROM, phase, rounds, bound_down, CHANGE_FROM,
      1e3 * follow_down.median, 1e3 * follow_down.min,
      1e3 * follow_down.max, follow_down.n, 1e3 * follow_up.median,
      1e3 * follow_up.min, 1e3 * follow_up.max, follow_up.n,
      settled[0].median, settled[0].min, settled[0].max, settled[1].median,
      settled[1].min, settled[1].max, settled[2].median, settled[2].min,
      settled[2].max, lows[0].min, highs[0].max, lows[1].min, highs[1].max,
      lows[2].min, highs[2].max, rates[0].median, rates[1].median,
      rates[2].median, trace);
  g_free (trace);
  g_free (desc);
}

/* --- (c) live ---------------------------------------------------------- */

/* A live pipeline: a service with @capacity and @work_us a frame, @budget
 * ns of max-latency (0: none), into @sink. */
typedef struct
{
  const gchar *what;
  guint capacity, work_us;
  GstClockTime budget;
  const gchar *sink;
} Live;

/* What each round of a Live gave. */
typedef struct
{
  gdouble out[MAX_ROUNDS], dropped[MAX_ROUNDS];
  gdouble through_mean[MAX_ROUNDS], through_max[MAX_ROUNDS];
  gdouble query[MAX_ROUNDS], reported_max[MAX_ROUNDS];
  gdouble pipeline[MAX_ROUNDS], window[MAX_ROUNDS];
  const gchar *state[MAX_ROUNDS];
} LiveRuns;

#define SLOW "too slow (25 frames/s)"
#define EASY "keeps up (200 frames/s)"
#define SINK "fakesink sync=true"

static const Live lives[] = {
  {SLOW, 1, 40000, 0, SINK},
  {SLOW, 1, 40000, 100 * GST_MSECOND, SINK},
  {EASY, 4, 20000, 0, SINK},
  {EASY, 4, 20000, 100 * GST_MSECOND, SINK},
  /* (the src task no longer waits in the sink for each frame's time: the
   * time through is then the element's own) */
  {SLOW, 1, 40000, 100 * GST_MSECOND, "queue ! " SINK},
};

static gchar *
live_service (const Live * live)
{
  return g_strdup_printf ("asyncidentity work-mode=pending work-time=%u "
      "n-workers=1 service-capacity=%u leaky=upstream max-latency=%"
      G_GUINT64_FORMAT, live->work_us, live->capacity, live->budget);
}

/* One run of @live, @frames frames, into round @r of @runs. */
static void
live_run (const Live * live, guint frames, LiveRuns * runs, guint r)
{
  gchar *service = live_service (live);
  gchar *desc = g_strdup_printf ("videotestsrc name=src is-live=true "
      "pattern=black num-buffers=%u ! video/x-raw,width=64,height=48,"
      "framerate=%u/1 ! %s name=work ! %s", frames, LIVE_FPS, service,
      live->sink);
  GstElement *pipeline = bench_parse (desc);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *work = get_work (pipeline);
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  GstClockTime reported_max = GST_CLOCK_TIME_NONE;
  GstStructure *stats;
  guint window = 0, i;

  play_sampled (pipeline, work, desc, samples, NULL, 0, 0);
  for (i = 0; i < samples->len; i++) {
    const Sample *s = &g_array_index (samples, Sample, i);

    if (s->at >= STEADY_AFTER)
      reported_max = reported_max == GST_CLOCK_TIME_NONE ? s->latency :
          MAX (reported_max, s->latency);
  }
  g_object_get (work, "stats", &stats, NULL);
  runs->out[r] = stats_uint64 (stats, "frames-out");
  runs->dropped[r] = stats_uint64 (stats, "dropped-leaky");
  runs->through_mean[r] = ms_or_nan (stats_uint64 (stats, "time-through-mean"));
  runs->through_max[r] = ms_or_nan (stats_uint64 (stats, "time-through-max"));
  gst_structure_get_uint (stats, "window", &window);
  runs->window[r] = window;
  runs->state[r] = g_intern_string (gst_structure_get_string (stats,
          "window-state"));
  gst_structure_free (stats);
  runs->reported_max[r] = ms_or_nan (reported_max);
  runs->pipeline[r] = bench_query_min_latency (pipeline, NULL) / 1e6;
  runs->query[r] = (bench_query_min_latency (work, "src") -
      bench_query_min_latency (src, "src")) / 1e6;

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_array_free (samples, TRUE);
  gst_object_unref (work);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (service);
}

static void
print_live (const Live * live, LiveRuns * runs, guint frames, guint rounds)
{
  gchar *service = live_service (live);
  gchar *states = states_text (runs->state, rounds);
  Spread out = spread_of (runs->out, rounds);
  Spread dropped = spread_of (runs->dropped, rounds);
  Spread mean = spread_of (runs->through_mean, rounds);
  Spread max = spread_of (runs->through_max, rounds);
  Spread query = spread_of (runs->query, rounds);
  Spread reported = spread_of (runs->reported_max, rounds);
  Spread pipeline = spread_of (runs->pipeline, rounds);
  Spread window = spread_of (runs->window, rounds);

  g_print ("  | %s | %u | %.0f ms | %s | `%s` | %u | %s | %s | ", live->what,
      live->capacity, live->work_us / 1e3, live->budget ? "100 ms" : "none",
      live->sink, frames, spread_text (out, 1, 0), spread_text (dropped, 1, 0));
  g_print ("%s | %s | %s | %s | %s | %s, %s |\n", spread_text (mean, 1, 1),
      spread_text (max, 1, 1), spread_text (query, 1, 1),
      spread_text (reported, 1, 1), spread_text (pipeline, 1, 1),
      spread_text (window, 1, 0), states);
  bench_result ("section=window-live\tname=%s\twhat=%s\tcapacity=%u\t"
      "work_ms=%.1f\tbudget_ms=%.1f\tsink=%s\tframes=%u\trounds=%u\t"
      "frames_out=%.0f\tframes_out_min=%.0f\tframes_out_max=%.0f\t"
      "dropped=%.0f\tdropped_min=%.0f\tdropped_max=%.0f\t"
      "through_mean_ms=%.2f\tthrough_mean_ms_min=%.2f\t"
      "through_mean_ms_max=%.2f\tthrough_max_ms=%.2f\t"
      "through_max_ms_min=%.2f\tthrough_max_ms_max=%.2f\tquery_ms=%.2f\t"
      "query_ms_min=%.2f\tquery_ms_max=%.2f\tlatency_max_ms=%.2f\t"
      "latency_max_ms_min=%.2f\tlatency_max_ms_max=%.2f\t"
      "pipeline_ms=%.2f\tpipeline_ms_min=%.2f\tpipeline_ms_max=%.2f\t"
      "end_window=%.1f\tend_window_min=%.0f\tend_window_max=%.0f\t"
      "end_state=%s", service, live->what, live->capacity,
      live->work_us / 1e3, live->budget / 1e6, live->sink, frames, rounds,
      out.median, out.min, out.max, dropped.median, dropped.min, dropped.max,
      mean.median, mean.min, mean.max, max.median, max.min, max.max,
      query.median, query.min, query.max, reported.median, reported.min,
      reported.max, pipeline.median, pipeline.min, pipeline.max,
      window.median, window.min, window.max, states);
  g_free (states);
  g_free (service);
}

static void
bench_live (guint frames, guint rounds)
{
  static LiveRuns runs[G_N_ELEMENTS (lives)];
  guint i, r;

  rounds = MIN (rounds, MAX_ROUNDS);
  g_print ("(c) live %u fps, `asyncidentity work-mode=pending n-workers=1 "
      "leaky=upstream`, %u frames a run, %u rounds\n", LIVE_FPS, frames,
      rounds);
  for (r = 0; r < rounds; r++)
    for (i = 0; i < G_N_ELEMENTS (lives); i++)
      live_run (&lives[i], frames, &runs[i], r);
  g_print ("  | service | service-capacity | work-time | max-latency | "
      "sink | frames | frames out | dropped (leaky) | time-through mean ms | "
      "time-through max ms | latency query ms (ours) | stats latency ms, "
      "highest after %g s | pipeline latency ms | window at the end |\n",
      STEADY_AFTER);
  g_print ("  |---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (lives); i++)
    print_live (&lives[i], &runs[i], frames, rounds);
}

int
main (int argc, char **argv)
{
  gint scale = bench_scale (argc, argv);

  gst_init (&argc, &argv);
  if (bench_wants_section (argc, argv, "sweep"))
    bench_sweep (bench_pick (scale, 5, 150, 400) / 100.0,
        bench_pick (scale, 1, 2, 3));
  if (bench_wants_section (argc, argv, "change"))
    bench_change (bench_pick (scale, 20, 150, 200) / 100.0,
        bench_pick (scale, 1, 2, 3));
  if (bench_wants_section (argc, argv, "live"))
    bench_live (bench_pick (scale, 6, 90, 120), bench_pick (scale, 1, 2, 3));
  return 0;
}
