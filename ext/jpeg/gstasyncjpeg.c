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

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncjpeg.h"

#include <jerror.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (gst_async_jpeg_debug);
#define GST_CAT_DEFAULT gst_async_jpeg_debug

GType
gst_async_jpeg_idct_method_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_ASYNC_JPEG_IDCT_METHOD_ISLOW,
        "Slow but accurate integer algorithm", "islow"},
    {GST_ASYNC_JPEG_IDCT_METHOD_IFAST,
        "Faster, less accurate integer method", "ifast"},
    {GST_ASYNC_JPEG_IDCT_METHOD_FLOAT,
        "Floating-point: accurate, fast on fast HW", "float"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAsyncJpegIdctMethod", values);

    GST_DEBUG_CATEGORY_INIT (gst_async_jpeg_debug, "asyncjpeg", 0,
        "libjpeg messages");
    g_once_init_leave (&type, t);
  }
  return type;
}

static void
gst_async_jpeg_error_exit (j_common_ptr cinfo)
{
  GstAsyncJpegError *error = (GstAsyncJpegError *) cinfo->err;

  error->pub.format_message (cinfo, error->message);
  longjmp (error->jump, 1);
}

/* Warnings that say the image data is damaged: cut short, or not what its
 * tables allow. Others (stray bytes between segments, which many cameras
 * write, or a JFIF version, colour transform or ICC profile libjpeg does
 * not know) leave the picture whole. */
static gboolean
gst_async_jpeg_warning_is_damage (gint code)
{
  switch (code) {
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_TOO_MUCH_DATA:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_JPEG_EOF:
      return TRUE;
    default:
      return FALSE;
  }
}

static void
gst_async_jpeg_emit_message (j_common_ptr cinfo, int level)
{
  GstAsyncJpegError *error = (GstAsyncJpegError *) cinfo->err;
  gchar message[JMSG_LENGTH_MAX];

  /* level -1 is a warning; higher levels are trace messages */
  if (level >= 0 && gst_debug_category_get_threshold (GST_CAT_DEFAULT) <
      GST_LEVEL_TRACE)
    return;
  error->pub.format_message (cinfo, message);
  if (level < 0) {
    GST_DEBUG ("libjpeg warning: %s", message);
    if (gst_async_jpeg_warning_is_damage (error->pub.msg_code)
        && error->damage++ == 0)
      g_strlcpy (error->message, message, sizeof (error->message));
  } else {
    GST_TRACE ("libjpeg: %s", message);
  }
}

/* Our handlers on @cinfo's error manager. */
void
gst_async_jpeg_error_init (GstAsyncJpegError * error, j_common_ptr cinfo)
{
  cinfo->err = jpeg_std_error (&error->pub);
  error->pub.error_exit = gst_async_jpeg_error_exit;
  error->pub.emit_message = gst_async_jpeg_emit_message;
  gst_async_jpeg_error_reset (error);
}

/* Before a new image: no message, no damage. */
void
gst_async_jpeg_error_reset (GstAsyncJpegError * error)
{
  error->message[0] = '\0';
  error->damage = 0;
  error->pub.num_warnings = 0;
}
