/* libFuzzer target: the HNS v1/v2 model through hns_handle() (hns.h), on
 * a fresh in-memory model (no store) per input and a fake dataplane like
 * the unit tests'. An input is a sequence of requests (fuzz_input.h), so
 * the fuzzer can create a network and then work on it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_input.h"
#include "hns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fake_ports[] = {"c1", "c2", "up", NULL};

static bool fake_exists(void *ctx, const char *port)
{
	(void)ctx;
	for (int i = 0; fake_ports[i] != NULL; i++)
		if (strcmp(fake_ports[i], port) == 0)
			return true;
	return false;
}

static int fake_add(void *ctx, const char *port, const char *devargs, char *e,
		    size_t elen)
{
	(void)ctx;
	(void)port;
	(void)devargs;
	snprintf(e, elen, "probe failed");
	return -1;
}

static void fake_attached(void *ctx, const char *port, const json_t *ep)
{
	(void)ctx;
	(void)port;
	(void)ep;
}

static void fake_net(void *ctx, const json_t *net)
{
	(void)ctx;
	(void)net;
}

static int fake_stats(void *ctx, const char *port, json_t *s)
{
	(void)ctx;
	(void)port;
	json_object_set_new(s, "BytesReceived", json_integer(1000));
	json_object_set_new(s, "BytesSent", json_integer(2000));
	json_object_set_new(s, "PacketsReceived", json_integer(10));
	json_object_set_new(s, "PacketsSent", json_integer(20));
	json_object_set_new(s, "DroppedPacketsIncoming", json_integer(1));
	json_object_set_new(s, "DroppedPacketsOutgoing", json_integer(2));
	return 0;
}

static const struct hns_dataplane fake_dp = {
	.port_exists = fake_exists,
	.port_add = fake_add,
	.endpoint_attached = fake_attached,
	.endpoint_detached = fake_attached,
	.network_created = fake_net,
	.network_deleted = fake_net,
	.port_stats = fake_stats,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_request rq[FUZZ_MAX_REQUESTS];
	char err[256];
	char *buf;
	struct hns *h;
	unsigned n;

	if (size > 65536)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	h = hns_create(NULL, &fake_dp, err, sizeof(err));
	if (h == NULL)
		abort();
	n = fuzz_split(buf, size, rq, FUZZ_MAX_REQUESTS);
	for (unsigned i = 0; i < n; i++) {
		json_t *resp = NULL;
		int st = hns_handle(h, rq[i].method, rq[i].path, rq[i].body,
				    rq[i].body_len, &resp);

		/* the envelope holds for every answer */
		if (resp == NULL || !json_is_boolean(json_object_get(resp, "Success")) ||
		    !json_is_string(json_object_get(resp, "Error")) ||
		    json_is_true(json_object_get(resp, "Success")) != (st == 200)) {
			fprintf(stderr, "fuzz_hns: bad response envelope (status %d) to %s %s\n",
				st, rq[i].method, rq[i].path);
			abort();
		}
		json_decref(resp);
	}
	hns_destroy(h);
	free(buf);
	return 0;
}
