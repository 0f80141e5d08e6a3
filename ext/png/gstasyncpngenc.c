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
 * SECTION:element-asyncpngenc
 * @title: asyncpngenc
 *
 * Encodes raw video frames to PNG images with libpng, several frames at
 * once on a pool of workers (#GstAsyncTransform:n-workers, one per CPU core
 * by default), and pushes them in their input order.
 *
 * It is a drop-in for pngenc: the same input formats, properties and
 * output caps, and for the same input and settings the same bytes (the
 * same filter, no filtering, and the same zlib level). PNG is lossless and
 * slow, tens of milliseconds for a 1080p frame: frame extraction and
 * archiving gain the most from encoding frames side by side.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=movie.mp4 ! decodebin ! videoconvert ! videorate ! video/x-raw,framerate=1/1 ! asyncpngenc ! multifilesink location=frame-%05d.png
 * ]| Writes one PNG file a second of the movie.
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=1 ! asyncpngenc snapshot=true ! filesink location=snapshot.png
 * ]| Writes one frame to a PNG file and ends the stream.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncpngenc.h"
#include "gstasyncpngelements.h"
#include "gstasyncencodedcaps.h"

#include <string.h>
#include <png.h>
#include <zlib.h>
#include <glib/gi18n-lib.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (gst_async_png_enc_debug);
#define GST_CAT_DEFAULT gst_async_png_enc_debug

#define DEFAULT_COMPRESSION_LEVEL 6
#define DEFAULT_SNAPSHOT FALSE

enum
{
  PROP_0,
  PROP_SNAPSHOT,
  PROP_COMPRESSION_LEVEL,
};

struct _GstAsyncPngEnc
{
  GstAsyncTransform parent;

  /* Properties: atomics, no lock. */
  guint compression_level;
  gboolean snapshot;

  /* Set in the upstream streaming thread while no frame is in flight (new
   * caps), read by the workers. */
  GstVideoInfo info;
  gint color_type, depth;       /* the PNG's */
  gsize output_size;            /* of the output buffers; more on demand */

  /* Upstream streaming thread only. */
};

/* What a worker keeps from frame to frame: libpng's write state itself
 * cannot be reused (libpng has no reset for it), so it is made per frame,
 * in the worker; the rows and the output are the context's. */
typedef struct
{
  png_bytep *rows;
  guint n_rows;
  GstBuffer *output;            /* being written */
  GstMapInfo map;
  gsize written;
  gchar message[256];           /* libpng's error */
} GstAsyncPngEncContext;

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SINK_NAME, GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGBA, RGB, GRAY8, GRAY16_BE }")));

static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SRC_NAME, GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("image/png, "
        "width = (int) [ 1, 1000000 ], "
        "height = (int) [ 1, 1000000 ], " "framerate = " GST_VIDEO_FPS_RANGE));

