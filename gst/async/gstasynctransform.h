/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransform.h: base class for elements that process frames
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

#ifndef __GST_ASYNC_TRANSFORM_H__
#define __GST_ASYNC_TRANSFORM_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#ifndef GST_ASYNC_API
# ifdef BUILDING_GST_ASYNC
#  define GST_ASYNC_API GST_API_EXPORT
# else
#  define GST_ASYNC_API GST_API_IMPORT
# endif
#endif

#define GST_TYPE_ASYNC_TRANSFORM (gst_async_transform_get_type ())
GST_ASYNC_API
G_DECLARE_DERIVABLE_TYPE (GstAsyncTransform, gst_async_transform,
    GST, ASYNC_TRANSFORM, GstElement)

/**
 * GST_ASYNC_TRANSFORM_SINK_NAME:
 *
 * The name of the sink pad template subclasses must install.
 *
 * Since: 1.0
 */
#define GST_ASYNC_TRANSFORM_SINK_NAME "sink"

/**
 * GST_ASYNC_TRANSFORM_SRC_NAME:
 *
 * The name of the src pad template subclasses must install.
 *
 * Since: 1.0
 */
#define GST_ASYNC_TRANSFORM_SRC_NAME "src"

/**
 * GST_ASYNC_TRANSFORM_SINK_PAD:
 * @obj: a #GstAsyncTransform
 *
 * The element's sink pad (transfer none).
 *
 * Since: 1.0
 */
#define GST_ASYNC_TRANSFORM_SINK_PAD(obj) \
    (gst_async_transform_get_sink_pad (GST_ASYNC_TRANSFORM (obj)))

/**
 * GST_ASYNC_TRANSFORM_SRC_PAD:
 * @obj: a #GstAsyncTransform
 *
 * The element's src pad (transfer none).
 *
 * Since: 1.0
 */
#define GST_ASYNC_TRANSFORM_SRC_PAD(obj) \
    (gst_async_transform_get_src_pad (GST_ASYNC_TRANSFORM (obj)))

/**
 * GST_ASYNC_TRANSFORM_FLOW_DROPPED:
 *
 * What #GstAsyncTransformClass.process returns to drop its frame without
 * an error: nothing is pushed in its place (events the frame carries still
 * are). Same value as %GST_BASE_TRANSFORM_FLOW_DROPPED.
 *
 * Since: 1.0
 */
#define GST_ASYNC_TRANSFORM_FLOW_DROPPED GST_FLOW_CUSTOM_SUCCESS

/**
 * GST_ASYNC_TRANSFORM_FLOW_PENDING:
 *
 * What #GstAsyncTransformClass.process returns when the work goes on
 * elsewhere (a remote service, a device queue, an event loop) and the
 * frame is to be completed later with gst_async_transform_finish_frame(),
 * from any thread. The worker is free at once: frames in flight are then
 * bounded by #GstAsyncTransform:max-in-flight, not by
 * #GstAsyncTransform:n-workers. The frame keeps its place in the output
 * order, and the context is given back when process () returns. With
 * max-in-flight=0 the automatic window counts the time from process () to
 * gst_async_transform_finish_frame() as the frame's work, as it does for
 * any frame: set max-in-flight to the number of frames the work can hold.
 *
 * Since: 1.0
 */
#define GST_ASYNC_TRANSFORM_FLOW_PENDING GST_FLOW_CUSTOM_SUCCESS_1

/**
 * GstAsyncTransformLeaky:
 * @GST_ASYNC_TRANSFORM_LEAKY_NO: upstream waits while the element is full
 * @GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM: a new frame that finds the element
 *     full is dropped
 * @GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM: a new frame that finds the element
 *     full replaces the oldest frame that no thread is processing or
 *     pushing; when there is none, the new frame is dropped
 *
 * What a #GstAsyncTransform does when #GstAsyncTransform:max-in-flight
 * frames are inside, with the meanings of queue's leaky property. A leaky
 * element never makes upstream wait, and marks the buffer after a drop
 * %GST_BUFFER_FLAG_DISCONT.
 *
 * Since: 1.0
 */
typedef enum
{
  GST_ASYNC_TRANSFORM_LEAKY_NO,
  GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM,
  GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM,
} GstAsyncTransformLeaky;

#define GST_TYPE_ASYNC_TRANSFORM_LEAKY (gst_async_transform_leaky_get_type ())
GST_ASYNC_API
GType gst_async_transform_leaky_get_type (void);

