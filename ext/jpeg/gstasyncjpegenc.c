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
 * SECTION:element-asyncjpegenc
 * @title: asyncjpegenc
 *
 * Encodes raw video frames to JPEG images with libjpeg-turbo, several frames
 * at once on a pool of workers (#GstAsyncTransform:n-workers, one per CPU
 * core by default), and pushes them in their input order.
 *
 * It is a drop-in for jpegenc: the same input formats, properties and
 * output caps, and for the same input and settings the same bytes (see
 * below for frame sizes that do not fill whole blocks). Each worker keeps
 * its own libjpeg compressor, and output buffers come from a pool, so that
 * no frame pays for a fresh allocation.
 *
 * Where a frame's width does not fill whole 8×8 blocks (in any of its
 * subsampled components), libjpeg encodes a few samples past the right
 * edge. jpegenc gives it whatever follows the row in memory (row padding,
 * the next row), so its edge blocks change with that memory; asyncjpegenc
 * repeats the last sample of the row instead, as libjpeg itself does for
 * its own colour conversion. Its output is then the same on every run,
 * and decodes to the same picture as jpegenc's away from the rightmost
 * blocks. At widths that fill whole blocks the bytes are jpegenc's.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=300 ! video/x-raw,width=1920,height=1080 ! asyncjpegenc ! avimux ! filesink location=mjpeg.avi
 * ]| Encodes 300 frames of 1080p to Motion JPEG in an AVI file, on as many
 * workers as the machine has cores.
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=1 ! asyncjpegenc snapshot=true ! filesink location=snapshot.jpg
 * ]| Writes one frame to a JPEG file and ends the stream.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncjpegenc.h"
#include "gstasyncjpeg.h"
#include "gstasyncjpegelements.h"
#include "gstasyncencodedcaps.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (gst_async_jpeg_enc_debug);
#define GST_CAT_DEFAULT gst_async_jpeg_enc_debug

#define DEFAULT_QUALITY 85
#define DEFAULT_IDCT_METHOD GST_ASYNC_JPEG_IDCT_METHOD_IFAST
#define DEFAULT_SNAPSHOT FALSE

enum
{
  PROP_0,
  PROP_QUALITY,
  PROP_IDCT_METHOD,
  PROP_SNAPSHOT,
};

/* How the frames of the current caps become JPEG components: as jpegenc
 * maps them, so that the bytes are the same. */
typedef struct
{
  GstVideoInfo info;
  guint n_components;
  J_COLOR_SPACE color_space;
  gint h_samp[3], v_samp[3];    /* libjpeg's sampling factors */
  gint v_max;
  guint padded_width[3];        /* samples libjpeg reads per row */
  gboolean in_place;            /* libjpeg reads the rows in the frame */
  gsize output_size;            /* of the output buffers; more on demand */
  guint serial;                 /* which layout a context was made for */
} GstAsyncJpegEncLayout;

struct _GstAsyncJpegEnc
{
  GstAsyncTransform parent;

  /* Properties, read by the upstream thread: atomics, no lock. */
  gint quality;
  gint idct_method;
  gboolean snapshot;

  /* Set in the upstream streaming thread while no frame is in flight (new
   * caps), read by the workers. */
  GstAsyncJpegEncLayout layout;

  /* Upstream streaming thread only. */
  gint caps_quality;            /* the quality the caps were made for */
  gint sof_marker;              /* in the caps */
};

/* A worker's compressor, reused from frame to frame. */
typedef struct
{
  struct jpeg_compress_struct cinfo;
  GstAsyncJpegError error;
  struct jpeg_destination_mgr dest;
  GstBuffer *output;            /* being written */
  GstMapInfo map;
  guint serial;                 /* of the layout the rows are for */
  guint8 *lines;                /* rows libjpeg cannot read in place */
  JSAMPROW *copies[3];          /* per component, one iMCU row of lines */
  JSAMPROW *rows[3];            /* what libjpeg reads: copies or the frame */
} GstAsyncJpegEncContext;

/* *INDENT-OFF* */
static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SINK_NAME, GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE
        ("{ I420, YV12, YUY2, UYVY, Y41B, Y42B, YVYU, Y444, NV21, "
         "NV12, RGB, BGR, RGBx, xRGB, BGRx, xBGR, GRAY8 }")));
