/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformcaps.c: caps, negotiation and allocation of
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

/* Caps queries (as GstBaseTransform answers them, through transform_caps),
 * negotiation (as GstVideoDecoder/Encoder: new input caps, then negotiate,
 * again when downstream asks for a reconfiguration) and the output
 * allocation. Negotiation runs in the upstream streaming thread, at a point
 * where every frame before has left the element: frames never see the
 * caps change under them. The caps fields are read under priv->lock from
 * any thread; allocation_pending and allocations are upstream thread
 * only. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#include <gst/video/video.h>
#include <glib/gi18n-lib.h>

#define GST_CAT_DEFAULT gst_async_transform_debug

/* --- caps queries -------------------------------------------------------- */

/* What @pad can take or give, as GstBaseTransform answers: the filter,
 * narrowed to this pad's template, turned into the other side's terms and
 * sent to the other side's peer; its answer, narrowed to the other pad's
 * template, turned back. Every step goes through the templates, so that
 * ANY (an unlinked peer, a sink that takes anything, a filter of ANY)
 * means "whatever the templates allow", never nothing. */
static GstCaps *
gst_async_transform_query_caps (GstAsyncTransform * self, GstPad * pad,
    GstCaps * filter)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstPad *otherpad = pad == priv->srcpad ? priv->sinkpad : priv->srcpad;
  GstPadDirection direction = GST_PAD_DIRECTION (pad);
  GstPadDirection otherdir = GST_PAD_DIRECTION (otherpad);
  GstCaps *templ, *othertempl, *peerfilter, *peercaps, *caps, *tmp;

  templ = gst_pad_get_pad_template_caps (pad);
  othertempl = gst_pad_get_pad_template_caps (otherpad);

  /* What the filter allows on this pad, seen from the other side. */
  if (filter) {
    tmp = gst_caps_intersect_full (filter, templ, GST_CAPS_INTERSECT_FIRST);
    caps = klass->transform_caps (self, direction, tmp, NULL);
    gst_caps_unref (tmp);
    peerfilter = gst_caps_intersect_full (caps, othertempl,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
  } else {
    peerfilter = gst_caps_ref (othertempl);
  }
  /* (without a peer, or one that does not answer: the filter itself) */
  peercaps = gst_pad_peer_query_caps (otherpad, peerfilter);
  gst_caps_unref (peerfilter);
  tmp = gst_caps_intersect_full (peercaps, othertempl,
      GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (peercaps);

  /* Then the template, then the filter, in the element's order of
   * preference and with the fields in the order GstVideoEncoder and
   * GstVideoDecoder give them (what the element carries over, its
   * template's, the filter's): a neighbour's fixation may depend on
   * either (videoconvert's, in 1.22, on where the format is among the
   * fields). */
  caps = klass->transform_caps (self, otherdir, tmp, NULL);
  gst_caps_unref (tmp);
  tmp = gst_caps_intersect_full (caps, templ, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (caps);
  caps = tmp;
  if (filter) {
    tmp = gst_caps_intersect_full (caps, filter, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = tmp;
  }

  gst_caps_unref (templ);
  gst_caps_unref (othertempl);
  GST_LOG_OBJECT (pad, "caps %" GST_PTR_FORMAT, caps);
  return caps;
}

/* Answers a caps query on @pad. */
gboolean
gst_async_transform_query_caps_on (GstAsyncTransform * self, GstPad * pad,
    GstQuery * query)
{
  GstCaps *filter, *caps;

  gst_query_parse_caps (query, &filter);
  caps = gst_async_transform_query_caps (self, pad, filter);
  gst_query_set_caps_result (query, caps);
  gst_caps_unref (caps);
  return TRUE;
}

/* As a pad's default: @caps must be within what a caps query filtered by
 * them gives (so downstream has its say, through transform_caps). */
gboolean
gst_async_transform_query_accept_caps (GstAsyncTransform * self,
    GstQuery * query)
{
  GstCaps *caps, *allowed;

  gst_query_parse_accept_caps (query, &caps);
  allowed = gst_async_transform_query_caps (self, GET_PRIV (self)->sinkpad,
      caps);
  gst_query_set_accept_caps_result (query, gst_caps_is_subset (caps, allowed));
  gst_caps_unref (allowed);
  return TRUE;
}

GstCaps *
gst_async_transform_default_transform_caps (GstAsyncTransform * self,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  if (filter)
    return gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
  return gst_caps_ref (caps);
}

GstCaps *
gst_async_transform_default_fixate_caps (GstAsyncTransform * self,
    GstPadDirection direction, GstCaps * caps, GstCaps * othercaps)
{
  /* Prefer the caps we came with when the other side allows them. */
  if (gst_caps_can_intersect (caps, othercaps)) {
    GstCaps *same = gst_caps_intersect (caps, othercaps);

    if (gst_caps_is_fixed (same)) {
      gst_caps_unref (othercaps);
      return same;
    }
    gst_caps_unref (same);
  }
  return gst_caps_fixate (othercaps);
}

/* --- negotiation --------------------------------------------------------- */

/**
 * gst_async_transform_find_output_caps:
 * @self: a #GstAsyncTransform
 * @caps: (transfer none): the output caps the element could produce (what
 *     #GstAsyncTransformClass.transform_caps gives for the input caps, or a
 *     decoder's candidates for a header it read)
 *
 * Narrows @caps to what downstream accepts and fixates the result with
 * #GstAsyncTransformClass.fixate_caps: what a subclass needs before
 * gst_async_transform_set_output_caps() when the output format is its
 * choice (a decoder that can write I420 or RGB).
 *
 * Returns: (transfer full) (nullable): fixed output caps, or %NULL when
 *     downstream takes none of @caps.
 *
 * Since: 1.0
 */
GstCaps *
gst_async_transform_find_output_caps (GstAsyncTransform * self, GstCaps * caps)
{
  GstAsyncTransformClass *klass;
  GstAsyncTransformPrivate *priv;
  GstCaps *peercaps, *outcaps, *incaps;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), NULL);
  g_return_val_if_fail (GST_IS_CAPS (caps), NULL);
  klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  priv = GET_PRIV (self);

  peercaps = gst_pad_peer_query_caps (priv->srcpad, caps);
  outcaps = gst_caps_intersect (peercaps, caps);
  gst_caps_unref (peercaps);

  incaps = gst_async_transform_get_input_caps (self);
  if (!gst_caps_is_empty (outcaps))
    outcaps = klass->fixate_caps (self, GST_PAD_SINK, incaps ? incaps :
        gst_caps_ref (caps), outcaps);
  gst_clear_caps (&incaps);
  if (gst_caps_is_empty (outcaps) || !gst_caps_is_fixed (outcaps)) {
    GST_WARNING_OBJECT (self, "no output caps downstream takes among %"
        GST_PTR_FORMAT " (got %" GST_PTR_FORMAT ")", caps, outcaps);
    gst_clear_caps (&outcaps);
  }
  return outcaps;
}

static gboolean gst_async_transform_decide_allocation (GstAsyncTransform *
    self, GstCaps * outcaps);

/* Runs negotiate (), after new input caps or on a reconfiguration; with
 * @reconfigure, and unchanged output caps, downstream's allocation is asked
 * for again (it may have another pool now). */
static gboolean
gst_async_transform_run_negotiate (GstAsyncTransform * self,
    gboolean reconfigure)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  guint allocations = priv->allocations;
  GstCaps *outcaps;
  gboolean ok;

  /* Negotiating now: a reconfigure asked for before is answered too. */
  gst_pad_check_reconfigure (priv->srcpad);
  /* A negotiate of the subclass's own may rewrite what process () reads:
   * on a reconfiguration the frames inside leave first, as they have on
   * new caps. (The default drains itself, only when it calls set_caps.) */
  if (reconfigure && klass->negotiate != gst_async_transform_default_negotiate
      && gst_async_transform_wait_drained (self) != GST_FLOW_OK) {
    gst_pad_mark_reconfigure (priv->srcpad);
    return FALSE;
  }
  ok = klass->negotiate (self);

  outcaps = gst_async_transform_get_output_caps (self);
  if (ok && reconfigure && outcaps && allocations == priv->allocations) {
    priv->allocation_pending =
        !gst_async_transform_decide_allocation (self, outcaps);
    ok = !priv->allocation_pending;
  }
  g_mutex_lock (&priv->lock);
  priv->negotiated = ok;
  priv->awaiting_output_caps = ok && outcaps == NULL;
  gst_async_transform_unlock_and_wake (priv);
  gst_clear_caps (&outcaps);

  if (!ok) {
    GST_DEBUG_OBJECT (self, "negotiation failed: trying again on the next "
        "frame");
    gst_pad_mark_reconfigure (priv->srcpad);
  }
  return ok;
}

