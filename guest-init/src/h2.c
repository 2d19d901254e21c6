/*
 * HTTP/2 + HPACK for the gRPC health check (see h2.h). RFC 9113 (HTTP/2),
 * RFC 7541 (HPACK), and gRPC's "PROTOCOL-HTTP2" framing: a message is a
 * 1-byte compressed flag, a 4-byte big-endian length and the protobuf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2.h"

/* ---- HPACK: Huffman ------------------------------------------------------------ */

/*
 * Code lengths of RFC 7541 Appendix B, by symbol (256 is EOS). The code is
 * canonical (codes of one length are consecutive, in symbol order, and
 * follow the shorter ones), so the lengths are all it takes to rebuild it.
 */
static const uint8_t huff_len[257] = {
	13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
	28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
	6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
	5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
	13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
	15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
	6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
	20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
	24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
	22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
	21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
	26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
	19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
	20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
	26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
	30,
};

#define HUFF_MAX_LEN 30

static struct {
	int built;
	uint32_t first[HUFF_MAX_LEN + 2]; /* first code of each length */
	uint16_t count[HUFF_MAX_LEN + 2];
	uint16_t offset[HUFF_MAX_LEN + 2]; /* into sym[] */
	uint16_t sym[257];                 /* symbols by (length, value) */
} huff;

static void huff_build(void)
{
	uint32_t code = 0;
	unsigned l, s, n = 0;

	for (l = 1; l <= HUFF_MAX_LEN; l++) {
		huff.offset[l] = (uint16_t)n;
		huff.first[l] = code;
		for (s = 0; s < 257; s++) {
			if (huff_len[s] == l)
				huff.sym[n++] = (uint16_t)s;
		}
		huff.count[l] = (uint16_t)(n - huff.offset[l]);
		code = (code + huff.count[l]) << 1;
	}
	huff.built = 1;
}

long hpack_huffman_decode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i, n = 0;
	uint32_t code = 0;
	unsigned l = 0, ones = 1; /* bits of the symbol so far, all of them 1 */
	int b;

	if (!huff.built)
		huff_build();
	for (i = 0; i < len; i++) {
		for (b = 7; b >= 0; b--) {
			unsigned bit = (in[i] >> b) & 1u;

			code = (code << 1) | bit;
			ones = ones && bit;
			l++;
			if (code - huff.first[l] < huff.count[l]) {
				uint16_t s = huff.sym[huff.offset[l] + code - huff.first[l]];

				if (s == 256 || n >= cap)
					return -1; /* EOS inside a string is an error (5.2) */
				out[n++] = (char)s;
				code = 0;
				l = 0;
				ones = 1;
			} else if (l >= HUFF_MAX_LEN) {
				return -1;
			}
		}
	}
	/* Padding: fewer than 8 bits, the most significant bits of EOS (all 1). */
	if (l > 7 || !ones)
		return -1;
	return (long)n;
}

/* ---- HPACK: tables ---------------------------------------------------------------- */

static const char *const static_table[61][2] = {
	{ ":authority", "" }, { ":method", "GET" }, { ":method", "POST" }, { ":path", "/" },
	{ ":path", "/index.html" }, { ":scheme", "http" }, { ":scheme", "https" },
	{ ":status", "200" }, { ":status", "204" }, { ":status", "206" }, { ":status", "304" },
	{ ":status", "400" }, { ":status", "404" }, { ":status", "500" }, { "accept-charset", "" },
	{ "accept-encoding", "gzip, deflate" }, { "accept-language", "" }, { "accept-ranges", "" },
	{ "accept", "" }, { "access-control-allow-origin", "" }, { "age", "" }, { "allow", "" },
	{ "authorization", "" }, { "cache-control", "" }, { "content-disposition", "" },
	{ "content-encoding", "" }, { "content-language", "" }, { "content-length", "" },
	{ "content-location", "" }, { "content-range", "" }, { "content-type", "" },
	{ "cookie", "" }, { "date", "" }, { "etag", "" }, { "expect", "" }, { "expires", "" },
	{ "from", "" }, { "host", "" }, { "if-match", "" }, { "if-modified-since", "" },
	{ "if-none-match", "" }, { "if-range", "" }, { "if-unmodified-since", "" },
	{ "last-modified", "" }, { "link", "" }, { "location", "" }, { "max-forwards", "" },
	{ "proxy-authenticate", "" }, { "proxy-authorization", "" }, { "range", "" },
	{ "referer", "" }, { "refresh", "" }, { "retry-after", "" }, { "server", "" },
	{ "set-cookie", "" }, { "strict-transport-security", "" }, { "transfer-encoding", "" },
	{ "user-agent", "" }, { "vary", "" }, { "via", "" }, { "www-authenticate", "" },
};

