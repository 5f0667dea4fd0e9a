/* The interactive console: the screen, its panes and the commands that drive it. */
#ifndef TUI_H
#define TUI_H

#include <stddef.h>
#include <time.h>

#include "core/loop.h"
#include "tui/prompt.h"
#include "tui/table.h"
#include "tui/theme.h"

struct cmd;
struct cmd_env;
struct pane;
struct tui;

/* A kind of pane: a small set of callbacks around one table widget. */
struct pane_type {
	const char		*name;		/* tab label; lower-cased for bind -p */
	const char *const	*kinds;		/* service kinds it is for, or NULL */
	const char		*empty;		/* what an empty pane says */
	const char		*hints;		/* pane keys for the hint line */
	/* Shown: load if there is nothing yet. Optional. */
	void			(*show)(struct tui *, struct pane *);
	/* The r key, and timers: load again. Optional. */
	void			(*reload)(struct tui *, struct pane *);
	/* Enter on a row. Optional. */
	void			(*open)(struct tui *, struct pane *, size_t row);
	/* Free the pane's own state. Optional. */
	void			(*free)(struct pane *);
	/* A key before the bindings; 1 if it took it (an editor). Optional. */
	int			(*key)(struct tui *, struct pane *, int key);
	/* Draw the pane itself instead of its table. Optional. */
	void			(*draw)(struct tui *, struct pane *, int y, int h);
	/* Place the terminal's cursor; 1 to show it. Optional. */
	int			(*cursor)(struct tui *, struct pane *);
};

struct pane {
	const struct pane_type	*type;
	struct table		 table;		/* shows view */
	struct cmd		*shown;		/* the command whose view is shown (owned) */
	struct cmd		*loading;	/* running to replace it, or NULL */
	char			*why;		/* why it has nothing to show, or NULL */
	time_t			 loaded;	/* when shown finished */
	struct view		*own;		/* a view the pane built itself (owned) */
	void			*data;		/* the type's own state */
};

#define TUI_REFRESH_MS	10000	/* the Overview's probes, at their normal pace */
#define TUI_MAX_PANES	10
#define TUI_MAX_BACK	32

struct tui_hostkey;

struct tui {
	struct cmd_env		*env;
	struct loop_io		 input;
	struct loop_timer	 clock;
	struct loop_timer	 refresh;
	int			 refresh_ms;	/* backs off while nothing changes */
	int			 quit;
	int			 dirty;
	int			 suspended;	/* a child has the terminal ($EDITOR): no drawing */

	struct pane		 panes[TUI_MAX_PANES];
	size_t			 npanes;	/* in the tab bar */
	struct pane		 help;		/* pushed by the keys command */
	struct pane		*cur;
	struct pane		*back[TUI_MAX_BACK];	/* the back stack */
	size_t			 nback;

	struct cmd		*running;	/* a command from the prompt or a key */
	struct prompt		 prompt;
	int			 filtering;	/* the prompt edits the filter live */
	char			*message;
	enum theme_role		 message_role;

	struct cmd		*confirming;
	void			(*confirm_answer)(struct cmd *, int);
	struct tui_hostkey	*hostkeys;	/* SSH host key questions, first shown */
};

extern struct tui	*tui_self;

int		 tui_main(struct cmd_env *);
void		 tui_message(struct tui *, enum theme_role, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
void		 tui_run_line(struct tui *, const char *);
void		 tui_show(struct tui *, struct pane *, int push);
int		 tui_back(struct tui *);
void		 tui_quit(struct tui *);
void		 tui_open_prompt(struct tui *, const char *text);
size_t		 tui_page(void);
void		 tui_osc52(const char *, size_t);

/* tui/pane.c */
void		 pane_init(struct pane *, const struct pane_type *);
void		 pane_free(struct pane *);
void		 pane_set_cmd(struct tui *, struct pane *, struct cmd *);
void		 pane_set_view(struct tui *, struct pane *, struct view *);
int		 pane_run(struct tui *, struct pane *, const char *line);
void		 pane_draw(struct tui *, struct pane *, int y, int h);
struct pane	*pane_for_kind(struct tui *, const char *kind);
const char	*pane_opened_for(struct tui *, const char *const *kinds);
void		 pane_add_all(struct tui *);
void		 pane_status_changed(struct tui *);
void		 pane_help_build(struct tui *);
extern const struct pane_type pane_overview;
extern const struct pane_type pane_result;

/* tui/pane-dags.c: the Airflow panes (DAGs; Runs, Grid and Task log pushed from it) */
extern const struct pane_type pane_dags;
void		 pane_dags_register(void);

/* tui/tui-cmd.c */
void		 tui_cmd_register(void);

#endif
