/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctaskpool.h: the GstTaskPool of a worker pool
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

/* Private to the library: not installed. */

#ifndef __GST_ASYNC_TASK_POOL_H__
#define __GST_ASYNC_TASK_POOL_H__

#include <gst/gst.h>
#include "gstasyncworkerpool.h"

G_BEGIN_DECLS

#define GST_TYPE_ASYNC_TASK_POOL (gst_async_task_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstAsyncTaskPool, gst_async_task_pool, GST,
    ASYNC_TASK_POOL, GstTaskPool);

GstTaskPool *gst_async_task_pool_new (GstAsyncWorkerPool * workers);
void gst_async_task_pool_detach (GstTaskPool * pool);

G_END_DECLS

#endif /* __GST_ASYNC_TASK_POOL_H__ */
