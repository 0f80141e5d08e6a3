/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasynctransformbatch.c: batches, several frames in one process_batch ()
 * call: their properties
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

/* A class that sets process_batch () gets up to batch-size frames per
 * call, taken in arrival order by one thread in one worker slot; when a
 * partial batch may go is gstasynctransformrun.c's batch_due_locked ().
 * This file holds the two properties, which the subclass installs (only an
 * element that batches shows them) and hands here. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasynctransformprivate.h"

#define GST_CAT_DEFAULT gst_async_transform_debug

/**
 * gst_async_transform_class_install_batch_properties:
 * @klass: a #GstAsyncTransformClass that sets
 *     #GstAsyncTransformClass.process_batch
 * @batch_size_id: the property id for batch-size
 * @batch_timeout_id: the property id for batch-timeout
 *
 * Installs the two properties of an element that batches, with the given
 * ids, for the subclass's own set_property and get_property to hand to
 * gst_async_transform_set_batch_property() and
 * gst_async_transform_get_batch_property():
 *  - batch-size (#guint, 1 to 1024, default 1): the most frames per
 *    #GstAsyncTransformClass.process_batch call; changes in NULL or READY;
 *  - batch-timeout (#guint64, nanoseconds, default 0): how long a partial
 *    batch may wait for more frames; changes at any time.
 * Call it in class_init.
 *
 * Since: 1.0
 */
void
gst_async_transform_class_install_batch_properties (GstAsyncTransformClass *
    klass, guint batch_size_id, guint batch_timeout_id)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM_CLASS (klass));

  /**
   * GstAsyncTransform:batch-size:
   *
   * The most frames one #GstAsyncTransformClass.process_batch call gets,
   * in input order. Frames go in a call as soon as a batch is full, or as
   * #GstAsyncTransform:batch-timeout allows; never later than a serialized
   * event, a drain or the end of the stream behind them, or than a full
   * window (#GstAsyncTransform:max-in-flight). With max-in-flight=0 the
   * window is twice the workers times the batch size, so that a full batch
   * waits while each worker runs one.
   */
  g_object_class_install_property (gobject_class, batch_size_id,
      g_param_spec_uint ("batch-size", "Batch size",
          "Frames per call at most (1 = one frame per call)", 1,
          MAX_BATCH_SIZE, 1, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAsyncTransform:batch-timeout:
   *
   * How long frames waiting to start may wait for more to fill a batch,
   * from the arrival of the oldest: 0, the default, never waits (a call
   * takes the frames that wait, up to #GstAsyncTransform:batch-size);
   * %GST_CLOCK_TIME_NONE waits for a full batch. In a live pipeline the
   * latency reported includes the wait: this timeout, or the time
   * batch-size - 1 frames take to come when that is shorter.
   */
  g_object_class_install_property (gobject_class, batch_timeout_id,
      g_param_spec_uint64 ("batch-timeout", "Batch timeout",
          "How long a partial batch may wait for more frames, in "
          "nanoseconds (0 = never waits, 18446744073709551615 = until full)",
          0, G_MAXUINT64, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
}

/**
 * gst_async_transform_set_batch_property:
 * @self: a #GstAsyncTransform
 * @pspec: the property being set
 * @value: its new value
 *
 * For the set_property of a class that installed
 * gst_async_transform_class_install_batch_properties(): sets batch-size
 * or batch-timeout. Call it for the ids not of the class's own:
 * |[
 * default:
 *   if (!gst_async_transform_set_batch_property (trans, pspec, value))
 *     G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
 * ]|
 *
 * Returns: %TRUE if @pspec was one of the two.
 *
 * Since: 1.0
 */
gboolean
gst_async_transform_set_batch_property (GstAsyncTransform * self,
    GParamSpec * pspec, const GValue * value)
{
  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), FALSE);

  if (g_str_equal (pspec->name, "batch-size"))
    gst_async_transform_set_batch_size (self, g_value_get_uint (value));
  else if (g_str_equal (pspec->name, "batch-timeout"))
    gst_async_transform_set_batch_timeout (self, g_value_get_uint64 (value));
  else
    return FALSE;
  return TRUE;
}

/**
 * gst_async_transform_get_batch_property:
 * @self: a #GstAsyncTransform
 * @pspec: the property being read
 * @value: where its value goes
 *
 * For the get_property of a class that installed
 * gst_async_transform_class_install_batch_properties(), as
 * gst_async_transform_set_batch_property() for set_property.
 *
 * Returns: %TRUE if @pspec was one of the two.
 *
 * Since: 1.0
 */
gboolean
gst_async_transform_get_batch_property (GstAsyncTransform * self,
    GParamSpec * pspec, GValue * value)
{
  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), FALSE);

  if (g_str_equal (pspec->name, "batch-size"))
    g_value_set_uint (value, gst_async_transform_get_batch_size (self));
  else if (g_str_equal (pspec->name, "batch-timeout"))
    g_value_set_uint64 (value, gst_async_transform_get_batch_timeout (self));
  else
    return FALSE;
  return TRUE;
}

