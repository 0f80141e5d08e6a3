/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasyncwrapreplica.c: one replica of the filter asyncwrap wraps
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

/* A replica is the wrapped filter chain built from its launch description
 * into a bin of its own, with two pads of ours linked to it: the feeder
 * pushes a frame in, and the collector takes what comes out. The push runs
 * the whole chain in the calling thread (a worker), so one frame at a time
 * goes through a replica and no thread or queue is added.
 *
 * Queries the chain sends out of either end go on to asyncwrap's peers:
 * caps questions get the answers asyncwrap itself would get. Allocation
 * queries are answered here with a pool of the replica's own, since
 * downstream's pool cannot be shared by several replicas and a serialized
 * query from a worker would overtake the frames before it. Events coming
 * out are dropped, except caps, which are what the chain makes: asyncwrap
 * sends every event downstream itself, once, in its place.
 *
 * A buffer probe on every pad counts the buffers each element takes and
 * gives for the frame being pushed, so that a chain that is not 1-in/1-out
 * is reported with the element that is not.
 *
 * Messages of the chain's elements (errors, warnings, element messages)
 * are posted on by asyncwrap with their source unchanged. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncwrapreplica.h"
#include "gstasynctransform.h"

#include <gst/video/video.h>
#include <glib/gi18n-lib.h>

GST_DEBUG_CATEGORY_EXTERN (gst_async_wrap_debug);
#define GST_CAT_DEFAULT gst_async_wrap_debug

struct _GstAsyncWrapReplica
{
  GstElement *wrap;             /* not reffed: asyncwrap owns its replicas */
  gchar *description;
  GstElement *bin;
  GstBus *bus;
  GstPad *feeder;
  GstPad *collector;
  GstPad *bin_sink;
  GstPad *bin_src;

  GPtrArray *elements;          /* every element inside, in a fixed order */
  guint *counts;                /* per element: buffers in, buffers out */

  /* Only the thread using the replica touches these. */
  GPtrArray *events;            /* the sticky events it last got */
  GstCaps *outcaps;
  GstBuffer *output;
  guint n_outputs;
  gboolean error_posted;

  /* For gst_async_wrap_replica_transform_caps (): while set, the caps
   * query reaching @answer_pad is answered with @answer. */
  GstPad *answer_pad;
  GstCaps *answer;
};

static GstPadProbeReturn
gst_async_wrap_replica_count (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  guint *count = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    *count += gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  else
    (*count)++;
  return GST_PAD_PROBE_OK;
}

static GstBusSyncReply
gst_async_wrap_replica_on_message (GstBus * bus, GstMessage * message,
    gpointer user_data)
{
  GstAsyncWrapReplica *replica = user_data;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:
      replica->error_posted = TRUE;
      /* fall through */
    case GST_MESSAGE_WARNING:
    case GST_MESSAGE_INFO:
    case GST_MESSAGE_ELEMENT:
      gst_element_post_message (replica->wrap, gst_message_ref (message));
      break;
    default:
      break;
  }
  /* (a sync handler that drops a message owns it) */
  gst_message_unref (message);
  return GST_BUS_DROP;
}

/* A caps query reaching the answer pad gets the caps given to
 * gst_async_wrap_replica_transform_caps (). */
static gboolean
gst_async_wrap_replica_answer (GstAsyncWrapReplica * replica, GstPad * pad,
    GstQuery * query)
{
  GstCaps *filter, *result;

  if (pad != replica->answer_pad || GST_QUERY_TYPE (query) != GST_QUERY_CAPS)
    return FALSE;
  gst_query_parse_caps (query, &filter);
  if (filter)
    result = gst_caps_intersect_full (filter, replica->answer,
        GST_CAPS_INTERSECT_FIRST);
  else
    result = gst_caps_ref (replica->answer);
  gst_query_set_caps_result (query, result);
  gst_caps_unref (result);
  return TRUE;
}

/* What the chain asks at either end is asked of asyncwrap's peer on that
 * side, as a bin's ghost pads would. */
