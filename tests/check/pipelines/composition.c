/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * composition.c: every element of ours chained with every other and with
 * stock neighbours, against the same chains of stock elements
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

/* The chains are generated from the tables below. Each runs twice: with
 * our elements, and with the stock ones in their place (asyncidentity and
 * asyncprocess by identity, asyncwrap filter=X by X, asyncjpegenc by
 * jpegenc, asyncjpegdec by jpegdec, asyncpngenc by pngenc). Each must
 * link, preroll and run to EOS without an error, and every appsink must
 * get the same frames from both: caps, timestamps and durations, the
 * flags that carry meaning, and bytes (the codecs are byte-identical to
 * the stock ones at these sizes). A failure names the chain;
 * COMPOSITION_CHAIN=text runs only the chains whose names hold the text.
 * The encoders' timestamps and flags through flushes and segments are
 * compared with the stock encoders' by their own tests. */

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>

#include "../asynccheck.h"
#include "../codeccheck.h"

/* The buffer flags a stream's meaning depends on (not the memory ones). */
#define COMPARED_FLAGS (GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_MARKER \
    | GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_HEADER \
    | GST_BUFFER_FLAG_GAP | GST_BUFFER_FLAG_DROPPABLE)

#define WIDTH 64
#define HEIGHT 48
/* a deadline for what must happen, never a timing assertion: it turns a
 * hang into a failure that names the chain */
#define DEADLINE (120 * GST_SECOND)

/* What flows between two elements. */
typedef enum
{
  RAW,
  JPEG,
  PNG,
  N_KINDS,
  SAME = N_KINDS                /* anything: given on unchanged */
} Kind;

static const gchar *const kind_names[] = { "raw", "jpeg", "png" };

static const gchar *const kind_caps[] = { "video/x-raw", "image/jpeg",
  "image/png"
};

/* Our elements and the stock ones they stand for. */
typedef struct
{
  const gchar *ours;
  const gchar *stock;
  Kind in, out;
} Element;

static const Element elements[] = {
  {"asyncidentity", "identity", SAME, SAME},
  {"asyncprocess", "identity", SAME, SAME},
  {"asyncwrap filter=\"videobalance saturation=0.5 hue=0.2\"",
      "videobalance saturation=0.5 hue=0.2", RAW, RAW},
  {"asyncjpegenc", "jpegenc", RAW, JPEG},
  {"asyncjpegdec", "jpegdec", JPEG, RAW},
  {"asyncpngenc", "pngenc", RAW, PNG},
};

/* What @e gives for @in, or N_KINDS if it does not take it. */
static Kind
element_output (const Element * e, Kind in)
{
  if (e->in != SAME && e->in != in)
    return N_KINDS;
  return e->out == SAME ? in : e->out;
}

/* A chain, in both versions. */
typedef struct
{
  gchar *name;
  GString *ours, *stock;
  guint n_sinks;
  /* decodebin or playbin inside: asyncjpegdec's rank is raised for ours,
   * and the decoder each picks is checked */
  gboolean autoplug;
  /* playbin: the two video-filter descriptions, no launch line */
  gchar *filter_ours, *filter_stock;
} Chain;

static void ensure_mkv (void);

static GPtrArray *chains;
static guint n_frames;
static gchar *tmp_dir, *mkv_uri;

static Chain *
chain_new (void)
{
  Chain *c = g_new0 (Chain, 1);

  c->ours = g_string_new (NULL);
  c->stock = g_string_new (NULL);
  c->n_sinks = 1;
  return c;
}

static void
chain_free (Chain * c)
{
  g_free (c->name);
  g_string_free (c->ours, TRUE);
  g_string_free (c->stock, TRUE);
  g_free (c->filter_ours);
  g_free (c->filter_stock);
  g_free (c);
}

/* Appends @text to both versions. */
static void
chain_add (Chain * c, const gchar * text)
{
  if (c->ours->len > 0) {
    g_string_append (c->ours, " ! ");
    g_string_append (c->stock, " ! ");
  }
  g_string_append (c->ours, text);
  g_string_append (c->stock, text);
}

