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

/**
 * SECTION:element-asyncprocess
 * @title: asyncprocess
 *
 * Calls the application's own function on every frame, on a pool of
 * workers, and pushes the frames out in their order: GstAsyncTransform's
 * ordering, backpressure, events, flushing, QoS and latency around work the
 * application writes.
 *
 * The function is set from C with gst_async_process_set_function() (no
 * signal marshalling: the fast path), or connected to the
 * #GstAsyncProcess::process signal (bindings). Either way it runs in
 * several threads at once; each call gets a #GstAsyncProcessFrame with the
 * buffer, the caps and a worker index that no other call running at the
 * same time has (to pick a per-worker resource). It changes the buffer in
 * place (gst_async_process_frame_get_writable_buffer()), replaces it
 * (gst_async_process_frame_set_buffer(), or the
 * #GstAsyncProcess::set-output action signal), drops the frame
 * (%GST_ASYNC_TRANSFORM_FLOW_DROPPED), or stops the element with an error.
 *
 * Work that waits on something else (a remote service, an asyncio
 * coroutine, a device queue) returns %GST_ASYNC_TRANSFORM_FLOW_PENDING and
 * completes the frame later from any thread with
 * gst_async_process_frame_finish() (or the #GstAsyncProcess::finish action
 * signal): no thread waits for it, and #GstAsyncTransform:max-in-flight
 * frames may be pending at once. On a flush or a stop the element emits
 * #GstAsyncProcess::cancel: pending frames are then thrown away when
 * finished, and slow calls should return. The Python module gstasync
 * (python/ in the sources) builds on this to run an asyncio coroutine per
 * frame on the program's event loop.
 *
 * Work that costs much per call and little per frame (a device's kernel
 * launch, a request to a model server, one numpy call over a stack of
 * frames) goes faster in batches: with #GstAsyncTransform:batch-size above
 * 1, a function set with gst_async_process_set_batch_function(), or a
 * #GstAsyncProcess::process-batch handler, gets up to that many frames in
 * one call, in input order; each frame still has its own outcome. The
 * element holds one function: setting either kind replaces the other, and
 * a batch function gets batches of one frame while batch-size is 1 (a
 * per-frame function gets the frames of a batch one after the other).
 *
 * Without a function or a handler it passes frames through, as identity
 * does. With #GstAsyncProcess:caps-out set, the output has those caps
 * (work that changes the format); the function must then give every frame
 * a buffer of that format.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=100 ! asyncprocess ! fakesink
 * ]| Without a function, frames pass through unchanged: the element is
 * meant to be used from an application.
 *
 * ## Example code (Python)
 * |[
 * def invert(element, frame_id, buffer, caps, worker):
 *     data = bytes(255 - b for b in buffer.extract_dup(0, buffer.get_size()))
 *     element.emit("set-output", frame_id, Gst.Buffer.new_wrapped(data))
 *     return Gst.FlowReturn.OK
 *
 * process = Gst.ElementFactory.make("asyncprocess")
 * process.connect("process", invert)
 * ]|
 *
 * In batches, frame i of a call has the id first_id + i:
 * |[
 * def invert_batch(element, first_id, buffers, caps, worker):
 *     for i in range(buffers.length()):
 *         buffer = buffers.get(i)
 *         data = bytes(255 - b for b in buffer.extract_dup(0, buffer.get_size()))
 *         element.emit("set-output", first_id + i, Gst.Buffer.new_wrapped(data))
 *     return Gst.FlowReturn.OK
 *
 * process = Gst.ElementFactory.make("asyncprocess")
 * process.set_property("batch-size", 16)
 * process.connect("process-batch", invert_batch)
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncprocessprivate.h"

#include <glib/gi18n-lib.h>

GST_DEBUG_CATEGORY_STATIC (gst_async_process_debug);
#define GST_CAT_DEFAULT gst_async_process_debug

#define DEFAULT_CAPS_OUT NULL

/* What the process signal returns when no handler set it: a Python
 * handler that raised leaves the return value alone. */
