/*
 * TLS 1.3 client for HTTPS probes: see tls.h. Section numbers are RFC 8446's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tls.h"

enum {
	WAIT_SERVER_HELLO, /* plaintext handshake */
	WAIT_FINISHED,     /* encrypted handshake: EncryptedExtensions .. Finished */
	CONNECTED,
	DONE, /* failed or closed */
};

#define CT_CHANGE_CIPHER_SPEC 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPLICATION_DATA 23

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_NEW_SESSION_TICKET 4
#define HS_ENCRYPTED_EXTENSIONS 8
#define HS_CERTIFICATE 11
#define HS_CERTIFICATE_REQUEST 13
#define HS_CERTIFICATE_VERIFY 15
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24

#define X25519_GROUP 0x001d
#define CHACHA20_POLY1305_SHA256 0x1303
#define AES_128_GCM_SHA256 0x1301

static enum tls_result fail(struct tls *t, const char *f, ...) __attribute__((format(printf, 2, 3)));

static enum tls_result fail(struct tls *t, const char *f, ...)
{
	va_list ap;

	if (t->state == DONE)
		return TLS_FAILED;
	va_start(ap, f);
	vsnprintf(t->why, sizeof(t->why), f, ap);
	va_end(ap);
	t->state = DONE;
	t->ready = 0;
	return TLS_FAILED;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- Key schedule (7.1) ------------------------------------------------------------- */

void tls_expand_label(const uint8_t secret[SHA256_LEN], const char *label, const uint8_t *ctx,
		      size_t ctx_len, uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + SHA256_LEN];
	size_t llen = strlen(label), n = 0;

	/* Labels are ours (short) and contexts are hashes: both fit. */
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + llen);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = (uint8_t)ctx_len;
	if (ctx_len)
		memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	hkdf_expand(secret, info, n, out, out_len);
}

static void derive_secret(const uint8_t secret[SHA256_LEN], const char *label,
			  const uint8_t hash[SHA256_LEN], uint8_t out[SHA256_LEN])
{
	tls_expand_label(secret, label, hash, SHA256_LEN, out, SHA256_LEN);
}

static void set_keys(struct tls *t, struct tls_keys *k, const uint8_t secret[SHA256_LEN])
{
	memcpy(k->secret, secret, SHA256_LEN);
	memset(k->key, 0, sizeof(k->key));
	tls_expand_label(secret, "key", NULL, 0, k->key, t->suite == AES_128_GCM_SHA256 ? 16 : 32);
	tls_expand_label(secret, "iv", NULL, 0, k->iv, sizeof(k->iv));
	k->seq = 0;
	k->set = 1;
}

static void nonce(const struct tls_keys *k, uint8_t out[12])
{
	int i;

	memcpy(out, k->iv, 12);
	for (i = 0; i < 8; i++)
		out[11 - i] ^= (uint8_t)(k->seq >> (8 * i));
}

/* ---- Writing ------------------------------------------------------------------------- */

/* One protected record (5.2) of `type` holding len bytes. */
static int seal_record(struct tls *t, uint8_t type, const uint8_t *data, size_t len)
{
	uint8_t *r = t->out + t->out_len, n[12];
	size_t inner = len + 1;

	if (len > 16384 || t->out_len + 5 + inner + 16 > sizeof(t->out) || !t->wr.set)
		return -1;
	r[0] = CT_APPLICATION_DATA;
	r[1] = 0x03;
	r[2] = 0x03;
	r[3] = (uint8_t)((inner + 16) >> 8);
	r[4] = (uint8_t)(inner + 16);
	memcpy(r + 5, data, len);
	r[5 + len] = type;
	nonce(&t->wr, n);
	if (t->suite == AES_128_GCM_SHA256)
		gcm_seal(t->wr.key, n, r, 5, r + 5, inner, r + 5 + inner);
	else
		aead_seal(t->wr.key, n, r, 5, r + 5, inner, r + 5 + inner);
	t->wr.seq++;
	t->out_len += 5 + inner + 16;
	return 0;
}