/* *INDENT-ON* */

static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SRC_NAME, GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("image/jpeg, "
        "width = (int) [ 1, 65535 ], "
        "height = (int) [ 1, 65535 ], "
        "framerate = (fraction) [ 0/1, MAX ], "
        "sof-marker = (int) { 0, 1, 2, 4, 9 }"));

#define gst_async_jpeg_enc_parent_class parent_class
G_DEFINE_TYPE (GstAsyncJpegEnc, gst_async_jpeg_enc, GST_TYPE_ASYNC_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (asyncjpegenc, "asyncjpegenc", GST_RANK_SECONDARY,
    GST_TYPE_ASYNC_JPEG_ENC);

/* --- the settings a frame is encoded with -------------------------------- */

/* Taken when the frame enters, in order, and handed to its worker with
 * the frame: a change of quality applies from one frame on, and the caps
 * in effect for that frame match it. */
static inline gpointer
gst_async_jpeg_enc_pack_settings (gint quality, gint idct_method)
{
  return GUINT_TO_POINTER (0x10000 | (idct_method << 8) | quality);
}

static inline void
gst_async_jpeg_enc_unpack_settings (gpointer packed, gint * quality,
    gint * idct_method)
{
  guint bits = GPOINTER_TO_UINT (packed);

  *quality = bits & 0xff;
  *idct_method = (bits >> 8) & 0xff;
}

/* --- layout -------------------------------------------------------------- */

/* The components of @info as libjpeg takes them, with jpegenc's sampling
 * factors: each component's size against the frame's size rounded up to
 * 4, inverted against the largest (so tiny frames may be encoded without
 * subsampling, as jpegenc does). */
static void
gst_async_jpeg_enc_layout_init (GstAsyncJpegEncLayout * layout,
    const GstVideoInfo * info)
{
  const guint width = GST_VIDEO_INFO_WIDTH (info);
  const guint height = GST_VIDEO_INFO_HEIGHT (info);
  gint h_max = 0, v_max = 0;
  guint k;

  layout->info = *info;
  layout->n_components = GST_VIDEO_INFO_IS_GRAY (info) ? 1 :
      GST_VIDEO_INFO_N_COMPONENTS (info);
  if (GST_VIDEO_INFO_IS_RGB (info))
    layout->color_space = JCS_RGB;
  else if (GST_VIDEO_INFO_IS_GRAY (info))
    layout->color_space = JCS_GRAYSCALE;
  else
    layout->color_space = JCS_YCbCr;

  for (k = 0; k < layout->n_components; k++) {
    layout->h_samp[k] = GST_ROUND_UP_4 (width) /
        GST_VIDEO_INFO_COMP_WIDTH (info, k);
    layout->v_samp[k] = GST_ROUND_UP_4 (height) /
        GST_VIDEO_INFO_COMP_HEIGHT (info, k);
    h_max = MAX (h_max, layout->h_samp[k]);
    v_max = MAX (v_max, layout->v_samp[k]);
  }
  layout->in_place = TRUE;
  for (k = 0; k < layout->n_components; k++) {
    guint blocks;

    layout->h_samp[k] = h_max / layout->h_samp[k];
    layout->v_samp[k] = v_max / layout->v_samp[k];
    /* libjpeg's own rounding: whole blocks of the subsampled width */
    blocks = ((guint64) width * layout->h_samp[k] + h_max * DCTSIZE - 1) /
        (h_max * DCTSIZE);
    layout->padded_width[k] = blocks * DCTSIZE;
    if (GST_VIDEO_INFO_COMP_PSTRIDE (info, k) != 1
        || layout->padded_width[k] != (guint) GST_VIDEO_INFO_COMP_WIDTH (info,
            k))
      layout->in_place = FALSE;
  }
  layout->v_max = v_max;
  /* jpegenc's first guess too: the raw frame's size */
  layout->output_size = GST_ROUND_UP_4 (GST_VIDEO_INFO_SIZE (info));
  layout->serial++;
}

/* --- worker contexts ----------------------------------------------------- */

static void
gst_async_jpeg_enc_init_destination (j_compress_ptr cinfo)
{
}

/* The output buffer is full: one of twice the size takes its place. */
static boolean
gst_async_jpeg_enc_empty_output_buffer (j_compress_ptr cinfo)
{
  GstAsyncJpegEncContext *ctx = cinfo->client_data;
  gsize used = ctx->map.size;

  GST_DEBUG ("output of %" G_GSIZE_FORMAT " bytes full: doubling it", used);
  gst_async_encoded_grow (ctx->output, &ctx->map, used, used * 2);
  cinfo->dest->next_output_byte = ctx->map.data + used;
  cinfo->dest->free_in_buffer = ctx->map.size - used;
  return TRUE;
}

static void
gst_async_jpeg_enc_term_destination (j_compress_ptr cinfo)
{
}

static gpointer
gst_async_jpeg_enc_create_context (GstAsyncTransform * trans)
{
  GstAsyncJpegEncContext *ctx = g_new0 (GstAsyncJpegEncContext, 1);

  gst_async_jpeg_error_init (&ctx->error, (j_common_ptr) & ctx->cinfo);
  if (setjmp (ctx->error.jump)) {
    GST_ELEMENT_ERROR (trans, LIBRARY, INIT,
        (_("Could not initialize the JPEG library.")),
        ("libjpeg: %s", ctx->error.message));
    g_free (ctx);
    return NULL;
  }
  jpeg_create_compress (&ctx->cinfo);
  ctx->cinfo.client_data = ctx;
  ctx->dest.init_destination = gst_async_jpeg_enc_init_destination;
  ctx->dest.empty_output_buffer = gst_async_jpeg_enc_empty_output_buffer;
  ctx->dest.term_destination = gst_async_jpeg_enc_term_destination;
  ctx->cinfo.dest = &ctx->dest;
  return ctx;
}

static void
gst_async_jpeg_enc_free_context (GstAsyncTransform * trans, gpointer context)
{
  GstAsyncJpegEncContext *ctx = context;

  jpeg_destroy_compress (&ctx->cinfo);
  g_free (ctx->lines);
  g_free (ctx->copies[0]);
  g_free (ctx);
}

/* Sizes @ctx's rows for @layout: one iMCU row of every component. */
static void
gst_async_jpeg_enc_context_prepare (GstAsyncJpegEncContext * ctx,
    const GstAsyncJpegEncLayout * layout)
{
  guint k, j, n_rows = 0;
  gsize bytes = 0;
  guint8 *line;

  if (ctx->serial == layout->serial && ctx->lines)
    return;
  for (k = 0; k < layout->n_components; k++) {
    n_rows += layout->v_samp[k] * DCTSIZE;
    bytes += (gsize) layout->v_samp[k] * DCTSIZE * layout->padded_width[k];
  }
  g_free (ctx->copies[0]);
  g_free (ctx->lines);
  ctx->copies[0] = g_new (JSAMPROW, 2 * n_rows);
  ctx->rows[0] = ctx->copies[0] + n_rows;
  /* zeroed: the header of a frame is made from these lines unfilled (see
   * gst_async_jpeg_enc_find_sof_marker) */
  ctx->lines = line = g_malloc0 (bytes);
  for (k = 0; k < layout->n_components; k++) {
    const guint rows = layout->v_samp[k] * DCTSIZE;

    if (k > 0) {
      ctx->copies[k] = ctx->copies[k - 1] + layout->v_samp[k - 1] * DCTSIZE;
      ctx->rows[k] = ctx->rows[k - 1] + layout->v_samp[k - 1] * DCTSIZE;
    }
    for (j = 0; j < rows; j++) {
      ctx->rows[k][j] = ctx->copies[k][j] = line;
      line += layout->padded_width[k];
    }
  }
  ctx->serial = layout->serial;
}

/* --- encoding ------------------------------------------------------------ */

/* Sets @ctx's compressor up for one frame, with the calls jpegenc makes,
 * and starts it. Fails by jumping to the caller's setjmp (). */
static void
gst_async_jpeg_enc_start (GstAsyncJpegEncContext * ctx,
    const GstAsyncJpegEncLayout * layout, gint quality, gint idct_method)
{
  struct jpeg_compress_struct *cinfo = &ctx->cinfo;
  guint k;

  cinfo->image_width = GST_VIDEO_INFO_WIDTH (&layout->info);
  cinfo->image_height = GST_VIDEO_INFO_HEIGHT (&layout->info);
  cinfo->input_components = layout->n_components;
  cinfo->in_color_space = layout->color_space;
  jpeg_set_defaults (cinfo);
  cinfo->raw_data_in = TRUE;
  /* RGB stays RGB, as in jpegenc: components R, G, B and an Adobe marker */
  if (layout->color_space == JCS_RGB)
    jpeg_set_colorspace (cinfo, JCS_RGB);
  for (k = 0; k < layout->n_components; k++) {
    cinfo->comp_info[k].h_samp_factor = layout->h_samp[k];
    cinfo->comp_info[k].v_samp_factor = layout->v_samp[k];
  }
#if JPEG_LIB_VERSION >= 70
  cinfo->do_fancy_downsampling = FALSE;
#endif
  cinfo->smoothing_factor = 0;
  cinfo->dct_method = idct_method;
  jpeg_set_quality (cinfo, quality, TRUE);
  jpeg_start_compress (cinfo, TRUE);
}

/* Points @ctx's rows at iMCU row @imcu of @frame: rows past the bottom
 * repeat the last one (as in jpegenc), and rows libjpeg cannot read in
 * place are copied out, their samples past the right edge repeating the
 * last one. */
static void
gst_async_jpeg_enc_fill_rows (GstAsyncJpegEncContext * ctx,
    const GstAsyncJpegEncLayout * layout, GstVideoFrame * frame, guint imcu)
{
  guint k, j;

  for (k = 0; k < layout->n_components; k++) {
    const guint n_rows = layout->v_samp[k] * DCTSIZE;
    const guint height = GST_VIDEO_FRAME_COMP_HEIGHT (frame, k);
    const guint width = GST_VIDEO_FRAME_COMP_WIDTH (frame, k);
    const guint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, k);
    const guint padded = layout->padded_width[k];
    const gint stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, k);
    guint8 *data = GST_VIDEO_FRAME_COMP_DATA (frame, k);

    for (j = 0; j < n_rows; j++) {
      guint8 *src = data + (gsize) MIN (imcu * n_rows + j, height - 1) * stride;
      guint8 *dst = ctx->copies[k][j];
      guint x;

      if (layout->in_place) {
        ctx->rows[k][j] = src;
        continue;
      }
      if (pstride == 1) {
        memcpy (dst, src, width);
      } else {
        for (x = 0; x < width; x++)
          dst[x] = src[x * pstride];
      }
      memset (dst + width, dst[width - 1], padded - width);
    }
  }
}

