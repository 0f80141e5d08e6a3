/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasyncprocess.h: the application's own per-frame function, called
 * concurrently
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

#ifndef __GST_ASYNC_PROCESS_H__
#define __GST_ASYNC_PROCESS_H__

#include <gst/async/gstasynctransform.h>

G_BEGIN_DECLS

/**
 * GstAsyncProcess:
 *
 * The asyncprocess element: a #GstAsyncTransform whose per-frame work is
 * the application's own function (gst_async_process_set_function(),
 * gst_async_process_set_batch_function()) or #GstAsyncProcess::process
 * and #GstAsyncProcess::process-batch signal handler, called on several
 * workers at once. Its fields are private.
 *
 * Since: 1.0
 */
#define GST_TYPE_ASYNC_PROCESS (gst_async_process_get_type ())
GST_ASYNC_API
G_DECLARE_FINAL_TYPE (GstAsyncProcess, gst_async_process, GST, ASYNC_PROCESS,
    GstAsyncTransform)

/**
 * GstAsyncProcessFrame:
 *
 * One frame handed to the application's function: a reference-counted
 * handle that stays valid for as long as the application holds it, while
 * the frame it stands for may be worked on only until it is finished.
 *
 * Since: 1.0
 */
typedef struct _GstAsyncProcessFrame GstAsyncProcessFrame;

#define GST_TYPE_ASYNC_PROCESS_FRAME (gst_async_process_frame_get_type ())
GST_ASYNC_API
GType gst_async_process_frame_get_type (void);

/**
 * GstAsyncProcessFunction:
 * @process: the #GstAsyncProcess
 * @frame: (transfer none): the frame; ref it to keep it past the call
 * @user_data: what gst_async_process_set_function() was given
 *
 * The application's per-frame work, called from several worker threads at
 * once. Change the frame in place through
 * gst_async_process_frame_get_writable_buffer(), or give it a new buffer
 * with gst_async_process_frame_set_buffer(); a frame left alone goes out
 * as it came.
 *
 * Returns: %GST_FLOW_OK; %GST_ASYNC_TRANSFORM_FLOW_DROPPED to drop the
 *     frame; an error flow after GST_ELEMENT_ERROR() to stop the element
 *     (the message waits for the frame's turn); or
 *     %GST_ASYNC_TRANSFORM_FLOW_PENDING, to complete the frame later, from
 *     any thread, with gst_async_process_frame_finish(). A frame finished
 *     inside the call is done with the flow given there, whatever the
 *     function returns.
 *
 * Since: 1.0
 */
typedef GstFlowReturn (*GstAsyncProcessFunction) (GstAsyncProcess * process,
    GstAsyncProcessFrame * frame, gpointer user_data);

GST_ASYNC_API
void gst_async_process_set_function (GstAsyncProcess * self,
    GstAsyncProcessFunction func, gpointer user_data, GDestroyNotify notify);

/**
 * GstAsyncProcessBatchFunction:
 * @process: the #GstAsyncProcess
 * @frames: (array length=n_frames) (transfer none): the frames, in input
 *     order; ref one to keep it past the call
 * @n_frames: how many, from 1 to #GstAsyncTransform:batch-size
 * @user_data: what gst_async_process_set_batch_function() was given
 *
 * The application's work on several frames in one call, for work that
 * costs much per call and little per frame (a device's kernel launch, a
 * request to a model server, one numpy call over a stack of frames).
 * Called from several worker threads at once, each call with its own
 * frames, all of the same gst_async_process_frame_get_worker(). Each frame
 * gets its result as with #GstAsyncProcessFunction: changed in place, a
 * new buffer, or left alone.
 *
 * Returns: the flow of every frame not finished inside the call:
 *     %GST_FLOW_OK; %GST_ASYNC_TRANSFORM_FLOW_DROPPED; an error flow after
 *     GST_ELEMENT_ERROR() (the message waits for the turn of the first
 *     frame that failed); or %GST_ASYNC_TRANSFORM_FLOW_PENDING, to finish
 *     those frames later, each on its own, from any thread, with
 *     gst_async_process_frame_finish(). A frame finished inside the call
 *     (one dropped or failed among good ones) is done with the flow given
 *     there.
 *
 * Since: 1.0
 */
typedef GstFlowReturn (*GstAsyncProcessBatchFunction) (GstAsyncProcess *
    process, GstAsyncProcessFrame ** frames, guint n_frames,
    gpointer user_data);

GST_ASYNC_API
void gst_async_process_set_batch_function (GstAsyncProcess * self,
    GstAsyncProcessBatchFunction func, gpointer user_data,
    GDestroyNotify notify);

GST_ASYNC_API
GstAsyncProcessFrame *gst_async_process_frame_ref (GstAsyncProcessFrame *
    frame);

GST_ASYNC_API
void gst_async_process_frame_unref (GstAsyncProcessFrame * frame);

GST_ASYNC_API
GstBuffer *gst_async_process_frame_get_buffer (GstAsyncProcessFrame * frame);

GST_ASYNC_API
GstBuffer *gst_async_process_frame_get_writable_buffer (GstAsyncProcessFrame *
    frame);

GST_ASYNC_API
void gst_async_process_frame_set_buffer (GstAsyncProcessFrame * frame,
    GstBuffer * buffer);

GST_ASYNC_API
GstCaps *gst_async_process_frame_get_caps (GstAsyncProcessFrame * frame);

GST_ASYNC_API
guint gst_async_process_frame_get_worker (GstAsyncProcessFrame * frame);

GST_ASYNC_API
guint64 gst_async_process_frame_get_number (GstAsyncProcessFrame * frame);

GST_ASYNC_API
GstAsyncProcess *gst_async_process_frame_get_element (GstAsyncProcessFrame *
    frame);

GST_ASYNC_API
void gst_async_process_frame_finish (GstAsyncProcessFrame * frame,
    GstFlowReturn flow);

GST_ASYNC_API
void gst_async_process_frame_finish_with_error (GstAsyncProcessFrame * frame,
    const GError * error, const gchar * debug);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstAsyncProcessFrame,
    gst_async_process_frame_unref)

G_END_DECLS

#endif /* __GST_ASYNC_PROCESS_H__ */
