/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
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

/* The handle the application's function gets for a frame
 * (GstAsyncProcessFrame, a boxed type) and the ids the action signals
 * find the frames of process signal handlers by. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncprocessprivate.h"

G_DEFINE_BOXED_TYPE (GstAsyncProcessFrame, gst_async_process_frame,
    gst_async_process_frame_ref, gst_async_process_frame_unref);

/* --- the handle ---------------------------------------------------------- */

/* A handle for @frame, which the application's function is about to get. */
GstAsyncProcessFrame *
gst_async_process_frame_new (GstAsyncProcess * self, GstAsyncFrame * frame)
{
  GstAsyncProcessFrame *handle = g_new (GstAsyncProcessFrame, 1);

  handle->refcount = 1;
  handle->state = FRAME_IN_PROCESS;
  /* (the frame's own element, which outlives it: in a worker group the
   * call may be @self's, with frames of another element that shares its
   * batch function) */
  handle->process = GST_ASYNC_PROCESS (gst_async_frame_get_element (frame));
  handle->frame = frame;
  handle->caps = NULL;
  handle->worker = frame->worker;
  handle->number = frame->number;
  handle->id = 0;
  return handle;
}

/**
 * gst_async_process_frame_ref:
 * @frame: a #GstAsyncProcessFrame
 *
 * Takes a reference on @frame, to keep it past the application's
 * function (to finish it later from another thread).
 *
 * Returns: (transfer full): @frame
 *
 * Since: 1.0
 */
GstAsyncProcessFrame *
gst_async_process_frame_ref (GstAsyncProcessFrame * frame)
{
  g_return_val_if_fail (frame != NULL, NULL);

  g_atomic_int_inc (&frame->refcount);
  return frame;
}

/**
 * gst_async_process_frame_unref:
 * @frame: (transfer full): a #GstAsyncProcessFrame
 *
 * Drops a reference on @frame; the last one frees the handle, not the
 * frame it stands for: a pending frame still has to be finished.
 *
 * Since: 1.0
 */
void
gst_async_process_frame_unref (GstAsyncProcessFrame * frame)
{
  g_return_if_fail (frame != NULL);

  if (!g_atomic_int_dec_and_test (&frame->refcount))
    return;
  gst_clear_caps (&frame->caps);
  g_free (frame);
}

/* The frame, while it is the application's; NULL (with a critical) once
 * finished. */
static GstAsyncFrame *
gst_async_process_frame_get (GstAsyncProcessFrame * frame,
    const gchar * function)
{
  if (g_atomic_int_get (&frame->state) == FRAME_FINISHED) {
    g_critical ("%s: frame %" G_GUINT64_FORMAT " was finished already",
        function, frame->number);
    return NULL;
  }
  return frame->frame;
}

/**
 * gst_async_process_frame_get_buffer:
 * @frame: a #GstAsyncProcessFrame not finished yet
 *
 * Gets the frame's buffer, to read it.
 *
 * Returns: (transfer none) (nullable): the frame's buffer, to read: the
 *     one it came with, or the one it was given since
 *
 * Since: 1.0
 */
GstBuffer *
gst_async_process_frame_get_buffer (GstAsyncProcessFrame * frame)
{
  GstAsyncFrame *f;

  g_return_val_if_fail (frame != NULL, NULL);

  f = gst_async_process_frame_get (frame, G_STRFUNC);
  if (f == NULL)
    return NULL;
  return f->output ? f->output : f->input;
}

/**
 * gst_async_process_frame_get_writable_buffer:
 * @frame: a #GstAsyncProcessFrame not finished yet
 *
 * The frame's buffer, writable: copied first only when another element
 * still holds it (behind a tee), as #GstBaseTransform does for in-place
 * work.
 *
 * Returns: (transfer none) (nullable): the buffer, to change in place
 *
 * Since: 1.0
 */
GstBuffer *
gst_async_process_frame_get_writable_buffer (GstAsyncProcessFrame * frame)
{
  GstAsyncFrame *f;

  g_return_val_if_fail (frame != NULL, NULL);

  f = gst_async_process_frame_get (frame, G_STRFUNC);
  if (f == NULL)
    return NULL;
  return gst_async_frame_output_in_place (f);
}

