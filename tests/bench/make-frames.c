/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * make-frames.c: writes natural-looking raw video frames (the generator of
 * tests/check/naturalimage.h) to a file, for benchmarks of codecs that
 * must not be fed videotestsrc, which costs as much as they do.
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

/*   make-frames FORMAT WIDTH HEIGHT DISTINCT TOTAL FILE
 * writes TOTAL frames, the DISTINCT first ones over and over, one after
 * the other in FILE (read it with filesrc blocksize=<frame size> and
 * rawvideoparse, or split it). */

#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

#include "../check/naturalimage.h"

int
main (int argc, char **argv)
{
  GstVideoInfo info;
  GPtrArray *frames;
  guint width, height, distinct, total, i;
  FILE *out;

  gst_init (&argc, &argv);
  if (argc != 7) {
    g_printerr ("usage: make-frames FORMAT WIDTH HEIGHT DISTINCT TOTAL FILE\n");
    return 2;
  }
  width = atoi (argv[2]);
  height = atoi (argv[3]);
  distinct = MAX (atoi (argv[4]), 1);
  total = atoi (argv[5]);
  if (!gst_video_info_set_format (&info,
          gst_video_format_from_string (argv[1]), width, height)) {
    g_printerr ("bad format or size\n");
    return 2;
  }
  GST_VIDEO_INFO_FPS_N (&info) = 30;
  frames = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  for (i = 0; i < distinct; i++)
    g_ptr_array_add (frames, natural_frame (&info, 42, i));
  out = fopen (argv[6], "wb");
  if (out == NULL) {
    perror (argv[6]);
    return 1;
  }
  for (i = 0; i < total; i++) {
    GstMapInfo map;

    gst_buffer_map (g_ptr_array_index (frames, i % distinct), &map,
        GST_MAP_READ);
    if (fwrite (map.data, 1, map.size, out) != map.size) {
      perror (argv[6]);
      return 1;
    }
    gst_buffer_unmap (g_ptr_array_index (frames, i % distinct), &map);
  }
  fclose (out);
  g_ptr_array_unref (frames);
  return 0;
}
