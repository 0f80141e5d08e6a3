/* Seeded pseudo-natural pictures, for tests and benchmarks of codecs:
 * smooth shading at several scales, sharp-edged shapes and fine noise, as
 * a camera gives. Flat test patterns compress to almost nothing and hide
 * what real pictures exercise (every coefficient, long Huffman codes).
 * The same seed and frame number give the same picture on every run;
 * successive frames pan across the same scene. */

#ifndef __NATURAL_IMAGE_H__
#define __NATURAL_IMAGE_H__

#include <gst/video/video.h>
#include <string.h>

static inline guint32
natural_hash (guint32 x, guint32 y, guint32 seed)
{
  guint32 h = x * 0x8da6b343u ^ y * 0xd8163841u ^ seed * 0xcb1ab31fu;

  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  h *= 0x297a2d39u;
  return h ^ (h >> 15);
}

/* Adds to @acc (one value per pixel) noise that varies smoothly over
 * @scale pixels, of amplitude @amp. */
static inline void
natural_add_octave (gint32 * acc, guint width, guint height, guint scale,
    gint amp, guint32 seed, guint x0, guint y0)
{
  guint x, y;

  for (y = 0; y < height; y++) {
    guint gy = (y + y0) / scale;
    gint fy = (y + y0) % scale;

    for (x = 0; x < width; x++) {
      guint gx = (x + x0) / scale;
      gint fx = (x + x0) % scale;
      gint a = natural_hash (gx, gy, seed) & 0xff;
      gint b = natural_hash (gx + 1, gy, seed) & 0xff;
      gint c = natural_hash (gx, gy + 1, seed) & 0xff;
      gint d = natural_hash (gx + 1, gy + 1, seed) & 0xff;
      gint top = a * (gint) scale + (b - a) * fx;
      gint bottom = c * (gint) scale + (d - c) * fx;
      gint v = (top * (gint) scale + (bottom - top) * fy) /
          (gint) (scale * scale);

      acc[y * width + x] += (v - 128) * amp / 64;
    }
  }
}

/* Fills @rgb (packed RGB, @stride bytes per row) with frame @frame of the
 * scene @seed. */
static inline void
natural_fill_rgb (guint8 * rgb, guint width, guint height, gsize stride,
    guint32 seed, guint frame)
{
  gint32 *acc = g_new (gint32, (gsize) width * height);
  guint x0 = frame * 3, y0 = frame;
  guint c, x, y, i;

  for (c = 0; c < 3; c++) {
    guint32 s = seed * 3 + c;

    for (i = 0; i < width * height; i++)
      acc[i] = 128;
    natural_add_octave (acc, width, height, 97, 90, s, x0, y0);
    natural_add_octave (acc, width, height, 23, 40, s + 7, x0, y0);
    natural_add_octave (acc, width, height, 5, 16, s + 13, x0, y0);
    /* sharp-edged shapes: rectangles and discs of one shade */
    for (i = 0; i < 12; i++) {
      guint32 h = natural_hash (i, c, seed);
      guint cx = (h % (width + 1)), cy = (h >> 8) % (height + 1);
      guint r = 2 + (h >> 16) % MAX (2, MIN (width, height) / 4);
      gint shade = (gint) ((h >> 24) & 0xff) - 128;
      gboolean disc = i & 1;

      for (y = cy > r ? cy - r : 0; y < MIN (height, cy + r); y++)
        for (x = cx > r ? cx - r : 0; x < MIN (width, cx + r); x++) {
          gint dx = (gint) x - (gint) cx, dy = (gint) y - (gint) cy;

          if (!disc || dx * dx + dy * dy < (gint) (r * r))
            acc[y * width + x] += shade / 2;
        }
    }
    for (y = 0; y < height; y++)
      for (x = 0; x < width; x++) {
        /* sensor noise, changing from frame to frame */
        gint v = acc[y * width + x] + (gint) (natural_hash (x, y,
                s ^ (frame * 0x9e3779b9u)) % 9) - 4;

        rgb[y * stride + x * 3 + c] = CLAMP (v, 0, 255);
      }
  }
  g_free (acc);
}

/* A buffer of frame @frame of the scene @seed in the format and size of
 * @info, laid out as @info says; padding bytes are zero. */
static inline GstBuffer *
natural_frame (const GstVideoInfo * info, guint32 seed, guint frame)
{
  GstVideoInfo rgb_info;
  GstVideoFrame in, out;
  GstVideoConverter *convert;
  GstBuffer *rgb, *buf;
  GstMapInfo map;

  gst_video_info_set_format (&rgb_info, GST_VIDEO_FORMAT_RGB,
      GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info));
  /* (the converter takes the same rate and aspect on both sides) */
  GST_VIDEO_INFO_FPS_N (&rgb_info) = GST_VIDEO_INFO_FPS_N (info);
  GST_VIDEO_INFO_FPS_D (&rgb_info) = GST_VIDEO_INFO_FPS_D (info);
  GST_VIDEO_INFO_PAR_N (&rgb_info) = GST_VIDEO_INFO_PAR_N (info);
  GST_VIDEO_INFO_PAR_D (&rgb_info) = GST_VIDEO_INFO_PAR_D (info);
  rgb = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&rgb_info), NULL);
  gst_buffer_map (rgb, &map, GST_MAP_WRITE);
  natural_fill_rgb (map.data, GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), GST_VIDEO_INFO_PLANE_STRIDE (&rgb_info, 0),
      seed, frame);
  gst_buffer_unmap (rgb, &map);

  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  gst_buffer_memset (buf, 0, 0, GST_VIDEO_INFO_SIZE (info));
  gst_video_frame_map (&in, &rgb_info, rgb, GST_MAP_READ);
  gst_video_frame_map (&out, (GstVideoInfo *) info, buf, GST_MAP_WRITE);
  convert = gst_video_converter_new (&rgb_info, (GstVideoInfo *) info,
      gst_structure_new ("options", GST_VIDEO_CONVERTER_OPT_DITHER_METHOD,
          GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE,
          GST_VIDEO_CONVERTER_OPT_THREADS, G_TYPE_UINT, 1, NULL));
  gst_video_converter_frame (convert, &in, &out);
  gst_video_converter_free (convert);
  gst_video_frame_unmap (&out);
  gst_video_frame_unmap (&in);
  gst_buffer_unref (rgb);
  return buf;
}

#endif /* __NATURAL_IMAGE_H__ */
