/* SHA-256 (FIPS 180-4), HMAC (RFC 2104) and MD5 (RFC 1321). */
#include "config.h"

#include <string.h>

#include "core/digest.h"

static const uint32_t digest_k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))
#define ROL(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))

/* One 64-byte block into the SHA-256 state. */
static void
digest_sha256_block(struct digest_sha256 *s, const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10)) +
		    w[i - 7] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 16];
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
		    digest_k256[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

/* Start a SHA-256 with the initial hash values. */
void
digest_sha256_init(struct digest_sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	    0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, iv, sizeof iv);
	s->len = 0;
	s->used = 0;
}

/* Hash more bytes: whole blocks straight from the input. */
void
digest_sha256_update(struct digest_sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	s->len += len;
	while (len > 0) {
		if (s->used == 0 && len >= 64) {
			digest_sha256_block(s, p);
			p += 64;
			len -= 64;
			continue;
		}
		n = 64 - s->used;
		if (n > len)
			n = len;
		memcpy(s->buf + s->used, p, n);
		s->used += n;
		p += n;
		len -= n;
		if (s->used == 64) {
			digest_sha256_block(s, s->buf);
			s->used = 0;
		}
	}
}

/* Pad with the bit length and write the digest big-endian. */
void
digest_sha256_final(struct digest_sha256 *s, unsigned char out[DIGEST_SHA256_LEN])
{
	uint64_t bits = s->len * 8;
	unsigned char pad[72];
	size_t padlen;
	int i;

	padlen = (s->used < 56 ? 56 : 120) - s->used;
	memset(pad, 0, sizeof pad);
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	digest_sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(s->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s->h[i];
	}
}

/* The digest of one buffer, for the callers that have it all at once. */
void
digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN])
{
	struct digest_sha256 s;

	digest_sha256_init(&s);
	digest_sha256_update(&s, data, len);
	digest_sha256_final(&s, out);
}

/* HMAC-SHA-256: SigV4 derives its signing key with four of these. */
void
digest_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[DIGEST_SHA256_LEN])
{
	unsigned char k[64], pad[64], inner[DIGEST_SHA256_LEN];
	struct digest_sha256 s;
	size_t i;

	memset(k, 0, sizeof k);
	if (keylen > 64)
		digest_sha256(key, keylen, k);
	else
		memcpy(k, key, keylen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	digest_sha256_init(&s);
	digest_sha256_update(&s, pad, 64);
	digest_sha256_update(&s, data, len);
	digest_sha256_final(&s, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	digest_sha256_init(&s);
	digest_sha256_update(&s, pad, 64);
	digest_sha256_update(&s, inner, sizeof inner);
	digest_sha256_final(&s, out);
}

/* One 64-byte block into the MD5 state. */
static void
digest_md5_block(struct digest_md5 *s, const unsigned char *p)
{
	static const uint32_t K[64] = {
		0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
		0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
		0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
		0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
		0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
		0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
		0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
		0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
		0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
		0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
		0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
	};
	static const int R[64] = {
		7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
		5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
		4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
		6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
	};
	uint32_t m[16], a, b, c, d, f, t;
	int i, g;

	for (i = 0; i < 16; i++)
		m[i] = p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	for (i = 0; i < 64; i++) {
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		b = b + ROL(a + f + K[i] + m[g], R[i]);
		a = t;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
}

/* Start an MD5 (Content-MD5 of a multi-object delete). */
void
digest_md5_init(struct digest_md5 *s)
{
	s->h[0] = 0x67452301;
	s->h[1] = 0xefcdab89;
	s->h[2] = 0x98badcfe;
	s->h[3] = 0x10325476;
	s->len = 0;
	s->used = 0;
}

/* Hash more bytes into the MD5. */
void
digest_md5_update(struct digest_md5 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	s->len += len;
	while (len > 0) {
		n = 64 - s->used;
		if (n > len)
			n = len;
		memcpy(s->buf + s->used, p, n);
		s->used += n;
		p += n;
		len -= n;
		if (s->used == 64) {
			digest_md5_block(s, s->buf);
			s->used = 0;
		}
	}
}

/* Pad with the little-endian bit length and write the digest. */
void
digest_md5_final(struct digest_md5 *s, unsigned char out[DIGEST_MD5_LEN])
{
	uint64_t bits = s->len * 8;
	unsigned char pad[72];
	size_t padlen;
	int i;

	padlen = (s->used < 56 ? 56 : 120) - s->used;
	memset(pad, 0, sizeof pad);
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (8 * i));
	digest_md5_update(s, pad, padlen + 8);
	for (i = 0; i < 16; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (8 * (i % 4)));
}

/* Hex for SigV4's hashes and signatures. */
void
digest_hex(const unsigned char *p, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Base64 for Content-MD5. */
void
digest_base64(const unsigned char *p, size_t len, char *out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = b64[(v >> 6) & 63];
		*out++ = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}