static void
chain_add_element (Chain * c, const Element * e)
{
  if (c->ours->len > 0) {
    g_string_append (c->ours, " ! ");
    g_string_append (c->stock, " ! ");
  }
  g_string_append (c->ours, e->ours);
  g_string_append (c->stock, e->stock);
}

/* A source of @kind: raw video in @format, or JPEG made from it by the
 * stock encoder. */
static void
chain_add_source (Chain * c, Kind kind, const gchar * format)
{
  gchar *src = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball "
      "! video/x-raw,format=%s,width=%u,height=%u,framerate=30/1", n_frames,
      format, WIDTH, HEIGHT);

  chain_add (c, src);
  if (kind == JPEG)
    chain_add (c, "jpegenc");
  g_free (src);
}

static void
chain_add_capsfilter (Chain * c, Kind kind)
{
  gchar *caps = g_strdup_printf ("capsfilter caps=\"%s,width=%u,height=%u\"",
      kind_caps[kind], WIDTH, HEIGHT);

  chain_add (c, caps);
  g_free (caps);
}

static void
chain_add_sink (Chain * c, guint index)
{
  gchar *sink = g_strdup_printf ("appsink name=sink%u sync=false", index);

  chain_add (c, sink);
  g_free (sink);
}

/* The short name of @e: its first word. */
static gchar *
element_name (const Element * e)
{
  return g_strndup (e->ours, strcspn (e->ours, " "));
}

/* --- the tables: which chains ------------------------------------------- */

/* A stock element that converts @kind to @kind, or NULL. */
static const gchar *const converters[] = { "videoconvert", "jpegparse", NULL };

/* Pairs: every element before every element that takes what it gives,
 * from every source kind it takes: directly, with a capsfilter between
 * them, and with a stock converter between them (videoconvert, jpegparse).
 * RGB frames where PNG is made without a converter before it (pngenc
 * takes no YUV; jpegdec gives RGB back from an RGB JPEG). */
static void
add_pair_chains (void)
{
  static const gchar *const variants[] = { "", "capsfilter ! ", "%s ! " };
  guint a, b, s, v;

  for (s = RAW; s <= JPEG; s++) {
    for (a = 0; a < G_N_ELEMENTS (elements); a++) {
      Kind mid = element_output (&elements[a], s);

      if (mid == N_KINDS)
        continue;
      for (b = 0; b < G_N_ELEMENTS (elements); b++) {
        gchar *na, *nb;

        if (element_output (&elements[b], mid) == N_KINDS)
          continue;
        na = element_name (&elements[a]);
        nb = element_name (&elements[b]);
        for (v = 0; v < G_N_ELEMENTS (variants); v++) {
          const gchar *format = "I420";
          gchar *between;
          Chain *c;

          if (v == 2 && converters[mid] == NULL)
            continue;
          if (v < 2 && (elements[a].out == PNG || elements[b].out == PNG))
            format = "RGB";
          c = chain_new ();
          chain_add_source (c, s, format);
          chain_add_element (c, &elements[a]);
          if (v == 1)
            chain_add_capsfilter (c, mid);
          else if (v == 2)
            chain_add (c, converters[mid]);
          chain_add_element (c, &elements[b]);
          chain_add_sink (c, 0);
          between = g_strdup_printf (variants[v], converters[mid]);
          c->name = g_strdup_printf ("%s %s: %s ! %s%s", kind_names[s],
              format, na, between, nb);
          g_ptr_array_add (chains, c);
          g_free (between);
        }
        g_free (na);
        g_free (nb);
      }
    }
  }
}

/* Each element between stock neighbours: queues on both sides, a tee
 * feeding two appsinks, decodebin after it when it gives JPEG, and
 * decodebin before it when it takes raw video. Elements that take
 * anything run on raw video and on JPEG. */
