/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * bench-elements.c: asyncjpegenc, asyncjpegdec, asyncpngenc and asyncwrap
 * against jpegenc, jpegdec, pngenc and gaussianblur at 1080p, in-process,
 * as ratios measured in the same run.
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

/* Natural-looking 1080p frames (tests/check/naturalimage.h) are made
 * first, and pushed from memory by appsrc, so that the source costs
 * nothing next to the codec. Each round runs the stock element and ours,
 * in turn, with default settings, over the same frames; the figures are
 * the median frames/s ratio over the rounds with its spread, and the CPU
 * time per frame (all threads of the process) of each. Another row runs
 * two stock elements side by side, each on half the frames: the most two
 * cores give, and what running two at once costs in CPU per frame. The
 * decoders decode those frames as jpegenc encodes them (quality 85,
 * 4:2:0). PNG runs at compression levels 6 (the default) and 1, and with
 * one worker, which shows what reusing output memory alone gives. Then
 * asyncwrap runs gaussianblur, a single-threaded filter, against the bare
 * gaussianblur. Last, asyncjpegenc and asyncjpegdec with 1, 2, 4 and 8
 * workers against jpegenc and jpegdec: frames/s against workers.
 *
 *   bench-elements [--quick | --tiny] [jpeg] [png] [blur]
 *
 * runs the sections named, or all three. tests/bench/run runs the JPEG
 * section alone under GLIBC_TUNABLES (see there), which would slow
 * pngenc's growing output buffer down and flatter asyncpngenc.
 *
 * --tiny runs 320x240 frames, a few of them, once: it checks the report
 * machinery, its numbers mean nothing.
 *
 * Run it with GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432 to
 * measure jpegenc at its fault-free speed: without it, its fresh output
 * allocation of a raw frame's size is often an mmap () that faults in
 * every page, frame after frame. */

#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "benchstats.h"
#include "../check/naturalimage.h"

#define DISTINCT 30

static guint width = 1920, height = 1080;

typedef struct
{
  gdouble fps;
  gdouble cpu_ms;               /* CPU time per frame */
} Measure;

static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Pushes @total frames, cycling through @frames, into @copies branches of
 * appsrc ! @element ! fakesink in one pipeline, in turn (two copies of a
 * stock element side by side show what two cores give at best). */
static Measure
run (const gchar * element, guint copies, GstCaps * caps, GPtrArray * frames,
    guint total)
{
  GString *desc = g_string_new (NULL);
  GstElement *pipeline, *src[2];
  GstMessage *msg;
  gdouble cpu0, cpu1;
  gint64 t0, t1;
  Measure m;
  guint i;

  for (i = 0; i < copies; i++)
    g_string_append_printf (desc, "appsrc name=src%u format=time max-bytes=0 "
        "! %s ! fakesink sync=false ", i, element);
  pipeline = gst_parse_launch (desc->str, NULL);
  for (i = 0; i < copies; i++) {
    gchar *name = g_strdup_printf ("src%u", i);

    src[i] = gst_bin_get_by_name (GST_BIN (pipeline), name);
    gst_app_src_set_caps (GST_APP_SRC (src[i]), caps);
    g_free (name);
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  for (i = 0; i < total; i++) {
    GstBuffer *buf = gst_buffer_copy (g_ptr_array_index (frames,
            i % frames->len));

    GST_BUFFER_PTS (buf) = i / copies * GST_SECOND / 30;
    GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
    gst_app_src_push_buffer (GST_APP_SRC (src[i % copies]), buf);
  }
  for (i = 0; i < copies; i++)
    gst_app_src_end_of_stream (GST_APP_SRC (src[i]));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  t1 = g_get_monotonic_time ();
  cpu1 = cpu_seconds ();
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_printerr ("%s: error\n", desc->str);
    exit (1);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  for (i = 0; i < copies; i++)
    gst_object_unref (src[i]);
  gst_object_unref (pipeline);
  g_string_free (desc, TRUE);

  m.fps = total / ((t1 - t0) / 1e6);
  m.cpu_ms = (cpu1 - cpu0) * 1e3 / total;
  return m;
}

/* @frames encoded by jpegenc, for the decoders. */
static GPtrArray *
encode_all (GPtrArray * frames, GstCaps * caps, GstCaps ** jpeg_caps)
{
  GstElement *pipeline = gst_parse_launch ("appsrc name=src format=time "
      "max-bytes=0 ! jpegenc ! appsink name=sink sync=false", NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GPtrArray *jpegs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  guint i;

  gst_app_src_set_caps (GST_APP_SRC (src), caps);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (i = 0; i < frames->len; i++)
    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_ref (g_ptr_array_index (frames, i)));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  for (i = 0; i < frames->len; i++) {
    GstSample *sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));

    g_ptr_array_add (jpegs, gst_buffer_ref (gst_sample_get_buffer (sample)));
    if (i == 0)
      *jpeg_caps = gst_caps_ref (gst_sample_get_caps (sample));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return jpegs;
}

