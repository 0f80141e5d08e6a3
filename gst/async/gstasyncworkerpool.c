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
 * (elements), and their src-pad tasks. Each element has a private pool,
 * unless elements name the same worker group: they then share one pool,
 * and it goes away with its last member.
 *
 * Members with work that may start wait in a FIFO run queue. A worker takes
 * the member at its head, takes one job of it, puts the member back at the
 * tail if it has more, and runs the job: members take turns job by job, so
 * one busy element cannot starve another: each gets its share of the
 * workers, frame for frame. How many of its jobs run at once is the
 * member's own business (its take function refuses beyond that); the pool
 * runs at most jobs_max at once, the largest number of workers a member
 * asked for.
 *
 * A member may also ask to be queued at a time to come (a partial batch
 * that waits for more frames until its timeout): idle workers wait until
 * the earliest such time, and queue the members whose time has come.
 *
 * Task runs: the pool's GstTaskPool (gstasynctaskpool.c) queues the runs of
 * the members' src-pad tasks, which end their loop when they have nothing
 * to push and start again when a frame is ready. A worker takes a task run
 * before a job: it lets frames out, and frees room for more. The pool has
 * one thread more than jobs_max, so that with one task per private pool
 * the task always finds a thread no job holds. A member may also be
 * "poked" (its src task gave its thread to others and wants it back):
 * pokes are served as task runs are, before jobs.
 *
 * Pushes block: a sink waits in preroll until PLAYING, or for each
 * frame's time, a queue downstream is full, a sink never returns. A task
 * run blocked in a push holds its thread, so a fixed set of threads would
 * leave the other members' work waiting, even for good (a pipeline that
 * prerolls only once every stream has pushed). A group's watcher thread
 * therefore adds a thread when work that may start (a task run, a poke,
 * or a job while fewer than jobs_max run) waited SPARE_AFTER while no
 * worker was idle and none finished anything: one thread per push that
 * blocks at once. Threads beyond the base that stay idle for SPARE_IDLE
 * end (the watcher joins them). A private pool needs no watcher: its one
 * task always finds its thread.
 *
 * Locks: pool->lock guards the run queue, the timed members, the task
 * runs, the pokes, the threads, and every member's queued, poked,
 * wake_at, leaving and active fields. The take and run functions, and task runs, are called
 * without it. A member may call gst_async_worker_pool_wake () with its own
 * lock held: the pool lock nests inside element locks, never the reverse.
 * registry_lock guards the table of named pools and every pool's refs, and
 * is never taken with pool->lock held. A task pool's object lock is taken
 * before pool->lock, to push a task run.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstasyncworkerpool.h"
#include "gstasynctaskpool.h"

#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

GST_DEBUG_CATEGORY_EXTERN (gst_async_transform_debug);
#define GST_CAT_DEFAULT gst_async_transform_debug

/* Work that waited this long (µs) for a thread, with every thread busy
 * and none finishing anything, waits behind pushes that block: a spare
 * thread is added. A thread beyond the base idle for SPARE_IDLE ends. */
#define SPARE_AFTER (5 * G_TIME_SPAN_MILLISECOND)
#define SPARE_IDLE G_TIME_SPAN_SECOND
/* The watcher, woken this late (µs) by its own timeout, takes the CPUs as
 * busy: a thread that finished nothing may only be waiting for one, and
 * another thread would not help, unless nothing finished for SPARE_STALL
 * all the same (a push blocked on a loaded machine). */
#define SPARE_LATE G_TIME_SPAN_MILLISECOND
#define SPARE_STALL (100 * G_TIME_SPAN_MILLISECOND)

#define WORKER_NAME "asyncworker"

typedef struct
{
  GstTaskPoolFunction func;
  gpointer data;
  gint64 queued_at;             /* monotonic µs */
} GstAsyncTaskRun;

struct _GstAsyncWorkerPool
{
  gchar *group;                 /* NULL: one element's own pool */
  guint refs;                   /* registry_lock */
  GstTaskPool *task_pool;       /* fixed; the src tasks' GstTaskPool */