static void
add_neighbour_chains (void)
{
  guint e, s;

  for (e = 0; e < G_N_ELEMENTS (elements); e++) {
    gchar *name = element_name (&elements[e]);
    const gchar *format = elements[e].out == PNG ? "RGB" : "I420";
    Chain *c;

    for (s = RAW; s <= JPEG; s++) {
      Kind out = element_output (&elements[e], s);

      if (out == N_KINDS)
        continue;

      c = chain_new ();
      chain_add_source (c, s, format);
      chain_add (c, "queue");
      chain_add_element (c, &elements[e]);
      chain_add (c, "queue");
      chain_add_sink (c, 0);
      c->name = g_strdup_printf ("%s: queue ! %s ! queue", kind_names[s], name);
      g_ptr_array_add (chains, c);

      c = chain_new ();
      chain_add_source (c, s, format);
      chain_add_element (c, &elements[e]);
      chain_add (c, "tee name=t ! queue");
      chain_add_sink (c, 0);
      g_string_append (c->ours, " t. ! queue ! appsink name=sink1 sync=false");
      g_string_append (c->stock, " t. ! queue ! appsink name=sink1 sync=false");
      c->n_sinks = 2;
      c->name = g_strdup_printf ("%s: %s ! tee ! 2 x (queue ! appsink)",
          kind_names[s], name);
      g_ptr_array_add (chains, c);

      if (out == JPEG) {
        c = chain_new ();
        chain_add_source (c, s, format);
        chain_add_element (c, &elements[e]);
        chain_add (c, "decodebin");
        chain_add_sink (c, 0);
        c->autoplug = TRUE;
        c->name = g_strdup_printf ("%s: %s ! decodebin", kind_names[s], name);
        g_ptr_array_add (chains, c);
      }
    }

    if (element_output (&elements[e], RAW) != N_KINDS) {
      c = chain_new ();
      chain_add_source (c, JPEG, format);
      chain_add (c, "decodebin");
      chain_add_element (c, &elements[e]);
      chain_add_sink (c, 0);
      c->autoplug = TRUE;
      c->name = g_strdup_printf ("jpeg %s: decodebin ! %s", format, name);
      g_ptr_array_add (chains, c);
    }
    g_free (name);
  }
}

/* playbin playing JPEGs in Matroska, with a filter of ours as its
 * video-filter (and asyncjpegdec picked by its decodebin). */
static void
add_playbin_chains (void)
{
  guint e;

  for (e = 0; e < G_N_ELEMENTS (elements); e++) {
    Chain *c;
    gchar *name;

    if (elements[e].in != SAME && !(elements[e].in == RAW
            && elements[e].out == RAW))
      continue;
    c = chain_new ();
    name = element_name (&elements[e]);
    c->filter_ours = g_strdup (elements[e].ours);
    c->filter_stock = g_strdup (elements[e].stock);
    c->autoplug = TRUE;
    c->name = g_strdup_printf ("playbin video-filter=%s", name);
    g_ptr_array_add (chains, c);
    g_free (name);
  }
}

/* --- running a chain ----------------------------------------------------- */

typedef struct
{
  GPtrArray *samples[2];        /* per appsink */
  GHashTable *factories;        /* names of the elements autoplugged */
} Run;

static void
run_clear (Run * r)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (r->samples); i++)
    g_clear_pointer (&r->samples[i], g_ptr_array_unref);
  g_hash_table_unref (r->factories);
}

static void
deep_element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    Run * r)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory)
    g_hash_table_add (r->factories,
        g_strdup (GST_OBJECT_NAME (GST_PLUGIN_FEATURE (factory))));
}

static GstElement *
make_playbin (const Chain * c, gboolean ours)
{
  GstElement *playbin = gst_element_factory_make ("playbin", NULL);
  GstElement *filter, *sink;
  GError *error = NULL;

  fail_unless (playbin != NULL);
  filter = gst_parse_launch (ours ? c->filter_ours : c->filter_stock, &error);
  fail_unless (filter != NULL && error == NULL, "%s: %s", c->name,
      error ? error->message : "");
  sink = gst_element_factory_make ("appsink", "sink0");
  g_object_set (sink, "sync", FALSE, NULL);
  g_object_set (playbin, "uri", mkv_uri, "video-filter", filter,
      "video-sink", sink, "audio-sink", gst_element_factory_make ("fakesink",
          NULL), "text-sink", gst_element_factory_make ("fakesink", NULL),
      NULL);
  return playbin;
}

