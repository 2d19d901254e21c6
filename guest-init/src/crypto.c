/*
 * SHA-256, HMAC, HKDF, X25519, ChaCha20-Poly1305: see crypto.h.
 */
#include <string.h>

#include "crypto.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- SHA-256 ----------------------------------------------------------------------- */

static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) ((x) >> (n) | (x) << (32 - (n)))

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, iv, sizeof(iv));
	s->total = 0;
	s->fill = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->total += len;
	while (len) {
		size_t take = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->buf + s->fill, p, take);
		s->fill += take;
		p += take;
		len -= take;
		if (s->fill == 64) {
			sha256_block(s->h, s->buf);
			s->fill = 0;
		}
	}
}

void sha256_peek(const struct sha256 *s, uint8_t out[SHA256_LEN])
{
	struct sha256 c = *s;
	uint64_t bits = s->total * 8;
	uint8_t pad = 0x80, len[8];
	int i;

	sha256_update(&c, &pad, 1);
	pad = 0;
	while (c.fill != 56)
		sha256_update(&c, &pad, 1);
	for (i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(&c, len, 8);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c.h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c.h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c.h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c.h[i];
	}
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_peek(&s, out);
}

/* ---- HMAC, HKDF ---------------------------------------------------------------------- */

void hmac_sha256(const uint8_t *key, size_t klen, const void *msg, size_t len,
		 uint8_t out[SHA256_LEN])
{
	uint8_t k[64], pad[64], inner[SHA256_LEN];
	struct sha256 s;
	int i;

	memset(k, 0, sizeof(k));
	if (klen > 64)
		sha256(key, klen, k);
	else
		memcpy(k, key, klen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&s);
	sha256_update(&s, pad, 64);
	sha256_update(&s, msg, len);
	sha256_peek(&s, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&s);
	sha256_update(&s, pad, 64);
	sha256_update(&s, inner, sizeof(inner));
	sha256_peek(&s, out);
}

void hkdf_extract(const uint8_t *salt, size_t slen, const uint8_t *ikm, size_t ilen,
		  uint8_t prk[SHA256_LEN])
{
	static const uint8_t zeros[SHA256_LEN];

	if (!salt || !slen) {
		salt = zeros;
		slen = sizeof(zeros);
	}
	hmac_sha256(salt, slen, ikm, ilen, prk);
}

void hkdf_expand(const uint8_t prk[SHA256_LEN], const uint8_t *info, size_t ilen, uint8_t *out,
		 size_t out_len)
{
	uint8_t t[SHA256_LEN + 255 + 1], block[SHA256_LEN];
	size_t tlen = 0, done = 0;
	uint8_t i = 1;

	if (ilen > 255)
		ilen = 255; /* TLS labels are far shorter; keeps t bounded */
	while (done < out_len) {
		size_t n;

		memcpy(t + tlen, info, ilen);
		t[tlen + ilen] = i++;
		hmac_sha256(prk, SHA256_LEN, t, tlen + ilen + 1, block);
		n = out_len - done < SHA256_LEN ? out_len - done : SHA256_LEN;
		memcpy(out + done, block, n);
		done += n;
		memcpy(t, block, SHA256_LEN);
		tlen = SHA256_LEN;
	}
}

/* ---- X25519: GF(2^255 - 19) in five 51-bit limbs ------------------------------------ */

typedef uint64_t fe[5];
typedef unsigned __int128 u128;

#define MASK51 ((1ull << 51) - 1)

static void fe_carry(fe h)
{
	uint64_t c;
	int i;

	for (i = 0; i < 4; i++) {
		c = h[i] >> 51;
		h[i] &= MASK51;
		h[i + 1] += c;
	}
	c = h[4] >> 51;
	h[4] &= MASK51;
	h[0] += c * 19;
	c = h[0] >> 51;
	h[0] &= MASK51;
	h[1] += c;
}

static void fe_add(fe r, const fe a, const fe b)
{
	int i;

	for (i = 0; i < 5; i++)
		r[i] = a[i] + b[i];
	fe_carry(r);
}

/* a - b + 4p, so no limb underflows for carried inputs. */
static void fe_sub(fe r, const fe a, const fe b)
{
	r[0] = a[0] + 0x1FFFFFFFFFFFB4ull - b[0];
	r[1] = a[1] + 0x1FFFFFFFFFFFFCull - b[1];
	r[2] = a[2] + 0x1FFFFFFFFFFFFCull - b[2];
	r[3] = a[3] + 0x1FFFFFFFFFFFFCull - b[3];
	r[4] = a[4] + 0x1FFFFFFFFFFFFCull - b[4];
	fe_carry(r);
}