static gboolean
gst_async_wrap_replica_forward_query (GstPad * peer_side, GstQuery * query)
{
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps;

      gst_query_parse_caps (query, &filter);
      caps = gst_pad_peer_query_caps (peer_side, filter);
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_QUERY_ACCEPT_CAPS:{
      GstCaps *caps;

      gst_query_parse_accept_caps (query, &caps);
      gst_query_set_accept_caps_result (query,
          gst_pad_peer_query_accept_caps (peer_side, caps));
      return TRUE;
    }
    default:
      if (GST_QUERY_IS_SERIALIZED (query))
        return FALSE;
      return gst_pad_peer_query (peer_side, query);
  }
}

static gboolean
gst_async_wrap_replica_feeder_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstAsyncWrapReplica *replica = GST_PAD_ELEMENT_PRIVATE (pad);

  if (gst_async_wrap_replica_answer (replica, pad, query))
    return TRUE;
  return gst_async_wrap_replica_forward_query (GST_ASYNC_TRANSFORM_SINK_PAD
      (replica->wrap), query);
}

/* Each replica allocates from a pool of its own, so that its output memory
 * is reused frame after frame. */
static gboolean
gst_async_wrap_replica_answer_allocation (GstQuery * query)
{
  GstCaps *caps;
  GstVideoInfo info;
  GstBufferPool *pool;

  gst_query_parse_allocation (query, &caps, NULL);
  if (caps && gst_video_info_from_caps (&info, caps)) {
    pool = gst_buffer_pool_new ();
    gst_query_add_allocation_pool (query, pool, info.size, 0, 0);
    gst_object_unref (pool);
  }
  return TRUE;
}

static gboolean
gst_async_wrap_replica_collector_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstAsyncWrapReplica *replica = GST_PAD_ELEMENT_PRIVATE (pad);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_ALLOCATION:
      return gst_async_wrap_replica_answer_allocation (query);
    case GST_QUERY_DRAIN:
      return TRUE;
    default:
      if (gst_async_wrap_replica_answer (replica, pad, query))
        return TRUE;
      return gst_async_wrap_replica_forward_query (GST_ASYNC_TRANSFORM_SRC_PAD
          (replica->wrap), query);
  }
}

static gboolean
gst_async_wrap_replica_collector_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstAsyncWrapReplica *replica = GST_PAD_ELEMENT_PRIVATE (pad);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;

    gst_event_parse_caps (event, &caps);
    gst_caps_replace (&replica->outcaps, caps);
  }
  gst_event_unref (event);
  return TRUE;
}

static GstFlowReturn
gst_async_wrap_replica_collector_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstAsyncWrapReplica *replica = GST_PAD_ELEMENT_PRIVATE (pad);

  replica->n_outputs++;
  if (replica->output == NULL)
    replica->output = buffer;
  else
    gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

/* Checks that every element inside is a filter with all its pads linked,
 * and puts the counting probes on its pads. */
static gboolean
gst_async_wrap_replica_check_elements (GstAsyncWrapReplica * replica,
    GError ** error)
{
  guint i;

  replica->counts = g_new0 (guint, 2 * replica->elements->len);
  for (i = 0; i < replica->elements->len; i++) {
    GstElement *element = g_ptr_array_index (replica->elements, i);
    GList *l;

    if (GST_IS_BIN (element))
      continue;
    if (GST_OBJECT_FLAG_IS_SET (element, GST_ELEMENT_FLAG_SOURCE)
        || GST_OBJECT_FLAG_IS_SET (element, GST_ELEMENT_FLAG_SINK)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          _("The filter \"%s\" cannot be wrapped: %s is a source or a sink, "
              "not a filter."), replica->description,
          GST_OBJECT_NAME (element));
      return FALSE;
    }
    for (l = GST_ELEMENT_PADS (element); l; l = l->next) {
      GstPad *pad = l->data;

      if (!gst_pad_is_linked (pad)) {
        g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
            _("The filter \"%s\" cannot be wrapped: pad %s of %s is not "
                "linked; it must take one stream in and give one out."),
            replica->description, GST_PAD_NAME (pad),
            GST_OBJECT_NAME (element));
        return FALSE;
      }
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST, gst_async_wrap_replica_count,
          &replica->counts[2 * i + (GST_PAD_IS_SRC (pad) ? 1 : 0)], NULL);
    }
  }
  return TRUE;
}

