/* What the s3 commands share between their files (plugins/s3/). */
#ifndef S3_CMD_H
#define S3_CMD_H

#include <stddef.h>
#include <stdint.h>

struct cmd;
struct s3_copy;
struct s3_result;

struct s3_run {
	struct cmd	*cmd;
	struct http	*http;
	struct s3	*s3;
	struct s3_op	*op;		/* in flight */
	char		*secret;	/* resolved, wiped on free */
	char		*url;
	char		*bucket;
	char		*key;		/* or prefix */
	int		 stream;	/* print pages as they come (scripted tsv) */
	int		 du;		/* sum instead of listing */
	uint64_t	 objects;
	uint64_t	 bytes;
	int		 fd;		/* cp down: the local file */
	char		*local;
	char		**keys;		/* rm: one batch */
	size_t		*keylens;
	size_t		 nkeys;
	int		 listing_done;	/* rm: the listing ended */
	size_t		 at;		/* rm: next key when one by one */
	int		 singly;	/* rm: keys XML cannot carry: DELETE each */
	struct s3_copy	*copy;		/* cp -r: the files to go, or NULL */
};

void		 s3cmd_free(struct s3_run *);
struct s3_run	*s3cmd_open(struct cmd *);
int		 s3cmd_uri(struct s3_run *, const char *arg, int need_key);
void		 s3cmd_end(struct s3_run *, const struct s3_result *);
void		 s3cmd_cancel(struct cmd *);
int		 s3cmd_get_data(const char *, size_t, void *);
void		 s3cmd_progress(uint64_t done, uint64_t total, void *);

/* plugins/s3/s3-copy.c: cp -r, a prefix down or a directory up. */
int		 s3copy_start(struct s3_run *, const char *src, const char *dst);
void		 s3copy_free(struct s3_copy *);

#endif