#define TABLE_SLOTS (H2_TABLE_SIZE / 32)

void hpack_init(struct hpack *t)
{
	memset(t, 0, sizeof(*t));
	t->max = H2_TABLE_SIZE;
}

static void evict_oldest(struct hpack *t)
{
	struct hpack_entry *e = &t->entry[(t->first + t->count - 1) % TABLE_SLOTS];

	t->size -= e->nlen + e->vlen + 32;
	free(e->name);
	memset(e, 0, sizeof(*e));
	t->count--;
}

void hpack_free(struct hpack *t)
{
	while (t->count)
		evict_oldest(t);
	t->size = 0;
}

static void fit(struct hpack *t, size_t room)
{
	while (t->count && t->size + room > t->max)
		evict_oldest(t);
}

/* 4.4: an entry larger than the table empties it and is not added. */
static int table_add(struct hpack *t, const char *n, size_t nlen, const char *v, size_t vlen)
{
	size_t need = nlen + vlen + 32;
	struct hpack_entry *e;

	fit(t, need);
	if (need > t->max)
		return 0;
	e = &t->entry[(t->first + TABLE_SLOTS - 1) % TABLE_SLOTS];
	e->name = malloc(nlen + vlen + 1);
	if (!e->name)
		return -1;
	memcpy(e->name, n, nlen);
	memcpy(e->name + nlen, v, vlen);
	e->value = e->name + nlen;
	e->nlen = nlen;
	e->vlen = vlen;
	t->first = (t->first + TABLE_SLOTS - 1) % TABLE_SLOTS;
	t->count++;
	t->size += need;
	return 0;
}

/* Index 1-61 static, 62- dynamic (newest first). */
static int lookup(const struct hpack *t, uint64_t idx, const char **n, size_t *nlen,
		  const char **v, size_t *vlen)
{
	if (idx >= 1 && idx <= 61) {
		*n = static_table[idx - 1][0];
		*v = static_table[idx - 1][1];
		*nlen = strlen(*n);
		*vlen = strlen(*v);
		return 0;
	}
	if (idx < 62 || idx - 62 >= t->count)
		return -1;
	{
		const struct hpack_entry *e = &t->entry[(t->first + (idx - 62)) % TABLE_SLOTS];

		*n = e->name;
		*nlen = e->nlen;
		*v = e->value;
		*vlen = e->vlen;
	}
	return 0;
}

/* ---- HPACK: decoding ---------------------------------------------------------------- */

struct reader {
	const uint8_t *p;
	size_t len, pos;
};

