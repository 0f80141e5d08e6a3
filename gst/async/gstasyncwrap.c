/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasyncwrap.c: runs replicas of a 1-in/1-out filter side by side
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

/**
 * SECTION:element-asyncwrap
 * @title: asyncwrap
 *
 * Runs an existing filter on several frames at once, and gives the frames
 * out in their order. The filter is a launch description of a chain of
 * elements that make one output buffer of each input buffer, as for
 * gst_parse_bin_from_description(): a single-threaded effect, converter or
 * analysis element such as gaussianblur, videobalance or videoflip. Each
 * worker (#GstAsyncTransform:n-workers, one per CPU core by default) has a
 * replica of the chain of its own and pushes each frame through it in its
 * own thread.
 *
 * The stream goes into the one element of the chain that has no sink pad
 * linked inside it, through its only sink pad, else the one named `sink`,
 * else `video_sink`, else the only one that takes raw video; its other
 * sink pads stay unlinked, as they may with the bare element (textoverlay's
 * text_sink). It comes out of the chain's one free src pad. Caps at either
 * end of the description mean what they mean between two elements
 * (`videoscale ! video/x-raw,width=160,height=120`): they become a
 * capsfilter.
 *
 * The output is the chain's own: the same caps and, for a deterministic
 * chain that keeps no state from one frame to the next, the same bytes as
 * the bare chain gives. Caps queries are answered by the chain, and the
 * sticky events (stream-start, caps, segment, tags) reach every replica
 * before its next frame; events go downstream once, in their place.
 * Errors, warnings and element messages of the wrapped elements reach the
 * bus with their own names (each replica is a bin named after asyncwrap,
 * such as `asyncwrap0-replica1`).
 *
 * A filter that keeps state from one frame to the next (streaktv and
 * vertigotv keep earlier frames, optv a phase that advances each frame,
 * audioecho a delay line, `identity error-after=7` a count) gives other
 * output with several workers: each replica sees only some of the frames,
 * and which ones depends on timing. So does one that makes random choices
 * per instance (dicetv). Run such a filter with n-workers=1, which gives
 * the bare filter's output. For the stock elements known to keep state,
 * asyncwrap posts a warning when it starts with more than one worker;
 * n-workers=1 silences it. Other filters are not checked.
 *
 * The wrapped elements are the element's children (#GstChildProxy): give
 * them names in the description and set their properties as
 * `asyncwrap0::blur::sigma`, from an application with
 * gst_child_proxy_set() or on a gst-launch-1.0 line. A change reaches every
 * replica, from the next frame that comes in. A property change that makes
 * the chain change its output caps while playing (videoflip's
 * video-direction by 90°) is not followed: it stops the element with an
 * error.
 *
 * A chain that is not 1-in/1-out cannot be wrapped: a description that
 * does not parse; two elements that both wait for the stream; a head
 * element with several free sink pads none of which is the one above
 * (smpte); no free src pad, or more than one; a source, a sink or an
 * element with a thread of its own (queue) inside: each is an error naming
 * the filter when the element goes to READY. An element that gives no
 * buffer, or more than one, for a frame (videorate, a rate changer) is an
 * error at that frame.
 *
 * It helps with CPU-bound filters that run on one thread. Elements that
 * already use every core (videoconvert and videoscale with n-threads,
 * encoders with threads of their own) gain nothing from it.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=200 ! video/x-raw,width=1920,height=1080 ! videoconvert ! asyncwrap filter="gaussianblur sigma=2" ! videoconvert ! autovideosink
 * ]| Blurs 1080p video on every core, in order.
 * |[
 * gst-launch-1.0 videotestsrc ! asyncwrap filter="videobalance name=balance" balance::saturation=0.0 ! videoconvert ! autovideosink
 * ]| Grey video; the wrapped videobalance is the child "balance".
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=100 ! asyncwrap filter="audioconvert ! volume volume=0.5" ! fakesink
 * ]| Audio chains work the same way.
 * |[
 * gst-launch-1.0 videotestsrc ! asyncwrap filter="textoverlay text=Hello ! videoscale ! video/x-raw,width=160,height=120" ! videoconvert ! autovideosink
 * ]| An overlay without its text input, and caps ending the chain.
 * |[
 * gst-launch-1.0 videotestsrc ! videoconvert ! asyncwrap n-workers=1 filter="streaktv" ! videoconvert ! autovideosink
 * ]| A filter that keeps state runs on one replica.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncwrap.h"
#include "gstasyncwrapreplica.h"
#include "gstasyncelements.h"

#include <glib/gi18n-lib.h>

GST_DEBUG_CATEGORY (gst_async_wrap_debug);
#define GST_CAT_DEFAULT gst_async_wrap_debug

/* Threads and locks.
 *
 * Threads: upstream's streaming thread (sticky events stored, frames
 * submitted with the setup they came under), the workers (process (): a
 * frame goes through the worker's own replica with no lock of ours held),
 * the application (the filter, the children's properties, state changes)
 * and any thread asking a caps query.
 *
 * Locks, in the order they may be taken: a thread holding one may take
 * those below it, never one above. Each place that holds two takes them
 * in this order (template_lock, then lock: building the template clears
 * the setup's settings; template_lock, then the object lock: open ()
 * reads the filter).
 *  1. template_lock: the template replica and template_error. Held while
 *     the template is built, taken out, changes state or answers a caps
 *     query (which asks asyncwrap's peers): those call into its elements,
 *     and what they post goes to the bus with it held. Never held while
 *     child-added or child-removed is emitted (a handler may ask for the
 *     children, which takes it) nor while asyncwrap posts a message of its
 *     own.
 *  2. lock: the current setup, the list of replicas and n_made. Every
 *     change of the setup is one hold of it that reads the current setup
 *     and makes the new one current (gst_async_wrap_edit_setup ()): a
 *     change made meanwhile by another thread is not built over and lost.
 *     The changed child property is read in that hold, so a child's
 *     get_property (and its object lock) runs inside it, as do the flush
 *     events going into the replicas (unlock, unlock_stop), so that none
 *     is freed meanwhile. Never held while asyncwrap pushes a frame, caps
 *     or a caps query into a replica, sets a child's property, emits a
 *     signal or posts a message, nor while it calls the base class.
 *  3. the object lock: the filter string (and the state, as set_property
 *     checks it). Held only to read or write them: nothing is called and
 *     no other lock taken under it.
 * The base class calls our vfuncs without its lock, and we call it with
 * none of these held. */

