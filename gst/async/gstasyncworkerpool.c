/* GStreamer
 * Copyright (C) 2026 gst-plugins-async developers
 *
 * gstasyncworkerpool.c: worker threads shared by async elements
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

/* A pool of worker threads that run the jobs of one or more members
 * (elements). Each element has a private pool, unless elements name the
 * same worker group: they then share one pool, which has as many threads as
 * the largest number any of them asked for, and goes away with its last
 * member.
 *
 * Members with work that may start wait in a FIFO run queue. A worker takes
 * the member at its head, takes one job of it, puts the member back at the
 * tail if it has more, and runs the job: members take turns job by job, so
 * one busy element cannot starve another. How many of its jobs run at once
 * is the member's own business (its take function refuses beyond that).
 *
 * A member may also ask to be queued at a time to come (a partial batch
 * that waits for more frames until its timeout): idle workers wait until
 * the earliest such time, and queue the members whose time has come.
 *
 * Locks: pool->lock guards the run queue, the timed members and every
 * member's queued, wake_at, leaving and active fields. The take and run functions are called without
 * it. A member may call gst_async_worker_pool_wake () with its own lock
 * held: the pool lock nests inside element locks, never the reverse.
 * registry_lock guards the table of named pools, every pool's refs and
 * threads, and is never taken with pool->lock held.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncworkerpool.h"

struct _GstAsyncWorkerPool
{
  gchar *group;                 /* NULL: one element's own pool */
  guint refs;                   /* registry_lock */
  GPtrArray *threads;           /* registry_lock */

  GMutex lock;
  GCond work_cond;              /* a member was queued, or quit */
  GCond leave_cond;             /* a leaving member's last worker left */
  GQueue runnable;              /* GstAsyncPoolMember, via their link */
  GQueue timed;                 /* GstAsyncPoolMember, via timed_link:
                                 * those with a wake_at */
  GQueue members;               /* GstAsyncPoolMember, via member_link */
  guint idle;                   /* workers waiting on work_cond */
  gboolean quit;
};

struct _GstAsyncPoolMember
{
  GstAsyncWorkerPool *pool;
  GstAsyncPoolTakeFunc take;
  GstAsyncPoolRunFunc run;
  gpointer data;

  /* pool->lock */
  GList link;                   /* in pool->runnable while queued */
  gboolean queued;
  GList member_link;            /* in pool->members from join to leave */
  GList timed_link;             /* in pool->timed while wake_at is set */
  gint64 wake_at;               /* monotonic µs to queue it at, or 0 */
  gboolean leaving;
  guint active;                 /* workers inside take or run */
};

static GMutex registry_lock;
static GHashTable *groups;      /* group name -> GstAsyncWorkerPool */

/* Puts @member in the run queue unless it is there. Returns whether an
 * idle worker should be woken for it: when @wake, or when the caller will
 * not get to it first (something else is ahead of it). */
static gboolean
gst_async_worker_pool_queue_locked (GstAsyncWorkerPool * pool,
    GstAsyncPoolMember * member, gboolean wake)
{
  if (!member->queued && !member->leaving) {
    g_queue_push_tail_link (&pool->runnable, &member->link);
    member->queued = TRUE;
  }
  return pool->idle > 0 && (wake || pool->runnable.length > 1);
}

static void
gst_async_worker_pool_untime_locked (GstAsyncWorkerPool * pool,
    GstAsyncPoolMember * member)
{
  if (member->wake_at) {
    g_queue_unlink (&pool->timed, &member->timed_link);
    member->wake_at = 0;
  }
}

/* Queues the timed members whose time has come. Returns the earliest time
 * still to come, or 0 when none is. */
static gint64
gst_async_worker_pool_queue_due_locked (GstAsyncWorkerPool * pool)
{
  gint64 now, earliest = 0;
  GList *l, *next;

  if (pool->timed.length == 0)
    return 0;
  now = g_get_monotonic_time ();
  for (l = pool->timed.head; l; l = next) {
    GstAsyncPoolMember *member = l->data;

    next = l->next;
    if (member->wake_at <= now) {
      gst_async_worker_pool_untime_locked (pool, member);
      gst_async_worker_pool_queue_locked (pool, member, FALSE);
    } else if (earliest == 0 || member->wake_at < earliest) {
      earliest = member->wake_at;
    }
  }
  return earliest;
}