int tls_write(struct tls *t, const uint8_t *data, size_t len)
{
	if (!t->ready)
		return -1;
	while (len) {
		size_t n = len < 16384 ? len : 16384;

		if (seal_record(t, CT_APPLICATION_DATA, data, n) < 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

void tls_init(struct tls *t, const uint8_t random[64])
{
	static const uint8_t sigalgs[] = { 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x04, 0x08, 0x05,
					   0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x08, 0x07 };
	uint8_t *b, pub[32];
	size_t n = 0, ext_at, hs_at;

	memset(t, 0, sizeof(*t));
	memcpy(t->priv, random, 32);
	x25519_base(pub, t->priv);
	sha256_init(&t->transcript);
	b = t->out;
	b[n++] = CT_HANDSHAKE;
	b[n++] = 0x03;
	b[n++] = 0x01; /* legacy record version of a first ClientHello */
	n += 2;        /* record length */
	hs_at = n;
	b[n++] = HS_CLIENT_HELLO;
	n += 3;
	b[n++] = 0x03;
	b[n++] = 0x03; /* legacy_version TLS 1.2 */
	memcpy(b + n, random + 32, 32);
	n += 32;
	b[n++] = 0; /* no legacy session id */
	b[n++] = 0;
	b[n++] = 4; /* ChaCha20 first: faster in software, as guest-init is */
	b[n++] = CHACHA20_POLY1305_SHA256 >> 8;
	b[n++] = CHACHA20_POLY1305_SHA256 & 0xff;
	b[n++] = AES_128_GCM_SHA256 >> 8;
	b[n++] = AES_128_GCM_SHA256 & 0xff;
	b[n++] = 1;
	b[n++] = 0; /* compression: null */
	ext_at = n;
	n += 2;
	/* supported_versions: TLS 1.3 */
	memcpy(b + n, "\x00\x2b\x00\x03\x02\x03\x04", 7);
	n += 7;
	/* supported_groups: x25519 */
	memcpy(b + n, "\x00\x0a\x00\x04\x00\x02\x00\x1d", 8);
	n += 8;
	/* key_share: x25519 */
	memcpy(b + n, "\x00\x33\x00\x26\x00\x24\x00\x1d\x00\x20", 10);
	n += 10;
	memcpy(b + n, pub, 32);
	n += 32;
	/* signature_algorithms: whatever the server's certificate is, it is not checked */
	b[n++] = 0x00;
	b[n++] = 0x0d;
	b[n++] = 0;
	b[n++] = (uint8_t)(sizeof(sigalgs) + 2);
	b[n++] = 0;
	b[n++] = (uint8_t)sizeof(sigalgs);
	memcpy(b + n, sigalgs, sizeof(sigalgs));
	n += sizeof(sigalgs);
	b[ext_at] = (uint8_t)((n - ext_at - 2) >> 8);
	b[ext_at + 1] = (uint8_t)(n - ext_at - 2);
	b[hs_at + 1] = 0;
	b[hs_at + 2] = (uint8_t)((n - hs_at - 4) >> 8);
	b[hs_at + 3] = (uint8_t)(n - hs_at - 4);
	b[3] = (uint8_t)((n - 5) >> 8);
	b[4] = (uint8_t)(n - 5);
	sha256_update(&t->transcript, b + hs_at, n - hs_at);
	t->out_len = n;
	t->state = WAIT_SERVER_HELLO;
}

/* ---- Handshake messages --------------------------------------------------------------- */

static enum tls_result server_hello(struct tls *t, const uint8_t *m, size_t len)
{
	static const uint8_t zeros[SHA256_LEN];
	uint8_t hrr[SHA256_LEN], shared[32], secret[SHA256_LEN], hash[SHA256_LEN], empty[SHA256_LEN];
	const uint8_t *share = NULL;
	size_t pos, sid, elen, end;
	int version = 0;

	if (len < 2 + 32 + 1)
		return fail(t, "TLS: a short ServerHello");
	sha256("HelloRetryRequest", 17, hrr);
	if (memcmp(m + 2, hrr, 32) == 0)
		return fail(t, "TLS: the server wants a key exchange other than X25519 (HelloRetryRequest)");
	sid = m[34];
	pos = 35 + sid;
	if (sid > 32 || pos + 2 + 1 + 2 > len)
		return fail(t, "TLS: a malformed ServerHello");
	t->suite = be16(m + pos);
	if (t->suite != CHACHA20_POLY1305_SHA256 && t->suite != AES_128_GCM_SHA256)
		return fail(t, "TLS: the server chose cipher suite 0x%04x, which was not offered",
			    t->suite);
	pos += 3; /* cipher suite, compression */
	elen = be16(m + pos);
	pos += 2;
	if (elen > len - pos)
		return fail(t, "TLS: a malformed ServerHello");
	end = pos + elen;
	while (pos + 4 <= end) {
		uint16_t type = be16(m + pos), l = be16(m + pos + 2);

		pos += 4;
		if (l > end - pos)
			return fail(t, "TLS: a malformed ServerHello extension");
		if (type == 0x002b && l == 2)
			version = be16(m + pos);
		else if (type == 0x0033 && l == 36 && be16(m + pos) == X25519_GROUP && be16(m + pos + 2) == 32)
			share = m + pos + 4;
		pos += l;
	}
	if (version != 0x0304)
		return fail(t, "TLS: the server does not speak TLS 1.3 (HTTPS probes need it)");
	if (!share)
		return fail(t, "TLS: the ServerHello has no X25519 key share");
	x25519(shared, t->priv, share);
	if (memcmp(shared, zeros, 32) == 0)
		return fail(t, "TLS: the server's key share is a low-order point");
	/* 7.1: Early Secret from no PSK, then the Handshake Secret. */
	hkdf_extract(NULL, 0, zeros, sizeof(zeros), secret);
	sha256("", 0, empty);
	derive_secret(secret, "derived", empty, secret);
	hkdf_extract(secret, SHA256_LEN, shared, sizeof(shared), t->hs_secret);
	sha256_peek(&t->transcript, hash);
	derive_secret(t->hs_secret, "c hs traffic", hash, t->c_hs);
	derive_secret(t->hs_secret, "s hs traffic", hash, secret);
	set_keys(t, &t->rd, secret);
	set_keys(t, &t->wr, t->c_hs);
	t->state = WAIT_FINISHED;
	return TLS_MORE;
}

/* The server's Finished: checked, then ours (4.4.4) and the application keys. */
static enum tls_result finished(struct tls *t, const uint8_t *m, size_t len)
{
	static const uint8_t zeros[SHA256_LEN];
	uint8_t key[SHA256_LEN], want[SHA256_LEN], hash[SHA256_LEN], master[SHA256_LEN],
		c_ap[SHA256_LEN], s_ap[SHA256_LEN], empty[SHA256_LEN], msg[4 + 256 + 4];
	uint8_t diff = 0;
	size_t i, n;

	tls_expand_label(t->rd.secret, "finished", NULL, 0, key, sizeof(key));
	hmac_sha256(key, sizeof(key), t->hs_before, SHA256_LEN, want);
	if (len != SHA256_LEN)
		return fail(t, "TLS: the server's Finished has %zu bytes", len);
	for (i = 0; i < SHA256_LEN; i++)
		diff |= want[i] ^ m[i];
	if (diff)
		return fail(t, "TLS: the server's Finished does not match the handshake");
	/* The transcript now ends with the server's Finished. */
	sha256_peek(&t->transcript, hash);
	sha256("", 0, empty);
	derive_secret(t->hs_secret, "derived", empty, master);
	hkdf_extract(master, SHA256_LEN, zeros, sizeof(zeros), master);
	derive_secret(master, "c ap traffic", hash, c_ap);
	derive_secret(master, "s ap traffic", hash, s_ap);
	if (t->cert_requested) { /* an empty Certificate, echoing the request's context */
		n = 0;
		msg[n++] = HS_CERTIFICATE;
		msg[n++] = 0;
		msg[n++] = 0;
		msg[n++] = (uint8_t)(1 + t->cert_ctx_len + 3);
		msg[n++] = (uint8_t)t->cert_ctx_len;
		memcpy(msg + n, t->cert_ctx, t->cert_ctx_len);
		n += t->cert_ctx_len;
		memset(msg + n, 0, 3);
		n += 3;
		sha256_update(&t->transcript, msg, n);
		if (seal_record(t, CT_HANDSHAKE, msg, n) < 0)
			return fail(t, "TLS: no room for the client's Certificate");
	}
	sha256_peek(&t->transcript, hash);
	tls_expand_label(t->c_hs, "finished", NULL, 0, key, sizeof(key));
	msg[0] = HS_FINISHED;
	msg[1] = 0;
	msg[2] = 0;
	msg[3] = SHA256_LEN;
	hmac_sha256(key, sizeof(key), hash, SHA256_LEN, msg + 4);
	if (seal_record(t, CT_HANDSHAKE, msg, 4 + SHA256_LEN) < 0)
		return fail(t, "TLS: no room for the client's Finished");
	set_keys(t, &t->rd, s_ap);
	set_keys(t, &t->wr, c_ap);
	t->state = CONNECTED;
	t->ready = 1;
	return TLS_MORE;
}

static enum tls_result message(struct tls *t, uint8_t type, const uint8_t *m, size_t len)
{
	if (t->state == CONNECTED) {
		if (type == HS_KEY_UPDATE) { /* 4.6.3: the server's next keys */
			uint8_t next[SHA256_LEN];

			if (len != 1)
				return fail(t, "TLS: a malformed KeyUpdate");
			tls_expand_label(t->rd.secret, "traffic upd", NULL, 0, next, sizeof(next));
			set_keys(t, &t->rd, next);
			return TLS_MORE;
		}
		if (type == HS_NEW_SESSION_TICKET)
			return TLS_MORE; /* no resumption */
		return fail(t, "TLS: unexpected handshake message %u after the handshake", type);
	}
	if (t->state == WAIT_SERVER_HELLO) {
		if (type != HS_SERVER_HELLO)
			return fail(t, "TLS: expected a ServerHello, got handshake message %u", type);
		return server_hello(t, m, len);
	}
	switch (type) {
	case HS_ENCRYPTED_EXTENSIONS:
	case HS_CERTIFICATE:
	case HS_CERTIFICATE_VERIFY:
		return TLS_MORE; /* not verified, as the kubelet's HTTPS probes */
	case HS_CERTIFICATE_REQUEST:
		if (len < 1 || m[0] > len - 1)
			return fail(t, "TLS: a malformed CertificateRequest");
		t->cert_requested = 1;
		t->cert_ctx_len = m[0];
		memcpy(t->cert_ctx, m + 1, m[0]);
		return TLS_MORE;
	case HS_FINISHED:
		return finished(t, m, len);
	default:
		return fail(t, "TLS: unexpected handshake message %u", type);
	}
}

/* Handshake bytes, in whatever pieces records cut them into. */
static enum tls_result handshake_bytes(struct tls *t, const uint8_t *p, size_t len)
{
	/* Messages after the handshake are not part of the transcript. */
	int hashed = t->state != CONNECTED;

	while (len && t->state != DONE) {
		if (t->hs_hdr_len < 4) {
			t->hs_hdr[t->hs_hdr_len++] = *p++;
			len--;
			if (t->hs_hdr_len < 4)
				continue;
			sha256_peek(&t->transcript, t->hs_before);
			if (hashed)
				sha256_update(&t->transcript, t->hs_hdr, 4);
			t->hs_left = (uint32_t)t->hs_hdr[1] << 16 | (uint32_t)t->hs_hdr[2] << 8 | t->hs_hdr[3];
			t->hs_msg_len = 0;
			/* Only what must be read is kept; certificates stream past. */
			t->hs_keep = t->hs_hdr[0] != HS_CERTIFICATE && t->hs_hdr[0] != HS_CERTIFICATE_VERIFY &&
				     t->hs_hdr[0] != HS_ENCRYPTED_EXTENSIONS &&
				     t->hs_hdr[0] != HS_NEW_SESSION_TICKET;
			if (t->hs_keep && t->hs_left > TLS_MAX_HS_MESSAGE)
				return fail(t, "TLS: handshake message %u of %u bytes is too large",
					    t->hs_hdr[0], (unsigned)t->hs_left);
		} else {
			size_t take = len < t->hs_left ? len : t->hs_left;

			if (hashed)
				sha256_update(&t->transcript, p, take);
			if (t->hs_keep) {
				memcpy(t->hs_msg + t->hs_msg_len, p, take);
				t->hs_msg_len += take;
			}
			t->hs_left -= (uint32_t)take;
			p += take;
			len -= take;
		}
		if (t->hs_hdr_len == 4 && t->hs_left == 0) {
			uint8_t type = t->hs_hdr[0];
			int was = t->state;

			t->hs_hdr_len = 0;
			if (message(t, type, t->hs_msg, t->hs_msg_len) == TLS_FAILED)
				return TLS_FAILED;
			/* Keys change at record boundaries only (5.1). */
			if (t->state != was && len)
				return fail(t, "TLS: handshake data after a key change in the same record");
		}
	}
	return t->state == DONE ? TLS_FAILED : TLS_MORE;
}

static enum tls_result alert(struct tls *t, const uint8_t *p, size_t len)
{
	if (len != 2)
		return fail(t, "TLS: a malformed alert");
	if (p[1] == 0) { /* close_notify */
		t->state = DONE;
		t->ready = 0;
		snprintf(t->why, sizeof(t->why), "TLS: the server closed the connection");
		return TLS_CLOSED;
	}
	return fail(t, "TLS: the server sent alert %u", p[1]);
}

/* One whole record in t->rec. */
static enum tls_result record(struct tls *t)
{
	uint8_t type = t->rec[0], n[12];
	size_t len = t->rec_len - 5;
	uint8_t *p = t->rec + 5;

	if (type == CT_CHANGE_CIPHER_SPEC) /* D.4: middlebox compatibility, ignored */
		return t->state == WAIT_FINISHED && len == 1 && p[0] == 1
			       ? TLS_MORE
			       : fail(t, "TLS: an unexpected ChangeCipherSpec");
	if (!t->rd.set) {
		if (type == CT_ALERT)
			return alert(t, p, len);
		if (type != CT_HANDSHAKE)
			return fail(t, "TLS: record type %u before the handshake", type);
		return handshake_bytes(t, p, len);
	}
	if (type != CT_APPLICATION_DATA)
		return fail(t, "TLS: an unprotected record of type %u", type);
	if (len < 17)
		return fail(t, "TLS: a protected record of %zu bytes", len);
	nonce(&t->rd, n);
	if ((t->suite == AES_128_GCM_SHA256 ? gcm_open : aead_open)(t->rd.key, n, t->rec, 5, p, len - 16,
								     p + len - 16) < 0)
		return fail(t, "TLS: a record does not decrypt (bad_record_mac)");
	t->rd.seq++;
	len -= 16;
	while (len && p[len - 1] == 0) /* 5.4: padding */
		len--;
	if (!len)
		return fail(t, "TLS: a record without a content type");
	type = p[--len];
	switch (type) {
	case CT_HANDSHAKE:
		if (!len)
			return fail(t, "TLS: an empty handshake record");
		return handshake_bytes(t, p, len);
	case CT_ALERT:
		return alert(t, p, len);
	case CT_APPLICATION_DATA:
		if (t->state != CONNECTED)
			return fail(t, "TLS: application data before the handshake ended");
		if (!len)
			return TLS_MORE;
		t->app = p;
		t->app_len = len;
		return TLS_DATA;
	default:
		return fail(t, "TLS: record type %u", type);
	}
}

enum tls_result tls_feed(struct tls *t, const uint8_t *data, size_t len, size_t *used)
{
	size_t taken = 0;
	enum tls_result r = TLS_MORE;

	t->app = NULL;
	t->app_len = 0;
	while (taken < len && r == TLS_MORE && t->state != DONE) {
		size_t want = 5, take;

		if (t->rec_len >= 5) {
			size_t rlen = be16(t->rec + 3);

			if (rlen > TLS_MAX_RECORD - 5)
				r = fail(t, "TLS: a record of %zu bytes (record_overflow)", rlen);
			want = 5 + rlen;
		}
		if (r != TLS_MORE)
			break;
		take = want - t->rec_len < len - taken ? want - t->rec_len : len - taken;
		memcpy(t->rec + t->rec_len, data + taken, take);
		t->rec_len += take;
		taken += take;
		if (t->rec_len == 5) {
			size_t rlen = be16(t->rec + 3);

			if (rlen > TLS_MAX_RECORD - 5) {
				r = fail(t, "TLS: a record of %zu bytes (record_overflow)", rlen);
				break;
			}
			if (rlen)
				continue;
		}
		if (t->rec_len >= 5 && t->rec_len == 5 + (size_t)be16(t->rec + 3)) {
			r = record(t);
			t->rec_len = 0;
		}
	}
	*used = taken;
	if (t->state == DONE && r == TLS_MORE)
		r = TLS_FAILED;
	return r;
}
