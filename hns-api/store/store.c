/* The state store on SQLite (store.h).
 *
 * One table, objects(kind, id, seq, json): seq gives insertion order; a put
 * of an id that exists replaces its JSON and keeps its seq, so an update
 * does not move an object to the end. seq comes from an in-memory counter
 * started at MAX(seq)+1 on open: the daemon is the only writer of its state
 * file (a counter value lost to a rollback only leaves a gap).
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL. A commit appends the
 * transaction to the WAL file with write() before store_commit returns, so
 * it is in the kernel's page cache and survives the process being killed at
 * any point (crash, abort, kill -9), which is the requirement; the WAL is
 * only fsync'd at checkpoints, so an OS crash or power cut may lose the last
 * few commits (never corrupt the file). synchronous=FULL would cover that at
 * the price of an fsync per API request. Checkpoints (and their fsyncs) run
 * on a thread of their own (store_checkpoint.c), not in a request's
 * commit.
 *
 * The schema version lives in PRAGMA user_version; a file written by a
 * newer hvswitch (higher version) is refused rather than misread.
 *
 * The file holds every API object: it is created mode 0600 whatever the
 * umask (created here before SQLite opens it; SQLite gives its -wal and
 * -shm files the database file's mode), and group/other bits of an
 * existing file, -wal or -shm are taken away on open. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_checkpoint.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_BUSY_TIMEOUT_MS 5000

struct hns_store {
	sqlite3 *db;
	char *path;
	bool in_tx;
	int64_t next_seq;
	/* Prepared once, reset after every use. */
	sqlite3_stmt *begin, *commit, *rollback;
	sqlite3_stmt *put, *del, *load;
	struct store_checkpointer *checkpointer; /* NULL: SQLite's own checkpoints */
	char err[512];
};

