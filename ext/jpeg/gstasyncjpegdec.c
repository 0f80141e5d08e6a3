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
 * SECTION:element-asyncjpegdec
 * @title: asyncjpegdec
 *
 * Decodes JPEG images to raw video with libjpeg-turbo, several frames at
 * once on a pool of workers (#GstAsyncTransform:n-workers, one per CPU core
 * by default), and pushes them in their input order.
 *
 * It is a drop-in for jpegdec: it takes JPEG frames one per buffer (after
 * jpegparse, from a demuxer, rtpjpegdepay, multifilesrc or a camera) as
 * well as an unparsed stream, such as one file read by filesrc, which it
 * cuts into frames itself; it gives the formats jpegdec gives (I420 for
 * YCbCr images, RGB for RGB ones, GRAY8 for greyscale) with the same
 * caps and the same pixels. A new size or subsampling mid-stream changes
 * the output caps in its place.
 *
 * A corrupt or truncated frame is dropped with a warning and counted in
 * #GstAsyncTransform:stats as dropped-errors (jpegdec drops some silently
 * and outputs others damaged), and the next picture is marked DISCONT; a
 * stream that brought data but gave no picture at all (not a JPEG file)
 * ends with an error, as with jpegdec. #GstAsyncJpegDec:max-errors can
 * turn a run of corrupt frames into an error (by default, as jpegdec,
 * never).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=mjpeg.avi ! avidemux ! asyncjpegdec ! videoconvert ! autovideosink
 * ]| Plays a Motion JPEG AVI file, frames decoded on every core.
 * |[
 * gst-launch-1.0 filesrc location=image.jpg ! asyncjpegdec ! imagefreeze num-buffers=50 ! videoconvert ! autovideosink
 * ]| Shows one JPEG image for two seconds.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncjpegdec.h"
#include "gstasyncjpeg.h"
#include "gstasyncjpegelements.h"
#include "gstasyncencodedcaps.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gst/base/base.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (gst_async_jpeg_dec_debug);
#define GST_CAT_DEFAULT gst_async_jpeg_dec_debug

#define DEFAULT_IDCT_METHOD GST_ASYNC_JPEG_IDCT_METHOD_IFAST
#define DEFAULT_MAX_ERRORS 0

/* Pictures up to 65535 x 65535 are decoded, as by jpegdec; but one larger
 * than BIG_PICTURE pixels must come with the bytes it needs, so that a
 * corrupt header cannot make the element allocate gigabytes for a frame of
 * a few kilobytes. Every 8 x 8 block's DC coefficient takes at least one
 * bit of Huffman code, so a frame of N bytes holds at most 512 N pixels
 * (arithmetic coding, which libjpeg also decodes, can do better: such a
 * picture over BIG_PICTURE is refused). */
#define BIG_PICTURE (8192 * 8192)
#define MAX_PIXELS_PER_BYTE 512

/* A progressive image of more scans than this is refused: a few bytes
 * per scan could otherwise make one frame cost minutes (libjpeg-turbo
 * advises such a limit for untrusted input). */
#define MAX_SCANS 1000

enum
{
  PROP_0,
  PROP_IDCT_METHOD,
  PROP_MAX_ERRORS,
};

struct _GstAsyncJpegDec
{
  GstAsyncTransform parent;

  gint idct_method;             /* atomic: read by the workers */
  gint max_errors;              /* atomic: the property's value */

  /* Upstream streaming thread only. */
  GstAdapter *adapter;          /* unparsed input not yet cut into frames */
  gboolean in_frame;            /* the adapter starts with an SOI marker */
  gsize scanned;                /* ...and its markers were read up to here */
  gboolean in_image_data;       /* ...where image data goes on */
  gboolean parsed;              /* the input caps say parsed=true */
  gboolean time_segment;        /* TIME segments come from demuxers, RTP and
                                 * cameras: one frame per buffer */
  GstClockTime next_pts;        /* for frames without timestamps */
  GstVideoInfo in_info;         /* the input caps (size 0 if unknown) */
  struct jpeg_decompress_struct header;
  GstAsyncJpegError header_error;
  struct jpeg_source_mgr header_src;

  /* Set in the upstream streaming thread once every earlier frame has
   * left (new output caps), read by the workers. */
  GstVideoInfo out_info;
  guint image_width, image_height;      /* of the images out_info is for */
  gboolean fields;              /* each buffer holds two fields of a frame */
};

/* A worker's decompressor, reused from frame to frame, and its rows. */
typedef struct
{
  struct jpeg_decompress_struct cinfo;
  GstAsyncJpegError error;
  struct jpeg_source_mgr src;
  guint8 *rows;                 /* 3 x 16 rows, for decoding through */
  guint row_bytes;              /* the length of each */
  guint8 *scratch;              /* for rows past the bottom of a picture */
  gsize scratch_bytes;
  GstVideoFrame *whole;         /* decoding a field of it, or NULL */
  struct jpeg_progress_mgr progress;
} GstAsyncJpegDecContext;

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SINK_NAME, GST_PAD_SINK,
    GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/jpeg"));

/* (jpegdec's template: it only ever gives I420, RGB and GRAY8) */
static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SRC_NAME, GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE
        ("{ I420, RGB, BGR, RGBx, xRGB, BGRx, xBGR, GRAY8 }")));