/**
 * GstAsyncTransformCopy:
 * @GST_ASYNC_TRANSFORM_COPY_NONE: copy nothing
 * @GST_ASYNC_TRANSFORM_COPY_TIMESTAMPS: PTS, DTS and duration
 * @GST_ASYNC_TRANSFORM_COPY_OFFSETS: offset and offset-end
 * @GST_ASYNC_TRANSFORM_COPY_FLAGS: the buffer flags
 * @GST_ASYNC_TRANSFORM_COPY_METAS: the metas that
 *     #GstAsyncTransformClass.transform_meta accepts
 * @GST_ASYNC_TRANSFORM_COPY_ALL: all of the above
 *
 * What the base class copies from a frame's input buffer onto a new output
 * buffer (one that is not the input itself) once
 * #GstAsyncTransformClass.process has returned, set with
 * gst_async_transform_set_output_policy(). A field is only copied where
 * the output does not have it already: a timestamp, duration or offset
 * that @process set stays, and so do flags it set.
 *
 * Since: 1.0
 */
typedef enum
{
  GST_ASYNC_TRANSFORM_COPY_NONE = 0,
  GST_ASYNC_TRANSFORM_COPY_TIMESTAMPS = (1 << 0),
  GST_ASYNC_TRANSFORM_COPY_OFFSETS = (1 << 1),
  GST_ASYNC_TRANSFORM_COPY_FLAGS = (1 << 2),
  GST_ASYNC_TRANSFORM_COPY_METAS = (1 << 3),
  GST_ASYNC_TRANSFORM_COPY_ALL = 0xf,
} GstAsyncTransformCopy;

#define GST_TYPE_ASYNC_TRANSFORM_COPY (gst_async_transform_copy_get_type ())
GST_ASYNC_API
GType gst_async_transform_copy_get_type (void);

/**
 * GstAsyncTransformRole:
 * @GST_ASYNC_TRANSFORM_ROLE_FILTER: a filter: its frames go out with what
 *     they came with (the default)
 * @GST_ASYNC_TRANSFORM_ROLE_ENCODER: an encoder, at the stream's edges as
 *     #GstVideoEncoder: a buffer wholly outside the input segment is
 *     dropped before #GstAsyncTransformClass.parse sees it, one partly
 *     inside is clipped to it (its PTS and duration), and the first buffer
 *     pushed since a start or a flush is %GST_BUFFER_FLAG_DISCONT
 * @GST_ASYNC_TRANSFORM_ROLE_DECODER: a decoder, as #GstVideoDecoder: the
 *     first buffer pushed since a start or a flush is
 *     %GST_BUFFER_FLAG_DISCONT, and a stream that brought input but gave
 *     no frame by EOS (not a JPEG file, say) is an error,
 *     %GST_STREAM_ERROR_DECODE "The stream ended before any frame could be
 *     decoded.", posted before the EOS goes out. Frames dropped by
 *     #GstAsyncTransform:qos count as output (they were late, not bad);
 *     frames dropped by the subclass or by
 *     GST_ASYNC_TRANSFORM_FRAME_ERROR() do not.
 *
 * What a #GstAsyncTransform is, for the conventions GStreamer's own base
 * classes keep at the edges of a stream, set with
 * gst_async_transform_set_role().
 *
 * Since: 1.0
 */
typedef enum
{
  GST_ASYNC_TRANSFORM_ROLE_FILTER,
  GST_ASYNC_TRANSFORM_ROLE_ENCODER,
  GST_ASYNC_TRANSFORM_ROLE_DECODER,
} GstAsyncTransformRole;

#define GST_TYPE_ASYNC_TRANSFORM_ROLE (gst_async_transform_role_get_type ())
GST_ASYNC_API
GType gst_async_transform_role_get_type (void);

typedef struct _GstAsyncFrame GstAsyncFrame;

/**
 * GstAsyncFrame:
 * @number: the frame's place among the frames given to
 *     #GstAsyncTransformClass.process since the element went to PAUSED,
 *     counted from 0 in input order. Frames dropped before any work (by
 *     #GstAsyncTransform:qos or #GstAsyncTransform:leaky) take no number,
 *     so "fail at frame N" means the N-th frame worked on, whichever
 *     worker runs it.
 * @input: the submitted buffer, owned by the frame. @process may take it
 *     (set it to %NULL) to use it as @output, see
 *     gst_async_frame_output_in_place(), or to consume it.
 * @output: the result, set by @process (from bindings, with
 *     gst_async_frame_set_output()). A frame that a successful @process
 *     left alone, @output %NULL and @input still there, goes out as it
 *     came, as through an in-place #GstBaseTransform, where the output
 *     caps are the input caps (elsewhere it is dropped with a warning, as
 *     by GST_ASYNC_TRANSFORM_FRAME_ERROR()); with @input taken too,
 *     nothing is pushed. A new buffer gets what
 *     gst_async_transform_set_output_policy() says of the input's.
 * @user_data: what gst_async_transform_submit_full() attached, for
 *     @process; freed by the base class when the frame is done.
 * @worker: the worker slot running @process on the frame, from 0: no
 *     other @process call running at the same time has it, and it is
 *     below gst_async_transform_get_n_workers(), so it may pick a
 *     per-worker resource (a model instance, a connection). In a
 *     #GstAsyncTransformClass.process_batch call, the slot of the call is
 *     its first frame's: a later frame of another element of the worker
 *     group (gst_async_frame_get_element()) has a slot of that element.
 *
 * One frame on its way through a #GstAsyncTransform. Only the thread
 * running #GstAsyncTransformClass.process touches it, so no locking is
 * needed.
 *
 * Since: 1.0
 */
