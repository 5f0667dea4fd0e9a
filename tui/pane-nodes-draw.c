/*
 * Drawing the Nodes panes the way htop draws a machine: meters of bars for
 * CPU, memory and swap, sparklines of CPU and network over the last
 * minutes, and the session's state (connecting, ready, lost with the retry
 * time) so a dead node says so instead of showing old figures as live.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/nodestat.h"
#include "backends/ssh.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-nodes.h"
#include "tui/tui.h"

#define PANE_NODES_NAME_W	14	/* the node's name column */

/* Bytes as htop shows them: 1023B 1.2K 3.4M 23.5G. */
static void
pane_nodes_bytes(char *out, size_t len, double n)
{
	static const char	units[] = "BKMGTP";
	size_t			i = 0;

	if (n < 0) {
		snprintf(out, len, "-");
		return;
	}
	while (n >= 1024 && i + 1 < sizeof units - 1) {
		n /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(out, len, "%.0fB", n);
	else
		snprintf(out, len, n < 10 ? "%.1f%c" : "%.0f%c", n, units[i]);
}

/* Days and hours, or hours and minutes: what fits beside the kernel. */
static void
pane_nodes_uptime(char *out, size_t len, double s)
{
	long	t = (long)s;

	if (t >= 86400)
		snprintf(out, len, "%ldd%02ldh", t / 86400, t % 86400 / 3600);
	else
		snprintf(out, len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
}

/* Meters turn yellow and red where an operator should look. */
static enum theme_role
pane_nodes_level(double pct)
{
	if (pct >= 90)
		return (THEME_ERROR);
	if (pct >= 70)
		return (THEME_WARN);
	return (THEME_OK);
}

/* LABEL[|||||     text] in w cells; frac from 0 to 1, or < 0 when unknown. */
static void
pane_nodes_meter(int y, int x, int w, const char *label, double frac, const char *text)
{
	int	inner, bars, tl, i;

	attrset(theme_attr(THEME_TITLE));
	mvaddstr(y, x, label);
	x += (int)strlen(label);
	w -= (int)strlen(label);
	attrset(A_BOLD);
	mvaddch(y, x, '[');
	inner = w - 2;
	if (inner < 1)
		return;
	bars = frac < 0 ? 0 : (int)(frac * inner + 0.5);
	if (bars > inner)
		bars = inner;
	tl = (int)strlen(text);
	attrset(theme_attr(pane_nodes_level(frac * 100)));
	for (i = 0; i < inner; i++) {
		if (i >= inner - tl) {
			attrset(theme_attr(frac < 0 ? THEME_MUTED : THEME_NORMAL) | A_BOLD);
			mvaddch(y, x + 1 + i, (chtype)(unsigned char)text[i - (inner - tl)]);
		} else
			mvaddch(y, x + 1 + i, i < bars ? '|' : ' ');
	}
	attrset(A_BOLD);
	mvaddch(y, x + 1 + inner, ']');
	attrset(A_NORMAL);
}

/* The last w values of a series as a sparkline; max 0 means the series' own. */
static void
pane_nodes_spark(int y, int x, int w, const struct nodestat *ns, int series, double max)
{
	static const char *const utf8[] = { "\xe2\x96\x81", "\xe2\x96\x82",
	    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	    "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char	ascii[] = "_.-:=+*#";
	double			*v;
	size_t			 n, i;
	int			 lvl, uni = theme_utf8();

	if (w <= 0)
		return;
	v = xcalloc((size_t)w, sizeof *v);
	n = nodestat_history(ns, series, v, (size_t)w);
	if (max <= 0) {
		for (i = 0; i < n; i++)
			if (v[i] > max)
				max = v[i];
		if (max < 1024)
			max = 1024;
	}
	attrset(theme_attr(THEME_OK));
	move(y, x);
	for (i = 0; i < (size_t)w - n; i++)
		addch(' ');
	for (i = 0; i < n; i++) {
		if (v[i] < 0) {
			addch(' ');
			continue;
		}
		lvl = (int)(v[i] / max * 7.999);
		lvl = lvl < 0 ? 0 : lvl > 7 ? 7 : lvl;
		if (uni)
			addstr(utf8[lvl]);
		else
			addch((chtype)ascii[lvl]);
	}
	attrset(A_NORMAL);
	free(v);
}

/* The session's state in words, so a lost node never looks live. */
enum theme_role
pane_nodes_state(const struct pane_nodes_node *n, char *out, size_t len)
{
	struct ssh_session	*ss;
	const char		*err;
	uint64_t		 now, next;

	if (n->ns == NULL) {
		snprintf(out, len, "%s", n->why != NULL ? n->why : "no sampler");
		return (THEME_ERROR);
	}
	if ((ss = nodestat_session(n->ns)) == NULL) {
		snprintf(out, len, "%s", nodestat_error(n->ns) != NULL ? "metrics: no answer" :
		    "metrics");
		return (nodestat_error(n->ns) != NULL ? THEME_ERROR : THEME_OK);
	}
	err = ssh_session_error(ss);
	switch (ssh_session_state(ss)) {
	case SSH_STATE_READY:
		if (n->inv->metrics != NULL && nodestat_error(n->ns) != NULL) {
			snprintf(out, len, "ready, but %s: %s", n->inv->metrics,
			    nodestat_error(n->ns));
			return (THEME_WARN);
		}
		snprintf(out, len, "ready");
		return (THEME_OK);
	case SSH_STATE_IDLE:
	case SSH_STATE_CONNECTING:
		snprintf(out, len, "connecting");
		return (THEME_WARN);
	case SSH_STATE_BACKOFF:
		now = tui_self != NULL ? loop_now(tui_self->env->loop) : 0;
		next = ssh_session_next_retry(ss);
		snprintf(out, len, "lost - retry in %llu s%s%s", (unsigned long long)
		    (next > now ? (next - now + 999) / 1000 : 0), err != NULL ? ": " : "",
		    err != NULL ? err : "");
		return (THEME_ERROR);
	case SSH_STATE_FAILED:
		snprintf(out, len, "failed: %s", err != NULL ? err : "gave up");
		return (THEME_ERROR);
	}
	return (THEME_MUTED);
}

/* Two lines per node: name and meters; state, sparklines and the figures. */
static void
pane_nodes_draw_node(struct pane_nodes_node *n, int y, int selected)
{
	const struct nodestat_sample	*s = n->ns != NULL ? nodestat_last(n->ns) : NULL;
	const struct nodestat_mount	*m;
	char				 state[256], a[48], b[48], text[128], line[256];
	enum theme_role			 role;
	int				 x, mw, sw;
	double				 frac;

	attrset((selected ? theme_attr(THEME_SELECTION) : 0) | A_BOLD);
	mvprintw(y, 0, " %-*.*s", PANE_NODES_NAME_W - 1, PANE_NODES_NAME_W - 2, n->inv->name);
	attrset(A_NORMAL);
	role = pane_nodes_state(n, state, sizeof state);
	x = PANE_NODES_NAME_W;
	mw = (COLS - x - 2) / 3;
	if (s != NULL && mw >= 12) {
		frac = s->busy != NULL && s->ncpus > 0 && s->busy[0] >= 0 ? s->busy[0] / 100 : -1;
		snprintf(text, sizeof text, frac < 0 ? "..." : "%.1f%%", frac * 100);
		pane_nodes_meter(y, x, mw, "CPU", frac, text);
		pane_nodes_bytes(a, sizeof a, (double)(s->mem_total - s->mem_avail));
		pane_nodes_bytes(b, sizeof b, (double)s->mem_total);
		snprintf(text, sizeof text, "%s/%s", a, b);
		pane_nodes_meter(y, x + mw + 1, mw, "Mem", s->mem_total > 0 ?
		    (double)(s->mem_total - s->mem_avail) / (double)s->mem_total : -1, text);
		pane_nodes_bytes(a, sizeof a, (double)(s->swap_total - s->swap_free));
		pane_nodes_bytes(b, sizeof b, (double)s->swap_total);
		snprintf(text, sizeof text, "%s/%s", a, b);
		pane_nodes_meter(y, x + 2 * (mw + 1), mw, "Swp", s->swap_total > 0 ?
		    (double)(s->swap_total - s->swap_free) / (double)s->swap_total : 0, text);
	} else if (s == NULL) {
		attrset(theme_attr(THEME_MUTED));
		mvaddnstr(y, x, nodestat_error(n->ns != NULL ? n->ns : NULL) != NULL && n->ns ?
		    nodestat_error(n->ns) : "waiting for the first sample...", COLS - x - 1);
		attrset(A_NORMAL);
	}
	/* The second line: the state first, so a lost node says so. */
	attrset(theme_attr(role));
	mvprintw(y + 1, 1, "%-*.*s", PANE_NODES_NAME_W - 2, PANE_NODES_NAME_W - 2,
	    role == THEME_OK ? state : "");
	attrset(A_NORMAL);
	if (role != THEME_OK) {
		attrset(theme_attr(role));
		table_put_text_at(y + 1, 1, state, COLS - 2);
		attrset(A_NORMAL);
		if (s == NULL || (int)strlen(state) > COLS / 3)
			return;
		x = (int)strlen(state) + 3;
	}
	if (s == NULL || n->ns == NULL)
		return;
	sw = (COLS - x) / (COLS < 120 ? 9 : 6);
	if (sw > 30)
		sw = 30;
	if (sw >= 5) {
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(y + 1, x, "cpu");
		pane_nodes_spark(y + 1, x + 4, sw, n->ns, NODESTAT_SERIES_CPU, 100);
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(y + 1, x + 5 + sw, "net");
		pane_nodes_spark(y + 1, x + 9 + sw, sw, n->ns, NODESTAT_SERIES_RX, 0);
		x += 10 + 2 * sw;
	}
	pane_nodes_bytes(a, sizeof a, s->rx_rate);
	pane_nodes_bytes(b, sizeof b, s->tx_rate);
	m = nodestat_sample_fullest(s);
	snprintf(line, sizeof line, "rx %s/s tx %s/s  load %.2f %.2f %.2f  disk %s %d%%",
	    a, b, s->load[0], s->load[1], s->load[2], m != NULL ? m->path : "-",
	    m != NULL && m->used + m->avail > 0 ? (int)((m->used * 100 + m->used + m->avail - 1) /
	    (m->used + m->avail)) : 0);
	attrset(A_NORMAL);
	x += table_put_text_at(y + 1, x, line, COLS - x - 1);
	if (s->have & NODESTAT_HAVE_UPTIME) {
		pane_nodes_uptime(a, sizeof a, s->uptime);
		snprintf(line, sizeof line, "  up %s  %s", a, s->kernel != NULL ? s->kernel : "");
		attrset(theme_attr(THEME_MUTED));
		table_put_text_at(y + 1, x, line, COLS - x - 1);
		attrset(A_NORMAL);
	}
}

/* Three lines a node; the table model keeps the cursor and filter. */
void
pane_nodes_draw_list(struct tui *t, struct pane *p, int y, int h)
{
	struct pane_nodes	*pn = pane_nodes_get();
	struct table_model	*m = &p->table.model;
	size_t			 pos, top, r, per;
	int			 line;

	(void)t;
	if (p->why != NULL || pn->n == 0) {
		attrset(theme_attr(p->why != NULL ? THEME_ERROR : THEME_MUTED));
		table_put_text_at(y + 1, 2, p->why != NULL ? p->why : p->type->empty, COLS - 3);
		attrset(A_NORMAL);
		return;
	}
	if (p->own != NULL && p->own->nrows != m->nrows)
		table_model_changed(m, 0);
	per = (size_t)(h > 3 ? (h - 1) / 3 : 1);
	top = table_model_scroll(m, per);
	attrset(theme_attr(THEME_TITLE));
	mvprintw(y, 0, " %-*s%s", PANE_NODES_NAME_W - 1, "NODE", "meters: CPU Mem Swp;"
	    " sparklines of the last minutes");
	attrset(A_NORMAL);
	for (line = y + 1, pos = top; pos < m->nshown && line + 1 < y + h; pos++) {
		r = table_model_row(m, pos);
		if (r < pn->n)
			pane_nodes_draw_node(&pn->nodes[r], line, pos == m->cur);
		line += 3;
	}
}

/* ------------------------------------------------------------ one node */

/* Figures above, containers and units in the table widget below. */
void
pane_nodes_draw_detail(struct tui *t, struct pane *p, int y, int h)
{
	struct pane_nodes		*pn = pane_nodes_get();
	struct pane_nodes_node		*n;
	const struct nodestat_sample	*s;
	const struct nodestat_mount	*mt;
	const struct nodestat_if	*ifp;
	char				 state[256], a[48], b[48], text[192];
	enum theme_role			 role;
	size_t				 i, j, cols, ncores;
	int				 line = y, cw, ix, end = y + h;

	(void)t;
	if (pn->node >= pn->n)
		return;
	n = &pn->nodes[pn->node];
	role = pane_nodes_state(n, state, sizeof state);
	attrset(A_BOLD);
	mvprintw(line, 0, " %s ", n->inv->name);
	attrset(theme_attr(role));
	table_put_text(state, COLS - getcurx(stdscr) - 1);
	attrset(A_NORMAL);
	line++;
	if ((s = n->ns != NULL ? nodestat_last(n->ns) : NULL) == NULL) {
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(line + 1, 2, "no figures yet");
		attrset(A_NORMAL);
		goto table;
	}
	if (s->kernel != NULL || (s->have & NODESTAT_HAVE_UPTIME)) {
		pane_nodes_uptime(a, sizeof a, s->uptime);
		snprintf(text, sizeof text, " kernel %s  up %s  load %.2f %.2f %.2f",
		    s->kernel != NULL ? s->kernel : "?", a, s->load[0], s->load[1], s->load[2]);
		attrset(theme_attr(THEME_MUTED));
		table_put_text_at(line++, 0, text, COLS - 1);
		attrset(A_NORMAL);
	}
	/* Cores in as many columns as fit at 24 cells or more. */
	ncores = s->ncpus > 0 ? s->ncpus - 1 : 0;
	cols = (size_t)(COLS / 26);
	if (cols < 1)
		cols = 1;
	if (cols > 4)
		cols = 4;
	cw = (COLS - 1) / (int)cols;
	for (i = 0; i < ncores && line < end - 4; i++) {
		double	f = s->busy != NULL && s->busy[i + 1] >= 0 ? s->busy[i + 1] / 100 : -1;

		snprintf(a, sizeof a, "%3zu", i);
		snprintf(text, sizeof text, f < 0 ? "..." : "%.1f%%", f * 100);
		pane_nodes_meter(line, 1 + (int)(i % cols) * cw, cw - 1, a, f, text);
		if (i % cols == cols - 1 || i + 1 == ncores)
			line++;
	}
	pane_nodes_bytes(a, sizeof a, (double)(s->mem_total - s->mem_avail));
	pane_nodes_bytes(b, sizeof b, (double)s->mem_total);
	snprintf(text, sizeof text, "%s/%s", a, b);
	pane_nodes_meter(line, 1, COLS / 2 - 2, "Mem", s->mem_total > 0 ?
	    (double)(s->mem_total - s->mem_avail) / (double)s->mem_total : -1, text);
	pane_nodes_bytes(a, sizeof a, (double)(s->swap_total - s->swap_free));
	pane_nodes_bytes(b, sizeof b, (double)s->swap_total);
	snprintf(text, sizeof text, "%s/%s", a, b);
	pane_nodes_meter(line++, COLS / 2, COLS / 2 - 1, "Swp", s->swap_total > 0 ?
	    (double)(s->swap_total - s->swap_free) / (double)s->swap_total : 0, text);
	/* Mounts on the left, interfaces on the right; one under the other if narrow. */
	ix = COLS >= 52 + 34 ? 52 : 1;
	attrset(theme_attr(THEME_TITLE));
	mvprintw(line, 1, "%-20s %-6s %7s %7s %4s", "MOUNT", "TYPE", "USED", "SIZE", "USE%");
	attrset(A_NORMAL);
	for (i = 0; i < s->nmounts && line + 1 + (int)i < end - 4; i++) {
		mt = &s->mounts[i];
		pane_nodes_bytes(a, sizeof a, (double)mt->used);
		pane_nodes_bytes(b, sizeof b, (double)mt->total);
		move(line + 1 + (int)i, 1);
		table_put_text(mt->path, 20);
		mvprintw(line + 1 + (int)i, 22, "%-6.6s %7s %7s %3d%%", mt->type, a, b,
		    mt->used + mt->avail > 0 ? (int)((mt->used * 100 + mt->used +
		    mt->avail - 1) / (mt->used + mt->avail)) : 0);
	}
	if (ix == 1)
		line += (int)i + 1;
	attrset(theme_attr(THEME_TITLE));
	mvprintw(line, ix, "%-12s %9s %9s", "IFACE", "RX/s", "TX/s");
	attrset(A_NORMAL);
	for (j = 0; j < s->nifs && line + 1 + (int)j < end - 4; j++) {
		ifp = &s->ifs[j];
		pane_nodes_bytes(a, sizeof a, ifp->rx_rate);
		pane_nodes_bytes(b, sizeof b, ifp->tx_rate);
		move(line + 1 + (int)j, ix);
		table_put_text(ifp->name, 12);
		mvprintw(line + 1 + (int)j, ix + 13, "%7s/s %7s/s", a, b);
	}
	line += (int)(ix == 1 || j > i ? j : i) + 2;
table:
	if (line < end - 1)
		table_draw(&p->table, line, 0, end - line, COLS);
}

/* ------------------------------------------------------------ a log */

/* Drawn like the Task log, with pane-log.c's line drawing. */
void
pane_nodes_draw_log(struct tui *t, struct pane *p, int y, int h)
{
	struct pane_nodes	*pn = pane_nodes_get();
	struct table_model	*m = &p->table.model;
	const struct view	*v = p->own;
	const char		*s;
	char			 status[512];
	size_t			 top, pos, r;
	int			 body = h - 2, line, rows, attr, used;

	(void)t;
	attrset(A_BOLD);
	mvprintw(y, 0, " %s ", pn->log_node < pn->n ? pn->nodes[pn->log_node].inv->name : "");
	attrset(theme_attr(THEME_TITLE));
	table_put_text(pn->log_name != NULL ? pn->log_name : "", COLS / 2);
	attrset(A_NORMAL);
	if (v == NULL || body < 1)
		return;
	if (v->nrows != m->nrows)
		table_model_changed(m, m->nrows < v->nrows ? m->nrows : 0);
	top = table_model_scroll(m, (size_t)body);
	if (pn->wrap) {
		for (;;) {
			for (used = 0, pos = top; pos <= m->cur && pos < m->nshown; pos++) {
				s = view_cell(v, table_model_row(m, pos), 0)->text;
				used += pane_log_put(s != NULL ? s : "", 0, COLS, body, 0);
			}
			if (used <= body || top >= m->cur)
				break;
			top++;
		}
		m->top = top;
	}
	for (line = 0, pos = top; line < body && pos < m->nshown; pos++) {
		r = table_model_row(m, pos);
		s = view_cell(v, r, 0)->text != NULL ? view_cell(v, r, 0)->text : "";
		attr = pos == m->cur ? theme_attr(THEME_SELECTION) :
		    pane_log_is_error(s) ? theme_attr(THEME_ERROR) : (int)A_NORMAL;
		attrset(attr);
		rows = pn->wrap ? pane_log_put(s, y + 1 + line, COLS, body - line, 1) :
		    (table_put_text_at(y + 1 + line, 0, s, COLS), 1);
		if (pos == m->cur && !pn->wrap)
			mvchgat(y + 1 + line, 0, -1, (attr_t)attr, 0, NULL);
		attrset(A_NORMAL);
		line += rows;
	}
	if (m->nshown == 0) {
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(y + 1, 2, m->expr != NULL ? "no lines match" : pn->ended ?
		    "the log is empty" : "waiting for lines...");
		attrset(A_NORMAL);
	}
	snprintf(status, sizeof status, "%zu/%zu lines  %s  wrap %s%s%s",
	    m->nshown == 0 ? 0 : m->cur + 1, m->nshown, pn->ended ? (pn->log_status != NULL ?
	    pn->log_status : "ended") : pn->paused ? "PAUSED (p follows)" : "following",
	    pn->wrap ? "on" : "off", pn->search != NULL ? "  search: " : "",
	    pn->search != NULL ? pn->search : "");
	attrset(theme_attr(pn->ended && pn->log_status != NULL &&
	    strncmp(pn->log_status, "lost", 4) == 0 ? THEME_ERROR : THEME_MUTED));
	table_put_text_at(y + h - 1, 0, status, COLS - 1);
	attrset(A_NORMAL);
}