#define gst_async_jpeg_dec_parent_class parent_class
G_DEFINE_TYPE (GstAsyncJpegDec, gst_async_jpeg_dec, GST_TYPE_ASYNC_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (asyncjpegdec, "asyncjpegdec", GST_RANK_SECONDARY,
    GST_TYPE_ASYNC_JPEG_DEC);

/* --- libjpeg's input: one frame in memory -------------------------------- */

static const JOCTET fake_eoi[2] = { 0xff, JPEG_EOI };

static void
gst_async_jpeg_dec_init_source (j_decompress_ptr cinfo)
{
}

/* The frame is used up: an EOI marker ends it, as libjpeg's own memory
 * source does. Frames that lack only their EOI (some cameras) decode as
 * they are; a frame cut short in its image data makes libjpeg warn of
 * damage. */
static boolean
gst_async_jpeg_dec_fill_input_buffer (j_decompress_ptr cinfo)
{
  cinfo->src->next_input_byte = fake_eoi;
  cinfo->src->bytes_in_buffer = 2;
  return TRUE;
}

static void
gst_async_jpeg_dec_skip_input_data (j_decompress_ptr cinfo, long num_bytes)
{
  struct jpeg_source_mgr *src = cinfo->src;

  if (num_bytes <= 0)
    return;
  if ((gsize) num_bytes > src->bytes_in_buffer) {
    src->next_input_byte += src->bytes_in_buffer;
    src->bytes_in_buffer = 0;
  } else {
    src->next_input_byte += num_bytes;
    src->bytes_in_buffer -= num_bytes;
  }
}

static void
gst_async_jpeg_dec_term_source (j_decompress_ptr cinfo)
{
}

static void
gst_async_jpeg_dec_init_decompress (struct jpeg_decompress_struct *cinfo,
    GstAsyncJpegError * error, struct jpeg_source_mgr *src)
{
  gst_async_jpeg_error_init (error, (j_common_ptr) cinfo);
  jpeg_create_decompress (cinfo);
  src->init_source = gst_async_jpeg_dec_init_source;
  src->fill_input_buffer = gst_async_jpeg_dec_fill_input_buffer;
  src->skip_input_data = gst_async_jpeg_dec_skip_input_data;
  src->resync_to_restart = jpeg_resync_to_restart;
  src->term_source = gst_async_jpeg_dec_term_source;
  cinfo->src = src;
}

/* --- headers ------------------------------------------------------------- */

/* What a picture whose header @cinfo has read, from a frame of @size
 * bytes, decodes to, with jpegdec's limits; NULL, or why not. */
static const gchar *
gst_async_jpeg_dec_check_header (struct jpeg_decompress_struct *cinfo,
    gsize size, GstVideoFormat * format)
{
  guint64 pixels;
  gint k;

  if (cinfo->num_components < 1 || cinfo->num_components > 3)
    return "number of components not supported (max 3)";
  switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
      if (cinfo->num_components != 1)
        return "corrupt or unhandled grayscale layout";
      *format = GST_VIDEO_FORMAT_GRAY8;
      break;
    case JCS_RGB:
      if (cinfo->num_components != 3 || cinfo->max_v_samp_factor > 1
          || cinfo->max_h_samp_factor > 1)
        return "corrupt or unhandled RGB layout";
      *format = GST_VIDEO_FORMAT_RGB;
      break;
    case JCS_YCbCr:
      if (cinfo->num_components != 3)
        return "corrupt or unhandled YUV layout";
      /* the first component has the most samples, and at most 2 rows of
       * them per chroma row */
      for (k = 0; k < 3; k++) {
        if (cinfo->comp_info[k].v_samp_factor >
            cinfo->comp_info[0].v_samp_factor
            || cinfo->comp_info[k].h_samp_factor >
            cinfo->comp_info[0].h_samp_factor)
          return "corrupt or unhandled YUV layout";
      }
      if (cinfo->comp_info[0].v_samp_factor > 2)
        return "unsupported subsampling";
      *format = GST_VIDEO_FORMAT_I420;
      break;
    default:
      return "unknown or unsupported colourspace";
  }
  if (cinfo->image_width < 1 || cinfo->image_width > 65535
      || cinfo->image_height < 1 || cinfo->image_height > 65535)
    return "picture is too small or too big";
  pixels = (guint64) cinfo->image_width * cinfo->image_height;
  if (pixels > BIG_PICTURE && (cinfo->arith_code
          || pixels / MAX_PIXELS_PER_BYTE > size))
    return "picture is larger than its data could hold";
  return NULL;
}

/* Reads the header of @data into @cinfo, whose error manager is @error:
 * NULL, or why it cannot be decoded. */
static const gchar *
gst_async_jpeg_dec_read_header (struct jpeg_decompress_struct *cinfo,
    GstAsyncJpegError * error, const guint8 * data, gsize size,
    GstVideoFormat * format)
{
  const gchar *problem;

  gst_async_jpeg_error_reset (error);
  if (size == 0)
    return "empty buffer";
  cinfo->src->next_input_byte = data;
  cinfo->src->bytes_in_buffer = size;
  if (setjmp (error->jump)) {
    jpeg_abort_decompress (cinfo);
    return error->message;
  }
  jpeg_read_header (cinfo, TRUE);
  problem = gst_async_jpeg_dec_check_header (cinfo, size, format);
  if (problem)
    jpeg_abort_decompress (cinfo);
  return problem;
}

/* Whether an image of @width x @height, in a buffer of its own, is the
 * first of two fields of a frame of the input caps' size: interlaced
 * Motion JPEG (some cameras and capture cards), as jpegdec tells it: as
 * wide as the caps, taller than half their height and no taller than it.
 * (A field may be a little taller than its half of the frame, its height
 * rounded up by the camera, as 248 rows for a 480-row frame: the rows
 * past its half are cut off.) */
static gboolean
gst_async_jpeg_dec_is_field (GstAsyncJpegDec * self, guint width, guint height)
{
  const guint in_width = GST_VIDEO_INFO_WIDTH (&self->in_info);
  const guint in_height = GST_VIDEO_INFO_HEIGHT (&self->in_info);

  return (self->parsed || self->time_segment) && in_height > height
      && in_height <= 2 * height && in_width == width;
}

/* The output for an image of @format and size, as GstVideoDecoder and
 * jpegdec describe it: the input caps' rate, aspect, colorimetry and so on
 * (or the format's defaults without input caps), but JPEG's colorimetry
 * for YCbCr, and a field is half of an interlaced frame of the input caps'
 * height. FALSE for a picture whose layout GstVideoInfo cannot hold (too
 * big for this machine's sizes). */
