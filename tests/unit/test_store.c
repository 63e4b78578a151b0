/* The SQLite state store (hns-api/store.h): round trips, insertion order,
 * transactions, persistence across close/reopen and across a killed
 * process, refusal of corrupt and newer files. No EAL. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#include "store.h"

static char dir[64];
static char path[128];
static char err[512];
static struct hns_store *st;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_store.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
	err[0] = '\0';
	st = NULL;
}

static void teardown(void)
{
	char p[160];

	store_close(st);
	st = NULL;
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
}

TestSuite(store, .init = setup, .fini = teardown);

static struct hns_store *open_ok(void)
{
	struct hns_store *s = store_open(path, err, sizeof(err));

	cr_assert_not_null(s, "store_open: %s", err);
	return s;
}

static void put_all(struct hns_store *s, const char *kind,
		    const char *const *ids, const char *const *jsons)
{
	cr_assert_eq(store_begin(s), 0, "%s", store_error(s));
	for (int i = 0; ids[i]; i++)
		cr_assert_eq(store_put(s, kind, ids[i], jsons[i]), 0, "%s",
			     store_error(s));
	cr_assert_eq(store_commit(s), 0, "%s", store_error(s));
}

/* What store_load saw: "id=json;id=json;" */
struct seen {
	char text[4096];
	int count;
	int stop_at; /* return 7 on this call (1-based); 0: never */
};

static int collect(void *arg, const char *id, const char *json)
{
	struct seen *w = arg;
	size_t n = strlen(w->text);

	snprintf(w->text + n, sizeof(w->text) - n, "%s=%s;", id, json);
	w->count++;
	return w->count == w->stop_at ? 7 : 0;
}

static const char *load(struct hns_store *s, const char *kind)
{
	static struct seen w;

	memset(&w, 0, sizeof(w));
	cr_assert_eq(store_load(s, kind, collect, &w), 0, "%s", store_error(s));
	return w.text;
}

Test(store, put_load_round_trip)
{
	const char *json = "{\"Name\":\"n1\",\"Type\":\"NAT\",\"Subnets\":"
			   "[{\"AddressPrefix\":\"172.18.0.0/16\"}],"
			   "\"Text\":\"quote \\\" and unicode \\u00e9\"}";

	st = open_ok();
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "network", "id-1", json), 0, "%s",
		     store_error(st));
	cr_assert_eq(store_commit(st), 0);

	struct seen w = {0};
	char want[1024];

	cr_assert_eq(store_load(st, "network", collect, &w), 0);
	cr_assert_eq(w.count, 1);
	snprintf(want, sizeof(want), "id-1=%s;", json);
	cr_assert_str_eq(w.text, want);
	/* Kinds are separate. */
	cr_assert_str_eq(load(st, "endpoint"), "");
}