static gpointer
gst_async_worker_pool_worker (gpointer data)
{
  GstAsyncWorkerPool *pool = data;

  g_mutex_lock (&pool->lock);
  for (;;) {
    GstAsyncPoolMember *member;
    gpointer job;
    gboolean more = FALSE;

    for (;;) {
      /* (timed members whose time has come queue behind the others, even
       * while those keep the run queue full) */
      gint64 until = gst_async_worker_pool_queue_due_locked (pool);

      if (pool->quit || pool->runnable.length > 0)
        break;
      pool->idle++;
      if (until)
        g_cond_wait_until (&pool->work_cond, &pool->lock, until);
      else
        g_cond_wait (&pool->work_cond, &pool->lock);
      pool->idle--;
    }
    if (pool->quit)
      break;

    member = g_queue_pop_head_link (&pool->runnable)->data;
    member->queued = FALSE;
    member->active++;
    g_mutex_unlock (&pool->lock);

    job = member->take (member->data, &more);

    g_mutex_lock (&pool->lock);
    if (more && gst_async_worker_pool_queue_locked (pool, member, TRUE))
      g_cond_signal (&pool->work_cond);
    if (job) {
      g_mutex_unlock (&pool->lock);
      more = member->run (member->data, job);
      g_mutex_lock (&pool->lock);
      /* This worker comes back for it unless others are ahead. */
      if (more && gst_async_worker_pool_queue_locked (pool, member, FALSE))
        g_cond_signal (&pool->work_cond);
    }
    member->active--;
    if (member->active == 0 && member->leaving)
      g_cond_broadcast (&pool->leave_cond);
  }
  g_mutex_unlock (&pool->lock);
  return NULL;
}

/* With registry_lock. */
static GstAsyncWorkerPool *
gst_async_worker_pool_new (const gchar * group)
{
  GstAsyncWorkerPool *pool = g_new0 (GstAsyncWorkerPool, 1);

  pool->group = g_strdup (group);
  pool->threads = g_ptr_array_new ();
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->work_cond);
  g_cond_init (&pool->leave_cond);
  g_queue_init (&pool->runnable);
  g_queue_init (&pool->timed);
  g_queue_init (&pool->members);
  if (group) {
    if (groups == NULL)
      groups = g_hash_table_new (g_str_hash, g_str_equal);
    g_hash_table_insert (groups, pool->group, pool);
  }
  return pool;
}

/* Called without any lock, once the pool has no member left. */
static void
gst_async_worker_pool_free (GstAsyncWorkerPool * pool)
{
  guint i;

  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->work_cond);
  g_mutex_unlock (&pool->lock);

  for (i = 0; i < pool->threads->len; i++)
    g_thread_join (g_ptr_array_index (pool->threads, i));
  g_ptr_array_unref (pool->threads);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->work_cond);
  g_cond_clear (&pool->leave_cond);
  g_free (pool->group);
  g_free (pool);
}

/* Joins the pool of @group (a private pool when @group is NULL or empty),
 * which then has at least @n_threads workers. @take and @run are called
 * with @data from the workers once gst_async_worker_pool_wake () says
 * there is work. */
GstAsyncPoolMember *
gst_async_worker_pool_join (const gchar * group, guint n_threads,
    GstAsyncPoolTakeFunc take, GstAsyncPoolRunFunc run, gpointer data)
{
  GstAsyncPoolMember *member = g_new0 (GstAsyncPoolMember, 1);
  GstAsyncWorkerPool *pool = NULL;

  if (group && *group == '\0')
    group = NULL;

  g_mutex_lock (&registry_lock);
  if (group && groups)
    pool = g_hash_table_lookup (groups, group);
  if (pool == NULL)
    pool = gst_async_worker_pool_new (group);
  pool->refs++;
  while (pool->threads->len < n_threads)
    g_ptr_array_add (pool->threads, g_thread_new ("asyncworker",
            gst_async_worker_pool_worker, pool));
  g_mutex_unlock (&registry_lock);

  member->pool = pool;
  member->take = take;
  member->run = run;
  member->data = data;
  member->link.data = member;
  member->timed_link.data = member;
  member->member_link.data = member;
  g_mutex_lock (&pool->lock);
  g_queue_push_tail_link (&pool->members, &member->member_link);
  g_mutex_unlock (&pool->lock);
  return member;
}

