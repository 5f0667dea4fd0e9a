/*
 * S3 on the event loop, through backends/http.c: every request signed with
 * SigV4 by our own code (core/sha256.c), path-style addressing, listings
 * streamed page by page, errors taken from the XML body. Nothing blocks.
 *
 * The contract the S3 pane and the scripted `s3` commands share.
 */
#ifndef S3_H
#define S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct http;
struct loop;
struct s3;
struct s3_op;

/* Where and who: strings are copied by s3_new. */
struct s3_target {
	const char	*name;		/* service name, for messages */
	const char	*url;		/* http://host:port (no path) */
	const char	*region;	/* NULL = us-east-1 */
	const char	*access_key;	/* may contain ':' (Swift's account:user) */
	const char	*secret_key;
	const char	*ca_file;	/* or NULL */
	int		 timeout_ms;	/* to connect; 0 = the default */
};

/* One entry of a listing, or what HEAD says about an object. */
struct s3_object {
	const char	*key;		/* decoded; may hold any byte but NUL */
	size_t		 keylen;
	uint64_t	 size;
	int64_t		 mtime;		/* unix seconds, 0 if unknown */
	const char	*etag;		/* without quotes, or NULL */
	const char	*storage_class;	/* or NULL */
	const char	*content_type;	/* HEAD only, or NULL */
	int		 is_prefix;	/* a CommonPrefixes entry (a "directory") */
};

/* One page of a listing; valid only during the callback. */
struct s3_page {
	const struct s3_object	*objects;	/* Contents and CommonPrefixes, in order */
	size_t			 n;
	int			 truncated;	/* more pages follow */
	const char		*next_token;	/* for s3_list_options.continuation, or NULL */
	uint64_t		 page_no;	/* 0, 1, ... */
};

enum s3_status {
	S3_OK,
	S3_ERR_SERVER,		/* the server's <Error> (or a status without one) */
	S3_ERR_NOTFOUND,	/* 404: NoSuchKey, NoSuchBucket */
	S3_ERR_AUTH,		/* 403: SignatureDoesNotMatch, AccessDenied, InvalidAccessKeyId */
	S3_ERR_CONNECT,		/* refused, unreachable, TLS */
	S3_ERR_TIMEOUT,
	S3_ERR_PROTOCOL,	/* malformed XML, connection dropped */
	S3_ERR_LOCAL,		/* a local file could not be read or written */
	S3_ERR_CANCELLED,	/* never reported: s3_op_cancel calls nothing */
};

struct s3_result {
	enum s3_status		 status;
	long			 http_status;	/* 0 when it never got an answer */
	const char		*code;		/* <Code>: "NoSuchKey", or NULL */
	const char		*message;	/* for a person; NULL on S3_OK */
	const struct s3_object	*object;	/* HEAD: the object; PUT: etag; else NULL */
	uint64_t		 count;		/* objects listed, deleted or bytes moved */
	uint64_t		 elapsed_ms;
};

/* Once, last; the operation is freed after it returns. */
typedef void	(*s3_done_cb)(const struct s3_result *, void *arg);
/* Each page as it arrives: return 0 to go on, -1 to stop (done gets S3_OK). */
typedef int	(*s3_page_cb)(const struct s3_page *, void *arg);
/* Body bytes of a GET as they arrive: 0 to go on, -1 to abort. */
typedef int	(*s3_data_cb)(const char *, size_t, void *arg);
/* Bytes sent or received so far, of total (0 when unknown). */
typedef void	(*s3_progress_cb)(uint64_t done, uint64_t total, void *arg);

struct s3	*s3_new(struct loop *, struct http *, const struct s3_target *);
void		 s3_free(struct s3 *);		/* cancels nothing: cancel ops first */
const char	*s3_region(const struct s3 *);
/* Stop an operation: no callback is called; it is freed. */
void		 s3_op_cancel(struct s3_op *);

/* GET /: the buckets, as one page of is_prefix = 0 objects (size 0). */
struct s3_op	*s3_list_buckets(struct s3 *, s3_page_cb, s3_done_cb, void *arg);

