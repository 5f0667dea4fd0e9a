/*
 * TEMPORARY, until branch airflow-backend brings backends/airflow.c: weak
 * stand-ins so this branch links and the Airflow panes say why they are
 * empty. The real definitions win at link time; delete this file on merge.
 */
#include "config.h"

#include <stdlib.h>

#include "backends/airflow.h"
#include "core/xmalloc.h"

#define PANE_AF_STUB	__attribute__((weak))

PANE_AF_STUB const struct inv_service *
af_service_find(const struct inventory *inv, const char *name, char **cause)
{
	(void)inv;
	(void)name;
	*cause = xstrdup("the Airflow backend is not built in");
	return (NULL);
}

PANE_AF_STUB struct af_client *
af_client_new(struct loop *loop, struct http *http, const struct inventory *inv,
    const struct inv_service *svc, char **cause)
{
	(void)loop;
	(void)http;
	(void)inv;
	(void)svc;
	*cause = xstrdup("the Airflow backend is not built in");
	return (NULL);
}

PANE_AF_STUB void af_client_free(struct af_client *c) { (void)c; }
PANE_AF_STUB void af_op_cancel(struct af_op *op) { (void)op; }
PANE_AF_STUB int af_state_final(const char *s) { (void)s; return (1); }

PANE_AF_STUB struct af_op *
af_dags_view(struct af_client *c, const char *p, size_t o, size_t l, af_done_cb cb, void *a)
{
	(void)c; (void)p; (void)o; (void)l; (void)cb; (void)a;
	return (NULL);
}

PANE_AF_STUB struct af_op *
af_runs_view(struct af_client *c, const char *d, size_t o, size_t l, af_done_cb cb, void *a)
{
	(void)c; (void)d; (void)o; (void)l; (void)cb; (void)a;
	return (NULL);
}

PANE_AF_STUB struct af_op *
af_grid_view(struct af_client *c, const char *d, size_t n, af_done_cb cb, void *a)
{
	(void)c; (void)d; (void)n; (void)cb; (void)a;
	return (NULL);
}

PANE_AF_STUB struct af_op *
af_tasks_view(struct af_client *c, const char *d, const char *r, af_done_cb cb, void *a)
{
	(void)c; (void)d; (void)r; (void)cb; (void)a;
	return (NULL);
}

PANE_AF_STUB struct af_op *
af_log_fetch(struct af_client *c, const char *d, const char *r, const char *t, int n,
    const char *tok, af_done_cb cb, void *a)
{
	(void)c; (void)d; (void)r; (void)t; (void)n; (void)tok; (void)cb; (void)a;
	return (NULL);
}