#define gst_async_png_enc_parent_class parent_class
G_DEFINE_TYPE (GstAsyncPngEnc, gst_async_png_enc, GST_TYPE_ASYNC_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (asyncpngenc, "asyncpngenc", GST_RANK_SECONDARY,
    GST_TYPE_ASYNC_PNG_ENC);


/* --- libpng's output and errors ------------------------------------------ */

/* libpng calls this and does not expect it to return. */
static void
gst_async_png_enc_error (png_structp png, png_const_charp message)
{
  GstAsyncPngEncContext *ctx = png_get_error_ptr (png);

  g_strlcpy (ctx->message, message, sizeof (ctx->message));
  png_longjmp (png, 1);
}

static void
gst_async_png_enc_warning (png_structp png, png_const_charp message)
{
  GST_DEBUG ("libpng warning: %s", message);
}

/* Appends to the output, which doubles (outside the pool) when full. */
static void
gst_async_png_enc_write (png_structp png, png_bytep data, png_size_t length)
{
  GstAsyncPngEncContext *ctx = png_get_io_ptr (png);

  if (ctx->written + length > ctx->map.size) {
    gsize size = MAX (ctx->map.size * 2, ctx->written + length);

    GST_DEBUG ("output of %" G_GSIZE_FORMAT " bytes full: %" G_GSIZE_FORMAT,
        ctx->map.size, size);
    gst_async_encoded_grow (ctx->output, &ctx->map, ctx->written, size);
  }
  memcpy (ctx->map.data + ctx->written, data, length);
  ctx->written += length;
}

static void
gst_async_png_enc_flush_output (png_structp png)
{
}

/* --- worker contexts ----------------------------------------------------- */

static gpointer
gst_async_png_enc_create_context (GstAsyncTransform * trans)
{
  return g_new0 (GstAsyncPngEncContext, 1);
}

static void
gst_async_png_enc_free_context (GstAsyncTransform * trans, gpointer context)
{
  GstAsyncPngEncContext *ctx = context;

  g_free (ctx->rows);
  g_free (ctx);
}

/* --- encoding ------------------------------------------------------------ */

/* Writes the PNG of @frame into ctx->output, with the calls pngenc makes.
 * FALSE, with ctx->message, when libpng failed. */
static gboolean
gst_async_png_enc_encode (GstAsyncPngEnc * self, GstAsyncPngEncContext * ctx,
    GstVideoFrame * frame, guint level)
{
  png_structp png;
  png_infop info = NULL;

  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, ctx,
      gst_async_png_enc_error, gst_async_png_enc_warning);
  if (png == NULL) {
    g_strlcpy (ctx->message, "could not create a write structure",
        sizeof (ctx->message));
    return FALSE;
  }
  if (setjmp (png_jmpbuf (png))) {
    png_destroy_write_struct (&png, &info);
    return FALSE;
  }
  info = png_create_info_struct (png);
  if (info == NULL)
    png_error (png, "could not create an info structure");
  /* pngenc's choices: no filtering, the zlib level asked for */
  png_set_filter (png, 0, PNG_FILTER_NONE | PNG_FILTER_VALUE_NONE);
  png_set_compression_level (png, level);
  png_set_IHDR (png, info, GST_VIDEO_FRAME_WIDTH (frame),
      GST_VIDEO_FRAME_HEIGHT (frame), self->depth, self->color_type,
      PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
      PNG_FILTER_TYPE_DEFAULT);
  png_set_write_fn (png, ctx, gst_async_png_enc_write,
      gst_async_png_enc_flush_output);
  png_write_info (png, info);
  png_write_image (png, ctx->rows);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  return TRUE;
}

static GstFlowReturn
gst_async_png_enc_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstAsyncPngEnc *self = GST_ASYNC_PNG_ENC (trans);
  GstAsyncPngEncContext *ctx = context;
  GstVideoFrame vframe;
  GstBuffer *output;
  GstFlowReturn ret;
  gboolean encoded;
  guint y, height;

  if (!gst_video_frame_map (&vframe, &self->info, frame->input, GST_MAP_READ))
    return GST_ASYNC_TRANSFORM_FRAME_ERROR (self, frame, STREAM, FORMAT,
        (_("A video frame is smaller than its format says.")),
        ("%" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
            gst_buffer_get_size (frame->input),
            GST_VIDEO_INFO_SIZE (&self->info)));
  ret = gst_async_transform_allocate_output_buffer (trans, self->output_size,
      &output);
  if (ret != GST_FLOW_OK) {
    gst_video_frame_unmap (&vframe);
    return ret;
  }

  height = GST_VIDEO_FRAME_HEIGHT (&vframe);
  if (ctx->n_rows < height) {
    g_free (ctx->rows);
    ctx->rows = g_new (png_bytep, height);
    ctx->n_rows = height;
  }
  for (y = 0; y < height; y++)
    ctx->rows[y] = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&vframe, 0) +
        (gsize) y *GST_VIDEO_FRAME_COMP_STRIDE (&vframe, 0);

  ctx->output = output;
  ctx->written = 0;
  gst_buffer_map (output, &ctx->map, GST_MAP_WRITE);
  encoded = gst_async_png_enc_encode (self, ctx, &vframe,
      GPOINTER_TO_UINT (frame->user_data) - 1);
  gst_buffer_unmap (output, &ctx->map);
  ctx->output = NULL;
  gst_video_frame_unmap (&vframe);

  if (!encoded) {
    gst_buffer_unref (output);
    return GST_ASYNC_TRANSFORM_FRAME_ERROR (self, frame, LIBRARY, ENCODE,
        (_("Could not encode a frame to PNG.")), ("libpng: %s", ctx->message));
  }
  gst_buffer_set_size (output, ctx->written);
  frame->output = output;
  /* timestamps and flags as pngenc's, DELTA_UNIT included: pngenc never
   * marks its images as key frames */
  gst_async_encoded_output_mark (frame, GST_BUFFER_FLAG_DELTA_UNIT);
  return GST_FLOW_OK;
}

