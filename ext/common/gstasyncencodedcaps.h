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

#ifndef __GST_ASYNC_ENCODED_CAPS_H__
#define __GST_ASYNC_ENCODED_CAPS_H__

#include "gstasynctransform.h"
#include <gst/video/video.h>

G_BEGIN_DECLS

GstCaps *gst_async_encoded_caps (const gchar * media_type,
    const GstVideoInfo * info, GstCaps * incaps);

GstCaps *gst_async_encoded_transform_caps (GstCaps * caps, const gchar * name,
    GstCaps * filter);

gboolean gst_async_encoded_transform_meta (GstAsyncTransform * trans,
    GstBuffer * outbuf, GstMeta * meta, GstBuffer * inbuf);

void gst_async_encoded_propose_own_pool (GstQuery * query, gsize size);

void gst_async_encoded_grow (GstBuffer * buffer, GstMapInfo * map,
    gsize used, gsize size);

void gst_async_encoded_output_mark (GstAsyncFrame * frame,
    GstBufferFlags flags);

G_END_DECLS

#endif /* __GST_ASYNC_ENCODED_CAPS_H__ */