enum
{
  PROP_0,
  PROP_FILTER,
};

/* A property value set on a child, for every replica. */
typedef struct
{
  guint element;                /* index in the replica's elements */
  GParamSpec *pspec;
  GValue value;
} GstAsyncWrapSetting;

/* What a replica must have before it takes a frame: the sticky events and
 * the children's settings when the frame came in. Immutable and shared:
 * a change makes a new one, and each frame holds the one it came under. */
typedef struct
{
  GPtrArray *events;            /* GstEvent, sorted as a pad sends them */
  GPtrArray *settings;          /* GstAsyncWrapSetting */
} GstAsyncWrapSetup;

/* A worker context: a replica, the settings it last applied, and the
 * values they replaced. */
typedef struct
{
  GstAsyncWrapReplica *replica;
  GPtrArray *settings;
  GPtrArray *originals;
  GstCaps *checked_caps;        /* its output caps, seen to be right */
} GstAsyncWrapContext;

struct _GstAsyncWrap
{
  GstAsyncTransform parent;

  /* object lock */
  gchar *filter;

  /* template_lock. The template replica: built when the filter is set, it
   * answers caps queries and its elements are the element's children. It
   * never takes frames. template_lock serializes its use. */
  GMutex template_lock;
  GstAsyncWrapReplica *template;
  GError *template_error;

  /* lock */
  GMutex lock;
  GstAsyncWrapSetup *setup;     /* the current one: see edit_setup () */
  GPtrArray *replicas;          /* every replica of a context, for unlock */
  guint n_made;                 /* replicas made, for their names */
};

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SINK_NAME, GST_PAD_SINK,
    GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE (GST_ASYNC_TRANSFORM_SRC_NAME, GST_PAD_SRC,
    GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GQuark index_quark;

static void gst_async_wrap_child_proxy_init (gpointer g_iface,
    gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE (GstAsyncWrap, gst_async_wrap,
    GST_TYPE_ASYNC_TRANSFORM,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY,
        gst_async_wrap_child_proxy_init));
GST_ELEMENT_REGISTER_DEFINE (asyncwrap, "asyncwrap", GST_RANK_NONE,
    GST_TYPE_ASYNC_WRAP);

static void gst_async_wrap_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_async_wrap_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_async_wrap_dispose (GObject * object);
static void gst_async_wrap_finalize (GObject * object);
static gboolean gst_async_wrap_open (GstAsyncTransform * trans);
static gboolean gst_async_wrap_close (GstAsyncTransform * trans);
static gboolean gst_async_wrap_start (GstAsyncTransform * trans);
static GstCaps *gst_async_wrap_transform_caps (GstAsyncTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static gboolean gst_async_wrap_negotiate (GstAsyncTransform * trans);
static GstFlowReturn gst_async_wrap_parse (GstAsyncTransform * trans,
    GstBuffer * buffer);
static void gst_async_wrap_unlock (GstAsyncTransform * trans);
static void gst_async_wrap_unlock_stop (GstAsyncTransform * trans);
static gpointer gst_async_wrap_create_context (GstAsyncTransform * trans);
static void gst_async_wrap_free_context (GstAsyncTransform * trans,
    gpointer context);
static GstFlowReturn gst_async_wrap_process (GstAsyncTransform * trans,
    gpointer context, GstAsyncFrame * frame);
static gboolean gst_async_wrap_sink_event (GstAsyncTransform * trans,
    GstEvent * event);

static void
gst_async_wrap_class_init (GstAsyncWrapClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAsyncTransformClass *trans_class = GST_ASYNC_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_async_wrap_debug, "asyncwrap", 0,
      "Replicas of a filter, side by side");
  index_quark = g_quark_from_static_string ("gst-async-wrap-index");

  gobject_class->set_property = gst_async_wrap_set_property;
  gobject_class->get_property = gst_async_wrap_get_property;
  gobject_class->dispose = gst_async_wrap_dispose;
  gobject_class->finalize = gst_async_wrap_finalize;

  /**
   * GstAsyncWrap:filter:
   *
   * The filter to run, as a gst-launch-1.0 description of a chain of
   * elements that takes one stream in and gives one out, one buffer for
   * each buffer (the element's description says which pads those are).
   * Caps may begin or end it (`videoscale ! video/x-raw,width=160`). Name
   * the elements whose properties change while playing
   * (`gaussianblur name=blur`) to reach them as children.
   *
   * A filter that keeps state from one frame to the next (streaktv,
   * audioecho, `identity error-after=7`) gives the bare filter's output
   * only with #GstAsyncTransform:n-workers set to 1; with more, each
   * replica sees only some of the frames, and the stock elements known to
   * keep state make the element post a warning when it starts.
   */
  g_object_class_install_property (gobject_class, PROP_FILTER,
      g_param_spec_string ("filter", "Filter",
          "Launch description of the filter chain to run, e.g. "
          "\"videoconvert ! gaussianblur sigma=2\"", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Concurrent filter wrapper", "Filter",
      "Runs replicas of a 1-in/1-out filter on several frames at once, "
      "keeping their order (stateless filters: others need n-workers=1)",
      "gst-plugins-async developers");

  trans_class->keep_contexts_across_caps = TRUE;
  trans_class->open = GST_DEBUG_FUNCPTR (gst_async_wrap_open);
  trans_class->close = GST_DEBUG_FUNCPTR (gst_async_wrap_close);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_async_wrap_start);
  trans_class->transform_caps =
      GST_DEBUG_FUNCPTR (gst_async_wrap_transform_caps);
  trans_class->negotiate = GST_DEBUG_FUNCPTR (gst_async_wrap_negotiate);
  trans_class->parse = GST_DEBUG_FUNCPTR (gst_async_wrap_parse);
  trans_class->unlock = GST_DEBUG_FUNCPTR (gst_async_wrap_unlock);
  trans_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_async_wrap_unlock_stop);
  trans_class->create_context =
      GST_DEBUG_FUNCPTR (gst_async_wrap_create_context);
  trans_class->free_context = GST_DEBUG_FUNCPTR (gst_async_wrap_free_context);
  trans_class->process = GST_DEBUG_FUNCPTR (gst_async_wrap_process);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_async_wrap_sink_event);
  /* The replicas allocate their output themselves. */
  trans_class->decide_allocation = NULL;
}

