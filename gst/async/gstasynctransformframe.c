/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformframe.c: what a frame's process () gets and gives
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

/* The helpers a subclass calls from process () about its frame (work in
 * place, events, frame errors), and what the base class does to the
 * output afterwards (the output policy). Everything here runs in the
 * thread that runs process (), which alone touches the frame then; the
 * engine posts what the frame carries in its turn
 * (gstasynctransform.c). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#define GST_CAT_DEFAULT gst_async_transform_debug

/* --- the output policy --------------------------------------------------- */

typedef struct
{
  GstAsyncTransform *self;
  GstBuffer *outbuf;
} CopyMetaData;

static gboolean
gst_async_transform_copy_meta (GstBuffer * inbuf, GstMeta ** meta,
    gpointer user_data)
{
  CopyMetaData *data = user_data;
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (data->self);
  const GstMetaInfo *info = (*meta)->info;

  if (info->transform_func && klass->transform_meta
      && klass->transform_meta (data->self, data->outbuf, *meta, inbuf)) {
    GstMetaTransformCopy copy = { FALSE, 0, -1 };

    info->transform_func (data->outbuf, *meta, inbuf,
        _gst_meta_transform_copy, &copy);
  }
  return TRUE;
}

gboolean
gst_async_transform_default_transform_meta (GstAsyncTransform * self,
    GstBuffer * outbuf, GstMeta * meta, GstBuffer * inbuf)
{
  const gchar *const *tags = gst_meta_api_type_get_tags (meta->info->api);

  return tags == NULL || tags[0] == NULL;
}

/* The buffer flags that describe the data, not the memory. */
#define CONTENT_FLAGS(buf) (GST_BUFFER_FLAGS (buf) \
    & ~(GST_MINI_OBJECT_FLAG_LAST - 1) & ~GST_BUFFER_FLAG_TAG_MEMORY)

/* Gives a new output buffer what the output policy takes from the input,
 * where process () did not set it. */
void
gst_async_transform_apply_output_policy (GstAsyncTransform * self,
    GstAsyncFrame * frame)
{
  GstAsyncTransformCopy copy = g_atomic_int_get (&GET_PRIV (self)->copy);
  GstBuffer *in = frame->input, *out;

  if (copy == GST_ASYNC_TRANSFORM_COPY_NONE)
    return;
  out = frame->output = gst_buffer_make_writable (frame->output);
  if (copy & GST_ASYNC_TRANSFORM_COPY_TIMESTAMPS) {
    if (!GST_BUFFER_PTS_IS_VALID (out))
      GST_BUFFER_PTS (out) = GST_BUFFER_PTS (in);
    if (!GST_BUFFER_DTS_IS_VALID (out))
      GST_BUFFER_DTS (out) = GST_BUFFER_DTS (in);
    if (!GST_BUFFER_DURATION_IS_VALID (out))
      GST_BUFFER_DURATION (out) = GST_BUFFER_DURATION (in);
  }
  if (copy & GST_ASYNC_TRANSFORM_COPY_OFFSETS) {
    if (GST_BUFFER_OFFSET (out) == GST_BUFFER_OFFSET_NONE)
      GST_BUFFER_OFFSET (out) = GST_BUFFER_OFFSET (in);
    if (GST_BUFFER_OFFSET_END (out) == GST_BUFFER_OFFSET_NONE)
      GST_BUFFER_OFFSET_END (out) = GST_BUFFER_OFFSET_END (in);
  }
  if (copy & GST_ASYNC_TRANSFORM_COPY_FLAGS)
    GST_BUFFER_FLAG_SET (out, CONTENT_FLAGS (in));
  if (copy & GST_ASYNC_TRANSFORM_COPY_METAS) {
    CopyMetaData data = { self, out };

    gst_buffer_foreach_meta (in, gst_async_transform_copy_meta, &data);
  }
}

/**
 * gst_async_transform_set_output_policy:
 * @self: a #GstAsyncTransform
 * @copy: what a new output buffer takes from the input buffer
 *
 * Chooses what the base class copies from a frame's input onto a new
 * output buffer, where #GstAsyncTransformClass.process left it unset. The
 * default, %GST_ASYNC_TRANSFORM_COPY_ALL, suits filters; an encoder whose
 * output describes itself drops %GST_ASYNC_TRANSFORM_COPY_FLAGS, so that
 * the raw input's flags do not land on the encoded output. Call it from
 * the instance init function.
 *
 * Since: 1.0
 */
