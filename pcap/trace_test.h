/* Test hook of the trace module, not for the dataplane: holds the writer
 * thread so that tests can fill the record pool and ring deterministically.
 * trace_stop still drains everything queued while the writer is held.
 * Layer: pcap/, engine layer (pcapng and traces; DPDK and libpcap only). */
#ifndef HVS_TRACE_TEST_H
#define HVS_TRACE_TEST_H

#include <stdbool.h>

struct trace;

void trace_test_hold_writer(struct trace *t, bool hold);

/* Records the pool holds (the most a held writer lets workers queue). */
unsigned trace_test_pool_size(const struct trace *t);

#endif
