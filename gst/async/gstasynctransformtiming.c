/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformtiming.c: QoS, latency, position and statistics of
 * GstAsyncTransform
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

/* Everything the element measures about time: when a frame is late for
 * downstream (QoS), how long frames take (the latency it reports), where
 * its output is in the stream (the position query), and the counters of
 * the stats property. The fields live in GstAsyncTransformPrivate under
 * priv->lock (see gstasynctransform.c); functions named _locked are called
 * with it held. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#define GST_CAT_DEFAULT gst_async_transform_debug

/* --- QoS ----------------------------------------------------------------- */

/* The frame's running time in the input segment, for QoS, and where the
 * input is now, for the position query. */
void
gst_async_transform_stamp_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job)
{
  GstAsyncQos *qos = &priv->qos;
  GstBuffer *buf = job->frame.input;
  GstClockTime ts = gst_async_job_timestamp (job);

  job->running_time = job->running_end = GST_CLOCK_TIME_NONE;
  if (qos->segment.format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID (ts))
    return;
  job->running_time = gst_segment_to_running_time (&qos->segment,
      GST_FORMAT_TIME, ts);
  if (!GST_CLOCK_TIME_IS_VALID (job->running_time))
    return;
  job->running_end = job->running_time;
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    job->running_end += GST_BUFFER_DURATION (buf);

  gst_async_keep_later (&qos->last_in, job->running_end);
  /* Nothing pushed yet: the output is where the first frame starts. */
  if (!GST_CLOCK_TIME_IS_VALID (qos->last_out))
    qos->last_out = job->running_time;
}

/* QoS, when a frame arrives or is about to start: downstream's last QoS
 * event says frames before earliest_time are late. Once processed, this
 * frame reaches downstream process_avg later than now, and now is past
 * earliest_time: it is surely late if its running time is before
 * earliest_time + process_avg. Marks @job as such for the QoS message. */
gboolean
gst_async_transform_is_late_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job)
{
  GstAsyncQos *qos = &priv->qos;
  GstClockTimeDiff late_by;

  if (!priv->qos_enabled || !GST_CLOCK_TIME_IS_VALID (qos->earliest_time)
      || !GST_CLOCK_TIME_IS_VALID (job->running_time))
    return FALSE;
  late_by = GST_CLOCK_DIFF (job->running_time,
      qos->earliest_time + priv->process_avg);
  if (late_by <= 0)
    return FALSE;

  job->late = TRUE;
  /* Only for the frames dropped, not on every frame's path: in the
   * current input segment, which is the frame's own unless a new one came
   * while it waited (then the message's stream time is approximate). */
  job->stream_time = gst_segment_to_stream_time (&qos->segment,
      GST_FORMAT_TIME, gst_async_job_timestamp (job));
  job->late_by = late_by;
  job->proportion = qos->proportion;
  job->processed_before = priv->stats.processed;
  return TRUE;
}

/* Forgets what QoS events said: after a flush, a new segment, or a new
 * latency. */
static void
gst_async_transform_reset_qos_locked (GstAsyncQos * qos)
{
  qos->earliest_time = GST_CLOCK_TIME_NONE;
  qos->proportion = 1.0;
}

/* After a flush or a new segment, running times start again: what QoS
 * said, which of it was stale, and the position levels no longer
 * apply. */
void
gst_async_transform_reset_timeline_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncQos *qos = &priv->qos;

  gst_async_transform_reset_qos_locked (qos);
  qos->last_in = qos->last_out = qos->stale_until = GST_CLOCK_TIME_NONE;
  qos->last_out_start = GST_CLOCK_TIME_NONE;
}

/* New input caps: a frame rate gives the frame duration QoS uses. */
void
gst_async_transform_timing_from_caps_locked (GstAsyncTransformPrivate * priv,
    GstCaps * caps)
{
  GstAsyncQos *qos = &priv->qos;
  gint fps_n = 0, fps_d = 1;

  if (gst_caps_get_size (caps) > 0)
    gst_structure_get_fraction (gst_caps_get_structure (caps, 0),
        "framerate", &fps_n, &fps_d);
  qos->duration_from_caps = fps_n > 0 && fps_d > 0;
  if (qos->duration_from_caps)
    qos->frame_duration = gst_util_uint64_scale_int (GST_SECOND, fps_d, fps_n);
}