static gchar *
gst_async_wrap_dup_filter (GstAsyncWrap * self)
{
  gchar *filter;

  GST_OBJECT_LOCK (self);
  filter = g_strdup (self->filter);
  GST_OBJECT_UNLOCK (self);
  return filter;
}

/* --- setups -------------------------------------------------------------- */

static void
gst_async_wrap_setting_free (GstAsyncWrapSetting * setting)
{
  g_param_spec_unref (setting->pspec);
  g_value_unset (&setting->value);
  g_free (setting);
}

/* @element's value of @pspec, for the element at @index. */
static GstAsyncWrapSetting *
gst_async_wrap_setting_new (GObject * element, guint index, GParamSpec * pspec)
{
  GstAsyncWrapSetting *setting = g_new0 (GstAsyncWrapSetting, 1);

  setting->element = index;
  setting->pspec = g_param_spec_ref (pspec);
  g_value_init (&setting->value, pspec->value_type);
  g_object_get_property (element, pspec->name, &setting->value);
  return setting;
}

static GstAsyncWrapSetting *
gst_async_wrap_setting_copy (GstAsyncWrapSetting * setting)
{
  GstAsyncWrapSetting *copy = g_new0 (GstAsyncWrapSetting, 1);

  copy->element = setting->element;
  copy->pspec = g_param_spec_ref (setting->pspec);
  g_value_init (&copy->value, setting->pspec->value_type);
  g_value_copy (&setting->value, &copy->value);
  return copy;
}

static GstAsyncWrapSetting *
gst_async_wrap_find_setting (GPtrArray * settings, guint index,
    GParamSpec * pspec)
{
  guint i;

  for (i = 0; i < settings->len; i++) {
    GstAsyncWrapSetting *setting = g_ptr_array_index (settings, i);

    if (setting->element == index && setting->pspec == pspec)
      return setting;
  }
  return NULL;
}

static GPtrArray *
gst_async_wrap_settings_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_async_wrap_setting_free);
}

static void
gst_async_wrap_setup_clear (GstAsyncWrapSetup * setup)
{
  g_ptr_array_unref (setup->events);
  g_ptr_array_unref (setup->settings);
}

static GstAsyncWrapSetup *
gst_async_wrap_setup_new (GPtrArray * events, GPtrArray * settings)
{
  GstAsyncWrapSetup *setup = g_atomic_rc_box_new0 (GstAsyncWrapSetup);

  setup->events = events ? events :
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_event_unref);
  setup->settings = settings ? settings : gst_async_wrap_settings_new ();
  return setup;
}

static GstAsyncWrapSetup *
gst_async_wrap_setup_ref (GstAsyncWrapSetup * setup)
{
  return g_atomic_rc_box_acquire (setup);
}

static void
gst_async_wrap_setup_unref (GstAsyncWrapSetup * setup)
{
  g_atomic_rc_box_release_full (setup,
      (GDestroyNotify) gst_async_wrap_setup_clear);
}

/* The current setup, for a frame or a negotiation. Only reads: a change
 * goes through gst_async_wrap_edit_setup (). */
static GstAsyncWrapSetup *
gst_async_wrap_get_setup (GstAsyncWrap * self)
{
  GstAsyncWrapSetup *setup;

  g_mutex_lock (&self->lock);
  setup = gst_async_wrap_setup_ref (self->setup);
  g_mutex_unlock (&self->lock);
  return setup;
}

/* Makes the new events or settings list of a setup from @current, which
 * stays as it is. Sets @events or @settings to the new list (transfer
 * full), or leaves it NULL to keep @current's. Runs with the lock held. */
typedef void (*GstAsyncWrapSetupEdit) (GstAsyncWrapSetup * current,
    gpointer data, GPtrArray ** events, GPtrArray ** settings);

/* The one way the current setup changes: @edit reads it and makes its
 * replacement, and the replacement is made current, all in one critical
 * section, so that a change made meanwhile by another thread (a child's
 * property, a sticky event) is never built over and lost. */