#define FLOW_NOT_SET GST_FLOW_CUSTOM_ERROR_2

enum
{
  PROP_0,
  PROP_CAPS_OUT,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
};

enum
{
  SIGNAL_PROCESS,
  SIGNAL_PROCESS_BATCH,
  SIGNAL_FINISH,
  SIGNAL_FINISH_WITH_ERROR,
  SIGNAL_SET_OUTPUT,
  SIGNAL_CANCEL,
  LAST_SIGNAL
};

static guint gst_async_process_signals[LAST_SIGNAL] = { 0 };

/* The function and its data, shared by the calls that run it: replacing
 * it while they run frees it once the last one returns. */
struct _GstAsyncProcessCallback
{
  gint refcount;
  /* one of the two */
  GstAsyncProcessFunction func;
  GstAsyncProcessBatchFunction batch_func;
  gpointer user_data;
  GDestroyNotify notify;
};

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SINK_NAME, GST_PAD_SINK,
    GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SRC_NAME, GST_PAD_SRC,
    GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE (GstAsyncProcess, gst_async_process, GST_TYPE_ASYNC_TRANSFORM);

static void gst_async_process_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_async_process_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_async_process_finalize (GObject * object);
static GstCaps *gst_async_process_transform_caps (GstAsyncTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static void gst_async_process_unlock (GstAsyncTransform * trans);
static GstFlowReturn gst_async_process_process (GstAsyncTransform * trans,
    gpointer context, GstAsyncFrame * frame);
static GstFlowReturn gst_async_process_process_batch (GstAsyncTransform *
    trans, gpointer context, GstAsyncFrame ** frames, guint n_frames);
static void gst_async_process_finish_action (GstAsyncProcess * self,
    guint64 id, GstFlowReturn flow);
static void gst_async_process_finish_with_error_action (GstAsyncProcess *
    self, guint64 id, const gchar * message, const gchar * debug);
static void gst_async_process_set_output_action (GstAsyncProcess * self,
    guint64 id, GstBuffer * buffer);

static void
gst_async_process_class_init (GstAsyncProcessClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_async_process_debug, "asyncprocess", 0,
      "The application's per-frame function, called concurrently");

  gobject_class->set_property = gst_async_process_set_property;
  gobject_class->get_property = gst_async_process_get_property;
  gobject_class->finalize = gst_async_process_finalize;

  /**
   * GstAsyncProcess:caps-out:
   *
   * The caps of the output, for work that changes the format; %NULL (the
   * default) for work that keeps it. Fields left open are fixated against
   * downstream. The function must give each frame a buffer of this
   * format.
   *
   * Since: 1.0
   */
  g_object_class_install_property (gobject_class, PROP_CAPS_OUT,
      g_param_spec_boxed ("caps-out", "Output caps",
          "Caps of the output (NULL = the input's caps)", GST_TYPE_CAPS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAsyncProcess:batch-size:
   *
   * The most frames one call of the function set with
   * gst_async_process_set_batch_function(), or one emission of
   * #GstAsyncProcess::process-batch, gets, in input order (1 to 1024,
   * default 1; changes in NULL or READY). A function set with
   * gst_async_process_set_function(), or a #GstAsyncProcess::process
   * handler, gets the frames of a batch one after the other. Frames go in
   * a call as soon as a batch is full, or as
   * #GstAsyncProcess:batch-timeout allows; never later than a serialized
   * event, a drain or the end of the stream behind them, or than a full
   * window. With max-in-flight=0 the window is twice the workers times
   * the batch size.
   *
   * Since: 1.0
   */
  /**
   * GstAsyncProcess:batch-timeout:
   *
   * How long frames waiting to start may wait for more to fill a batch,
   * in nanoseconds from the arrival of the oldest: 0, the default, never
   * waits (a call takes the frames that wait); %GST_CLOCK_TIME_NONE waits
   * for a full batch. Frames never wait past a full window. In a live
   * pipeline the latency reported includes the wait. Changes at any time.
   *
   * Since: 1.0
   */
  gst_async_transform_class_install_batch_properties (trans_class,
      PROP_BATCH_SIZE, PROP_BATCH_TIMEOUT);

  /**
   * GstAsyncProcess::process:
   * @process: the #GstAsyncProcess
   * @frame_id: the frame, for #GstAsyncProcess::set-output and
   *     #GstAsyncProcess::finish (an id no other frame of this element
   *     has had)
   * @buffer: the frame's buffer, to read (bindings hold a reference of
   *     their own, so it is not writable there): give the frame a new one
   *     with #GstAsyncProcess::set-output
   * @caps: the input caps
   * @worker: an index from 0 that no other call running at the same time
   *     has
   *
   * The per-frame work, for bindings (from C,
   * gst_async_process_set_function() avoids the signal's cost; while a
   * function is set, the signal is not emitted, nor while a
   * #GstAsyncProcess::process-batch handler is connected). Emitted from
   * several worker threads at once; with #GstAsyncTransform:batch-size
   * above 1, once for each frame of a batch, in order. A handler that
   * raises (in Python) or returns no flow stops the element with an error
   * naming the frame.
   *
   * Returns: a #GstFlowReturn, as #GstAsyncProcessFunction returns.
   *
   * Since: 1.0
   */
  gst_async_process_signals[SIGNAL_PROCESS] =
      g_signal_new ("process", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
      0, NULL, NULL, NULL, GST_TYPE_FLOW_RETURN, 4, G_TYPE_UINT64,
      GST_TYPE_BUFFER | G_SIGNAL_TYPE_STATIC_SCOPE,
      GST_TYPE_CAPS | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_UINT);

  /**
   * GstAsyncProcess::process-batch:
   * @process: the #GstAsyncProcess
   * @first_id: the id of the batch's first frame, for
   *     #GstAsyncProcess::set-output and #GstAsyncProcess::finish: the
   *     frames have consecutive ids, frame i of the batch has @first_id + i
   * @buffers: the frames' buffers, in input order, to read (as
   *     #GstAsyncProcess::process's @buffer): give a frame a new one with
   *     #GstAsyncProcess::set-output
   * @caps: the input caps
   * @worker: an index from 0 that no other call running at the same time
   *     has
   *
   * The work on several frames in one call, for bindings (from C,
   * gst_async_process_set_batch_function() avoids the signal's cost; while
   * a function is set, the signal is not emitted). Emitted from several
   * worker threads at once, with up to #GstAsyncTransform:batch-size
   * frames: while batch-size is 1, once per frame. While a handler is
   * connected, it gets every frame and #GstAsyncProcess::process is not
   * emitted. A handler that raises (in Python) or returns no flow stops
   * the element with an error naming the frames, in the turn of the
   * first.
   *
   * Returns: a #GstFlowReturn for every frame of the batch not finished
   *     during the call, as #GstAsyncProcessBatchFunction returns.
   *
   * Since: 1.0
   */
  gst_async_process_signals[SIGNAL_PROCESS_BATCH] =
      g_signal_new ("process-batch", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, GST_TYPE_FLOW_RETURN, 4,
      G_TYPE_UINT64, GST_TYPE_BUFFER_LIST | G_SIGNAL_TYPE_STATIC_SCOPE,
      GST_TYPE_CAPS | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_UINT);

  /**
   * GstAsyncProcess::finish:
   * @process: the #GstAsyncProcess
   * @frame_id: a frame the process handler returned
   *     %GST_ASYNC_TRANSFORM_FLOW_PENDING for
   * @flow: the frame's result, as the handler would have returned it
   *
   * Action signal: gst_async_process_frame_finish() for bindings. Any
   * thread.
   *
   * Since: 1.0
   */
  gst_async_process_signals[SIGNAL_FINISH] =
      g_signal_new_class_handler ("finish", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_async_process_finish_action), NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_UINT64, GST_TYPE_FLOW_RETURN);

  /**
   * GstAsyncProcess::finish-with-error:
   * @process: the #GstAsyncProcess
   * @frame_id: a frame being processed or pending
   * @message: the error message, for users
   * @debug: (nullable): details, for developers
   *
   * Action signal: gst_async_process_frame_finish_with_error() for
   * bindings, with a %GST_LIBRARY_ERROR_FAILED error. Any thread.
   *
   * Since: 1.0
   */
  gst_async_process_signals[SIGNAL_FINISH_WITH_ERROR] =
      g_signal_new_class_handler ("finish-with-error",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_async_process_finish_with_error_action), NULL, NULL,
      NULL, G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * GstAsyncProcess::set-output:
   * @process: the #GstAsyncProcess
   * @frame_id: a frame being processed or pending
   * @buffer: the frame's new buffer (the element takes a reference)
   *
   * Action signal: gst_async_process_frame_set_buffer() for bindings.
   * The new buffer gets the input's timestamps, offsets, flags and metas
   * where it has none of its own.
   *
   * Since: 1.0
   */
  gst_async_process_signals[SIGNAL_SET_OUTPUT] =
      g_signal_new_class_handler ("set-output", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_async_process_set_output_action), NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_UINT64, GST_TYPE_BUFFER);

  /**
   * GstAsyncProcess::cancel:
   * @process: the #GstAsyncProcess
   *
   * Emitted when a flush or a stop throws the frames in flight away, from
   * the thread doing it: calls that wait should return now, and pending
   * frames be finished soon (their result is dropped). The frames after
   * the flush come once it is over.
   *
   * Since: 1.0
   */
  gst_async_process_signals[SIGNAL_CANCEL] =
      g_signal_new ("cancel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
      0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Concurrent application function", "Generic",
      "Calls the application's function on every frame, on a pool of "
      "workers, and keeps the frames in order", "gst-plugins-async developers");

  trans_class->transform_caps =
      GST_DEBUG_FUNCPTR (gst_async_process_transform_caps);
  /* (no set_caps: data without caps passes, as through identity) */
  trans_class->unlock = GST_DEBUG_FUNCPTR (gst_async_process_unlock);
  trans_class->process = GST_DEBUG_FUNCPTR (gst_async_process_process);
  trans_class->process_batch =
      GST_DEBUG_FUNCPTR (gst_async_process_process_batch);
  /* The function works in place or brings buffers of its own. */
  trans_class->decide_allocation = NULL;

  gst_type_mark_as_plugin_api (GST_TYPE_ASYNC_TRANSFORM, 0);
}