/* A QoS event from downstream: the earliest running time still in time. */
void
gst_async_transform_handle_qos (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncQos *qos = &priv->qos;
  GstQOSType type;
  gdouble proportion;
  GstClockTimeDiff diff;
  GstClockTime timestamp;

  gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
  g_mutex_lock (&priv->lock);
  qos->proportion = proportion;
  if (GST_CLOCK_TIME_IS_VALID (qos->stale_until)
      && GST_CLOCK_TIME_IS_VALID (timestamp) && timestamp <= qos->stale_until)
    GST_LOG_OBJECT (self, "QoS from before the latency changed, ignored");
  else if (!GST_CLOCK_TIME_IS_VALID (timestamp))
    qos->earliest_time = GST_CLOCK_TIME_NONE;
  else if (diff > 0)
    /* Late: expect to stay late for a while, as GstVideoDecoder does, so
     * that dropping catches up rather than trails. */
    qos->earliest_time = timestamp + 2 * diff +
        (GST_CLOCK_TIME_IS_VALID (qos->frame_duration) ?
        qos->frame_duration : 0);
  else
    qos->earliest_time = MAX ((gint64) timestamp + diff, 0);
  gst_async_transform_unlock_and_wake (priv);
  GST_LOG_OBJECT (self, "QoS: proportion %g, jitter %" GST_STIME_FORMAT
      " at %" GST_TIME_FORMAT, proportion, GST_STIME_ARGS (diff),
      GST_TIME_ARGS (timestamp));
}

/* From the src task, in the frame's turn: tells the application that a late
 * frame was dropped before work, with the standard QoS message; @dropped
 * counts it. */
void
gst_async_transform_post_qos_drop (GstAsyncTransform * self,
    GstAsyncJob * job, guint64 dropped)
{
  GstMessage *msg;

  GST_DEBUG_OBJECT (self, "frame at %" GST_TIME_FORMAT " was late by %"
      GST_STIME_FORMAT ": dropped before work",
      GST_TIME_ARGS (job->running_time), GST_STIME_ARGS (job->late_by));
  msg = gst_message_new_qos (GST_OBJECT (self), FALSE, job->running_time,
      job->stream_time, gst_async_job_timestamp (job),
      GST_BUFFER_DURATION (job->frame.input));
  gst_message_set_qos_values (msg, job->late_by, job->proportion, 1000000);
  gst_message_set_qos_stats (msg, GST_FORMAT_BUFFERS, job->processed_before,
      dropped);
  gst_element_post_message (GST_ELEMENT (self), msg);
}

/* --- latency ------------------------------------------------------------- */

/* The longest a frame may wait for its batch to fill: what batching adds
 * to the latency. With a known frame rate, no longer than batch-size - 1
 * more frames take to come. 0 when unknown (a wait for a full batch at an
 * unknown rate): the latency measured then tells. */
static GstClockTime
gst_async_transform_batch_wait_locked (GstAsyncTransformPrivate * priv)
{
  GstClockTime wait = gst_async_transform_batch_timeout_locked (priv);

  if (priv->batch_size == 1)
    return 0;
  if (GST_CLOCK_TIME_IS_VALID (priv->qos.frame_duration))
    wait = MIN (wait, (priv->batch_size - 1) * priv->qos.frame_duration);
  return GST_CLOCK_TIME_IS_VALID (wait) ? wait : 0;
}

/* The latency property, or with -1 what was measured, and never less
 * than a frame may wait for its batch to fill; no more than max-latency,
 * unless the work alone takes longer. */
GstClockTime
gst_async_transform_latency_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncLatency *latency = &priv->latency;
  GstClockTime ours;

  if (priv->latency_setting >= 0)
    return (GstClockTime) priv->latency_setting;
  ours = MAX (latency->delay_max + latency->delay_max / 4,
      gst_async_transform_batch_wait_locked (priv));
  if (priv->window.max_latency && !priv->window.over_budget)
    ours = MIN (ours, priv->window.max_latency);
  return ours;
}

