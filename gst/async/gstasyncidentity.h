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

#ifndef __GST_ASYNC_IDENTITY_H__
#define __GST_ASYNC_IDENTITY_H__

#include "gstasynctransform.h"

G_BEGIN_DECLS

#define GST_TYPE_ASYNC_IDENTITY (gst_async_identity_get_type ())
G_DECLARE_FINAL_TYPE (GstAsyncIdentity, gst_async_identity,
    GST, ASYNC_IDENTITY, GstAsyncTransform)

/**
 * GstAsyncIdentityWorkMode:
 * @GST_ASYNC_IDENTITY_WORK_MODE_SLEEP: wait, using no CPU (I/O-bound or
 *     remote work)
 * @GST_ASYNC_IDENTITY_WORK_MODE_BUSY: compute over the frame's bytes for
 *     the work time in CPU time of the worker's thread (CPU-bound work)
 * @GST_ASYNC_IDENTITY_WORK_MODE_PENDING: leave the frame pending, holding
 *     no worker, and finish it from a timer once the work time is over
 *     (work done elsewhere: a device, a remote service)
 *
 * How asyncidentity spends its simulated per-frame work time.
 */
typedef enum
{
  GST_ASYNC_IDENTITY_WORK_MODE_SLEEP,
  GST_ASYNC_IDENTITY_WORK_MODE_BUSY,
  GST_ASYNC_IDENTITY_WORK_MODE_PENDING,
} GstAsyncIdentityWorkMode;

G_END_DECLS

#endif /* __GST_ASYNC_IDENTITY_H__ */