static void
gst_async_process_init (GstAsyncProcess * self)
{
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  /* (no batch function: frames share calls with no other element's) */
  gst_async_transform_set_batch_key (GST_ASYNC_TRANSFORM (self), self);
}

static void
gst_async_process_callback_unref (GstAsyncProcessCallback * callback)
{
  if (callback && g_atomic_int_dec_and_test (&callback->refcount)) {
    if (callback->notify)
      callback->notify (callback->user_data);
    g_free (callback);
  }
}

static void
gst_async_process_finalize (GObject * object)
{
  GstAsyncProcess *self = GST_ASYNC_PROCESS (object);

  gst_async_process_callback_unref (self->callback);
  gst_clear_caps (&self->caps_out);
  /* (empty: each frame in it holds a reference to the element) */
  g_hash_table_unref (self->by_id);
  G_OBJECT_CLASS (gst_async_process_parent_class)->finalize (object);
}

static void
gst_async_process_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAsyncProcess *self = GST_ASYNC_PROCESS (object);

  switch (prop_id) {
    case PROP_CAPS_OUT:
      GST_OBJECT_LOCK (self);
      gst_caps_replace (&self->caps_out,
          (GstCaps *) gst_value_get_caps (value));
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      if (!gst_async_transform_set_batch_property (GST_ASYNC_TRANSFORM (self),
              pspec, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_process_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAsyncProcess *self = GST_ASYNC_PROCESS (object);

  switch (prop_id) {
    case PROP_CAPS_OUT:
      GST_OBJECT_LOCK (self);
      gst_value_set_caps (value, self->caps_out);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      if (!gst_async_transform_get_batch_property (GST_ASYNC_TRANSFORM (self),
              pspec, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Makes @func or @batch_func (or neither) the element's one function. */
static void
gst_async_process_replace_callback (GstAsyncProcess * self,
    GstAsyncProcessFunction func, GstAsyncProcessBatchFunction batch_func,
    gpointer user_data, GDestroyNotify notify)
{
  GstAsyncProcessCallback *callback = NULL, *old;

  if (func || batch_func) {
    callback = g_new (GstAsyncProcessCallback, 1);
    callback->refcount = 1;
    callback->func = func;
    callback->batch_func = batch_func;
    callback->user_data = user_data;
    callback->notify = notify;
  }
  GST_OBJECT_LOCK (self);
  old = self->callback;
  self->callback = callback;
  GST_OBJECT_UNLOCK (self);
  gst_async_process_callback_unref (old);
  /* In a worker group, elements with the same batch function share calls
   * (the call goes to one of them, with its user data); a per-frame
   * function or the signals are each element's own. */
  gst_async_transform_set_batch_key (GST_ASYNC_TRANSFORM (self),
      batch_func ? (gconstpointer) batch_func : (gconstpointer) self);
}

/**
 * gst_async_process_set_function:
 * @self: a #GstAsyncProcess
 * @func: (nullable): the per-frame work, or %NULL to pass frames through
 *     (or emit #GstAsyncProcess::process, when a handler is connected)
 * @user_data: (closure): passed to @func
 * @notify: (nullable): frees @user_data once @func is replaced and no call
 *     to it runs any more
 *
 * Sets the function every frame is given to, in place of the
 * #GstAsyncProcess::process signal, without the signal's marshalling; it
 * replaces a function set with gst_async_process_set_batch_function().
 * With #GstAsyncTransform:batch-size above 1 it gets the frames of a
 * batch one after the other. May be called at any time; frames already
 * inside finish with the function they started with.
 *
 * Since: 1.0
 */
void
gst_async_process_set_function (GstAsyncProcess * self,
    GstAsyncProcessFunction func, gpointer user_data, GDestroyNotify notify)
{
  g_return_if_fail (GST_IS_ASYNC_PROCESS (self));

  gst_async_process_replace_callback (self, func, NULL, user_data, notify);
}

/**
 * gst_async_process_set_batch_function:
 * @self: a #GstAsyncProcess
 * @func: (nullable): the work on a batch of frames, or %NULL to pass
 *     frames through (or emit the signals, when a handler is connected)
 * @user_data: (closure): passed to @func
 * @notify: (nullable): frees @user_data once @func is replaced and no call
 *     to it runs any more
 *
 * Sets the function the frames are given to in batches of up to
 * #GstAsyncTransform:batch-size, in place of the
 * #GstAsyncProcess::process-batch signal, without the signal's
 * marshalling; it replaces a function set with
 * gst_async_process_set_function(). While batch-size is 1 it gets one
 * frame per call. May be called at any time; frames already inside
 * finish with the function they started with. Elements of one
 * #GstAsyncTransform:worker-group with the same batch function, batch
 * size and input caps share calls: a call may hold frames of several of
 * them, and is made with the @user_data of the element whose worker took
 * it (gst_async_process_frame_get_element() tells a frame's own
 * element).
 *
 * Since: 1.0
 */
void
gst_async_process_set_batch_function (GstAsyncProcess * self,
    GstAsyncProcessBatchFunction func, gpointer user_data,
    GDestroyNotify notify)
{
  g_return_if_fail (GST_IS_ASYNC_PROCESS (self));

  gst_async_process_replace_callback (self, NULL, func, user_data, notify);
}

static GstCaps *
gst_async_process_transform_caps (GstAsyncTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstAsyncProcess *self = GST_ASYNC_PROCESS (trans);
  GstCaps *caps_out, *res;

  GST_OBJECT_LOCK (self);
  caps_out = self->caps_out ? gst_caps_ref (self->caps_out) : NULL;
  GST_OBJECT_UNLOCK (self);

  if (caps_out == NULL)
    res = gst_caps_ref (caps);
  else if (direction == GST_PAD_SINK)
    res = gst_caps_ref (caps_out);
  else
    /* any input may become caps-out */
    res = gst_caps_new_any ();
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, res,
        GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (res);
    res = tmp;
  }
  gst_clear_caps (&caps_out);
  return res;
}

static void
gst_async_process_unlock (GstAsyncTransform * trans)
{
  g_signal_emit (trans, gst_async_process_signals[SIGNAL_CANCEL], 0);
}

/* --- the action signals --------------------------------------------------- */

static void
gst_async_process_finish_action (GstAsyncProcess * self, guint64 id,
    GstFlowReturn flow)
{
  GstAsyncProcessFrame *frame = gst_async_process_lookup_id (self, id,
      "finish");

  if (frame) {
    gst_async_process_frame_finish (frame, flow);
    gst_async_process_frame_unref (frame);
  }
}

static void
gst_async_process_finish_with_error_action (GstAsyncProcess * self,
    guint64 id, const gchar * message, const gchar * debug)
{
  GstAsyncProcessFrame *frame = gst_async_process_lookup_id (self, id,
      "finish-with-error");
  GError *error;

  if (frame == NULL)
    return;
  error = g_error_new_literal (GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_FAILED,
      message ? message : "");
  gst_async_process_frame_finish_with_error (frame, error, debug);
  g_error_free (error);
  gst_async_process_frame_unref (frame);
}

static void
gst_async_process_set_output_action (GstAsyncProcess * self, guint64 id,
    GstBuffer * buffer)
{
  GstAsyncProcessFrame *frame;

  g_return_if_fail (GST_IS_BUFFER (buffer));

  frame = gst_async_process_lookup_id (self, id, "set-output");
  if (frame) {
    gst_async_process_frame_set_buffer (frame, gst_buffer_ref (buffer));
    gst_async_process_frame_unref (frame);
  }
}

/* --- the work ------------------------------------------------------------ */

static GstAsyncProcessCallback *
gst_async_process_get_callback (GstAsyncProcess * self)
{
  GstAsyncProcessCallback *callback;

  GST_OBJECT_LOCK (self);
  callback = self->callback;
  if (callback)
    g_atomic_int_inc (&callback->refcount);
  GST_OBJECT_UNLOCK (self);
  return callback;
}

/* Emits process for @handle. */
static GstFlowReturn
gst_async_process_emit (GstAsyncProcess * self, GstAsyncProcessFrame * handle,
    GstAsyncFrame * frame)
{
  GValue args[5] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT,
    G_VALUE_INIT
  };
  GValue ret = G_VALUE_INIT;
  GstFlowReturn flow;
  guint i;

  gst_async_process_register_ids (&handle, 1);
  g_value_init (&args[0], GST_TYPE_ASYNC_PROCESS);
  g_value_set_object (&args[0], self);
  g_value_init (&args[1], G_TYPE_UINT64);
  g_value_set_uint64 (&args[1], handle->id);
  /* (static scope: the handler takes a reference to keep them) */
  g_value_init (&args[2], GST_TYPE_BUFFER);
  g_value_set_static_boxed (&args[2], frame->input);
  g_value_init (&args[3], GST_TYPE_CAPS);
  g_value_set_static_boxed (&args[3],
      gst_async_process_frame_get_caps (handle));
  g_value_init (&args[4], G_TYPE_UINT);
  g_value_set_uint (&args[4], handle->worker);
  g_value_init (&ret, GST_TYPE_FLOW_RETURN);
  /* left as it is by a handler that raised */
  g_value_set_enum (&ret, FLOW_NOT_SET);

  g_signal_emitv (args, gst_async_process_signals[SIGNAL_PROCESS], 0, &ret);
  flow = g_value_get_enum (&ret);
  for (i = 0; i < G_N_ELEMENTS (args); i++)
    g_value_unset (&args[i]);

  if (flow == FLOW_NOT_SET) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
        (_("The application's frame processing failed.")),
        ("the process handler raised an exception or returned no flow on "
            "frame %" G_GUINT64_FORMAT, handle->number));
    flow = GST_FLOW_ERROR;
  }
  return flow;
}

/* Emits process-batch for @handles, the handles of @frames. */
static GstFlowReturn
gst_async_process_emit_batch (GstAsyncProcess * self,
    GstAsyncProcessFrame ** handles, GstAsyncFrame ** frames, guint n_frames)
{
  GValue args[5] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT,
    G_VALUE_INIT
  };
  GValue ret = G_VALUE_INIT;
  GstBufferList *buffers = gst_buffer_list_new_sized (n_frames);
  GstFlowReturn flow;
  guint i;

  gst_async_process_register_ids (handles, n_frames);
  for (i = 0; i < n_frames; i++)
    gst_buffer_list_add (buffers, gst_buffer_ref (frames[i]->input));
  g_value_init (&args[0], GST_TYPE_ASYNC_PROCESS);
  g_value_set_object (&args[0], self);
  g_value_init (&args[1], G_TYPE_UINT64);
  g_value_set_uint64 (&args[1], handles[0]->id);
  g_value_init (&args[2], GST_TYPE_BUFFER_LIST);
  g_value_take_boxed (&args[2], buffers);
  g_value_init (&args[3], GST_TYPE_CAPS);
  g_value_set_static_boxed (&args[3],
      gst_async_process_frame_get_caps (handles[0]));
  g_value_init (&args[4], G_TYPE_UINT);
  g_value_set_uint (&args[4], handles[0]->worker);
  g_value_init (&ret, GST_TYPE_FLOW_RETURN);
  g_value_set_enum (&ret, FLOW_NOT_SET);

  g_signal_emitv (args, gst_async_process_signals[SIGNAL_PROCESS_BATCH], 0,
      &ret);
  flow = g_value_get_enum (&ret);
  for (i = 0; i < G_N_ELEMENTS (args); i++)
    g_value_unset (&args[i]);

  if (flow == FLOW_NOT_SET) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
        (_("The application's frame processing failed.")),
        ("the process-batch handler raised an exception or returned no "
            "flow on frames %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
            handles[0]->number, handles[n_frames - 1]->number));
    flow = GST_FLOW_ERROR;
  }
  return flow;
}