/**
 * gst_async_process_frame_set_buffer:
 * @frame: a #GstAsyncProcessFrame not finished yet
 * @buffer: (transfer full): the frame's new buffer
 *
 * Replaces the frame's buffer. The new buffer gets the input's
 * timestamps, offsets, flags and metas where it has none of its own.
 *
 * Since: 1.0
 */
void
gst_async_process_frame_set_buffer (GstAsyncProcessFrame * frame,
    GstBuffer * buffer)
{
  GstAsyncFrame *f;

  g_return_if_fail (frame != NULL);
  g_return_if_fail (GST_IS_BUFFER (buffer));

  f = gst_async_process_frame_get (frame, G_STRFUNC);
  if (f == NULL) {
    gst_buffer_unref (buffer);
    return;
  }
  gst_buffer_replace (&f->output, NULL);
  f->output = buffer;
}

/**
 * gst_async_process_frame_get_caps:
 * @frame: a #GstAsyncProcessFrame not finished yet
 *
 * Gets the caps of the frame's input, to learn its format.
 *
 * Returns: (transfer none) (nullable): the input caps of the frame (%NULL
 *     for data without caps), valid as long as @frame
 *
 * Since: 1.0
 */
GstCaps *
gst_async_process_frame_get_caps (GstAsyncProcessFrame * frame)
{
  GstCaps *caps;

  g_return_val_if_fail (frame != NULL, NULL);

  /* Asked for, not given to every frame: it takes the element's lock. The
   * input caps cannot change while a frame is inside: new caps wait for
   * the frames before them to leave. */
  caps = g_atomic_pointer_get (&frame->caps);
  if (caps || gst_async_process_frame_get (frame, G_STRFUNC) == NULL)
    return caps;
  caps = gst_async_transform_get_input_caps (GST_ASYNC_TRANSFORM
      (frame->process));
  if (caps && !g_atomic_pointer_compare_and_exchange (&frame->caps, NULL, caps)) {
    gst_caps_unref (caps);
    caps = g_atomic_pointer_get (&frame->caps);
  }
  return caps;
}

/**
 * gst_async_process_frame_get_worker:
 * @frame: a #GstAsyncProcessFrame
 *
 * The worker slot the application's function was called in for @frame.
 *
 * Returns: the index, from 0, of that worker: no other call running at
 *     the same time has it, so it may pick a per-worker resource. Always
 *     below #GstAsyncTransform:n-workers.
 *
 * Since: 1.0
 */
guint
gst_async_process_frame_get_worker (GstAsyncProcessFrame * frame)
{
  g_return_val_if_fail (frame != NULL, 0);

  return frame->worker;
}

/**
 * gst_async_process_frame_get_element:
 * @frame: a #GstAsyncProcessFrame
 *
 * Gets the element @frame belongs to: the one whose function was called,
 * except in a #GstAsyncTransform:worker-group, where a call of a batch
 * function may hold frames of other elements that share that function
 * (see gst_async_process_set_batch_function()).
 *
 * Returns: (transfer none): the frame's own element.
 *
 * Since: 1.0
 */
GstAsyncProcess *
gst_async_process_frame_get_element (GstAsyncProcessFrame * frame)
{
  g_return_val_if_fail (frame != NULL, NULL);

  return frame->process;
}

/**
 * gst_async_process_frame_get_number:
 * @frame: a #GstAsyncProcessFrame
 *
 * Gets the frame's place in the input order.
 *
 * Returns: the frame's number, counted from 0 since the element started,
 *     in input order (frames dropped before any work are not counted)
 *
 * Since: 1.0
 */
guint64
gst_async_process_frame_get_number (GstAsyncProcessFrame * frame)
{
  g_return_val_if_fail (frame != NULL, 0);

  return frame->number;
}

/**
 * gst_async_process_frame_finish:
 * @frame: a #GstAsyncProcessFrame the function returned
 *     %GST_ASYNC_TRANSFORM_FLOW_PENDING for (or is about to)
 * @flow: the frame's result, as the function would have returned it
 *
 * Completes a pending frame, from any thread. Its buffer may not be used
 * any more afterwards; @frame itself stays valid until unreffed. Every
 * pending frame must be finished once, also after
 * #GstAsyncProcess::cancel.
 *
 * Since: 1.0
 */
