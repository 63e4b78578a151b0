/* libFuzzer target: the pcapng reader (pcapng_reader.h) on any file. The
 * reader opens a path, so the input goes to an in-memory file (memfd) that
 * is read through /proc/self/fd. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pcapng_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcapng_reader *r;
	struct pcapng_packet p;
	char path[64], err[256];
	volatile uint32_t sum = 0;
	int rc, guard = 0;

	if (fd < 0) {
		fd = memfd_create("fuzz_pcapng", 0);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = pcapng_reader_open(path, err, sizeof(err));
	if (r == NULL)
		return 0;
	while ((rc = pcapng_reader_next(r, &p)) == 1 && guard++ < 100000) {
		/* touch everything the reader hands out */
		for (uint32_t i = 0; i < p.caplen; i++)
			sum += p.data[i];
		sum += (uint32_t)strlen(p.if_name);
		if (p.comment != NULL)
			sum += (uint32_t)strlen(p.comment);
	}
	if (rc < 0)
		sum += (uint32_t)strlen(pcapng_reader_error(r));
	for (unsigned i = 0; i < pcapng_reader_nb_interfaces(r); i++) {
		sum += (uint32_t)strlen(pcapng_reader_if_name(r, i));
		sum += pcapng_reader_if_snaplen(r, i);
	}
	sum += (uint32_t)strlen(pcapng_reader_userappl(r));
	pcapng_reader_close(r);
	(void)sum;
	return 0;
}
