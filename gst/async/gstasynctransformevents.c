/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformevents.c: the serialized events a GstAsyncTransform
 * sends in the stream's order
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

/* Events go into the same sequence as frames (gstasynctransformjobs.c),
 * from the upstream streaming thread: gst_async_transform_queue_event ()
 * for the sink events and the caps event of negotiation, with the
 * events a decoder holds until its first output caps, and the stream tags
 * merged with the subclass's own. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#define GST_CAT_DEFAULT gst_async_transform_debug

static void
gst_async_transform_append_event_locked (GstAsyncTransformPrivate * priv,
    GstEvent * event)
{
  if (gst_async_jobs_add_event_locked (&priv->jobs, event))
    gst_async_transform_wake_task_locked (priv);
}

static void
gst_async_transform_release_held_locked (GstAsyncTransformPrivate * priv)
{
  GstEvent *event;

  while ((event = g_queue_pop_head (&priv->held_events)))
    gst_async_transform_append_event_locked (priv, event);
}

/**
 * gst_async_transform_queue_event:
 * @self: a #GstAsyncTransform
 * @event: (transfer full): a serialized downstream event
 *
 * Sends @event downstream in order: after every frame submitted before,
 * before every frame submitted after. Call it from the upstream streaming
 * thread (#GstAsyncTransformClass.parse, #GstAsyncTransformClass.negotiate,
 * #GstAsyncTransformClass.sink_event); from
 * #GstAsyncTransformClass.process, use gst_async_frame_add_event(). While
 * a subclass has yet to set its first output caps, events that must follow
 * caps (segment, tags...) wait for them, as with #GstVideoDecoder; EOS
 * takes them along if no caps ever come.
 *
 * Returns: %TRUE if the event was queued, %FALSE if the element refused it
 *     (flushing, or stopped by an error).
 *
 * Since: 1.0
 */
gboolean
gst_async_transform_queue_event (GstAsyncTransform * self, GstEvent * event)
{
  GstAsyncTransformPrivate *priv;
  GstEventType type;
  GQueue stale = G_QUEUE_INIT;
  GstFlowReturn flow;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), FALSE);
  g_return_val_if_fail (GST_IS_EVENT (event), FALSE);
  priv = GET_PRIV (self);
  type = GST_EVENT_TYPE (event);

  g_mutex_lock (&priv->lock);
  flow = priv->flow;
  if (type == GST_EVENT_STREAM_START) {
    /* The previous stream's events never got caps: they end with it. */
    stale = priv->held_events;
    g_queue_init (&priv->held_events);
  }
  if (flow != GST_FLOW_OK)
    goto refused;
  /* (logged before the src task may take it) */
  GST_LOG_OBJECT (self, "queued %" GST_PTR_FORMAT, event);
  if (priv->awaiting_output_caps && type != GST_EVENT_STREAM_START
      && type != GST_EVENT_CAPS && type != GST_EVENT_EOS) {
    g_queue_push_tail (&priv->held_events, event);
  } else {
    if (type == GST_EVENT_EOS)
      gst_async_transform_release_held_locked (priv);
    gst_async_transform_append_event_locked (priv, event);
    /* (a partial batch before it goes now: it never waits past an event) */
    gst_async_transform_announce_locked (priv);
    if (type == GST_EVENT_CAPS) {
      priv->awaiting_output_caps = FALSE;
      gst_async_transform_release_held_locked (priv);
    }
  }
  gst_async_transform_unlock_and_wake (priv);
  g_queue_clear_full (&stale, (GDestroyNotify) gst_event_unref);
  return TRUE;

  /* ERRORS */
refused:
  {
    gst_async_transform_unlock_and_wake (priv);
    g_queue_clear_full (&stale, (GDestroyNotify) gst_event_unref);
    GST_DEBUG_OBJECT (self, "refusing %" GST_PTR_FORMAT ": %s", event,
        gst_flow_get_name (flow));
    gst_event_unref (event);
    return FALSE;
  }
}

/* The stream tags to send: upstream's, merged with the subclass's. */
static GstEvent *
gst_async_transform_merged_tags_event (GstAsyncTransformPrivate * priv)
{
  GstTagList *merged;

  merged = gst_tag_list_merge (priv->upstream_tags, priv->subclass_tags,
      priv->tags_mode);
  if (merged == NULL)
    merged = gst_tag_list_new_empty ();
  gst_tag_list_set_scope (merged, GST_TAG_SCOPE_STREAM);
  return gst_event_new_tag (merged);
}

/**
 * gst_async_transform_merge_tags:
 * @self: a #GstAsyncTransform
 * @tags: (nullable): the subclass's stream tags (an encoder's codec, a
 *     decoder's header tags), or %NULL to forget them
 * @mode: how @tags merge with upstream's stream tags
 *
 * Sets the subclass's stream tags, as gst_video_decoder_merge_tags() does:
 * a tag event with upstream's stream tags merged with them goes downstream
 * in order, after every frame submitted before, and every later tag event
 * from upstream is merged with them too. Call it from the upstream
 * streaming thread.
 *
 * Since: 1.0
 */
void
gst_async_transform_merge_tags (GstAsyncTransform * self,
    const GstTagList * tags, GstTagMergeMode mode)
{
  GstAsyncTransformPrivate *priv;

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  g_return_if_fail (tags == NULL || GST_IS_TAG_LIST (tags));
  g_return_if_fail (mode != GST_TAG_MERGE_UNDEFINED);
  priv = GET_PRIV (self);

  gst_clear_tag_list (&priv->subclass_tags);
  if (tags)
    priv->subclass_tags = gst_tag_list_copy (tags);
  priv->tags_mode = mode;
  gst_async_transform_queue_event (self,
      gst_async_transform_merged_tags_event (priv));
}

/* Upstream's stream tags are kept for merging with the subclass's. */
GstEvent *
gst_async_transform_upstream_tags (GstAsyncTransformPrivate * priv,
    GstEvent * event)
{
  GstTagList *tags;

  gst_event_parse_tag (event, &tags);
  if (gst_tag_list_get_scope (tags) != GST_TAG_SCOPE_STREAM)
    return event;
  gst_clear_tag_list (&priv->upstream_tags);
  priv->upstream_tags = gst_tag_list_ref (tags);
  if (priv->subclass_tags == NULL)
    return event;
  gst_event_unref (event);
  return gst_async_transform_merged_tags_event (priv);
}
