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
 * GstAsyncTransformLeaky:
 * @GST_ASYNC_TRANSFORM_LEAKY_NO: upstream waits while the element is full
 * @GST_ASYNC_TRANSFORM_LEAKY_UPSTREAM: a new frame that finds the element
 *     full is dropped
 * @GST_ASYNC_TRANSFORM_LEAKY_DOWNSTREAM: a new frame that finds the element
 *     full replaces the oldest frame that is not being processed
 *
 * What a #GstAsyncTransform does when #GstAsyncTransform:max-in-flight
 * frames are inside, with the meanings of queue's leaky property.
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

typedef struct _GstAsyncFrame GstAsyncFrame;

/**
 * GstAsyncFrame:
 * @number: position of the frame in submission order, counted from 0 when
 *     the element goes to PAUSED. Stable whatever the worker that runs it,
 *     so per-frame decisions (random jitter, "fail at frame N") repeat.
 * @input: the submitted buffer, owned by the frame. @process may take it
 *     (set it to %NULL) to use it as @output.
 * @output: the result, set by @process. %NULL after a successful @process
 *     drops the frame (nothing is pushed). When @output is a new buffer
 *     without timestamps, it gets the input's timestamps, offsets and
 *     flags, and the input's metas that
 *     #GstAsyncTransformClass.transform_meta accepts.
 * @user_data: what gst_async_transform_submit_full() attached, for
 *     @process; freed by the base class when the frame is done.
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

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
};

/**
 * GstAsyncTransformClass:
 * @parent_class: the parent class.
 * @start: optional. Called on NULL→READY: open resources, check
 *     configuration. Return %FALSE (after posting an error) to fail the
 *     state change.
 * @stop: optional. Called on READY→NULL after every worker has stopped.
 * @transform_caps: optional. Given @caps on the pad in @direction, return
 *     the caps possible on the other pad, narrowed by @filter (which is
 *     on the other pad's side). Used for caps and accept-caps queries and
 *     to negotiate output caps. Default: the same caps (a filter that does
 *     not change the format).
 * @fixate_caps: optional. Fixate @othercaps, the caps possible on the pad
 *     opposite @direction given fixed @caps. Default: gst_caps_fixate().
 * @negotiate: optional. Called in the upstream streaming thread with new
 *     input caps, after every earlier frame has left the element and the
 *     worker contexts made for the old caps were freed. The default finds
 *     output caps with @transform_caps, downstream's caps and
 *     @fixate_caps, calls @set_caps, and sends them. A subclass whose
 *     output caps are only known later (a decoder before the first header)
 *     overrides it, keeps what it needs of the input caps, and calls
 *     gst_async_transform_set_output_caps() when it knows. Return %FALSE if
 *     the caps cannot be handled: data is then refused as not-negotiated.
 * @set_caps: optional. Called by the default @negotiate with the new input
 *     and the negotiated output caps, after every earlier frame has left
 *     the element, so fields that @process reads may change here. Return
 *     %FALSE if the caps cannot be handled.
 * @parse: optional, the sequential step. Called in the upstream streaming
 *     thread with each input buffer, in order, one at a time; calls
 *     gst_async_transform_submit() for each complete frame (zero, one or
 *     many per buffer) and may call gst_async_transform_set_output_caps().
 *     Default: submit the buffer as one frame. A decoder that must find
 *     frame boundaries in unparsed input overrides this.
 * @finish: optional. Called in the upstream streaming thread before EOS, a
 *     drain query or new caps take their place, so that @parse can submit
 *     what it still holds.
 * @flush: optional. Called on flush-stop and on PAUSED→READY with no frame
 *     in flight: forget what @parse holds.
 * @create_context: optional. Create the exclusive state one worker needs
 *     for one frame (a codec instance, a replica of a wrapped element).
 *     Called lazily from a worker thread; the context is then reused for
 *     later frames, never used by two frames at once. Return %NULL on
 *     failure: the base class then posts an error and stops.
 * @free_context: optional. Free what @create_context made.
 * @process: required. The per-frame work, called from several threads at
 *     once (the workers, and with very cheap work the src pad task), each
 *     with its own @context (%NULL without @create_context). Fill @frame's
 *     output. Return %GST_FLOW_OK; a success other than OK drops the frame;
 *     an error flow, after posting GST_ELEMENT_ERROR(), stops the element,
 *     which returns the error upstream once every earlier frame has left.
 * @transform_meta: optional. Whether to copy @meta of @inbuf onto @outbuf,
 *     a new output buffer. Default: metas whose API has no tags (they do
 *     not depend on the format or the memory) are copied.
 * @propose_allocation: optional. Answer the allocation query from upstream
 *     (which arrives after every earlier item has left). Default: when input
 *     and output caps are equal, forward the query downstream; then ask
 *     upstream for #GstAsyncTransform:max-in-flight more buffers in every
 *     pool, since that many stay held in flight.
 * @decide_allocation: optional. Called in the upstream streaming thread
 *     after new output caps have reached downstream, with no frame in
 *     flight, with downstream's answer to an allocation query for them:
 *     choose and configure the pool @process allocates output from. Not
 *     called (and no query is made) when unset.
 * @sink_event: optional. Events on the sink pad; chain up to the default
 *     for what the subclass does not handle itself.
 * @src_event: optional. Events on the src pad (from downstream).
 * @sink_query: optional. Queries on the sink pad.
 * @src_query: optional. Queries on the src pad; the default answers
 *     latency, caps and forwards the rest.
 *
 * The virtual methods a subclass implements. The base class owns every
 * thread and lock: apart from @process, @create_context and @free_context,
 * which run on worker threads, every method runs in the upstream streaming
 * thread or the application thread, and none is called with a base class
 * lock held.
 *
 * Since: 1.0
 */
