/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformcontexts.c: the worker contexts of GstAsyncTransform
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

/* Worker contexts: the exclusive state a frame's process () needs (a codec
 * instance, a replica of a wrapped element), made by the subclass's
 * create_context, kept idle in priv->free_contexts between frames, and
 * lent to one user at a time: a process () call, or a borrower of
 * gst_async_transform_acquire_context ().
 *
 * Every context carries the caps cookie it was made under. New caps bump
 * the cookie (unless the class keeps its contexts across caps): idle
 * contexts are freed at once, busy ones when they come back. PAUSED->READY,
 * READY->NULL and dispose free them too, so a context made outside PAUSED
 * (a caps query at link time) never outlives the element.
 *
 * priv->lock guards the free list, the lent table and the counters; the
 * subclass's create, free, drain and flush functions run without it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#define GST_CAT_DEFAULT gst_async_transform_debug

static void
gst_async_transform_free_context (GstAsyncTransform * self, gpointer context)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);

  GST_DEBUG_OBJECT (self, "freeing a worker context");
  if (klass->free_context)
    klass->free_context (self, context);
  g_mutex_lock (&priv->lock);
  priv->contexts_made--;
  gst_async_transform_unlock_and_wake (priv);
}

static gpointer
gst_async_transform_create_context (GstAsyncTransform * self)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gpointer context;

  GST_DEBUG_OBJECT (self, "creating a worker context");
  context = klass->create_context (self);
  if (context) {
    g_mutex_lock (&priv->lock);
    priv->contexts_made++;
    gst_async_transform_unlock_and_wake (priv);
  }
  return context;
}

/* An idle context for the calling thread, made if there is none; NULL
 * without create_context, or when it failed. @cookie is what to give it
 * back with. */
gpointer
gst_async_transform_take_context (GstAsyncTransform * self, guint * cookie)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gpointer context;

  *cookie = 0;
  if (GST_ASYNC_TRANSFORM_GET_CLASS (self)->create_context == NULL)
    return NULL;

  g_mutex_lock (&priv->lock);
  context = gst_queue_array_pop_tail (priv->free_contexts);
  *cookie = priv->caps_cookie;
  gst_async_transform_unlock_and_wake (priv);

  if (context == NULL)
    context = gst_async_transform_create_context (self);
  return context;
}

/* Gives back a context taken with @cookie: it is idle again, or freed when
 * it was made for older caps or is to be discarded. */
void
gst_async_transform_give_context (GstAsyncTransform * self, gpointer context,
    guint cookie, gboolean discard)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gboolean keep;

  if (context == NULL)
    return;

  g_mutex_lock (&priv->lock);
  keep = !discard && cookie == priv->caps_cookie;
  if (keep)
    gst_queue_array_push_tail (priv->free_contexts, context);
  gst_async_transform_unlock_and_wake (priv);

  if (!keep)
    gst_async_transform_free_context (self, context);
}

/* Makes every context made so far stale and frees the idle ones; the busy
 * ones go when they come back. */
void
gst_async_transform_drop_contexts (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstQueueArray *idle;
  gpointer context;

  g_mutex_lock (&priv->lock);
  priv->caps_cookie++;
  idle = priv->free_contexts;
  priv->free_contexts = gst_queue_array_new (8);
  gst_async_transform_unlock_and_wake (priv);

  while ((context = gst_queue_array_pop_head (idle)))
    gst_async_transform_free_context (self, context);
  gst_queue_array_free (idle);
}

/* Lets every idle context drain (@flush FALSE) or flush: no frame uses
 * them meanwhile. A context that says it is broken is freed. */
void
gst_async_transform_visit_contexts (GstAsyncTransform * self, gboolean flush)
{
  GstAsyncTransformClass *klass = GST_ASYNC_TRANSFORM_GET_CLASS (self);
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  GstQueueArray *idle;
  gpointer context;
  guint cookie;

  g_mutex_lock (&priv->lock);
  idle = priv->free_contexts;
  priv->free_contexts = gst_queue_array_new (8);
  cookie = priv->caps_cookie;
  gst_async_transform_unlock_and_wake (priv);

  while ((context = gst_queue_array_pop_head (idle))) {
    gboolean ok = flush ? klass->flush_context (self, context) :
        klass->drain_context (self, context);

    if (!ok)
      GST_INFO_OBJECT (self, "a worker context failed to %s: discarded",
          flush ? "flush" : "drain");
    gst_async_transform_give_context (self, context, cookie, !ok);
  }
  gst_queue_array_free (idle);
}