/* 5.1: an integer with an N-bit prefix; bounded well below overflow. */
static int read_int(struct reader *r, unsigned prefix, uint64_t *out)
{
	uint64_t max = (1u << prefix) - 1, v;
	unsigned shift = 0;

	if (r->pos >= r->len)
		return -1;
	v = r->p[r->pos++] & max;
	if (v < max) {
		*out = v;
		return 0;
	}
	for (;;) {
		uint8_t b;

		if (r->pos >= r->len || shift > 28)
			return -1;
		b = r->p[r->pos++];
		v += (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*out = v;
	return 0;
}

/* 5.2: a string literal, decoded into buf (cap bytes). */
static int read_str(struct reader *r, char *buf, size_t cap, size_t *out)
{
	int huffman;
	uint64_t len;
	long n;

	if (r->pos >= r->len)
		return -1;
	huffman = r->p[r->pos] & 0x80;
	if (read_int(r, 7, &len) < 0 || len > r->len - r->pos)
		return -1;
	if (huffman) {
		n = hpack_huffman_decode(r->p + r->pos, (size_t)len, buf, cap);
		if (n < 0)
			return -1;
		*out = (size_t)n;
	} else {
		if (len > cap)
			return -1;
		memcpy(buf, r->p + r->pos, (size_t)len);
		*out = (size_t)len;
	}
	r->pos += (size_t)len;
	return 0;
}

int hpack_decode(struct hpack *t, const uint8_t *p, size_t len,
		 void (*fn)(void *arg, const char *name, size_t nlen, const char *value, size_t vlen),
		 void *arg, char *err, size_t errlen)
{
	/* Decoded strings are at most 8/5 of their encoding, which is in the block. */
	size_t cap = len * 8 / 5 + H2_TABLE_SIZE; /* or a name from the tables */
	char *nbuf = malloc(cap), *vbuf = malloc(cap);
	struct reader r = { p, len, 0 };
	int rc = -1, size_update_ok = 1;

	if (!nbuf || !vbuf) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (r.pos < r.len) {
		uint8_t b = r.p[r.pos];
		uint64_t idx;
		const char *n, *v;
		size_t nlen, vlen;

		if (b & 0x80) { /* 6.1 indexed field */
			if (read_int(&r, 7, &idx) < 0 || lookup(t, idx, &n, &nlen, &v, &vlen) < 0)
				goto bad;
			fn(arg, n, nlen, v, vlen);
			size_update_ok = 0;
			continue;
		}
		if ((b & 0xe0) == 0x20) { /* 6.3 dynamic table size update, at the start only */
			if (!size_update_ok || read_int(&r, 5, &idx) < 0 || idx > H2_TABLE_SIZE)
				goto bad;
			t->max = (size_t)idx;
			fit(t, 0);
			continue;
		}
		size_update_ok = 0;
		{
			int incremental = (b & 0xc0) == 0x40; /* 6.2.1; else 6.2.2/6.2.3 */

			if (read_int(&r, incremental ? 6 : 4, &idx) < 0)
				goto bad;
			if (idx) {
				if (lookup(t, idx, &n, &nlen, &v, &vlen) < 0 || nlen > cap)
					goto bad;
				memcpy(nbuf, n, nlen); /* the name may be evicted by the add */
			} else if (read_str(&r, nbuf, cap, &nlen) < 0) {
				goto bad;
			}
			if (read_str(&r, vbuf, cap, &vlen) < 0)
				goto bad;
			fn(arg, nbuf, nlen, vbuf, vlen);
			if (incremental && table_add(t, nbuf, nlen, vbuf, vlen) < 0) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
		}
	}
	rc = 0;
	goto out;
bad:
	snprintf(err, errlen, "HPACK decoding error at byte %zu of a header block", r.pos);
out:
	free(nbuf);
	free(vbuf);
	return rc;
}

/* ---- The request ------------------------------------------------------------------- */

#define T_DATA 0x0
#define T_HEADERS 0x1
#define T_RST_STREAM 0x3
#define T_SETTINGS 0x4
#define T_PUSH_PROMISE 0x5
#define T_PING 0x6
#define T_GOAWAY 0x7
#define T_CONTINUATION 0x9

#define F_END_STREAM 0x1
#define F_ACK 0x1
#define F_END_HEADERS 0x4
#define F_PADDED 0x8
#define F_PRIORITY 0x20

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static void put_frame_header(uint8_t *b, size_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
	b[0] = (uint8_t)(len >> 16);
	b[1] = (uint8_t)(len >> 8);
	b[2] = (uint8_t)len;
	b[3] = type;
	b[4] = flags;
	b[5] = (uint8_t)(stream >> 24);
	b[6] = (uint8_t)(stream >> 16);
	b[7] = (uint8_t)(stream >> 8);
	b[8] = (uint8_t)stream;
}

/* An HPACK integer with an N-bit prefix (pattern in the prefix's other bits). */
static size_t put_int(uint8_t *b, uint8_t pattern, unsigned prefix, size_t v)
{
	size_t max = (1u << prefix) - 1, n = 0;

	if (v < max) {
		b[n++] = (uint8_t)(pattern | v);
		return n;
	}
	b[n++] = (uint8_t)(pattern | max);
	v -= max;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(0x80 | (v & 0x7f));
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	return n;
}

/* A literal field without indexing, new name, no Huffman (6.2.2). */
static size_t put_field(uint8_t *b, const char *name, const char *value)
{
	size_t n = 0, nl = strlen(name), vl = strlen(value);

	n += put_int(b + n, 0x00, 4, 0);
	n += put_int(b + n, 0x00, 7, nl);
	memcpy(b + n, name, nl);
	n += nl;
	n += put_int(b + n, 0x00, 7, vl);
	memcpy(b + n, value, vl);
	return n + vl;
}

size_t h2_health_request(const char *authority, const char *service, uint8_t *buf, size_t cap)
{
	static const char *const fields[][2] = {
		{ ":method", "POST" }, { ":scheme", "http" },
		{ ":path", "/grpc.health.v1.Health/Check" }, { ":authority", NULL },
		{ "content-type", "application/grpc" }, { "te", "trailers" },
		{ "user-agent", "kube-probe/1.31" },
	};
	size_t alen = strlen(authority), slen = strlen(service), need, n, i, hlen, msg;

	if (alen > 255 || slen > H2_MAX_SERVICE)
		return 0;
	/* Preface, SETTINGS(1 setting), HEADERS, DATA: generous for the literals' prefixes. */
	need = sizeof(preface) - 1 + 9 + 6 + 9 + 200 + alen + 9 + 5 + 3 + slen;
	if (cap < need)
		return 0;
	n = sizeof(preface) - 1;
	memcpy(buf, preface, n);
	put_frame_header(buf + n, 6, T_SETTINGS, 0, 0);
	n += 9;
	/* SETTINGS_ENABLE_PUSH (0x2) = 0: a probe takes no pushed streams. */
	memcpy(buf + n, "\x00\x02\x00\x00\x00\x00", 6);
	n += 6;
	hlen = 0;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		hlen += put_field(buf + n + 9 + hlen, fields[i][0],
				  fields[i][1] ? fields[i][1] : authority);
	put_frame_header(buf + n, hlen, T_HEADERS, F_END_HEADERS, 1);
	n += 9 + hlen;
	/* HealthCheckRequest { string service = 1; }: key 0x0a, varint length, bytes. */
	msg = 0;
	if (slen) {
		uint8_t *m = buf + n + 9 + 5;
		size_t v = slen;

		m[msg++] = 0x0a;
		while (v >= 0x80) {
			m[msg++] = (uint8_t)(0x80 | (v & 0x7f));
			v >>= 7;
		}
		m[msg++] = (uint8_t)v;
		memcpy(m + msg, service, slen);
		msg += slen;
	}
	put_frame_header(buf + n, 5 + msg, T_DATA, F_END_STREAM, 1);
	buf[n + 9] = 0; /* not compressed */
	buf[n + 10] = (uint8_t)(msg >> 24);
	buf[n + 11] = (uint8_t)(msg >> 16);
	buf[n + 12] = (uint8_t)(msg >> 8);
	buf[n + 13] = (uint8_t)msg;
	return n + 9 + 5 + msg;
}

/* ---- The response ------------------------------------------------------------------ */

int h2_probe_init(struct h2_probe *p)
{
	memset(p, 0, sizeof(*p));
	hpack_init(&p->table);
	p->grpc_status = -1;
	p->block = malloc(H2_MAX_BLOCK);
	return p->block ? 0 : -1;
}

void h2_probe_free(struct h2_probe *p)
{
	hpack_free(&p->table);
	free(p->block);
	p->block = NULL;
}

static enum h2_result fail(struct h2_probe *p, const char *f, ...)
	__attribute__((format(printf, 2, 3)));

static enum h2_result fail(struct h2_probe *p, const char *f, ...)
{
	va_list ap;

	if (p->result != H2_MORE)
		return p->result;
	va_start(ap, f);
	vsnprintf(p->why, sizeof(p->why), f, ap);
	va_end(ap);
	return p->result = H2_FAILED;
}

static void queue(struct h2_probe *p, uint8_t type, uint8_t flags, const uint8_t *payload,
		  size_t len)
{
	/* A peer that makes us queue more than we can hold without reading our
	 * acknowledgements is not worth waiting for. */
	if (p->out_len + 9 + len > sizeof(p->out)) {
		fail(p, "the server sends control frames faster than they are acknowledged");
		return;
	}
	put_frame_header(p->out + p->out_len, len, type, flags, 0);
	if (len)
		memcpy(p->out + p->out_len + 9, payload, len);
	p->out_len += 9 + len;
}

static int is(const char *s, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(s, lit, len) == 0;
}

/* A decimal of 1 to `digits` digits, or -1. */
static int decimal(const char *v, size_t len, size_t digits)
{
	size_t i;
	int x = 0;

	if (len < 1 || len > digits)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

static void on_field(void *arg, const char *n, size_t nlen, const char *v, size_t vlen)
{
	struct h2_probe *p = arg;
	size_t i;

	if (is(n, nlen, ":status") && !p->http_status) {
		p->http_status = vlen == 3 ? decimal(v, vlen, 3) : -1;
	} else if (is(n, nlen, "grpc-status")) {
		/* Not a number is not OK either: the kubelet's client calls it Unknown (2). */
		p->grpc_status = decimal(v, vlen, 5);
		if (p->grpc_status < 0)
			p->grpc_status = 2;
	} else if (is(n, nlen, "grpc-message")) {
		/* Printable ASCII only: it goes into a message shown to people. */
		for (i = 0; i < vlen && i < sizeof(p->grpc_message) - 1; i++)
			p->grpc_message[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
		p->grpc_message[i] = 0;
	}
}

static const char *serving_name(uint64_t s)
{
	static const char *const names[] = { "UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN" };

	return s < 4 ? names[s] : "?";
}

/* The stream ended: what the kubelet's gRPC client would make of it. */
static enum h2_result conclude(struct h2_probe *p)
{
	const uint8_t *m = p->message;
	size_t len, pos = 5;
	uint64_t status = 0; /* proto3: an absent field is 0, UNKNOWN */

	if (p->http_status != 200)
		return fail(p, "rpc error: HTTP status %d", p->http_status);
	if (p->grpc_status < 0)
		return fail(p, "rpc error: the response has no grpc-status");
	if (p->grpc_status != 0)
		return fail(p, "rpc error: code = %d desc = %s", p->grpc_status, p->grpc_message);
	if (p->message_len < 5)
		return fail(p, "rpc error: the response has no message");
	if (m[0] != 0)
		return fail(p, "rpc error: the response message is compressed");
	len = (size_t)m[1] << 24 | (size_t)m[2] << 16 | (size_t)m[3] << 8 | m[4];
	if (len != p->message_len - 5)
		return fail(p, "rpc error: the response is not one message");
	while (pos < p->message_len) { /* HealthCheckResponse, skipping unknown fields */
		uint64_t key = 0, v = 0;
		unsigned shift;
		int w;

		for (shift = 0;; shift += 7) {
			if (pos >= p->message_len || shift > 63)
				return fail(p, "rpc error: the response message is not protobuf");
			key |= (uint64_t)(m[pos] & 0x7f) << shift;
			if (!(m[pos++] & 0x80))
				break;
		}
		w = (int)(key & 7);
		if (w == 0) {
			for (shift = 0;; shift += 7) {
				if (pos >= p->message_len || shift > 63)
					return fail(p, "rpc error: the response message is not protobuf");
				v |= (uint64_t)(m[pos] & 0x7f) << shift;
				if (!(m[pos++] & 0x80))
					break;
			}
			if (key >> 3 == 1)
				status = v;
		} else if (w == 1 || w == 5) {
			pos += w == 1 ? 8 : 4;
		} else if (w == 2) {
			for (shift = 0;; shift += 7) {
				if (pos >= p->message_len || shift > 63)
					return fail(p, "rpc error: the response message is not protobuf");
				v |= (uint64_t)(m[pos] & 0x7f) << shift;
				if (!(m[pos++] & 0x80))
					break;
			}
			if (v > p->message_len)
				return fail(p, "rpc error: the response message is not protobuf");
			pos += (size_t)v;
		} else {
			return fail(p, "rpc error: the response message is not protobuf");
		}
		if (pos > p->message_len)
			return fail(p, "rpc error: the response message is not protobuf");
	}
	if (status != 1)
		return fail(p, "service unhealthy (responded with \"%s\")", serving_name(status));
	p->result = H2_SERVING;
	return p->result;
}

static enum h2_result end_block(struct h2_probe *p)
{
	char err[120];

	p->block_open = 0;
	if (hpack_decode(&p->table, p->block, p->block_len, on_field, p, err, sizeof(err)) < 0)
		return fail(p, "%s", err);
	p->block_len = 0;
	p->headers_seen = 1;
	if (p->block_end_stream)
		return conclude(p);
	return H2_MORE;
}

static enum h2_result add_block(struct h2_probe *p, const uint8_t *b, size_t len, int end)
{
	if (len > H2_MAX_BLOCK - p->block_len)
		return fail(p, "a header block is larger than %u bytes", H2_MAX_BLOCK);
	memcpy(p->block + p->block_len, b, len);
	p->block_len += len;
	return end ? end_block(p) : H2_MORE;
}

/* Strips PADDED (and PRIORITY, for HEADERS) from a payload. */
static int unpad(uint8_t flags, int priority, const uint8_t **b, size_t *len)
{
	size_t pad = 0;

	if (flags & F_PADDED) {
		if (*len < 1)
			return -1;
		pad = (*b)[0];
		(*b)++;
		(*len)--;
	}
	if (priority && (flags & F_PRIORITY)) {
		if (*len < 5)
			return -1;
		*b += 5;
		*len -= 5;
	}
	if (pad > *len)
		return -1;
	*len -= pad;
	return 0;
}

static enum h2_result frame(struct h2_probe *p, const uint8_t *f)
{
	size_t len = (size_t)f[0] << 16 | (size_t)f[1] << 8 | f[2];
	uint8_t type = f[3], flags = f[4];
	uint32_t stream = ((uint32_t)f[5] << 24 | (uint32_t)f[6] << 16 | (uint32_t)f[7] << 8 | f[8]) &
			  0x7fffffffu;
	const uint8_t *b = f + 9;

	if (p->block_open && (type != T_CONTINUATION || stream != 1))
		return fail(p, "HTTP/2 protocol error: a header block was interrupted");
	switch (type) {
	case T_DATA:
		if (stream != 1)
			return fail(p, "HTTP/2 protocol error: DATA on stream %u", (unsigned)stream);
		if (!p->headers_seen)
			return fail(p, "HTTP/2 protocol error: DATA before HEADERS");
		if (unpad(flags, 0, &b, &len) < 0)
			return fail(p, "HTTP/2 protocol error: bad padding");
		if (len > sizeof(p->message) - p->message_len)
			return fail(p, "rpc error: the response is larger than %u bytes", H2_MAX_MESSAGE);
		memcpy(p->message + p->message_len, b, len);
		p->message_len += len;
		if (flags & F_END_STREAM)
			return conclude(p); /* no trailers: no grpc-status unless in the headers */
		return H2_MORE;
	case T_HEADERS:
		if (stream != 1)
			return fail(p, "HTTP/2 protocol error: HEADERS on stream %u", (unsigned)stream);
		if (unpad(flags, 1, &b, &len) < 0)
			return fail(p, "HTTP/2 protocol error: bad padding");
		p->block_open = 1;
		p->block_end_stream = flags & F_END_STREAM;
		return add_block(p, b, len, flags & F_END_HEADERS);
	case T_CONTINUATION:
		if (!p->block_open)
			return fail(p, "HTTP/2 protocol error: CONTINUATION without HEADERS");
		return add_block(p, b, len, flags & F_END_HEADERS);
	case T_RST_STREAM:
		if (stream != 1)
			return H2_MORE;
		if (len != 4)
			return fail(p, "HTTP/2 protocol error: RST_STREAM of %zu bytes", len);
		return fail(p, "rpc error: the server reset the stream (HTTP/2 error %u)",
			    (unsigned)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]));
	case T_SETTINGS:
		if (stream != 0 || (flags & F_ACK ? len != 0 : len % 6 != 0))
			return fail(p, "HTTP/2 protocol error: bad SETTINGS");
		if (!(flags & F_ACK))
			queue(p, T_SETTINGS, F_ACK, NULL, 0);
		return p->result;
	case T_PING:
		if (stream != 0 || len != 8)
			return fail(p, "HTTP/2 protocol error: bad PING");
		if (!(flags & F_ACK))
			queue(p, T_PING, F_ACK, b, 8);
		return p->result;
	case T_GOAWAY:
		if (len < 8)
			return fail(p, "HTTP/2 protocol error: bad GOAWAY");
		{
			uint32_t last = ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
					 b[3]) & 0x7fffffffu;
			uint32_t code = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];

			/* A graceful GOAWAY that keeps stream 1 lets it finish. */
			if (last >= 1 && code == 0)
				return H2_MORE;
			return fail(p, "rpc error: the server went away (HTTP/2 error %u)", (unsigned)code);
		}
	case T_PUSH_PROMISE:
		return fail(p, "HTTP/2 protocol error: PUSH_PROMISE though push is off");
	default:
		return H2_MORE; /* PRIORITY, WINDOW_UPDATE, unknown types: nothing to do */
	}
}