struct _GstAsyncTransformClass
{
  GstElementClass parent_class;

  /*< public >*/
  gboolean (*start) (GstAsyncTransform * self);
  gboolean (*stop) (GstAsyncTransform * self);

  GstCaps *(*transform_caps) (GstAsyncTransform * self,
      GstPadDirection direction, GstCaps * caps, GstCaps * filter);
  GstCaps *(*fixate_caps) (GstAsyncTransform * self,
      GstPadDirection direction, GstCaps * caps, GstCaps * othercaps);
  gboolean (*negotiate) (GstAsyncTransform * self, GstCaps * incaps);
  gboolean (*set_caps) (GstAsyncTransform * self, GstCaps * incaps,
      GstCaps * outcaps);

  GstFlowReturn (*parse) (GstAsyncTransform * self, GstBuffer * buffer);
  GstFlowReturn (*finish) (GstAsyncTransform * self);
  void (*flush) (GstAsyncTransform * self);

  gpointer (*create_context) (GstAsyncTransform * self);
  void (*free_context) (GstAsyncTransform * self, gpointer context);
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

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING_LARGE];
};

GST_ASYNC_API
GstFlowReturn gst_async_transform_submit (GstAsyncTransform * self,
    GstBuffer * buffer);

GST_ASYNC_API
GstFlowReturn gst_async_transform_submit_full (GstAsyncTransform * self,
    GstBuffer * buffer, gpointer user_data, GDestroyNotify destroy);

GST_ASYNC_API
gboolean gst_async_transform_set_output_caps (GstAsyncTransform * self,
    GstCaps * caps);

GST_ASYNC_API
gpointer gst_async_transform_acquire_context (GstAsyncTransform * self);

GST_ASYNC_API
void gst_async_transform_release_context (GstAsyncTransform * self,
    gpointer context);

GST_ASYNC_API
guint gst_async_transform_get_n_workers (GstAsyncTransform * self);

G_END_DECLS

#endif /* __GST_ASYNC_TRANSFORM_H__ */