void
gst_async_transform_set_output_policy (GstAsyncTransform * self,
    GstAsyncTransformCopy copy)
{
  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));

  g_atomic_int_set (&GET_PRIV (self)->copy, copy);
}

/* --- from process () ----------------------------------------------------- */

/**
 * gst_async_frame_output_in_place:
 * @frame: the #GstAsyncFrame being processed
 *
 * For work done in place, from #GstAsyncTransformClass.process: makes the
 * frame's input its output, writable, and returns it. The buffer is copied
 * only when another element still holds it (behind a tee, say), as
 * #GstBaseTransform does for its transform_ip.
 *
 * Returns: (transfer none): the output buffer, to write to.
 *
 * Since: 1.0
 */
GstBuffer *
gst_async_frame_output_in_place (GstAsyncFrame * frame)
{
  g_return_val_if_fail (frame != NULL, NULL);

  if (frame->output == NULL) {
    g_return_val_if_fail (frame->input != NULL, NULL);
    frame->output = g_steal_pointer (&frame->input);
  }
  frame->output = gst_buffer_make_writable (frame->output);
  return frame->output;
}

/**
 * gst_async_frame_set_output:
 * @frame: the #GstAsyncFrame being processed, or pending
 * @buffer: (transfer full) (nullable): the frame's result, or %NULL to
 *     push nothing for it
 *
 * Gives @frame its output, replacing (and unreffing) any it had: the
 * same as setting the output field, for bindings, which cannot set a
 * pointer field (PyGObject cannot). A new buffer gets what
 * gst_async_transform_set_output_policy() says of the input's. %NULL
 * releases the input too, so that nothing is pushed for the frame (a
 * frame left with its input and no output goes out as it came).
 *
 * Since: 1.0
 */
void
gst_async_frame_set_output (GstAsyncFrame * frame, GstBuffer * buffer)
{
  g_return_if_fail (frame != NULL);
  g_return_if_fail (buffer == NULL || GST_IS_BUFFER (buffer));

  gst_buffer_replace (&frame->output, NULL);
  frame->output = buffer;
  if (buffer == NULL)
    gst_clear_buffer (&frame->input);
}

/**
 * gst_async_frame_add_event:
 * @frame: the #GstAsyncFrame being processed
 * @event: (transfer full): a serialized downstream event
 *
 * From #GstAsyncTransformClass.process: sends @event downstream just
 * before the frame's output, or in the frame's place when it has none (an
 * event a wrapped element emitted while working on this frame, tags found
 * in it). Not pushed when the frame is flushed.
 *
 * Since: 1.0
 */
void
gst_async_frame_add_event (GstAsyncFrame * frame, GstEvent * event)
{
  g_return_if_fail (frame != NULL);
  g_return_if_fail (GST_IS_EVENT (event));

  g_queue_push_tail (&GST_ASYNC_JOB (frame)->events, event);
}

/**
 * gst_async_frame_get_element:
 * @frame: a #GstAsyncFrame being processed, or pending
 *
 * Gets the element @frame belongs to. That is the element whose
 * #GstAsyncTransformClass.process_batch got it, except in a
 * #GstAsyncTransform:worker-group, where a batch may hold frames of other
 * elements of the same class (see gst_async_transform_set_batch_key()):
 * settings that differ from element to element are read from this one,
 * and errors about the frame posted from it.
 *
 * Returns: (transfer none): the frame's own element.
 *
 * Since: 1.0
 */
GstAsyncTransform *
gst_async_frame_get_element (GstAsyncFrame * frame)
{
  g_return_val_if_fail (frame != NULL, NULL);

  return GST_ASYNC_JOB (frame)->element;
}

/**
 * gst_async_frame_add_message:
 * @frame: a #GstAsyncFrame being processed, or pending
 * @message: (transfer full): a message from the element, usually an error
 *
 * Posts @message in the frame's turn, once every earlier frame has left.
 * An error message posted from #GstAsyncTransformClass.process waits so
 * by itself; this is for a pending frame, finished from another thread:
 * add the message, then call gst_async_transform_finish_frame() with
 * %GST_FLOW_ERROR. Not posted when the frame is flushed.
 *
 * Since: 1.0
 */
void
gst_async_frame_add_message (GstAsyncFrame * frame, GstMessage * message)
{
  g_return_if_fail (frame != NULL);
  g_return_if_fail (GST_IS_MESSAGE (message));

  g_queue_push_tail (&GST_ASYNC_JOB (frame)->messages, message);
}