Test(store, same_id_different_kinds)
{
	st = open_ok();
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "network", "x", "{\"n\":1}"), 0);
	cr_assert_eq(store_put(st, "endpoint", "x", "{\"e\":1}"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_str_eq(load(st, "network"), "x={\"n\":1};");
	cr_assert_str_eq(load(st, "endpoint"), "x={\"e\":1};");
}

Test(store, load_keeps_insertion_order)
{
	/* Ids that sort differently from their insertion order. */
	const char *ids[] = {"zz", "aa", "mm", "bb", NULL};
	const char *js[] = {"{}", "[]", "1", "\"s\"", NULL};

	st = open_ok();
	put_all(st, "endpoint", ids, js);
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "endpoint", "00", "2"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_str_eq(load(st, "endpoint"),
			 "zz={};aa=[];mm=1;bb=\"s\";00=2;");
}

Test(store, update_keeps_order)
{
	const char *ids[] = {"a", "b", "c", NULL};
	const char *js[] = {"1", "2", "3", NULL};

	st = open_ok();
	put_all(st, "network", ids, js);
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "network", "a", "10"), 0);
	cr_assert_eq(store_put(st, "network", "b", "20"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_str_eq(load(st, "network"), "a=10;b=20;c=3;");

	/* ... also after reopening (the counter restarts past the max). */
	store_close(st);
	st = open_ok();
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "network", "d", "4"), 0);
	cr_assert_eq(store_put(st, "network", "a", "100"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_str_eq(load(st, "network"), "a=100;b=20;c=3;d=4;");
}

Test(store, delete)
{
	const char *ids[] = {"a", "b", "c", NULL};
	const char *js[] = {"1", "2", "3", NULL};

	st = open_ok();
	put_all(st, "network", ids, js);
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_delete(st, "network", "b"), 0);
	/* An absent object is not an error. */
	cr_assert_eq(store_delete(st, "network", "nope"), 0);
	cr_assert_eq(store_delete(st, "endpoint", "a"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_str_eq(load(st, "network"), "a=1;c=3;");

	/* Deleted and put again: now last. */
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_delete(st, "network", "a"), 0);
	cr_assert_eq(store_put(st, "network", "a", "1"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_str_eq(load(st, "network"), "c=3;a=1;");
}

Test(store, rollback_discards)
{
	const char *ids[] = {"a", NULL};
	const char *js[] = {"1", NULL};

	st = open_ok();
	put_all(st, "network", ids, js);
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "network", "b", "2"), 0);
	cr_assert_eq(store_put(st, "network", "a", "changed"), 0);
	cr_assert_eq(store_delete(st, "network", "a"), 0);
	/* Reads inside the transaction see its writes. */
	cr_assert_str_eq(load(st, "network"), "b=2;");
	store_rollback(st);
	cr_assert_str_eq(load(st, "network"), "a=1;");
	/* A second rollback, or one without a transaction, is harmless. */
	store_rollback(st);

	store_close(st);
	st = open_ok();
	cr_assert_str_eq(load(st, "network"), "a=1;");
}

Test(store, writes_outside_a_transaction_fail)
{
	st = open_ok();
	cr_assert_eq(store_put(st, "network", "a", "1"), -1);
	cr_assert(strstr(store_error(st), "transaction"), "%s",
		  store_error(st));
	cr_assert_eq(store_delete(st, "network", "a"), -1);
	cr_assert(strstr(store_error(st), "transaction"));
	cr_assert_eq(store_commit(st), -1);
	cr_assert_str_eq(load(st, "network"), "");

	/* Nested begin is refused; the outer transaction still works. */
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_begin(st), -1);
	cr_assert_eq(store_put(st, "network", "a", "1"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_str_eq(load(st, "network"), "a=1;");
	/* After commit, writes are again outside a transaction. */
	cr_assert_eq(store_put(st, "network", "b", "2"), -1);
}

Test(store, commit_persists_across_reopen)
{
	const char *ids[] = {"n2", "n1", NULL};
	const char *js[] = {"{\"Name\":\"two\"}", "{\"Name\":\"one\"}", NULL};
	const char *eids[] = {"e1", NULL};
	const char *ejs[] = {"{\"Name\":\"ep\"}", NULL};

	st = open_ok();
	put_all(st, "network", ids, js);
	put_all(st, "endpoint", eids, ejs);
	store_close(st);
	st = NULL;

	struct stat sb;

	cr_assert_eq(stat(path, &sb), 0, "no file at %s", path);
	st = open_ok();
	cr_assert_str_eq(load(st, "network"),
			 "n2={\"Name\":\"two\"};n1={\"Name\":\"one\"};");
	cr_assert_str_eq(load(st, "endpoint"), "e1={\"Name\":\"ep\"};");
}

Test(store, wal_mode_and_schema_version)
{
	sqlite3 *db;
	sqlite3_stmt *q;

	st = open_ok();
	/* A second connection sees the file's settings. */
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q,
					NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q,
					NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

Test(store, newer_schema_refused)
{
	sqlite3 *db;

	st = open_ok();
	store_close(st);
	st = NULL;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
				  NULL), SQLITE_OK);
	sqlite3_close(db);

	cr_assert_null(store_open(path, err, sizeof(err)));
	cr_assert(strstr(err, path), "no path in: %s", err);
	cr_assert(strstr(err, "99"), "no version in: %s", err);
	cr_assert(strstr(err, "newer"), "%s", err);
}

/* A child process opens the store, commits a and b, opens a transaction
 * with c and an update of a, and dies without closing anything: by
 * _exit(0) or by SIGKILL. */
static void crash_child(bool sigkill)
{
	pid_t pid = fork();
	int status;

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		char e[512];
		struct hns_store *s = store_open(path, e, sizeof(e));

		if (s == NULL || store_begin(s) || store_put(s, "network", "b",
							     "{\"v\":\"b\"}") ||
		    store_put(s, "network", "a", "{\"v\":\"a\"}") ||
		    store_commit(s) || store_begin(s) ||
		    store_put(s, "endpoint", "e", "{\"v\":\"e\"}") ||
		    store_commit(s) || store_begin(s) ||
		    store_put(s, "network", "c", "{\"v\":\"c\"}") ||
		    store_put(s, "network", "a", "{\"v\":\"uncommitted\"}") ||
		    store_delete(s, "endpoint", "e"))
			_exit(3);
		if (sigkill)
			raise(SIGKILL);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (sigkill)
		cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			  "child status %#x", status);
	else
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "child status %#x", status);

	st = open_ok();
	cr_assert_str_eq(load(st, "network"), "b={\"v\":\"b\"};a={\"v\":\"a\"};");
	cr_assert_str_eq(load(st, "endpoint"), "e={\"v\":\"e\"};");
	/* And the reopened store is writable, order continuing. */
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "network", "d", "{}"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_str_eq(load(st, "network"),
			 "b={\"v\":\"b\"};a={\"v\":\"a\"};d={};");
}