struct _GstAsyncFrame
{
  guint64 number;
  GstBuffer *input;
  GstBuffer *output;
  gpointer user_data;
  guint worker;

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
};

/**
 * GstAsyncTransformClass:
 * @parent_class: the parent class.
 * @keep_contexts_across_caps: %TRUE when worker contexts do not depend on
 *     the caps (a child process, a wrapped element that follows caps events
 *     itself): new caps then keep them. Default %FALSE: contexts made
 *     before new caps are freed once every earlier frame has left.
 * @open: optional: NULL→READY: open resources.
 * @close: optional: READY→NULL: close what @open opened.
 * @start: optional: READY→PAUSED: get ready for data.
 * @stop: optional: PAUSED→READY: free what @start made.
 * @transform_caps: optional: caps on one pad to caps on the other.
 * @fixate_caps: optional: fixates the output caps.
 * @set_caps: optional: takes the input and output caps chosen.
 * @negotiate: optional: negotiates the output with downstream.
 * @parse: optional: the sequential step: input buffers to frames.
 * @drain: optional: submits what @parse holds, before a drain or new caps.
 * @finish: optional: submits what @parse holds, before EOS.
 * @flush: optional: forgets what @parse holds.
 * @unlock: optional: makes the @process calls running return soon.
 * @unlock_stop: optional: clears what @unlock set.
 * @create_context: optional: makes one worker's exclusive state.
 * @free_context: optional: frees a context.
 * @drain_context: optional: finishes what an idle context holds.
 * @flush_context: optional: forgets what an idle context holds.
 * @process: the per-frame work, on several threads at once; required
 *     unless @process_batch is set.
 * @transform_meta: optional: whether to copy a meta onto a new output
 *     buffer.
 * @propose_allocation: optional: answers upstream's allocation query.
 * @decide_allocation: optional: chooses the output pool from downstream's
 *     answer.
 * @sink_event: optional: events on the sink pad.
 * @src_event: optional: events on the src pad.
 * @sink_query: optional: queries on the sink pad.
 * @src_query: optional: queries on the src pad.
 * @process_batch: optional: the work on several frames in one call; used
 *     instead of @process, except while batch-size is 1 if both are set.
 *
 * The virtual methods a subclass implements, each described in full below
 * this struct (#GstAsyncTransformClass::process and the others). The base
 * class owns every thread and lock: none of these is called with a base
 * class lock held, and apart from @process, @process_batch,
 * @create_context, @free_context and @transform_meta, which run on worker
 * threads, each runs in the thread
 * its description names.
 *
 * Since: 1.0
 */
struct _GstAsyncTransformClass
{
  GstElementClass parent_class;

  /*< public >*/
  gboolean keep_contexts_across_caps;

  gboolean (*open) (GstAsyncTransform * self);
  gboolean (*close) (GstAsyncTransform * self);
  gboolean (*start) (GstAsyncTransform * self);
  gboolean (*stop) (GstAsyncTransform * self);

  GstCaps *(*transform_caps) (GstAsyncTransform * self,
      GstPadDirection direction, GstCaps * caps, GstCaps * filter);
  GstCaps *(*fixate_caps) (GstAsyncTransform * self,
      GstPadDirection direction, GstCaps * caps, GstCaps * othercaps);
  gboolean (*set_caps) (GstAsyncTransform * self, GstCaps * incaps,
      GstCaps * outcaps);
  gboolean (*negotiate) (GstAsyncTransform * self);

  GstFlowReturn (*parse) (GstAsyncTransform * self, GstBuffer * buffer);
  GstFlowReturn (*drain) (GstAsyncTransform * self);
  GstFlowReturn (*finish) (GstAsyncTransform * self);
  void (*flush) (GstAsyncTransform * self);
  void (*unlock) (GstAsyncTransform * self);
  void (*unlock_stop) (GstAsyncTransform * self);