static void
gst_async_wrap_replica_add_element (const GValue * value, gpointer user_data)
{
  g_ptr_array_add (user_data, g_value_get_object (value));
}

/* The end of the chain on @name's side, or NULL with @error set. */
static GstPad *
gst_async_wrap_replica_end (GstAsyncWrapReplica * replica, const gchar * name,
    GError ** error)
{
  GstPad *pad = gst_element_get_static_pad (replica->bin, name);

  if (pad == NULL && g_str_equal (name, "sink"))
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" has no free sink pad: it must take one stream "
            "in and give one out."), replica->description);
  else if (pad == NULL)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" has no free src pad: it must take one stream "
            "in and give one out."), replica->description);
  return pad;
}

/**
 * gst_async_wrap_replica_new:
 * @wrap: the asyncwrap element
 * @description: a launch description of a 1-in/1-out filter chain
 * @name: the name of the replica's bin, for debug logs and messages
 * @error: where a description that cannot be wrapped is told
 *
 * Builds a replica, in the NULL state.
 */
GstAsyncWrapReplica *
gst_async_wrap_replica_new (GstElement * wrap, const gchar * description,
    const gchar * name, GError ** error)
{
  GstAsyncWrapReplica *replica = g_new0 (GstAsyncWrapReplica, 1);
  GError *parse_error = NULL;
  GstIterator *it;

  replica->wrap = wrap;
  replica->description = g_strdup (description);
  replica->elements = g_ptr_array_new ();
  replica->bin = gst_parse_bin_from_description_full (description, TRUE,
      NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (replica->bin == NULL) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("Could not make the filter \"%s\": %s"), description,
        parse_error->message);
    g_clear_error (&parse_error);
    goto failed;
  }
  gst_object_ref_sink (replica->bin);
  g_clear_error (&parse_error);
  gst_object_set_name (GST_OBJECT (replica->bin), name);

  replica->bus = gst_bus_new ();
  gst_bus_set_sync_handler (replica->bus, gst_async_wrap_replica_on_message,
      replica, NULL);
  gst_element_set_bus (replica->bin, replica->bus);

  if (!(replica->bin_sink = gst_async_wrap_replica_end (replica, "sink", error))
      || !(replica->bin_src = gst_async_wrap_replica_end (replica, "src",
              error)))
    goto failed;

  it = gst_bin_iterate_recurse (GST_BIN (replica->bin));
  while (gst_iterator_foreach (it, gst_async_wrap_replica_add_element,
          replica->elements) == GST_ITERATOR_RESYNC) {
    gst_iterator_resync (it);
    g_ptr_array_set_size (replica->elements, 0);
  }
  gst_iterator_free (it);
  if (!gst_async_wrap_replica_check_elements (replica, error))
    goto failed;

  replica->feeder = gst_pad_new ("feeder", GST_PAD_SRC);
  GST_PAD_ELEMENT_PRIVATE (replica->feeder) = replica;
  gst_pad_set_query_function (replica->feeder,
      gst_async_wrap_replica_feeder_query);
  replica->collector = gst_pad_new ("collector", GST_PAD_SINK);
  GST_PAD_ELEMENT_PRIVATE (replica->collector) = replica;
  gst_pad_set_chain_function (replica->collector,
      gst_async_wrap_replica_collector_chain);
  gst_pad_set_event_function (replica->collector,
      gst_async_wrap_replica_collector_event);
  gst_pad_set_query_function (replica->collector,
      gst_async_wrap_replica_collector_query);
  gst_pad_link (replica->feeder, replica->bin_sink);
  gst_pad_link (replica->bin_src, replica->collector);
  gst_pad_set_active (replica->feeder, TRUE);
  gst_pad_set_active (replica->collector, TRUE);
  return replica;