static void
gst_async_jpeg_enc_output_start (GstAsyncJpegEncContext * ctx,
    GstBuffer * output)
{
  ctx->output = output;
  /* (a buffer of ours, from the allocator: mapping cannot fail) */
  gst_buffer_map (output, &ctx->map, GST_MAP_WRITE);
  ctx->dest.next_output_byte = ctx->map.data;
  ctx->dest.free_in_buffer = ctx->map.size;
}

/* Returns the output, trimmed to what libjpeg wrote. */
static GstBuffer *
gst_async_jpeg_enc_output_end (GstAsyncJpegEncContext * ctx)
{
  GstBuffer *output = ctx->output;
  gsize written = ctx->map.size - ctx->dest.free_in_buffer;

  gst_buffer_unmap (output, &ctx->map);
  gst_buffer_set_size (output, written);
  ctx->output = NULL;
  return output;
}

/* The sof-marker field jpegenc puts in its caps: the low bit-2 of the first
 * 16-bit word, at an even offset of the image, that looks like an SOFn
 * marker (0xffc0 to 0xffcf). A drop-in gives the same caps. */
static gint
gst_async_jpeg_enc_scan_sof_marker (const guint8 * data, gsize size)
{
  gsize i;

  for (i = 0; i + 1 < size; i += 2) {
    guint16 word = data[i] << 8 | data[i + 1];

    if (word >> 4 == 0x0ffc)
      return word & 0x4;
  }
  return -1;
}