  gpointer (*create_context) (GstAsyncTransform * self);
  void (*free_context) (GstAsyncTransform * self, gpointer context);
  gboolean (*drain_context) (GstAsyncTransform * self, gpointer context);
  gboolean (*flush_context) (GstAsyncTransform * self, gpointer context);
  GstFlowReturn (*process) (GstAsyncTransform * self, gpointer context,
      GstAsyncFrame * frame);
  gboolean (*transform_meta) (GstAsyncTransform * self, GstBuffer * outbuf,
      GstMeta * meta, GstBuffer * inbuf);

  gboolean (*propose_allocation) (GstAsyncTransform * self,
      GstQuery * query);
  gboolean (*decide_allocation) (GstAsyncTransform * self,
      GstQuery * query);

  gboolean (*sink_event) (GstAsyncTransform * self, GstEvent * event);
  gboolean (*src_event) (GstAsyncTransform * self, GstEvent * event);
  gboolean (*sink_query) (GstAsyncTransform * self, GstQuery * query);
  gboolean (*src_query) (GstAsyncTransform * self, GstQuery * query);

  GstFlowReturn (*process_batch) (GstAsyncTransform * self, gpointer context,
      GstAsyncFrame ** frames, guint n_frames);

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING_LARGE - 1];
};

/* The virtual methods, one by one: the API reference and bindings take
 * their parameters and ownership from here. */