  GMutex lock;
  GCond work_cond;              /* a member or a task run was queued, or
                                 * quit */
  GCond leave_cond;             /* a leaving member's last worker left */
  GCond watch_cond;             /* work was queued while the watcher
                                 * slept, or quit */
  GPtrArray *threads;           /* the workers */
  GPtrArray *ended;             /* spare workers that ended, to join */
  GThread *watcher;             /* a group's, made with its first work */
  gboolean watcher_asleep;      /* it waits for work to be queued */
  guint starting;               /* threads made that have not yet taken
                                 * the lock */
  guint jobs_max;               /* jobs run at once at most */
  guint jobs_running;
  GQueue runnable;              /* GstAsyncPoolMember, via their link */
  GQueue timed;                 /* GstAsyncPoolMember, via timed_link:
                                 * those with a wake_at */
  GQueue members;               /* GstAsyncPoolMember, via member_link */
  GQueue tasks;                 /* GstAsyncTaskRun *, oldest first */
  GQueue pokes;                 /* GstAsyncPoolMember, via poke_link */
  gint idle;                    /* workers waiting on work_cond; also
                                 * read atomically */
  gint64 progress_at;           /* monotonic µs, when a worker last
                                 * finished a task run or a job */
  gint tasks_queued;            /* tasks.length, read atomically */
  gboolean quit;
};

struct _GstAsyncPoolMember
{
  GstAsyncWorkerPool *pool;
  GstAsyncPoolTakeFunc take;
  GstAsyncPoolRunFunc run;
  GstAsyncPoolPokeFunc poke;
  gpointer data;

  /* pool->lock */
  GList link;                   /* in pool->runnable while queued */
  gboolean queued;
  gint64 queued_at;             /* monotonic µs, when it was */
  GList poke_link;              /* in pool->pokes while poked */
  gboolean poked;
  gint64 poked_at;              /* monotonic µs */
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
    member->queued_at = g_get_monotonic_time ();
  }
  return pool->idle > 0 && pool->jobs_running < pool->jobs_max
      && (wake || pool->runnable.length > 1);
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

/* Whether a worker may take something now: a task run, or a job while
 * the pool runs fewer than jobs_max. */
static inline gboolean
gst_async_worker_pool_has_work_locked (GstAsyncWorkerPool * pool)
{
  return pool->tasks.length > 0 || pool->pokes.length > 0
      || (pool->runnable.length > 0 && pool->jobs_running < pool->jobs_max);
}

/* Takes the oldest task run and runs it, releasing the lock meanwhile. */
static void
gst_async_worker_pool_run_task_locked (GstAsyncWorkerPool * pool)
{
  GstAsyncTaskRun *run = g_queue_pop_head (&pool->tasks);
  gint64 progress_at;

  g_atomic_int_dec_and_test (&pool->tasks_queued);
  g_mutex_unlock (&pool->lock);
  run->func (run->data);
  g_free (run);
  progress_at = g_get_monotonic_time ();
#ifdef HAVE_SYS_PRCTL_H
  /* (a GstTask names the thread after itself while it runs; in top -H and
   * gdb an idle worker is a worker) */
  prctl (PR_SET_NAME, (unsigned long) WORKER_NAME, 0, 0, 0);
#endif
  g_mutex_lock (&pool->lock);
  pool->progress_at = progress_at;
}

/* Pokes the oldest member poked, releasing the lock meanwhile. */
static void
gst_async_worker_pool_run_poke_locked (GstAsyncWorkerPool * pool)
{
  GstAsyncPoolMember *member = g_queue_pop_head_link (&pool->pokes)->data;

  member->poked = FALSE;
  member->active++;
  g_mutex_unlock (&pool->lock);
  member->poke (member->data);
  g_mutex_lock (&pool->lock);
  pool->progress_at = g_get_monotonic_time ();
  member->active--;
  if (member->active == 0 && member->leaving)
    g_cond_broadcast (&pool->leave_cond);
}

/* Takes a job of the member at the head of the run queue and runs it,
 * releasing the lock meanwhile. */
