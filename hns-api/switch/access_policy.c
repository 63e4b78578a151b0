/* What an API caller may touch (access_policy.h). Paths are checked by
 * resolving their directory with realpath() and comparing it with the
 * resolved allowed directory, so "..", symlinked directories and bind
 * tricks in the text do not matter: what counts is where the directory
 * really is. The last component is not resolved (it may not exist yet);
 * it is refused when it is a symbolic link, so that opening it cannot
 * leave the directory either. */
#include "access_policy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum arg_kind { ARG_FILE, ARG_SOCKET, ARG_REFUSED };

struct arg_rule {
	const char *key;
	enum arg_kind what;
};

#define MAX_ARG_RULES 3

/* The device kinds --hotplug-devices knows. A vdev name is the kind (or
 * its eth_* alias) followed by an instance suffix ("net_pcap3",
 * "net_tap_c1"), as DPDK matches a driver by name prefix. */
static const struct kind {
	const char *name;
	struct arg_rule args[MAX_ARG_RULES];
} kinds[] = {
	{"net_tap", {{NULL, 0}}},
	{"net_af_packet", {{NULL, 0}}},
	{"net_af_xdp", {{"xdp_prog", ARG_REFUSED}, {NULL, 0}}},
	{"net_memif", {{"socket", ARG_SOCKET}, {NULL, 0}}},
	{"net_vhost", {{"iface", ARG_SOCKET}, {NULL, 0}}},
	{"net_ring", {{NULL, 0}}},
	{"net_null", {{NULL, 0}}},
	{"net_pcap", {{"rx_pcap", ARG_FILE}, {"tx_pcap", ARG_FILE}, {NULL, 0}}},
	{"net_hvtap", {{NULL, 0}}}, /* the switch's own tap ports (tap_port.h) */
	{"pci", {{NULL, 0}}}, /* a PCI address: DDDD:BB:DD.F or BB:DD.F */
};

#define NB_KINDS (sizeof(kinds) / sizeof(kinds[0]))
#define KIND_PCI (NB_KINDS - 1)

_Static_assert(NB_KINDS <= sizeof(unsigned) * 8, "one bit per kind");

static int copy_dir(char *dst, const char *src, const char *opt, char *err,
		    size_t errlen)
{
	size_t n = strlen(src);

	if (src[0] != '/' || n >= PATH_MAX) {
		snprintf(err, errlen, "%s %s: must be an absolute path", opt, src);
		return -1;
	}
	memcpy(dst, src, n + 1);
	while (n > 1 && dst[n - 1] == '/') /* "/a/b/" -> "/a/b" */
		dst[--n] = '\0';
	return 0;
}

const char *access_known_kinds(void)
{
	return ACCESS_DEFAULT_HOTPLUG;
}

void access_allowed_kinds(const struct access_policy *ap, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned k = 0; k < NB_KINDS && n < len; k++)
		if (ap->kinds & (1u << k))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
					      kinds[k].name);
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

static int parse_kinds(const char *list, unsigned *out, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int rc = 0;

	if (copy == NULL) {
		snprintf(err, errlen, "--hotplug-devices: out of memory");
		return -1;
	}
	*out = 0;
	if (strcmp(list, "none") == 0) {
		free(copy);
		return 0;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned k;

		for (k = 0; k < NB_KINDS && strcmp(kinds[k].name, tok) != 0; k++)
			;
		if (k == NB_KINDS) {
			snprintf(err, errlen, "--hotplug-devices: unknown kind '%s' "
				 "(known: %s, or none)", tok, ACCESS_DEFAULT_HOTPLUG);
			rc = -1;
		} else {
			*out |= 1u << k;
		}
	}
	free(copy);
	return rc;
}

int access_policy_init(struct access_policy *ap, const char *trace_dir,
		       const char *socket_dir, const char *hotplug, char *err,
		       size_t errlen)
{
	memset(ap, 0, sizeof(*ap));
	if (copy_dir(ap->trace_dir, trace_dir ? trace_dir : ACCESS_DEFAULT_TRACE_DIR,
		     "--trace-dir", err, errlen) < 0 ||
	    copy_dir(ap->socket_dir, socket_dir ? socket_dir : ACCESS_DEFAULT_SOCKET_DIR,
		     "--socket-dir", err, errlen) < 0)
		return -1;
	return parse_kinds(hotplug ? hotplug : ACCESS_DEFAULT_HOTPLUG, &ap->kinds,
			   err, errlen);
}

/* ---- paths ---------------------------------------------------------------- */

