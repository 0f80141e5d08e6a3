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

#ifndef __GST_ASYNC_JPEG_H__
#define __GST_ASYNC_JPEG_H__

#include "gstasynctransform.h"

#include <stdio.h>              /* jpeglib.h needs FILE */
#include <setjmp.h>
#include <jpeglib.h>

G_BEGIN_DECLS

/**
 * GstAsyncJpegIdctMethod:
 * @GST_ASYNC_JPEG_IDCT_METHOD_ISLOW: slow but accurate integer algorithm
 * @GST_ASYNC_JPEG_IDCT_METHOD_IFAST: faster, less accurate integer method
 * @GST_ASYNC_JPEG_IDCT_METHOD_FLOAT: floating-point: accurate, fast on fast
 *     hardware
 *
 * The DCT algorithm libjpeg uses: the values and nicks of jpegenc's and
 * jpegdec's idct-method, so that `idct-method=islow` means the same on both.
 * (A type of its own: the two plugins may be loaded in one process.)
 */
typedef enum
{
  GST_ASYNC_JPEG_IDCT_METHOD_ISLOW = JDCT_ISLOW,
  GST_ASYNC_JPEG_IDCT_METHOD_IFAST = JDCT_IFAST,
  GST_ASYNC_JPEG_IDCT_METHOD_FLOAT = JDCT_FLOAT,
} GstAsyncJpegIdctMethod;

#define GST_TYPE_ASYNC_JPEG_IDCT_METHOD (gst_async_jpeg_idct_method_get_type ())
GType gst_async_jpeg_idct_method_get_type (void);

/* libjpeg reports a fatal error by calling error_exit (), which must not
 * return: ours jumps back to the setjmp () of the call that failed, with
 * libjpeg's message kept for the GStreamer error. Warnings are logged;
 * those that say the image data is damaged are counted, the first one
 * kept. */
typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  gchar message[JMSG_LENGTH_MAX];       /* the error, or the first damage */
  guint damage;                 /* warnings of damage since the reset */
} GstAsyncJpegError;

void gst_async_jpeg_error_init (GstAsyncJpegError * error, j_common_ptr cinfo);

void gst_async_jpeg_error_reset (GstAsyncJpegError * error);

G_END_DECLS

#endif /* __GST_ASYNC_JPEG_H__ */
