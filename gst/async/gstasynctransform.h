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
 * GstAsyncFrame:
 * @number: position of the frame in submission order, counted from 0 when
 *     the element goes to PAUSED. Stable whatever the worker that runs it,
 *     so per-frame decisions (random jitter, "fail at frame N") repeat.
 * @input: the submitted buffer, owned by the frame. @process may take it
 *     (set it to %NULL) to use it as @output.
 * @output: the result, set by @process. %NULL after a successful @process
 *     drops the frame (counted, nothing is pushed). When @output is a new
 *     buffer without timestamps, it gets the input's timestamps, offsets
 *     and flags.
 *
 * One frame on its way through a #GstAsyncTransform. Only the worker running
 * @process touches it, so no locking is needed.
 *
 * Since: 1.0
 */
typedef struct
{
  guint64 number;
  GstBuffer *input;
  GstBuffer *output;

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
} GstAsyncFrame;

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
 * @set_caps: optional. Called in the upstream streaming thread after every
 *     earlier frame has left the element, with the new input and the
 *     negotiated output caps. Worker contexts made for the old caps are
 *     freed before workers see a frame with the new caps. Return %FALSE if
 *     the caps cannot be handled (the element then reports not-negotiated).
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
 *     later frames, never used by two frames at once. Return %NULL (after
 *     posting an error) on failure.
 * @free_context: optional. Free what @create_context made.
 * @process: required. The per-frame work, called from several worker
 *     threads at once, each with its own @context (%NULL without
 *     @create_context). Fill @frame's output. Return %GST_FLOW_OK, or an
 *     error flow after posting GST_ELEMENT_ERROR(): the element then stops
 *     and returns the error upstream once every earlier frame has left.
 * @propose_allocation: optional. Answer the allocation query from upstream
 *     (which arrives after every earlier item has left). Default: when input
 *     and output caps are equal, forward the query downstream; then ask
 *     upstream for #GstAsyncTransform:max-in-flight more buffers in every
 *     pool, since that many stay held in flight.
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
  gboolean (*set_caps) (GstAsyncTransform * self, GstCaps * incaps,
      GstCaps * outcaps);

  GstFlowReturn (*parse) (GstAsyncTransform * self, GstBuffer * buffer);
  GstFlowReturn (*finish) (GstAsyncTransform * self);
  void (*flush) (GstAsyncTransform * self);

  gpointer (*create_context) (GstAsyncTransform * self);
  void (*free_context) (GstAsyncTransform * self, gpointer context);
  GstFlowReturn (*process) (GstAsyncTransform * self, gpointer context,
      GstAsyncFrame * frame);

  gboolean (*propose_allocation) (GstAsyncTransform * self,
      GstQuery * query);

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING_LARGE];
};

GST_ASYNC_API
GstFlowReturn gst_async_transform_submit (GstAsyncTransform * self,
    GstBuffer * buffer);

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