static void
gst_async_wrap_edit_setup (GstAsyncWrap * self, GstAsyncWrapSetupEdit edit,
    gpointer data)
{
  GstAsyncWrapSetup *old;
  GPtrArray *events = NULL, *settings = NULL;

  g_mutex_lock (&self->lock);
  old = self->setup;
  edit (old, data, &events, &settings);
  self->setup = gst_async_wrap_setup_new (events ? events :
      g_ptr_array_ref (old->events),
      settings ? settings : g_ptr_array_ref (old->settings));
  g_mutex_unlock (&self->lock);
  gst_async_wrap_setup_unref (old);
}

/* (a GstAsyncWrapSetupEdit) No events: upstream's start anew. */
static void
gst_async_wrap_clear_events (GstAsyncWrapSetup * current, gpointer data,
    GPtrArray ** events, GPtrArray ** settings)
{
  *events = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_event_unref);
}

/* (a GstAsyncWrapSetupEdit) No settings: the children are new. */
static void
gst_async_wrap_clear_settings (GstAsyncWrapSetup * current, gpointer data,
    GPtrArray ** events, GPtrArray ** settings)
{
  *settings = gst_async_wrap_settings_new ();
}

/* Whether @event takes the place of @old in a pad's sticky events. */
static gboolean
gst_async_wrap_event_replaces (GstEvent * event, GstEvent * old)
{
  const GstStructure *s, *o;

  if (GST_EVENT_TYPE (event) != GST_EVENT_TYPE (old))
    return FALSE;
  if (!(GST_EVENT_TYPE (event) & GST_EVENT_TYPE_STICKY_MULTI))
    return TRUE;
  s = gst_event_get_structure (event);
  o = gst_event_get_structure (old);
  return s && o && gst_structure_has_name (o, gst_structure_get_name (s));
}

/* (a GstAsyncWrapSetupEdit) @data, a sticky event, among the current
 * ones, in the order pads send them. */
static void
gst_async_wrap_add_event (GstAsyncWrapSetup * current, gpointer data,
    GPtrArray ** events, GPtrArray ** settings)
{
  GstEvent *event = data;
  gboolean placed = FALSE;
  guint i;

  *events = g_ptr_array_new_full (current->events->len + 1,
      (GDestroyNotify) gst_event_unref);
  for (i = 0; i < current->events->len; i++) {
    GstEvent *stored = g_ptr_array_index (current->events, i);

    if (!placed && GST_EVENT_TYPE (stored) > GST_EVENT_TYPE (event)) {
      g_ptr_array_add (*events, gst_event_ref (event));
      placed = TRUE;
    }
    if (!gst_async_wrap_event_replaces (event, stored))
      g_ptr_array_add (*events, gst_event_ref (stored));
  }
  if (!placed)
    g_ptr_array_add (*events, gst_event_ref (event));
}

/* Upstream's sticky events (but EOS, which replicas never get: a 1-in/1-out
 * filter holds nothing to finish). */
static void
gst_async_wrap_store_event (GstAsyncWrap * self, GstEvent * event)
{
  gst_async_wrap_edit_setup (self, gst_async_wrap_add_event, event);
}

/* A child's property that changed. */
typedef struct
{
  GObject *child;
  guint index;                  /* the child's, in the template's elements */
  GParamSpec *pspec;
} GstAsyncWrapChange;

/* (a GstAsyncWrapSetupEdit) The current settings, with the child's value
 * of the property in @data, a GstAsyncWrapChange, in place of the one they
 * had. The value is read here, under the lock: of two changes of one
 * property made at once, the value kept is the one read last, which is the
 * child's. */
static void
gst_async_wrap_change_setting (GstAsyncWrapSetup * current, gpointer data,
    GPtrArray ** events, GPtrArray ** settings)
{
  GstAsyncWrapChange *change = data;
  guint i;

  *settings = gst_async_wrap_settings_new ();
  for (i = 0; i < current->settings->len; i++) {
    GstAsyncWrapSetting *setting = g_ptr_array_index (current->settings, i);

    if (setting->element != change->index || setting->pspec != change->pspec)
      g_ptr_array_add (*settings, gst_async_wrap_setting_copy (setting));
  }
  g_ptr_array_add (*settings, gst_async_wrap_setting_new (change->child,
          change->index, change->pspec));
}

/* A writable property of a child changed (the application set it): from
 * the next frame in, every replica gets it. Two children's properties set
 * at once from two threads both stay. */
static void
gst_async_wrap_child_notify (GObject * child, GParamSpec * pspec,
    GstAsyncWrap * self)
{
  GstAsyncWrapChange change;

  if (!(pspec->flags & G_PARAM_WRITABLE)
      || (pspec->flags & G_PARAM_CONSTRUCT_ONLY))
    return;

  GST_DEBUG_OBJECT (self, "%s::%s changed", GST_OBJECT_NAME (child),
      pspec->name);
  change.child = child;
  change.index = GPOINTER_TO_UINT (g_object_get_qdata (child, index_quark)) - 1;
  change.pspec = pspec;
  gst_async_wrap_edit_setup (self, gst_async_wrap_change_setting, &change);
}

/* --- the template -------------------------------------------------------- */

/* Takes the template out, with template_lock held; its children no longer
 * tell of their changes. Returns it, for gst_async_wrap_drop_template ()
 * once the lock is released. */
static GstAsyncWrapReplica *
gst_async_wrap_take_template_locked (GstAsyncWrap * self)
{
  GstAsyncWrapReplica *old = self->template;

  if (old) {
    GPtrArray *elements = gst_async_wrap_replica_get_elements (old);
    guint i;

    for (i = 0; i < elements->len; i++)
      g_signal_handlers_disconnect_by_data (g_ptr_array_index (elements, i),
          self);
  }
  self->template = NULL;
  g_clear_error (&self->template_error);
  return old;
}

