/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformwindow.c: how many frames GstAsyncTransform lets in
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

/* The window: how many frames the element holds before upstream waits.
 * max-in-flight sets it; with 0 the work sizes it, in one of two ways.
 *
 * Work that holds a worker (it computes, or blocks) is served by the
 * workers: beyond twice their number a frame only waits longer. The
 * window is twice the workers, or with cheap work about AUTO_WINDOW_TIME
 * of it, so that upstream and the src task pass many frames per wake-up.
 *
 * Waiting work (process () leaves most frames pending: a remote server, a
 * device queue) is served elsewhere, with a concurrency of its own:
 * throughput is the frames in work divided by their time in work
 * (Little's law), so the window must grow while that time stays near its
 * unloaded value, and shrink when it rises, a sign that the service
 * queues them. A rule of the Vegas kind: once per round (the frames that
 * started after the round before it ended, once done; a round right
 * after a change is left out, its frames meet the service as the frames
 * before left it), the frames queued at the service are estimated as
 * in_work x (1 - unloaded / recent); while fewer than alpha wait there
 * and the window is in use, the window grows: while none do, it doubles
 * up to the window of its last shrink (as TCP's slow start) and grows by
 * an eighth beyond, and the round after counts; else by one. When more
 * than twice alpha wait, it moves half-way to what the service holds
 * plus alpha. The unloaded time is the lowest round mean over the last
 * one or two PROBE_INTERVALs, and each interval starts with a round at
 * half the window (which empties the service's queue) while frames
 * queue: a service that got slower for every frame is not mistaken for a
 * busy one for long, and a probe that meets a busier service changes
 * nothing.
 *
 * max-latency bounds, besides either window, the frames not done yet
 * (frames done and waiting to leave wait for downstream's latency, not
 * ours): frames must be done, from entering to the end of their work,
 * within it. Every PERIOD_FRAMES that bound is scaled by how far their mean is from 3/4 of the budget,
 * halved at most and a quarter wider at most, never wider than the rule's
 * nor narrower than the automatic window's floor (2 x workers x batch
 * size). Work that takes longer than the budget even there is over
 * budget: the latency reported is then what frames take, and a warning
 * says so once.
 *
 * All of it under priv->lock, from the threads whose frames end their
 * work. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#define GST_CAT_DEFAULT gst_async_transform_debug

/* A round needs this many frames at least. */
#define ROUND_FRAMES 4
/* The unloaded time in work is measured again after this long (µs). */
#define PROBE_INTERVAL (5 * G_USEC_PER_SEC)
/* The budget window follows the frames of each period of this many. */
#define PERIOD_FRAMES 8
/* Periods in a row over budget at the narrowest window: over budget. */
#define OVER_PERIODS 3

static const gchar *const state_names[] = {
  [GST_ASYNC_WINDOW_FIXED] = "fixed",
  [GST_ASYNC_WINDOW_WORKERS] = "workers",
  [GST_ASYNC_WINDOW_CHEAP] = "cheap-work",
  [GST_ASYNC_WINDOW_GROWING] = "growing",
  [GST_ASYNC_WINDOW_SETTLED] = "settled",
  [GST_ASYNC_WINDOW_SHRINKING] = "shrinking",
  [GST_ASYNC_WINDOW_PROBING] = "probing",
  [GST_ASYNC_WINDOW_BUDGET] = "latency-budget",
};

/* For the stats: the window in effect, and why it is what it is. */
guint
gst_async_transform_window_now_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncWindow *w = &priv->window;

  return w->max_latency ? MIN (w->rule, w->budget) : w->rule;
}

const gchar *
gst_async_transform_window_state_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncWindow *w = &priv->window;

  if (w->max_latency && w->budget < w->rule)
    return state_names[GST_ASYNC_WINDOW_BUDGET];
  return state_names[w->state];
}

/* The window now is the rule's; the budget bounds the frames not done
 * apart (gst_async_transform_window_full_locked ()). Either wider frees
 * an upstream that waits, and so does a frame done under a budget. */
static void
gst_async_transform_apply_window_locked (GstAsyncTransformPrivate * priv,
    guint old_budget)
{
  GstAsyncWindow *w = &priv->window;

  if (priv->space_waiters > 0 && (w->rule > priv->max_in_flight
          || (w->max_latency && w->budget >= old_budget)))
    priv->wakes_due |= GST_ASYNC_WAKE_SPACE;
  priv->max_in_flight = w->rule;
}

static void
gst_async_transform_start_round (GstAsyncWindow * w, gint64 now)
{
  w->round_start = now;
  w->round_frames = w->round_pending = 0;
  w->round_work = 0;
  w->round_inside = 0;
}

/* The window from its setting, the worker count and the batch size:
 * with max-in-flight=0, room for each worker's batch at work and a full
 * one waiting behind it, to begin with; the work measured sizes it from
 * then on. */
