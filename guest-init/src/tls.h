/*
 * A TLS 1.3 client (RFC 8446) for HTTPS probes, pure (no I/O): X25519 key
 * exchange, TLS_CHACHA20_POLY1305_SHA256 or TLS_AES_128_GCM_SHA256 (the one
 * suite every TLS 1.3 server must have), no session resumption, no
 * early data, and - as the kubelet does for HTTPS probes - no verification
 * of the server's certificate (the handshake's integrity is still checked:
 * the server's Finished must match the transcript). A server that wants a
 * client certificate gets an empty Certificate message, as from the kubelet.
 *
 * Whatever the server sends is hostile: records are bounded by the
 * protocol's maximum (2^14 + 256 bytes of ciphertext), the handshake
 * messages we must read (ServerHello, CertificateRequest, Finished, KeyUpdate)
 * by TLS_MAX_HS_MESSAGE, and the rest (certificates) are hashed as they
 * stream past, never kept.
 */
#ifndef PEAPOD_TLS_H
#define PEAPOD_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define TLS_MAX_RECORD (5 + 16384 + 256)
#define TLS_MAX_HS_MESSAGE 2048u
#define TLS_OUT_CAP 8192u /* ClientHello, or Finished, or a request of up to 4 KiB */

enum tls_result { TLS_MORE = 0, TLS_DATA, TLS_CLOSED, TLS_FAILED };

struct tls_keys {
	uint8_t secret[SHA256_LEN];
	uint8_t key[32], iv[12];
	uint64_t seq;
	int set;
};

struct tls {
	int state; /* see tls.c */
	uint16_t suite; /* the server's choice */
	int ready; /* the handshake is done: tls_write may be called */
	uint8_t priv[32];
	struct sha256 transcript;
	uint8_t hs_secret[SHA256_LEN];
	struct tls_keys rd, wr;
	uint8_t c_hs[SHA256_LEN]; /* for the client's Finished */
	/* the record being read */
	uint8_t rec[TLS_MAX_RECORD];
	size_t rec_len;
	/* the handshake message being read */
	uint8_t hs_hdr[4];
	size_t hs_hdr_len;
	uint32_t hs_left;
	uint8_t hs_before[SHA256_LEN]; /* the transcript before it */
	uint8_t hs_msg[TLS_MAX_HS_MESSAGE];
	size_t hs_msg_len;
	int hs_keep;
	int cert_requested;
	uint8_t cert_ctx[256];
	size_t cert_ctx_len;
	/* results */
	const uint8_t *app; /* TLS_DATA: decrypted application data, valid until the next call */
	size_t app_len;
	uint8_t out[TLS_OUT_CAP]; /* bytes to send; the caller takes them and sets out_len 0 */
	size_t out_len;
	char why[160];
};

/* Starts a handshake: `random` (64 bytes from a good source) gives the key
 * share's private key and the ClientHello's random; the ClientHello is
 * queued in t->out. */
void tls_init(struct tls *t, const uint8_t random[64]);

/* Reads bytes from the server; *used says how many were taken. Call again
 * with the rest while it returns TLS_DATA (t->app holds it). TLS_MORE: all
 * taken, more needed; check t->ready and t->out after each call. */
enum tls_result tls_feed(struct tls *t, const uint8_t *data, size_t len, size_t *used);

/* Encrypts application data into t->out; -1 when the handshake is not done
 * or it does not fit. */
int tls_write(struct tls *t, const uint8_t *data, size_t len);

/* HKDF-Expand-Label of RFC 8446 7.1 (exposed for the tests' RFC 8448 vectors). */
void tls_expand_label(const uint8_t secret[SHA256_LEN], const char *label, const uint8_t *ctx,
		      size_t ctx_len, uint8_t *out, size_t out_len);

#endif
