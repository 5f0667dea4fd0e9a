/*
 * The Deploy pane: the steps of the newest plan with their state (drift
 * is "will change"), Enter shows a step's diffs, p plans, A applies (asked
 * first, naming the command), L shows the lock holder, H the history.
 * Progress lines of a running apply go to the message line as they come.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"
#include "tui/tui.h"

static void
pane_deploy_refresh(struct tui *t, struct pane *p)
{
	pane_run(t, p, "deploy status");
}

static void
pane_deploy_show(struct tui *t, struct pane *p)
{
	if (p->shown == NULL)
		pane_deploy_refresh(t, p);
}

/* Enter: the step's diffs, in the Result pane. */
static void
pane_deploy_open(struct tui *t, struct pane *p, size_t row)
{
	const struct view	*v = p->table.view;
	const struct view_cell	*node, *step;
	char			*line;

	if (v == NULL || row >= v->nrows)
		return;
	node = view_cell(v, row, 0);
	step = view_cell(v, row, 1);
	if (node->text == NULL || step->text == NULL || strchr(step->text, '/') == NULL)
		return;
	/* Names come from our own plan: node names and step labels, no quoting needed. */
	xasprintf(&line, "deploy diff %s %s", node->text, step->text);
	tui_run_line(t, line);
	free(line);
}

const struct pane_type pane_deploy = {
	.name = "Deploy",
	.empty = "No plan yet: p reads the nodes' facts and makes one.",
	.hints = "Enter diff  p plan  A apply  L lock  H history",
	.show = pane_deploy_show,
	.reload = pane_deploy_refresh,
	.open = pane_deploy_open,
};

/* A progress line of a plan or an apply, on the message line. */
static void
pane_deploy_progress(const char *line, void *arg)
{
	struct tui	*t = arg;

	tui_message(t, THEME_MUTED, "%s", line);
}

/* A plan was saved or an apply ended: the pane shows the new state. */
static void
pane_deploy_changed(void *arg)
{
	struct tui	*t = arg;
	size_t		 i;

	for (i = 0; i < t->npanes; i++) {
		if (t->panes[i].type == &pane_deploy && t->panes[i].shown != NULL)
			pane_deploy_refresh(t, &t->panes[i]);
	}
}

void
pane_deploy_register(struct tui *t)
{
	deploy_set_progress(pane_deploy_progress, t);
	deploy_set_changed(pane_deploy_changed, t);
}