/* Records how long @job took from entering to being processed, @took of
 * it in process (). With latency=-1 in a live pipeline, a frame that took
 * longer than the latency reported makes the src task post a latency
 * message (one per latency query); wakes it if it waits. */
static void
gst_async_transform_measure_delay_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job, GstClockTime took)
{
  GstAsyncLatency *latency = &priv->latency;
  GstClockTime delay;

  /* Real work: a frame waits only for a worker, whose number is ours to
   * choose. Cheap work: it waits for the src task, which may sit in a push
   * that downstream holds for the very latency reported; that wait is
   * downstream's, and counting it would feed the latency back into itself.
   * A frame the task ran tells by itself, whatever the work is now. */
  if (job->run_by_task || gst_async_transform_work_is_cheap_locked (priv))
    delay = took;
  else
    delay = (job->processed_at - job->entered) * GST_USECOND;

  if (delay <= latency->delay_max)
    return;
  GST_CAT_DEBUG (gst_async_transform_debug, "a frame took %" GST_TIME_FORMAT
      " in all, the longest yet", GST_TIME_ARGS (delay));
  latency->delay_max = delay;
  if (priv->latency_setting < 0 && latency->live && delay > latency->reported
      && !latency->message_sent) {
    latency->message_due = latency->message_sent = TRUE;
    gst_async_transform_wake_task_locked (priv);
  }
}

/* A process () call took @took: the averages, the window and the
 * counters learn of it. */
void
gst_async_transform_record_run_locked (GstAsyncTransformPrivate * priv,
    GstAsyncJob * job, GstClockTime took)
{
  GstAsyncStats *stats = &priv->stats;
  GstClockTime waiting;

  /* A frame a flush or a stop cut short says nothing of the work (and
   * drop_all_locked () counted it out of in_work already). */
  if (job->flush_count != priv->flush_count)
    return;
  priv->in_work--;
  if (job->ret == GST_FLOW_FLUSHING)
    return;
  gst_async_transform_measure_delay_locked (priv, job, took);
  /* The running average decides whether the work is cheap and sizes the
   * automatic window. Each sample is the shorter of this frame's time and
   * the previous one's: one frame that took long (its thread was
   * preempted, the machine stalled) changes nothing, two in a row count in
   * full, so work that really got slower shows at its second frame. */
  priv->process_avg = (7 * priv->process_avg + MIN (took,
          priv->process_last)) / 8;
  priv->process_last = took;
  gst_async_transform_window_record_locked (priv, job, took);
  if (stats->processed == 0 || took < stats->process_min)
    stats->process_min = took;
  stats->process_max = MAX (stats->process_max, took);
  stats->process_sum += took;
  waiting = MAX (job->started_at - job->entered, 0) * GST_USECOND;
  stats->waiting_max = MAX (stats->waiting_max, waiting);
  stats->waiting_sum += waiting;
  stats->processed++;
}

/* The latency this element adds, for a latency query that found upstream
 * @live or not. */
static GstClockTime
gst_async_transform_query_latency (GstAsyncTransform * self, gboolean live)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncLatency *latency = &priv->latency;
  GstClockTime ours;

  g_mutex_lock (&priv->lock);
  ours = gst_async_transform_latency_locked (priv);
  if (ours != latency->reported) {
    /* Downstream's QoS about the frames already inside was measured
     * against the old latency. */
    priv->qos.stale_until = priv->qos.last_in;
    gst_async_transform_reset_qos_locked (&priv->qos);
  }
  latency->reported = ours;
  latency->message_sent = FALSE;
  latency->live = live;
  gst_async_transform_unlock_and_wake (priv);
  return ours;
}