/**
 * _gst_async_transform_frame_error: (skip)
 *
 * What GST_ASYNC_TRANSFORM_FRAME_ERROR() calls; takes @text and @debug.
 *
 * Returns: %GST_ASYNC_TRANSFORM_FLOW_DROPPED
 *
 * Since: 1.0
 */
GstFlowReturn
_gst_async_transform_frame_error (GstAsyncTransform * self,
    GstAsyncFrame * frame, GQuark domain, gint code, gchar * text,
    gchar * debug, const gchar * file, const gchar * function, gint line)
{
  GstAsyncFrameError *error;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), GST_FLOW_ERROR);
  g_return_val_if_fail (frame != NULL, GST_FLOW_ERROR);

  GST_INFO_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s (%s)",
      frame->number, GST_STR_NULL (text), GST_STR_NULL (debug));
  error = g_new0 (GstAsyncFrameError, 1);
  error->domain = domain;
  error->code = code;
  error->text = text;
  error->debug = debug;
  error->file = file;
  error->function = function;
  error->line = line;
  g_clear_pointer (&GST_ASYNC_JOB (frame)->frame_error,
      gst_async_frame_error_free);
  GST_ASYNC_JOB (frame)->frame_error = error;
  return GST_ASYNC_TRANSFORM_FLOW_DROPPED;
}

/**
 * gst_async_transform_set_max_errors:
 * @self: a #GstAsyncTransform
 * @max_errors: frame errors in a row that are only warnings; -1 for no
 *     limit
 *
 * How many frames in a row (in frame order) may fail with
 * GST_ASYNC_TRANSFORM_FRAME_ERROR() before the next one is an error that
 * stops the element. A frame that succeeds starts the count again (where
 * #GstVideoDecoder's max-errors counts every error since the last flush).
 * Default: -1, every frame error is a warning. An element that offers a
 * max-errors property calls this from its property setter.
 *
 * Since: 1.0
 */
void
gst_async_transform_set_max_errors (GstAsyncTransform * self, gint max_errors)
{
  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  g_return_if_fail (max_errors >= -1);

  g_atomic_int_set (&GET_PRIV (self)->max_errors, max_errors);
}

/**
 * gst_async_transform_get_max_errors:
 * @self: a #GstAsyncTransform
 *
 * Gets how many frames in a row may fail with
 * GST_ASYNC_TRANSFORM_FRAME_ERROR() before the element stops.
 *
 * Returns: what gst_async_transform_set_max_errors() set.
 *
 * Since: 1.0
 */
gint
gst_async_transform_get_max_errors (GstAsyncTransform * self)
{
  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), -1);

  return g_atomic_int_get (&GET_PRIV (self)->max_errors);
}

/**
 * gst_async_transform_set_role:
 * @self: a #GstAsyncTransform
 * @role: what the element is
 *
 * Makes the element keep the conventions of GStreamer's base class for
 * @role at the edges of a stream (see #GstAsyncTransformRole): an encoder
 * clips its input to the segment and, like a decoder, marks its first
 * buffer since a start or a flush %GST_BUFFER_FLAG_DISCONT; a decoder that
 * decoded nothing by EOS posts an error. Default:
 * %GST_ASYNC_TRANSFORM_ROLE_FILTER. Call it from the instance init
 * function.
 *
 * Since: 1.0
 */
void
gst_async_transform_set_role (GstAsyncTransform * self,
    GstAsyncTransformRole role)
{
  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  g_return_if_fail (GST_STATE (self) == GST_STATE_NULL);

  GET_PRIV (self)->role = role;
}

void
gst_async_frame_error_free (GstAsyncFrameError * error)
{
  g_free (error->text);
  g_free (error->debug);
  g_free (error);
}

/* Releases what @job holds. Calls out (buffer and event unrefs), so never
 * with the lock held. */
void
gst_async_transform_clear_job (GstAsyncJob * job)
{
  gst_clear_buffer (&job->frame.input);
  gst_clear_buffer (&job->frame.output);
  gst_clear_event (&job->event);
  g_queue_clear_full (&job->events, (GDestroyNotify) gst_event_unref);
  g_queue_clear_full (&job->messages, (GDestroyNotify) gst_message_unref);
  g_clear_pointer (&job->frame_error, gst_async_frame_error_free);
  if (job->user_data_destroy)
    job->user_data_destroy (job->frame.user_data);
  job->user_data_destroy = NULL;
  job->frame.user_data = NULL;
}