/* Settles the handles of a call that returned @ret for their frames, and
 * drops them. A frame finished already, inside the call or by another
 * thread as it returned, keeps its own flow; the others get @ret, or with
 * FLOW_PENDING stay the application's. Returns what the call returns to
 * the base class: @ret while it is every frame's; else FLOW_PENDING, the
 * frames @ret is for being finished with it here (the base class may not
 * have heard yet of a frame another thread finished: it is told once the
 * handle is). */
static GstFlowReturn
gst_async_process_end_call (GstAsyncProcess * self,
    GstAsyncProcessFrame ** handles, guint n_frames, GstFlowReturn ret)
{
  guint i, n_left = 0;

  for (i = 0; i < n_frames; i++) {
    GstAsyncProcessFrame *handle = handles[i];

    if (ret == GST_ASYNC_TRANSFORM_FLOW_PENDING) {
      /* (unless finished already, or by another thread meanwhile) */
      g_atomic_int_compare_and_exchange (&handle->state, FRAME_IN_PROCESS,
          FRAME_PENDING);
    } else if (g_atomic_int_compare_and_exchange (&handle->state,
            FRAME_IN_PROCESS, FRAME_FINISHED)) {
      /* @ret is its flow: kept at the front for below */
      handles[n_left++] = handle;
      continue;
    }
    gst_async_process_frame_unref (handle);
  }

  for (i = 0; i < n_left; i++) {
    GstAsyncProcessFrame *handle = handles[i];

    if (n_left < n_frames)
      gst_async_transform_finish_frame (GST_ASYNC_TRANSFORM (self),
          handle->frame, ret);
    handle->frame = NULL;
    gst_async_process_forget_id (handle);
    gst_async_process_frame_unref (handle);
  }
  return n_left == n_frames ? ret : GST_ASYNC_TRANSFORM_FLOW_PENDING;
}

