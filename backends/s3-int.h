/* What s3.c, s3-ops.c and s3-upload.c share: not for callers. */
#ifndef S3_INT_H
#define S3_INT_H

#include "backends/s3-xml.h"
#include "backends/s3.h"
#include "core/buf.h"

struct http_req;

struct s3 {
	struct loop	*loop;
	struct http	*http;
	char		*name;		/* for messages */
	char		*url;		/* without a trailing slash */
	char		*host;		/* host[:port], signed and sent */
	char		*region;
	char		*access_key;
	char		*secret_key;
	char		*ca_file;	/* or NULL */
	int		 timeout_ms;	/* to connect */
};

enum s3_kind {
	S3_KIND_BUCKETS,
	S3_KIND_LIST,
	S3_KIND_HEAD,
	S3_KIND_GET,
	S3_KIND_PUT,
	S3_KIND_DELETE,
	S3_KIND_COPY,
	S3_KIND_UPLOAD,
};

/* One part of a multipart upload. */
struct s3_part {
	uint64_t	 size;		/* bytes */
	char		 etag[80];	/* as the server gave it, quotes included */
	int		 done;		/* on the server already */
};

struct s3_op {
	struct s3		*s3;
	enum s3_kind		 kind;
	struct http_req		*req;		/* in flight, or NULL */
	void			(*next)(struct s3_op *);	/* after a 2xx */
	s3_done_cb		 done;
	s3_page_cb		 page;
	s3_data_cb		 data;
	s3_progress_cb		 progress;
	void			*arg;
	uint64_t		 started_ms;

	long			 status;	/* of the current request */
	struct buf		 errbody;	/* body of a non-2xx answer */
	struct s3_xml		*xml;		/* parser of a 2xx answer */
	int			 bad_xml;	/* the parser failed mid-stream */
	int			 stopped;	/* the caller said stop */
	char			*code;		/* <Code> */
	char			*message;	/* <Message>, or a parser error */

	struct s3_object	 cur;		/* record being built; HEAD's answer */
	struct s3_object	*objs;		/* the page */
	size_t			 nobjs;
	size_t			 objcap;
	int			 truncated;
	char			*token;		/* NextContinuationToken */
	uint64_t		 page_no;
	uint64_t		 count;		/* listed, deleted, bytes */
	uint64_t		 total;		/* from Content-Range */

	char			*bucket;
	char			*key;
	size_t			 keylen;
	char			*prefix;
	char			*delimiter;
	char			*start_after;
	int			 max_keys;
	int			 one_page;
	char			*content_type;	/* to send, or HEAD's */

	/* multipart */
	char			*path;		/* local file */
	int			 fd;
	int			 fd_open;
	uint64_t		 fsize;
	uint64_t		 part_size;
	struct s3_part		*parts;
	size_t			 nparts;
	size_t			 part_at;	/* next part to look at */
	char			*upload_id;
	char			*found_key;	/* Upload/Key being read */
	int			 part_marker;	/* ListParts paging */
	int			 cur_part;	/* PartNumber being read */
};

struct s3_op	*s3_op_new(struct s3 *, enum s3_kind, s3_done_cb, void *);
void		 s3_op_send(struct s3_op *, const char *method, const char *bucket,
		     const char *key, size_t keylen, const char *query,
		     const void *body, size_t bodylen, const char *const *extra,
		     size_t nextra);
void		 s3_op_finish(struct s3_op *, enum s3_status, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
void		 s3_op_fail_status(struct s3_op *);
void		 s3_op_clear_page(struct s3_op *);
char		*s3_path(const char *bucket, const char *key, size_t keylen);
int64_t		 s3_parse_iso(const char *);
uint64_t	 s3_now_ms(void);

#endif
