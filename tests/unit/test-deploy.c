/* The deploy template renderer and the unified diff (checked against patch(1)). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"
#include "tests/unit/tap.h"

static char *
render(struct deploy_vars *v, const char *t, int flags, int *secret, char **cause)
{
	struct buf	b;

	buf_init(&b);
	*cause = NULL;
	if (deploy_render("t.tmpl", t, strlen(t), v, flags, &b, secret, cause) != 0) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

static void
test_render(void)
{
	struct deploy_vars	*v = deploy_vars_new();
	char			*s, *cause;
	int			 secret;

	deploy_vars_set(v, "node.name", "gateway", 0);
	deploy_vars_set(v, "pw", "hunter2", 1);
	deploy_vars_set(v, "ch.shard2.port", "9001", 0);
	s = render(v, "a {{node.name}} b {{  node.name  }}\n", 0, &secret, &cause);
	is_str(s, "a gateway b gateway\n", "variables with and without spaces");
	ok(secret == 0, "no secret used");
	free(s);
	s = render(v, "no braces at all", 0, &secret, &cause);
	is_str(s, "no braces at all", "text without variables is unchanged");
	free(s);
	s = render(v, "x\ny\n{{ nope }}\n", 0, &secret, &cause);
	ok(s == NULL, "unknown variable is an error");
	is_str(cause, "t.tmpl:3: unknown variable 'nope'", "naming file and line");
	free(cause);
	s = render(v, "a {{ node.name\n}}", 0, &secret, &cause);
	ok(s == NULL && strstr(cause, "t.tmpl:1: '{{' without '}}'") != NULL,
	    "unterminated {{ is an error");
	free(cause);
	s = render(v, "p={{pw}}", 0, &secret, &cause);
	is_str(s, "p=hunter2", "a secret renders into a file");
	ok(secret == 1, "and the caller is told");
	free(s);
	s = render(v, "echo {{pw}}", DEPLOY_RENDER_NO_SECRETS, &secret, &cause);
	ok(s == NULL && strstr(cause, "never in a command") != NULL,
	    "a secret in a command is refused");
	ok(cause != NULL && strstr(cause, "hunter2") == NULL,
	    "the refusal does not show the secret");
	free(cause);
	deploy_vars_set(v, "@scope", "ch.shard2", 0);
	s = render(v, "{{ this.port }}", 0, &secret, &cause);
	is_str(s, "9001", "this.x reads the file's scope");
	free(s);
	deploy_vars_set(v, "node.name", "compute", 0);
	s = render(v, "{{node.name}}", 0, &secret, &cause);
	is_str(s, "compute", "a later set replaces the value");
	free(s);
	deploy_vars_free(v);
}

static char *
diff(const char *a, const char *b, int *changed)
{
	struct buf	out;

	buf_init(&out);
	*changed = deploy_diff(a, strlen(a), b, strlen(b), "a/f", "b/f", &out);
	return (out.data != NULL ? buf_steal(&out) : xstrdup(""));
}

static void
test_diff_fixed(void)
{
	char	*d;
	int	 changed;

	d = diff("x\ny\n", "x\ny\n", &changed);
	ok(changed == 0 && *d == '\0', "equal texts: no diff");
	free(d);
	d = diff("", "a\nb\n", &changed);
	is_str(d, "--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n", "new file");
	free(d);
	d = diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n", &changed);
	is_str(d, "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n",
	    "one changed line with three lines of context");
	free(d);
	d = diff("a\nb\n", "a\nb", &changed);
	is_str(d, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n"
	    "\\ No newline at end of file\n", "a lost final newline shows");
	free(d);
	d = diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "0\n1\n2\n3\n4\n5\n6\n7\n8\n"
	    "9\n10\n11\n", &changed);
	is_str(d, "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n"
	    "@@ -9,4 +10,3 @@\n 9\n 10\n 11\n-12\n", "two hunks far apart, as diff -u");
	free(d);
}

/* Random texts: our diff applied by patch(1) must give the new text. */
static void
test_diff_patch(void)
{
	char		 dir[] = "/tmp/pt-diff.XXXXXX", path[128], cmd[512], *d;
	struct buf	 a, b;
	FILE		*f;
	int		 round, i, changed, good = 0, rounds = 200;
	char		 got[8192];
	size_t		 n;

	if (access("/usr/bin/patch", X_OK) != 0) {
		ok(1, "# SKIP patch(1) not installed");
		return;
	}
	if (mkdtemp(dir) == NULL)
		return;
	srandom(42);
	for (round = 0; round < rounds; round++) {
		buf_init(&a);
		buf_init(&b);
		for (i = random() % 30; i > 0; i--)
			buf_printf(&a, "line %ld\n", random() % 8);
		for (i = 0; i < (int)a.len; i++) {
			buf_addc(&b, random() % 40 == 0 ? 'Z' : a.data[i]);
			if (a.data[i] == '\n' && random() % 10 == 0)
				buf_printf(&b, "new %ld\n", random() % 4);
		}
		d = diff(buf_str(&a), buf_str(&b), &changed);
		snprintf(path, sizeof path, "%s/f", dir);
		f = fopen(path, "w");
		fwrite(buf_str(&a), 1, a.len, f);
		fclose(f);
		snprintf(path, sizeof path, "%s/p", dir);
		f = fopen(path, "w");
		fputs(d, f);
		fclose(f);
		snprintf(cmd, sizeof cmd, "cd %s && patch -s -p1 f < p >/dev/null 2>&1"
		    " || test ! -s p", dir);
		if (system(cmd) == 0) {
			snprintf(path, sizeof path, "%s/f", dir);
			f = fopen(path, "r");
			n = fread(got, 1, sizeof got, f);
			fclose(f);
			good += n == b.len && memcmp(got, buf_str(&b), n) == 0;
		}
		free(d);
		buf_free(&a);
		buf_free(&b);
	}
	is_int(good, rounds, "patch(1) turns the old text into the new one, %d random pairs",
	    rounds);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
}

int
main(void)
{
	test_render();
	test_diff_fixed();
	test_diff_patch();
	return (tap_done());
}