void
gst_async_transform_update_window_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncWindow *w = &priv->window;

  priv->base_window = priv->max_in_flight_setting;
  if (priv->base_window == 0)
    priv->base_window = MIN (2 * priv->n_workers * priv->batch_size,
        MAX_WINDOW);
  w->state = priv->max_in_flight_setting ? GST_ASYNC_WINDOW_FIXED :
      GST_ASYNC_WINDOW_WORKERS;
  w->rule = w->waiting = w->budget = priv->base_window;
  w->probe_restore = 0;
  w->warming = FALSE;
  w->doubling_below = G_MAXUINT;
  w->far_rounds = 0;
  gst_async_transform_start_round (w, g_get_monotonic_time ());
  w->recent = w->unloaded = GST_CLOCK_TIME_NONE;
  w->lowest_now = w->lowest_before = GST_CLOCK_TIME_NONE;
  w->period_start = g_get_monotonic_time ();
  w->period_frames = 0;
  w->period_delay = 0;
  w->delay_recent = GST_CLOCK_TIME_NONE;
  priv->max_in_flight = priv->base_window;
}

/* max-latency, in ns (0: none): the budget starts from the window now. */
void
gst_async_transform_set_max_latency_locked (GstAsyncTransformPrivate * priv,
    GstClockTime max_latency)
{
  GstAsyncWindow *w = &priv->window;

  /* (a budget already narrower stays so: a lower one only narrows it
   * further) */
  w->budget = w->max_latency ? MIN (w->budget, w->rule) : w->rule;
  w->max_latency = max_latency;
  w->over_budget = w->warned = FALSE;
  w->over_periods = 0;
  w->period_frames = 0;
  w->period_delay = 0;
  /* (a wider budget, or none, frees an upstream that waits) */
  if (priv->space_waiters > 0)
    priv->wakes_due |= GST_ASYNC_WAKE_SPACE;
}

/* Work that holds a worker: about AUTO_WINDOW_TIME of it across the
 * workers, never narrower than the base window. */
static void
gst_async_transform_worker_window_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncWindow *w = &priv->window;
  guint64 window;

  window = AUTO_WINDOW_TIME * priv->n_workers / MAX (priv->process_avg, 1);
  w->rule = CLAMP (window, priv->base_window,
      gst_async_transform_window_max_locked (priv));
  w->state = w->rule > priv->base_window ? GST_ASYNC_WINDOW_CHEAP :
      GST_ASYNC_WINDOW_WORKERS;
}

/* A round of waiting work ended: the mean time in work was @recent with
 * @in_work frames in work on average. */
static void
gst_async_transform_waiting_window_locked (GstAsyncTransformPrivate * priv,
    GstClockTime recent, gdouble in_work, gint64 now)
{
  GstAsyncWindow *w = &priv->window;
  gdouble queued, alpha = MAX (3, w->waiting / 16);
  guint window = w->waiting;
  gboolean far = FALSE;

  if (w->warming) {
    w->warming = FALSE;
    return;
  }
  /* The unloaded time is the lowest round mean of this period and the
   * one before, so that a service that got slower for every frame is
   * seen as such within two periods. */
  gst_async_keep_lower (&w->lowest_now, recent);
  w->unloaded = w->lowest_before;
  gst_async_keep_lower (&w->unloaded, w->lowest_now);
  if (w->probe_restore) {
    /* the probe round, over: back to the window before it */
    window = w->probe_restore;
    w->probe_restore = 0;
    w->state = GST_ASYNC_WINDOW_SETTLED;
    goto done;
  }
  if (now - w->period_start > PROBE_INTERVAL) {
    w->lowest_before = w->lowest_now;
    w->lowest_now = GST_CLOCK_TIME_NONE;
    w->period_start = now;
    /* A round at half the window, which the service serves without
     * queueing, gives the new period a low mean (unless the frames queue
     * no more than that now, or the window cannot be narrower). */
    if (recent > w->unloaded + w->unloaded / 32
        && window / 2 >= priv->base_window) {
      w->probe_restore = window;
      window = window / 2;
      w->state = GST_ASYNC_WINDOW_PROBING;
      goto done;
    }
  }

  queued = in_work * (1.0 - (gdouble) w->unloaded / MAX (recent, 1));
  if (queued > 2 * alpha) {
    gdouble served = in_work * w->unloaded / MAX (recent, 1);

    window = (window + (guint) (served + alpha) + 1) / 2;
    w->doubling_below = window;
    w->far_rounds = 0;
    w->state = GST_ASYNC_WINDOW_SHRINKING;
  } else if (queued < alpha && 2 * in_work >= window
      && window < gst_async_transform_window_max_locked (priv)) {
    /* Far from queueing: twice as wide up to where the service queued
     * before, an eighth wider beyond; close to it, frame by frame. */
    far = queued < 1;
    /* (two rounds beyond it with none waiting: the service got larger,
     * doubling again) */
    w->far_rounds = far && window >= w->doubling_below ? w->far_rounds + 1 : 0;
    if (w->far_rounds > 2)
      w->doubling_below = G_MAXUINT;
    window += !far ? 1 : window < w->doubling_below ? window :
        MAX (1, window / 8);
    w->state = GST_ASYNC_WINDOW_GROWING;
  } else {
    w->far_rounds = 0;
    w->state = GST_ASYNC_WINDOW_SETTLED;
  }

done:
  window = CLAMP (window, priv->base_window,
      gst_async_transform_window_max_locked (priv));
  /* The frames of the next round meet the service as the frames from
   * before the change left it: the round after it only shows the new
   * window (as Vegas acts every other round), except while far from
   * queueing, where it still shows whether the service queues. */
  w->warming = window != w->waiting && !far;
  w->waiting = window;
  w->rule = w->waiting;
  GST_CAT_LOG (gst_async_transform_debug, "waiting work: %" GST_TIME_FORMAT
      " in work (unloaded %" GST_TIME_FORMAT "), %.1f in work: window %u (%s)",
      GST_TIME_ARGS (recent), GST_TIME_ARGS (w->unloaded), in_work, w->waiting,
      state_names[w->state]);
}

