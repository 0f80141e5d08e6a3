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

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncelements.h"
#include "gstasyncprocess.h"

#include <glib/gi18n-lib.h>

/* The element's type is in the library, where applications reach its
 * C API; the plugin registers it. */
GST_ELEMENT_REGISTER_DEFINE (asyncprocess, "asyncprocess", GST_RANK_NONE,
    GST_TYPE_ASYNC_PROCESS);

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

#ifdef ENABLE_NLS
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif

  ret |= GST_ELEMENT_REGISTER (asyncidentity, plugin);
  ret |= GST_ELEMENT_REGISTER (asyncprocess, plugin);
  ret |= GST_ELEMENT_REGISTER (asyncwrap, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, async,
    "Elements that process frames concurrently", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
