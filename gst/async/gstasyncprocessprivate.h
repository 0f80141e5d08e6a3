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

/* Private to the library: not installed. What the asyncprocess element
 * (gstasyncprocess.c) and its frame handles and id registry
 * (gstasyncprocessframe.c) share. */

#ifndef __GST_ASYNC_PROCESS_PRIVATE_H__
#define __GST_ASYNC_PROCESS_PRIVATE_H__

#include "gstasyncprocess.h"

G_BEGIN_DECLS

/* The application's function and its data (gstasyncprocess.c). */
typedef struct _GstAsyncProcessCallback GstAsyncProcessCallback;

struct _GstAsyncProcess
{
  GstAsyncTransform parent;

  /* with the object lock */
  GstAsyncProcessCallback *callback;
  GstCaps *caps_out;
  /* The frames of process and process-batch signal handlers, by id,
   * until finished (for the action signals: bindings may not know the
   * frame's type): the id registry of gstasyncprocessframe.c */
  GHashTable *by_id;
  guint64 next_id;
};

typedef enum
{
  FRAME_IN_PROCESS,             /* the function runs on it */
  FRAME_PENDING,                /* it returned FLOW_PENDING */
  FRAME_FINISHED,               /* no longer the application's */
} GstAsyncProcessFrameState;

struct _GstAsyncProcessFrame
{
  gint refcount;
  gint state;                   /* GstAsyncProcessFrameState, atomic */
  /* Not owned: used only until the frame is finished, and the element
   * outlives its frames in flight. */
  GstAsyncProcess *process;
  GstAsyncFrame *frame;         /* until finished */
  GstCaps *caps;                /* (owned) once asked for, atomic */
  guint worker;
  guint64 number;
  guint64 id;                   /* in by_id, if not 0 */
};

/* gstasyncprocessframe.c */
G_GNUC_INTERNAL
GstAsyncProcessFrame *gst_async_process_frame_new (GstAsyncProcess * self,
    GstAsyncFrame * frame);

G_GNUC_INTERNAL
void gst_async_process_register_ids (GstAsyncProcessFrame ** frames,
    guint n_frames);

G_GNUC_INTERNAL
void gst_async_process_forget_id (GstAsyncProcessFrame * frame);

G_GNUC_INTERNAL
GstAsyncProcessFrame *gst_async_process_lookup_id (GstAsyncProcess * self,
    guint64 id, const gchar * action);

G_END_DECLS

#endif /* __GST_ASYNC_PROCESS_PRIVATE_H__ */
