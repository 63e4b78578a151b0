/* WAL checkpoints off the request path (store_checkpoint.h).
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL
 * past 1,000 pages, and with synchronous=NORMAL a checkpoint fsyncs the
 * WAL and the database file: 10-20 ms on the shared build host, in the
 * reply of every few hundredth API request (kube-proxy's first sync of
 * 10,000 load balancers met it about 40 times, 0.7 s of its 5 s budget,
 * issue 17). Here the request's connection only notes how the WAL grows
 * (a wal hook, which also turns the automatic checkpoint off), and a
 * thread of ours with its own connection runs a PASSIVE checkpoint once
 * 1,000 pages were appended since the last one began. PASSIVE never waits
 * for the writer: commits go on appending to the WAL meanwhile. The WAL
 * restarts from its beginning at the first commit after a checkpoint that
 * copied every frame, which a steady stream of commits never allows (each
 * checkpoint leaves the frames appended while it ran): a checkpoint that
 * left some is followed by another one second later, so the WAL is caught
 * up and restarts once the stream slows down, and is then cut back to 4 MB
 * (journal_size_limit). Checkpoints are at least 100 ms apart, so their
 * fsyncs do not hog the disk the commits write to.
 *
 * Durability is unchanged: a commit is in the WAL (written before
 * store_commit returns) whether or not a checkpoint has copied it.
 * Layer: hns-api/store/, northbound, store layer (SQLite). */
#include "store_checkpoint.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define CHECKPOINT_PAGES 1000     /* SQLite's default wal_autocheckpoint */
#define CHECKPOINT_GAP_MS 100     /* between two checkpoints */
#define CATCH_UP_MS 1000          /* after one that left frames behind */

struct store_checkpointer {
	sqlite3 *db;          /* the thread's own connection */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* on CLOCK_MONOTONIC */
	int wal_pages;        /* the WAL's size at the last commit */
	int fresh;            /* pages appended since the last checkpoint began */
	bool backlog;         /* the last checkpoint left frames behind */
	bool stop;
	unsigned long runs;   /* checkpoints made */
};

/* In the writer's thread, after each commit: n_pages is the WAL's size
 * (smaller than before: it restarted). */
static int wal_hook(void *arg, sqlite3 *db, const char *schema, int n_pages)
{
	struct store_checkpointer *c = arg;

	(void)db;
	(void)schema;
	pthread_mutex_lock(&c->mu);
	c->fresh += n_pages >= c->wal_pages ? n_pages - c->wal_pages : n_pages;
	c->wal_pages = n_pages;
	if (c->fresh >= CHECKPOINT_PAGES)
		pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return SQLITE_OK;
}

static struct timespec after_ms(const struct timespec *t, long ms)
{
	struct timespec d = *t;

	d.tv_sec += ms / 1000;
	d.tv_nsec += (ms % 1000) * 1000000;
	if (d.tv_nsec >= 1000000000) {
		d.tv_nsec -= 1000000000;
		d.tv_sec++;
	}
	return d;
}

/* Waits on c->cv until when (CLOCK_MONOTONIC) or stop. */
static void wait_until(struct store_checkpointer *c, const struct timespec *when)
{
	while (!c->stop && pthread_cond_timedwait(&c->cv, &c->mu, when) != ETIMEDOUT)
		;
}

static void *run(void *arg)
{
	struct store_checkpointer *c = arg;
	struct timespec last = {0, 0}, next;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		/* the gap after the last checkpoint first, then work */
		next = after_ms(&last, CHECKPOINT_GAP_MS);
		wait_until(c, &next);
		while (!c->stop && c->fresh < CHECKPOINT_PAGES && !c->backlog)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->fresh < CHECKPOINT_PAGES) { /* only a backlog: later */
			next = after_ms(&last, CATCH_UP_MS);
			while (!c->stop && c->fresh < CHECKPOINT_PAGES &&
			       pthread_cond_timedwait(&c->cv, &c->mu, &next) != ETIMEDOUT)
				;
		}
		if (c->stop)
			break;
		c->fresh = 0;
		pthread_mutex_unlock(&c->mu);
		int log = 0, copied = 0;
		/* SQLITE_BUSY (another connection's checkpoint or lock) only
		 * means: again after the gap */
		int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
						   &log, &copied);

		clock_gettime(CLOCK_MONOTONIC, &last);
		pthread_mutex_lock(&c->mu);
		c->runs++;
		/* frames left: not all copied, or commits since it began */
		c->backlog = rc != SQLITE_OK || copied < log || c->fresh > 0;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

struct store_checkpointer *store_checkpointer_start(sqlite3 *writer, const char *path)
{
	struct store_checkpointer *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	pthread_condattr_t ca;

	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    /* the WAL file is cut back to 4 MB when it restarts */
	    sqlite3_exec(writer, "PRAGMA journal_size_limit = 4194304", NULL, NULL, NULL) !=
		    SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) !=
		    SQLITE_OK ||
	    pthread_create(&c->thread, NULL, run, c) != 0) {
		sqlite3_close_v2(c->db);
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return NULL;
	}
	sqlite3_wal_hook(writer, wal_hook, c);
	return c;
}

unsigned long store_checkpointer_runs(struct store_checkpointer *c)
{
	unsigned long n;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	n = c->runs;
	pthread_mutex_unlock(&c->mu);
	return n;
}

void store_checkpointer_stop(struct store_checkpointer *c, sqlite3 *writer)
{
	if (c == NULL)
		return;
	sqlite3_wal_hook(writer, NULL, NULL);
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	sqlite3_close_v2(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