/* The sof-marker of images of the current layout at @quality: it lies in
 * their headers, which libjpeg writes with the first rows. */
static gint
gst_async_jpeg_enc_find_sof_marker (GstAsyncJpegEnc * self, gint quality)
{
  GstAsyncTransform *trans = GST_ASYNC_TRANSFORM (self);
  GstAsyncJpegEncContext *ctx = gst_async_transform_acquire_context (trans);
  GstBuffer *header;
  GstMapInfo map;
  gint marker;

  if (ctx == NULL)
    return -1;
  gst_async_jpeg_enc_context_prepare (ctx, &self->layout);
  gst_async_jpeg_enc_output_start (ctx, gst_buffer_new_allocate (NULL, 4096,
          NULL));
  if (setjmp (ctx->error.jump)) {
    GST_WARNING_OBJECT (self, "libjpeg: %s", ctx->error.message);
  } else {
    gst_async_jpeg_enc_start (ctx, &self->layout, quality, DEFAULT_IDCT_METHOD);
    jpeg_write_raw_data (&ctx->cinfo, ctx->copies,
        self->layout.v_max * DCTSIZE);
  }
  jpeg_abort_compress (&ctx->cinfo);
  header = gst_async_jpeg_enc_output_end (ctx);
  gst_buffer_map (header, &map, GST_MAP_READ);
  marker = gst_async_jpeg_enc_scan_sof_marker (map.data, map.size);
  gst_buffer_unmap (header, &map);
  gst_buffer_unref (header);
  gst_async_transform_release_context (trans, ctx);
  return marker;
}