static void
gst_async_worker_pool_run_job_locked (GstAsyncWorkerPool * pool)
{
  GstAsyncPoolMember *member = g_queue_pop_head_link (&pool->runnable)->data;
  gpointer job;
  gboolean more = FALSE;

  member->queued = FALSE;
  member->active++;
  pool->jobs_running++;
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
  pool->jobs_running--;
  pool->progress_at = g_get_monotonic_time ();
  /* (a member left waiting for the job limit, while this worker goes on
   * to a task run) */
  if (pool->runnable.length > 0 && pool->tasks.length > 0 && pool->idle > 0)
    g_cond_signal (&pool->work_cond);
  member->active--;
  if (member->active == 0 && member->leaving)
    g_cond_broadcast (&pool->leave_cond);
}

/* A thread beyond the base that found no work for SPARE_IDLE ends: it
 * leaves the threads for the watcher to join. */
static gboolean
gst_async_worker_pool_end_spare_locked (GstAsyncWorkerPool * pool)
{
  if (pool->threads->len <= pool->jobs_max + 1)
    return FALSE;
  g_ptr_array_remove_fast (pool->threads, g_thread_self ());
  g_ptr_array_add (pool->ended, g_thread_self ());
  return TRUE;
}

static gpointer
gst_async_worker_pool_worker (gpointer data)
{
  GstAsyncWorkerPool *pool = data;

  g_mutex_lock (&pool->lock);
  pool->starting--;
  for (;;) {
    for (;;) {
      /* (timed members whose time has come queue behind the others, even
       * while those keep the run queue full) */
      gint64 until = gst_async_worker_pool_queue_due_locked (pool);
      gint64 spare_end = 0;
      gboolean woken;

      if (pool->quit || gst_async_worker_pool_has_work_locked (pool))
        break;
      if (pool->threads->len > pool->jobs_max + 1) {
        spare_end = g_get_monotonic_time () + SPARE_IDLE;
        if (until == 0 || spare_end < until)
          until = spare_end;
      }
      g_atomic_int_inc (&pool->idle);
      woken = TRUE;
      if (until)
        woken = g_cond_wait_until (&pool->work_cond, &pool->lock, until);
      else
        g_cond_wait (&pool->work_cond, &pool->lock);
      g_atomic_int_dec_and_test (&pool->idle);
      if (!woken && until == spare_end && !pool->quit
          && !gst_async_worker_pool_has_work_locked (pool)
          && gst_async_worker_pool_end_spare_locked (pool)) {
        g_mutex_unlock (&pool->lock);
        return NULL;
      }
    }
    if (pool->quit)
      break;
    if (pool->tasks.length > 0)
      gst_async_worker_pool_run_task_locked (pool);
    else if (pool->pokes.length > 0)
      gst_async_worker_pool_run_poke_locked (pool);
    else
      gst_async_worker_pool_run_job_locked (pool);
  }
  g_mutex_unlock (&pool->lock);
  return NULL;
}

/* With pool->lock. */
static void
gst_async_worker_pool_add_thread_locked (GstAsyncWorkerPool * pool)
{
  pool->starting++;
  g_ptr_array_add (pool->threads, g_thread_new (WORKER_NAME,
          gst_async_worker_pool_worker, pool));
}

/* Since when work that may start now waits for a thread: the oldest task
 * run, the oldest poke, or the member at the head of the run queue while
 * the pool runs fewer jobs than it may (0: none waits). */
static gint64
gst_async_worker_pool_waiting_since_locked (GstAsyncWorkerPool * pool)
{
  GstAsyncTaskRun *oldest = g_queue_peek_head (&pool->tasks);
  GstAsyncPoolMember *poked = g_queue_peek_head (&pool->pokes);
  GstAsyncPoolMember *head = g_queue_peek_head (&pool->runnable);
  gint64 since = oldest ? oldest->queued_at : 0;

  if (poked && (since == 0 || poked->poked_at < since))
    since = poked->poked_at;
  if (head && pool->jobs_running < pool->jobs_max
      && (since == 0 || head->queued_at < since))
    since = head->queued_at;
  return since;
}

/* Joins the spare workers that ended, without the lock. */
static void
gst_async_worker_pool_join_ended_locked (GstAsyncWorkerPool * pool)
{
  GPtrArray *ended;
  guint i;

  if (pool->ended->len == 0)
    return;
  ended = pool->ended;
  pool->ended = g_ptr_array_new ();
  g_mutex_unlock (&pool->lock);
  for (i = 0; i < ended->len; i++)
    g_thread_join (g_ptr_array_index (ended, i));
  g_ptr_array_unref (ended);
  g_mutex_lock (&pool->lock);
}