/* The message of the first error on @bus, or NULL. */
static gchar *
pop_error (GstBus * bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *error = NULL;
  gchar *debug = NULL, *text;

  if (msg == NULL)
    return NULL;
  gst_message_parse_error (msg, &error, &debug);
  text = g_strdup_printf ("%s: %s (%s)", GST_MESSAGE_SRC_NAME (msg),
      error->message, debug);
  g_clear_error (&error);
  g_free (debug);
  gst_message_unref (msg);
  return text;
}

static void
set_decoder_rank (guint rank)
{
  GstPluginFeature *f = gst_registry_lookup_feature (gst_registry_get (),
      "asyncjpegdec");

  fail_unless (f != NULL);
  gst_plugin_feature_set_rank (f, rank);
  gst_object_unref (f);
}

/* Runs one version of @c to EOS and collects what its appsinks got. */
static Run
run_chain (const Chain * c, gboolean ours)
{
  const gchar *version = ours ? "ours" : "stock";
  GstElement *pipeline;
  GError *error = NULL;
  GstBus *bus;
  Run r = { {NULL, NULL}, g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL)
  };
  GstStateChangeReturn ret;
  gchar *problem;
  guint i;

  if (c->autoplug)
    set_decoder_rank (ours ? GST_RANK_PRIMARY + 1 : GST_RANK_SECONDARY);

  if (c->filter_ours) {
    ensure_mkv ();
    pipeline = make_playbin (c, ours);
  } else {
    pipeline = gst_parse_launch (ours ? c->ours->str : c->stock->str, &error);
    fail_unless (pipeline != NULL && error == NULL, "%s (%s): does not link: "
        "%s\n  %s", c->name, version, error ? error->message : "",
        ours ? c->ours->str : c->stock->str);
  }
  g_signal_connect (pipeline, "deep-element-added",
      G_CALLBACK (deep_element_added), &r);
  bus = gst_element_get_bus (pipeline);

  /* preroll */
  ret = gst_element_set_state (pipeline, GST_STATE_PAUSED);
  if (ret == GST_STATE_CHANGE_ASYNC)
    ret = gst_element_get_state (pipeline, NULL, NULL, DEADLINE);
  problem = pop_error (bus);
  fail_unless (ret == GST_STATE_CHANGE_SUCCESS && problem == NULL,
      "%s (%s): no preroll (%s): %s", c->name, version,
      gst_element_state_change_return_get_name (ret), problem);

  /* run to EOS */
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE, "%s (%s): no PLAYING", c->name, version);
  for (i = 0; i < c->n_sinks; i++) {
    gchar *name = g_strdup_printf ("sink%u", i);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);
    GstSample *sample;

    fail_unless (sink != NULL);
    r.samples[i] = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_sample_unref);
    while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
                DEADLINE)))
      g_ptr_array_add (r.samples[i], sample);
    problem = pop_error (bus);
    fail_unless (problem == NULL, "%s (%s): %s", c->name, version, problem);
    fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)),
        "%s (%s): %s got no EOS", c->name, version, name);
    gst_object_unref (sink);
    g_free (name);
  }
  problem = pop_error (bus);
  fail_unless (problem == NULL, "%s (%s): %s", c->name, version, problem);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  if (c->autoplug)
    set_decoder_rank (GST_RANK_SECONDARY);
  return r;
}