static gboolean
gst_async_jpeg_dec_output_info (GstAsyncJpegDec * self, GstVideoFormat format,
    guint width, guint height, GstVideoInfo * info)
{
  const GstVideoInfo *in = &self->in_info;
  gboolean field = gst_async_jpeg_dec_is_field (self, width, height);

  /* (an interlaced frame lays its planes out for two fields) */
  if (!gst_video_info_set_interlaced_format (info, format,
          field ? GST_VIDEO_INTERLACE_MODE_INTERLEAVED : in->interlace_mode,
          width, field ? (guint) GST_VIDEO_INFO_HEIGHT (in) : height))
    return FALSE;
  /* (without input caps, as from filesrc, the format's own defaults, as
   * from GstVideoDecoder: sRGB for RGB) */
  if (GST_VIDEO_INFO_FORMAT (in) != GST_VIDEO_FORMAT_UNKNOWN) {
    info->flags = in->flags;
    info->chroma_site = in->chroma_site;
    info->colorimetry = in->colorimetry;
  }
  info->par_n = in->par_n;
  info->par_d = in->par_d;
  info->fps_n = in->fps_n;
  info->fps_d = in->fps_d;
  GST_VIDEO_INFO_FIELD_ORDER (info) = GST_VIDEO_INFO_FIELD_ORDER (in);
  /* (GstVideoDecoder makes "none" mono) */
  if (GST_VIDEO_INFO_MULTIVIEW_MODE (in) != GST_VIDEO_MULTIVIEW_MODE_NONE) {
    GST_VIDEO_INFO_MULTIVIEW_MODE (info) = GST_VIDEO_INFO_MULTIVIEW_MODE (in);
    GST_VIDEO_INFO_MULTIVIEW_FLAGS (info) = GST_VIDEO_INFO_MULTIVIEW_FLAGS (in);
  } else {
    GST_VIDEO_INFO_MULTIVIEW_MODE (info) = GST_VIDEO_MULTIVIEW_MODE_MONO;
    GST_VIDEO_INFO_MULTIVIEW_FLAGS (info) = GST_VIDEO_MULTIVIEW_FLAGS_NONE;
  }
  if (format == GST_VIDEO_FORMAT_I420) {
    /* JPEG's: full range BT.601, chroma centred between luma samples */
    info->chroma_site = GST_VIDEO_CHROMA_SITE_NONE;
    info->colorimetry.range = GST_VIDEO_COLOR_RANGE_0_255;
    info->colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT601;
    info->colorimetry.transfer = GST_VIDEO_TRANSFER_UNKNOWN;
    info->colorimetry.primaries = GST_VIDEO_COLOR_PRIMARIES_UNKNOWN;
  }
  if (field)
    GST_VIDEO_INFO_FIELD_ORDER (info) = GST_VIDEO_FIELD_ORDER_TOP_FIELD_FIRST;
  return TRUE;
}

/* Sets the output caps to @info, for images of @width x @height, if they
 * are not already. */
static gboolean
gst_async_jpeg_dec_set_output_info (GstAsyncJpegDec * self,
    const GstVideoInfo * info, guint width, guint height)
{
  gboolean fields = gst_async_jpeg_dec_is_field (self, width, height);
  GstCaps *caps;
  gboolean ok;

  if (gst_video_info_is_equal (info, &self->out_info)
      && width == self->image_width && height == self->image_height
      && fields == self->fields)
    return TRUE;
  caps = gst_video_info_to_caps ((GstVideoInfo *) info);
  /* (every earlier frame leaves first: only then may the workers see the
   * new info) */
  ok = gst_async_transform_set_output_caps (GST_ASYNC_TRANSFORM (self), caps);
  gst_caps_unref (caps);
  if (ok) {
    self->out_info = *info;
    self->image_width = width;
    self->image_height = height;
    self->fields = fields;
  }
  return ok;
}

/* Frames without timestamps (from multifilesrc, or cut from a file) get
 * them from the frame rate, one after the other from the segment's start,
 * as GstVideoDecoder gives them; a decoded picture has no DTS. */
static GstBuffer *
gst_async_jpeg_dec_timestamp (GstAsyncJpegDec * self, GstBuffer * frame)
{
  const GstVideoInfo *in = &self->in_info;
  GstClockTime duration = GST_CLOCK_TIME_NONE;

  if (GST_VIDEO_INFO_FPS_N (in) > 0)
    duration = gst_util_uint64_scale (GST_SECOND, GST_VIDEO_INFO_FPS_D (in),
        GST_VIDEO_INFO_FPS_N (in));
  if (!GST_BUFFER_PTS_IS_VALID (frame) || GST_BUFFER_DTS_IS_VALID (frame)
      || (!GST_BUFFER_DURATION_IS_VALID (frame)
          && GST_CLOCK_TIME_IS_VALID (duration))) {
    frame = gst_buffer_make_writable (frame);
    if (!GST_BUFFER_PTS_IS_VALID (frame))
      GST_BUFFER_PTS (frame) = self->next_pts;
    if (!GST_BUFFER_DURATION_IS_VALID (frame))
      GST_BUFFER_DURATION (frame) = duration;
    GST_BUFFER_DTS (frame) = GST_CLOCK_TIME_NONE;
  }
  if (GST_BUFFER_PTS_IS_VALID (frame)
      && GST_BUFFER_DURATION_IS_VALID (frame))
    self->next_pts = GST_BUFFER_PTS (frame) + GST_BUFFER_DURATION (frame);
  else
    self->next_pts = GST_CLOCK_TIME_NONE;
  return frame;
}

/* One whole frame: its header sets the output caps, then it goes to a
 * worker. A frame whose header cannot be read goes too, to be dropped
 * with a warning in its turn. */
static GstFlowReturn
gst_async_jpeg_dec_submit_frame (GstAsyncJpegDec * self, GstBuffer * frame)
{
  GstAsyncTransform *trans = GST_ASYNC_TRANSFORM (self);
  GstVideoFormat format;
  GstVideoInfo info;
  const gchar *problem;
  guint width = 0, height = 0;
  GstMapInfo map;

  if (!gst_buffer_map (frame, &map, GST_MAP_READ)) {
    gst_buffer_unref (frame);
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (_("Failed to read memory")),
        ("gst_buffer_map() failed for READ access"));
    return GST_FLOW_ERROR;
  }
  problem = gst_async_jpeg_dec_read_header (&self->header,
      &self->header_error, map.data, map.size, &format);
  if (problem == NULL) {
    width = self->header.image_width;
    height = self->header.image_height;
    /* (a picture too big to describe goes on, to be dropped by a worker:
     * the caps are not for it) */
    if (!gst_async_jpeg_dec_output_info (self, format, width, height, &info))
      problem = "no video layout for a picture this big";
    jpeg_abort_decompress (&self->header);
  }
  gst_buffer_unmap (frame, &map);

  if (problem == NULL
      && !gst_async_jpeg_dec_set_output_info (self, &info, width, height)) {
    gst_buffer_unref (frame);
    if (GST_PAD_IS_FLUSHING (GST_ASYNC_TRANSFORM_SINK_PAD (self)))
      return GST_FLOW_FLUSHING;
    return GST_FLOW_NOT_NEGOTIATED;
  }
  return gst_async_transform_submit (trans,
      gst_async_jpeg_dec_timestamp (self, frame));
}

/* --- cutting unparsed input into frames ---------------------------------- */

/* The four bytes at @pos of the adapter (there must be four). */
static guint32
gst_async_jpeg_dec_peek (GstAdapter * adapter, gsize pos)
{
  guint32 value = 0;

  gst_adapter_masked_scan_uint32_peek (adapter, 0, 0, pos, 4, &value);
  return value;
}