Test(store, survives_exit_without_close)
{
	crash_child(false);
}

Test(store, survives_sigkill)
{
	crash_child(true);
}

Test(store, corrupt_file_refused)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char junk[4096];

	cr_assert_geq(fd, 0);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	memcpy(junk, "this is not a database at all", 29);
	cr_assert_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);

	cr_assert_null(store_open(path, err, sizeof(err)));
	cr_assert(strstr(err, path), "no path in: %s", err);
	cr_assert(strstr(err, "not a database"), "%s", err);
}

Test(store, damaged_database_refused)
{
	const char *ids[] = {"a", NULL};
	const char *js[] = {"1", NULL};
	int fd;

	st = open_ok();
	put_all(st, "network", ids, js);
	store_close(st);
	st = NULL;
	/* Overwrite the header's magic string. */
	fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "garbage garbage!", 16, 0), 16);
	close(fd);

	cr_assert_null(store_open(path, err, sizeof(err)));
	cr_assert(strstr(err, path), "no path in: %s", err);
}

Test(store, unopenable_path_names_path)
{
	/* A directory, and a file in a directory that does not exist. */
	cr_assert_null(store_open(dir, err, sizeof(err)));
	cr_assert(strstr(err, dir), "no path in: %s", err);

	char missing[160];

	snprintf(missing, sizeof(missing), "%s/no/such/dir/state.db", dir);
	cr_assert_null(store_open(missing, err, sizeof(err)));
	cr_assert(strstr(err, missing), "no path in: %s", err);
	cr_assert_null(store_open("", err, sizeof(err)));
}

Test(store, relative_path_without_directory)
{
	char cwd[256];

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	st = store_open("state.db", err, sizeof(err));
	cr_assert_not_null(st, "%s", err);
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "network", "a", "1"), 0);
	cr_assert_eq(store_commit(st), 0);
	store_close(st);
	st = NULL;
	cr_assert_eq(chdir(cwd), 0);
	/* It is the file the teardown removes. */
	st = open_ok();
	cr_assert_str_eq(load(st, "network"), "a=1;");
}