/* --- caps ---------------------------------------------------------------- */

/* Raw video in, PNG out: the size and the rate carry over. */
static GstCaps *
gst_async_png_enc_transform_caps (GstAsyncTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  return gst_async_encoded_transform_caps (caps, direction == GST_PAD_SINK ?
      "image/png" : "video/x-raw", filter);
}

/* New input caps (no frame in flight), or downstream asked again. */
static gboolean
gst_async_png_enc_negotiate (GstAsyncTransform * trans)
{
  GstAsyncPngEnc *self = GST_ASYNC_PNG_ENC (trans);
  GstCaps *incaps = gst_async_transform_get_input_caps (trans);
  GstCaps *outcaps;
  gboolean ok;

  if (incaps == NULL)
    return TRUE;
  if (!gst_video_info_from_caps (&self->info, incaps)) {
    GST_WARNING_OBJECT (self, "invalid input caps %" GST_PTR_FORMAT, incaps);
    gst_caps_unref (incaps);
    return FALSE;
  }
  switch (GST_VIDEO_INFO_FORMAT (&self->info)) {
    case GST_VIDEO_FORMAT_RGBA:
      self->color_type = PNG_COLOR_TYPE_RGBA;
      break;
    case GST_VIDEO_FORMAT_RGB:
      self->color_type = PNG_COLOR_TYPE_RGB;
      break;
    default:
      self->color_type = PNG_COLOR_TYPE_GRAY;
      break;
  }
  self->depth = GST_VIDEO_INFO_FORMAT (&self->info) ==
      GST_VIDEO_FORMAT_GRAY16_BE ? 16 : 8;
  /* a raw frame and what zlib adds to data it cannot compress */
  self->output_size = GST_VIDEO_INFO_SIZE (&self->info) +
      GST_VIDEO_INFO_SIZE (&self->info) / 256 + 4096;

  outcaps = gst_async_encoded_caps ("image/png", &self->info, incaps);
  ok = gst_async_transform_set_output_caps (trans, outcaps);
  gst_caps_unref (outcaps);
  gst_caps_unref (incaps);
  return ok;
}

/* Each frame takes the compression level in effect when it enters, in
 * order, as with pngenc (handed to its worker as level + 1); snapshot: the
 * stream ends with the frame. (Frames outside the segment never come
 * here: the encoder role.) */
static GstFlowReturn
gst_async_png_enc_parse (GstAsyncTransform * trans, GstBuffer * buffer)
{
  GstAsyncPngEnc *self = GST_ASYNC_PNG_ENC (trans);
  guint level = g_atomic_int_get (&self->compression_level);
  GstFlowReturn ret = gst_async_transform_submit_full (trans, buffer,
      GUINT_TO_POINTER (level + 1), NULL);

  if (ret == GST_FLOW_OK && g_atomic_int_get (&self->snapshot))
    ret = GST_FLOW_EOS;
  return ret;
}