static GstFlowReturn
gst_async_jpeg_enc_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstAsyncJpegEnc *self = GST_ASYNC_JPEG_ENC (trans);
  const GstAsyncJpegEncLayout *layout = &self->layout;
  GstAsyncJpegEncContext *ctx = context;
  GstVideoFrame vframe;
  GstBuffer *output;
  GstFlowReturn ret;
  gint quality, idct_method;
  guint imcu, n_imcu;

  gst_async_jpeg_enc_unpack_settings (frame->user_data, &quality, &idct_method);
  if (!gst_video_frame_map (&vframe, (GstVideoInfo *) & layout->info,
          frame->input, GST_MAP_READ))
    return GST_ASYNC_TRANSFORM_FRAME_ERROR (self, frame, STREAM, FORMAT,
        (_("A video frame is smaller than its format says.")),
        ("%" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
            gst_buffer_get_size (frame->input),
            GST_VIDEO_INFO_SIZE (&layout->info)));
  ret = gst_async_transform_allocate_output_buffer (trans,
      layout->output_size, &output);
  if (ret != GST_FLOW_OK) {
    gst_video_frame_unmap (&vframe);
    return ret;
  }

  gst_async_jpeg_enc_context_prepare (ctx, layout);
  gst_async_jpeg_error_reset (&ctx->error);
  gst_async_jpeg_enc_output_start (ctx, output);
  if (setjmp (ctx->error.jump)) {
    jpeg_abort_compress (&ctx->cinfo);
    gst_buffer_unref (gst_async_jpeg_enc_output_end (ctx));
    gst_video_frame_unmap (&vframe);
    return GST_ASYNC_TRANSFORM_FRAME_ERROR (self, frame, LIBRARY, ENCODE,
        (_("Could not encode a frame to JPEG.")),
        ("libjpeg: %s", ctx->error.message));
  }
  gst_async_jpeg_enc_start (ctx, layout, quality, idct_method);
  n_imcu = ctx->cinfo.total_iMCU_rows;
  for (imcu = 0; imcu < n_imcu; imcu++) {
    gst_async_jpeg_enc_fill_rows (ctx, layout, &vframe, imcu);
    jpeg_write_raw_data (&ctx->cinfo, ctx->rows, layout->v_max * DCTSIZE);
  }
  jpeg_finish_compress (&ctx->cinfo);

  frame->output = gst_async_jpeg_enc_output_end (ctx);
  gst_video_frame_unmap (&vframe);
  /* timestamps and flags as jpegenc's: every image a key frame */
  gst_async_encoded_output_mark (frame, 0);
  return GST_FLOW_OK;
}

/* --- caps ---------------------------------------------------------------- */

