/* Unit tests for batch-mode line splitting. */
#include "config.h"

#include "core/cmdline.h"
#include "core/xmalloc.h"
#include "tests/unit/tap.h"

static char	**argv;

static int
split(const char *s, char **cause)
{
	cmdline_free(argv);
	argv = NULL;
	return (cmdline_split(s, strlen(s), &argv, cause));
}

int
main(void)
{
	char	*cause = NULL;

	is_int(split("status\n", NULL), 1, "one word");
	is_str(argv[0], "status", "without the newline");
	is_int(split("dag trigger ingest --conf '{\"day\": \"x\"}'", NULL), 5, "quoted JSON");
	is_str(argv[4], "{\"day\": \"x\"}", "single quotes are literal");
	is_int(split("s3 ls \"a b\\\"c\" d\\ e", NULL), 4, "double quotes and backslashes");
	is_str(argv[2], "a b\"c", "escaped quote inside double quotes");
	is_str(argv[3], "d e", "escaped space");
	is_int(split("   # a comment", NULL), 0, "a comment line");
	is_int(split("", NULL), 0, "an empty line");
	is_int(split("x ''", NULL), 2, "an empty quoted word counts");
	is_str(argv[1], "", "and is empty");
	is_int(split("echo 'open", &cause), -1, "unterminated quote refused");
	is_str(cause, "unterminated single quote", "and said");
	free(cause);
	is_int(split("[\"sql\", \"SELECT 'a b'\"]", NULL), 2, "a JSON array");
	is_str(argv[1], "SELECT 'a b'", "keeps its strings exactly");
	is_int(split("[\"a\", 1]", &cause), -1, "a JSON array with a number refused");
	free(cause);
	is_int(split("[\"a\"", &cause), -1, "broken JSON refused");
	ok(cause != NULL && strncmp(cause, "bad JSON", 8) == 0, "with the JSON error");
	free(cause);
	is_int(split("{\"a\":1}", NULL), 1, "an object is a word, not JSON");
	is_int(split("a\\", &cause), -1, "a trailing backslash refused");
	free(cause);
	cmdline_free(argv);
	return (tap_done());
}