static void set_err(struct hns_store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct hns_store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/* "what: <sqlite message>" */
static void set_db_err(struct hns_store *s, const char *what)
{
	set_err(s, "%s: %s", what, sqlite3_errmsg(s->db));
}

static int exec(struct hns_store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		set_err(s, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Runs a statement that returns one integer row. */
static int query_int(struct hns_store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		set_db_err(s, sql);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		set_db_err(s, sql);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int prepare(struct hns_store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK) {
		set_db_err(s, "prepare");
		return -1;
	}
	return 0;
}

/* Runs a cached statement that returns no rows; leaves it reset. */
static int step_done(struct hns_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		set_db_err(s, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Creates the schema of a new file, or checks the version of an old one. */
static int init_schema(struct hns_store *s)
{
	int64_t version;

	if (query_int(s, "PRAGMA user_version", &version) < 0)
		return -1;
	if (version > STORE_SCHEMA_VERSION) {
		set_err(s, "schema version %lld is newer than this hvswitch "
			"supports (%d); use a newer vswitchd or another --state "
			"file", (long long)version, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	/* Version 0: a new (empty) file. */
	if (exec(s, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (exec(s, "CREATE TABLE IF NOT EXISTS objects ("
		    " kind TEXT NOT NULL,"
		    " id TEXT NOT NULL,"
		    " seq INTEGER NOT NULL,"
		    " json TEXT NOT NULL,"
		    " PRIMARY KEY (kind, id))") < 0 ||
	    exec(s, "PRAGMA user_version = 1") < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec(s, "COMMIT");
}

/* An existing regular file at path keeps only its owner's bits. */
static int strip_group_other(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
		return 0;
	return chmod(path, st.st_mode & 0700);
}

/* The database file, -wal and -shm private to the owner (see the top). */
static int make_private(struct hns_store *s)
{
	static const char *const suffix[] = {"-wal", "-shm"};
	char aux[4096 + 8];
	int fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0) {
		int rc = fchmod(fd, 0600); /* the umask may have taken bits */

		close(fd);
		if (rc < 0) {
			set_err(s, "chmod 0600: %s", strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		set_err(s, "%s", strerror(errno));
		return -1;
	} else if (strip_group_other(s->path) < 0) {
		set_err(s, "chmod: %s", strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < 2; i++) {
		snprintf(aux, sizeof(aux), "%s%s", s->path, suffix[i]);
		if (strip_group_other(aux) < 0) {
			set_err(s, "chmod %s: %s", aux, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int open_db(struct hns_store *s)
{
	char mode[16] = "";
	sqlite3_stmt *st;
	int64_t max_seq;

	if (make_private(s) < 0)
		return -1;
	if (sqlite3_open_v2(s->path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		int e = s->db ? sqlite3_system_errno(s->db) : 0;

		if (s->db == NULL)
			set_err(s, "out of memory");
		else if (e != 0)
			set_err(s, "%s (%s)", sqlite3_errmsg(s->db), strerror(e));
		else
			set_err(s, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	/* Write protected files are opened read-only without an error. */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		set_err(s, "file is read-only");
		return -1;
	}

	/* The first statement that reads the file: a file that is not a
	 * database (or is damaged) fails here. */
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
			       NULL) != SQLITE_OK) {
		set_err(s, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(st, 0);

		snprintf(mode, sizeof(mode), "%s", m ? (const char *)m : "");
	} else {
		set_err(s, "%s", sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	/* "memory" for ":memory:" databases; anything else is a problem. */
	if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
		set_err(s, "cannot use WAL journal (journal_mode is %s)", mode);
		return -1;
	}
	if (exec(s, "PRAGMA synchronous = NORMAL") < 0)
		return -1;
	if (init_schema(s) < 0)
		return -1;
	/* A scan of the whole table (no index on seq): besides starting the
	 * counter, damaged pages show here rather than on a later request. */
	if (query_int(s, "SELECT COALESCE(MAX(seq), 0) FROM objects",
		      &max_seq) < 0)
		return -1;
	s->next_seq = max_seq + 1;

	if (prepare(s, "BEGIN IMMEDIATE", &s->begin) < 0 ||
	    prepare(s, "COMMIT", &s->commit) < 0 ||
	    prepare(s, "ROLLBACK", &s->rollback) < 0 ||
	    prepare(s, "INSERT INTO objects (kind, id, seq, json)"
		       " VALUES (?1, ?2, ?3, ?4)"
		       " ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json",
		    &s->put) < 0 ||
	    prepare(s, "DELETE FROM objects WHERE kind = ?1 AND id = ?2",
		    &s->del) < 0 ||
	    prepare(s, "SELECT id, json FROM objects WHERE kind = ?1"
		       " ORDER BY seq", &s->load) < 0)
		return -1;
	if (strcmp(mode, "wal") == 0)
		s->checkpointer = store_checkpointer_start(s->db, s->path);
	return 0;
}

struct hns_store *store_open(const char *path, char *err, size_t errlen)
{
	struct hns_store *s;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "state store: no file name");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "state store %s: out of memory", path);
		free(s);
		return NULL;
	}
	if (open_db(s) < 0) {
		snprintf(err, errlen, "state store %s: %s", path, s->err);
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct hns_store *s)
{
	if (s == NULL)
		return;
	if (s->in_tx)
		store_rollback(s);
	store_checkpointer_stop(s->checkpointer, s->db);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	sqlite3_finalize(s->rollback);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->load);
	/* The last connection to close checkpoints the WAL into the main
	 * file and removes it. */
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

int store_begin(struct hns_store *s)
{
	if (s->in_tx) {
		set_err(s, "store_begin: a transaction is already open");
		return -1;
	}
	if (step_done(s, s->begin, "begin") < 0)
		return -1;
	s->in_tx = true;
	return 0;
}

int store_commit(struct hns_store *s)
{
	if (!s->in_tx) {
		set_err(s, "store_commit: no transaction is open");
		return -1;
	}
	if (step_done(s, s->commit, "commit") < 0) {
		/* Nothing was stored: end the transaction so that the store
		 * stays usable (a later store_rollback is a no-op). */
		char keep[sizeof(s->err)];

		memcpy(keep, s->err, sizeof(keep));
		if (!sqlite3_get_autocommit(s->db))
			step_done(s, s->rollback, "rollback");
		memcpy(s->err, keep, sizeof(keep));
		s->in_tx = false;
		return -1;
	}
	s->in_tx = false;
	return 0;
}

void store_rollback(struct hns_store *s)
{
	if (!s->in_tx)
		return;
	/* SQLite may already have rolled back by itself (e.g. on a full
	 * disk); then there is nothing to undo. */
	if (!sqlite3_get_autocommit(s->db))
		step_done(s, s->rollback, "rollback");
	s->in_tx = false;
}

static int check_write(struct hns_store *s, const char *fn, const char *kind,
		       const char *id)
{
	if (!s->in_tx) {
		set_err(s, "%s: outside a transaction", fn);
		return -1;
	}
	if (kind == NULL || id == NULL) {
		set_err(s, "%s: no kind or id", fn);
		return -1;
	}
	return 0;
}

int store_put(struct hns_store *s, const char *kind, const char *id,
	      const char *json_text)
{
	if (check_write(s, "store_put", kind, id) < 0)
		return -1;
	if (json_text == NULL) {
		set_err(s, "store_put: no JSON for %s %s", kind, id);
		return -1;
	}
	sqlite3_bind_text(s->put, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->put, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->put, 3, s->next_seq++);
	sqlite3_bind_text(s->put, 4, json_text, -1, SQLITE_STATIC);
	return step_done(s, s->put, "store_put");
}

/* Deleting an object that is not stored is not an error. */
int store_delete(struct hns_store *s, const char *kind, const char *id)
{
	if (check_write(s, "store_delete", kind, id) < 0)
		return -1;
	sqlite3_bind_text(s->del, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->del, 2, id, -1, SQLITE_STATIC);
	return step_done(s, s->del, "store_delete");
}

int store_load(struct hns_store *s, const char *kind, store_load_fn fn,
	       void *arg)
{
	sqlite3_stmt *st = s->load;
	int rc, ret = 0;

	if (kind == NULL || fn == NULL) {
		set_err(s, "store_load: no kind or callback");
		return -1;
	}
	/* A callback that loads another kind gets its own statement. */
	if (sqlite3_stmt_busy(st) &&
	    sqlite3_prepare_v2(s->db, sqlite3_sql(s->load), -1, &st, NULL) !=
		    SQLITE_OK) {
		set_db_err(s, "store_load");
		return -1;
	}
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *json = (const char *)sqlite3_column_text(st, 1);

		ret = fn(arg, id ? id : "", json ? json : "");
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		set_db_err(s, "store_load");
		ret = -1;
	}
	if (st == s->load) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
	return ret;
}

unsigned long store_checkpoints(const struct hns_store *s)
{
	return store_checkpointer_runs(s->checkpointer);
}

const char *store_error(const struct hns_store *s)
{
	if (s == NULL)
		return "no state store";
	return s->err[0] ? s->err : "no error";
}