/**
 * gst_async_transform_set_batch_size:
 * @self: a #GstAsyncTransform
 * @batch_size: the most frames per #GstAsyncTransformClass.process_batch
 *     call, from 1
 *
 * Sets #GstAsyncTransform:batch-size. Like #GstAsyncTransform:n-workers,
 * it takes effect on READY→PAUSED: while the element runs the new value is
 * refused with a warning.
 *
 * Since: 1.0
 */
void
gst_async_transform_set_batch_size (GstAsyncTransform * self, guint batch_size)
{
  GstAsyncTransformPrivate *priv;
  gboolean refused;

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  g_return_if_fail (batch_size >= 1 && batch_size <= MAX_BATCH_SIZE);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  refused = priv->running;
  if (!refused) {
    priv->batch_size_setting = batch_size;
    gst_async_transform_update_limits_locked (priv);
  }
  gst_async_transform_unlock_and_wake (priv);
  if (refused)
    g_warning ("%s: batch-size can only be changed in the NULL or READY "
        "state; the new value was ignored", GST_OBJECT_NAME (self));
}

/**
 * gst_async_transform_get_batch_size:
 * @self: a #GstAsyncTransform
 *
 * Gets the most frames per #GstAsyncTransformClass.process_batch call.
 *
 * Returns: the #GstAsyncTransform:batch-size setting.
 *
 * Since: 1.0
 */
guint
gst_async_transform_get_batch_size (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv;
  guint batch_size;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), 1);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  batch_size = priv->batch_size_setting;
  g_mutex_unlock (&priv->lock);
  return batch_size;
}

/**
 * gst_async_transform_set_batch_timeout:
 * @self: a #GstAsyncTransform
 * @timeout: how long a partial batch may wait for more frames, in
 *     nanoseconds: 0 never waits, %GST_CLOCK_TIME_NONE waits for a full
 *     batch
 *
 * Sets #GstAsyncTransform:batch-timeout, at any time: frames waiting now
 * go by the new timeout, and a live pipeline is told its latency changed.
 *
 * Since: 1.0
 */
void
gst_async_transform_set_batch_timeout (GstAsyncTransform * self,
    GstClockTime timeout)
{
  GstAsyncTransformPrivate *priv;
  gboolean changed;

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  changed = timeout != priv->batch_timeout;
  priv->batch_timeout = timeout;
  if (priv->running)
    gst_async_transform_announce_locked (priv);
  gst_async_transform_unlock_and_wake (priv);
  if (changed && priv->running)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

/**
 * gst_async_transform_get_batch_timeout:
 * @self: a #GstAsyncTransform
 *
 * Gets how long a partial batch may wait for more frames.
 *
 * Returns: the #GstAsyncTransform:batch-timeout setting, in nanoseconds.
 *
 * Since: 1.0
 */
GstClockTime
gst_async_transform_get_batch_timeout (GstAsyncTransform * self)
{
  GstAsyncTransformPrivate *priv;
  GstClockTime timeout;

  g_return_val_if_fail (GST_IS_ASYNC_TRANSFORM (self), 0);
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  timeout = priv->batch_timeout;
  g_mutex_unlock (&priv->lock);
  return timeout;
}

/**
 * gst_async_transform_set_batch_key:
 * @self: a #GstAsyncTransform that batches
 * @key: (nullable): what stands for @self's work, compared by address
 *
 * Elements of one class that share a #GstAsyncTransform:worker-group, the
 * same #GstAsyncTransform:batch-size and the same input caps may have
 * their frames in one #GstAsyncTransformClass.process_batch call, made on
 * the element whose worker took the batch (batches across streams, as an
 * inference server batches cameras). That is only right when the work of
 * each does the same: a class whose instances may differ in it (a model
 * file, an application's function) sets a key that stands for the work,
 * and frames of elements whose keys differ never share a call. The
 * default, %NULL, is the same for every instance. Any thread; it applies
 * to the batches taken from then on.
 *
 * Since: 1.0
 */
void
gst_async_transform_set_batch_key (GstAsyncTransform * self, gconstpointer key)
{
  GstAsyncTransformPrivate *priv;

  g_return_if_fail (GST_IS_ASYNC_TRANSFORM (self));
  priv = GET_PRIV (self);

  g_mutex_lock (&priv->lock);
  priv->batch_key = key;
  g_mutex_unlock (&priv->lock);
}