/* New input caps, from the caps event: once every earlier frame has left,
 * forget what was made for the old ones and negotiate. Identical caps are
 * no change, as for GstVideoDecoder: no drain, no new contexts. */
gboolean
gst_async_transform_handle_caps (GstAsyncTransform * self, GstCaps * incaps)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gboolean same;
  GstCaps *old;

  g_mutex_lock (&priv->lock);
  same = priv->negotiated && priv->incaps
      && gst_caps_is_equal (priv->incaps, incaps);
  gst_async_transform_unlock_and_wake (priv);
  if (same) {
    GST_DEBUG_OBJECT (self, "same caps again: nothing to do");
    return TRUE;
  }

  GST_DEBUG_OBJECT (self, "new input caps %" GST_PTR_FORMAT, incaps);
  if (gst_async_transform_drain (self) != GST_FLOW_OK)
    return FALSE;
  gst_async_transform_renew_contexts (self, TRUE);

  g_mutex_lock (&priv->lock);
  old = priv->incaps;
  priv->incaps = gst_caps_ref (incaps);
  gst_async_transform_caps_changed_locked (priv);
  gst_async_transform_timing_from_caps_locked (priv, incaps);
  gst_async_transform_unlock_and_wake (priv);
  gst_clear_caps (&old);
  priv->set_caps_due = TRUE;

  return gst_async_transform_run_negotiate (self, FALSE);
}

