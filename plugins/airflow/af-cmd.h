/* What the Airflow commands share: one client per command, and how they end. */
#ifndef AF_CMD_H
#define AF_CMD_H

#include <stddef.h>

#include "backends/airflow.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/loop.h"

struct http;

/* One running Airflow command; freed when it finishes. */
struct afc {
	struct cmd		*cmd;
	struct http		*http;
	struct af_client	*client;
	struct af_op		*op;		/* in flight, or NULL */
	struct loop_timer	 timer;		/* polls: --wait, --follow */
	char			*run;		/* the run a command follows */
	char			*token;		/* log continuation */
	char			*state;		/* the last state printed */
	int			 try_number;
	json_t			*body;		/* a request kept for its second step */
	struct buf		 text;		/* task log: lines kept for the result */
};

/* Every Airflow command's option spec starts with this. */
#define AFC_SPEC	"service="

struct afc	*afc_new(struct cmd *);	/* NULL: error set, finished by the caller */
void		 afc_end(struct afc *);	/* free and cmd_finish */
void		 afc_fail(struct afc *, const struct af_result *);
void		 afc_note(struct afc *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
enum cmd_retval	 afc_wait(struct afc *);
/* A view result: take it into the command, noting a read-only source. */
void		 afc_take_view(struct afc *, struct af_result *);

extern const struct cmd_entry *const af_commands[];

#endif