/* One call of the application's batch function, or one emission of
 * process-batch, on @n_frames frames. */
static GstFlowReturn
gst_async_process_call_batch (GstAsyncProcess * self,
    GstAsyncProcessCallback * callback, GstAsyncFrame ** frames, guint n_frames)
{
  GstAsyncProcessFrame *stack[16];
  GstAsyncProcessFrame **handles = stack;
  GstFlowReturn ret;
  guint i;

  if (n_frames > G_N_ELEMENTS (stack))
    handles = g_new (GstAsyncProcessFrame *, n_frames);
  for (i = 0; i < n_frames; i++)
    handles[i] = gst_async_process_frame_new (self, frames[i]);
  if (callback)
    ret = callback->batch_func (self, handles, n_frames, callback->user_data);
  else
    ret = gst_async_process_emit_batch (self, handles, frames, n_frames);
  ret = gst_async_process_end_call (self, handles, n_frames, ret);
  if (handles != stack)
    g_free (handles);
  return ret;
}

/* One call of the application's per-frame function, or one emission of
 * process, on @frame. */
static GstFlowReturn
gst_async_process_call_one (GstAsyncProcess * self,
    GstAsyncProcessCallback * callback, GstAsyncFrame * frame)
{
  GstAsyncProcessFrame *handle = gst_async_process_frame_new (self, frame);
  GstFlowReturn ret;

  if (callback)
    ret = callback->func (self, handle, callback->user_data);
  else
    ret = gst_async_process_emit (self, handle, frame);
  return gst_async_process_end_call (self, &handle, 1, ret);
}

