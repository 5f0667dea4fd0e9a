/*
 * SHA-256, HMAC-SHA-256 and MD5: what SigV4 and Content-MD5 need, in a few
 * hundred lines rather than a new library (libcurl's TLS library is not
 * ours to link to).
 */
#ifndef DIGEST_H
#define DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA256_LEN	32
#define DIGEST_MD5_LEN		16

struct digest_sha256 {
	uint32_t	 h[8];		/* chaining state */
	uint64_t	 len;		/* bytes hashed so far */
	unsigned char	 buf[64];	/* partial block */
	size_t		 used;		/* bytes in buf */
};

struct digest_md5 {
	uint32_t	 h[4];		/* chaining state */
	uint64_t	 len;		/* bytes hashed so far */
	unsigned char	 buf[64];	/* partial block */
	size_t		 used;		/* bytes in buf */
};

void	digest_sha256_init(struct digest_sha256 *);
void	digest_sha256_update(struct digest_sha256 *, const void *, size_t);
void	digest_sha256_final(struct digest_sha256 *, unsigned char out[DIGEST_SHA256_LEN]);
void	digest_sha256(const void *, size_t, unsigned char out[DIGEST_SHA256_LEN]);
void	digest_hmac_sha256(const void *key, size_t keylen, const void *, size_t,
	    unsigned char out[DIGEST_SHA256_LEN]);

void	digest_md5_init(struct digest_md5 *);
void	digest_md5_update(struct digest_md5 *, const void *, size_t);
void	digest_md5_final(struct digest_md5 *, unsigned char out[DIGEST_MD5_LEN]);

/* Lower-case hex into out (2 * len + 1 bytes). */
void	digest_hex(const unsigned char *, size_t len, char *out);
/* Base64 into out (4 * ((len + 2) / 3) + 1 bytes). */
void	digest_base64(const unsigned char *, size_t len, char *out);

#endif