/* After incaps or outcaps changed, with no frame inside (they change only
 * once every earlier frame has left). */
void
gst_async_transform_caps_changed_locked (GstAsyncTransformPrivate * priv)
{
  g_atomic_int_set (&priv->same_caps, priv->incaps && priv->outcaps
      && gst_caps_is_equal (priv->incaps, priv->outcaps));
}

/* Downstream asked for a reconfiguration (from the chain, before the next
 * frame): negotiate again once input caps are known. */
void
gst_async_transform_renegotiate (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gboolean known;

  if (!gst_pad_check_reconfigure (priv->srcpad))
    return;
  g_mutex_lock (&priv->lock);
  known = priv->incaps != NULL;
  gst_async_transform_unlock_and_wake (priv);
  if (known) {
    GST_DEBUG_OBJECT (self, "downstream asked for a reconfiguration");
    gst_async_transform_run_negotiate (self, TRUE);
  }
}

/* The default negotiate: output caps from the input caps through
 * transform_caps, downstream and fixate_caps; when they change, the frames
 * before leave with the old ones first. set_caps takes every new input
 * caps, as in GstBaseTransform, even when the output caps stay: what the
 * subclass keeps of the input (its size) may have changed. */
gboolean
gst_async_transform_default_negotiate (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstCaps *incaps, *candidates, *outcaps, *current;
  gboolean ok = FALSE;

  incaps = gst_async_transform_get_input_caps (self);
  if (incaps == NULL)
    return FALSE;
  candidates = klass->transform_caps (self, GST_PAD_SINK, incaps, NULL);
  outcaps = gst_async_transform_find_output_caps (self, candidates);
  gst_caps_unref (candidates);
  current = gst_async_transform_get_output_caps (self);

  /* (without output caps, find_output_caps () said why) */
  if (outcaps == NULL)
    goto done;
  if (!priv->set_caps_due && current && gst_caps_is_equal (outcaps, current)) {
    ok = TRUE;
    goto done;
  }
  if (gst_async_transform_wait_drained (self) != GST_FLOW_OK)
    goto done;
  if (current)
    gst_async_transform_renew_contexts (self, FALSE);
  ok = klass->set_caps == NULL || klass->set_caps (self, incaps, outcaps);
  if (!ok)
    GST_WARNING_OBJECT (self, "subclass refused %" GST_PTR_FORMAT
        " to %" GST_PTR_FORMAT, incaps, outcaps);
  else
    ok = gst_async_transform_set_output_caps (self, outcaps);
  priv->set_caps_due = !ok;

done:
  gst_clear_caps (&outcaps);
  gst_clear_caps (&current);
  gst_caps_unref (incaps);
  return ok;
}

