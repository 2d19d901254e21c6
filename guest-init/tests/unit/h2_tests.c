/*
 * Unit tests of h2.c: HPACK (RFC 7541's Huffman example, a Huffman-coded,
 * indexed sequence with evictions made by Go's x/net/http2/hpack encoder),
 * the request a grpc probe sends, and whole responses of a real server
 * (grpc-go's health server, recorded as read by the client) plus hostile
 * ones. Native, ASan + UBSan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2.h"

#include "check.h"

/* grpc-go 1.33 health server (Debian's), responses to Check: "" SERVING,
 * service "nope" unknown (grpc-status 5), "" NOT_SERVING. */
static const uint8_t resp_serving[] = {
  0x00, 0x00, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
  0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x05, 0x00, 0x00, 0x08, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04,
  0x10, 0x10, 0x09, 0x0e, 0x07, 0x07, 0x00, 0x00, 0x0e, 0x01, 0x04, 0x00,
  0x00, 0x00, 0x01, 0x88, 0x5f, 0x8b, 0x1d, 0x75, 0xd0, 0x62, 0x0d, 0x26,
  0x3d, 0x4c, 0x4d, 0x65, 0x64, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x01, 0x00, 0x00, 0x18,
  0x01, 0x05, 0x00, 0x00, 0x00, 0x01, 0x40, 0x88, 0x9a, 0xca, 0xc8, 0xb2,
  0x12, 0x34, 0xda, 0x8f, 0x01, 0x30, 0x40, 0x89, 0x9a, 0xca, 0xc8, 0xb5,
  0x25, 0x42, 0x07, 0x31, 0x7f, 0x00
};
static const uint8_t resp_unknown[] = {
  0x00, 0x00, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
  0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x0b, 0x00, 0x00, 0x08, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04,
  0x10, 0x10, 0x09, 0x0e, 0x07, 0x07, 0x00, 0x00, 0x31, 0x01, 0x05, 0x00,
  0x00, 0x00, 0x01, 0x88, 0x5f, 0x8b, 0x1d, 0x75, 0xd0, 0x62, 0x0d, 0x26,
  0x3d, 0x4c, 0x4d, 0x65, 0x64, 0x40, 0x88, 0x9a, 0xca, 0xc8, 0xb2, 0x12,
  0x34, 0xda, 0x8f, 0x01, 0x35, 0x40, 0x89, 0x9a, 0xca, 0xc8, 0xb5, 0x25,
  0x42, 0x07, 0x31, 0x7f, 0x8b, 0xb6, 0xae, 0xb5, 0x1f, 0xc5, 0x4a, 0x20,
  0xb6, 0x77, 0x31, 0x0b
};
static const uint8_t resp_not_serving[] = {
  0x00, 0x00, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
  0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x05, 0x00, 0x00, 0x08, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04,
  0x10, 0x10, 0x09, 0x0e, 0x07, 0x07, 0x00, 0x00, 0x0e, 0x01, 0x04, 0x00,
  0x00, 0x00, 0x01, 0x88, 0x5f, 0x8b, 0x1d, 0x75, 0xd0, 0x62, 0x0d, 0x26,
  0x3d, 0x4c, 0x4d, 0x65, 0x64, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x18,
  0x01, 0x05, 0x00, 0x00, 0x00, 0x01, 0x40, 0x88, 0x9a, 0xca, 0xc8, 0xb2,
  0x12, 0x34, 0xda, 0x8f, 0x01, 0x30, 0x40, 0x89, 0x9a, 0xca, 0xc8, 0xb5,
  0x25, 0x42, 0x07, 0x31, 0x7f, 0x00
};

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (h[0] && h[1] && sscanf(h, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static char fields[2048];

static void collect(void *arg, const char *n, size_t nlen, const char *v, size_t vlen)
{
	size_t used = strlen(fields);

	(void)arg;
	snprintf(fields + used, sizeof(fields) - used, "%.*s: %.*s\n", (int)nlen, n, (int)vlen, v);
}

static void test_huffman(void)
{
	uint8_t in[64];
	char out[64];
	long n = hpack_huffman_decode(in, unhex("f1e3c2e5f23a6ba0ab90f4ff", in), out, sizeof(out));

	EXPECT_INT(n, 15);
	EXPECT(n == 15 && memcmp(out, "www.example.com", 15) == 0);
	/* Padding longer than 7 bits, or not all ones, is an error (5.2). */
	EXPECT_INT(hpack_huffman_decode(in, unhex("f1e3c2e5f23a6ba0ab90f4ffff", in), out, sizeof(out)), -1);
	EXPECT_INT(hpack_huffman_decode(in, unhex("f1e3c2e5f23a6ba0ab90f4fe", in), out, sizeof(out)), -1);
	/* EOS (30 ones) inside a string is an error. */
	EXPECT_INT(hpack_huffman_decode(in, unhex("fffffffc", in), out, sizeof(out)), -1);
	/* Output bounded. */
	EXPECT_INT(hpack_huffman_decode(in, unhex("f1e3c2e5f23a6ba0ab90f4ff", in), out, 14), -1);
}

static void test_hpack_sequence(void)
{
	static const char *const blocks[] = {
		"3fe1014e8264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad"
		"171863c78f0b97c8e9ae82ae43d3",
		"4e03333037c1c0bf",
		"8840889acac8b21234da8f01304085f2b507aa6fb41a9dc745a55283d53285a8f6cd3a893a95da89d43d12"
		"16c50b526c3150a1ed4a879541a826dc5a3f492a891c7417e9445b6168f577ad94e7821dd7f2e6c7b335df"
		"dfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007c0",
	};
	struct hpack t;
	uint8_t b[512];
	char err[120];
	size_t n;

	hpack_init(&t);
	fields[0] = 0;
	n = unhex(blocks[0], b);
	EXPECT_INT(hpack_decode(&t, b, n, collect, NULL, err, sizeof(err)), 0);
	EXPECT_STR(fields, ":status: 302\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n"
			   "location: https://www.example.com\n");
	EXPECT_INT(t.max, 256);
	EXPECT_INT(t.size, 222);
	fields[0] = 0;
	n = unhex(blocks[1], b);
	EXPECT_INT(hpack_decode(&t, b, n, collect, NULL, err, sizeof(err)), 0);
	EXPECT_STR(fields, ":status: 307\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n"
			   "location: https://www.example.com\n");
	EXPECT_INT(t.size, 222); /* ":status: 302" evicted for ":status: 307" */
	fields[0] = 0;
	n = unhex(blocks[2], b);
	EXPECT_INT(hpack_decode(&t, b, n, collect, NULL, err, sizeof(err)), 0);
	EXPECT_STR(fields, ":status: 200\ngrpc-status: 0\nx-long: a value long enough to push older entries "
			   "out of a 256-byte table, surely\nset-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; "
			   "max-age=3600; version=1\ngrpc-status: 0\n");
	EXPECT(t.size <= 256);
	/* Hostile: an index past the table, a size update above our setting,
	 * an integer that never ends, a string longer than the block. */
	fields[0] = 0;
	EXPECT_INT(hpack_decode(&t, b, unhex("ff7f", b), collect, NULL, err, sizeof(err)), -1);
	EXPECT_INT(hpack_decode(&t, b, unhex("3fe21f", b), collect, NULL, err, sizeof(err)), -1);
	EXPECT_INT(hpack_decode(&t, b, unhex("ffffffffffffffffff", b), collect, NULL, err, sizeof(err)), -1);
	EXPECT_INT(hpack_decode(&t, b, unhex("400a6162", b), collect, NULL, err, sizeof(err)), -1);
	/* A size update after a field is an error; 0 empties the table. */
	EXPECT_INT(hpack_decode(&t, b, unhex("8820", b), collect, NULL, err, sizeof(err)), -1);
	EXPECT_INT(hpack_decode(&t, b, unhex("20", b), collect, NULL, err, sizeof(err)), 0);
	EXPECT_INT(t.count, 0);
	EXPECT_INT(t.size, 0);
	hpack_free(&t);
}

static void test_request(void)
{
	uint8_t b[2048];
	size_t n = h2_health_request("127.0.0.1:9090", "probe", b, sizeof(b));
	struct hpack t;
	char err[120];
	size_t hlen, dlen, at;

	EXPECT(n > 24);
	EXPECT(memcmp(b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24) == 0);
	/* SETTINGS, stream 0, ENABLE_PUSH 0. */
	EXPECT(memcmp(b + 24, "\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00", 15) == 0);
	at = 39;
	hlen = (size_t)b[at] << 16 | (size_t)b[at + 1] << 8 | b[at + 2];
	EXPECT_INT(b[at + 3], 1); /* HEADERS */
	EXPECT_INT(b[at + 4], 4); /* END_HEADERS */
	EXPECT_INT(b[at + 8], 1); /* stream 1 */
	hpack_init(&t);
	fields[0] = 0;
	EXPECT_INT(hpack_decode(&t, b + at + 9, hlen, collect, NULL, err, sizeof(err)), 0);
	EXPECT_STR(fields, ":method: POST\n:scheme: http\n:path: /grpc.health.v1.Health/Check\n"
			   ":authority: 127.0.0.1:9090\ncontent-type: application/grpc\nte: trailers\n"
			   "user-agent: kube-probe/1.31\n");
	EXPECT_INT(t.count, 0); /* nothing indexed */
	hpack_free(&t);
	at += 9 + hlen;
	dlen = (size_t)b[at] << 16 | (size_t)b[at + 1] << 8 | b[at + 2];
	EXPECT_INT(b[at + 3], 0); /* DATA */
	EXPECT_INT(b[at + 4], 1); /* END_STREAM */
	EXPECT_INT(dlen, 5 + 2 + 5);
	EXPECT(memcmp(b + at + 9, "\x00\x00\x00\x00\x07\x0a\x05probe", 12) == 0);
	EXPECT_INT(at + 9 + dlen, n);
	/* No service: an empty message. */
	n = h2_health_request("127.0.0.1:9090", "", b, sizeof(b));
	EXPECT(memcmp(b + n - 14, "\x00\x00\x05\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00", 14) == 0);
	EXPECT_INT(h2_health_request("127.0.0.1:9090", "", b, 100), 0);
}

static enum h2_result feed_all(const uint8_t *d, size_t len, size_t step, struct h2_probe *p)
{
	size_t i;
	enum h2_result r = H2_MORE;

	EXPECT_INT(h2_probe_init(p), 0);
	for (i = 0; i < len && r == H2_MORE; i += step) {
		r = h2_probe_feed(p, d + i, len - i < step ? len - i : step);
		p->out_len = 0;
	}
	return r;
}

static void test_real_server(void)
{
	static struct h2_probe p;
	size_t step;

	/* Whole, and byte by byte: frames split anywhere. */
	for (step = 1; step <= sizeof(resp_serving); step += sizeof(resp_serving) - 1) {
		EXPECT_INT(feed_all(resp_serving, sizeof(resp_serving), step, &p), H2_SERVING);
		h2_probe_free(&p);
		EXPECT_INT(feed_all(resp_not_serving, sizeof(resp_not_serving), step, &p), H2_FAILED);
		EXPECT_STR(p.why, "service unhealthy (responded with \"NOT_SERVING\")");
		h2_probe_free(&p);
		EXPECT_INT(feed_all(resp_unknown, sizeof(resp_unknown), step, &p), H2_FAILED);
		EXPECT_STR(p.why, "rpc error: code = 5 desc = unknown service");
		h2_probe_free(&p);
	}
	/* The server's SETTINGS is acknowledged. */
	EXPECT_INT(h2_probe_init(&p), 0);
	EXPECT_INT(h2_probe_feed(&p, resp_serving, 15), H2_MORE);
	EXPECT_INT(p.out_len, 9);
	EXPECT(memcmp(p.out, "\x00\x00\x00\x04\x01\x00\x00\x00\x00", 9) == 0);
	EXPECT_INT(h2_probe_eof(&p), H2_FAILED);
	h2_probe_free(&p);
}

static void test_hostile(void)
{
	static struct h2_probe p;
	uint8_t b[256];
	size_t n;

	/* A frame larger than the default maximum. */
	n = unhex("004001000000000001", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	h2_probe_free(&p);
	/* DATA before HEADERS; HEADERS on stream 3; CONTINUATION alone. */
	n = unhex("000001000000000001ff", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	h2_probe_free(&p);
	n = unhex("000001010400000003" "88", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	h2_probe_free(&p);
	n = unhex("000001090400000001" "88", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	h2_probe_free(&p);
	/* Padding longer than the frame. */
	n = unhex("000002010c00000001" "0588", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	h2_probe_free(&p);
	/* Trailers-only: HEADERS with END_STREAM, :status 200, grpc-status 14. */
	n = unhex("00001101050000000188" "000b677270632d737461747573023134", b);
	EXPECT_INT(feed_all(b, 9 + 0x11 - 1, 9 + 0x11 - 1, &p), H2_MORE);
	h2_probe_free(&p);
	n = unhex("00001101050000000188" "000b677270632d737461747573023134", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	EXPECT_STR(p.why, "rpc error: code = 14 desc = ");
	h2_probe_free(&p);
	/* HTTP 503 without grpc-status. */
	n = unhex("00000101050000000189", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	h2_probe_free(&p);
	/* A flood of PINGs is acknowledged until the queue is full, then refused. */
	EXPECT_INT(h2_probe_init(&p), 0);
	n = unhex("000008060000000000" "0102030405060708", b);
	for (size_t i = 0; i < 20 && p.result == H2_MORE; i++)
		h2_probe_feed(&p, b, n);
	EXPECT_INT(p.result, H2_FAILED);
	h2_probe_free(&p);
	/* RST_STREAM and GOAWAY. */
	n = unhex("00000403000000000100000002", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	EXPECT_STR(p.why, "rpc error: the server reset the stream (HTTP/2 error 2)");
	h2_probe_free(&p);
	n = unhex("0000080700000000000000000000000000", b);
	EXPECT_INT(feed_all(b, n, n, &p), H2_FAILED);
	h2_probe_free(&p);
}

int main(void)
{
	test_huffman();
	test_hpack_sequence();
	test_request();
	test_real_server();
	test_hostile();
	printf("h2_tests: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