/* Tells of the children of @old, a template taken out, removed, and frees
 * it. Without template_lock: a child-removed handler may ask for the
 * children. */
static void
gst_async_wrap_drop_template (GstAsyncWrap * self, GstAsyncWrapReplica * old)
{
  GPtrArray *elements;
  guint i;

  if (old == NULL)
    return;
  elements = gst_async_wrap_replica_get_elements (old);
  for (i = 0; i < elements->len; i++) {
    GObject *child = g_ptr_array_index (elements, i);

    gst_child_proxy_child_removed (GST_CHILD_PROXY (self), child,
        GST_OBJECT_NAME (child));
  }
  gst_async_wrap_replica_free (old);
}

/* Builds the template for @filter, with template_lock held and no template
 * (gst_async_wrap_take_template_locked ()). A filter that cannot be built
 * leaves template_error for open () to post. Returns the new children
 * (reffed; NULL if none) for gst_async_wrap_add_children () once the lock
 * is released. */
static GPtrArray *
gst_async_wrap_build_template_locked (GstAsyncWrap * self, const gchar * filter)
{
  GPtrArray *elements, *added;
  gchar *name;
  guint i;

  gst_async_wrap_edit_setup (self, gst_async_wrap_clear_settings, NULL);
  if (filter == NULL || *filter == '\0') {
    g_set_error (&self->template_error, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_SETTINGS, _("No filter was given to wrap."));
    return NULL;
  }

  name = g_strdup_printf ("%s-template", GST_OBJECT_NAME (self));
  self->template = gst_async_wrap_replica_new (GST_ELEMENT (self), filter,
      name, &self->template_error);
  g_free (name);
  if (self->template == NULL)
    return NULL;

  elements = gst_async_wrap_replica_get_elements (self->template);
  added = g_ptr_array_new_with_free_func (gst_object_unref);
  for (i = 0; i < elements->len; i++) {
    GstObject *child = g_ptr_array_index (elements, i);

    g_object_set_qdata (G_OBJECT (child), index_quark,
        GUINT_TO_POINTER (i + 1));
    g_signal_connect (child, "notify",
        G_CALLBACK (gst_async_wrap_child_notify), self);
    g_ptr_array_add (added, gst_object_ref (child));
  }
  return added;
}

/* Tells of @added, children of a new template, and frees the array.
 * Without template_lock: a child-added handler may ask for the children
 * (gst_parse's delayed `child::property=value` does). */
static void
gst_async_wrap_add_children (GstAsyncWrap * self, GPtrArray * added)
{
  guint i;

  if (added == NULL)
    return;
  for (i = 0; i < added->len; i++) {
    GObject *child = g_ptr_array_index (added, i);

    gst_child_proxy_child_added (GST_CHILD_PROXY (self), child,
        GST_OBJECT_NAME (child));
  }
  g_ptr_array_unref (added);
}

/* A new filter: the template is built anew (and brought to READY if the
 * element is there). */
static void
gst_async_wrap_set_filter_template (GstAsyncWrap * self, const gchar * filter)
{
  GstAsyncWrapReplica *old;
  GPtrArray *added;

  g_mutex_lock (&self->template_lock);
  old = gst_async_wrap_take_template_locked (self);
  added = gst_async_wrap_build_template_locked (self, filter);
  if (self->template && GST_STATE (self) == GST_STATE_READY)
    gst_async_wrap_replica_set_state (self->template, GST_STATE_READY, NULL);
  g_mutex_unlock (&self->template_lock);

  gst_async_wrap_drop_template (self, old);
  gst_async_wrap_add_children (self, added);
}

static void
gst_async_wrap_post_gerror (GstAsyncWrap * self, const GError * error)
{
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
      error->domain, error->code, g_strdup (error->message), NULL, __FILE__,
      GST_FUNCTION, __LINE__);
}

/* NULL->READY: the filter must have been built, and must not have an
 * element with a thread of its own (seen once the template is PAUSED).
 * The error is posted once template_lock is released. */
static gboolean
gst_async_wrap_open (GstAsyncTransform * trans)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);
  GPtrArray *added = NULL;
  GError *error = NULL;

  g_mutex_lock (&self->template_lock);
  if (self->template == NULL && self->template_error == NULL) {
    gchar *filter = gst_async_wrap_dup_filter (self);

    added = gst_async_wrap_build_template_locked (self, filter);
    g_free (filter);
  }
  if (self->template_error) {
    error = g_error_copy (self->template_error);
  } else if (!gst_async_wrap_replica_set_state (self->template,
          GST_STATE_PAUSED, &error)
      || !gst_async_wrap_replica_set_state (self->template, GST_STATE_READY,
          &error)) {
    gst_async_wrap_replica_set_state (self->template, GST_STATE_NULL, NULL);
  }
  g_mutex_unlock (&self->template_lock);

  gst_async_wrap_add_children (self, added);
  if (error == NULL)
    return TRUE;
  gst_async_wrap_post_gerror (self, error);
  g_clear_error (&error);
  return FALSE;
}

static gboolean
gst_async_wrap_close (GstAsyncTransform * trans)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);

  g_mutex_lock (&self->template_lock);
  if (self->template)
    gst_async_wrap_replica_set_state (self->template, GST_STATE_NULL, NULL);
  g_mutex_unlock (&self->template_lock);
  return TRUE;
}

/* --- filters that keep state --------------------------------------------- */

