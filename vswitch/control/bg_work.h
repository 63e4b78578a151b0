/* Slow control-plane work off the main lcore: one background thread runs
 * submitted jobs in order (work(arg)), and the main lcore, at its next
 * bg_work_poll(), runs each finished job's done(arg). So a 10,000-rule
 * ACL compile no longer holds up MAC learning and the API: only the
 * job's short main-lcore steps (before submit, in done) run there.
 * A job's work must touch nothing the main lcore changes meanwhile; the
 * caller keeps it so (the REST router applies one change at a time).
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_BG_WORK_H
#define HVS_BG_WORK_H

#include <stdbool.h>
#include <stddef.h>

struct bg_work;

typedef void (*bg_work_fn)(void *arg);

/* NULL with err when the thread cannot start. */
struct bg_work *bg_work_start(char *err, size_t errlen);
/* Queues a job; 0, or -1 when out of memory (nothing queued). */
int bg_work_submit(struct bg_work *w, bg_work_fn work, bg_work_fn done, void *arg);
/* Main lcore: runs done() of every finished job, in submit order; returns
 * how many. Never blocks on a running job. */
unsigned bg_work_poll(struct bg_work *w);
/* Jobs submitted and not yet done()'d. */
unsigned bg_work_pending(const struct bg_work *w);
/* Waits for the queued jobs, runs their done()s, ends the thread; jobs
 * a done() submits meanwhile run on the caller's thread. */
void bg_work_stop(struct bg_work *w);

#endif