gboolean
gst_async_transform_answer_latency (GstAsyncTransform * self, GstQuery * query)
{
  GstClockTime min, max, ours;
  gboolean live;

  if (!gst_pad_peer_query (GET_PRIV (self)->sinkpad, query))
    return FALSE;
  gst_query_parse_latency (query, &live, &min, &max);
  ours = gst_async_transform_query_latency (self, live);
  min += ours;
  if (GST_CLOCK_TIME_IS_VALID (max))
    max += ours;
  GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " of latency",
      GST_TIME_ARGS (ours));
  gst_query_set_latency (query, live, min, max);
  return TRUE;
}

/* --- position ------------------------------------------------------------ */

/* Where upstream cannot say in time (multifilesrc, filesrc: a decoder's
 * BYTES input), the stream time of the newest frame pushed, as
 * GstVideoDecoder answers. */
static gboolean
gst_async_transform_answer_own_position (GstAsyncTransform * self,
    GstQuery * query)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncQos *qos = &priv->qos;
  GstClockTime position = GST_CLOCK_TIME_NONE;
  GstFormat format;

  gst_query_parse_position (query, &format, NULL);
  if (format != GST_FORMAT_TIME)
    return FALSE;
  g_mutex_lock (&priv->lock);
  if (qos->segment.format == GST_FORMAT_TIME
      && GST_CLOCK_TIME_IS_VALID (qos->last_out_start))
    position = gst_segment_to_stream_time (&qos->segment, GST_FORMAT_TIME,
        gst_segment_position_from_running_time (&qos->segment,
            GST_FORMAT_TIME, qos->last_out_start));
  gst_async_transform_unlock_and_wake (priv);
  if (!GST_CLOCK_TIME_IS_VALID (position))
    return FALSE;
  GST_LOG_OBJECT (self, "upstream has no position: the output's is %"
      GST_TIME_FORMAT, GST_TIME_ARGS (position));
  gst_query_set_position (query, format, position);
  return TRUE;
}

/* Upstream's position, less the stream time of the frames inside, as queue
 * does: downstream asks where the output is. */
gboolean
gst_async_transform_answer_position (GstAsyncTransform * self, GstQuery * query)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstAsyncQos *qos = &priv->qos;
  GstClockTime level = 0;
  GstFormat format;
  gint64 position;

  if (!gst_pad_peer_query (priv->sinkpad, query))
    return gst_async_transform_answer_own_position (self, query);
  gst_query_parse_position (query, &format, &position);
  if (format != GST_FORMAT_TIME || position < 0)
    return TRUE;

  g_mutex_lock (&priv->lock);
  if (GST_CLOCK_TIME_IS_VALID (qos->last_in)
      && GST_CLOCK_TIME_IS_VALID (qos->last_out)
      && qos->last_in > qos->last_out)
    level = (qos->last_in - qos->last_out) * ABS (qos->segment.rate);
  gst_async_transform_unlock_and_wake (priv);

  GST_LOG_OBJECT (self, "position %" GST_TIME_FORMAT " less %"
      GST_TIME_FORMAT " inside", GST_TIME_ARGS (position),
      GST_TIME_ARGS (level));
  gst_query_set_position (query, format, MAX (position - (gint64) level, 0));
  return TRUE;
}

/* --- stats --------------------------------------------------------------- */

static inline GstClockTime
gst_async_transform_mean (GstClockTime sum, guint64 count)
{
  return count ? sum / count : GST_CLOCK_TIME_NONE;
}

