/* What an API caller may touch (access_policy.h): trace File and Devargs
 * checks against the allow-list (no EAL). Each test gets a fresh work
 * directory holding the trace dir, the socket dir and an "outside" dir. */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access_policy.h"

static char work[PATH_MAX], tdir[PATH_MAX], sdir[PATH_MAX], outside[PATH_MAX];
static struct access_policy ap;
static char err[PATH_MAX + 512], out[PATH_MAX];

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fclose(f);
}

static void setup(void)
{
	char e[256];

	snprintf(work, sizeof(work), "/tmp/hvs-access-XXXXXX");
	cr_assert_not_null(mkdtemp(work));
	snprintf(tdir, sizeof(tdir), "%s/traces", work);
	snprintf(sdir, sizeof(sdir), "%s/sockets", work);
	snprintf(outside, sizeof(outside), "%s/outside", work);
	cr_assert_eq(mkdir(outside, 0755), 0);
	cr_assert_eq(access_policy_init(&ap, tdir, sdir, NULL, e, sizeof(e)), 0, "%s", e);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(access, .init = setup, .fini = teardown);

static int trace_file(const char *f)
{
	err[0] = out[0] = '\0';
	return access_trace_file(&ap, f, out, sizeof(out), err, sizeof(err));
}

static int devargs(const char *fmt, const char *path)
{
	char d[PATH_MAX + 128];

	snprintf(d, sizeof(d), fmt, path);
	err[0] = '\0';
	return access_devargs(&ap, d, err, sizeof(err));
}

Test(access, init_checks_the_options)
{
	struct access_policy p;
	char e[256];

	cr_expect_eq(access_policy_init(&p, "relative", NULL, NULL, e, sizeof(e)), -1);
	cr_expect(strstr(e, "--trace-dir") != NULL, "%s", e);
	cr_expect_eq(access_policy_init(&p, NULL, NULL, "net_null,net_bonding", e,
					sizeof(e)), -1);
	cr_expect(strstr(e, "--hotplug-devices") != NULL && strstr(e, "net_bonding"), "%s", e);
	cr_expect_eq(access_policy_init(&p, NULL, NULL, "none", e, sizeof(e)), 0);
	cr_expect_eq(p.kinds, 0u);
	cr_expect_str_eq(p.trace_dir, ACCESS_DEFAULT_TRACE_DIR);
}

Test(access, trace_dir_created_0700_and_relative_file_inside)
{
	struct stat st;
	char want[PATH_MAX + 32];

	cr_assert_eq(trace_file("a.pcapng"), 0, "%s", err);
	cr_assert_eq(stat(tdir, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0700, "mode %o", st.st_mode & 07777);
	snprintf(want, sizeof(want), "%s/a.pcapng", tdir);
	cr_expect_str_eq(out, want);
	/* absolute inside, and a subdirectory that exists */
	cr_expect_eq(trace_file(want), 0, "%s", err);
	snprintf(want, sizeof(want), "%s/sub", tdir);
	cr_assert_eq(mkdir(want, 0700), 0);
	cr_expect_eq(trace_file("sub/b.pcapng"), 0, "%s", err);
	cr_expect_eq(trace_file("./c.pcapng"), 0, "%s", err);
}

Test(access, trace_file_outside_is_403)
{
	char f[PATH_MAX + 64], lnk[PATH_MAX + 64];

	snprintf(f, sizeof(f), "%s/x.pcapng", outside);
	cr_expect_eq(trace_file(f), 403);
	cr_expect(strncmp(err, "File: ", 6) == 0 && strstr(err, "outside"), "%s", err);
	cr_expect_eq(trace_file("/etc/passwd"), 403);
	cr_expect_eq(trace_file("../outside/x.pcapng"), 403);
	cr_expect(strstr(err, "..") != NULL, "%s", err);
	snprintf(f, sizeof(f), "%s/../outside/x.pcapng", tdir);
	cr_expect_eq(trace_file(f), 403);
	cr_expect_eq(trace_file("nosuchdir/x.pcapng"), 403);
	cr_expect_eq(trace_file(""), 403);
	cr_expect_eq(trace_file("sub/"), 403);
	/* a symlinked directory inside that leads out */
	snprintf(lnk, sizeof(lnk), "%s/escape", tdir);
	cr_assert_eq(symlink(outside, lnk), 0);
	cr_expect_eq(trace_file("escape/x.pcapng"), 403);
	cr_expect(strstr(err, "outside") != NULL, "%s", err);
	/* a symlink as the file itself */
	snprintf(f, sizeof(f), "%s/victim", outside);
	touch(f);
	snprintf(lnk, sizeof(lnk), "%s/t.pcapng", tdir);
	cr_assert_eq(symlink(f, lnk), 0);
	cr_expect_eq(trace_file("t.pcapng"), 403);
	cr_expect(strstr(err, "symbolic link") != NULL, "%s", err);
	/* a hard link of a file elsewhere */
	snprintf(lnk, sizeof(lnk), "%s/h.pcapng", tdir);
	cr_assert_eq(link(f, lnk), 0);
	cr_expect_eq(trace_file("h.pcapng"), 403);
	cr_expect(strstr(err, "hard link") != NULL, "%s", err);
	/* a directory */
	snprintf(f, sizeof(f), "%s/d", tdir);
	cr_assert_eq(mkdir(f, 0700), 0);
	cr_expect_eq(trace_file("d"), 403);
}

Test(access, trace_dir_itself_a_symlink_is_fine)
{
	char real[PATH_MAX + 16], f[PATH_MAX + 32];
	struct access_policy p;
	char e[256];

	/* the operator's own directory may be a link: it is resolved once */
	snprintf(real, sizeof(real), "%s/real", work);
	cr_assert_eq(mkdir(real, 0700), 0);
	cr_assert_eq(symlink(real, tdir), 0);
	cr_assert_eq(access_policy_init(&p, tdir, sdir, NULL, e, sizeof(e)), 0);
	snprintf(f, sizeof(f), "%s/x.pcapng", tdir);
	cr_expect_eq(access_trace_file(&p, f, out, sizeof(out), err, sizeof(err)), 0,
		     "%s", err);
	snprintf(f, sizeof(f), "%s/x.pcapng", real);
	cr_expect_str_eq(out, f);
}

Test(access, devargs_kinds)
{
	char e[256];

	cr_expect_eq(devargs("net_null0%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("net_null12,no-rx=1%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("net_tap_c1,iface=hvs-c1%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("net_af_packet0,iface=veth0,framecnt=8192%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("eth_af_packet1,iface=veth0%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("0000:03:00.1%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("03:00.1,txq_inline=128%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("net_ring0,nodeaction=[r0:0:CREATE]%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("net_bonding0,mode=1%s", ""), 403);
	cr_expect(strncmp(err, "Devargs: ", 9) == 0 && strstr(err, "net_bonding0"), "%s", err);
	cr_expect_eq(devargs("net_nosuchdriver0%s", ""), 403);
	cr_expect_eq(devargs("crypto_null%s", ""), 403);
	cr_expect_eq(devargs("bus=vdev,name=net_pcap0/class=eth%s", ""), 403);
	cr_expect_eq(devargs("net_null0/x%s", ""), 403);
	cr_expect_eq(devargs("net_af_xdp0,iface=e0,xdp_prog=prog.o%s", ""), 403);
	cr_expect(strstr(err, "xdp_prog") != NULL, "%s", err);
	cr_expect_eq(devargs("net_tap0,iface=%s", "/etc/x"), 403);
	/* --hotplug-devices narrows it */
	cr_assert_eq(access_policy_init(&ap, tdir, sdir, "net_null", e, sizeof(e)), 0);
	cr_expect_eq(devargs("net_null0%s", ""), 0, "%s", err);
	cr_expect_eq(devargs("net_tap0%s", ""), 403);
	cr_expect(strstr(err, "allowed: net_null") != NULL, "%s", err);
	cr_expect_eq(devargs("0000:03:00.1%s", ""), 403);
}

Test(access, devargs_pcap_files)
{
	char f[PATH_MAX + 64], lnk[PATH_MAX + 64];

	cr_assert_eq(mkdir(tdir, 0700), 0);
	snprintf(f, sizeof(f), "%s/in.pcap", tdir);
	touch(f);
	cr_expect_eq(devargs("net_pcap0,rx_pcap=%s,infinite_rx=1", f), 0, "%s", err);
	snprintf(f, sizeof(f), "%s/out.pcap", tdir);
	cr_expect_eq(devargs("net_pcap1,tx_pcap=%s", f), 0, "%s", err);
	cr_expect_eq(devargs("net_pcap2,rx_iface=eth0,tx_pcap=%s", f), 0, "%s", err);
	cr_expect_eq(devargs("net_pcap3,rx_pcap=%s", "/etc/shadow"), 403);
	cr_expect(strncmp(err, "Devargs: rx_pcap: ", 18) == 0, "%s", err);
	cr_expect_eq(devargs("eth_pcap3,tx_pcap=%s", "/etc/passwd"), 403);
	cr_expect_eq(devargs("net_pcap3,tx_pcap=%s", "out.pcap"), 403);
	cr_expect(strstr(err, "absolute") != NULL, "%s", err);
	snprintf(f, sizeof(f), "%s/../outside/x.pcap", tdir);
	cr_expect_eq(devargs("net_pcap3,rx_pcap=%s", f), 403);
	snprintf(f, sizeof(f), "[%s/in.pcap]", tdir);
	cr_expect_eq(devargs("net_pcap3,rx_pcap=%s", f), 403);
	snprintf(lnk, sizeof(lnk), "%s/escape", tdir);
	cr_assert_eq(symlink(outside, lnk), 0);
	snprintf(f, sizeof(f), "%s/escape/x.pcap", tdir);
	cr_expect_eq(devargs("net_pcap3,tx_pcap=%s", f), 403);
	/* a pcap file is not allowed in the socket dir */
	cr_assert_eq(mkdir(sdir, 0700), 0);
	snprintf(f, sizeof(f), "%s/x.pcap", sdir);
	cr_expect_eq(devargs("net_pcap3,tx_pcap=%s", f), 403);
}

Test(access, devargs_sockets)
{
	char f[PATH_MAX + 64];

	snprintf(f, sizeof(f), "%s/m.sock", sdir);
	cr_expect_eq(devargs("net_memif0,role=server,socket=%s", f), 0, "%s", err);
	snprintf(f, sizeof(f), "%s/v.sock", tdir);
	cr_expect_eq(devargs("net_vhost0,iface=%s,queues=1", f), 0, "%s", err);
	cr_expect_eq(devargs("net_vhost0,iface=%s", "/run/vswitchd/hns.sock"), 403);
	cr_expect_eq(devargs("net_memif0,socket=%s", "/tmp/m.sock"), 403);
	cr_expect_eq(devargs("net_memif0,socket-abstract=no%s", ""), 403);
	cr_expect(strstr(err, "socket=") != NULL, "%s", err);
	cr_expect_eq(devargs("net_memif0%s", ""), 0, "%s", err);
	/* an existing file that is not a socket */
	snprintf(f, sizeof(f), "%s/plain", sdir);
	touch(f);
	cr_expect_eq(devargs("net_memif0,socket=%s", f), 403);
}
