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
 * pushes a frame in, and the collector takes what comes out. Which free
 * pads of the chain those are is decided once, when the replica is made
 * (gst_async_wrap_replica_check_elements ()); caps at either end of the
 * description become capsfilters first, as between two elements. The push
 * runs the whole chain in the calling thread (a worker), so one frame at a
 * time goes through a replica and no thread or queue is added.
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
#include <string.h>

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

/* Whether @text, a piece of a launch description, is caps (a media type
 * such as video/x-raw first, as the parser's lexer tells caps from
 * elements). */
static gboolean
gst_async_wrap_replica_is_caps (const gchar * text)
{
  const gchar *p = text;
  gsize n;

  if (*p == '"')
    p++;
  n = strspn (p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
      "0123456789-");
  if (n == 0 || p[n] != '/')
    return FALSE;
  p += n + 1;
  return strspn (p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
      "0123456789-") > 0;
}

/* @text as a capsfilter element, with the caps quoted for the parser. */
static void
gst_async_wrap_replica_append_capsfilter (GString * out, const gchar * text,
    gsize len)
{
  gsize i;

  g_string_append (out, " capsfilter caps=\"");
  for (i = 0; i < len; i++) {
    if (text[i] == '"' || text[i] == '\\')
      g_string_append_c (out, '\\');
    g_string_append_c (out, text[i]);
  }
  g_string_append (out, "\" ");
}

/* A launch line may give caps between two elements (`a ! video/x-raw ! b`),
 * which the parser makes a capsfilter of, but a bin description cannot
 * begin or end with caps: there is no element on their other side. Caps
 * at either end of the filter's chain mean the same thing there (the
 * stream is narrowed to them), so they are written as the capsfilter the
 * parser would have made. Returns @description so rewritten. */
static gchar *
gst_async_wrap_replica_expand_caps (const gchar * description)
{
  GString *out = g_string_new (NULL);
  const gchar *p, *first_link = NULL, *last_link = NULL;
  const gchar *head_end, *tail_start, *end;
  gint depth = 0;
  gchar quote = 0;

  /* the links ('!') outside quotes and brackets */
  for (p = description; *p; p++) {
    if (*p == '\\' && p[1]) {
      p++;
    } else if (quote) {
      if (*p == quote)
        quote = 0;
    } else if (*p == '"') {
      /* (only double quotes quote: "text=Don't" is a plain value) */
      quote = *p;
    } else if (*p == '(' || *p == '[' || *p == '{') {
      depth++;
    } else if (*p == ')' || *p == ']' || *p == '}') {
      depth--;
    } else if (*p == '!' && depth == 0) {
      if (first_link == NULL)
        first_link = p;
      last_link = p;
    }
  }
  end = p;
  head_end = first_link ? first_link : end;
  tail_start = last_link ? last_link + 1 : description;

  p = description;
  while (g_ascii_isspace (*p))
    p++;
  if (gst_async_wrap_replica_is_caps (p)) {
    const gchar *e = head_end;

    while (e > p && g_ascii_isspace (e[-1]))
      e--;
    gst_async_wrap_replica_append_capsfilter (out, p, e - p);
    if (first_link == NULL)
      return g_string_free (out, FALSE);
    p = head_end;
  }

  while (g_ascii_isspace (*tail_start))
    tail_start++;
  if (first_link && gst_async_wrap_replica_is_caps (tail_start)) {
    const gchar *e = end;

    while (e > tail_start && g_ascii_isspace (e[-1]))
      e--;
    g_string_append_len (out, p, tail_start - p);
    gst_async_wrap_replica_append_capsfilter (out, tail_start, e - tail_start);
  } else {
    g_string_append (out, p);
  }
  return g_string_free (out, FALSE);
}

static gboolean
gst_async_wrap_replica_has_linked_sink_pad (GstElement * element)
{
  GList *l;

  for (l = element->sinkpads; l; l = l->next)
    if (gst_pad_is_linked (l->data))
      return TRUE;
  return FALSE;
}

/* Whether @pad's template takes raw video (and is not ANY). */
static gboolean
gst_async_wrap_replica_takes_video (GstPad * pad)
{
  GstCaps *caps = gst_pad_get_pad_template_caps (pad);
  gboolean video = FALSE;
  guint i;

  for (i = 0; !gst_caps_is_any (caps) && i < gst_caps_get_size (caps); i++)
    if (gst_structure_has_name (gst_caps_get_structure (caps, i),
            "video/x-raw"))
      video = TRUE;
  gst_caps_unref (caps);
  return video;
}