GstStructure *
gst_async_transform_stats_locked (GstAsyncTransformPrivate * priv)
{
  GstAsyncStats *stats = &priv->stats;

  return gst_structure_new ("GstAsyncTransformStats",
      "frames-in", G_TYPE_UINT64, stats->frames_in,
      "frames-out", G_TYPE_UINT64, stats->frames_out,
      "frames-processed", G_TYPE_UINT64, stats->processed,
      "process-calls", G_TYPE_UINT64, stats->calls,
      "process-calls-shared", G_TYPE_UINT64, stats->calls_shared,
      "dropped-leaky", G_TYPE_UINT64, stats->dropped_leaky,
      "dropped-qos", G_TYPE_UINT64, stats->dropped_qos,
      "dropped-errors", G_TYPE_UINT64, stats->dropped_errors,
      "dropped-other", G_TYPE_UINT64, stats->dropped_other,
      "in-flight", G_TYPE_UINT, priv->in_flight,
      "in-flight-max", G_TYPE_UINT, stats->in_flight_max,
      "process-time-min", G_TYPE_UINT64,
      stats->processed ? stats->process_min : GST_CLOCK_TIME_NONE,
      "process-time-mean", G_TYPE_UINT64,
      gst_async_transform_mean (stats->process_sum, stats->processed),
      "process-time-max", G_TYPE_UINT64,
      stats->processed ? stats->process_max : GST_CLOCK_TIME_NONE,
      "time-waiting-mean", G_TYPE_UINT64,
      gst_async_transform_mean (stats->waiting_sum, stats->processed),
      "time-waiting-max", G_TYPE_UINT64,
      stats->processed ? stats->waiting_max : GST_CLOCK_TIME_NONE,
      "time-through-mean", G_TYPE_UINT64,
      gst_async_transform_mean (stats->through_sum, stats->left),
      "time-through-max", G_TYPE_UINT64,
      stats->left ? stats->through_max : GST_CLOCK_TIME_NONE,
      "time-through-recent", G_TYPE_UINT64, stats->through_recent,
      "time-in-work-recent", G_TYPE_UINT64, priv->window.recent,
      "time-in-work-unloaded", G_TYPE_UINT64, priv->window.unloaded,
      "workers", G_TYPE_UINT, priv->n_workers,
      "window", G_TYPE_UINT, gst_async_transform_window_now_locked (priv),
      "window-state", G_TYPE_STRING,
      gst_async_transform_window_state_locked (priv),
      "latency", G_TYPE_UINT64, gst_async_transform_latency_locked (priv),
      NULL);
}

/* READY->PAUSED: counters and measurements start again. */
void
gst_async_transform_reset_stats_locked (GstAsyncTransformPrivate * priv)
{
  memset (&priv->stats, 0, sizeof (priv->stats));
  priv->stats.through_recent = GST_CLOCK_TIME_NONE;
  memset (&priv->latency, 0, sizeof (priv->latency));
}

/* The clock's thread: posts the stats, while the element lives. */
static gboolean
gst_async_transform_stats_tick (GstClock * clock, GstClockTime time,
    GstClockID id, gpointer user_data)
{
  GstAsyncTransform *self = g_weak_ref_get (user_data);
  GstAsyncTransformPrivate *priv;
  GstStructure *stats;

  if (self == NULL)
    return TRUE;
  priv = GET_PRIV (self);
  g_mutex_lock (&priv->lock);
  stats = gst_async_transform_stats_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), stats));
  gst_object_unref (self);
  return TRUE;
}

static void
gst_async_transform_free_weak_ref (gpointer ref)
{
  g_weak_ref_clear (ref);
  g_free (ref);
}

/* The shortest stats-interval honoured: a tick takes the element's
 * lock, and a few hundred a second would only load the machine. */
#define MIN_STATS_INTERVAL GST_MSECOND

/* With stats_timer_lock: the timer runs every stats-interval while the
 * element runs, from now. */
static void
gst_async_transform_reschedule_stats_timer (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstClockTime interval = MAX (priv->stats_interval, MIN_STATS_INTERVAL);
  GstClock *clock;
  GWeakRef *ref;

  if (priv->stats_timer) {
    gst_clock_id_unschedule (priv->stats_timer);
    gst_clock_id_unref (priv->stats_timer);
    priv->stats_timer = NULL;
  }
  if (!priv->stats_running || priv->stats_interval == 0)
    return;
  clock = gst_system_clock_obtain ();
  priv->stats_timer = gst_clock_new_periodic_id (clock,
      gst_clock_get_time (clock) + interval, interval);
  gst_object_unref (clock);
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  if (gst_clock_id_wait_async (priv->stats_timer,
          gst_async_transform_stats_tick, ref,
          gst_async_transform_free_weak_ref) != GST_CLOCK_OK) {
    /* (the clock did not take the ref) */
    GST_WARNING_OBJECT (self, "the system clock cannot time the stats");
    gst_async_transform_free_weak_ref (ref);
    gst_clock_id_unref (priv->stats_timer);
    priv->stats_timer = NULL;
  }
}