/* @member may have a job that can start: a worker will call its take
 * function. */
void
gst_async_worker_pool_wake (GstAsyncPoolMember * member)
{
  GstAsyncWorkerPool *pool = member->pool;

  gboolean wake;

  g_mutex_lock (&pool->lock);
  wake = gst_async_worker_pool_queue_locked (pool, member, TRUE);
  g_mutex_unlock (&pool->lock);
  /* (after the lock: the worker woken needs it first thing) */
  if (wake)
    g_cond_signal (&pool->work_cond);
}

/* @member will have a job that may start at @when (monotonic µs), unless
 * a wake comes first: a worker calls its take function then. An earlier
 * time already asked for stays. */
void
gst_async_worker_pool_wake_at (GstAsyncPoolMember * member, gint64 when)
{
  GstAsyncWorkerPool *pool = member->pool;
  gboolean wake = FALSE;

  g_mutex_lock (&pool->lock);
  if (!member->leaving && (member->wake_at == 0 || when < member->wake_at)) {
    gst_async_worker_pool_untime_locked (pool, member);
    member->wake_at = when;
    g_queue_push_tail_link (&pool->timed, &member->timed_link);
    /* an idle worker times its wait again */
    wake = pool->idle > 0;
  }
  g_mutex_unlock (&pool->lock);
  if (wake)
    g_cond_signal (&pool->work_cond);
}

/* Calls @visit with the data of each other member of @member's pool, in
 * the order they joined, without the pool lock, until it returns FALSE:
 * for a worker of @member to take jobs of the others into its own (a
 * batch across elements). A member visited cannot leave meanwhile. */
void
gst_async_worker_pool_visit_others (GstAsyncPoolMember * member,
    GstAsyncPoolVisitFunc visit, gpointer user_data)
{
  GstAsyncWorkerPool *pool = member->pool;
  GList *l;
  gboolean more = TRUE;

  g_mutex_lock (&pool->lock);
  for (l = pool->members.head; l && more; l = l->next) {
    GstAsyncPoolMember *other = l->data;

    if (other == member)
      continue;
    other->active++;
    g_mutex_unlock (&pool->lock);
    more = visit (other->data, user_data);
    g_mutex_lock (&pool->lock);
    other->active--;
    /* (one that left meanwhile is unlinked, its next NULL: the visit ends
     * there; it is freed only once we are out) */
    if (other->active == 0 && other->leaving)
      g_cond_broadcast (&pool->leave_cond);
  }
  g_mutex_unlock (&pool->lock);
}

/* Leaves the pool and frees @member. Waits for workers inside @member's
 * take or run functions (at most one job per worker) to come out. The last
 * member to leave a pool stops its threads. */
void
gst_async_worker_pool_leave (GstAsyncPoolMember * member)
{
  GstAsyncWorkerPool *pool = member->pool;
  gboolean last;

  g_mutex_lock (&pool->lock);
  member->leaving = TRUE;
  g_queue_unlink (&pool->members, &member->member_link);
  gst_async_worker_pool_untime_locked (pool, member);
  if (member->queued) {
    g_queue_unlink (&pool->runnable, &member->link);
    member->queued = FALSE;
  }
  while (member->active > 0)
    g_cond_wait (&pool->leave_cond, &pool->lock);
  g_mutex_unlock (&pool->lock);
  g_free (member);

  g_mutex_lock (&registry_lock);
  last = --pool->refs == 0;
  if (last && pool->group) {
    g_hash_table_remove (groups, pool->group);
    if (g_hash_table_size (groups) == 0)
      g_clear_pointer (&groups, g_hash_table_unref);
  }
  g_mutex_unlock (&registry_lock);

  if (last)
    gst_async_worker_pool_free (pool);
}