/* Output buffers come from a pool of ours, each large enough for most
 * images: their memory is reused from frame to frame. */
static gboolean
gst_async_png_enc_decide_allocation (GstAsyncTransform * trans,
    GstQuery * query)
{
  GstAsyncPngEnc *self = GST_ASYNC_PNG_ENC (trans);

  gst_async_encoded_propose_own_pool (query, self->output_size);
  return GST_ASYNC_TRANSFORM_CLASS (parent_class)->decide_allocation (trans,
      query);
}

static gboolean
gst_async_png_enc_propose_allocation (GstAsyncTransform * trans,
    GstQuery * query)
{
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  return GST_ASYNC_TRANSFORM_CLASS (parent_class)->propose_allocation (trans,
      query);
}

/* --- the element --------------------------------------------------------- */

static void
gst_async_png_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAsyncPngEnc *self = GST_ASYNC_PNG_ENC (object);

  switch (prop_id) {
    case PROP_SNAPSHOT:
      g_atomic_int_set (&self->snapshot, g_value_get_boolean (value));
      break;
    case PROP_COMPRESSION_LEVEL:
      g_atomic_int_set (&self->compression_level, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_png_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAsyncPngEnc *self = GST_ASYNC_PNG_ENC (object);

  switch (prop_id) {
    case PROP_SNAPSHOT:
      g_value_set_boolean (value, g_atomic_int_get (&self->snapshot));
      break;
    case PROP_COMPRESSION_LEVEL:
      g_value_set_uint (value, g_atomic_int_get (&self->compression_level));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_png_enc_class_init (GstAsyncPngEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_async_png_enc_set_property;
  gobject_class->get_property = gst_async_png_enc_get_property;

  g_object_class_install_property (gobject_class, PROP_SNAPSHOT,
      g_param_spec_boolean ("snapshot", "Snapshot",
          "Send EOS after encoding a frame, useful for snapshots",
          DEFAULT_SNAPSHOT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_COMPRESSION_LEVEL,
      g_param_spec_uint ("compression-level", "compression-level",
          "PNG compression level: zlib's, 0 (none, fastest) to 9 (smallest)",
          Z_NO_COMPRESSION, Z_BEST_COMPRESSION, DEFAULT_COMPRESSION_LEVEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Concurrent PNG image encoder", "Codec/Encoder/Image",
      "Encodes video frames to PNG images, several at once, output in order "
      "(a drop-in for pngenc)", "gst-plugins-async developers");

  trans_class->transform_caps = gst_async_png_enc_transform_caps;
  trans_class->negotiate = gst_async_png_enc_negotiate;
  trans_class->parse = gst_async_png_enc_parse;
  trans_class->create_context = gst_async_png_enc_create_context;
  trans_class->free_context = gst_async_png_enc_free_context;
  trans_class->process = gst_async_png_enc_process;
  trans_class->transform_meta = gst_async_encoded_transform_meta;
  trans_class->propose_allocation = gst_async_png_enc_propose_allocation;
  trans_class->decide_allocation = gst_async_png_enc_decide_allocation;

  GST_DEBUG_CATEGORY_INIT (gst_async_png_enc_debug, "asyncpngenc", 0,
      "Concurrent PNG encoder");
}

static void
gst_async_png_enc_init (GstAsyncPngEnc * self)
{
  self->compression_level = DEFAULT_COMPRESSION_LEVEL;
  self->snapshot = DEFAULT_SNAPSHOT;
  gst_video_info_init (&self->info);
  gst_async_transform_set_role (GST_ASYNC_TRANSFORM (self),
      GST_ASYNC_TRANSFORM_ROLE_ENCODER);
  /* the image describes itself: process () sets its timestamps and flags,
   * and the raw input's flags stay behind */
  gst_async_transform_set_output_policy (GST_ASYNC_TRANSFORM (self),
      GST_ASYNC_TRANSFORM_COPY_METAS);
}