/**
 * GstAsyncTransformClass::open:
 * @self: the #GstAsyncTransform
 *
 * Optional. NULL→READY, in the application thread: open resources and check
 * the configuration. Return %FALSE (after posting an error) to fail the
 * state change.
 *
 * Returns: %FALSE to fail the state change.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::close:
 * @self: the #GstAsyncTransform
 *
 * Optional. READY→NULL, after every worker context was freed.
 *
 * Returns: %FALSE to fail the state change.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::start:
 * @self: the #GstAsyncTransform
 *
 * Optional. READY→PAUSED, before the pads are activated; the worker count
 * is known (gst_async_transform_get_n_workers()), and
 * gst_async_transform_create_contexts() may make the contexts now.
 *
 * Returns: %FALSE to fail the state change.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::stop:
 * @self: the #GstAsyncTransform
 *
 * Optional. PAUSED→READY, once no frame is in flight and no
 * #GstAsyncTransformClass.process call runs.
 *
 * Returns: %FALSE to fail the state change.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::transform_caps:
 * @self: the #GstAsyncTransform
 * @direction: the direction of the pad @caps are on
 * @caps: (transfer none): the caps to transform
 * @filter: (transfer none) (nullable): caps the result is narrowed to, on
 *     the other pad's side
 *
 * Optional. Given @caps on the pad in @direction, return the caps possible
 * on the other pad, narrowed by @filter (which is on the other pad's side).
 * Used for caps and accept-caps queries and by the default
 * #GstAsyncTransformClass.negotiate. Any thread. Default: the same caps (a
 * filter that does not change the format).
 *
 * Returns: (transfer full): the caps possible on the other pad.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::fixate_caps:
 * @self: the #GstAsyncTransform
 * @direction: the direction of the pad @caps are on
 * @caps: (transfer none): the fixed caps on that pad
 * @othercaps: (transfer full): the caps possible on the other pad, to
 *     fixate
 *
 * Optional. Fixate @othercaps, the caps possible on the pad opposite
 * @direction given fixed @caps. Default: the input caps when @othercaps
 * allow them, else gst_caps_fixate().
 *
 * Returns: (transfer full): fixed caps for the other pad.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::set_caps:
 * @self: the #GstAsyncTransform
 * @incaps: (transfer none): the input caps
 * @outcaps: (transfer none): the output caps chosen for them
 *
 * Optional. Called by the default #GstAsyncTransformClass.negotiate with
 * the input caps and the output caps chosen for them: for every new input
 * caps, even when the output caps stay the same (as #GstBaseTransform
 * does), and when a reconfiguration changes the output caps. It runs once
 * every earlier frame has left the element, and no
 * #GstAsyncTransformClass.process call runs until it returns, so fields
 * that #GstAsyncTransformClass.process reads may change here. Return
 * %FALSE if the caps cannot be handled.
 *
 * Returns: %FALSE if the caps cannot be handled.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::negotiate:
 * @self: the #GstAsyncTransform
 *
 * Optional. Negotiates the output with downstream, in the upstream
 * streaming thread: after new input caps
 * (gst_async_transform_get_input_caps() returns them then), and again
 * before the next frame when downstream asks for a reconfiguration. Both
 * times a subclass's own negotiate runs once every earlier frame has left
 * the element, and no #GstAsyncTransformClass.process call runs until it
 * returns, so fields that #GstAsyncTransformClass.process reads may change
 * here. The default finds output caps with
 * #GstAsyncTransformClass.transform_caps, downstream's caps and
 * #GstAsyncTransformClass.fixate_caps; when they differ from the current
 * ones, or the input caps are new, it lets the frames before leave, calls
 * #GstAsyncTransformClass.set_caps and
 * gst_async_transform_set_output_caps(). A decoder, whose output caps come
 * from the stream, overrides it: it sets output caps it already knows (or
 * leaves them to #GstAsyncTransformClass.parse) and returns %TRUE. Either
 * way, when a reconfiguration leaves the output caps unchanged the base
 * class asks downstream for its allocation again. Return %FALSE when no
 * output is possible: data is then refused as not-negotiated.
 *
 * Returns: %FALSE when no output is possible.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::parse:
 * @self: the #GstAsyncTransform
 * @buffer: (transfer full): the input buffer
 *
 * Optional, the sequential step. Called in the upstream streaming thread
 * with each input buffer, in order, one at a time; calls
 * gst_async_transform_submit() for each complete frame (zero, one or many
 * per buffer) and may call gst_async_transform_set_output_caps(),
 * gst_async_transform_queue_event() and gst_async_transform_merge_tags().
 * Default: submit the buffer as one frame. A decoder that must find frame
 * boundaries in unparsed input overrides this.
 *
 * Returns: %GST_FLOW_OK, or the flow that stops the stream (the last flow
 *     gst_async_transform_submit() returned, say).
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::drain:
 * @self: the #GstAsyncTransform
 *
 * Optional. Called in the upstream streaming thread before a drain query or
 * new input caps take their place: submit what
 * #GstAsyncTransformClass.parse still holds that can be worked on now; more
 * data may follow. Default: call #GstAsyncTransformClass.finish.
 *
 * Returns: %GST_FLOW_OK, or the flow that stops the stream.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::finish:
 * @self: the #GstAsyncTransform
 *
 * Optional. Called in the upstream streaming thread before EOS takes its
 * place: submit what #GstAsyncTransformClass.parse still holds; the stream
 * ends.
 *
 * Returns: %GST_FLOW_OK, or the flow that stops the stream.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::flush:
 * @self: the #GstAsyncTransform
 *
 * Optional. Called on flush-stop and on PAUSED→READY, with no frame in
 * flight and no #GstAsyncTransformClass.process call running: forget what
 * #GstAsyncTransformClass.parse holds.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::unlock:
 * @self: the #GstAsyncTransform
 *
 * Optional. Called on flush-start and PAUSED→READY, from the thread doing
 * it and without any lock: make every #GstAsyncTransformClass.process call
 * in progress return as soon as it can (its frame is thrown away), as
 * #GstBaseSrc's unlock. A #GstAsyncTransformClass.process that waits (on a
 * child process, a remote service, a wrapped element) implements it, so
 * that seeking and stopping never wait for a slow frame.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::unlock_stop:
 * @self: the #GstAsyncTransform
 *
 * Optional. Called once every #GstAsyncTransformClass.process call
 * interrupted by #GstAsyncTransformClass.unlock has returned, before new
 * frames start: clear what #GstAsyncTransformClass.unlock set.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::create_context:
 * @self: the #GstAsyncTransform
 *
 * Optional. Create the exclusive state one worker needs for one frame (a
 * codec instance, a replica of a wrapped element). Called lazily from a
 * worker thread (or from the thread calling
 * gst_async_transform_acquire_context() or
 * gst_async_transform_create_contexts()); the context is then reused for
 * later frames, never used by two frames at once. Return %NULL on failure,
 * after posting an error: the frame then fails with it.
 *
 * Returns: (nullable) (transfer full): the new context, or %NULL on
 *     failure.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::free_context:
 * @self: the #GstAsyncTransform
 * @context: (transfer full): a context
 *     #GstAsyncTransformClass.create_context made
 *
 * Optional. Free what #GstAsyncTransformClass.create_context made. Called
 * from whichever thread gives the context up: a worker, the upstream
 * streaming thread on new caps, the application thread on a state change or
 * when the element is disposed.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::drain_context:
 * @self: the #GstAsyncTransform
 * @context: (transfer none): an idle context
 *
 * Optional. Called for every idle context, in the upstream streaming thread
 * once every earlier frame has left, at a drain query, before new caps
 * (only with @keep_contexts_across_caps) and at EOS: finish what the
 * context holds. Return %FALSE to discard it.
 *
 * Returns: %FALSE to discard the context.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::flush_context:
 * @self: the #GstAsyncTransform
 * @context: (transfer none): an idle context
 *
 * Optional. Called for every idle context on flush-stop, once no
 * #GstAsyncTransformClass.process call runs: forget what the context holds.
 * Return %FALSE to discard it.
 *
 * Returns: %FALSE to discard the context.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::process:
 * @self: the #GstAsyncTransform
 * @context: (transfer none) (nullable): this call's exclusive context,
 *     %NULL without #GstAsyncTransformClass.create_context
 * @frame: (transfer none): the frame to work on, valid until it is done
 *     (past the call only when left pending)
 *
 * Required. The per-frame work, called from several threads at once (the
 * workers, and with very cheap work the src pad task), each with its own
 * @context (%NULL without #GstAsyncTransformClass.create_context). Fill
 * @frame's output, or change its input in place
 * (gst_async_frame_output_in_place()), and return %GST_FLOW_OK. As with
 * #GstBaseTransform, a frame left alone (%GST_FLOW_OK with no output and
 * the input still in the frame) goes out as it came: an element that only
 * looks at its frames does nothing to them. That needs output caps equal
 * to the input caps: where they differ (a converter, a codec), such a
 * frame is dropped with a warning, as by GST_ASYNC_TRANSFORM_FRAME_ERROR().
 * To push nothing, return %GST_ASYNC_TRANSFORM_FLOW_DROPPED, or take the
 * input and leave no output (gst_async_frame_set_output() with %NULL).
 * GST_ASYNC_TRANSFORM_FRAME_ERROR() drops the frame with a warning, counted
 * against gst_async_transform_set_max_errors(); %GST_FLOW_EOS ends the
 * stream after the frames before it (upstream gets %GST_FLOW_EOS and its
 * EOS event still goes out, as with identity's eos-after); another error
 * flow, after GST_ELEMENT_ERROR(), stops the element once every earlier
 * frame has left, and only then is the error message posted. An error
 * message posted from #GstAsyncTransformClass.process waits for its frame's
 * turn too. %GST_ASYNC_TRANSFORM_FLOW_PENDING leaves the frame to be
 * completed with gst_async_transform_finish_frame(). What
 * #GstAsyncTransformClass.set_caps and a subclass's own
 * #GstAsyncTransformClass.negotiate set never changes while a call runs:
 * they run only while none does.
 *
 * Returns: %GST_FLOW_OK, or one of the flows above.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::process_batch:
 * @self: the #GstAsyncTransform
 * @context: (transfer none) (nullable): this call's exclusive context,
 *     %NULL without #GstAsyncTransformClass.create_context
 * @frames: (array length=n_frames) (transfer none): the frames, in input
 *     order, each valid until it is done
 * @n_frames: how many, from 1 to the #GstAsyncTransform:batch-size
 *
 * Optional. Works on several frames in one call, for work that pays a
 * cost per call (a device's kernel launch, a request to a model server, a
 * Python call over an array of frames): set it and the element gets
 * #GstAsyncTransform:batch-size and #GstAsyncTransform:batch-timeout
 * (install them with gst_async_transform_class_install_batch_properties()
 * and hand them to gst_async_transform_set_batch_property()).
 * A class that also sets #GstAsyncTransformClass.process gets that while
 * batch-size is 1, and this call otherwise. Called as @process is,
 * from several threads at once, each call with its own @context; the
 * call's worker slot is its first frame's GstAsyncFrame.worker. In a
 * #GstAsyncTransform:worker-group a batch that is not full takes the
 * waiting frames of other elements of the same class too (same
 * batch-size, input caps and gst_async_transform_set_batch_key()), after
 * the caller's own: each is finished as any frame is, and goes back to
 * its own element (gst_async_frame_get_element()), whose settings apply
 * to it.
 *
 * Each frame is what @process gets, and its result is given the same
 * ways: an output, its input left alone, GST_ASYNC_TRANSFORM_FRAME_ERROR()
 * on it, events and messages. The flow returned applies to every frame of
 * the call that was not finished during the call with
 * gst_async_transform_finish_frame(): so one frame can be dropped, failed
 * or ended (%GST_ASYNC_TRANSFORM_FLOW_DROPPED, an error, %GST_FLOW_EOS)
 * while the rest return %GST_FLOW_OK, and with
 * %GST_ASYNC_TRANSFORM_FLOW_PENDING the frames not finished yet stay
 * pending, each finished on its own later. An error message posted from
 * the call waits for the turn of the first frame that failed with an
 * error flow (one of the message's own element first), else of the
 * message's element's first frame in the call, else of the call's first
 * frame; the frame's element posts it as its own. Frames leave in their order
 * whichever finishes first.
 *
 * Returns: the flow for the frames not finished during the call.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::transform_meta:
 * @self: the #GstAsyncTransform
 * @outbuf: (transfer none): the new output buffer
 * @meta: (transfer none): a meta of @inbuf
 * @inbuf: (transfer none): the input buffer
 *
 * Optional. Whether to copy @meta of @inbuf onto @outbuf, a new output
 * buffer, when the output policy copies metas. Called where
 * #GstAsyncTransformClass.process ran. Default: metas whose API has no tags
 * (they do not depend on the format or the memory) are copied.
 *
 * Returns: %TRUE to copy @meta onto @outbuf.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::propose_allocation:
 * @self: the #GstAsyncTransform
 * @query: (transfer none): the allocation query
 *
 * Optional. Answer the allocation query from upstream (which arrives after
 * every earlier item has left). Default: when input and output caps are
 * equal, forward the query downstream; then ask upstream for
 * #GstAsyncTransform:max-in-flight more buffers in every pool, since that
 * many stay held in flight.
 *
 * Returns: %TRUE when the query was answered.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::decide_allocation:
 * @self: the #GstAsyncTransform
 * @query: (transfer none): the allocation query, with downstream's answer
 *
 * Optional. Called in the upstream streaming thread once new output caps
 * have reached downstream (no frame is in flight then), and again after a
 * reconfiguration, with downstream's answer to an allocation query for
 * them: set the pool #GstAsyncTransformClass.process allocates from as the
 * query's first pool. The default keeps downstream's pool (or makes one,
 * for raw video with video meta when downstream takes it) and sizes it for
 * the frames the element holds: at least downstream's minimum plus the
 * window, so that frames waiting for their turn never starve the frame that
 * must leave first. The base class then activates the query's first pool
 * for gst_async_transform_allocate_output_buffer(). Set it to %NULL in
 * class_init when #GstAsyncTransformClass.process never allocates (a filter
 * passing its input through): no allocation query is made then.
 *
 * Returns: %FALSE when no output can be allocated.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::sink_event:
 * @self: the #GstAsyncTransform
 * @event: (transfer full): the event
 *
 * Optional. Events on the sink pad; chain up to the default for what the
 * subclass does not handle itself.
 *
 * Returns: %TRUE when the event was handled.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::src_event:
 * @self: the #GstAsyncTransform
 * @event: (transfer full): the event
 *
 * Optional. Events on the src pad, in the thread of whoever sends them
 * upstream (a sink, an application seeking).
 *
 * Returns: %TRUE when the event was handled.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::sink_query:
 * @self: the #GstAsyncTransform
 * @query: (transfer none): the query
 *
 * Optional. Queries on the sink pad.
 *
 * Returns: %TRUE when the query was answered.
 *
 * Since: 1.0
 */

