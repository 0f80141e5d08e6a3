/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasyncworkerpool.h: worker threads shared by async elements
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

#ifndef __GST_ASYNC_WORKER_POOL_H__
#define __GST_ASYNC_WORKER_POOL_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _GstAsyncWorkerPool GstAsyncWorkerPool;
typedef struct _GstAsyncPoolMember GstAsyncPoolMember;

/* Called by a worker without any pool lock held: takes one job of the
 * member that may start now (NULL if none may), and sets @more when
 * another could start at once too. */
typedef gpointer (*GstAsyncPoolTakeFunc) (gpointer data, gboolean * more);

/* Runs a job that take returned; returns TRUE when the member has another
 * job that may start now. */
typedef gboolean (*GstAsyncPoolRunFunc) (gpointer data, gpointer job);

/* Called by a worker without any pool lock held, once for each
 * gst_async_worker_pool_poke (). */
typedef void (*GstAsyncPoolPokeFunc) (gpointer data);

/* Visits another member of the pool; returns FALSE to stop. */
typedef gboolean (*GstAsyncPoolVisitFunc) (gpointer data, gpointer user_data);

GstAsyncPoolMember *gst_async_worker_pool_join (const gchar * group,
    guint n_jobs, GstAsyncPoolTakeFunc take, GstAsyncPoolRunFunc run,
    GstAsyncPoolPokeFunc poke, gpointer data);
void gst_async_worker_pool_wake (GstAsyncPoolMember * member);
void gst_async_worker_pool_wake_at (GstAsyncPoolMember * member, gint64 when);
void gst_async_worker_pool_visit_others (GstAsyncPoolMember * member,
    GstAsyncPoolVisitFunc visit, gpointer user_data);
void gst_async_worker_pool_poke (GstAsyncPoolMember * member);
void gst_async_worker_pool_leave (GstAsyncPoolMember * member);

GstTaskPool *gst_async_worker_pool_get_task_pool (GstAsyncPoolMember * member);
gboolean gst_async_worker_pool_tasks_wait (GstAsyncPoolMember * member);
void gst_async_worker_pool_push_task (GstAsyncWorkerPool * pool,
    GstTaskPoolFunction func, gpointer data);

G_END_DECLS

#endif /* __GST_ASYNC_WORKER_POOL_H__ */