/* Stock elements whose output for a frame depends on the frames before it
 * in the same instance (a history of frames, a phase that advances each
 * frame, a count), or on random choices made once per instance: with
 * several replicas each sees only some of the frames, or makes choices of
 * its own, and the output is not the bare element's. Each was seen to
 * differ so (docs/elements/asyncwrap.md lists them; its test reads that
 * list). With @property, only while that property is not at its
 * default. */
static const struct
{
  const gchar *factory;
  const gchar *property;
} stateful_elements[] = {
  /* effectv: frame history or a per-frame phase */
  {"agingtv", NULL}, {"optv", NULL}, {"quarktv", NULL}, {"radioactv", NULL},
  {"rippletv", NULL}, {"shagadelictv", NULL}, {"streaktv", NULL},
  {"vertigotv", NULL}, {"warptv", NULL},
  /* a random map per instance */
  {"dicetv", NULL}, {"diffuse", NULL}, {"marble", NULL},
  /* the previous frame, a frame count */
  {"videodiff", NULL}, {"zebrastripe", NULL},
  /* audio filters with a delay line or recursive filter state */
  {"audioecho", NULL}, {"freeverb", NULL}, {"audiocheblimit", NULL},
  {"audiochebband", NULL}, {"audioiirfilter", NULL},
  /* buffer counts */
  {"identity", "error-after"}, {"identity", "eos-after"},
};

/* Whether @element is one of stateful_elements, as set now. */
static gboolean
gst_async_wrap_is_stateful (GstElement * element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const gchar *name;
  guint i;

  if (factory == NULL)
    return FALSE;
  name = gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory));
  for (i = 0; i < G_N_ELEMENTS (stateful_elements); i++) {
    GParamSpec *pspec;
    GValue value = G_VALUE_INIT;
    gboolean set;

    if (!g_str_equal (name, stateful_elements[i].factory))
      continue;
    if (stateful_elements[i].property == NULL)
      return TRUE;
    pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (element),
        stateful_elements[i].property);
    if (pspec == NULL)
      continue;
    g_value_init (&value, pspec->value_type);
    g_object_get_property (G_OBJECT (element), pspec->name, &value);
    set = !g_param_value_defaults (pspec, &value);
    g_value_unset (&value);
    if (set)
      return TRUE;
  }
  return FALSE;
}

/* With several workers, warns once (at each start) about a wrapped
 * element that keeps state: the output will not be the bare filter's.
 * n-workers=1 gives the bare filter's output and no warning. */
static void
gst_async_wrap_warn_stateful (GstAsyncWrap * self)
{
  guint n_workers = gst_async_transform_get_n_workers (GST_ASYNC_TRANSFORM
      (self));
  GstElement *stateful = NULL;
  guint i;

  if (n_workers < 2)
    return;
  g_mutex_lock (&self->template_lock);
  if (self->template) {
    GPtrArray *elements = gst_async_wrap_replica_get_elements (self->template);

    for (i = 0; i < elements->len && stateful == NULL; i++)
      if (gst_async_wrap_is_stateful (g_ptr_array_index (elements, i)))
        stateful = gst_object_ref (g_ptr_array_index (elements, i));
  }
  g_mutex_unlock (&self->template_lock);

  if (stateful) {
    gchar *filter = gst_async_wrap_dup_filter (self);

    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        (_("The filter \"%s\" gives other output with %u workers than "
                "alone: %s keeps state from one frame to the next or makes "
                "random choices of its own, and each replica sees only some "
                "of the frames. Set n-workers=1 for the filter's own "
                "output."), filter, n_workers,
            GST_OBJECT_NAME (stateful)),
        ("%s is a %s, a known stateful element",
            GST_OBJECT_NAME (stateful),
            GST_OBJECT_NAME (gst_element_get_factory (stateful))));
    g_free (filter);
    gst_object_unref (stateful);
  }
}

/* The replicas are made at the state change, so that one that cannot
 * start fails it. Upstream's events start anew. */
static gboolean
gst_async_wrap_start (GstAsyncTransform * trans)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);

  gst_async_wrap_edit_setup (self, gst_async_wrap_clear_events, NULL);
  gst_async_wrap_warn_stateful (self);
  return gst_async_transform_create_contexts (trans);
}

static GstCaps *
gst_async_wrap_transform_caps (GstAsyncTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);
  GstCaps *result;

  g_mutex_lock (&self->template_lock);
  if (self->template)
    result = gst_async_wrap_replica_transform_caps (self->template, direction,
        caps, filter);
  else
    result = filter ? gst_caps_ref (filter) : gst_caps_new_any ();
  g_mutex_unlock (&self->template_lock);
  GST_DEBUG_OBJECT (self, "%" GST_PTR_FORMAT " on the %s side give %"
      GST_PTR_FORMAT, caps, direction == GST_PAD_SINK ? "sink" : "src", result);
  return result;
}

/* --- replicas ------------------------------------------------------------ */

static gpointer
gst_async_wrap_create_context (GstAsyncTransform * trans)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);
  GstAsyncWrapReplica *replica;
  GstAsyncWrapContext *context;
  GError *error = NULL;
  gchar *filter, *name;
  guint number;

  filter = gst_async_wrap_dup_filter (self);
  g_mutex_lock (&self->lock);
  number = self->n_made++;
  g_mutex_unlock (&self->lock);

  name = g_strdup_printf ("%s-replica%u", GST_OBJECT_NAME (self), number);
  replica = gst_async_wrap_replica_new (GST_ELEMENT (self), filter, name,
      &error);
  g_free (name);
  g_free (filter);
  if (replica && !gst_async_wrap_replica_set_state (replica,
          GST_STATE_PLAYING, &error))
    g_clear_pointer (&replica, gst_async_wrap_replica_free);
  if (replica == NULL) {
    gst_async_wrap_post_gerror (self, error);
    g_clear_error (&error);
    return NULL;
  }

  context = g_new0 (GstAsyncWrapContext, 1);
  context->replica = replica;
  context->originals = gst_async_wrap_settings_new ();
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->replicas, replica);
  g_mutex_unlock (&self->lock);
  return context;
}

