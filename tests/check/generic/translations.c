/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * translations.c: the elements' messages reach the bus in German and
 * French
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

/* The plugins bind their text domain to the install prefix's locale
 * directory, where nothing is installed while testing: once they are
 * loaded, the test binds it again, to the catalogues this build compiled
 * (PO_BUILD_DIR/<lang>/LC_MESSAGES). The exact translated text is
 * asserted, so a missing or untranslated catalogue fails. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gi18n-lib.h>
#include <locale.h>

/* French puts a no-break space inside its quotes and before a colon */
#define NBSP "\302\240"

typedef struct
{
  const gchar *language;
  const gchar *launch;
  GstMessageType type;
  const gchar *expected;
} Case;

/* an element error, from a worker */
#define IDENTITY_ERROR \
  "fakesrc num-buffers=3 ! asyncidentity error-after=1 ! fakesink"
/* GErrors made at the state change, with and without arguments */
#define WRAP_NO_FILTER "fakesrc ! asyncwrap ! fakesink"
#define WRAP_SINK "fakesrc ! asyncwrap filter=\"fakesink name=s\" ! fakesink"
/* a frame error in the other plugin: a warning, and the stream goes on */
#define JPEG_SHORT_FRAME \
  "fakesrc num-buffers=1 sizetype=fixed sizemax=16 filltype=zero ! " \
  "video/x-raw,format=I420,width=64,height=48,framerate=30/1 ! " \
  "asyncjpegenc ! fakesink"

static const Case cases[] = {
  {"de", IDENTITY_ERROR, GST_MESSAGE_ERROR,
      "Simulierter Verarbeitungsfehler."},
  {"fr", IDENTITY_ERROR, GST_MESSAGE_ERROR,
      "Erreur de traitement simulée."},
  {"de", WRAP_NO_FILTER, GST_MESSAGE_ERROR,
      "Es wurde kein Filter zum Kapseln angegeben."},
  {"fr", WRAP_SINK, GST_MESSAGE_ERROR,
      "Le filtre «" NBSP "fakesink name=s" NBSP
        "» n’a pas de connecteur de " "sortie libre" NBSP
        ": il doit recevoir un seul flux et en produire " "un seul."},
#if HAVE_JPEG
  {"de", JPEG_SHORT_FRAME, GST_MESSAGE_WARNING,
      "Ein Videobild ist kleiner, als sein Format angibt."},
  {"fr", JPEG_SHORT_FRAME, GST_MESSAGE_WARNING,
      "Une image vidéo est plus petite que ne l’indique son format."},
#endif
};

static void
load_plugin (const gchar * name)
{
  GstPlugin *plugin = gst_plugin_load_by_name (name);

  fail_unless (plugin != NULL, "plugin %s not found", name);
  gst_object_unref (plugin);
}

static void
setup (void)
{
  gchar *catalogue = g_build_filename (PO_BUILD_DIR, "de", "LC_MESSAGES",
      GETTEXT_PACKAGE ".mo", NULL);

  fail_unless (g_file_test (catalogue, G_FILE_TEST_IS_REGULAR),
      "%s was not built", catalogue);
  g_free (catalogue);

  load_plugin ("async");
#if HAVE_JPEG
  load_plugin ("asyncjpeg");
#endif
  fail_unless (bindtextdomain (GETTEXT_PACKAGE, PO_BUILD_DIR) != NULL);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  /* gettext ignores LANGUAGE under the "C" locale; glibc's C.UTF-8 is
   * built in, so no locale needs to be generated */
  fail_unless (setlocale (LC_ALL, "C.UTF-8") != NULL);
}

static void
teardown (void)
{
  g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, "C");
}

/* Runs @launch until a message of @type; returns its text. */
static gchar *
run_until (const gchar * launch, GstMessageType type)
{
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstBus *bus;
  GstMessage *msg;
  GError *error = NULL;
  gchar *text;

  fail_unless (pipeline != NULL, "%s", launch);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, type);
  fail_unless (msg != NULL, "%s: no %s within 30 s", launch,
      gst_message_type_get_name (type));
  if (type == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &error, NULL);
  else
    gst_message_parse_warning (msg, &error, NULL);
  text = g_strdup (error->message);

  g_error_free (error);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return text;
}

GST_START_TEST (test_message_translated)
{
  const Case *c = &cases[__i__];
  gchar *text;

  g_setenv ("LANGUAGE", c->language, TRUE);
  text = run_until (c->launch, c->type);
  fail_unless_equals_string (text, c->expected);
  g_free (text);
}

GST_END_TEST;

static Suite *
translations_suite (void)
{
  Suite *s = suite_create ("translations");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_message_translated, 0, G_N_ELEMENTS (cases));
  return s;
}

GST_CHECK_MAIN (translations);