/* Whether the adapter holds an EOI marker at @pos (and @pos + 1). */
static gboolean
gst_async_jpeg_dec_eoi_at (GstAdapter * adapter, gsize pos)
{
  guint8 bytes[2];

  if (pos + 2 > gst_adapter_available (adapter))
    return FALSE;
  gst_adapter_copy (adapter, bytes, pos, 2);
  return bytes[0] == 0xff && bytes[1] == JPEG_EOI;
}

/* The next whole frame in the adapter: from an SOI marker to the EOI
 * marker that ends it, or to the next SOI for a frame without EOI; NULL
 * when more data is needed. Bytes before an SOI are thrown away. As
 * jpegdec's parser, it walks the markers and their lengths, and finds the
 * end of image data by its next marker. With @at_eos, what is left after
 * an SOI is a frame. */
static GstBuffer *
gst_async_jpeg_dec_take_frame (GstAsyncJpegDec * self, gboolean at_eos)
{
  GstAdapter *adapter = self->adapter;
  gsize avail = gst_adapter_available (adapter), pos;

  if (!self->in_frame) {
    gssize soi = avail < 4 ? -1 : gst_adapter_masked_scan_uint32 (adapter,
        0xffff0000, 0xffd80000, 0, avail);

    if (soi < 0) {
      /* keep what may be the start of a marker */
      if (avail > 3)
        gst_adapter_flush (adapter, avail - 3);
      if (at_eos)
        gst_adapter_clear (adapter);
      return NULL;
    }
    if (soi > 0)
      GST_DEBUG_OBJECT (self, "%" G_GSSIZE_FORMAT " bytes before SOI", soi);
    gst_adapter_flush (adapter, soi);
    avail -= soi;
    self->in_frame = TRUE;
    self->scanned = 2;
  }

  pos = self->scanned;
  for (;;) {
    guint32 value;
    guint marker;

    if (self->in_image_data) {
      /* it ends at the first marker that is not a stuffed 0xff or a
       * restart marker */
      gssize ff = pos + 4 > avail ? -1 :
          gst_adapter_masked_scan_uint32_peek (adapter, 0xff000000,
          0xff000000, pos, avail - pos, &value);

      if (ff < 0) {
        /* (an EOI marker ending the data shows with two bytes) */
        if (gst_async_jpeg_dec_eoi_at (adapter, avail - 2) && avail - 2 >= pos) {
          pos = avail - 2;
          self->in_image_data = FALSE;
          continue;
        }
        pos = MAX (pos, avail - 3);
        break;
      }
      marker = (value >> 16) & 0xff;
      if (marker == 0xff)
        pos = ff + 1;
      else if (marker == 0x00 || (marker >= 0xd0 && marker <= 0xd7))
        pos = ff + 2;
      else {
        pos = ff;
        self->in_image_data = FALSE;
      }
      continue;
    }
    if (pos + 4 > avail) {
      /* the last image of what came so far may end here: no need to wait
       * for the next one's first bytes */
      if (pos + 2 <= avail && gst_async_jpeg_dec_eoi_at (adapter, pos)) {
        self->in_frame = FALSE;
        self->scanned = 0;
        return gst_adapter_take_buffer (adapter, pos + 2);
      }
      break;
    }
    value = gst_async_jpeg_dec_peek (adapter, pos);
    marker = (value >> 16) & 0xff;
    if (value >> 24 != 0xff) {
      /* lost: the end of this image, or the start of the next, is the
       * next EOI or SOI */
      gssize next = gst_adapter_masked_scan_uint32 (adapter, 0xfffe0000,
          0xffd80000, pos, avail - pos);

      if (next < 0) {
        pos = avail - 3;
        break;
      }
      pos = next;
    } else if (marker == 0xff) {        /* fill byte */
      pos++;
    } else if (marker == JPEG_EOI) {
      self->in_frame = FALSE;
      self->scanned = 0;
      return gst_adapter_take_buffer (adapter, pos + 2);
    } else if (marker == 0xd8) {
      /* a new image before this one ended: this one lacks its EOI */
      self->scanned = 2;
      return gst_adapter_take_buffer (adapter, pos);
    } else if ((marker >= 0xd0 && marker <= 0xd7) || marker == 0x01) {
      pos += 2;
    } else {
      gsize end = pos + 2 + (value & 0xffff);

      if (end > avail)
        break;
      pos = end;
      self->in_image_data = marker == 0xda;
    }
  }
  self->scanned = pos;
  if (at_eos && avail > 0) {
    self->in_frame = self->in_image_data = FALSE;
    self->scanned = 0;
    return gst_adapter_take_buffer (adapter, avail);
  }
  return NULL;
}

/* Submits every whole frame in the adapter; with @at_eos, what follows
 * the last SOI is one too (perhaps cut short). */
static GstFlowReturn
gst_async_jpeg_dec_submit_frames (GstAsyncJpegDec * self, gboolean at_eos)
{
  GstBuffer *frame;
  GstFlowReturn ret = GST_FLOW_OK;

  while (ret == GST_FLOW_OK
      && (frame = gst_async_jpeg_dec_take_frame (self, at_eos)))
    ret = gst_async_jpeg_dec_submit_frame (self, frame);
  return ret;
}

static GstFlowReturn
gst_async_jpeg_dec_parse (GstAsyncTransform * trans, GstBuffer * buffer)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (trans);

  if (self->parsed || self->time_segment)
    return gst_async_jpeg_dec_submit_frame (self, buffer);
  gst_adapter_push (self->adapter, buffer);
  return gst_async_jpeg_dec_submit_frames (self, FALSE);
}

static GstFlowReturn
gst_async_jpeg_dec_finish (GstAsyncTransform * trans)
{
  return gst_async_jpeg_dec_submit_frames (GST_ASYNC_JPEG_DEC (trans), TRUE);
}

/* A drain query or new caps: a frame not yet whole cannot be decoded, and
 * more of it may come. */
static GstFlowReturn
gst_async_jpeg_dec_drain (GstAsyncTransform * trans)
{
  return GST_FLOW_OK;
}

static void
gst_async_jpeg_dec_flush (GstAsyncTransform * trans)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (trans);

  gst_adapter_clear (self->adapter);
  self->in_frame = self->in_image_data = FALSE;
  self->scanned = 0;
}

/* --- worker contexts ----------------------------------------------------- */

/* Called by libjpeg as it goes. A damaged frame is dropped however it
 * ends, so decoding stops at the first sign of damage (error->message has
 * it): a header announcing a huge picture followed by a few bytes costs
 * a few rows, not the whole picture. */
