/*
 * The S3 pane: buckets, then prefixes as folders, then objects, listed page
 * by page through backends/s3.h; a preview of the first 64 KiB of an
 * object; and the background jobs (download, upload, delete, du) that the
 * commands of tui/pane-s3-cmd.c start. Shared by those two files.
 */
#ifndef PANE_S3_H
#define PANE_S3_H

#include <stddef.h>
#include <stdint.h>

#include "backends/s3.h"
#include "core/loop.h"
#include "tui/tui.h"

#define S3_PREVIEW_MAX	65536	/* bytes fetched for a preview */

/* One object or folder a job works on. */
struct s3_item {
	char		*key;		/* owned; the full key (a folder's ends with '/') */
	uint64_t	 size;
	int		 is_prefix;
};

struct s3_job;

struct s3pane {
	struct pane		*pane;		/* the tab this is the data of */
	char			*service;	/* owned: the service connected to, or NULL */
	char			*secret;	/* owned: the resolved secret key */
	struct http		*http;
	struct s3		*s3;		/* NULL until connected */
	char			*why;		/* owned: why there is no connection */

	char			*bucket;	/* owned: NULL while the buckets are shown */
	char			*prefix;	/* owned: "" or "dir/sub/" */
	struct s3_op		*list;		/* the listing arriving, or NULL */
	uint64_t		 pages;		/* pages of it in so far */
	uint64_t		 started;	/* loop_now() when it began */
	char			*list_error;	/* owned: how the last listing failed */
	char			*select;	/* owned: the name to put the cursor on */

	struct s3_job		*job;		/* the background job, or NULL */
	struct loop_timer	 tick;		/* redraws its progress */

	struct pane		 preview;	/* the preview screen */
	char			*preview_title;	/* owned: what it shows, for its top line */
	struct s3_op		*get;		/* the preview's GET, or NULL */
	char			*pbuf;		/* owned: the bytes fetched */
	size_t			 plen;
	uint64_t		 psize;		/* the object's size */
};

extern const struct pane_type pane_s3;
extern const struct pane_type pane_s3_preview;

/* tui/pane-s3.c */
struct s3pane	*s3_pane(struct tui *);
int		 s3_pane_connect(struct tui *, struct s3pane *, const char *service,
		     char **cause);
void		 s3_pane_go(struct tui *, struct s3pane *, const char *bucket,
		     const char *prefix, const char *select);
int		 s3_pane_up(struct tui *, struct s3pane *);
void		 s3_pane_reload(struct tui *, struct s3pane *);
/* The row under the cursor as an item (caller frees with s3_item_free); 0 if none. */
int		 s3_pane_item(struct s3pane *, size_t row, struct s3_item *);
/* The marked rows, else the cursor's; caller frees. */
size_t		 s3_pane_selection(struct s3pane *, struct s3_item **);
void		 s3_item_free(struct s3_item *);
int		 s3_pane_preview(struct tui *, struct s3pane *, char **cause);
/* "s3://bucket/prefix" for messages, raw (draw it sanitized). */
char		*s3_pane_location(const struct s3pane *, const char *key);

/* tui/pane-s3-preview.c */
void		 s3_preview_render(struct tui *, struct s3pane *, const char *key,
		     const char *content_type);

/* tui/pane-s3-cmd.c */
void		 pane_s3_register(void);
/* The job's progress line, or NULL when none runs. */
enum s3_job_kind {
	S3_JOB_DOWNLOAD,
	S3_JOB_UPLOAD,
	S3_JOB_DELETE,
	S3_JOB_DU,
};

struct s3_job {
	struct cmd		*cmd;		/* the command it belongs to */
	struct s3pane		*st;
	enum s3_job_kind	 kind;
	char			*bucket;	/* owned */
	char			*base;		/* owned: the folder keys are relative to */
	char			*dest;		/* owned: download: the local file or directory */
	int			 dest_dir;	/* dest is a directory */

	struct s3_item		*roots;		/* owned: what was chosen; prefixes expand */
	size_t			 nroots;
	size_t			 root;		/* the next to expand */

	struct s3_item		*items;		/* owned: the objects to work on */
	char			**local;	/* owned: their local paths (transfers) */
	size_t			 nitems;
	size_t			 next;		/* the next to transfer or delete */

	uint64_t		 bytes_total;
	uint64_t		 bytes_done;	/* of finished items */
	uint64_t		 cur_done;	/* of the one moving */
	uint64_t		 deleted;
	uint64_t		 started;
	int			 listing;	/* still expanding prefixes */

	struct s3_op		*op;		/* the request running, or NULL */
	int			 fd;		/* the file being downloaded, or -1 */
	int			 werr;		/* errno of a failed write */
	struct loop_timer	 step;		/* starts the next request */
};

char		*s3_job_status(struct tui *, struct s3pane *);
struct s3_job	*s3_job_new(struct cmd *, struct s3pane *, enum s3_job_kind,
		     const char *bucket);
enum cmd_retval	 s3_job_start(struct cmd *, struct s3_job *, struct s3_item *, size_t);
void		 s3_job_add(struct s3_job *, const char *key, size_t keylen, uint64_t size);
void		 s3_job_destroy(struct s3_job *);
void		 s3_job_free(struct s3pane *);

#endif
