/* Linux network namespaces for HNS namespaces (issue 16): made the way
 * `ip netns add NAME` makes them (a new net namespace kept alive by a bind
 * mount on /run/netns/NAME, so other tools see it), deleted, or adopted
 * by path (/run/netns/x, /proc/PID/ns/net) as an open fd. A namespace is
 * made on a short-lived thread, so the calling thread never leaves its
 * own namespace, except inside host_netns_run (a tap made in a pod).
 * Layer: vswitch/control/, control layer (main lcore, the typed southbound API). */
#ifndef HVS_HOST_NETNS_H
#define HVS_HOST_NETNS_H

#include <stdbool.h>
#include <stddef.h>

/* Where named namespaces live, as iproute2 keeps them. */
#define HOST_NETNS_DIR "/run/netns"

/* 0, or -1 with err when name is not a plain file name (empty, ".",
 * "..", has '/', longer than 200 characters). */
int host_netns_name_check(const char *name, char *err, size_t errlen);

/* HOST_NETNS_DIR "/" name in out; -1 with err if it does not fit or the
 * name is bad. */
int host_netns_path(const char *name, char *out, size_t outlen,
		    char *err, size_t errlen);

/* Makes a new network namespace named name (its loopback up). -1 with
 * err when the name is taken or the kernel refuses; nothing is left. */
int host_netns_create(const char *name, char *err, size_t errlen);

/* Gives the existing namespace name a second name, alias (a bind mount of
 * its file, as `ip netns attach` does): quick, no new namespace. -1 with
 * err when alias is taken or name is not there; nothing is left. */
int host_netns_alias(const char *name, const char *alias, char *err, size_t errlen);

/* Unmounts and removes HOST_NETNS_DIR/name. The namespace itself goes
 * when its last user (process, open fd) does. -1 with err if absent. */
int host_netns_delete(const char *name, char *err, size_t errlen);

/* True when HOST_NETNS_DIR/name is a network namespace. */
bool host_netns_exists(const char *name);

/* Opens a network namespace by path (a named one or /proc/PID/ns/net):
 * the fd (O_CLOEXEC; the caller closes it), or -1 with err when the path
 * is missing or is not a network namespace. */
int host_netns_open(const char *path, char *err, size_t errlen);

/* host_netns_open of a named namespace. */
int host_netns_open_name(const char *name, char *err, size_t errlen);

/* Runs fn(arg) on the calling thread inside the network namespace fd
 * (what fn makes there, a tap or a socket, belongs to that namespace),
 * then returns the thread to its own: fn's result, or -1 with err when
 * the namespace cannot be entered. The process aborts if the thread
 * cannot go back (it must never go on in a pod's namespace). */
int host_netns_run(int fd, int (*fn)(void *), void *arg, char *err, size_t errlen);

#endif