/* READY->PAUSED (@running) and PAUSED->READY: the periodic stats message
 * runs in between. A tick already running may still post once after
 * the stop. */
void
gst_async_transform_run_stats_timer (GstAsyncTransform * self, gboolean running)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->stats_timer_lock);
  priv->stats_running = running;
  gst_async_transform_reschedule_stats_timer (self);
  g_mutex_unlock (&priv->stats_timer_lock);
}

/* stats-interval, in ns (0: no messages; below 1 ms: 1 ms), from the
 * next tick on: the timer starts again from now. */
void
gst_async_transform_set_stats_interval (GstAsyncTransform * self,
    GstClockTime interval)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  g_mutex_lock (&priv->stats_timer_lock);
  priv->stats_interval = interval;
  gst_async_transform_reschedule_stats_timer (self);
  g_mutex_unlock (&priv->stats_timer_lock);
}

GstClockTime
gst_async_transform_get_stats_interval (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstClockTime interval;

  g_mutex_lock (&priv->stats_timer_lock);
  interval = priv->stats_interval;
  g_mutex_unlock (&priv->stats_timer_lock);
  return interval;
}

/* What a batch of the src task did, once its frames left the window. */
void
gst_async_transform_count_tally_locked (GstAsyncTransformPrivate * priv,
    GstAsyncTally * tally)
{
  GstAsyncStats *stats = &priv->stats;

  stats->frames_out += tally->pushed;
  stats->dropped_qos += tally->late;
  stats->dropped_errors += tally->errors;
  stats->dropped_other +=
      tally->frames - tally->pushed - tally->late - tally->errors;
  stats->left += tally->pushed;
  if (tally->pushed) {
    GstClockTime mean = tally->through_sum / tally->pushed;

    /* (a running average, for people watching a long run) */
    stats->through_recent = GST_CLOCK_TIME_IS_VALID (stats->through_recent) ?
        (7 * stats->through_recent + mean) / 8 : mean;
  }
  stats->through_sum += tally->through_sum;
  stats->through_max = MAX (stats->through_max, tally->through_max);
  gst_async_keep_later (&priv->qos.last_out, tally->last_end);
  gst_async_keep_later (&priv->qos.last_out_start, tally->last_start);
}

/* An encoder's input @buffer (transfer full) clipped to the input segment,
 * as GstVideoEncoder clips before its subclass sees a frame: NULL (and
 * @buffer unreffed) when it lies outside, else the buffer with the
 * timestamp and duration of the part inside. A buffer without a timestamp,
 * or a segment not in TIME, lets it pass as it is. Upstream thread. */
GstBuffer *
gst_async_transform_clip_to_segment (GstAsyncTransformPrivate * priv,
    GstBuffer * buffer)
{
  const GstSegment *segment = &priv->qos.segment;
  GstClockTime start = GST_BUFFER_PTS (buffer);
  GstClockTime duration = GST_BUFFER_DURATION (buffer);
  guint64 clip_start, clip_stop;

  if (segment->format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID (start))
    return buffer;
  if (!gst_segment_clip (segment, GST_FORMAT_TIME, start,
          GST_CLOCK_TIME_IS_VALID (duration) ? start + duration :
          GST_CLOCK_TIME_NONE, &clip_start, &clip_stop)) {
    gst_buffer_unref (buffer);
    return NULL;
  }
  /* (with no duration, the segment's stop ends the frame, as in
   * GstVideoEncoder) */
  duration = GST_CLOCK_TIME_IS_VALID (clip_stop) ? clip_stop - clip_start :
      GST_CLOCK_TIME_NONE;
  if (clip_start != start || duration != GST_BUFFER_DURATION (buffer)) {
    buffer = gst_buffer_make_writable (buffer);
    GST_BUFFER_PTS (buffer) = clip_start;
    GST_BUFFER_DURATION (buffer) = duration;
  }
  return buffer;
}