/**
 * GstAsyncTransformClass::src_query:
 * @self: the #GstAsyncTransform
 * @query: (transfer none): the query
 *
 * Optional. Queries on the src pad; the default answers latency, position,
 * caps and forwards the rest.
 *
 * Returns: %TRUE when the query was answered.
 *
 * Since: 1.0
 */

/* frames, from parse () */

GST_ASYNC_API
GstFlowReturn gst_async_transform_submit (GstAsyncTransform * self,
    GstBuffer * buffer);

GST_ASYNC_API
GstFlowReturn gst_async_transform_submit_full (GstAsyncTransform * self,
    GstBuffer * buffer, gpointer user_data, GDestroyNotify destroy);

/* events and tags in order */

GST_ASYNC_API
gboolean gst_async_transform_queue_event (GstAsyncTransform * self,
    GstEvent * event);

GST_ASYNC_API
void gst_async_transform_merge_tags (GstAsyncTransform * self,
    const GstTagList * tags, GstTagMergeMode mode);

/* caps */

GST_ASYNC_API
gboolean gst_async_transform_set_output_caps (GstAsyncTransform * self,
    GstCaps * caps);

GST_ASYNC_API
GstCaps *gst_async_transform_find_output_caps (GstAsyncTransform * self,
    GstCaps * caps);

