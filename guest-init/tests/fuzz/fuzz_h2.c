/*
 * libFuzzer target: arbitrary bytes as what a grpc probe's server sends,
 * through the HTTP/2 client (split into reads at points the input chooses),
 * and as one HPACK header block on a table left by the response. Whatever
 * comes, the client must end in a bounded state: a result, or more wanted,
 * with at most H2_OUT_CAP bytes to send.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2.h"

static struct h2_probe p;
static volatile size_t sink;

static void use(void *arg, const char *n, size_t nlen, const char *v, size_t vlen)
{
	(void)arg;
	sink += nlen + vlen + (nlen ? (unsigned char)n[0] : 0) + (vlen ? (unsigned char)v[vlen - 1] : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t pos = 1, step = len ? (size_t)data[0] % 64 + 1 : 1;
	char err[120];

	if (h2_probe_init(&p) < 0)
		return 0;
	while (pos < len && p.result == H2_MORE) {
		size_t n = len - pos < step ? len - pos : step;

		h2_probe_feed(&p, data + pos, n);
		if (p.out_len > H2_OUT_CAP)
			__builtin_trap();
		p.out_len = 0;
		pos += n;
	}
	if (p.result == H2_MORE)
		h2_probe_eof(&p);
	if (p.result == H2_MORE || (p.result == H2_FAILED && !p.why[0]))
		__builtin_trap();
	if (p.table.size > p.table.max)
		__builtin_trap();
	hpack_decode(&p.table, data, len, use, NULL, err, sizeof(err));
	if (p.table.size > p.table.max)
		__builtin_trap();
	h2_probe_free(&p);
	return 0;
}