/* A frame that started after the round began ended its work. */
static void
gst_async_transform_round_add_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job, GstClockTime took)
{
  GstAsyncWindow *w = &priv->window;
  GstClockTime recent;
  gdouble in_work;

  w->round_frames++;
  w->round_pending += job->state == JOB_PENDING;
  w->round_work += took;
  /* (itself included) */
  w->round_inside += priv->in_work + 1;
  if (w->round_frames < MAX (ROUND_FRAMES, priv->max_in_flight))
    return;

  recent = w->round_work / w->round_frames;
  in_work = (gdouble) w->round_inside / w->round_frames;
  w->recent = recent;
  if (priv->max_in_flight_setting != 0) {
    /* (a fixed window: the round only measures) */
  } else if (2 * w->round_pending >= w->round_frames) {
    gst_async_transform_waiting_window_locked (priv, recent, in_work,
        job->processed_at);
  } else {
    /* (waiting work that comes back starts from this window) */
    w->probe_restore = 0;
    gst_async_transform_worker_window_locked (priv);
    w->waiting = w->rule;
  }
  gst_async_transform_start_round (w, job->processed_at);
}

/* max-latency: frames took @delay from entering to done. */
static void
gst_async_transform_budget_add_locked (GstAsyncTransformPrivate * priv,
    GstClockTime delay)
{
  GstAsyncWindow *w = &priv->window;
  /* (what the automatic window never goes below either: a subclass that
   * finishes pending frames only as later ones come needs that many) */
  guint floor = MIN (w->rule, 2 * priv->n_workers * priv->batch_size);
  gboolean over;
  gdouble scale;
  guint64 budget;

  w->period_frames++;
  w->period_delay += delay;
  if (w->period_frames < PERIOD_FRAMES)
    return;
  w->delay_recent = w->period_delay / w->period_frames;
  w->period_frames = 0;
  w->period_delay = 0;

  scale = 0.75 * w->max_latency / MAX (w->delay_recent, 1);
  scale = CLAMP (scale, 0.5, 1.25);
  budget = w->budget * scale;
  /* (no wider than the rule: a budget that grew while the rule held the
   * window would take several periods to bite again) */
  if (scale > 1.0)
    budget = MIN (MAX (budget, (guint64) w->budget + 1), w->rule);
  w->budget = CLAMP (budget, floor, MAX (w->rule, floor));

  /* Over budget: the window at its floor, and frames still took longer
   * for OVER_PERIODS periods in a row (not the narrowing's own first
   * periods, whose frames came in before it); back under once they take
   * no more than the budget's 3/4 (no flapping: each change posts a
   * latency message, and the pipeline's latency changes with it). */
  if (w->budget == floor && w->delay_recent > w->max_latency)
    w->over_periods++;
  else
    w->over_periods = 0;
  over = w->over_budget ? 4 * w->delay_recent > 3 * w->max_latency :
      w->over_periods >= OVER_PERIODS;
  if (over != w->over_budget) {
    /* The work alone takes longer: the latency reported is what frames
     * take again, and the application hears of it, once. */
    w->over_budget = over;
    w->warning_due |= over && !w->warned;
    w->warned |= over;
    priv->latency.message_due = TRUE;
    gst_async_transform_wake_task_locked (priv);
  }
}

/* @job ended its work, which took @took: the window learns of it. */
void
gst_async_transform_window_record_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job, GstClockTime took)
{
  GstAsyncWindow *w = &priv->window;
  guint old_budget = w->budget;

  if (w->max_latency)
    gst_async_transform_budget_add_locked (priv,
        (job->processed_at - job->entered) * GST_USECOND);
  if (job->started_at >= w->round_start)
    gst_async_transform_round_add_locked (priv, job, took);
  if (w->state == GST_ASYNC_WINDOW_WORKERS
      || w->state == GST_ASYNC_WINDOW_CHEAP)
    gst_async_transform_worker_window_locked (priv);
  gst_async_transform_apply_window_locked (priv, old_budget);
}

/* How long a partial batch may wait: batch-timeout, and within
 * max-latency no longer than leaves time for the work. */
GstClockTime
gst_async_transform_batch_timeout_locked (GstAsyncTransformPrivate * priv)
{
  GstClockTime budget = priv->window.max_latency;

  if (budget == 0)
    return priv->batch_timeout;
  budget -= MIN (budget, priv->process_avg);
  return MIN (priv->batch_timeout, budget);
}
