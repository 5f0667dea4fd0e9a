/* The ':' prompt: a line editor with history and completion of command names. */
#ifndef PROMPT_H
#define PROMPT_H

#include <stddef.h>

#include "core/buf.h"

struct cmd_env;

enum prompt_result {
	PROMPT_EDITING,
	PROMPT_DONE,
	PROMPT_CANCEL,
};

struct prompt {
	int		 active;
	struct buf	 line;
	size_t		 cursor;	/* byte offset in line */
	char		**history;
	size_t		 nhistory;
	size_t		 hpos;		/* nhistory = the new line */
	char		*hfile;		/* where history is kept */
};

void			 prompt_init(struct prompt *, struct cmd_env *);
void			 prompt_free(struct prompt *);
void			 prompt_open(struct prompt *);
void			 prompt_close(struct prompt *);
void			 prompt_set(struct prompt *, const char *);
enum prompt_result	 prompt_key(struct prompt *, int key);
const char		*prompt_text(const struct prompt *);
void			 prompt_draw(struct prompt *, int y);
void			 prompt_place_cursor(struct prompt *, int y);
/* The completion of a partial command line, or NULL; caller frees. */
char			*prompt_complete(const char *line);
/* Words to complete after a command: cb(line up to the word) gives a NULL-ended
 * array the prompt frees. */
void			 prompt_set_words(char **(*)(const char *, void *), void *);

#endif