/* Raw video in, JPEG out: the size and the rate carry over, the format
 * is the other side's template's. */
static GstCaps *
gst_async_jpeg_enc_transform_caps (GstAsyncTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  return gst_async_encoded_transform_caps (caps, direction == GST_PAD_SINK ?
      "image/jpeg" : "video/x-raw", filter);
}

/* Sets the output caps for the current layout at @quality. */
static gboolean
gst_async_jpeg_enc_set_output_caps (GstAsyncJpegEnc * self, GstCaps * incaps,
    gint quality)
{
  GstCaps *outcaps;
  gboolean ok;

  self->sof_marker = gst_async_jpeg_enc_find_sof_marker (self, quality);
  self->caps_quality = quality;
  outcaps = gst_async_encoded_caps ("image/jpeg", &self->layout.info, incaps);
  gst_caps_set_simple (outcaps, "sof-marker", G_TYPE_INT, self->sof_marker,
      NULL);
  ok = gst_async_transform_set_output_caps (GST_ASYNC_TRANSFORM (self),
      outcaps);
  gst_caps_unref (outcaps);
  return ok;
}

/* New input caps (no frame in flight), or downstream asked again. */
static gboolean
gst_async_jpeg_enc_negotiate (GstAsyncTransform * trans)
{
  GstAsyncJpegEnc *self = GST_ASYNC_JPEG_ENC (trans);
  GstCaps *incaps = gst_async_transform_get_input_caps (trans);
  GstVideoInfo info;
  gboolean ok;

  if (incaps == NULL)
    return TRUE;
  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_WARNING_OBJECT (self, "invalid input caps %" GST_PTR_FORMAT, incaps);
    gst_caps_unref (incaps);
    return FALSE;
  }
  if (!gst_video_info_is_equal (&info, &self->layout.info))
    gst_async_jpeg_enc_layout_init (&self->layout, &info);
  ok = gst_async_jpeg_enc_set_output_caps (self, incaps,
      g_atomic_int_get (&self->quality));
  gst_caps_unref (incaps);
  return ok;
}

/* Each frame takes the settings in effect when it enters; a new quality
 * may change the sof-marker of the caps (in jpegenc too). (Frames outside
 * the segment never come here: the encoder role.) */
static GstFlowReturn
gst_async_jpeg_enc_parse (GstAsyncTransform * trans, GstBuffer * buffer)
{
  GstAsyncJpegEnc *self = GST_ASYNC_JPEG_ENC (trans);
  gint quality = g_atomic_int_get (&self->quality);
  GstFlowReturn ret;

  if (quality != self->caps_quality) {
    GstCaps *incaps = gst_async_transform_get_input_caps (trans);

    if (incaps && gst_async_jpeg_enc_find_sof_marker (self, quality) !=
        self->sof_marker)
      gst_async_jpeg_enc_set_output_caps (self, incaps, quality);
    self->caps_quality = quality;
    gst_clear_caps (&incaps);
  }
  ret = gst_async_transform_submit_full (trans, buffer,
      gst_async_jpeg_enc_pack_settings (quality,
          g_atomic_int_get (&self->idct_method)), NULL);
  /* snapshot: the stream ends with this frame, as with jpegenc */
  if (ret == GST_FLOW_OK && g_atomic_int_get (&self->snapshot))
    ret = GST_FLOW_EOS;
  return ret;
}

/* Output buffers come from a pool of ours, each as large as a raw frame
 * (a larger image takes a larger buffer, outside the pool): their memory
 * is reused from frame to frame. */
static gboolean
gst_async_jpeg_enc_decide_allocation (GstAsyncTransform * trans,
    GstQuery * query)
{
  GstAsyncJpegEnc *self = GST_ASYNC_JPEG_ENC (trans);

  gst_async_encoded_propose_own_pool (query, self->layout.output_size);
  return GST_ASYNC_TRANSFORM_CLASS (parent_class)->decide_allocation (trans,
      query);
}

static gboolean
gst_async_jpeg_enc_propose_allocation (GstAsyncTransform * trans,
    GstQuery * query)
{
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  return GST_ASYNC_TRANSFORM_CLASS (parent_class)->propose_allocation (trans,
      query);
}

