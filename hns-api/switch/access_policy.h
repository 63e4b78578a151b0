/* What an API caller may touch (switch layer, DPDK-free so it unit-tests
 * without EAL): the allow-list set at start (--trace-dir, --socket-dir,
 * --hotplug-devices) and the checks every path or device string from a
 * request goes through. The command line and the startup config are the
 * operator's own and are not checked here.
 *
 *   - a trace File (POST /trace) must resolve inside the trace directory:
 *     a relative File is taken relative to it; no ".." component; the
 *     directory part is resolved with realpath() (so a symlinked directory
 *     that leads out is refused); the file itself must not be a symbolic
 *     link, nor a hard link of another file, nor anything but a regular
 *     file. The trace directory is created (mode 0700) on first use.
 *   - Devargs (POST /ports, HNS attach with "Devargs", ports restored from
 *     the store) name a device kind on the hot-plug list (vdev driver
 *     names such as net_tap, their eth_* aliases, or "pci" for a PCI
 *     address); a file argument of a vdev (net_pcap rx_pcap=/tx_pcap=)
 *     must be an absolute path inside the trace directory, a socket
 *     argument (net_memif socket=, net_vhost iface=) inside the socket
 *     directory or the trace directory; net_af_xdp xdp_prog= (a BPF
 *     object loaded from a file) is refused, and so is any other argument
 *     whose value contains '/'.
 * A refusal is an HTTP 403 whose message starts with the field's name. */
#ifndef HVS_ACCESS_POLICY_H
#define HVS_ACCESS_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define ACCESS_DEFAULT_TRACE_DIR "/var/lib/vswitchd/traces"
#define ACCESS_DEFAULT_SOCKET_DIR "/run/vswitchd/sockets"
#define ACCESS_DEFAULT_HOTPLUG \
	"net_tap,net_af_packet,net_af_xdp,net_memif,net_vhost,net_ring,net_null,net_pcap,net_hvtap,pci"

struct access_policy {
	char trace_dir[PATH_MAX];  /* absolute, as given (created on use) */
	char socket_dir[PATH_MAX]; /* absolute, as given (created on use) */
	unsigned kinds;            /* bit per entry of the kind table */
};

/* trace_dir, socket_dir: absolute paths (NULL: the defaults); hotplug: a
 * comma-separated list of kinds (NULL: ACCESS_DEFAULT_HOTPLUG; "" or
 * "none": no hot-plug from the API). 0, or -1 with err naming the
 * option. */
int access_policy_init(struct access_policy *ap, const char *trace_dir,
		       const char *socket_dir, const char *hotplug, char *err,
		       size_t errlen);

/* The kinds --hotplug-devices knows, comma-separated (for --help). */
const char *access_known_kinds(void);

/* The kinds ap allows, comma-separated, into buf. */
void access_allowed_kinds(const struct access_policy *ap, char *buf, size_t len);

/* Checks a trace File from a request; out gets the absolute path to open
 * (outlen >= PATH_MAX). 0, 403 (refused) or 500 (the trace directory
 * cannot be created), with err "File: why". */
int access_trace_file(const struct access_policy *ap, const char *file,
		      char *out, size_t outlen, char *err, size_t errlen);

/* Checks a Devargs string from a request. 0 or 403 with err
 * "Devargs: why". */
int access_devargs(const struct access_policy *ap, const char *devargs,
		   char *err, size_t errlen);

#endif
