/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasyncwrapreplica.h: one replica of the filter asyncwrap wraps
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

#ifndef __GST_ASYNC_WRAP_REPLICA_H__
#define __GST_ASYNC_WRAP_REPLICA_H__

#include <gst/gst.h>

G_BEGIN_DECLS typedef struct _GstAsyncWrapReplica GstAsyncWrapReplica;

GstAsyncWrapReplica *gst_async_wrap_replica_new (GstElement * wrap,
    const gchar * description, const gchar * name, GError ** error);

void gst_async_wrap_replica_free (GstAsyncWrapReplica * replica);

gboolean gst_async_wrap_replica_set_state (GstAsyncWrapReplica * replica,
    GstState state, GError ** error);

GPtrArray *gst_async_wrap_replica_get_elements (GstAsyncWrapReplica * replica);

GstCaps *gst_async_wrap_replica_transform_caps (GstAsyncWrapReplica *
    replica, GstPadDirection direction, GstCaps * caps, GstCaps * filter);

GstFlowReturn gst_async_wrap_replica_send_events (GstAsyncWrapReplica *
    replica, GPtrArray * events);

GstCaps *gst_async_wrap_replica_get_output_caps (GstAsyncWrapReplica * replica);

GstFlowReturn gst_async_wrap_replica_push (GstAsyncWrapReplica * replica,
    GstBuffer * input, GstBuffer ** output);

void gst_async_wrap_replica_flush_start (GstAsyncWrapReplica * replica);

void gst_async_wrap_replica_flush_stop (GstAsyncWrapReplica * replica);

G_END_DECLS
#endif /* __GST_ASYNC_WRAP_REPLICA_H__ */
