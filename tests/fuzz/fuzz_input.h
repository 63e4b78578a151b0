/* Splitting a fuzz input into requests: each request is
 *
 *   METHOD ' ' PATH '\n' BODY
 *
 * and requests are separated by a line "\n---\n". A request with no '\n'
 * has no body. The seed corpora are written in this form, so a human can
 * read them. */
#ifndef HVS_FUZZ_INPUT_H
#define HVS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_REQUESTS 16

struct fuzz_request {
	char method[16];
	char path[512];
	const char *body; /* into the copy of the input; NULL: none */
	size_t body_len;
};

/* Splits buf (NUL-terminated, modified in place) into at most max
 * requests; returns how many. */
static inline unsigned fuzz_split(char *buf, size_t len, struct fuzz_request *rq,
				  unsigned max)
{
	unsigned n = 0;
	char *p = buf, *end = buf + len;

	while (p < end && n < max) {
		char *next = memmem(p, (size_t)(end - p), "\n---\n", 5);
		char *stop = next != NULL ? next : end;
		char *nl = memchr(p, '\n', (size_t)(stop - p));
		char *line_end = nl != NULL ? nl : stop;
		char *sp = memchr(p, ' ', (size_t)(line_end - p));
		struct fuzz_request *r = &rq[n];
		size_t ml, pl;

		if (sp == NULL)
			sp = line_end;
		ml = (size_t)(sp - p);
		if (ml >= sizeof(r->method))
			ml = sizeof(r->method) - 1;
		memcpy(r->method, p, ml);
		r->method[ml] = '\0';
		pl = sp < line_end ? (size_t)(line_end - sp - 1) : 0;
		if (pl >= sizeof(r->path))
			pl = sizeof(r->path) - 1;
		memcpy(r->path, sp < line_end ? sp + 1 : sp, pl);
		r->path[pl] = '\0';
		if (nl != NULL) {
			r->body = nl + 1;
			r->body_len = (size_t)(stop - nl - 1);
			*stop = '\0';
		} else {
			r->body = NULL;
			r->body_len = 0;
		}
		n++;
		if (next == NULL)
			break;
		p = next + 5;
	}
	return n;
}

#endif
