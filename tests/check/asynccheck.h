/* Shared by the test programs: loop counts that shrink under valgrind, which
 * runs every thread on one core and many times slower. The valgrind test
 * setup sets GST_ASYNC_TEST_VALGRIND. */

#ifndef __ASYNC_CHECK_H__
#define __ASYNC_CHECK_H__

#include <glib.h>

static inline guint
async_check_scale (guint n)
{
  return g_getenv ("GST_ASYNC_TEST_VALGRIND") ? MAX (n / 10, 2) : n;
}

#endif /* __ASYNC_CHECK_H__ */