/* The free sink pad of @head that takes the stream: its only one, else
 * the one named "sink", else "video_sink", else the only one that takes
 * raw video (overlays such as textoverlay or dvdspu, whose other sink
 * pads stay unlinked, as they may with the bare element). */
static GstPad *
gst_async_wrap_replica_pick_input (GstAsyncWrapReplica * replica,
    GstElement * head, GError ** error)
{
  static const gchar *names[] = { "sink", "video_sink" };
  GstPad *video = NULL;
  GString *free_pads;
  guint n_video = 0, k;
  GList *l;

  if (head->sinkpads == NULL) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" has no free sink pad: it must take one stream "
            "in and give one out."), replica->description);
    return NULL;
  }
  if (head->sinkpads->next == NULL)
    return head->sinkpads->data;
  for (k = 0; k < G_N_ELEMENTS (names); k++)
    for (l = head->sinkpads; l; l = l->next)
      if (g_str_equal (GST_PAD_NAME (l->data), names[k]))
        return l->data;
  for (l = head->sinkpads; l; l = l->next)
    if (gst_async_wrap_replica_takes_video (l->data)) {
      video = l->data;
      n_video++;
    }
  if (n_video == 1)
    return video;

  free_pads = g_string_new (NULL);
  for (l = head->sinkpads; l; l = l->next)
    g_string_append_printf (free_pads, "%s%s", free_pads->len ? ", " : "",
        GST_PAD_NAME (l->data));
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      _("The filter \"%s\" cannot be wrapped: %s has several free sink pads "
          "(%s), and which one takes the stream is not known: it must take "
          "one stream in and give one out."), replica->description,
      GST_OBJECT_NAME (head), free_pads->str);
  g_string_free (free_pads, TRUE);
  return NULL;
}

/* The free sink pad of @element, other than @input, that takes raw video,
 * or NULL: a second video input (alphacombine's alpha, compare's check,
 * shapewipe's mask), which would wait for ever for frames nobody gives
 * it. Free sink pads of other media (an overlay's text or subpicture)
 * may stay unlinked, as they may with the bare element. */
static GstPad *
gst_async_wrap_replica_second_video_input (GstElement * element, GstPad * input)
{
  GList *l;

  for (l = element->sinkpads; l; l = l->next)
    if (l->data != input && !gst_pad_is_linked (l->data)
        && gst_async_wrap_replica_takes_video (l->data))
      return l->data;
  return NULL;
}

/* Checks that the elements inside make one chain, finds its two ends and
 * puts the counting probes on every pad.
 *
 * The ends are found among the bin's own children, a bin among them
 * (autovideoconvert) counting as one element with its ghost pads. The
 * chain has one head: the one child none of whose sink pads is linked
 * inside; the stream goes into its free sink pad (see
 * gst_async_wrap_replica_pick_input ()). Exactly one src pad is free: the
 * stream comes out of it; a second free src pad would be an output going
 * nowhere. Another free sink pad is fine unless it takes raw video (see
 * gst_async_wrap_replica_second_video_input ()). No element inside,
 * however deep, may be a source or a sink. A missing end is told first,
 * then an element that is no filter. */
