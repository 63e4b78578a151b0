/* Named network namespaces, as iproute2 makes them (ip/ipnetns.c):
 * /run/netns is made a shared mount (bind-mounted on itself first if it
 * is not a mount point) so a namespace mounted later is seen from other
 * mount namespaces too; the new namespace is unshare()d by a helper
 * thread and bind-mounted from /proc/thread-self/ns/net. Namespaces are
 * per thread, so the caller's thread stays where it is whatever fails. */
#include "host_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_link.h"

#define NETNS_NAME_MAX 200

int host_netns_name_check(const char *name, char *err, size_t errlen)
{
	if (name == NULL || name[0] == '\0') {
		snprintf(err, errlen, "namespace name is empty");
		return -1;
	}
	if (strlen(name) > NETNS_NAME_MAX || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, errlen,
			 "namespace name '%.64s' is not a file name of at most %d characters",
			 name, NETNS_NAME_MAX);
		return -1;
	}
	return 0;
}

int host_netns_path(const char *name, char *out, size_t outlen,
		    char *err, size_t errlen)
{
	if (host_netns_name_check(name, err, errlen) < 0)
		return -1;
	if ((size_t)snprintf(out, outlen, HOST_NETNS_DIR "/%s", name) >= outlen) {
		snprintf(err, errlen, "namespace path for '%s' too long", name);
		return -1;
	}
	return 0;
}

/* /run/netns exists and is a shared mount point, as `ip netns add`
 * leaves it. */
static int netns_dir_prepare(char *err, size_t errlen)
{
	if (mkdir(HOST_NETNS_DIR, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", HOST_NETNS_DIR, strerror(errno));
		return -1;
	}
	if (mount("", HOST_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL) {
		snprintf(err, errlen, "make %s shared: %s", HOST_NETNS_DIR, strerror(errno));
		return -1;
	}
	/* Not a mount point yet: mount it on itself, then share it. */
	if (mount(HOST_NETNS_DIR, HOST_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", HOST_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		snprintf(err, errlen, "mount %s: %s", HOST_NETNS_DIR, strerror(errno));
		return -1;
	}
	return 0;
}

struct netns_make {
	const char *path;
	int errnum;
	const char *step;
};

/* Thread body: a new net namespace for this thread only, pinned by a
 * bind mount on path. The thread then ends; the mount keeps it. */
static void *netns_make_thread(void *arg)
{
	struct netns_make *m = arg;

	if (unshare(CLONE_NEWNET) < 0) {
		m->errnum = errno;
		m->step = "unshare(CLONE_NEWNET)";
		return NULL;
	}
	if (mount("/proc/thread-self/ns/net", m->path, "none", MS_BIND, NULL) < 0) {
		m->errnum = errno;
		m->step = "bind mount";
	}
	return NULL;
}

static int netns_make_on_thread(struct netns_make *m, char *err, size_t errlen)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, netns_make_thread, m);

	if (rc != 0) {
		snprintf(err, errlen, "namespace thread: %s", strerror(rc));
		return -1;
	}
	pthread_join(t, NULL);
	if (m->errnum != 0) {
		snprintf(err, errlen, "namespace %s: %s: %s", m->path, m->step,
			 strerror(m->errnum));
		return -1;
	}
	return 0;
}

/* The new namespace's loopback up, as a pod expects. */
static int netns_loopback_up(const char *name, char *err, size_t errlen)
{
	int fd = host_netns_open_name(name, err, errlen);
	int rc;

	if (fd < 0)
		return -1;
	rc = host_link_set_up(fd, "lo", err, errlen);
	close(fd);
	return rc;
}

/* The empty file at path that a namespace's bind mount goes on; -1 with
 * err when it exists (the name is taken) or cannot be made. */
static int mount_point_make(const char *name, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "namespace '%s': %s: %s", name, path,
			 errno == EEXIST ? "already exists" : strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int host_netns_create(const char *name, char *err, size_t errlen)
{
	char path[256];
	struct netns_make m = { .path = path };

	if (host_netns_path(name, path, sizeof(path), err, errlen) < 0 ||
	    netns_dir_prepare(err, errlen) < 0 ||
	    mount_point_make(name, path, err, errlen) < 0)
		return -1;
	if (netns_make_on_thread(&m, err, errlen) < 0) {
		unlink(path);
		return -1;
	}
	if (netns_loopback_up(name, err, errlen) < 0) {
		char ignored[64];

		host_netns_delete(name, ignored, sizeof(ignored));
		return -1;
	}
	return 0;
}

int host_netns_alias(const char *name, const char *alias, char *err, size_t errlen)
{
	char from[256], to[256];

	if (host_netns_path(name, from, sizeof(from), err, errlen) < 0 ||
	    host_netns_path(alias, to, sizeof(to), err, errlen) < 0 ||
	    mount_point_make(alias, to, err, errlen) < 0)
		return -1;
	if (mount(from, to, "none", MS_BIND, NULL) < 0) {
		snprintf(err, errlen, "namespace '%s': bind mount of %s: %s", alias, from,
			 strerror(errno));
		unlink(to);
		return -1;
	}
	return 0;
}

int host_netns_delete(const char *name, char *err, size_t errlen)
{
	char path[256];

	if (host_netns_path(name, path, sizeof(path), err, errlen) < 0)
		return -1;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL) {
		snprintf(err, errlen, "namespace '%s': umount %s: %s", name, path,
			 strerror(errno));
		return -1;
	}
	if (unlink(path) < 0) {
		snprintf(err, errlen, "namespace '%s': remove %s: %s", name, path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* True when fd is a network namespace (nsfs knows its type). */
static bool fd_is_netns(int fd)
{
	return ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
}

bool host_netns_exists(const char *name)
{
	char path[256], err[8];
	int fd;
	bool yes;

	if (host_netns_path(name, path, sizeof(path), err, sizeof(err)) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	yes = fd_is_netns(fd);
	close(fd);
	return yes;
}

int host_netns_open(const char *path, char *err, size_t errlen)
{
	int fd;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "namespace path is empty");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "namespace path %s: %s", path, strerror(errno));
		return -1;
	}
	if (!fd_is_netns(fd)) {
		snprintf(err, errlen, "namespace path %s: not a network namespace", path);
		close(fd);
		return -1;
	}
	return fd;
}

int host_netns_open_name(const char *name, char *err, size_t errlen)
{
	char path[256];

	if (host_netns_path(name, path, sizeof(path), err, errlen) < 0)
		return -1;
	return host_netns_open(path, err, errlen);
}

int host_netns_run(int fd, int (*fn)(void *), void *arg, char *err, size_t errlen)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), rc;

	if (self < 0) {
		snprintf(err, errlen, "this thread's namespace: %s", strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "enter the namespace: %s", strerror(errno));
		close(self);
		return -1;
	}
	rc = fn(arg);
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vswitchd: cannot return to the daemon's network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(self);
	return rc;
}