GST_ASYNC_API
GstCaps *gst_async_transform_get_input_caps (GstAsyncTransform * self);

GST_ASYNC_API
GstCaps *gst_async_transform_get_output_caps (GstAsyncTransform * self);

/* output */

GST_ASYNC_API
void gst_async_transform_set_output_policy (GstAsyncTransform * self,
    GstAsyncTransformCopy copy);

GST_ASYNC_API
GstBufferPool *gst_async_transform_get_buffer_pool (GstAsyncTransform * self);

GST_ASYNC_API
void gst_async_transform_get_allocator (GstAsyncTransform * self,
    GstAllocator ** allocator, GstAllocationParams * params);

GST_ASYNC_API
GstFlowReturn gst_async_transform_allocate_output_buffer (GstAsyncTransform *
    self, gsize size, GstBuffer ** buffer);

/* worker contexts */

GST_ASYNC_API
gpointer gst_async_transform_acquire_context (GstAsyncTransform * self);

GST_ASYNC_API
void gst_async_transform_release_context (GstAsyncTransform * self,
    gpointer context);

GST_ASYNC_API
void gst_async_transform_discard_context (GstAsyncTransform * self,
    gpointer context);

GST_ASYNC_API
gboolean gst_async_transform_create_contexts (GstAsyncTransform * self);