/* mkdir -p: parents 0755, the directory itself 0700. */
static int make_dir(const char *dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		buf[i] = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static bool has_dotdot(const char *path)
{
	const char *p = path;

	while (*p != '\0') {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

static bool is_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Resolves root (created if missing) into rroot. 0 or 500 with err. */
static int resolve_root(const char *field, const char *root, char *rroot,
			char *err, size_t errlen)
{
	if (make_dir(root) < 0 || realpath(root, rroot) == NULL) {
		snprintf(err, errlen, "%s: cannot create the directory %s: %s", field,
			 root, strerror(errno));
		return 500;
	}
	return 0;
}

/* Where path really is, if inside one of the roots (roots[1] may be
 * NULL): out gets the resolved directory plus the last component. 0,
 * 403 or 500 with err. */
static int resolve_inside(const char *field, const char *path, bool relative_ok,
			  bool socket, const char *const roots[2], char *out,
			  size_t outlen, char *err, size_t errlen)
{
	char full[PATH_MAX], rroot[PATH_MAX], rdir[PATH_MAX];
	const char *slash, *base;
	struct stat st;
	bool inside = false;
	int rc;

	if (path[0] == '\0' || has_dotdot(path)) {
		snprintf(err, errlen, "%s: '%s' %s", field, path,
			 path[0] ? "must not contain '..'" : "is empty");
		return 403;
	}
	if (path[0] != '/' && !relative_ok) {
		snprintf(err, errlen, "%s: '%s' must be an absolute path inside %s",
			 field, path, roots[0]);
		return 403;
	}
	if ((size_t)snprintf(full, sizeof(full), "%s%s%s",
			     path[0] == '/' ? "" : roots[0],
			     path[0] == '/' ? "" : "/", path) >= sizeof(full)) {
		snprintf(err, errlen, "%s: the path is too long", field);
		return 403;
	}
	slash = strrchr(full, '/');
	base = slash + 1;
	if (base[0] == '\0' || strcmp(base, ".") == 0) {
		snprintf(err, errlen, "%s: '%s' names a directory, not a file", field, path);
		return 403;
	}
	{
		char dir[PATH_MAX];
		size_t n = slash == full ? 1 : (size_t)(slash - full);

		memcpy(dir, full, n);
		dir[n] = '\0';
		for (unsigned i = 0; i < 2 && roots[i] != NULL && !inside; i++) {
			/* the root first: it is created on first use */
			if (is_under(dir, roots[i]) &&
			    (rc = resolve_root(field, roots[i], rroot, err, errlen)) != 0)
				return rc;
		}
		if (realpath(dir, rdir) == NULL) {
			snprintf(err, errlen, "%s: '%s': its directory %s: %s (allowed: "
				 "inside %s%s%s)", field, path, dir, strerror(errno),
				 roots[0], roots[1] ? " or " : "", roots[1] ? roots[1] : "");
			return 403;
		}
	}
	for (unsigned i = 0; i < 2 && roots[i] != NULL && !inside; i++)
		inside = realpath(roots[i], rroot) != NULL && is_under(rdir, rroot);
	if (!inside) {
		snprintf(err, errlen, "%s: '%s' is outside the allowed director%s %s%s%s",
			 field, path, roots[1] ? "ies" : "y", roots[0],
			 roots[1] ? " and " : "", roots[1] ? roots[1] : "");
		return 403;
	}
	if ((size_t)snprintf(out, outlen, "%s/%s", strcmp(rdir, "/") ? rdir : "",
			     base) >= outlen) {
		snprintf(err, errlen, "%s: the path is too long", field);
		return 403;
	}
	if (lstat(out, &st) == 0) {
		const char *why = NULL;

		if (S_ISLNK(st.st_mode))
			why = "is a symbolic link";
		else if (socket && !S_ISSOCK(st.st_mode))
			why = "exists and is not a socket";
		else if (!socket && !S_ISREG(st.st_mode))
			why = "exists and is not a regular file";
		else if (!socket && st.st_nlink > 1)
			why = "has other hard links";
		if (why != NULL) {
			snprintf(err, errlen, "%s: '%s' %s", field, path, why);
			return 403;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: '%s': %s", field, path, strerror(errno));
		return 403;
	}
	return 0;
}

int access_trace_file(const struct access_policy *ap, const char *file,
		      char *out, size_t outlen, char *err, size_t errlen)
{
	const char *const roots[2] = {ap->trace_dir, NULL};
	int rc;

	/* a relative File is taken relative to the directory: create it first */
	if (file[0] != '/') {
		char rroot[PATH_MAX];

		if ((rc = resolve_root("File", ap->trace_dir, rroot, err, errlen)) != 0)
			return rc;
	}
	return resolve_inside("File", file, true, false, roots, out, outlen, err,
			      errlen);
}

/* ---- Devargs ---------------------------------------------------------------- */

static bool is_hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* DDDD:BB:DD.F or BB:DD.F, the whole of name. */
static bool is_pci_address(const char *name, size_t len)
{
	if (len == 12 && name[4] == ':')
		name += 5, len -= 5;
	return len == 7 && name[2] == ':' && name[5] == '.' && is_hex_run(name, 2) &&
	       is_hex_run(name + 3, 2) && isxdigit((unsigned char)name[6]);
}

/* The kind of a device name (the Devargs up to the first ','), or -1. */
static int kind_of(const char *name, size_t len)
{
	if (is_pci_address(name, len))
		return (int)KIND_PCI;
	for (unsigned k = 0; k < KIND_PCI; k++) {
		const char *kn = kinds[k].name + 4; /* past "net_" */
		size_t pre, kl = strlen(kn);

		if (len > 4 && (strncmp(name, "net_", 4) == 0 || strncmp(name, "eth_", 4) == 0))
			pre = 4;
		else
			continue;
		if (len - pre < kl || strncmp(name + pre, kn, kl) != 0)
			continue;
		for (size_t i = pre + kl; i < len; i++)
			if (!isalnum((unsigned char)name[i]) && name[i] != '_')
				return -1;
		return (int)k;
	}
	return -1;
}

static const struct arg_rule *rule_of(const struct kind *k, const char *key, size_t n)
{
	for (unsigned i = 0; i < MAX_ARG_RULES && k->args[i].key != NULL; i++)
		if (strlen(k->args[i].key) == n && strncmp(k->args[i].key, key, n) == 0)
			return &k->args[i];
	return NULL;
}

/* One key[=value] of kind k. 0, 403 or 500 with err. */
static int check_arg(const struct access_policy *ap, const struct kind *k,
		     const char *arg, size_t len, char *err, size_t errlen)
{
	const char *eq = memchr(arg, '=', len);
	size_t klen = eq != NULL ? (size_t)(eq - arg) : len;
	const struct arg_rule *r = rule_of(k, arg, klen);
	char value[PATH_MAX], out[PATH_MAX];
	size_t vlen = eq != NULL ? len - klen - 1 : 0;

	if (vlen >= sizeof(value)) {
		snprintf(err, errlen, "Devargs: the value of %.*s is too long", (int)klen, arg);
		return 403;
	}
	memcpy(value, eq != NULL ? eq + 1 : "", vlen);
	value[vlen] = '\0';
	if (r != NULL && r->what == ARG_REFUSED) {
		snprintf(err, errlen, "Devargs: %s '%.*s' is not allowed from the API",
			 k->name, (int)klen, arg);
		return 403;
	}
	if (r == NULL) {
		if (strchr(value, '/') != NULL) {
			snprintf(err, errlen, "Devargs: '%.*s' of %s is not a file argument "
				 "and must not contain '/'", (int)klen, arg, k->name);
			return 403;
		}
		return 0;
	}
	if (value[0] == '[') {
		snprintf(err, errlen, "Devargs: %.*s takes one path, not a list",
			 (int)klen, arg);
		return 403;
	}
	{
		char field[64];
		const char *const roots[2] = {r->what == ARG_SOCKET ? ap->socket_dir
								     : ap->trace_dir,
					      r->what == ARG_SOCKET ? ap->trace_dir : NULL};

		snprintf(field, sizeof(field), "Devargs: %.*s", (int)klen, arg);
		return resolve_inside(field, value, false, r->what == ARG_SOCKET, roots,
				      out, sizeof(out), err, errlen);
	}
}

int access_devargs(const struct access_policy *ap, const char *devargs,
		   char *err, size_t errlen)
{
	size_t name_len = strcspn(devargs, ",");
	int k = kind_of(devargs, name_len);
	const char *p = devargs + name_len;
	bool memif_file = false, memif_socket = false;
	char allowed[256];

	if (k < 0 || !(ap->kinds & (1u << k))) {
		access_allowed_kinds(ap, allowed, sizeof(allowed));
		snprintf(err, errlen, "Devargs: device '%.*s' is not a kind the API may "
			 "hot-plug (allowed: %s; see --hotplug-devices)",
			 (int)name_len, devargs, allowed);
		return 403;
	}
	while (*p == ',') {
		const char *arg = ++p;
		int depth = 0, rc;

		/* one argument: up to a ',' outside [lists] */
		while (*p != '\0' && (*p != ',' || depth > 0)) {
			depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
			p++;
		}
		if (p == arg)
			continue;
		rc = check_arg(ap, &kinds[k], arg, (size_t)(p - arg), err, errlen);
		if (rc != 0)
			return rc;
		if (strncmp(arg, "socket=", 7) == 0)
			memif_socket = true;
		if (strncmp(arg, "socket-abstract=no", 18) == 0 &&
		    (arg[18] == ',' || arg[18] == '\0'))
			memif_file = true;
	}
	/* a file socket at the driver's default path (/run/memif.sock) */
	if (strcmp(kinds[k].name, "net_memif") == 0 && memif_file && !memif_socket) {
		snprintf(err, errlen, "Devargs: net_memif with socket-abstract=no needs "
			 "socket= inside %s or %s", ap->socket_dir, ap->trace_dir);
		return 403;
	}
	return 0;
}