static void
gst_async_jpeg_dec_check_progress (j_common_ptr cinfo)
{
  j_decompress_ptr dinfo = (j_decompress_ptr) cinfo;
  GstAsyncJpegError *error = (GstAsyncJpegError *) cinfo->err;

  if (dinfo->input_scan_number > MAX_SCANS) {
    g_snprintf (error->message, sizeof (error->message),
        "more than %d scans", MAX_SCANS);
    longjmp (error->jump, 1);
  }
  if (error->damage > 0)
    longjmp (error->jump, 1);
}

static gpointer
gst_async_jpeg_dec_create_context (GstAsyncTransform * trans)
{
  GstAsyncJpegDecContext *ctx = g_new0 (GstAsyncJpegDecContext, 1);

  if (setjmp (ctx->error.jump)) {
    GST_ELEMENT_ERROR (trans, LIBRARY, INIT,
        (_("Could not initialize the JPEG library.")),
        ("libjpeg: %s", ctx->error.message));
    g_free (ctx);
    return NULL;
  }
  gst_async_jpeg_dec_init_decompress (&ctx->cinfo, &ctx->error, &ctx->src);
  ctx->progress.progress_monitor = gst_async_jpeg_dec_check_progress;
  ctx->cinfo.progress = &ctx->progress;
  return ctx;
}

static void
gst_async_jpeg_dec_free_context (GstAsyncTransform * trans, gpointer context)
{
  GstAsyncJpegDecContext *ctx = context;

  jpeg_destroy_decompress (&ctx->cinfo);
  g_free (ctx->rows);
  g_free (ctx->scratch);
  g_free (ctx);
}

/* 16 rows for each of 3 components, @bytes long: row @j of component @k. */
static inline guint8 *
gst_async_jpeg_dec_row (GstAsyncJpegDecContext * ctx, guint k, guint j)
{
  return ctx->rows + (gsize) (k * 16 + j) * ctx->row_bytes;
}

static void
gst_async_jpeg_dec_ensure_rows (GstAsyncJpegDecContext * ctx, guint width)
{
  guint bytes = GST_ROUND_UP_32 (width);

  if (ctx->row_bytes == bytes)
    return;
  g_free (ctx->rows);
  ctx->rows = g_malloc ((gsize) 3 * 16 * bytes);
  ctx->row_bytes = bytes;
}

/* Decodes iMCU rows of @lines rows into the context's rows; @copy then
 * takes each. (Greyscale and RGB, as jpegdec: 8 rows at a time.) */
static void
gst_async_jpeg_dec_read_rows (GstAsyncJpegDecContext * ctx, guint lines)
{
  JSAMPROW rows[3][16];
  JSAMPARRAY planes[3] = { rows[0], rows[1], rows[2] };
  guint k, j;

  for (k = 0; k < 3; k++)
    for (j = 0; j < 16; j++)
      rows[k][j] = gst_async_jpeg_dec_row (ctx, k, j);
  jpeg_read_raw_data (&ctx->cinfo, planes, lines);
}

/* The last row of component @k of @frame that may be written: in a field,
 * also one of the whole frame (whose last chroma row may belong to the
 * other field). */
static guint8 *
gst_async_jpeg_dec_last_row (GstAsyncJpegDecContext * ctx,
    GstVideoFrame * frame, guint k)
{
  guint8 *last = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, k) +
      (gsize) GST_VIDEO_FRAME_COMP_STRIDE (frame, k) *
      (GST_VIDEO_FRAME_COMP_HEIGHT (frame, k) - 1);

  if (ctx->whole) {
    guint8 *whole_last = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (ctx->whole,
        k) + (gsize) GST_VIDEO_FRAME_COMP_STRIDE (ctx->whole, k) *
        (GST_VIDEO_FRAME_COMP_HEIGHT (ctx->whole, k) - 1);

    while (last > whole_last)
      last -= GST_VIDEO_FRAME_COMP_STRIDE (frame, k);
  }
  return last;
}

/* GRAY8, or RGB (the components interleaved), from pictures without
 * subsampling. Here and below, every row of the image is read (libjpeg
 * wants them all), and those past the bottom of @frame (a field taller
 * than its half of the frame) are dropped. */
static void
gst_async_jpeg_dec_decode_packed (GstAsyncJpegDecContext * ctx,
    GstVideoFrame * frame)
{
  const guint width = GST_VIDEO_FRAME_WIDTH (frame);
  const guint rows = ctx->cinfo.output_height;
  const guint height = MIN ((guint) GST_VIDEO_FRAME_HEIGHT (frame), rows);
  const guint n = GST_VIDEO_FRAME_N_COMPONENTS (frame);
  const guint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);
  const gint stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
  guint i, y, k, x;

  gst_async_jpeg_dec_ensure_rows (ctx, width);
  for (i = 0; i < rows; i += DCTSIZE) {
    gst_async_jpeg_dec_read_rows (ctx, DCTSIZE);
    for (y = i; y < i + DCTSIZE && y < height; y++) {
      for (k = 0; k < n; k++) {
        const guint8 *src = gst_async_jpeg_dec_row (ctx, k, y - i);
        guint8 *dst = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, k) +
            (gsize) y * stride;

        if (pstride == 1) {
          memcpy (dst, src, width);
        } else {
          for (x = 0; x < width; x++)
            dst[x * pstride] = src[x];
        }
      }
    }
  }
}

/* I420 from 4:2:0 pictures whose rows fill whole MCUs: libjpeg writes
 * into the frame. As jpegdec, a chroma component with as many rows as
 * luma (4:2:2) gives the I420 chroma row its odd row. */
static void
gst_async_jpeg_dec_decode_direct (GstAsyncJpegDecContext * ctx,
    GstVideoFrame * frame)
{
  struct jpeg_decompress_struct *cinfo = &ctx->cinfo;
  const guint height = cinfo->output_height;    /* the image's */
  const guint v0 = cinfo->comp_info[0].v_samp_factor;
  JSAMPROW rows[3][2 * DCTSIZE];
  JSAMPARRAY planes[3] = { rows[0], rows[1], rows[2] };
  guint8 *base[3], *last[3];
  gint stride[3];
  guint i, j, k;

  for (k = 0; k < 3; k++) {
    base[k] = GST_VIDEO_FRAME_COMP_DATA (frame, k);
    stride[k] = GST_VIDEO_FRAME_COMP_STRIDE (frame, k);
    last[k] = gst_async_jpeg_dec_last_row (ctx, frame, k);
  }
  /* rows past the bottom of the picture go to a scratch row */
  if (ctx->scratch_bytes < (gsize) stride[0]) {
    g_free (ctx->scratch);
    ctx->scratch = g_malloc (stride[0]);
    ctx->scratch_bytes = stride[0];
  }
  for (i = 0; i < height; i += v0 * DCTSIZE) {
    for (j = 0; j < v0 * DCTSIZE; j++) {
      rows[0][j] = base[0] + (gsize) (i + j) * stride[0];
      if (rows[0][j] > last[0])
        rows[0][j] = ctx->scratch;
      for (k = 1; k < 3; k++) {
        guint v = cinfo->comp_info[k].v_samp_factor;

        if (v == v0)
          rows[k][j] = base[k] + (gsize) ((i + j) / 2) * stride[k];
        else if (j < v * DCTSIZE)
          rows[k][j] = base[k] + (gsize) (i / 2 + j) * stride[k];
        else
          continue;
        if (rows[k][j] > last[k])
          rows[k][j] = ctx->scratch;
      }
    }
    jpeg_read_raw_data (cinfo, planes, v0 * DCTSIZE);
  }
}