/* Runs both versions of chain __i__ and compares them. */
GST_START_TEST (test_chain)
{
  const Chain *c = g_ptr_array_index (chains, __i__);
  Run stock, ours;
  guint s, i;

  GST_INFO ("chain %u: %s", __i__, c->name);
  stock = run_chain (c, FALSE);
  ours = run_chain (c, TRUE);

  for (s = 0; s < c->n_sinks; s++) {
    fail_unless (stock.samples[s]->len == n_frames,
        "%s: the stock chain gave %u frames, not %u", c->name,
        stock.samples[s]->len, n_frames);
    fail_unless (ours.samples[s]->len == stock.samples[s]->len,
        "%s: sink%u got %u frames, %u with stock elements", c->name, s,
        ours.samples[s]->len, stock.samples[s]->len);
    for (i = 0; i < ours.samples[s]->len; i++) {
      GstSample *a = g_ptr_array_index (stock.samples[s], i);
      GstSample *b = g_ptr_array_index (ours.samples[s], i);
      GstBuffer *ba = gst_sample_get_buffer (a);
      GstBuffer *bb = gst_sample_get_buffer (b);

      fail_unless (gst_caps_is_equal (gst_sample_get_caps (a),
              gst_sample_get_caps (b)), "%s: sink%u frame %u: caps %s, %s "
          "with stock elements", c->name, s, i,
          gst_caps_to_string (gst_sample_get_caps (b)),
          gst_caps_to_string (gst_sample_get_caps (a)));
      fail_unless (GST_BUFFER_PTS (ba) == GST_BUFFER_PTS (bb)
          && GST_BUFFER_DTS (ba) == GST_BUFFER_DTS (bb)
          && GST_BUFFER_DURATION (ba) == GST_BUFFER_DURATION (bb),
          "%s: sink%u frame %u: pts %" GST_TIME_FORMAT " dts %"
          GST_TIME_FORMAT " duration %" GST_TIME_FORMAT ", %"
          GST_TIME_FORMAT ", %" GST_TIME_FORMAT " and %" GST_TIME_FORMAT
          " with stock elements", c->name, s, i,
          GST_TIME_ARGS (GST_BUFFER_PTS (bb)),
          GST_TIME_ARGS (GST_BUFFER_DTS (bb)),
          GST_TIME_ARGS (GST_BUFFER_DURATION (bb)),
          GST_TIME_ARGS (GST_BUFFER_PTS (ba)),
          GST_TIME_ARGS (GST_BUFFER_DTS (ba)),
          GST_TIME_ARGS (GST_BUFFER_DURATION (ba)));
      fail_unless ((GST_BUFFER_FLAGS (bb) & COMPARED_FLAGS) ==
          (GST_BUFFER_FLAGS (ba) & COMPARED_FLAGS), "%s: sink%u frame %u: "
          "flags 0x%x, 0x%x with stock elements", c->name, s, i,
          GST_BUFFER_FLAGS (bb) & COMPARED_FLAGS,
          GST_BUFFER_FLAGS (ba) & COMPARED_FLAGS);
      fail_unless (buffers_equal (ba, bb), "%s: sink%u frame %u: other bytes "
          "(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT " with stock elements)",
          c->name, s, i, gst_buffer_get_size (bb), gst_buffer_get_size (ba));
    }
  }

  /* The decoders autoplugging picked: ours once its rank is raised, the
   * stock one by default. */
  if (c->autoplug) {
    fail_unless (g_hash_table_contains (ours.factories, "asyncjpegdec")
        && !g_hash_table_contains (ours.factories, "jpegdec"),
        "%s: asyncjpegdec was not picked with its rank raised", c->name);
    fail_unless (g_hash_table_contains (stock.factories, "jpegdec")
        && !g_hash_table_contains (stock.factories, "asyncjpegdec"),
        "%s: jpegdec was not picked by default", c->name);
  }
  run_clear (&stock);
  run_clear (&ours);
}

GST_END_TEST;

/* --- renegotiation ------------------------------------------------------ */

/* Codecs between pads with ANY templates (an application's, or a test's,
 * as in GStreamer's test_jpegenc_different_caps): after a first size is
 * negotiated, the caps allowed upstream still hold the next size, and the
 * next caps are taken. The stock codec goes through the same steps. */
typedef struct
{
  const gchar *stock, *ours;
  const gchar *format;          /* raw format in or out */
  gboolean decoder;
} Codec;

static const Codec codecs[] = {
  {"jpegenc", "asyncjpegenc", "I420", FALSE},
  {"pngenc", "asyncpngenc", "RGB", FALSE},
  {"jpegdec", "asyncjpegdec", "I420", TRUE},
};

/* One frame of @caps (raw), or the JPEG of one for a decoder. */
static GstBuffer *
make_input (const Codec * codec, GstCaps * caps)
{
  gchar *caps_str = gst_caps_to_string (caps);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=ball ! "
      "capsfilter caps=\"%s\"%s ! appsink name=sink", caps_str,
      codec->decoder ? " ! jpegenc" : "");
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstSample *sample;
  GstBuffer *buffer;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), DEADLINE);
  fail_unless (sample != NULL);
  buffer = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (caps_str);
  return buffer;
}

