/*
 * The primitives an HTTPS probe's TLS 1.3 client needs, and nothing else:
 * SHA-256 (FIPS 180-4), HMAC and HKDF over it (RFC 2104, RFC 5869), X25519
 * (RFC 7748), ChaCha20-Poly1305 (RFC 8439) and AES-128-GCM. Written for a probe, where
 * nothing is secret for long (no certificate is verified, as the kubelet
 * verifies none): constant-time where it was no extra effort, small always.
 */
#ifndef PEAPOD_CRYPTO_H
#define PEAPOD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t total;
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Leaves s as it was, so a transcript hash can go on after a snapshot. */
void sha256_peek(const struct sha256 *s, uint8_t out[SHA256_LEN]);
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

void hmac_sha256(const uint8_t *key, size_t klen, const void *msg, size_t len,
		 uint8_t out[SHA256_LEN]);
void hkdf_extract(const uint8_t *salt, size_t slen, const uint8_t *ikm, size_t ilen,
		  uint8_t prk[SHA256_LEN]);
/* out_len at most 255 * 32. */
void hkdf_expand(const uint8_t prk[SHA256_LEN], const uint8_t *info, size_t ilen, uint8_t *out,
		 size_t out_len);

/* out = scalar * point (u-coordinates, little-endian), RFC 7748 5. */
void x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32]);
/* The base point's u = 9. */
void x25519_base(uint8_t out[32], const uint8_t scalar[32]);

/* RFC 8439 2.4: XORs len bytes of the key stream from block `counter`. */
void chacha20_xor(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
		  const uint8_t *in, uint8_t *out, size_t len);
/* RFC 8439 2.5 (one-time key). */
void poly1305(const uint8_t key[32], const uint8_t *msg, size_t len, uint8_t tag[16]);

/* RFC 8439 2.8: in place; seal appends nothing (the tag goes to tag[16]),
 * open returns 0 when the tag matches (and only then decrypts), else -1. */
void aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
	       uint8_t *data, size_t len, uint8_t tag[16]);
int aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
	      uint8_t *data, size_t len, const uint8_t tag[16]);

/* AES-128-GCM (FIPS 197, NIST SP 800-38D) with a 12-byte nonce, in place,
 * as aead_seal/aead_open above. */
void gcm_seal(const uint8_t key[16], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
	      uint8_t *data, size_t len, uint8_t tag[16]);
int gcm_open(const uint8_t key[16], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
	     uint8_t *data, size_t len, const uint8_t tag[16]);

#endif
