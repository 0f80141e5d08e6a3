/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasyncwrap.h: runs replicas of a 1-in/1-out filter side by side
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

#ifndef __GST_ASYNC_WRAP_H__
#define __GST_ASYNC_WRAP_H__

#include "gstasynctransform.h"

G_BEGIN_DECLS
#define GST_TYPE_ASYNC_WRAP (gst_async_wrap_get_type ())
G_DECLARE_FINAL_TYPE (GstAsyncWrap, gst_async_wrap, GST, ASYNC_WRAP,
    GstAsyncTransform)
    G_END_DECLS
#endif                          /* __GST_ASYNC_WRAP_H__ */
