/* Shared by the benchmarks: the median of a set of measures. */

#ifndef __BENCH_STATS_H__
#define __BENCH_STATS_H__

#include <glib.h>
#include <stdlib.h>

static inline gint
bench_compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* The median of @n values (sorted in place: lowest first, highest last,
 * for the spread). */
static inline gdouble
median (gdouble * values, guint n)
{
  qsort (values, n, sizeof (gdouble), bench_compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

#endif /* __BENCH_STATS_H__ */
