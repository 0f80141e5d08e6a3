/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctaskpool.c: the GstTaskPool of a worker pool
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

/* A GstTaskPool whose threads are those of a worker pool: the src-pad
 * tasks of the elements of a worker group run on the group's threads
 * (gst_task_set_pool ()), not on a thread each. The worker pool makes one
 * with itself and detaches it when it ends; a task that still holds it
 * then can no longer start (no element starts its task after it left
 * its group). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctaskpool.h"

struct _GstAsyncTaskPool
{
  GstTaskPool parent;

  GstAsyncWorkerPool *workers;  /* object lock; NULL once detached */
};

G_DEFINE_TYPE (GstAsyncTaskPool, gst_async_task_pool, GST_TYPE_TASK_POOL);

/* The threads are the worker pool's: nothing to make or free. */
static void
gst_async_task_pool_prepare (GstTaskPool * pool, GError ** error)
{
}

static void
gst_async_task_pool_cleanup (GstTaskPool * pool)
{
}

static gpointer
gst_async_task_pool_push (GstTaskPool * pool, GstTaskPoolFunction func,
    gpointer data, GError ** error)
{
  GstAsyncTaskPool *self = GST_ASYNC_TASK_POOL (pool);

  GST_OBJECT_LOCK (self);
  if (self->workers)
    gst_async_worker_pool_push_task (self->workers, func, data);
  else
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "the worker group of this task pool has ended");
  GST_OBJECT_UNLOCK (self);
  /* (no handle: a task run is over when its function returned, which the
   * task itself waits for in gst_task_join ()) */
  return NULL;
}

static void
gst_async_task_pool_join (GstTaskPool * pool, gpointer id)
{
}

static void
gst_async_task_pool_class_init (GstAsyncTaskPoolClass * klass)
{
  GstTaskPoolClass *pool_class = GST_TASK_POOL_CLASS (klass);

  pool_class->prepare = gst_async_task_pool_prepare;
  pool_class->cleanup = gst_async_task_pool_cleanup;
  pool_class->push = gst_async_task_pool_push;
  pool_class->join = gst_async_task_pool_join;
}

static void
gst_async_task_pool_init (GstAsyncTaskPool * self)
{
}

/* With @workers' own lock not held. */
GstTaskPool *
gst_async_task_pool_new (GstAsyncWorkerPool * workers)
{
  GstAsyncTaskPool *self = g_object_new (GST_TYPE_ASYNC_TASK_POOL, NULL);

  gst_object_ref_sink (self);
  self->workers = workers;
  return GST_TASK_POOL (self);
}

/* The worker pool ends: later pushes fail. */
void
gst_async_task_pool_detach (GstTaskPool * pool)
{
  GstAsyncTaskPool *self = GST_ASYNC_TASK_POOL (pool);

  GST_OBJECT_LOCK (self);
  self->workers = NULL;
  GST_OBJECT_UNLOCK (self);
}