/**
 * gst_async_transform_acquire_context:
 * @self: a #GstAsyncTransform
 *
 * Lends one worker context (see #GstAsyncTransformClass.create_context)
 * for use outside #GstAsyncTransformClass.process, for example to ask a
 * replica of a wrapped element a caps query, in any state. No frame uses
 * it until it is given back with gst_async_transform_release_context() or
 * gst_async_transform_discard_context().
 *
 * Returns: (transfer none) (nullable): a context, or %NULL if the subclass
 *     has none or could not create one.
 *
 * Since: 1.0
 */
gpointer
gst_async_transform_acquire_context (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv;
  gpointer context;
  guint cookie;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), NULL);
  priv = GET_PRIV (self);

  context = gst_async_transform_take_context (self, &cookie);
  if (context) {
    g_mutex_lock (&priv->lock);
    g_hash_table_insert (priv->lent_contexts, context,
        GUINT_TO_POINTER (cookie));
    gst_async_transform_unlock_and_wake (priv);
  }
  return context;
}

/* A lent context comes back: for frames to use, or freed when
 * @discard. */
void
gst_async_transform_return_context (GstAsyncTransform * self,
    gpointer context, gboolean discard)
{
  GstAsyncTransformPrivate *priv = GET_PRIV (self);
  gpointer value = NULL;
  gboolean lent;

  g_mutex_lock (&priv->lock);
  lent = g_hash_table_steal_extended (priv->lent_contexts, context, NULL,
      &value);
  gst_async_transform_unlock_and_wake (priv);
  if (!lent)
    g_return_if_reached ();
  gst_async_transform_give_context (self, context, GPOINTER_TO_UINT (value),
      discard);
}

/**
 * gst_async_transform_release_context:
 * @self: a #GstAsyncTransform
 * @context: a context from gst_async_transform_acquire_context()
 *
 * Gives back a lent context, for frames to use.
 *
 * Since: 1.0
 */
void
gst_async_transform_release_context (GstAsyncTransform * self, gpointer context)
{
  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  g_return_if_fail (context != NULL);

  gst_async_transform_return_context (self, context, FALSE);
}

/**
 * gst_async_transform_create_contexts:
 * @self: a #GstAsyncTransform
 *
 * Makes worker contexts now, in the calling thread, until there is one per
 * worker, instead of when frames first need them. Called from
 * #GstAsyncTransformClass.start, a context that cannot be made fails the
 * state change, and the first frames do not wait for the contexts to be
 * made (a child process to start). Contexts made before caps are freed by
 * the first caps unless the class sets
 * #GstAsyncTransformClass.keep_contexts_across_caps.
 *
 * Returns: %TRUE if every context could be made.
 *
 * Since: 1.0
 */
gboolean
gst_async_transform_create_contexts (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv;
  guint n_workers, cookie;
  gpointer context;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), FALSE);
  g_return_val_if_fail (GST_ASYNC_TRANSFORM_GET_CLASS (self)->create_context
      != NULL, FALSE);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  gst_async_transform_refresh_limits_locked (priv);
  n_workers = priv->n_workers;
  gst_async_transform_unlock_and_wake (priv);
  for (;;) {
    g_mutex_lock (&priv->lock);
    cookie = priv->caps_cookie;
    if (priv->contexts_made >= n_workers) {
      gst_async_transform_unlock_and_wake (priv);
      return TRUE;
    }
    gst_async_transform_unlock_and_wake (priv);

    context = gst_async_transform_create_context (self);
    if (context == NULL)
      return FALSE;
    gst_async_transform_give_context (self, context, cookie, FALSE);
  }
}