void
gst_async_process_frame_finish (GstAsyncProcessFrame * frame,
    GstFlowReturn flow)
{
  GstAsyncFrame *f;
  gint state;

  g_return_if_fail (frame != NULL);
  g_return_if_fail (flow != GST_ASYNC_TRANSFORM_FLOW_PENDING);

  f = frame->frame;
  /* From whichever state it is in now: the function's thread may turn
   * IN_PROCESS into PENDING between a look and a swap (two swaps, one
   * from each state, would then both fail). */
  do {
    state = g_atomic_int_get (&frame->state);
    if (state == FRAME_FINISHED) {
      g_critical ("%s: frame %" G_GUINT64_FORMAT " was finished already",
          G_STRFUNC, frame->number);
      return;
    }
  } while (!g_atomic_int_compare_and_exchange (&frame->state, state,
          FRAME_FINISHED));
  frame->frame = NULL;
  gst_async_process_forget_id (frame);
  gst_async_transform_finish_frame (GST_ASYNC_TRANSFORM (frame->process), f,
      flow);
}

/**
 * gst_async_process_frame_finish_with_error:
 * @frame: a #GstAsyncProcessFrame being processed or pending
 * @error: (transfer none): what went wrong
 * @debug: (nullable): details, for developers
 *
 * Finishes the frame with %GST_FLOW_ERROR and an error message made of
 * @error and @debug, posted once every frame before it has left (an
 * error posted from another thread with GST_ELEMENT_ERROR() would be
 * posted at once). The element stops.
 *
 * Since: 1.0
 */
void
gst_async_process_frame_finish_with_error (GstAsyncProcessFrame * frame,
    const GError * error, const gchar * debug)
{
  GstAsyncFrame *f;

  g_return_if_fail (frame != NULL);
  g_return_if_fail (error != NULL);

  f = gst_async_process_frame_get (frame, G_STRFUNC);
  if (f == NULL)
    return;
  gst_async_frame_add_message (f,
      gst_message_new_error (GST_OBJECT (frame->process), (GError *) error,
          debug));
  gst_async_process_frame_finish (frame, GST_FLOW_ERROR);
}

/* --- the id registry ----------------------------------------------------- */

/* Gives @n_frames frames of one element ids the action signals find them
 * by, until finished: consecutive, in their order (the process-batch
 * signal names the first). */
void
gst_async_process_register_ids (GstAsyncProcessFrame ** frames, guint n_frames)
{
  GstAsyncProcess *self = frames[0]->process;
  guint i;

  GST_OBJECT_LOCK (self);
  for (i = 0; i < n_frames; i++) {
    GstAsyncProcessFrame *frame = gst_async_process_frame_ref (frames[i]);

    frame->id = ++self->next_id;
    g_hash_table_insert (self->by_id, &frame->id, frame);
  }
  GST_OBJECT_UNLOCK (self);
}

/* Takes @frame out of the registry, with the reference it held there, if
 * it was in. */
void
gst_async_process_forget_id (GstAsyncProcessFrame * frame)
{
  GstAsyncProcess *self = frame->process;

  if (frame->id == 0)
    return;
  GST_OBJECT_LOCK (self);
  g_hash_table_remove (self->by_id, &frame->id);
  GST_OBJECT_UNLOCK (self);
  gst_async_process_frame_unref (frame);
}

/* (transfer full) (nullable): the frame the action signals name. */
GstAsyncProcessFrame *
gst_async_process_lookup_id (GstAsyncProcess * self, guint64 id,
    const gchar * action)
{
  GstAsyncProcessFrame *frame;

  GST_OBJECT_LOCK (self);
  frame = g_hash_table_lookup (self->by_id, &id);
  if (frame)
    gst_async_process_frame_ref (frame);
  GST_OBJECT_UNLOCK (self);
  if (frame == NULL)
    g_critical ("asyncprocess %s: frame id %" G_GUINT64_FORMAT " is neither "
        "being processed nor pending", action, id);
  return frame;
}