/* I420 from any other YCbCr picture, through the context's rows, with
 * jpegdec's choice of rows. Where jpegdec leaves the chroma unwritten
 * (a first component with 3 or 4 times the horizontal samples, as 4:1:1),
 * each I420 chroma sample takes the nearest one. */
static void
gst_async_jpeg_dec_decode_indirect (GstAsyncJpegDecContext * ctx,
    GstVideoFrame * frame)
{
  struct jpeg_decompress_struct *cinfo = &ctx->cinfo;
  const guint rows = cinfo->output_height;      /* the image's */
  const guint r_v = cinfo->comp_info[0].v_samp_factor;
  const guint r_h = cinfo->comp_info[0].h_samp_factor;
  guint8 *base[3], *last[3];
  guint width[3];
  gint stride[3];
  guint i, j, k, c, x;

  gst_async_jpeg_dec_ensure_rows (ctx, GST_VIDEO_FRAME_WIDTH (frame));
  for (k = 0; k < 3; k++) {
    base[k] = GST_VIDEO_FRAME_COMP_DATA (frame, k);
    stride[k] = GST_VIDEO_FRAME_COMP_STRIDE (frame, k);
    width[k] = GST_VIDEO_FRAME_COMP_WIDTH (frame, k);
    last[k] = gst_async_jpeg_dec_last_row (ctx, frame, k);
  }
  for (i = 0; i < rows; i += r_v * DCTSIZE) {
    gst_async_jpeg_dec_read_rows (ctx, r_v * DCTSIZE);
    for (j = 0, k = 0; j < r_v * DCTSIZE; j += r_v, k++) {
      for (x = 0; x < r_v; x++) {
        if (base[0] <= last[0]) {
          memcpy (base[0], gst_async_jpeg_dec_row (ctx, 0, j + x), width[0]);
          base[0] += stride[0];
        }
      }
      if (base[1] <= last[1] && base[2] <= last[2]) {
        for (c = 1; c < 3; c++) {
          const guint8 *src = gst_async_jpeg_dec_row (ctx, c, k);
          const guint h = cinfo->comp_info[c].h_samp_factor;

          if (r_h == 2 && h == 1)
            memcpy (base[c], src, width[c]);
          else
            for (x = 0; x < width[c]; x++)
              base[c][x] = src[2 * x * h / r_h];
        }
      }
      if (r_v == 2 || (k & 1) != 0) {
        base[1] += stride[1];
        base[2] += stride[2];
      }
    }
  }
}

/* Decodes the picture whose header @ctx read into @frame. FALSE after a
 * libjpeg error (in ctx->error). */
static gboolean
gst_async_jpeg_dec_decode (GstAsyncJpegDecContext * ctx, GstVideoFrame * frame,
    gint idct_method)
{
  struct jpeg_decompress_struct *cinfo = &ctx->cinfo;

  if (setjmp (ctx->error.jump)) {
    jpeg_abort_decompress (cinfo);
    return FALSE;
  }
  /* as jpegdec: the components as stored, no smoothing */
  cinfo->do_fancy_upsampling = FALSE;
  cinfo->do_block_smoothing = FALSE;
  cinfo->dct_method = idct_method;
  cinfo->out_color_space = cinfo->jpeg_color_space;
  cinfo->raw_data_out = TRUE;
  jpeg_start_decompress (cinfo);

  if (cinfo->jpeg_color_space != JCS_YCbCr)
    gst_async_jpeg_dec_decode_packed (ctx, frame);
  else if (GST_VIDEO_FRAME_WIDTH (frame) % (cinfo->max_h_samp_factor *
          DCTSIZE) == 0 && cinfo->comp_info[0].h_samp_factor == 2
      && cinfo->comp_info[1].h_samp_factor == 1
      && cinfo->comp_info[2].h_samp_factor == 1)
    gst_async_jpeg_dec_decode_direct (ctx, frame);
  else
    gst_async_jpeg_dec_decode_indirect (ctx, frame);
  jpeg_finish_decompress (cinfo);
  return TRUE;
}

/* @frame as one of its fields (1: the even rows, 2: the odd ones), a
 * picture of half its height. */
static void
gst_async_jpeg_dec_field (GstVideoFrame * frame, guint field,
    GstVideoFrame * view)
{
  guint p;

  *view = *frame;
  /* (of an odd height, the top field has the last row) */
  GST_VIDEO_INFO_HEIGHT (&view->info) = (GST_VIDEO_FRAME_HEIGHT (frame) +
      (field == 1)) / 2;
  for (p = 0; p < GST_VIDEO_FRAME_N_PLANES (frame); p++) {
    if (field == 2)
      view->data[p] = (guint8 *) frame->data[p] +
          GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
    GST_VIDEO_INFO_PLANE_STRIDE (&view->info, p) *= 2;
  }
}