enum h2_result h2_probe_feed(struct h2_probe *p, const uint8_t *data, size_t len)
{
	while (len && p->result == H2_MORE) {
		size_t want, take;

		want = 9;
		if (p->frame_len >= 9) {
			size_t flen = (size_t)p->frame[0] << 16 | (size_t)p->frame[1] << 8 | p->frame[2];

			if (flen > H2_MAX_FRAME)
				return fail(p, "HTTP/2 frame size error: a frame of %zu bytes", flen);
			want = 9 + flen;
		}
		take = want - p->frame_len < len ? want - p->frame_len : len;
		memcpy(p->frame + p->frame_len, data, take);
		p->frame_len += take;
		data += take;
		len -= take;
		if (p->frame_len == want && want > 9) {
			p->frame_len = 0;
			frame(p, p->frame);
		} else if (p->frame_len == 9) {
			size_t flen = (size_t)p->frame[0] << 16 | (size_t)p->frame[1] << 8 | p->frame[2];

			if (flen > H2_MAX_FRAME)
				return fail(p, "HTTP/2 frame size error: a frame of %zu bytes", flen);
			if (flen == 0) {
				p->frame_len = 0;
				frame(p, p->frame);
			}
		}
	}
	return p->result;
}

enum h2_result h2_probe_eof(struct h2_probe *p)
{
	return fail(p, "rpc error: the connection closed before the response ended");
}