static void fe_mul(fe r, const fe a, const fe b)
{
	u128 t0, t1, t2, t3, t4;
	uint64_t b1 = b[1] * 19, b2 = b[2] * 19, b3 = b[3] * 19, b4 = b[4] * 19, c;

	t0 = (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 + (u128)a[3] * b2 + (u128)a[4] * b1;
	t1 = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 + (u128)a[3] * b3 + (u128)a[4] * b2;
	t2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b4 + (u128)a[4] * b3;
	t3 = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] + (u128)a[4] * b4;
	t4 = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] + (u128)a[4] * b[0];
	t1 += (uint64_t)(t0 >> 51);
	r[0] = (uint64_t)t0 & MASK51;
	t2 += (uint64_t)(t1 >> 51);
	r[1] = (uint64_t)t1 & MASK51;
	t3 += (uint64_t)(t2 >> 51);
	r[2] = (uint64_t)t2 & MASK51;
	t4 += (uint64_t)(t3 >> 51);
	r[3] = (uint64_t)t3 & MASK51;
	c = (uint64_t)(t4 >> 51);
	r[4] = (uint64_t)t4 & MASK51;
	r[0] += c * 19;
	c = r[0] >> 51;
	r[0] &= MASK51;
	r[1] += c;
}

static void fe_mul_small(fe r, const fe a, uint32_t k)
{
	u128 t[5];
	uint64_t c = 0;
	int i;

	for (i = 0; i < 5; i++)
		t[i] = (u128)a[i] * k;
	for (i = 0; i < 5; i++) {
		t[i] += c;
		r[i] = (uint64_t)t[i] & MASK51;
		c = (uint64_t)(t[i] >> 51);
	}
	r[0] += c * 19;
	fe_carry(r);
}

/* a^(p-2) = 1/a; p - 2 = 2^255 - 21: every bit set below 255 but bits 2 and 4. */
static void fe_invert(fe r, const fe a)
{
	fe t;
	int i;

	memcpy(t, a, sizeof(fe));
	for (i = 253; i >= 0; i--) {
		fe_mul(t, t, t);
		if (i != 2 && i != 4)
			fe_mul(t, t, a);
	}
	memcpy(r, t, sizeof(fe));
}

static void fe_cswap(fe a, fe b, uint64_t swap)
{
	uint64_t mask = 0 - swap, x;
	int i;

	for (i = 0; i < 5; i++) {
		x = mask & (a[i] ^ b[i]);
		a[i] ^= x;
		b[i] ^= x;
	}
}

static void fe_frombytes(fe h, const uint8_t s[32])
{
	h[0] = le64(s) & MASK51;
	h[1] = (le64(s + 6) >> 3) & MASK51;
	h[2] = (le64(s + 12) >> 6) & MASK51;
	h[3] = (le64(s + 19) >> 1) & MASK51;
	h[4] = (le64(s + 24) >> 12) & MASK51; /* the top bit is ignored (RFC 7748 5) */
}

static void fe_tobytes(uint8_t s[32], const fe a)
{
	fe h, t;
	uint64_t mask, c;
	int i;

	memcpy(h, a, sizeof(fe));
	fe_carry(h);
	fe_carry(h);
	/* h < 2^255 + small; h >= p exactly when h + 19 reaches 2^255. */
	memcpy(t, h, sizeof(fe));
	t[0] += 19;
	for (i = 0; i < 4; i++) {
		c = t[i] >> 51;
		t[i] &= MASK51;
		t[i + 1] += c;
	}
	c = t[4] >> 51;
	t[4] &= MASK51;
	mask = 0 - c; /* all ones when h >= p: take t = h - p (mod 2^255) */
	for (i = 0; i < 5; i++)
		h[i] = (h[i] & ~mask) | (t[i] & mask);
	for (i = 0; i < 32; i++) {
		unsigned bit = (unsigned)i * 8, limb = bit / 51, off = bit % 51;
		uint64_t v = h[limb] >> off;

		if (off > 43 && limb < 4)
			v |= h[limb + 1] << (51 - off);
		s[i] = (uint8_t)v;
	}
}