static void
check_renegotiation (const Codec * codec, const gchar * name)
{
  static GstStaticPadTemplate any_src = GST_STATIC_PAD_TEMPLATE ("src",
      GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
  static GstStaticPadTemplate any_sink = GST_STATIC_PAD_TEMPLATE ("sink",
      GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
  static const guint sizes[][2] = { {80, 64}, {64, 48}, {96, 32} };
  GstElement *element = gst_check_setup_element (name);
  GstPad *src = gst_check_setup_src_pad (element, &any_src);
  GstPad *sink = gst_check_setup_sink_pad (element, &any_sink);
  guint i;

  gst_pad_set_active (src, TRUE);
  gst_pad_set_active (sink, TRUE);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstCaps *raw = raw_caps (codec->format, sizes[i][0], sizes[i][1]);
    GstCaps *in = codec->decoder ? gst_caps_new_simple ("image/jpeg",
        "width", G_TYPE_INT, sizes[i][0], "height", G_TYPE_INT, sizes[i][1],
        "framerate", GST_TYPE_FRACTION, 30, 1, NULL) : gst_caps_ref (raw);
    GstBuffer *buffer = make_input (codec, raw);
    GstCaps *allowed, *out;
    gint width;

    if (i == 0) {
      gst_check_setup_events (src, element, in, GST_FORMAT_TIME);
    } else {
      allowed = gst_pad_get_allowed_caps (src);
      fail_unless (gst_caps_can_intersect (allowed, in),
          "%s: %s not in the allowed caps %s", name, gst_caps_to_string (in),
          gst_caps_to_string (allowed));
      gst_caps_unref (allowed);
      fail_unless (gst_pad_set_caps (src, in), "%s: %s refused", name,
          gst_caps_to_string (in));
    }
    fail_unless_equals_int (gst_pad_push (src, buffer), GST_FLOW_OK);
    g_mutex_lock (&check_mutex);
    while (g_list_length (buffers) < i + 1)
      g_cond_wait (&check_cond, &check_mutex);
    g_mutex_unlock (&check_mutex);
    out = gst_pad_get_current_caps (sink);
    fail_unless (gst_structure_get_int (gst_caps_get_structure (out, 0),
            "width", &width));
    fail_unless_equals_int (width, sizes[i][0]);
    gst_caps_unref (out);
    gst_caps_unref (in);
    gst_caps_unref (raw);
  }

  gst_element_set_state (element, GST_STATE_NULL);
  gst_check_drop_buffers ();
  gst_pad_set_active (src, FALSE);
  gst_pad_set_active (sink, FALSE);
  gst_check_teardown_src_pad (element);
  gst_check_teardown_sink_pad (element);
  gst_check_teardown_element (element);
}

GST_START_TEST (test_renegotiation)
{
  check_renegotiation (&codecs[__i__], codecs[__i__].stock);
  check_renegotiation (&codecs[__i__], codecs[__i__].ours);
}

GST_END_TEST;

/* --- negotiation failures ------------------------------------------------ */

/* Chains that cannot negotiate: linked without caps checks, so that the
 * refusal comes while data flows, downstream of an element of ours; or
 * with a sink that refuses the data itself (not-negotiated from its pad,
 * as a sink that cannot take the format gives), so that the refusal comes
 * back to our element's task, after it may have taken every frame and the
 * EOS. Each run must end in an error message: never a silent EOS, never a
 * preroll that waits forever. */
typedef struct
{
  const gchar *elements[4];
  gboolean sink_refuses;
} Refusal;

static const Refusal refusals[] = {
  {{"asyncidentity", "asyncpngenc"}, FALSE},
  {{"asyncidentity", "asyncidentity", "capsfilter caps=image/jpeg"}, FALSE},
  {{"asyncjpegenc", "capsfilter caps=image/png"}, FALSE},
  {{"asyncwrap filter=videobalance", "asyncjpegdec"}, FALSE},
  {{"jpegenc", "asyncjpegdec", "capsfilter caps=video/x-raw,format=GRAY16_LE"},
      FALSE},
  {{"asyncprocess", "asyncjpegenc", "asyncidentity",
          "capsfilter caps=image/png"}, FALSE},
  {{"asyncidentity"}, TRUE},
  {{"asyncprocess"}, TRUE},
  {{"asyncwrap filter=videobalance"}, TRUE},
  {{"asyncjpegenc"}, TRUE},
  {{"asyncpngenc"}, TRUE},
  {{"jpegenc", "asyncjpegdec"}, TRUE},
  {{"asyncjpegenc", "asyncidentity", "asyncjpegdec"}, TRUE},
};

static GstPadProbeReturn
refuse_data (GstPad * pad, GstPadProbeInfo * info, gpointer unused)
{
  gst_buffer_unref (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_NOT_NEGOTIATED;
  return GST_PAD_PROBE_HANDLED;
}

static void
link_unchecked (GstElement * a, GstElement * b)
{
  GstPad *src = gst_element_get_static_pad (a, "src");
  GstPad *sink = gst_element_get_static_pad (b, "sink");

  fail_unless_equals_int (gst_pad_link_full (src, sink,
          GST_PAD_LINK_CHECK_NOTHING), GST_PAD_LINK_OK);
  gst_object_unref (src);
  gst_object_unref (sink);
}

/* Runs refusal chain __i__ with 1 to 5 frames, many times (the frames may
 * all be taken before the refusal comes back, or not). */
GST_START_TEST (test_negotiation_failure_is_an_error)
{
  const Refusal *refusal = &refusals[__i__];
  guint run, n = async_check_scale (40);
  GString *name = g_string_new (NULL);
  guint k;

  for (k = 0; k < G_N_ELEMENTS (refusal->elements) && refusal->elements[k]; k++)
    g_string_append_printf (name, "%s ! ", refusal->elements[k]);
  g_string_append (name, refusal->sink_refuses ? "(refusing sink)" : "sink");

  for (run = 0; run < n; run++) {
    GstElement *pipeline = gst_pipeline_new (NULL);
    GstElement *prev = gst_element_factory_make ("videotestsrc", NULL);
    GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
    GstElement *sink = gst_element_factory_make ("fakesink", NULL);
    GstCaps *caps = raw_caps ("I420", WIDTH, HEIGHT);
    GstMessage *msg;

    /* I420 frames, whatever comes after */
    g_object_set (prev, "num-buffers", 1 + run % 5, NULL);
    g_object_set (filter, "caps", caps, NULL);
    gst_caps_unref (caps);
    gst_bin_add_many (GST_BIN (pipeline), prev, filter, NULL);
    link_unchecked (prev, filter);
    prev = filter;
    for (k = 0; k < G_N_ELEMENTS (refusal->elements)
        && refusal->elements[k]; k++) {
      GstElement *e = gst_parse_launch (refusal->elements[k], NULL);

      fail_unless (e != NULL, "%s", refusal->elements[k]);
      gst_bin_add (GST_BIN (pipeline), e);
      link_unchecked (prev, e);
      prev = e;
    }
    gst_bin_add (GST_BIN (pipeline), sink);
    link_unchecked (prev, sink);
    if (refusal->sink_refuses) {
      GstPad *pad = gst_element_get_static_pad (sink, "sink");

      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, refuse_data, NULL,
          NULL);
      gst_object_unref (pad);
    }

    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), DEADLINE,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    fail_unless (msg != NULL, "%s (%u frames): no error, no EOS", name->str,
        1 + run % 5);
    fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
        "%s (%u frames): EOS, and no error", name->str, 1 + run % 5);
    gst_message_unref (msg);
    fail_unless_equals_int (gst_element_set_state (pipeline,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (pipeline);
  }
  g_string_free (name, TRUE);
}

GST_END_TEST;

/* --- ranks ---------------------------------------------------------------- */

/* The codecs rank below the stock ones (autoplugged only where those are
 * missing, or when a user raises them); filters are never autoplugged. */
GST_START_TEST (test_ranks)
{
  static const struct
  {
    const gchar *name;
    guint rank;
  } ranks[] = {
    {"asyncjpegdec", GST_RANK_SECONDARY},
    {"asyncjpegenc", GST_RANK_SECONDARY},
    {"asyncpngenc", GST_RANK_SECONDARY},
    {"asyncidentity", GST_RANK_NONE},
    {"asyncprocess", GST_RANK_NONE},
    {"asyncwrap", GST_RANK_NONE},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (ranks); i++) {
    GstPluginFeature *f = gst_registry_lookup_feature (gst_registry_get (),
        ranks[i].name);

    fail_unless (f != NULL, "%s", ranks[i].name);
    fail_unless_equals_int (gst_plugin_feature_get_rank (f), ranks[i].rank);
    gst_object_unref (f);
  }
}

GST_END_TEST;

/* --- setup --------------------------------------------------------------- */

/* The folder for the file playbin plays, made before the tests (in the
 * parent process when they fork: no pipeline runs there, since a child
 * forked from a process with GStreamer's threads may deadlock). */
static void
make_tmp_dir (void)
{
  GError *error = NULL;
  gchar *path;

  tmp_dir = g_dir_make_tmp ("composition-XXXXXX", &error);
  fail_unless (tmp_dir != NULL, "%s", error ? error->message : "");
  path = g_build_filename (tmp_dir, "frames.mkv", NULL);
  mkv_uri = gst_filename_to_uri (path, NULL);
  g_free (path);
}

static void
remove_tmp_dir (void)
{
  gchar *path = g_build_filename (tmp_dir, "frames.mkv", NULL);

  g_unlink (path);
  g_rmdir (tmp_dir);
  g_free (path);
  g_clear_pointer (&tmp_dir, g_free);
  g_clear_pointer (&mkv_uri, g_free);
}

/* The file playbin plays, written by the first test that needs it: JPEGs
 * in Matroska. */
static void
ensure_mkv (void)
{
  GError *error = NULL;
  gchar *path, *desc;
  GstElement *pipeline;
  GstMessage *msg;

  path = g_build_filename (tmp_dir, "frames.mkv", NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_free (path);
    return;
  }
  desc = g_strdup_printf ("videotestsrc num-buffers=%u pattern=ball ! "
      "video/x-raw,format=I420,width=%u,height=%u,framerate=30/1 ! jpegenc ! "
      "matroskamux ! filesink location=\"%s\"", n_frames, WIDTH, HEIGHT, path);
  pipeline = gst_parse_launch (desc, &error);
  fail_unless (pipeline != NULL && error == NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), DEADLINE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "could not write %s", path);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
}

