/* The background job thread (bg_work.h): a mutex-guarded FIFO of jobs, a
 * condition variable to wake the thread, and a finished count the main
 * lcore reads without the lock so an idle poll costs one atomic load. */
#include "bg_work.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
	struct job *next;
	bg_work_fn work, done;
	void *arg;
	bool finished;
};

struct bg_work {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *head, *tail; /* submit order; the thread runs the first unfinished */
	unsigned pending;        /* main lcore only */
	unsigned finished;       /* written under lock, read atomically */
	bool stop;
};

static struct job *first_unfinished(struct bg_work *w)
{
	struct job *j = w->head;

	while (j != NULL && j->finished)
		j = j->next;
	return j;
}

static void *run(void *arg)
{
	struct bg_work *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct job *j = first_unfinished(w);

		if (j == NULL) {
			if (w->stop)
				break;
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		pthread_mutex_unlock(&w->lock);
		j->work(j->arg);
		pthread_mutex_lock(&w->lock);
		j->finished = true;
		__atomic_fetch_add(&w->finished, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct bg_work *bg_work_start(char *err, size_t errlen)
{
	struct bg_work *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	rc = pthread_create(&w->thread, NULL, run, w);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the background thread: %s", strerror(rc));
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		free(w);
		return NULL;
	}
	pthread_setname_np(w->thread, "vswitchd-bg");
	return w;
}

int bg_work_submit(struct bg_work *w, bg_work_fn work, bg_work_fn done, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return -1;
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&w->lock);
	if (w->tail != NULL)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->pending++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

unsigned bg_work_poll(struct bg_work *w)
{
	unsigned ran = 0;

	if (w == NULL || __atomic_load_n(&w->finished, __ATOMIC_ACQUIRE) == 0)
		return 0;
	for (;;) {
		struct job *j;

		pthread_mutex_lock(&w->lock);
		j = w->head;
		if (j == NULL || !j->finished) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		w->head = j->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->pending--;
		__atomic_fetch_sub(&w->finished, 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&w->lock);
		if (j->done != NULL)
			j->done(j->arg);
		free(j);
		ran++;
	}
	return ran;
}

unsigned bg_work_pending(const struct bg_work *w)
{
	return w != NULL ? w->pending : 0;
}

void bg_work_stop(struct bg_work *w)
{
	struct job *j;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* a done() may submit more (a free): those run here, in order */
	for (;;) {
		bg_work_poll(w);
		j = first_unfinished(w);
		if (j == NULL)
			break;
		j->work(j->arg);
		j->finished = true;
		__atomic_fetch_add(&w->finished, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}
