/*
 * libFuzzer target: arbitrary bytes as what an HTTPS probe's server sends,
 * through the TLS 1.3 client in reads of sizes the input chooses. The
 * input's first byte picks whether it follows a real server's recorded
 * handshake (so the fuzzer also reaches the encrypted states through
 * mutations of the later records) or stands alone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

static struct tls t;
static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t pos = 65, used, step;

	if (len < 65)
		return 0;
	step = (size_t)(data[0] & 0x7f) * 13 + 1;
	tls_init(&t, data + 1);
	while (pos < len && t.state != 3 /* DONE */) {
		size_t n = len - pos < step ? len - pos : step;
		enum tls_result r = tls_feed(&t, data + pos, n, &used);

		if (used > n || t.out_len > TLS_OUT_CAP)
			__builtin_trap();
		if (r == TLS_DATA) {
			if (!t.app || t.app_len > 16384 + 256)
				__builtin_trap();
			sink += t.app[0] + t.app[t.app_len - 1];
		} else if (r == TLS_FAILED && !t.why[0]) {
			__builtin_trap();
		}
		t.out_len = 0;
		if (t.ready && tls_write(&t, data, len < 100 ? len : 100) < 0)
			__builtin_trap();
		t.out_len = 0;
		pos += used;
		if (r != TLS_MORE && r != TLS_DATA)
			break;
	}
	return 0;
}
