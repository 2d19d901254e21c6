/*
 * The gRPC health check of a grpc probe (grpc.health.v1.Health/Check) over
 * HTTP/2 with prior knowledge (h2c), as the kubelet makes it: a minimal
 * client, pure (no I/O) so the unit tests and the fuzzer drive it directly.
 *
 * What it sends is fixed: the connection preface, SETTINGS (push off), one
 * HEADERS frame of HPACK literals (never indexed, no Huffman) and one DATA
 * frame holding the request. What it reads is whatever the server sends,
 * treated as hostile: frames are bounded by the 16384-byte default maximum
 * size (nothing larger is advertised), header blocks by H2_MAX_BLOCK, the
 * HPACK dynamic table by the default 4096 bytes, the response message by
 * H2_MAX_MESSAGE. A server's SETTINGS and PINGs are acknowledged; the result
 * is known when stream 1 ends (or is reset, or the connection goes away).
 */
#ifndef PEAPOD_H2_H
#define PEAPOD_H2_H

#include <stddef.h>
#include <stdint.h>

#define H2_MAX_FRAME 16384u   /* SETTINGS_MAX_FRAME_SIZE's default, never raised */
#define H2_MAX_BLOCK 16384u   /* one header block, HEADERS + CONTINUATIONs */
#define H2_TABLE_SIZE 4096u   /* SETTINGS_HEADER_TABLE_SIZE's default, never raised */
#define H2_MAX_MESSAGE 1024u  /* bytes of the response's gRPC messages */
#define H2_MAX_SERVICE 1024u  /* bytes of a health check's service name */
#define H2_OUT_CAP 256u       /* acknowledgements waiting to be sent */

/* The HPACK decoder's state: its dynamic table, newest entry first. */
struct hpack_entry {
	char *name, *value;
	size_t nlen, vlen;
};

struct hpack {
	struct hpack_entry entry[H2_TABLE_SIZE / 32]; /* each takes at least 32 bytes */
	size_t first, count; /* ring: entry[first] is the newest */
	size_t size, max;    /* RFC 7541 sizes (name + value + 32) */
};

void hpack_init(struct hpack *t);
void hpack_free(struct hpack *t);

/* Decodes one header block, calling fn for each field (strings are not
 * NUL-terminated and live until fn returns). 0, or -1 with err set (a
 * decoding error: the connection cannot go on). */
int hpack_decode(struct hpack *t, const uint8_t *p, size_t len,
		 void (*fn)(void *arg, const char *name, size_t nlen, const char *value, size_t vlen),
		 void *arg, char *err, size_t errlen);

/* Huffman-decodes (RFC 7541 Appendix B) into out; the length, or -1 when
 * the input is not valid Huffman or does not fit. */
long hpack_huffman_decode(const uint8_t *in, size_t len, char *out, size_t cap);

enum h2_result { H2_MORE = 0, H2_SERVING = 1, H2_FAILED = 2 };

struct h2_probe {
	struct hpack table;
	uint8_t frame[9 + H2_MAX_FRAME];
	size_t frame_len;
	uint8_t *block; /* header block being gathered, H2_MAX_BLOCK */
	size_t block_len;
	int block_open;       /* a HEADERS without END_HEADERS awaits CONTINUATION */
	int block_end_stream; /* that HEADERS ended the stream */
	int headers_seen;     /* the response's first header block came */
	int http_status;      /* :status, 0 before */
	int grpc_status;      /* grpc-status, -1 before */
	char grpc_message[120];
	uint8_t message[H2_MAX_MESSAGE];
	size_t message_len;
	uint8_t out[H2_OUT_CAP]; /* acknowledgements to send, taken by the caller */
	size_t out_len;
	enum h2_result result;
	char why[200]; /* a failure's reason, as the kubelet words it where it can */
};

/* The client's whole first flight for a health check of `service` ("" is
 * the server as a whole) at `authority` ("host:port"). Its length, or 0
 * when it does not fit in cap. */
size_t h2_health_request(const char *authority, const char *service, uint8_t *buf, size_t cap);

/* p->block is allocated here: call h2_probe_free afterwards. -1 on ENOMEM. */
int h2_probe_init(struct h2_probe *p);
void h2_probe_free(struct h2_probe *p);

/* Feeds bytes read from the server. Returns p->result: H2_MORE while the
 * answer is not known (send p->out meanwhile, then set out_len 0). */
enum h2_result h2_probe_feed(struct h2_probe *p, const uint8_t *data, size_t len);

/* The server closed the connection: the result if it is known, else a
 * failure. */
enum h2_result h2_probe_eof(struct h2_probe *p);

#endif