/* frame errors */

GST_ASYNC_API
void gst_async_transform_set_max_errors (GstAsyncTransform * self,
    gint max_errors);

GST_ASYNC_API
gint gst_async_transform_get_max_errors (GstAsyncTransform * self);

/* batches, with process_batch () */

GST_ASYNC_API
void gst_async_transform_class_install_batch_properties
    (GstAsyncTransformClass * klass, guint batch_size_id,
    guint batch_timeout_id);

GST_ASYNC_API
gboolean gst_async_transform_set_batch_property (GstAsyncTransform * self,
    GParamSpec * pspec, const GValue * value);

GST_ASYNC_API
gboolean gst_async_transform_get_batch_property (GstAsyncTransform * self,
    GParamSpec * pspec, GValue * value);

GST_ASYNC_API
void gst_async_transform_set_batch_size (GstAsyncTransform * self,
    guint batch_size);

GST_ASYNC_API
guint gst_async_transform_get_batch_size (GstAsyncTransform * self);

GST_ASYNC_API
void gst_async_transform_set_batch_timeout (GstAsyncTransform * self,
    GstClockTime timeout);

GST_ASYNC_API
GstClockTime gst_async_transform_get_batch_timeout (GstAsyncTransform * self);

GST_ASYNC_API
void gst_async_transform_set_batch_key (GstAsyncTransform * self,
    gconstpointer key);

GST_ASYNC_API
void gst_async_transform_set_role (GstAsyncTransform * self,
    GstAsyncTransformRole role);

GST_ASYNC_API
GstFlowReturn _gst_async_transform_frame_error (GstAsyncTransform * self,
    GstAsyncFrame * frame, GQuark domain, gint code, gchar * text,
    gchar * debug, const gchar * file, const gchar * function, gint line);

/**
 * GST_ASYNC_TRANSFORM_FRAME_ERROR:
 * @self: the #GstAsyncTransform
 * @frame: the #GstAsyncFrame that could not be processed
 * @domain: like CORE, LIBRARY, RESOURCE or STREAM (see #gstreamer-GstGError)
 * @code: error code defined for that domain (see #gstreamer-GstGError)
 * @text: the message to display (format string and args enclosed in
 *     parentheses)
 * @debug: debugging information for the message (format string and args
 *     enclosed in parentheses)
 *
 * For #GstAsyncTransformClass.process, when one frame cannot be processed
 * but later frames may be (a corrupt frame for a decoder): the frame is
 * dropped, and when its turn comes the element posts a warning with @text
 * and @debug, or, once more than gst_async_transform_set_max_errors()
 * frames in a row have failed, an error that stops it. The next buffer
 * pushed is marked %GST_BUFFER_FLAG_DISCONT. Evaluates to the
 * flow return @process returns: `return GST_ASYNC_TRANSFORM_FRAME_ERROR
 * (self, frame, STREAM, DECODE, (_("Corrupt frame.")), ("at %u", n));`
 *
 * Since: 1.0
 */
#define GST_ASYNC_TRANSFORM_FRAME_ERROR(self, frame, domain, code, text, debug) \
    _gst_async_transform_frame_error (GST_ASYNC_TRANSFORM (self), frame, \
        GST_ ## domain ## _ERROR, GST_ ## domain ## _ERROR_ ## code, \
        _gst_element_error_printf text, _gst_element_error_printf debug, \
        __FILE__, GST_FUNCTION, __LINE__)

/* frames, from process () */

GST_ASYNC_API
GstBuffer *gst_async_frame_output_in_place (GstAsyncFrame * frame);

GST_ASYNC_API
void gst_async_frame_set_output (GstAsyncFrame * frame, GstBuffer * buffer);

GST_ASYNC_API
void gst_async_frame_add_event (GstAsyncFrame * frame, GstEvent * event);

GST_ASYNC_API
void gst_async_frame_add_message (GstAsyncFrame * frame,
    GstMessage * message);

GST_ASYNC_API
GstAsyncTransform *gst_async_frame_get_element (GstAsyncFrame * frame);

GST_ASYNC_API
void gst_async_transform_finish_frame (GstAsyncTransform * self,
    GstAsyncFrame * frame, GstFlowReturn flow);

/* the element */

GST_ASYNC_API
GstPad *gst_async_transform_get_sink_pad (GstAsyncTransform * self);

GST_ASYNC_API
GstPad *gst_async_transform_get_src_pad (GstAsyncTransform * self);

GST_ASYNC_API
guint gst_async_transform_get_n_workers (GstAsyncTransform * self);

GST_ASYNC_API
guint gst_async_transform_get_max_in_flight (GstAsyncTransform * self);

G_END_DECLS

#endif /* __GST_ASYNC_TRANSFORM_H__ */
