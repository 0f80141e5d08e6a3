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

#include "gstasyncencodedcaps.h"

#include <string.h>

/* The caps of @media_type for frames of @info that came with @incaps, as
 * GstVideoEncoder makes an encoder's: size, aspect, rate, interlacing,
 * colorimetry, chroma siting, multiview and HDR metadata carry over, so
 * that a drop-in gives the stock encoder's caps. */
GstCaps *
gst_async_encoded_caps (const gchar * media_type, const GstVideoInfo * info,
    GstCaps * incaps)
{
  GstCaps *caps = gst_caps_new_simple (media_type,
      "width", G_TYPE_INT, GST_VIDEO_INFO_WIDTH (info),
      "height", G_TYPE_INT, GST_VIDEO_INFO_HEIGHT (info),
      "pixel-aspect-ratio", GST_TYPE_FRACTION, GST_VIDEO_INFO_PAR_N (info),
      GST_VIDEO_INFO_PAR_D (info), NULL);
  GstVideoMasteringDisplayInfo mastering;
  GstVideoContentLightLevel light;
  gchar *str;

  if (GST_VIDEO_INFO_FLAG_IS_SET (info, GST_VIDEO_FLAG_VARIABLE_FPS)
      && GST_VIDEO_INFO_FPS_N (info) != 0)
    gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 0, 1,
        "max-framerate", GST_TYPE_FRACTION, GST_VIDEO_INFO_FPS_N (info),
        GST_VIDEO_INFO_FPS_D (info), NULL);
  else
    gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION,
        GST_VIDEO_INFO_FPS_N (info), GST_VIDEO_INFO_FPS_D (info), NULL);
  gst_caps_set_simple (caps, "interlace-mode", G_TYPE_STRING,
      gst_video_interlace_mode_to_string (GST_VIDEO_INFO_INTERLACE_MODE (info)),
      NULL);
  if (GST_VIDEO_INFO_IS_INTERLACED (info)
      && GST_VIDEO_INFO_INTERLACE_MODE (info) !=
      GST_VIDEO_INTERLACE_MODE_MIXED
      && GST_VIDEO_INFO_FIELD_ORDER (info) != GST_VIDEO_FIELD_ORDER_UNKNOWN)
    gst_caps_set_simple (caps, "field-order", G_TYPE_STRING,
        gst_video_field_order_to_string (GST_VIDEO_INFO_FIELD_ORDER (info)),
        NULL);
  if ((str = gst_video_colorimetry_to_string (&info->colorimetry))) {
    gst_caps_set_simple (caps, "colorimetry", G_TYPE_STRING, str, NULL);
    g_free (str);
  }
  if (info->chroma_site != GST_VIDEO_CHROMA_SITE_UNKNOWN
      && (str = gst_video_chroma_site_to_string (info->chroma_site))) {
    gst_caps_set_simple (caps, "chroma-site", G_TYPE_STRING, str, NULL);
    g_free (str);
  }
  if (GST_VIDEO_INFO_MULTIVIEW_MODE (info) != GST_VIDEO_MULTIVIEW_MODE_NONE)
    gst_caps_set_simple (caps, "multiview-mode", G_TYPE_STRING,
        gst_video_multiview_mode_to_caps_string (GST_VIDEO_INFO_MULTIVIEW_MODE
            (info)), "multiview-flags", GST_TYPE_VIDEO_MULTIVIEW_FLAGSET,
        GST_VIDEO_INFO_MULTIVIEW_FLAGS (info), GST_FLAG_SET_MASK_EXACT, NULL);
  /* HDR metadata passes through, as GstVideoEncoder forwards it */
  if (gst_video_mastering_display_info_from_caps (&mastering, incaps))
    gst_video_mastering_display_info_add_to_caps (&mastering, caps);
  if (gst_video_content_light_level_from_caps (&light, incaps))
    gst_video_content_light_level_add_to_caps (&light, caps);
  return caps;
}

/* For caps queries: raw video on one side, images on the other, with the
 * same size and rate. Returns @caps as @name (the other side's media type),
 * with only those fields, narrowed by @filter. ANY (a peer that takes
 * anything, or an unlinked one) becomes any @name: the caller narrows it
 * to its pad template, as it does every answer. Only system memory
 * carries over: the element reads and writes frames in it. */