/* A group's watcher: adds a thread when work that may start waited
 * SPARE_AFTER, with no worker idle and none that finished anything
 * meanwhile: the threads are held by pushes that block (busy ones would
 * have finished something, and taken what waits next). Looks again every
 * SPARE_AFTER while work waits; sleeps while none does. */
static gpointer
gst_async_worker_pool_watch (gpointer data)
{
  GstAsyncWorkerPool *pool = data;
  gint64 due = 0;

  g_mutex_lock (&pool->lock);
  while (!pool->quit) {
    gint64 since = gst_async_worker_pool_waiting_since_locked (pool);
    gint64 now = g_get_monotonic_time ();
    /* (woken late: the CPUs are busy, and threads that finish nothing may
     * only wait for one) */
    gboolean cpu_busy = due != 0 && now - due > SPARE_LATE;

    gst_async_worker_pool_join_ended_locked (pool);
    if (pool->quit)
      break;
    if (since == 0) {
      /* (threads that may end do so within SPARE_IDLE: join them then) */
      pool->watcher_asleep = TRUE;
      if (pool->threads->len > pool->jobs_max + 1)
        g_cond_wait_until (&pool->watch_cond, &pool->lock, now + SPARE_IDLE);
      else
        g_cond_wait (&pool->watch_cond, &pool->lock);
      pool->watcher_asleep = FALSE;
      due = 0;
    } else if (now < MAX (since, pool->progress_at) + SPARE_AFTER) {
      due = MAX (since, pool->progress_at) + SPARE_AFTER;
      if (g_cond_wait_until (&pool->watch_cond, &pool->lock, due))
        due = 0;
    } else {
      /* (one at a time: a thread not yet running is not idle either; and
       * no more than one per member beyond the base, as each has one
       * task) */
      if (pool->idle == 0 && pool->starting == 0
          && pool->threads->len < pool->jobs_max + 1 + pool->members.length
          && (!cpu_busy
              || now - MAX (since, pool->progress_at) >= SPARE_STALL)) {
        GST_INFO ("work waited %" G_GINT64_FORMAT " µs, and no worker "
            "finished anything for %" G_GINT64_FORMAT " µs: a thread more "
            "(%u)", now - since, now - pool->progress_at,
            pool->threads->len + 1);
        gst_async_worker_pool_add_thread_locked (pool);
      }
      due = now + SPARE_AFTER;
      if (g_cond_wait_until (&pool->watch_cond, &pool->lock, due))
        due = 0;
    }
  }
  g_mutex_unlock (&pool->lock);
  return NULL;
}

/* Work was queued: a group's watcher looks at it (made with the first
 * work; a private pool needs none, as its one task always finds its
 * thread). */
static inline void
gst_async_worker_pool_watch_locked (GstAsyncWorkerPool * pool)
{
  if (pool->group == NULL || pool->quit)
    return;
  if (pool->watcher == NULL)
    pool->watcher = g_thread_new ("asyncwatch", gst_async_worker_pool_watch,
        pool);
  else if (pool->watcher_asleep) {
    pool->watcher_asleep = FALSE;
    g_cond_signal (&pool->watch_cond);
  }
}

/* Queues a poke of @member: a worker calls its poke function soon, before
 * any job (its src task wants a thread back). */
void
gst_async_worker_pool_poke (GstAsyncPoolMember * member)
{
  GstAsyncWorkerPool *pool = member->pool;
  gboolean wake = FALSE;

  g_mutex_lock (&pool->lock);
  if (!member->poked && !member->leaving) {
    g_queue_push_tail_link (&pool->pokes, &member->poke_link);
    member->poked = TRUE;
    member->poked_at = g_get_monotonic_time ();
    wake = pool->idle > 0;
    gst_async_worker_pool_watch_locked (pool);
  }
  g_mutex_unlock (&pool->lock);
  if (wake)
    g_cond_signal (&pool->work_cond);
}