Test(store, load_stop_value_returned)
{
	const char *ids[] = {"a", "b", "c", "d", NULL};
	const char *js[] = {"1", "2", "3", "4", NULL};
	struct seen w = {0};

	st = open_ok();
	put_all(st, "network", ids, js);
	w.stop_at = 2;
	cr_assert_eq(store_load(st, "network", collect, &w), 7);
	cr_assert_eq(w.count, 2);
	cr_assert_str_eq(w.text, "a=1;b=2;");
	/* The cached statement was reset: a full walk works again. */
	cr_assert_str_eq(load(st, "network"), "a=1;b=2;c=3;d=4;");
}

/* A callback that walks another kind from inside a walk. */
static int nested(void *arg, const char *id, const char *json)
{
	struct hns_store *s = arg;
	struct seen w = {0};

	(void)id;
	(void)json;
	if (store_load(s, "endpoint", collect, &w) != 0 || w.count != 1)
		return 5;
	return 0;
}

Test(store, nested_load)
{
	st = open_ok();
	cr_assert_eq(store_begin(st), 0);
	cr_assert_eq(store_put(st, "network", "n1", "1"), 0);
	cr_assert_eq(store_put(st, "network", "n2", "2"), 0);
	cr_assert_eq(store_put(st, "endpoint", "e1", "3"), 0);
	cr_assert_eq(store_commit(st), 0);
	cr_assert_eq(store_load(st, "network", nested, st), 0);
}

Test(store, many_objects)
{
	char id[32], json[64];
	struct seen w = {0};

	st = open_ok();
	cr_assert_eq(store_begin(st), 0);
	for (int i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "id-%04d", 1999 - i);
		snprintf(json, sizeof(json), "{\"i\":%d}", i);
		cr_assert_eq(store_put(st, "endpoint", id, json), 0);
	}
	cr_assert_eq(store_commit(st), 0);
	store_close(st);
	st = open_ok();
	w.stop_at = 1;
	cr_assert_eq(store_load(st, "endpoint", collect, &w), 7);
	cr_assert_str_eq(w.text, "id-1999={\"i\":0};");
}

static off_t file_size(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 ? sb.st_size : -1;
}

static int count_one(void *arg, const char *id, const char *json_text)
{
	(void)id;
	(void)json_text;
	++*(int *)arg;
	return 0;
}

/* A stream of commits past 1,000 WAL pages: the store's own thread
 * checkpoints (no commit waits for the fsyncs) and catches up once the
 * stream slows down, so the WAL restarts, cut back to 4 MB. */
Test(store, checkpoints_run_off_the_commit_path, .timeout = 30)
{
	enum { N = 700 };
	static char json[8200];
	char id[32], wal[160];
	int n = 0, extra = 0;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	memset(json, 'x', sizeof(json) - 1);
	json[0] = '"';
	json[sizeof(json) - 2] = '"';
	st = open_ok();
	for (int i = 0; i < N; i++) {   /* 3 pages and more each */
		snprintf(id, sizeof(id), "id-%04d", i);
		cr_assert_eq(store_begin(st), 0);
		cr_assert_eq(store_put(st, "endpoint", id, json), 0);
		cr_assert_eq(store_commit(st), 0, "%s", store_error(st));
	}
	cr_assert_gt(file_size(wal), 4194304, "the WAL never grew past 4 MB");
	/* a commit every 20 ms: the WAL restarts once it was all copied */
	for (; extra < 250 && file_size(wal) > 4194304 + 16 * 4200; extra++) {
		usleep(20000);
		snprintf(id, sizeof(id), "slow-%03d", extra);
		cr_assert_eq(store_begin(st), 0);
		cr_assert_eq(store_put(st, "endpoint", id, "{}"), 0);
		cr_assert_eq(store_commit(st), 0);
	}
	cr_assert_gt(store_checkpoints(st), 0, "no checkpoint by the store's thread");
	cr_assert_leq(file_size(wal), 4194304 + 16 * 4200, "the WAL was not restarted and cut "
		      "back (%lld bytes)", (long long)file_size(wal));
	cr_assert_geq(file_size(path), (off_t)N * 8192, "the data is not in the database file");
	store_close(st);
	st = open_ok();
	cr_assert_eq(store_load(st, "endpoint", count_one, &n), 0);
	cr_assert_eq(n, N + extra);
}