/* After new output caps: once they have left the element (no frame is in
 * flight then), the subclass decides the output allocation with
 * downstream's answer to an allocation query, and the base class activates
 * the pool chosen. */
static gboolean
gst_async_transform_decide_allocation (GstAsyncTransform * self,
    GstCaps * outcaps)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstBufferPool *pool = NULL, *old_pool;
  GstAllocator *allocator = NULL, *old_allocator;
  GstAllocationParams params;
  GstQuery *query;
  gboolean ok;

  if (klass->decide_allocation == NULL)
    return TRUE;
  if (gst_async_transform_wait_drained (self) != GST_FLOW_OK)
    return FALSE;

  query = gst_query_new_allocation (outcaps, TRUE);
  if (!gst_pad_peer_query (priv->srcpad, query))
    GST_DEBUG_OBJECT (self, "downstream did not answer the allocation query");
  ok = klass->decide_allocation (self, query);
  priv->allocations++;

  gst_allocation_params_init (&params);
  if (ok && gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  if (ok && gst_query_get_n_allocation_params (query) > 0)
    gst_query_parse_nth_allocation_param (query, 0, &allocator, &params);
  gst_query_unref (query);
  if (pool && !gst_buffer_pool_set_active (pool, TRUE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("Could not set up the output buffers.")),
        ("Could not activate the output buffer pool"));
    gst_clear_object (&pool);
    ok = FALSE;
  }

  g_mutex_lock (&priv->lock);
  old_pool = priv->pool;
  old_allocator = priv->allocator;
  priv->pool = pool;
  priv->allocator = allocator;
  priv->params = params;
  gst_async_transform_unlock_and_wake (priv);
  /* Not deactivated, as GstVideoDecoder does not: it may be downstream's,
   * still in use there; it is deactivated when it is freed. */
  gst_clear_object (&old_pool);
  gst_clear_object (&old_allocator);
  return ok;
}

/**
 * gst_async_transform_set_output_caps:
 * @self: a #GstAsyncTransform
 * @caps: (transfer none): fixed caps
 *
 * Sets the output caps, from the upstream streaming thread: from
 * #GstAsyncTransformClass.negotiate, or from #GstAsyncTransformClass.parse
 * once a decoder has read a header. Every frame submitted before leaves
 * first, with the old caps; then the caps event goes out,
 * #GstAsyncTransformClass.decide_allocation runs, and frames submitted
 * after leave with @caps. Equal caps cost a comparison, so calling this
 * for every frame is fine, and finishes what a flush may have interrupted.
 * Never call it from #GstAsyncTransformClass.process.
 *
 * Returns: %TRUE if the caps event was queued and the allocation decided.
 *
 * Since: 1.0
 */