static gboolean
gst_async_wrap_replica_check_elements (GstAsyncWrapReplica * replica,
    GstPad ** input, GstPad ** output, GError ** error)
{
  GstElement *heads[2] = { NULL, NULL }, *end_point = NULL;
  GstPad *outputs[2] = { NULL, NULL }, *second = NULL;
  guint i;
  GList *c, *l;

  *input = *output = NULL;
  replica->counts = g_new0 (guint, 2 * replica->elements->len);
  for (i = 0; i < replica->elements->len; i++) {
    GstElement *element = g_ptr_array_index (replica->elements, i);

    if (GST_IS_BIN (element))
      continue;
    if (end_point == NULL
        && (GST_OBJECT_FLAG_IS_SET (element, GST_ELEMENT_FLAG_SOURCE)
            || GST_OBJECT_FLAG_IS_SET (element, GST_ELEMENT_FLAG_SINK)))
      end_point = element;
    for (l = GST_ELEMENT_PADS (element); l; l = l->next)
      gst_pad_add_probe (l->data, GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST, gst_async_wrap_replica_count,
          &replica->counts[2 * i + (GST_PAD_IS_SRC (l->data) ? 1 : 0)], NULL);
  }
  /* (the bin is not shared yet: its children do not change under us) */
  for (c = GST_BIN_CHILDREN (replica->bin); c; c = c->next) {
    GstElement *element = c->data;

    if (!gst_async_wrap_replica_has_linked_sink_pad (element))
      heads[heads[0] ? 1 : 0] = element;
    for (l = element->srcpads; l; l = l->next)
      if (!gst_pad_is_linked (l->data))
        outputs[outputs[0] ? 1 : 0] = l->data;
  }

  if (outputs[0] == NULL) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" has no free src pad: it must take one stream "
            "in and give one out."), replica->description);
    return FALSE;
  }
  if (heads[0] == NULL) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" has no free sink pad: it must take one stream "
            "in and give one out."), replica->description);
    return FALSE;
  }
  if (end_point) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" cannot be wrapped: %s is a source or a sink, "
            "not a filter."), replica->description,
        GST_OBJECT_NAME (end_point));
    return FALSE;
  }
  if (heads[1]) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" cannot be wrapped: %s and %s both take their "
            "stream from outside the filter; it must take one stream in and "
            "give one out."), replica->description,
        GST_OBJECT_NAME (heads[0]), GST_OBJECT_NAME (heads[1]));
    return FALSE;
  }
  if (outputs[1]) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" cannot be wrapped: pad %s of %s and pad %s of "
            "%s are both free; it must take one stream in and give one out."),
        replica->description, GST_PAD_NAME (outputs[0]),
        GST_OBJECT_NAME (GST_PAD_PARENT (outputs[0])),
        GST_PAD_NAME (outputs[1]),
        GST_OBJECT_NAME (GST_PAD_PARENT (outputs[1])));
    return FALSE;
  }
  *output = outputs[0];
  *input = gst_async_wrap_replica_pick_input (replica, heads[0], error);
  if (*input == NULL)
    return FALSE;
  for (c = GST_BIN_CHILDREN (replica->bin); c && !second; c = c->next)
    second = gst_async_wrap_replica_second_video_input (c->data, *input);
  if (second) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        _("The filter \"%s\" cannot be wrapped: pad %s of %s takes a second "
            "video stream, which nothing would give it; it must take one "
            "stream in and give one out."), replica->description,
        GST_PAD_NAME (second), GST_OBJECT_NAME (GST_PAD_PARENT (second)));
    *input = *output = NULL;
    return FALSE;
  }
  return TRUE;
}


static void
gst_async_wrap_replica_add_element (const GValue * value, gpointer user_data)
{
  g_ptr_array_add (user_data, g_value_get_object (value));
}

/* A ghost pad of the replica's bin named @name for @target. */
static GstPad *
gst_async_wrap_replica_add_end (GstAsyncWrapReplica * replica,
    const gchar * name, GstPad * target)
{
  GstPad *ghost = gst_ghost_pad_new (name, target);

  gst_element_add_pad (replica->bin, ghost);
  return gst_object_ref (ghost);
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
  GstPad *input, *output;
  GstIterator *it;
  gchar *expanded;

  replica->wrap = wrap;
  replica->description = g_strdup (description);
  replica->elements = g_ptr_array_new ();
  expanded = gst_async_wrap_replica_expand_caps (description);
  replica->bin = gst_parse_bin_from_description_full (expanded, FALSE,
      NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  g_free (expanded);
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

  it = gst_bin_iterate_recurse (GST_BIN (replica->bin));
  while (gst_iterator_foreach (it, gst_async_wrap_replica_add_element,
          replica->elements) == GST_ITERATOR_RESYNC) {
    gst_iterator_resync (it);
    g_ptr_array_set_size (replica->elements, 0);
  }
  gst_iterator_free (it);
  if (!gst_async_wrap_replica_check_elements (replica, &input, &output, error))
    goto failed;
  replica->bin_sink = gst_async_wrap_replica_add_end (replica, "sink", input);
  replica->bin_src = gst_async_wrap_replica_add_end (replica, "src", output);

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