GstCaps *
gst_async_encoded_transform_caps (GstCaps * caps, const gchar * name,
    GstCaps * filter)
{
  static const gchar *const carried[] = { "width", "height", "framerate",
    "pixel-aspect-ratio", NULL
  };
  GstCaps *result;
  guint i, n;

  if (gst_caps_is_any (caps)) {
    result = gst_caps_new_empty_simple (name);
    goto filter;
  }

  result = gst_caps_new_empty ();
  n = gst_caps_get_size (caps);
  for (i = 0; i < n; i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);
    GstCapsFeatures *features = gst_caps_get_features (caps, i);
    GstStructure *other;
    guint f;

    if (features && !gst_caps_features_is_any (features)
        && !gst_caps_features_is_equal (features,
            GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY))
      continue;
    other = gst_structure_new_empty (name);
    for (f = 0; carried[f]; f++) {
      const GValue *v = gst_structure_get_value (s, carried[f]);

      if (v)
        gst_structure_set_value (other, carried[f], v);
    }
    result = gst_caps_merge_structure (result, other);
  }

filter:
  /* (the result's fields first, as GstVideoEncoder and GstVideoDecoder
   * give them) */
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (result, filter,
        GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (result);
    result = tmp;
  }
  return result;
}

/* GstAsyncTransformClass.transform_meta: metas that do not depend on the
 * pixels' layout, as GstVideoEncoder and GstVideoDecoder copy them. */
gboolean
gst_async_encoded_transform_meta (GstAsyncTransform * trans, GstBuffer * outbuf,
    GstMeta * meta, GstBuffer * inbuf)
{
  static const gchar *const supported[] = { GST_META_TAG_VIDEO_STR,
    GST_META_TAG_VIDEO_ORIENTATION_STR, GST_META_TAG_VIDEO_SIZE_STR, NULL
  };
  const gchar *const *tags = gst_meta_api_type_get_tags (meta->info->api);

  for (; tags && *tags; tags++) {
    if (!g_strv_contains (supported, *tags))
      return FALSE;
  }
  return TRUE;
}

/* For an encoder's decide_allocation: its output buffers come from a pool
 * of ours of @size bytes each (reused from frame to frame), whatever
 * downstream proposed; chain up to the base class's afterwards. */
void
gst_async_encoded_propose_own_pool (GstQuery * query, gsize size)
{
  while (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_remove_nth_allocation_pool (query, 0);
  gst_query_add_allocation_pool (query, NULL, size, 0, 0);
}

/* @buffer, mapped for writing in @map with @used bytes written, is full:
 * its memory is replaced by a copy of @size bytes, mapped again in @map.
 * (The pool then frees the buffer rather than taking it back.) */
void
gst_async_encoded_grow (GstBuffer * buffer, GstMapInfo * map, gsize used,
    gsize size)
{
  GstMemory *mem = gst_allocator_alloc (NULL, size, NULL);
  GstMapInfo mem_map;

  gst_memory_map (mem, &mem_map, GST_MAP_WRITE);
  memcpy (mem_map.data, map->data, used);
  gst_memory_unmap (mem, &mem_map);
  gst_buffer_unmap (buffer, map);
  gst_buffer_replace_all_memory (buffer, mem);
  gst_buffer_map (buffer, map, GST_MAP_WRITE);
}

/* From process (), on the frame's new output: the timing GstVideoEncoder
 * gives an encoded frame that nothing reorders: the input's timestamp as
 * PTS and DTS (the input's DTS means nothing for raw video), its duration,
 * MARKER (a whole frame), and @flags. (The base class clips the input to
 * the segment and marks the first output DISCONT: the encoder role.) */
void
gst_async_encoded_output_mark (GstAsyncFrame * frame, GstBufferFlags flags)
{
  GstBuffer *output = frame->output;

  GST_BUFFER_PTS (output) = GST_BUFFER_PTS (frame->input);
  GST_BUFFER_DTS (output) = GST_BUFFER_PTS (frame->input);
  GST_BUFFER_DURATION (output) = GST_BUFFER_DURATION (frame->input);
  GST_BUFFER_FLAG_SET (output, GST_VIDEO_BUFFER_FLAG_MARKER | flags);
}