gboolean
gst_async_transform_set_output_caps (GstAsyncTransform * self, GstCaps * caps)
{
  GstAsyncTransformPrivate *priv;
  GstCaps *old;
  gboolean same;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), FALSE);
  g_return_val_if_fail (GST_IS_CAPS (caps) && gst_caps_is_fixed (caps), FALSE);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  same = priv->outcaps && gst_caps_is_equal (priv->outcaps, caps);
  gst_async_transform_unlock_and_wake (priv);

  if (!same) {
    /* Frames made for the old caps leave first: process () of later
     * frames may rely on state the subclass changes along with the caps. */
    if (gst_async_transform_wait_drained (self) != GST_FLOW_OK)
      return FALSE;
    GST_DEBUG_OBJECT (self, "output caps %" GST_PTR_FORMAT, caps);
    if (!gst_async_transform_queue_event (self, gst_event_new_caps (caps)))
      return FALSE;
    g_mutex_lock (&priv->lock);
    old = priv->outcaps;
    priv->outcaps = gst_caps_ref (caps);
    gst_async_transform_caps_changed_locked (priv);
    gst_async_transform_unlock_and_wake (priv);
    gst_clear_caps (&old);
  } else if (!priv->allocation_pending) {
    return TRUE;
  }
  /* New caps, or a flush interrupted the last decision. */
  priv->allocation_pending =
      !gst_async_transform_decide_allocation (self, caps);
  return !priv->allocation_pending;
}

/* A reference to the caps in @field, a field under the lock. */
static GstCaps *
gst_async_transform_ref_caps (GstAsyncTransform * self, GstCaps ** field)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstCaps *caps;

  g_mutex_lock (&priv->lock);
  caps = *field ? gst_caps_ref (*field) : NULL;
  gst_async_transform_unlock_and_wake (priv);
  return caps;
}

/**
 * gst_async_transform_get_input_caps:
 * @self: a #GstAsyncTransform
 *
 * Gets the caps of the input the element is working on now.
 *
 * Returns: (transfer full) (nullable): the current input caps, %NULL
 *     before the first caps event.
 *
 * Since: 1.0
 */
GstCaps *
gst_async_transform_get_input_caps (GstAsyncTransform * self)
{
  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), NULL);

  return gst_async_transform_ref_caps (self, &GET_PRIV (self)->incaps);
}

/**
 * gst_async_transform_get_output_caps:
 * @self: a #GstAsyncTransform
 *
 * Gets the caps the output leaves with.
 *
 * Returns: (transfer full) (nullable): the output caps set last (frames
 *     submitted from now on leave with them), %NULL before any.
 *
 * Since: 1.0
 */
GstCaps *
gst_async_transform_get_output_caps (GstAsyncTransform * self)
{
  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), NULL);

  return gst_async_transform_ref_caps (self, &GET_PRIV (self)->outcaps);
}

/* --- allocation ---------------------------------------------------------- */

/* Raw video caps, with what they say; never logs for other formats. */
static gboolean
gst_async_transform_video_info (GstCaps * caps, GstVideoInfo * info)
{
  return caps && gst_caps_get_size (caps) == 1
      && gst_structure_has_name (gst_caps_get_structure (caps, 0),
      "video/x-raw") && gst_video_info_from_caps (info, caps);
}

gboolean
gst_async_transform_default_propose_allocation (GstAsyncTransform * self,
    GstQuery * query)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstCaps *caps;
  GstVideoInfo info;
  gboolean same_caps;
  guint extra, extra_max, i, n, size = 0;

  gst_query_parse_allocation (query, &caps, NULL);

  g_mutex_lock (&priv->lock);
  same_caps = priv->outcaps && caps && gst_caps_is_equal (priv->outcaps, caps);
  extra = priv->base_window;
  extra_max = gst_async_transform_window_max_locked (priv);
  gst_async_transform_unlock_and_wake (priv);

  /* Downstream's pool and metas only serve upstream when the format passes
   * through unchanged. */
  if (same_caps && !gst_pad_peer_query (priv->srcpad, query))
    GST_DEBUG_OBJECT (self, "downstream did not answer the allocation query");

  n = gst_query_get_n_allocation_pools (query);
  for (i = 0; i < n; i++) {
    GstBufferPool *pool;
    guint min, max;

    gst_query_parse_nth_allocation_pool (query, i, &pool, &size, &min, &max);
    min += extra;
    if (max != 0)
      max = MAX (max + extra_max, min);
    gst_query_set_nth_allocation_pool (query, i, pool, size, min, max);
    gst_clear_object (&pool);
  }
  /* Nobody proposed a pool: propose the window for raw video, whose size
   * is known. Any other format gets none rather than one of size 0. */
  if (n == 0 && gst_async_transform_video_info (caps, &info) && info.size > 0)
    gst_query_add_allocation_pool (query, NULL, info.size, extra, 0);
  return TRUE;
}

