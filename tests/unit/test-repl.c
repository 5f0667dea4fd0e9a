/* Unit tests for the SQL REPL's input: where statements end, blanks, exit words, names. */
#include "config.h"

#include <locale.h>

#include "cli/repl-input.h"
#include "tests/unit/tap.h"

static long
end_of(const char *s, int *vertical)
{
	*vertical = -1;
	return ((long)repl_input_statement_end(s, strlen(s), vertical));
}

int
main(void)
{
	int	v;

	setlocale(LC_ALL, "C.UTF-8");
	is_int(end_of("SELECT 1;", &v), 9, "a ; ends a statement");
	is_int(v, 0, "... not vertical");
	is_int(end_of("SELECT 1\\G", &v), 10, "\\G ends one too");
	is_int(v, 1, "... vertical");
	is_int(end_of("SELECT 1", &v), -1, "no terminator: it goes on");
	is_int(end_of("SELECT 1,\n2;", &v), 12, "over two lines");
	is_int(end_of("SELECT ';'", &v), -1, "a ; in single quotes");
	is_int(end_of("SELECT \";\" ", &v), -1, "in double quotes");
	is_int(end_of("SELECT `a;b`", &v), -1, "in backquotes");
	is_int(end_of("SELECT 'it\\'s;' ;", &v), 17, "an escaped quote does not close");
	is_int(end_of("SELECT 'it''s;';", &v), 16, "a doubled quote does not either");
	is_int(end_of("SELECT 1 -- no; not yet", &v), -1, "a ; in a -- comment");
	is_int(end_of("SELECT 1 -- x\n;", &v), 15, "the comment ends at the line's end");
	is_int(end_of("SELECT /* ; */ 1", &v), -1, "a ; in a block comment");
	is_int(end_of("SELECT /* ; ", &v), -1, "an open block comment");
	is_int(end_of("SELECT /* x */ 1;", &v), 17, "after a block comment");
	is_int(end_of("SELECT 1 # x;\n", &v), -1, "a # comment");
	is_int(end_of("SELECT '\\G'", &v), -1, "\\G in quotes");
	is_int(end_of("SELECT 1; SELECT 2;", &v), 9, "the first of two");
	is_int(end_of("SELECT 'a", &v), -1, "an open quote");

	ok(repl_input_blank(""), "empty is blank");
	ok(repl_input_blank("  \n\t"), "spaces are blank");
	ok(repl_input_blank("-- a comment"), "a comment is blank");
	ok(repl_input_blank("/* a */ -- b\n  "), "comments are blank");
	ok(!repl_input_blank("/* a */ SELECT 1"), "a statement after a comment is not");
	ok(!repl_input_blank("SELECT 1"), "a statement is not");

	ok(repl_input_is_exit("exit"), "exit");
	ok(repl_input_is_exit("  QUIT; "), "QUIT;");
	ok(repl_input_is_exit("q"), "q");
	ok(repl_input_is_exit("\\q"), "\\q");
	ok(!repl_input_is_exit("exit 1"), "exit 1 is not");
	ok(!repl_input_is_exit("SELECT 1"), "a query is not");
	ok(!repl_input_is_exit(""), "nothing is not");

	repl_input_names_add("events", 6);
	repl_input_names_add("evil\033[2J", 8);
	repl_input_names_add("ev\xc2\x9bx", 5);
	repl_input_names_sort();
	{
		char	**m = repl_input_complete("ev", 0, 2);
		size_t	  i, n = 0;

		for (i = 0; m != NULL && m[i] != NULL; i++)
			n++;
		is_int(n, 1, "only the clean name completes (the sole match is m[0])");
		is_str(m != NULL ? m[0] : NULL, "events", "it is events");
		for (i = 0; m != NULL && m[i] != NULL; i++)
			free(m[i]);
		free(m);
		m = repl_input_complete("sel", 0, 3);
		is_str(m != NULL ? m[0] : NULL, "select", "a keyword in the case typed");
		for (i = 0; m != NULL && m[i] != NULL; i++)
			free(m[i]);
		free(m);
	}
	repl_input_names_free();
	return (tap_done());
}