/* Rounds of @stock and @ours (@copies of it) in turn; prints a table
 * row, and a result line of @section with @workers (0: the default). */
static void
compare (const gchar * section, const gchar * stock, const gchar * ours,
    guint copies, guint workers, GstCaps * caps, GPtrArray * frames,
    guint total, guint rounds)
{
  gdouble ratio[32], fps[2][32], cpu[2][32], med;
  guint r;

  for (r = 0; r < rounds; r++) {
    /* (alternating which goes first, so that neither always runs on a
     * machine warmed, or tired, by the other) */
    Measure a, b;

    if (r % 2) {
      b = run (ours, copies, caps, frames, total);
      a = run (stock, 1, caps, frames, total);
    } else {
      a = run (stock, 1, caps, frames, total);
      b = run (ours, copies, caps, frames, total);
    }
    ratio[r] = b.fps / a.fps;
    fps[0][r] = a.fps;
    fps[1][r] = b.fps;
    cpu[0][r] = a.cpu_ms;
    cpu[1][r] = b.cpu_ms;
  }
  med = median (ratio, rounds);
  g_print ("  | %s`%s` / `%s` | %.2f | %.2f - %.2f | %.0f / %.0f | "
      "%.2f / %.2f |\n", copies > 1 ? "two " : "", ours, stock, med, ratio[0],
      ratio[rounds - 1], median (fps[1], rounds), median (fps[0], rounds),
      median (cpu[1], rounds), median (cpu[0], rounds));
  bench_result ("section=%s\tname=%s\tref=%s\tcopies=%u\tworkers=%u\t"
      "fps=%.2f\tref_fps=%.2f\tratio=%.3f\tmin=%.3f\tmax=%.3f\t"
      "cpu_ms=%.3f\tref_cpu_ms=%.3f\tframes=%u\trounds=%u\tsize=%ux%u",
      section, ours, stock, copies, workers, median (fps[1], rounds),
      median (fps[0], rounds), med, ratio[0], ratio[rounds - 1],
      median (cpu[1], rounds), median (cpu[0], rounds), total, rounds, width,
      height);
}

/* Makes @n natural-looking 1080p frames of @format (and their caps), and
 * prints the head of their table. */
static GPtrArray *
section (GstVideoFormat format, guint n, guint seed, guint total,
    guint rounds, GstCaps ** caps)
{
  GPtrArray *raw = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstVideoInfo info;
  guint i;

  gst_video_info_set_format (&info, format, width, height);
  GST_VIDEO_INFO_FPS_N (&info) = 30;
  *caps = gst_video_info_to_caps (&info);
  for (i = 0; i < n; i++)
    g_ptr_array_add (raw, natural_frame (&info, seed, i));
  g_print ("\n%ux%u %s, %u natural-looking frames cycled to %u per run, "
      "%u rounds%s\n", width, height, gst_video_format_to_string (format), n,
      total, rounds,
      g_getenv ("GLIBC_TUNABLES") ? " (GLIBC_TUNABLES set)" : "");
  g_print ("  | element / stock | frames/s ratio, median | spread | "
      "frames/s | CPU ms per frame |\n");
  g_print ("  |---|---|---|---|---|\n");
  return raw;
}

/* @ours with 1, 2, 4 and 8 workers, each against @stock in its rounds. */
static void
sweep_workers (const gchar * section, const gchar * stock, const gchar * ours,
    GstCaps * caps, GPtrArray * frames, guint total, guint rounds)
{
  static const guint workers[] = { 1, 2, 4, 8 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (workers); i++) {
    gchar *element = g_strdup_printf ("%s n-workers=%u", ours, workers[i]);

    compare (section, stock, element, 1, workers[i], caps, frames, total,
        rounds);
    g_free (element);
  }
}