/* Configures @pool for the output; FALSE if it refused. */
static gboolean
gst_async_transform_configure_pool (GstBufferPool * pool, GstCaps * caps,
    guint size, guint min, guint max, GstAllocator * allocator,
    GstAllocationParams * params, gboolean video_meta)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);

  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  gst_buffer_pool_config_set_allocator (config, allocator, params);
  if (video_meta
      && gst_buffer_pool_has_option (pool, GST_BUFFER_POOL_OPTION_VIDEO_META))
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (gst_buffer_pool_set_config (pool, config))
    return TRUE;
  /* A pool may adjust the configuration: accept it if the counts hold. */
  config = gst_buffer_pool_get_config (pool);
  if (!gst_buffer_pool_config_validate_params (config, caps, size, min, max)) {
    gst_structure_free (config);
    return FALSE;
  }
  return gst_buffer_pool_set_config (pool, config);
}

/* The default decide_allocation: downstream's pool, or one of ours, sized
 * for every frame the element may hold besides what downstream holds: a
 * frame waiting for its turn keeps its output buffer, so with fewer the
 * frame that must leave first could wait forever for a buffer. */
gboolean
gst_async_transform_default_decide_allocation (GstAsyncTransform * self,
    GstQuery * query)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstBufferPool *pool = NULL;
  GstAllocator *allocator = NULL;
  GstAllocationParams params;
  GstVideoInfo info;
  GstCaps *caps;
  gboolean video, video_meta;
  guint size = 0, min = 0, max = 0, window, window_max;

  gst_query_parse_allocation (query, &caps, NULL);
  video = gst_async_transform_video_info (caps, &info);
  video_meta = video
      && gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
  if (video)
    size = MAX (size, info.size);
  if (size == 0) {
    /* No size known (compressed output): buffers come from the allocator,
     * sized per frame. */
    gst_clear_object (&pool);
    while (gst_query_get_n_allocation_pools (query) > 0)
      gst_query_remove_nth_allocation_pool (query, 0);
    return TRUE;
  }

  gst_allocation_params_init (&params);
  if (gst_query_get_n_allocation_params (query) > 0)
    gst_query_parse_nth_allocation_param (query, 0, &allocator, &params);

  /* (the pool makes its minimum up front: the window's base; its maximum
   * allows for the largest window) */
  g_mutex_lock (&priv->lock);
  window = priv->base_window;
  window_max = gst_async_transform_window_max_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
  if (max != 0)
    max = MAX (max, min + window_max);
  min += window;

  if (pool == NULL || !gst_async_transform_configure_pool (pool, caps, size,
          min, max, allocator, &params, video_meta)) {
    GST_DEBUG_OBJECT (self, "%s: using a pool of our own",
        pool ? "downstream's pool refused the window" : "no pool downstream");
    gst_clear_object (&pool);
    pool = video ? gst_video_buffer_pool_new () : gst_buffer_pool_new ();
    max = 0;
    if (!gst_async_transform_configure_pool (pool, caps, size, min, max,
            allocator, &params, video_meta)) {
      gst_object_unref (pool);
      gst_clear_object (&allocator);
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          (_("Could not set up the output buffers.")),
          ("Could not configure an output buffer pool for %" GST_PTR_FORMAT,
              caps));
      return FALSE;
    }
  }
  GST_DEBUG_OBJECT (self, "output pool of %u to %u buffers of %u bytes", min,
      max, size);

  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_set_nth_allocation_pool (query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool (query, pool, size, min, max);
  gst_object_unref (pool);
  gst_clear_object (&allocator);
  return TRUE;
}

