/* Unit tests for durations, sizes and the terminal sanitiser. */
#include "config.h"

#include <locale.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "tests/unit/tap.h"

static const char *
sanitized(const char *s, size_t len)
{
	static struct buf	b;

	buf_free(&b);
	util_sanitize(&b, s, len);
	return (buf_str(&b));
}

int
main(void)
{
	char	 out[64], *cause = NULL;
	int	 ms;

	setlocale(LC_ALL, "C.UTF-8");
	ok(util_parse_duration("250ms", &ms, NULL) == 0 && ms == 250, "250ms");
	ok(util_parse_duration("5s", &ms, NULL) == 0 && ms == 5000, "5s");
	ok(util_parse_duration("3", &ms, NULL) == 0 && ms == 3000, "a bare number is seconds");
	ok(util_parse_duration("2m", &ms, NULL) == 0 && ms == 120000, "2m");
	ok(util_parse_duration("5 s", &ms, &cause) == -1 && cause != NULL, "junk refused");
	free(cause);
	ok(util_parse_duration("99999999999h", &ms, NULL) == -1, "overflow refused");
	ok(util_parse_duration("-1s", &ms, NULL) == -1, "negative refused");

	util_format_duration(out, sizeof out, 1500);
	is_str(out, "1.5s", "1500ms shows as 1.5s");
	util_format_duration(out, sizeof out, 3723000);
	is_str(out, "1h02m", "an hour and two minutes");
	util_format_bytes(out, sizeof out, 512);
	is_str(out, "512B", "bytes");
	util_format_bytes(out, sizeof out, 5LL * 1024 * 1024 * 1024);
	is_str(out, "5.0GiB", "gibibytes");
	util_format_time(out, sizeof out, 0);
	is_str(out, "1970-01-01T00:00:00Z", "time in UTC ISO 8601");

	is_str(sanitized("plain", 5), "plain", "plain text passes");
	is_str(sanitized("a\033[2Jb", 6), "a\\x1b[2Jb", "an escape sequence is shown escaped");
	is_str(sanitized("tab\there\n", 9), "tab\\there\\n", "tab and newline escaped");
	is_str(sanitized("caf\xc3\xa9", 5), "caf\xc3\xa9", "valid UTF-8 kept");
	is_str(sanitized("bad\xff", 4), "bad\xef\xbf\xbd", "invalid UTF-8 replaced");
	is_str(sanitized("\xc2\x9b" "31m", 5), "\\u009b31m", "a C1 CSI is escaped");
	is_str(sanitized("\xe2\x80\xae" "abc", 6), "\\u202eabc", "a bidi override is escaped");
	is_str(sanitized("\xc0\xaf", 2), "\xef\xbf\xbd\xef\xbf\xbd", "overlong encoding replaced");
	is_str(sanitized("a\0b", 3), "a\\x00b", "NUL shown");
	is_int((long long)util_width("caf\xc3\xa9"), 4, "width counts characters");
	is_int((long long)util_width("\xe6\x97\xa5\xe6\x9c\xac"), 4, "wide characters count two");
	return (tap_done());
}