failed:
  gst_async_wrap_replica_free (replica);
  return NULL;
}

void
gst_async_wrap_replica_free (GstAsyncWrapReplica * replica)
{
  if (replica->bin) {
    gst_element_set_state (replica->bin, GST_STATE_NULL);
    gst_element_set_bus (replica->bin, NULL);
  }
  if (replica->feeder) {
    gst_pad_set_active (replica->feeder, FALSE);
    gst_pad_set_active (replica->collector, FALSE);
    gst_pad_unlink (replica->feeder, replica->bin_sink);
    gst_pad_unlink (replica->bin_src, replica->collector);
    gst_object_unref (replica->feeder);
    gst_object_unref (replica->collector);
  }
  g_clear_object (&replica->bin_sink);
  g_clear_object (&replica->bin_src);
  g_clear_object (&replica->bus);
  g_clear_object (&replica->bin);
  g_ptr_array_unref (replica->elements);
  g_clear_pointer (&replica->events, g_ptr_array_unref);
  gst_clear_caps (&replica->outcaps);
  g_free (replica->counts);
  g_free (replica->description);
  g_free (replica);
}

/* The first element with a streaming thread of its own, or NULL. */
static GstElement *
gst_async_wrap_replica_find_thread (GstAsyncWrapReplica * replica)
{
  guint i;

  for (i = 0; i < replica->elements->len; i++) {
    GstElement *element = g_ptr_array_index (replica->elements, i);
    GList *l;

    if (GST_IS_BIN (element))
      continue;
    for (l = GST_ELEMENT_PADS (element); l; l = l->next)
      if (gst_pad_get_task_state (l->data) != GST_TASK_STOPPED)
        return element;
  }
  return NULL;
}

/**
 * gst_async_wrap_replica_set_state:
 *
 * Sets the replica's state. From PAUSED up, a chain with an element that
 * runs a thread of its own (a queue) is refused: frames must go through in
 * the pushing thread.
 */
gboolean
gst_async_wrap_replica_set_state (GstAsyncWrapReplica * replica,
    GstState state, GError ** error)
{
  GstElement *threaded;

  if (gst_element_set_state (replica->bin, state) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        _("The filter \"%s\" could not change its state."),
        replica->description);
    return FALSE;
  }
  if (state >= GST_STATE_PAUSED
      && (threaded = gst_async_wrap_replica_find_thread (replica))) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" cannot be wrapped: %s runs a thread of its "
            "own; frames must go through the filter in the calling thread."),
        replica->description, GST_OBJECT_NAME (threaded));
    return FALSE;
  }
  return TRUE;
}

/* (transfer none) */
GPtrArray *
gst_async_wrap_replica_get_elements (GstAsyncWrapReplica * replica)
{
  return replica->elements;
}

/**
 * gst_async_wrap_replica_transform_caps:
 *
 * The caps the chain can give at its end opposite @direction when it is
 * given @caps on the @direction side, narrowed by @filter: the caps query
 * on one end, with @caps the answer at the other. Not thread-safe: the
 * caller serializes calls on one replica, which pushes no frames.
 */
GstCaps *
gst_async_wrap_replica_transform_caps (GstAsyncWrapReplica * replica,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstCaps *result;

  replica->answer = caps;
  if (direction == GST_PAD_SINK) {
    replica->answer_pad = replica->feeder;
    result = gst_pad_query_caps (replica->bin_src, filter);
  } else {
    replica->answer_pad = replica->collector;
    result = gst_pad_query_caps (replica->bin_sink, filter);
  }
  replica->answer_pad = NULL;
  replica->answer = NULL;
  return result;
}

/**
 * gst_async_wrap_replica_send_events:
 * @events: sticky events, in the order they go
 *
 * Brings the replica's sticky events up to @events. The feeder, like any
 * src pad, sends on only those that changed.
 *
 * Returns: %GST_FLOW_NOT_NEGOTIATED if the chain refused one,
 * %GST_FLOW_FLUSHING if the replica is being flushed.
 */