void x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32])
{
	uint8_t k[32];
	fe x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb;
	uint64_t swap = 0;
	int t;

	memcpy(k, scalar, 32);
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
	fe_frombytes(x1, point);
	memset(x2, 0, sizeof(fe));
	x2[0] = 1;
	memset(z2, 0, sizeof(fe));
	memcpy(x3, x1, sizeof(fe));
	memset(z3, 0, sizeof(fe));
	z3[0] = 1;
	for (t = 254; t >= 0; t--) {
		uint64_t kt = (k[t / 8] >> (t % 8)) & 1;

		swap ^= kt;
		fe_cswap(x2, x3, swap);
		fe_cswap(z2, z3, swap);
		swap = kt;
		fe_add(a, x2, z2);
		fe_mul(aa, a, a);
		fe_sub(b, x2, z2);
		fe_mul(bb, b, b);
		fe_sub(e, aa, bb);
		fe_add(c, x3, z3);
		fe_sub(d, x3, z3);
		fe_mul(da, d, a);
		fe_mul(cb, c, b);
		fe_add(x3, da, cb);
		fe_mul(x3, x3, x3);
		fe_sub(z3, da, cb);
		fe_mul(z3, z3, z3);
		fe_mul(z3, z3, x1);
		fe_mul(x2, aa, bb);
		fe_mul_small(z2, e, 121665);
		fe_add(z2, z2, aa);
		fe_mul(z2, z2, e);
	}
	fe_cswap(x2, x3, swap);
	fe_cswap(z2, z3, swap);
	fe_invert(z2, z2);
	fe_mul(x2, x2, z2);
	fe_tobytes(out, x2);
}

void x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
	static const uint8_t nine[32] = { 9 };

	x25519(out, scalar, nine);
}

/* ---- ChaCha20 ------------------------------------------------------------------------ */

#define ROL(x, n) ((x) << (n) | (x) >> (32 - (n)))
#define QR(a, b, c, d) do { \
		a += b; d ^= a; d = ROL(d, 16); c += d; b ^= c; b = ROL(b, 12); \
		a += b; d ^= a; d = ROL(d, 8);  c += d; b ^= c; b = ROL(b, 7); \
	} while (0)

static void chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
			   uint8_t out[64])
{
	uint32_t s[16], x[16];
	int i;

	s[0] = 0x61707865; /* "expand 32-byte k" */
	s[1] = 0x3320646e;
	s[2] = 0x79622d32;
	s[3] = 0x6b206574;
	for (i = 0; i < 8; i++)
		s[4 + i] = le32(key + 4 * i);
	s[12] = counter;
	for (i = 0; i < 3; i++)
		s[13 + i] = le32(nonce + 4 * i);
	memcpy(x, s, sizeof(s));
	for (i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++)
		put_le32(out + 4 * i, x[i] + s[i]);
}

void chacha20_xor(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
		  const uint8_t *in, uint8_t *out, size_t len)
{
	uint8_t ks[64];
	size_t i, n;

	while (len) {
		chacha20_block(key, counter++, nonce, ks);
		n = len < 64 ? len : 64;
		for (i = 0; i < n; i++)
			out[i] = in[i] ^ ks[i];
		in += n;
		out += n;
		len -= n;
	}
}

/* ---- Poly1305: five 26-bit limbs ------------------------------------------------------ */

struct poly {
	uint32_t r[5], h[5], pad[4];
	uint8_t buf[16];
	size_t fill;
};

static void poly_init(struct poly *p, const uint8_t key[32])
{
	memset(p, 0, sizeof(*p));
	p->r[0] = le32(key) & 0x3ffffff;
	p->r[1] = (le32(key + 3) >> 2) & 0x3ffff03;
	p->r[2] = (le32(key + 6) >> 4) & 0x3ffc0ff;
	p->r[3] = (le32(key + 9) >> 6) & 0x3f03fff;
	p->r[4] = (le32(key + 12) >> 8) & 0x00fffff;
	p->pad[0] = le32(key + 16);
	p->pad[1] = le32(key + 20);
	p->pad[2] = le32(key + 24);
	p->pad[3] = le32(key + 28);
}