/* The application's work on @n_frames frames, whichever way it is given:
 * the C function of either kind, else process-batch, else process, else
 * none (frames pass). process () and process_batch () both, since a batch
 * function gets batches of one while batch-size is 1, and a per-frame
 * function the frames of a batch one by one. */
static GstFlowReturn
gst_async_process_run (GstAsyncProcess * self, GstAsyncFrame ** frames,
    guint n_frames)
{
  GstAsyncProcessCallback *callback = gst_async_process_get_callback (self);
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean batch;
  guint i;

  if (callback)
    batch = callback->batch_func != NULL;
  else if (g_signal_has_handler_pending (self,
          gst_async_process_signals[SIGNAL_PROCESS_BATCH], 0, FALSE))
    batch = TRUE;
  else if (g_signal_has_handler_pending (self,
          gst_async_process_signals[SIGNAL_PROCESS], 0, FALSE))
    batch = FALSE;
  else
    goto pass;

  if (batch) {
    ret = gst_async_process_call_batch (self, callback, frames, n_frames);
  } else if (n_frames == 1) {
    ret = gst_async_process_call_one (self, callback, frames[0]);
  } else {
    /* each frame has its own flow: the base class is told of it now */
    for (i = 0; i < n_frames; i++) {
      ret = gst_async_process_call_one (self, callback, frames[i]);
      if (ret != GST_ASYNC_TRANSFORM_FLOW_PENDING)
        gst_async_transform_finish_frame (GST_ASYNC_TRANSFORM (self),
            frames[i], ret);
    }
    ret = GST_ASYNC_TRANSFORM_FLOW_PENDING;
  }
  gst_async_process_callback_unref (callback);
  return ret;

pass:
  /* nothing to call: identity */
  for (i = 0; i < n_frames; i++)
    frames[i]->output = g_steal_pointer (&frames[i]->input);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_async_process_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  return gst_async_process_run (GST_ASYNC_PROCESS (trans), &frame, 1);
}

static GstFlowReturn
gst_async_process_process_batch (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame ** frames, guint n_frames)
{
  return gst_async_process_run (GST_ASYNC_PROCESS (trans), frames, n_frames);
}