GstFlowReturn
gst_async_wrap_replica_send_events (GstAsyncWrapReplica * replica,
    GPtrArray * events)
{
  guint i;

  if (replica->events == events)
    return GST_FLOW_OK;
  for (i = 0; i < events->len; i++) {
    GstEvent *event = g_ptr_array_index (events, i);

    if (!gst_pad_push_event (replica->feeder, gst_event_ref (event))) {
      GST_DEBUG_OBJECT (replica->bin, "the chain refused %" GST_PTR_FORMAT,
          event);
      g_clear_pointer (&replica->events, g_ptr_array_unref);
      return GST_PAD_IS_FLUSHING (replica->feeder) ? GST_FLOW_FLUSHING :
          GST_FLOW_NOT_NEGOTIATED;
    }
  }
  g_clear_pointer (&replica->events, g_ptr_array_unref);
  replica->events = g_ptr_array_ref (events);
  return GST_FLOW_OK;
}

/* (transfer none) (nullable): the caps the chain last gave. */
GstCaps *
gst_async_wrap_replica_get_output_caps (GstAsyncWrapReplica * replica)
{
  return replica->outcaps;
}

static void
gst_async_wrap_replica_post_not_one_to_one (GstAsyncWrapReplica * replica)
{
  guint i;

  /* The first element that took the one buffer and did not give one. */
  for (i = 0; i < replica->elements->len; i++) {
    GstElement *element = g_ptr_array_index (replica->elements, i);
    guint in = replica->counts[2 * i], out = replica->counts[2 * i + 1];

    if (!GST_IS_BIN (element) && in == 1 && out != 1) {
      GST_ELEMENT_ERROR (replica->wrap, STREAM, FAILED,
          (_("The filter \"%s\" does not give one frame for each frame: "
                  "%s gave %u for one."), replica->description,
              GST_OBJECT_NAME (element), out), (NULL));
      return;
    }
  }
  GST_ELEMENT_ERROR (replica->wrap, STREAM, FAILED,
      (_("The filter \"%s\" does not give one frame for each frame: it gave "
              "%u for one."), replica->description, replica->n_outputs),
      (NULL));
}

/**
 * gst_async_wrap_replica_push:
 * @input: (transfer full): the frame
 * @output: (out) (transfer full): what the chain made of it
 *
 * Pushes one frame through the chain, in the calling thread. A chain that
 * gives anything but one buffer for it, or fails without saying why, has
 * an error posted.
 */
GstFlowReturn
gst_async_wrap_replica_push (GstAsyncWrapReplica * replica,
    GstBuffer * input, GstBuffer ** output)
{
  GstFlowReturn ret;

  memset (replica->counts, 0, 2 * replica->elements->len * sizeof (guint));
  replica->n_outputs = 0;
  replica->error_posted = FALSE;

  ret = gst_pad_push (replica->feeder, input);

  *output = replica->output;
  replica->output = NULL;
  if (ret == GST_FLOW_OK && replica->n_outputs != 1) {
    gst_async_wrap_replica_post_not_one_to_one (replica);
    gst_clear_buffer (output);
    return GST_FLOW_ERROR;
  }
  if (ret < GST_FLOW_EOS && !replica->error_posted)
    GST_ELEMENT_ERROR (replica->wrap, STREAM, FAILED,
        (_("The filter \"%s\" failed."), replica->description),
        ("flow %s", gst_flow_get_name (ret)));
  if (ret != GST_FLOW_OK)
    gst_clear_buffer (output);
  return ret;
}

void
gst_async_wrap_replica_flush_start (GstAsyncWrapReplica * replica)
{
  gst_pad_push_event (replica->feeder, gst_event_new_flush_start ());
}

/* Flushing drops the sticky segment: the next frame sends the events
 * again. */
void
gst_async_wrap_replica_flush_stop (GstAsyncWrapReplica * replica)
{
  gst_pad_push_event (replica->feeder, gst_event_new_flush_stop (TRUE));
  g_clear_pointer (&replica->events, g_ptr_array_unref);
}