static void poly_block(struct poly *p, const uint8_t m[16], uint32_t hibit)
{
	uint32_t *r = p->r, *h = p->h;
	uint32_t s1 = r[1] * 5, s2 = r[2] * 5, s3 = r[3] * 5, s4 = r[4] * 5;
	uint64_t d0, d1, d2, d3, d4, c;

	h[0] += le32(m) & 0x3ffffff;
	h[1] += (le32(m + 3) >> 2) & 0x3ffffff;
	h[2] += (le32(m + 6) >> 4) & 0x3ffffff;
	h[3] += (le32(m + 9) >> 6) & 0x3ffffff;
	h[4] += (le32(m + 12) >> 8) | hibit;
	d0 = (uint64_t)h[0] * r[0] + (uint64_t)h[1] * s4 + (uint64_t)h[2] * s3 +
	     (uint64_t)h[3] * s2 + (uint64_t)h[4] * s1;
	d1 = (uint64_t)h[0] * r[1] + (uint64_t)h[1] * r[0] + (uint64_t)h[2] * s4 +
	     (uint64_t)h[3] * s3 + (uint64_t)h[4] * s2;
	d2 = (uint64_t)h[0] * r[2] + (uint64_t)h[1] * r[1] + (uint64_t)h[2] * r[0] +
	     (uint64_t)h[3] * s4 + (uint64_t)h[4] * s3;
	d3 = (uint64_t)h[0] * r[3] + (uint64_t)h[1] * r[2] + (uint64_t)h[2] * r[1] +
	     (uint64_t)h[3] * r[0] + (uint64_t)h[4] * s4;
	d4 = (uint64_t)h[0] * r[4] + (uint64_t)h[1] * r[3] + (uint64_t)h[2] * r[2] +
	     (uint64_t)h[3] * r[1] + (uint64_t)h[4] * r[0];
	c = d0 >> 26; h[0] = (uint32_t)d0 & 0x3ffffff; d1 += c;
	c = d1 >> 26; h[1] = (uint32_t)d1 & 0x3ffffff; d2 += c;
	c = d2 >> 26; h[2] = (uint32_t)d2 & 0x3ffffff; d3 += c;
	c = d3 >> 26; h[3] = (uint32_t)d3 & 0x3ffffff; d4 += c;
	c = d4 >> 26; h[4] = (uint32_t)d4 & 0x3ffffff;
	h[0] += (uint32_t)c * 5;
	c = h[0] >> 26; h[0] &= 0x3ffffff; h[1] += (uint32_t)c;
}

static void poly_update(struct poly *p, const uint8_t *m, size_t len)
{
	while (len) {
		size_t take = 16 - p->fill < len ? 16 - p->fill : len;

		memcpy(p->buf + p->fill, m, take);
		p->fill += take;
		m += take;
		len -= take;
		if (p->fill == 16) {
			poly_block(p, p->buf, 1u << 24);
			p->fill = 0;
		}
	}
}

static void poly_finish(struct poly *p, uint8_t tag[16])
{
	uint32_t *h = p->h, g[5], c, mask;
	uint64_t f;
	int i;

	if (p->fill) {
		p->buf[p->fill] = 1;
		memset(p->buf + p->fill + 1, 0, 15 - p->fill);
		poly_block(p, p->buf, 0);
	}
	c = h[1] >> 26; h[1] &= 0x3ffffff;
	h[2] += c; c = h[2] >> 26; h[2] &= 0x3ffffff;
	h[3] += c; c = h[3] >> 26; h[3] &= 0x3ffffff;
	h[4] += c; c = h[4] >> 26; h[4] &= 0x3ffffff;
	h[0] += c * 5; c = h[0] >> 26; h[0] &= 0x3ffffff;
	h[1] += c;
	/* g = h + 5 - 2^130: if it does not go negative, h >= p and g is h mod p. */
	g[0] = h[0] + 5;
	c = g[0] >> 26;
	g[0] &= 0x3ffffff;
	for (i = 1; i < 4; i++) {
		g[i] = h[i] + c;
		c = g[i] >> 26;
		g[i] &= 0x3ffffff;
	}
	g[4] = h[4] + c - (1u << 26);
	mask = (g[4] >> 31) - 1; /* all ones when g4 did not underflow */
	for (i = 0; i < 4; i++)
		h[i] = (h[i] & ~mask) | (g[i] & mask);
	h[4] = (h[4] & ~mask) | (g[4] & mask);
	/* h mod 2^128, plus the pad. */
	h[0] = h[0] | h[1] << 26;
	h[1] = h[1] >> 6 | h[2] << 20;
	h[2] = h[2] >> 12 | h[3] << 14;
	h[3] = h[3] >> 18 | h[4] << 8;
	f = (uint64_t)h[0] + p->pad[0]; put_le32(tag, (uint32_t)f);
	f = (uint64_t)h[1] + p->pad[1] + (f >> 32); put_le32(tag + 4, (uint32_t)f);
	f = (uint64_t)h[2] + p->pad[2] + (f >> 32); put_le32(tag + 8, (uint32_t)f);
	f = (uint64_t)h[3] + p->pad[3] + (f >> 32); put_le32(tag + 12, (uint32_t)f);
}