/* PAUSED->READY and dispose: the output pool goes. */
void
gst_async_transform_clear_allocation (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstBufferPool *pool;
  GstAllocator *allocator;

  g_mutex_lock (&priv->lock);
  pool = g_steal_pointer (&priv->pool);
  allocator = g_steal_pointer (&priv->allocator);
  gst_async_transform_unlock_and_wake (priv);
  if (pool) {
    gst_buffer_pool_set_active (pool, FALSE);
    gst_object_unref (pool);
  }
  gst_clear_object (&allocator);
  priv->allocation_pending = FALSE;
}

/**
 * gst_async_transform_get_buffer_pool:
 * @self: a #GstAsyncTransform
 *
 * Gets the buffer pool output buffers come from, for a #GstAsyncTransformClass.process
 * that allocates its own.
 *
 * Returns: (transfer full) (nullable): the active pool that
 *     #GstAsyncTransformClass.decide_allocation chose for the output, if
 *     any.
 *
 * Since: 1.0
 */
GstBufferPool *
gst_async_transform_get_buffer_pool (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv;
  GstBufferPool *pool;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), NULL);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  pool = priv->pool ? gst_object_ref (priv->pool) : NULL;
  gst_async_transform_unlock_and_wake (priv);
  return pool;
}

/**
 * gst_async_transform_get_allocator:
 * @self: a #GstAsyncTransform
 * @allocator: (out) (optional) (nullable) (transfer full): the allocator
 *     downstream wants output memory from, %NULL for the default
 * @params: (out) (optional): its parameters
 *
 * What #GstAsyncTransformClass.decide_allocation chose for output memory
 * that does not come from the pool.
 *
 * Since: 1.0
 */
void
gst_async_transform_get_allocator (GstAsyncTransform * self,
    GstAllocator ** allocator, GstAllocationParams * params)
{
  GstAsyncTransformPrivate *priv;

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  if (allocator)
    *allocator = priv->allocator ? gst_object_ref (priv->allocator) : NULL;
  if (params)
    *params = priv->params;
  gst_async_transform_unlock_and_wake (priv);
}

/**
 * gst_async_transform_allocate_output_buffer:
 * @self: a #GstAsyncTransform
 * @size: the bytes the output needs
 * @buffer: (out) (transfer full): the new buffer
 *
 * Allocates an output buffer from #GstAsyncTransformClass.process: from
 * the pool #GstAsyncTransformClass.decide_allocation chose when its
 * buffers hold @size bytes (raw video output), otherwise from the
 * allocator downstream asked for. The pool is sized for every frame in
 * flight, so waiting for one of its buffers never deadlocks in ordered
 * mode; a flush or a stop interrupts the wait.
 *
 * Returns: %GST_FLOW_OK, or %GST_FLOW_FLUSHING when interrupted
 *     (%GST_FLOW_ERROR if no memory could be had).
 *
 * Since: 1.0
 */
GstFlowReturn
gst_async_transform_allocate_output_buffer (GstAsyncTransform * self,
    gsize size, GstBuffer ** buffer)
{
  GstBufferPool *pool;
  GstAllocator *allocator;
  GstAllocationParams params;
  guint pool_size = 0;
  GstFlowReturn ret;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), GST_FLOW_ERROR);
  g_return_val_if_fail (buffer != NULL, GST_FLOW_ERROR);

  pool = gst_async_transform_get_buffer_pool (self);
  if (pool) {
    GstStructure *config = gst_buffer_pool_get_config (pool);

    gst_buffer_pool_config_get_params (config, NULL, &pool_size, NULL, NULL);
    gst_structure_free (config);
  }
  if (pool && size <= pool_size) {
    ret = gst_buffer_pool_acquire_buffer (pool, buffer, NULL);
    gst_object_unref (pool);
    if (ret == GST_FLOW_OK && size < pool_size)
      gst_buffer_set_size (*buffer, size);
    return ret;
  }
  gst_clear_object (&pool);

  gst_async_transform_get_allocator (self, &allocator, &params);
  *buffer = gst_buffer_new_allocate (allocator, size, &params);
  gst_clear_object (&allocator);
  return *buffer ? GST_FLOW_OK : GST_FLOW_ERROR;
}