struct s3_list_options {
	const char	*prefix;	/* or NULL */
	const char	*delimiter;	/* "/" for a directory view, NULL for recursive */
	const char	*continuation;	/* start from this token, or NULL */
	const char	*start_after;	/* or NULL */
	int		 max_keys;	/* per page; 0 = 1000 */
	int		 one_page;	/* stop after one page (the pane pages on demand) */
};
/* ListObjectsV2 with encoding-type=url, page by page. */
struct s3_op	*s3_list(struct s3 *, const char *bucket, const struct s3_list_options *,
		     s3_page_cb, s3_done_cb, void *arg);

/* HEAD: result.object is set on S3_OK. */
struct s3_op	*s3_head(struct s3 *, const char *bucket, const char *key, size_t keylen,
		     s3_done_cb, void *arg);

/* GET, streamed; length 0 means to the end. */
struct s3_op	*s3_get(struct s3 *, const char *bucket, const char *key, size_t keylen,
		     uint64_t offset, uint64_t length, s3_data_cb, s3_progress_cb,
		     s3_done_cb, void *arg);

/* PUT of a buffer (copied). */
struct s3_op	*s3_put(struct s3 *, const char *bucket, const char *key, size_t keylen,
		     const void *, size_t, const char *content_type, s3_done_cb, void *arg);

/*
 * PUT of a local file: one PUT below part_size, else a multipart upload
 * (parts of part_size >= 5 MiB; 0 = 8 MiB). An upload of the same key left
 * unfinished by an interrupted run is resumed: ListParts, then only the
 * missing parts are sent.
 */
struct s3_op	*s3_put_file(struct s3 *, const char *bucket, const char *key, size_t keylen,
		     const char *path, uint64_t part_size, s3_progress_cb,
		     s3_done_cb, void *arg);

/* Multi-object delete (POST ?delete, Content-MD5), up to 1000 keys. */
struct s3_op	*s3_delete(struct s3 *, const char *bucket, const char *const *keys,
		     const size_t *keylens, size_t n, s3_done_cb, void *arg);

/* Server-side copy (PUT with x-amz-copy-source). */
struct s3_op	*s3_copy(struct s3 *, const char *src_bucket, const char *src_key,
		     size_t src_keylen, const char *bucket, const char *key, size_t keylen,
		     s3_done_cb, void *arg);

/*
 * A presigned URL for GET or PUT, valid expires seconds from now (1 to
 * 604800); NULL and *cause otherwise. Computed here, no request.
 */
char		*s3_presign(const struct s3 *, const char *method, const char *bucket,
		     const char *key, size_t keylen, long expires, time_t now, char **cause);

/* Split "s3://bucket/key..." into bucket and key (both allocated, key may be ""). */
int		 s3_parse_uri(const char *, char **bucket, char **key, char **cause);

/*
 * SigV4 pieces, exported for the unit tests against AWS's published
 * examples. Headers are "name:value" pairs already lower-cased and trimmed.
 */
struct s3_sign {
	const char	*method;
	const char	*path;		/* already encoded: /bucket/key%20x */
	const char	*query;		/* already encoded and sorted, or "" */
	const char	*const *headers; /* "name:value", sorted by name */
	size_t		 nheaders;
	const char	*payload_hash;	/* hex sha256, or "UNSIGNED-PAYLOAD" */
	const char	*amz_date;	/* 20130524T000000Z */
	const char	*region;
	const char	*service;	/* "s3" */
	const char	*access_key;
	const char	*secret_key;
};
char		*s3_sign_canonical(const struct s3_sign *);
char		*s3_sign_string_to_sign(const struct s3_sign *);
char		*s3_sign_signature(const struct s3_sign *);	/* hex */
/* RFC 3986 encoding: keep A-Za-z0-9-._~ and, when keep_slash, '/'. */
char		*s3_encode(const char *, size_t, int keep_slash);
/* Undo encoding-type=url: %XX and '+' as space; *outlen is set. */
char		*s3_decode(const char *, size_t, size_t *outlen);

#endif