/* Decodes the two fields of @frame, ctx->whole being @frame. */
static const gchar *
gst_async_jpeg_dec_decode_two_fields (GstAsyncJpegDec * self,
    GstAsyncJpegDecContext * ctx, GstVideoFrame * frame, gint idct_method)
{
  struct jpeg_source_mgr *src = &ctx->src;
  GstVideoFormat format;
  GstVideoFrame field;
  const gchar *problem;

  gst_async_jpeg_dec_field (frame, 1, &field);
  if (!gst_async_jpeg_dec_decode (ctx, &field, idct_method)
      || ctx->error.damage > 0)
    return ctx->error.message;

  /* the second field starts at the next SOI marker */
  while (src->bytes_in_buffer > 2 && (src->next_input_byte[0] != 0xff
          || src->next_input_byte[1] != 0xd8)) {
    src->next_input_byte++;
    src->bytes_in_buffer--;
  }
  problem = gst_async_jpeg_dec_read_header (&ctx->cinfo, &ctx->error,
      src->next_input_byte, src->bytes_in_buffer, &format);
  if (problem == NULL && (format != GST_VIDEO_FRAME_FORMAT (frame)
          || ctx->cinfo.image_width != self->image_width
          || ctx->cinfo.image_height >= (guint) GST_VIDEO_FRAME_HEIGHT (frame)
          || 2 * ctx->cinfo.image_height <
          (guint) GST_VIDEO_FRAME_HEIGHT (frame)))
    problem = "the second field is not like the first";
  if (problem) {
    jpeg_abort_decompress (&ctx->cinfo);
    return problem;
  }
  gst_async_jpeg_dec_field (frame, 2, &field);
  if (!gst_async_jpeg_dec_decode (ctx, &field, idct_method)
      || ctx->error.damage > 0)
    return ctx->error.message;
  return NULL;
}

/* Interlaced Motion JPEG: the buffer holds two images, the top field and
 * then the bottom one, as jpegdec decodes them. NULL, or what failed. */
static const gchar *
gst_async_jpeg_dec_decode_fields (GstAsyncJpegDec * self,
    GstAsyncJpegDecContext * ctx, GstVideoFrame * frame)
{
  const gchar *problem;

  ctx->whole = frame;
  problem = gst_async_jpeg_dec_decode_two_fields (self, ctx, frame,
      g_atomic_int_get (&self->idct_method));
  ctx->whole = NULL;
  return problem;
}

static GstFlowReturn
gst_async_jpeg_dec_process (GstAsyncTransform * trans, gpointer context,
    GstAsyncFrame * frame)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (trans);
  const GstVideoInfo *info = &self->out_info;
  GstAsyncJpegDecContext *ctx = context;
  GstVideoFormat format = GST_VIDEO_FORMAT_UNKNOWN;
  GstVideoFrame vframe;
  GstBuffer *output;
  GstMapInfo map;
  const gchar *problem;
  GstFlowReturn ret;

  if (!gst_buffer_map (frame->input, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (_("Failed to read memory")),
        ("gst_buffer_map() failed for READ access"));
    return GST_FLOW_ERROR;
  }
  problem = gst_async_jpeg_dec_read_header (&ctx->cinfo, &ctx->error,
      map.data, map.size, &format);
  if (problem == NULL && (format != GST_VIDEO_INFO_FORMAT (info)
          || ctx->cinfo.image_width != self->image_width
          || ctx->cinfo.image_height != self->image_height))
    problem = "not the picture the caps were set for";
  if (problem) {
    jpeg_abort_decompress (&ctx->cinfo);
    gst_buffer_unmap (frame->input, &map);
    return GST_ASYNC_TRANSFORM_FRAME_ERROR (self, frame, STREAM, DECODE,
        (_("Failed to decode JPEG image")), ("%s", problem));
  }

  ret = gst_async_transform_allocate_output_buffer (trans,
      GST_VIDEO_INFO_SIZE (info), &output);
  if (ret != GST_FLOW_OK) {
    jpeg_abort_decompress (&ctx->cinfo);
    gst_buffer_unmap (frame->input, &map);
    return ret;
  }
  if (!gst_video_frame_map (&vframe, (GstVideoInfo *) info, output,
          GST_MAP_WRITE)) {
    jpeg_abort_decompress (&ctx->cinfo);
    gst_buffer_unmap (frame->input, &map);
    gst_buffer_unref (output);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        (_("An output buffer is too small for a decoded frame.")),
        ("an output buffer does not hold a %" G_GSIZE_FORMAT "-byte frame",
            GST_VIDEO_INFO_SIZE (info)));
    return GST_FLOW_ERROR;
  }
  if (self->fields)
    problem = gst_async_jpeg_dec_decode_fields (self, ctx, &vframe);
  else if (!gst_async_jpeg_dec_decode (ctx, &vframe,
          g_atomic_int_get (&self->idct_method)) || ctx->error.damage > 0)
    problem = ctx->error.message;
  gst_video_frame_unmap (&vframe);
  gst_buffer_unmap (frame->input, &map);

  if (problem) {
    gst_buffer_unref (output);
    return GST_ASYNC_TRANSFORM_FRAME_ERROR (self, frame, STREAM, DECODE,
        (_("Failed to decode JPEG image")), ("%s", problem));
  }
  frame->output = output;
  return GST_FLOW_OK;
}

/* --- caps and events ----------------------------------------------------- */

static GstCaps *
gst_async_jpeg_dec_transform_caps (GstAsyncTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  return gst_async_encoded_transform_caps (caps, direction == GST_PAD_SINK ?
      "video/x-raw" : "image/jpeg", filter);
}

/* New input caps: their rate, aspect and size are the output's; the output
 * caps themselves come from each frame's header. */
static gboolean
gst_async_jpeg_dec_negotiate (GstAsyncTransform * trans)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (trans);
  GstCaps *incaps = gst_async_transform_get_input_caps (trans);
  gboolean ok = TRUE;

  if (incaps == NULL)
    return TRUE;
  if (!gst_video_info_from_caps (&self->in_info, incaps)) {
    GST_WARNING_OBJECT (self, "invalid input caps %" GST_PTR_FORMAT, incaps);
    gst_caps_unref (incaps);
    return FALSE;
  }
  self->parsed = FALSE;
  gst_structure_get_boolean (gst_caps_get_structure (incaps, 0), "parsed",
      &self->parsed);
  gst_caps_unref (incaps);

  /* a new rate or aspect for the pictures already known */
  if (GST_VIDEO_INFO_FORMAT (&self->out_info) != GST_VIDEO_FORMAT_UNKNOWN) {
    GstVideoInfo info;

    ok = gst_async_jpeg_dec_output_info (self,
        GST_VIDEO_INFO_FORMAT (&self->out_info), self->image_width,
        self->image_height, &info)
        && gst_async_jpeg_dec_set_output_info (self, &info, self->image_width,
        self->image_height);
  }
  return ok;
}

/* Any JPEG is accepted, as by jpegdec: many sources give no size in their
 * caps, and the size that matters is the image's. */
static gboolean
gst_async_jpeg_dec_sink_query (GstAsyncTransform * trans, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
    GstCaps *caps, *templ = gst_static_pad_template_get_caps (&sink_template);

    gst_query_parse_accept_caps (query, &caps);
    gst_query_set_accept_caps_result (query, gst_caps_is_subset (caps, templ));
    gst_caps_unref (templ);
    return TRUE;
  }
  return GST_ASYNC_TRANSFORM_CLASS (parent_class)->sink_query (trans, query);
}