static void
gst_async_wrap_free_context (GstAsyncTransform * trans, gpointer data)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);
  GstAsyncWrapContext *context = data;

  g_mutex_lock (&self->lock);
  g_ptr_array_remove_fast (self->replicas, context->replica);
  g_mutex_unlock (&self->lock);
  gst_async_wrap_replica_free (context->replica);
  g_clear_pointer (&context->settings, g_ptr_array_unref);
  g_ptr_array_unref (context->originals);
  gst_clear_caps (&context->checked_caps);
  g_free (context);
}

/* The element of the replica a setting is for, or NULL. */
static GObject *
gst_async_wrap_setting_target (GstAsyncWrapContext * context,
    GstAsyncWrapSetting * setting)
{
  GPtrArray *elements = gst_async_wrap_replica_get_elements (context->replica);
  GObject *element;

  if (setting->element >= elements->len)
    return NULL;
  element = g_ptr_array_index (elements, setting->element);
  if (!G_TYPE_CHECK_INSTANCE_TYPE (element, setting->pspec->owner_type))
    return NULL;
  return element;
}

static void
gst_async_wrap_setting_apply (GstAsyncWrapContext * context,
    GstAsyncWrapSetting * setting)
{
  GObject *element = gst_async_wrap_setting_target (context, setting);
  GValue current = G_VALUE_INIT;

  if (element == NULL)
    return;
  g_value_init (&current, setting->pspec->value_type);
  g_object_get_property (element, setting->pspec->name, &current);
  if (g_param_values_cmp (setting->pspec, &current, &setting->value) != 0)
    g_object_set_property (element, setting->pspec->name, &setting->value);
  g_value_unset (&current);
}

/* Gives the replica the children's settings of a frame's setup. A replica
 * may get a frame that came in before the one it had last (frames start in
 * order, but take a replica a moment later), so a property the setup does
 * not set gets back the value it had when the replica was made. */
static void
gst_async_wrap_apply_settings (GstAsyncWrapContext * context,
    GPtrArray * settings)
{
  guint i;

  if (context->settings == settings)
    return;
  for (i = 0; i < settings->len; i++) {
    GstAsyncWrapSetting *setting = g_ptr_array_index (settings, i);
    GObject *element = gst_async_wrap_setting_target (context, setting);

    if (element && !gst_async_wrap_find_setting (context->originals,
            setting->element, setting->pspec))
      g_ptr_array_add (context->originals, gst_async_wrap_setting_new (element,
              setting->element, setting->pspec));
    gst_async_wrap_setting_apply (context, setting);
  }
  for (i = 0; i < context->originals->len; i++) {
    GstAsyncWrapSetting *original = g_ptr_array_index (context->originals, i);

    if (!gst_async_wrap_find_setting (settings, original->element,
            original->pspec))
      gst_async_wrap_setting_apply (context, original);
  }
  g_clear_pointer (&context->settings, g_ptr_array_unref);
  context->settings = g_ptr_array_ref (settings);
}

/* Brings the replica up to @setup. */
static GstFlowReturn
gst_async_wrap_prepare (GstAsyncWrap * self, GstAsyncWrapContext * context,
    GstAsyncWrapSetup * setup)
{
  gst_async_wrap_apply_settings (context, setup->settings);
  return gst_async_wrap_replica_send_events (context->replica, setup->events);
}

/* The output caps are what the chain makes of the input caps when it
 * negotiates with downstream: a replica is given the new caps and tells. */
static gboolean
gst_async_wrap_negotiate (GstAsyncTransform * trans)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);
  GstAsyncWrapContext *context = gst_async_transform_acquire_context (trans);
  GstAsyncWrapSetup *setup;
  GstCaps *outcaps = NULL;
  gboolean ok;

  if (context == NULL)
    return FALSE;
  setup = gst_async_wrap_get_setup (self);
  if (gst_async_wrap_prepare (self, context, setup) == GST_FLOW_OK)
    outcaps = gst_async_wrap_replica_get_output_caps (context->replica);
  if (outcaps)
    gst_caps_ref (outcaps);
  gst_async_wrap_setup_unref (setup);
  gst_async_transform_release_context (trans, context);

  if (outcaps == NULL) {
    GST_WARNING_OBJECT (self, "the filter did not negotiate");
    return FALSE;
  }
  ok = gst_async_transform_set_output_caps (trans, outcaps);
  gst_caps_unref (outcaps);
  return ok;
}

static GstFlowReturn
gst_async_wrap_parse (GstAsyncTransform * trans, GstBuffer * buffer)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);

  return gst_async_transform_submit_full (trans, buffer,
      gst_async_wrap_get_setup (self),
      (GDestroyNotify) gst_async_wrap_setup_unref);
}

static gboolean
gst_async_wrap_sink_event (GstAsyncTransform * trans, GstEvent * event)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);

  if (GST_EVENT_IS_STICKY (event) && GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    gst_async_wrap_store_event (self, event);
  return GST_ASYNC_TRANSFORM_CLASS (gst_async_wrap_parent_class)->sink_event
      (trans, event);
}

/* A flush or a stop: frames inside a replica come out as soon as the
 * element they are in is done with them. */
static void
gst_async_wrap_unlock (GstAsyncTransform * trans)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);
  guint i;

  g_mutex_lock (&self->lock);
  for (i = 0; i < self->replicas->len; i++)
    gst_async_wrap_replica_flush_start (g_ptr_array_index (self->replicas, i));
  g_mutex_unlock (&self->lock);
}