/* The plugins the chains use, loaded before any pipeline runs: glibc
 * keeps the scope list a dlopen () replaces while other threads run, and
 * valgrind counts it as lost when the process ends. */
static void
load_plugins (void)
{
  static const gchar *const names[] = { "app", "coreelements", "deinterlace",
    "jpeg", "jpegformat", "matroska", "playback", "png", "typefindfunctions",
    "videoconvertscale", "videofilter", "videotestsrc", "async", "asyncjpeg",
    "asyncpng"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstPlugin *plugin = gst_plugin_load_by_name (names[i]);

    if (plugin)
      gst_object_unref (plugin);
  }
}

static Suite *
composition_suite (void)
{
  Suite *s = suite_create ("composition");
  TCase *tc = tcase_create ("chains");

  load_plugins ();
  n_frames = async_check_under_valgrind ()? 2 : 4;
  chains = g_ptr_array_new_with_free_func ((GDestroyNotify) chain_free);
  add_pair_chains ();
  add_neighbour_chains ();
  add_playbin_chains ();

  /* COMPOSITION_CHAIN=text runs only the chains whose names hold it */
  if (g_getenv ("COMPOSITION_CHAIN")) {
    guint i = 0;

    while (i < chains->len) {
      Chain *c = g_ptr_array_index (chains, i);

      if (strstr (c->name, g_getenv ("COMPOSITION_CHAIN")))
        i++;
      else
        g_ptr_array_remove_index (chains, i);
    }
  }

  suite_add_tcase (s, tc);
  tcase_add_unchecked_fixture (tc, make_tmp_dir, remove_tmp_dir);
  tcase_add_loop_test (tc, test_chain, 0, chains->len);

  tc = tcase_create ("renegotiation");
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_renegotiation, 0, G_N_ELEMENTS (codecs));

  tc = tcase_create ("failures");
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_negotiation_failure_is_an_error, 0,
      G_N_ELEMENTS (refusals));

  tc = tcase_create ("ranks");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ranks);
  return s;
}

GST_CHECK_MAIN (composition);