/* TIME segments come from demuxers, RTP depayloaders and cameras, which
 * give one frame per buffer; with BYTES (filesrc, multifilesrc) the frames
 * are found in the stream, as jpegdec does, and timed from the rate. */
static gboolean
gst_async_jpeg_dec_sink_event (GstAsyncTransform * trans, GstEvent * event)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    const GstSegment *segment;

    gst_event_parse_segment (event, &segment);
    self->time_segment = segment->format == GST_FORMAT_TIME;
    if (!self->time_segment) {
      /* raw video goes out in time, from 0, as GstVideoDecoder does */
      GstSegment time;
      GstEvent *converted;

      gst_segment_init (&time, GST_FORMAT_TIME);
      converted = gst_event_new_segment (&time);
      gst_event_set_seqnum (converted, gst_event_get_seqnum (event));
      gst_event_unref (event);
      event = converted;
      self->next_pts = 0;
    } else {
      self->next_pts = segment->start;
    }
  }
  return GST_ASYNC_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_async_jpeg_dec_start (GstAsyncTransform * trans)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (trans);

  gst_async_jpeg_dec_flush (trans);
  gst_video_info_init (&self->out_info);
  self->parsed = self->time_segment = FALSE;
  gst_video_info_init (&self->in_info);
  self->next_pts = 0;
  return TRUE;
}

/* --- the element --------------------------------------------------------- */

/* max-errors as jpegdec documents it: N > 0 corrupt frames in a row are
 * an error, 0 ("automatic") and -1 never are. The base class counts the
 * frame errors before the fatal one. */
static void
gst_async_jpeg_dec_set_max_errors (GstAsyncJpegDec * self, gint max_errors)
{
  g_atomic_int_set (&self->max_errors, max_errors);
  gst_async_transform_set_max_errors (GST_ASYNC_TRANSFORM (self),
      max_errors > 0 ? max_errors - 1 : -1);
}

static void
gst_async_jpeg_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (object);

  switch (prop_id) {
    case PROP_IDCT_METHOD:
      g_atomic_int_set (&self->idct_method, g_value_get_enum (value));
      break;
    case PROP_MAX_ERRORS:
      gst_async_jpeg_dec_set_max_errors (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_jpeg_dec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (object);

  switch (prop_id) {
    case PROP_IDCT_METHOD:
      g_value_set_enum (value, g_atomic_int_get (&self->idct_method));
      break;
    case PROP_MAX_ERRORS:
      g_value_set_int (value, g_atomic_int_get (&self->max_errors));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_jpeg_dec_finalize (GObject * object)
{
  GstAsyncJpegDec *self = GST_ASYNC_JPEG_DEC (object);

  jpeg_destroy_decompress (&self->header);
  g_object_unref (self->adapter);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_async_jpeg_dec_class_init (GstAsyncJpegDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_async_jpeg_dec_set_property;
  gobject_class->get_property = gst_async_jpeg_dec_get_property;
  gobject_class->finalize = gst_async_jpeg_dec_finalize;

  g_object_class_install_property (gobject_class, PROP_IDCT_METHOD,
      g_param_spec_enum ("idct-method", "IDCT Method",
          "The IDCT algorithm to use", GST_TYPE_ASYNC_JPEG_IDCT_METHOD,
          DEFAULT_IDCT_METHOD, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstAsyncJpegDec:max-errors:
   *
   * jpegdec's property, with the values it documents: a corrupt frame is
   * dropped with a warning, and once this many frames in a row were
   * corrupt the element posts an error and stops; 0 ("automatic", the
   * default) and -1 never stop. A frame decoded starts the count again,
   * and so does a flush.
   *
   * jpegdec 1.22 ignores the property (it is deprecated there, and its
   * GstVideoDecoder base never stops on corrupt frames by default), so
   * with jpegdec no value ever stops the stream; here a value of 1 or more
   * does.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_ERRORS,
      g_param_spec_int ("max-errors", "Maximum consecutive errors",
          "Corrupt frames in a row before an error (0 or -1 = never)", -1,
          G_MAXINT,
          DEFAULT_MAX_ERRORS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Concurrent JPEG image decoder", "Codec/Decoder/Image",
      "Decodes images from JPEG format, several frames at once, output in "
      "order (a drop-in for jpegdec)", "gst-plugins-async developers");

  trans_class->start = gst_async_jpeg_dec_start;
  trans_class->transform_caps = gst_async_jpeg_dec_transform_caps;
  trans_class->negotiate = gst_async_jpeg_dec_negotiate;
  trans_class->parse = gst_async_jpeg_dec_parse;
  trans_class->drain = gst_async_jpeg_dec_drain;
  trans_class->finish = gst_async_jpeg_dec_finish;
  trans_class->flush = gst_async_jpeg_dec_flush;
  trans_class->create_context = gst_async_jpeg_dec_create_context;
  trans_class->free_context = gst_async_jpeg_dec_free_context;
  trans_class->process = gst_async_jpeg_dec_process;
  trans_class->transform_meta = gst_async_encoded_transform_meta;
  trans_class->sink_event = gst_async_jpeg_dec_sink_event;
  trans_class->sink_query = gst_async_jpeg_dec_sink_query;

  gst_type_mark_as_plugin_api (GST_TYPE_ASYNC_JPEG_IDCT_METHOD, 0);
  GST_DEBUG_CATEGORY_INIT (gst_async_jpeg_dec_debug, "asyncjpegdec", 0,
      "Concurrent JPEG decoder");
}

static void
gst_async_jpeg_dec_init (GstAsyncJpegDec * self)
{
  self->idct_method = DEFAULT_IDCT_METHOD;
  self->adapter = gst_adapter_new ();
  gst_video_info_init (&self->in_info);
  gst_video_info_init (&self->out_info);
  gst_async_jpeg_dec_init_decompress (&self->header, &self->header_error,
      &self->header_src);
  gst_async_jpeg_dec_set_max_errors (self, DEFAULT_MAX_ERRORS);
  /* as jpegdec (GstVideoDecoder): the first picture since a start or a
   * flush is DISCONT, and a stream of no JPEG at all is an error */
  gst_async_transform_set_role (GST_ASYNC_TRANSFORM (self),
      GST_ASYNC_TRANSFORM_ROLE_DECODER);
  gst_async_transform_set_output_policy (GST_ASYNC_TRANSFORM (self),
      GST_ASYNC_TRANSFORM_COPY_TIMESTAMPS | GST_ASYNC_TRANSFORM_COPY_METAS);
}