static void
gst_async_wrap_unlock_stop (GstAsyncTransform * trans)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);
  guint i;

  g_mutex_lock (&self->lock);
  for (i = 0; i < self->replicas->len; i++)
    gst_async_wrap_replica_flush_stop (g_ptr_array_index (self->replicas, i));
  g_mutex_unlock (&self->lock);
}

static GstFlowReturn
gst_async_wrap_process (GstAsyncTransform * trans, gpointer data,
    GstAsyncFrame * frame)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (trans);
  GstAsyncWrapContext *context = data;
  GstAsyncWrapReplica *replica = context->replica;
  GstBuffer *input;
  GstCaps *outcaps;
  GstFlowReturn ret;

  ret = gst_async_wrap_prepare (self, context, frame->user_data);
  if (ret == GST_FLOW_NOT_NEGOTIATED) {
    gchar *filter = gst_async_wrap_dup_filter (self);

    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        (_("The filter \"%s\" refused the stream's format."), filter),
        ("a replica of the filter refused its events"));
    g_free (filter);
    gst_async_transform_discard_context (trans, context);
  }
  if (ret != GST_FLOW_OK)
    return ret;

  input = frame->input;
  frame->input = NULL;
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " (%" GST_TIME_FORMAT
      ") through %p", frame->number, GST_TIME_ARGS (GST_BUFFER_PTS (input)),
      replica);
  ret = gst_async_wrap_replica_push (replica, input, &frame->output);

  /* Every replica must make the output caps the first one made; a chain
   * that renegotiates by itself cannot be followed. */
  outcaps = gst_async_wrap_replica_get_output_caps (replica);
  if (ret == GST_FLOW_OK && outcaps != context->checked_caps) {
    GstCaps *expected = gst_async_transform_get_output_caps (trans);

    if (expected && outcaps && gst_caps_is_equal (outcaps, expected)) {
      gst_caps_replace (&context->checked_caps, outcaps);
    } else {
      gchar *filter = gst_async_wrap_dup_filter (self);

      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          (_("The filter \"%s\" changed its output caps by itself."),
              filter), ("%" GST_PTR_FORMAT " instead of %" GST_PTR_FORMAT,
              outcaps, expected));
      g_free (filter);
      gst_clear_buffer (&frame->output);
      ret = GST_FLOW_NOT_NEGOTIATED;
    }
    gst_clear_caps (&expected);
  }

  if (ret < GST_FLOW_EOS)
    gst_async_transform_discard_context (trans, context);
  return ret;
}

/* --- the element --------------------------------------------------------- */

static void
gst_async_wrap_init (GstAsyncWrap * self)
{
  g_mutex_init (&self->template_lock);
  g_mutex_init (&self->lock);
  self->setup = gst_async_wrap_setup_new (NULL, NULL);
  self->replicas = g_ptr_array_new ();
  gst_async_transform_set_output_policy (GST_ASYNC_TRANSFORM (self),
      GST_ASYNC_TRANSFORM_COPY_NONE);
}

/* (Not in finalize: telling of the children removed needs a live
 * object.) */
static void
gst_async_wrap_dispose (GObject * object)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (object);
  GstAsyncWrapReplica *old;

  g_mutex_lock (&self->template_lock);
  old = gst_async_wrap_take_template_locked (self);
  g_mutex_unlock (&self->template_lock);
  gst_async_wrap_drop_template (self, old);

  G_OBJECT_CLASS (gst_async_wrap_parent_class)->dispose (object);
}

static void
gst_async_wrap_finalize (GObject * object)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (object);

  gst_async_wrap_setup_unref (self->setup);
  g_ptr_array_unref (self->replicas);
  g_free (self->filter);
  g_mutex_clear (&self->template_lock);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (gst_async_wrap_parent_class)->finalize (object);
}

static void
gst_async_wrap_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (object);

  switch (prop_id) {
    case PROP_FILTER:
      GST_OBJECT_LOCK (self);
      if (GST_STATE (self) > GST_STATE_READY
          || GST_STATE_PENDING (self) > GST_STATE_READY) {
        GST_OBJECT_UNLOCK (self);
        g_warning ("%s: the filter cannot change after READY",
            GST_OBJECT_NAME (self));
        break;
      }
      g_free (self->filter);
      self->filter = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      gst_async_wrap_set_filter_template (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_async_wrap_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (object);

  switch (prop_id) {
    case PROP_FILTER:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->filter);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* --- GstChildProxy: the template's elements ------------------------------ */

static GObject *
gst_async_wrap_get_child_by_index (GstChildProxy * proxy, guint index)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (proxy);
  GObject *child = NULL;

  g_mutex_lock (&self->template_lock);
  if (self->template) {
    GPtrArray *elements = gst_async_wrap_replica_get_elements (self->template);

    if (index < elements->len)
      child = g_object_ref (g_ptr_array_index (elements, index));
  }
  g_mutex_unlock (&self->template_lock);
  return child;
}

static guint
gst_async_wrap_get_children_count (GstChildProxy * proxy)
{
  GstAsyncWrap *self = GST_ASYNC_WRAP (proxy);
  guint count = 0;

  g_mutex_lock (&self->template_lock);
  if (self->template)
    count = gst_async_wrap_replica_get_elements (self->template)->len;
  g_mutex_unlock (&self->template_lock);
  return count;
}

static void
gst_async_wrap_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;

  iface->get_child_by_index = gst_async_wrap_get_child_by_index;
  iface->get_children_count = gst_async_wrap_get_children_count;
}
