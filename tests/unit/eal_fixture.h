/* EAL for unit tests: Criterion forks every test, so each test initialises
 * its own EAL in the suite's .init fixture and cleans it up in .fini.
 * No hugepages, no PCI, no shared config files (so concurrently running
 * tests do not clash), one lcore: the first CPU this process may run on. */
#ifndef HVS_TEST_EAL_FIXTURE_H
#define HVS_TEST_EAL_FIXTURE_H

#include <sched.h>
#include <stdio.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_errno.h>

/* EAL with memory_mb MiB of ordinary memory (rte_lpm tables need 64 MiB
 * each, most tests far less). */
static inline void test_eal_init_mem(const char *memory_mb)
{
	cpu_set_t set;
	int cpu = 0;
	char lcore[16], mem[16];

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
			cpu++;
	snprintf(lcore, sizeof(lcore), "%d", cpu);

	snprintf(mem, sizeof(mem), "%s", memory_mb);

	char *argv[] = {"hvs-unit", "--no-huge", "-m", mem, "--no-pci",
			"--no-shconf", "--file-prefix=hvs-unit", "--no-telemetry",
			"--log-level=error", "-l", lcore, NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	cr_assert_geq(rte_eal_init(argc, argv), 0, "rte_eal_init: %s",
		      rte_strerror(rte_errno));
}

static inline void test_eal_init(void)
{
	test_eal_init_mem("64");
}

static inline void test_eal_cleanup(void)
{
	rte_eal_cleanup();
}

#endif
