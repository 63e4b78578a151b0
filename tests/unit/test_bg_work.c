/* The background job thread (vswitch/control/bg_work.h): work runs off
 * the caller's thread, done() runs on the caller's thread at its poll, in
 * submit order, never before the work is over; stop drains what is
 * queued. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "bg_work.h"

#define JOBS 50

struct job_log {
	pthread_t caller;
	atomic_int worked[JOBS];
	int done_order[JOBS];
	int nb_done;
	bool work_on_caller, done_off_caller, done_before_work;
	atomic_bool release; /* jobs wait for it: work still running */
};

struct job {
	struct job_log *log;
	int index;
	bool wait;
};

static void work(void *arg)
{
	struct job *j = arg;

	if (pthread_equal(pthread_self(), j->log->caller))
		j->log->work_on_caller = true;
	while (j->wait && !atomic_load(&j->log->release))
		nanosleep(&(struct timespec){0, 100000}, NULL);
	atomic_store(&j->log->worked[j->index], 1);
}

static void done(void *arg)
{
	struct job *j = arg;

	if (!pthread_equal(pthread_self(), j->log->caller))
		j->log->done_off_caller = true;
	if (!atomic_load(&j->log->worked[j->index]))
		j->log->done_before_work = true;
	j->log->done_order[j->log->nb_done++] = j->index;
}

static void poll_until(struct bg_work *w, struct job_log *log, int n)
{
	for (int i = 0; i < 100000 && log->nb_done < n; i++) {
		bg_work_poll(w);
		nanosleep(&(struct timespec){0, 100000}, NULL);
	}
}

Test(bg_work, jobs_run_off_the_caller_and_finish_on_it_in_order)
{
	static struct job_log log;
	static struct job jobs[JOBS];
	char err[128];
	struct bg_work *w = bg_work_start(err, sizeof(err));

	cr_assert_not_null(w, "%s", err);
	log.caller = pthread_self();
	for (int i = 0; i < JOBS; i++) {
		jobs[i] = (struct job){&log, i, false};
		cr_assert_eq(bg_work_submit(w, work, done, &jobs[i]), 0);
	}
	poll_until(w, &log, JOBS);
	cr_assert_eq(log.nb_done, JOBS);
	for (int i = 0; i < JOBS; i++)
		cr_assert_eq(log.done_order[i], i, "done %d ran as %d", log.done_order[i], i);
	cr_assert(!log.work_on_caller, "a job's work ran on the caller's thread");
	cr_assert(!log.done_off_caller, "a done() ran off the caller's thread");
	cr_assert(!log.done_before_work, "a done() ran before its work was over");
	cr_assert_eq(bg_work_pending(w), 0);
	bg_work_stop(w);
}

Test(bg_work, poll_never_waits_for_a_running_job)
{
	static struct job_log log;
	static struct job j;
	char err[128];
	struct bg_work *w = bg_work_start(err, sizeof(err));

	cr_assert_not_null(w, "%s", err);
	log.caller = pthread_self();
	j = (struct job){&log, 0, true};
	cr_assert_eq(bg_work_submit(w, work, done, &j), 0);
	cr_assert_eq(bg_work_poll(w), 0, "done() ran while the work was held");
	cr_assert_eq(bg_work_pending(w), 1);
	atomic_store(&log.release, true);
	poll_until(w, &log, 1);
	cr_assert_eq(log.nb_done, 1);
	bg_work_stop(w);
}

Test(bg_work, stop_finishes_what_is_queued)
{
	static struct job_log log;
	static struct job jobs[5];
	char err[128];
	struct bg_work *w = bg_work_start(err, sizeof(err));

	cr_assert_not_null(w, "%s", err);
	log.caller = pthread_self();
	for (int i = 0; i < 5; i++) {
		jobs[i] = (struct job){&log, i, i == 0};
		cr_assert_eq(bg_work_submit(w, work, done, &jobs[i]), 0);
	}
	atomic_store(&log.release, true);
	bg_work_stop(w); /* joins, then runs every done() here */
	cr_assert_eq(log.nb_done, 5);
	for (int i = 0; i < 5; i++)
		cr_assert(atomic_load(&log.worked[i]));
	cr_assert(!log.done_off_caller);
}

/* done() of the first job submits a second one while stop drains. */
static struct bg_work *chained_w;
static struct job chained[2];

static void done_then_submit(void *arg)
{
	done(arg);
	cr_assert_eq(bg_work_submit(chained_w, work, done, &chained[1]), 0);
}

Test(bg_work, stop_runs_what_a_done_submits)
{
	static struct job_log log;
	char err[128];

	chained_w = bg_work_start(err, sizeof(err));
	cr_assert_not_null(chained_w, "%s", err);
	log.caller = pthread_self();
	chained[0] = (struct job){&log, 0, false};
	chained[1] = (struct job){&log, 1, false};
	cr_assert_eq(bg_work_submit(chained_w, work, done_then_submit, &chained[0]), 0);
	bg_work_stop(chained_w);
	cr_assert_eq(log.nb_done, 2, "the job submitted while stopping did not finish");
	cr_assert(atomic_load(&log.worked[1]));
}