void poly1305(const uint8_t key[32], const uint8_t *msg, size_t len, uint8_t tag[16])
{
	struct poly p;

	poly_init(&p, key);
	poly_update(&p, msg, len);
	poly_finish(&p, tag);
}

/* ---- ChaCha20-Poly1305 ---------------------------------------------------------------- */

static void aead_tag(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
		     size_t alen, const uint8_t *ct, size_t len, uint8_t tag[16])
{
	static const uint8_t zeros[16];
	uint8_t otk[64], lens[16];
	struct poly p;
	int i;

	chacha20_block(key, 0, nonce, otk);
	poly_init(&p, otk);
	poly_update(&p, aad, alen);
	poly_update(&p, zeros, (16 - alen % 16) % 16);
	poly_update(&p, ct, len);
	poly_update(&p, zeros, (16 - len % 16) % 16);
	for (i = 0; i < 8; i++) {
		lens[i] = (uint8_t)((uint64_t)alen >> (8 * i));
		lens[8 + i] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	poly_update(&p, lens, 16);
	poly_finish(&p, tag);
}

void aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
	       uint8_t *data, size_t len, uint8_t tag[16])
{
	chacha20_xor(key, 1, nonce, data, data, len);
	aead_tag(key, nonce, aad, alen, data, len, tag);
}

int aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
	      uint8_t *data, size_t len, const uint8_t tag[16])
{
	uint8_t want[16], diff = 0;
	int i;

	aead_tag(key, nonce, aad, alen, data, len, want);
	for (i = 0; i < 16; i++)
		diff |= want[i] ^ tag[i];
	if (diff)
		return -1;
	chacha20_xor(key, 1, nonce, data, data, len);
	return 0;
}

/* ---- AES-128-GCM ---------------------------------------------------------------------- */

/* The S-box, made from its definition (multiplicative inverse in GF(2^8),
 * then the affine map) rather than typed in. Not constant-time: see crypto.h. */
static uint8_t sbox[256];

static uint8_t xtime(uint8_t x)
{
	return (uint8_t)(x << 1 ^ (x & 0x80 ? 0x1b : 0));
}

static void sbox_build(void)
{
	uint8_t p = 1, q = 1, x;

	/* 3 generates GF(2^8)*: walk p = 3^i and q = 3^-i together. */
	do {
		p = p ^ xtime(p);
		q ^= (uint8_t)(q << 1);
		q ^= (uint8_t)(q << 2);
		q ^= (uint8_t)(q << 4);
		if (q & 0x80)
			q ^= 0x09;
		x = q ^ (uint8_t)(q << 1 | q >> 7) ^ (uint8_t)(q << 2 | q >> 6) ^
		    (uint8_t)(q << 3 | q >> 5) ^ (uint8_t)(q << 4 | q >> 4);
		sbox[p] = x ^ 0x63;
	} while (p != 1);
	sbox[0] = 0x63;
}

static void aes128_expand(const uint8_t key[16], uint8_t rk[176])
{
	uint8_t rcon = 1;
	int i;

	if (!sbox[0])
		sbox_build();
	memcpy(rk, key, 16);
	for (i = 16; i < 176; i += 4) {
		uint8_t t[4] = { rk[i - 4], rk[i - 3], rk[i - 2], rk[i - 1] };

		if (i % 16 == 0) {
			uint8_t u = t[0];

			t[0] = sbox[t[1]] ^ rcon;
			t[1] = sbox[t[2]];
			t[2] = sbox[t[3]];
			t[3] = sbox[u];
			rcon = xtime(rcon);
		}
		rk[i] = rk[i - 16] ^ t[0];
		rk[i + 1] = rk[i - 15] ^ t[1];
		rk[i + 2] = rk[i - 14] ^ t[2];
		rk[i + 3] = rk[i - 13] ^ t[3];
	}
}