static gboolean
gst_async_jpeg_enc_stop (GstAsyncTransform * trans)
{
  GstAsyncJpegEnc *self = GST_ASYNC_JPEG_ENC (trans);

  gst_video_info_init (&self->layout.info);
  self->caps_quality = -1;
  self->sof_marker = -1;
  return TRUE;
}

/* --- the element --------------------------------------------------------- */

static void
gst_async_jpeg_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAsyncJpegEnc *self = GST_ASYNC_JPEG_ENC (object);

  switch (prop_id) {
    case PROP_QUALITY:
      g_atomic_int_set (&self->quality, g_value_get_int (value));
      break;
    case PROP_IDCT_METHOD:
      g_atomic_int_set (&self->idct_method, g_value_get_enum (value));
      break;
    case PROP_SNAPSHOT:
      g_atomic_int_set (&self->snapshot, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_jpeg_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAsyncJpegEnc *self = GST_ASYNC_JPEG_ENC (object);

  switch (prop_id) {
    case PROP_QUALITY:
      g_value_set_int (value, g_atomic_int_get (&self->quality));
      break;
    case PROP_IDCT_METHOD:
      g_value_set_enum (value, g_atomic_int_get (&self->idct_method));
      break;
    case PROP_SNAPSHOT:
      g_value_set_boolean (value, g_atomic_int_get (&self->snapshot));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_jpeg_enc_class_init (GstAsyncJpegEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_async_jpeg_enc_set_property;
  gobject_class->get_property = gst_async_jpeg_enc_get_property;

  g_object_class_install_property (gobject_class, PROP_QUALITY,
      g_param_spec_int ("quality", "Quality",
          "Quality of encoding, 0 (smallest) to 100 (best)", 0, 100,
          DEFAULT_QUALITY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_IDCT_METHOD,
      g_param_spec_enum ("idct-method", "IDCT Method",
          "The DCT algorithm to use", GST_TYPE_ASYNC_JPEG_IDCT_METHOD,
          DEFAULT_IDCT_METHOD, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SNAPSHOT,
      g_param_spec_boolean ("snapshot", "Snapshot",
          "Send EOS after encoding a frame, useful for snapshots",
          DEFAULT_SNAPSHOT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Concurrent JPEG image encoder", "Codec/Encoder/Image",
      "Encodes images in JPEG format, several frames at once, output in "
      "order (a drop-in for jpegenc)", "gst-plugins-async developers");

  trans_class->stop = gst_async_jpeg_enc_stop;
  trans_class->transform_caps = gst_async_jpeg_enc_transform_caps;
  trans_class->negotiate = gst_async_jpeg_enc_negotiate;
  trans_class->parse = gst_async_jpeg_enc_parse;
  trans_class->create_context = gst_async_jpeg_enc_create_context;
  trans_class->free_context = gst_async_jpeg_enc_free_context;
  trans_class->process = gst_async_jpeg_enc_process;
  trans_class->transform_meta = gst_async_encoded_transform_meta;
  trans_class->propose_allocation = gst_async_jpeg_enc_propose_allocation;
  trans_class->decide_allocation = gst_async_jpeg_enc_decide_allocation;

  gst_type_mark_as_plugin_api (GST_TYPE_ASYNC_JPEG_IDCT_METHOD, 0);
  GST_DEBUG_CATEGORY_INIT (gst_async_jpeg_enc_debug, "asyncjpegenc", 0,
      "Concurrent JPEG encoder");
}

static void
gst_async_jpeg_enc_init (GstAsyncJpegEnc * self)
{
  self->quality = DEFAULT_QUALITY;
  self->idct_method = DEFAULT_IDCT_METHOD;
  self->snapshot = DEFAULT_SNAPSHOT;
  self->caps_quality = -1;
  self->sof_marker = -1;
  gst_video_info_init (&self->layout.info);
  gst_async_transform_set_role (GST_ASYNC_TRANSFORM (self),
      GST_ASYNC_TRANSFORM_ROLE_ENCODER);
  /* the encoded image describes itself: process () sets its timestamps and
   * flags, and the raw input's flags stay behind */
  gst_async_transform_set_output_policy (GST_ASYNC_TRANSFORM (self),
      GST_ASYNC_TRANSFORM_COPY_METAS);
}