static void
bench_jpeg (gint scale)
{
  guint total = bench_pick (scale, 12, 120, 600);
  guint rounds = bench_pick (scale, 1, 3, 7);
  /* frames/s against workers: half the frames, fewer rounds (8 runs each) */
  guint sweep_rounds = bench_pick (scale, 1, 2, 5);
  GPtrArray *raw, *jpegs;
  GstCaps *caps, *jpeg_caps = NULL;

  raw = section (GST_VIDEO_FORMAT_I420, DISTINCT, 42, total, rounds, &caps);
  compare ("elements", "jpegenc", "asyncjpegenc", 1, 0, caps, raw, total,
      rounds);
  compare ("elements", "jpegenc", "jpegenc", 2, 0, caps, raw, total, rounds);

  jpegs = encode_all (raw, caps, &jpeg_caps);
  compare ("elements", "jpegdec", "asyncjpegdec", 1, 0, jpeg_caps, jpegs,
      total, rounds);
  compare ("elements", "jpegdec", "jpegdec", 2, 0, jpeg_caps, jpegs, total,
      rounds);

  g_print ("\nworkers: asyncjpegenc and asyncjpegdec n-workers=1, 2, 4, 8, "
      "%u frames, %u rounds\n", total / 2, sweep_rounds);
  g_print ("  | element / stock | frames/s ratio, median | spread | "
      "frames/s | CPU ms per frame |\n");
  g_print ("  |---|---|---|---|---|\n");
  sweep_workers ("workers-jpegenc", "jpegenc", "asyncjpegenc", caps, raw,
      total / 2, sweep_rounds);
  sweep_workers ("workers-jpegdec", "jpegdec", "asyncjpegdec", jpeg_caps,
      jpegs, total / 2, sweep_rounds);
  g_ptr_array_unref (jpegs);
  gst_caps_unref (jpeg_caps);
  gst_caps_unref (caps);
  g_ptr_array_unref (raw);
}

/* PNG: RGB frames (pngenc takes no YUV), tens of ms each */
static void
bench_png (gint scale)
{
  guint total = bench_pick (scale, 4, 16, 60);
  guint rounds = bench_pick (scale, 1, 2, 5);
  GPtrArray *raw;
  GstCaps *caps;

  raw = section (GST_VIDEO_FORMAT_RGB, DISTINCT / 3, 43, total, rounds, &caps);
  compare ("elements", "pngenc", "asyncpngenc", 1, 0, caps, raw, total, rounds);
  compare ("elements", "pngenc compression-level=1",
      "asyncpngenc compression-level=1", 1, 0, caps, raw, total, rounds);
  compare ("elements", "pngenc", "asyncpngenc n-workers=1", 1, 1, caps, raw,
      total, rounds);
  gst_caps_unref (caps);
  g_ptr_array_unref (raw);
}

/* asyncwrap: gaussianblur (AYUV only), tens of ms a frame */
static void
bench_blur (gint scale)
{
  guint total = bench_pick (scale, 4, 24, 90);
  guint rounds = bench_pick (scale, 1, 2, 5);
  GPtrArray *raw;
  GstCaps *caps;

  raw = section (GST_VIDEO_FORMAT_AYUV, DISTINCT / 3, 44, total, rounds, &caps);
  compare ("elements", "gaussianblur", "asyncwrap filter=gaussianblur", 1, 0,
      caps, raw, total, rounds);
  compare ("elements", "gaussianblur", "gaussianblur", 2, 0, caps, raw, total,
      rounds);
  gst_caps_unref (caps);
  g_ptr_array_unref (raw);
}

int
main (int argc, char **argv)
{
  gint scale = bench_scale (argc, argv);

  gst_init (&argc, &argv);
  if (scale == 0) {
    width = 320;
    height = 240;
  }
  if (bench_wants_section (argc, argv, "jpeg"))
    bench_jpeg (scale);
  if (bench_wants_section (argc, argv, "png"))
    bench_png (scale);
  if (bench_wants_section (argc, argv, "blur"))
    bench_blur (scale);
  return 0;
}