/* GstAsyncTaskPool's push: queues a run of a src task. */
void
gst_async_worker_pool_push_task (GstAsyncWorkerPool * pool,
    GstTaskPoolFunction func, gpointer data)
{
  GstAsyncTaskRun *run = g_new (GstAsyncTaskRun, 1);
  gboolean wake;

  run->func = func;
  run->data = data;
  run->queued_at = g_get_monotonic_time ();
  g_mutex_lock (&pool->lock);
  g_queue_push_tail (&pool->tasks, run);
  g_atomic_int_inc (&pool->tasks_queued);
  wake = pool->idle > 0;
  gst_async_worker_pool_watch_locked (pool);
  g_mutex_unlock (&pool->lock);
  if (wake)
    g_cond_signal (&pool->work_cond);
}

/* Whether task runs of the pool wait for a thread, with none idle: a task
 * with more to push then gives its thread to them. Without a lock. */
gboolean
gst_async_worker_pool_tasks_wait (GstAsyncPoolMember * member)
{
  GstAsyncWorkerPool *pool = member->pool;

  return g_atomic_int_get (&pool->tasks_queued) > 0
      && g_atomic_int_get (&pool->idle) == 0;
}

/* The GstTaskPool to run @member's src task on (transfer full). */
GstTaskPool *
gst_async_worker_pool_get_task_pool (GstAsyncPoolMember * member)
{
  return gst_object_ref (member->pool->task_pool);
}

/* With registry_lock. */
static GstAsyncWorkerPool *
gst_async_worker_pool_new (const gchar * group)
{
  GstAsyncWorkerPool *pool = g_new0 (GstAsyncWorkerPool, 1);

  pool->group = g_strdup (group);
  pool->threads = g_ptr_array_new ();
  pool->ended = g_ptr_array_new ();
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->work_cond);
  g_cond_init (&pool->leave_cond);
  g_cond_init (&pool->watch_cond);
  g_queue_init (&pool->runnable);
  g_queue_init (&pool->timed);
  g_queue_init (&pool->members);
  g_queue_init (&pool->tasks);
  g_queue_init (&pool->pokes);
  pool->task_pool = gst_async_task_pool_new (pool);
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

  /* (no task of a member runs or waits: each stopped and joined its task
   * before it left) */
  gst_async_task_pool_detach (pool->task_pool);
  gst_object_unref (pool->task_pool);

  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->work_cond);
  g_cond_signal (&pool->watch_cond);
  g_mutex_unlock (&pool->lock);

  /* (no thread is added, and none ends, once quit is set) */
  if (pool->watcher)
    g_thread_join (pool->watcher);
  for (i = 0; i < pool->threads->len; i++)
    g_thread_join (g_ptr_array_index (pool->threads, i));
  for (i = 0; i < pool->ended->len; i++)
    g_thread_join (g_ptr_array_index (pool->ended, i));
  g_ptr_array_unref (pool->threads);
  g_ptr_array_unref (pool->ended);
  g_warn_if_fail (pool->tasks.length == 0);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->work_cond);
  g_cond_clear (&pool->leave_cond);
  g_cond_clear (&pool->watch_cond);
  g_free (pool->group);
  g_free (pool);
}

/* Joins the pool of @group (a private pool when @group is NULL or empty),
 * which then runs at least @n_jobs jobs at once (and has a thread more, for
 * the src tasks). @take and @run are called with @data from the workers
 * once gst_async_worker_pool_wake () says there is work. */
GstAsyncPoolMember *
gst_async_worker_pool_join (const gchar * group, guint n_jobs,
    GstAsyncPoolTakeFunc take, GstAsyncPoolRunFunc run,
    GstAsyncPoolPokeFunc poke, gpointer data)
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
  g_mutex_unlock (&registry_lock);

  g_mutex_lock (&pool->lock);
  if (n_jobs > pool->jobs_max) {
    pool->jobs_max = n_jobs;
    while (pool->threads->len < n_jobs + 1)
      gst_async_worker_pool_add_thread_locked (pool);
  }
  g_mutex_unlock (&pool->lock);

  member->pool = pool;
  member->take = take;
  member->run = run;
  member->poke = poke;
  member->data = data;
  member->poke_link.data = member;
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
  gst_async_worker_pool_watch_locked (pool);
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
  if (member->poked) {
    g_queue_unlink (&pool->pokes, &member->poke_link);
    member->poked = FALSE;
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