static void aes128_encrypt(const uint8_t rk[176], const uint8_t in[16], uint8_t out[16])
{
	uint8_t s[16], t[16];
	int r, c, i;

	for (i = 0; i < 16; i++)
		s[i] = in[i] ^ rk[i];
	for (r = 1; r <= 10; r++) {
		/* SubBytes and ShiftRows: column c, row i takes column c + i. */
		for (c = 0; c < 4; c++)
			for (i = 0; i < 4; i++)
				t[4 * c + i] = sbox[s[4 * ((c + i) % 4) + i]];
		if (r < 10) { /* MixColumns */
			for (c = 0; c < 4; c++) {
				uint8_t *a = t + 4 * c, all = a[0] ^ a[1] ^ a[2] ^ a[3], a0 = a[0];

				a[0] ^= all ^ xtime(a[0] ^ a[1]);
				a[1] ^= all ^ xtime(a[1] ^ a[2]);
				a[2] ^= all ^ xtime(a[2] ^ a[3]);
				a[3] ^= all ^ xtime(a[3] ^ a0);
			}
		}
		for (i = 0; i < 16; i++)
			s[i] = t[i] ^ rk[16 * r + i];
	}
	memcpy(out, s, 16);
}

/* x = x * h in GCM's bit-reflected GF(2^128). */
static void gf_mul(uint8_t x[16], const uint8_t h[16])
{
	uint8_t z[16] = { 0 }, v[16];
	int i, j;

	memcpy(v, h, 16);
	for (i = 0; i < 128; i++) {
		uint8_t lsb;

		if (x[i / 8] & (0x80 >> (i % 8)))
			for (j = 0; j < 16; j++)
				z[j] ^= v[j];
		lsb = v[15] & 1;
		for (j = 15; j > 0; j--)
			v[j] = (uint8_t)(v[j] >> 1 | v[j - 1] << 7);
		v[0] >>= 1;
		if (lsb)
			v[0] ^= 0xe1;
	}
	memcpy(x, z, 16);
}

static void ghash_update(uint8_t y[16], const uint8_t h[16], const uint8_t *p, size_t len)
{
	size_t i;

	while (len) {
		size_t n = len < 16 ? len : 16;

		for (i = 0; i < n; i++)
			y[i] ^= p[i];
		gf_mul(y, h);
		p += n;
		len -= n;
	}
}

static void gcm_ctr(const uint8_t rk[176], const uint8_t nonce[12], uint8_t *data, size_t len)
{
	uint8_t ctr[16], ks[16];
	uint32_t n = 2; /* counter 1 is the tag's */
	size_t i, m;

	memcpy(ctr, nonce, 12);
	while (len) {
		ctr[12] = (uint8_t)(n >> 24);
		ctr[13] = (uint8_t)(n >> 16);
		ctr[14] = (uint8_t)(n >> 8);
		ctr[15] = (uint8_t)n;
		n++;
		aes128_encrypt(rk, ctr, ks);
		m = len < 16 ? len : 16;
		for (i = 0; i < m; i++)
			data[i] ^= ks[i];
		data += m;
		len -= m;
	}
}

static void gcm_tag(const uint8_t rk[176], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
		    const uint8_t *ct, size_t len, uint8_t tag[16])
{
	uint8_t h[16] = { 0 }, y[16] = { 0 }, lens[16], j0[16];
	int i;

	aes128_encrypt(rk, h, h);
	ghash_update(y, h, aad, alen);
	ghash_update(y, h, ct, len);
	for (i = 0; i < 8; i++) {
		lens[i] = (uint8_t)((uint64_t)alen * 8 >> (56 - 8 * i));
		lens[8 + i] = (uint8_t)((uint64_t)len * 8 >> (56 - 8 * i));
	}
	ghash_update(y, h, lens, 16);
	memcpy(j0, nonce, 12);
	j0[12] = j0[13] = j0[14] = 0;
	j0[15] = 1;
	aes128_encrypt(rk, j0, j0);
	for (i = 0; i < 16; i++)
		tag[i] = y[i] ^ j0[i];
}

void gcm_seal(const uint8_t key[16], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
	      uint8_t *data, size_t len, uint8_t tag[16])
{
	uint8_t rk[176];

	aes128_expand(key, rk);
	gcm_ctr(rk, nonce, data, len);
	gcm_tag(rk, nonce, aad, alen, data, len, tag);
}

int gcm_open(const uint8_t key[16], const uint8_t nonce[12], const uint8_t *aad, size_t alen,
	     uint8_t *data, size_t len, const uint8_t tag[16])
{
	uint8_t rk[176], want[16], diff = 0;
	int i;

	aes128_expand(key, rk);
	gcm_tag(rk, nonce, aad, alen, data, len, want);
	for (i = 0; i < 16; i++)
		diff |= want[i] ^ tag[i];
	if (diff)
		return -1;
	gcm_ctr(rk, nonce, data, len);
	return 0;
}
