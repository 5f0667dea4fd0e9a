/* A tiny TAP producer for the unit tests: ok/not ok lines and a plan at the end. */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(a, b, ...) do {						\
	long long _a = (a), _b = (b);					\
	if (!ok(_a == _b, __VA_ARGS__))					\
		printf("#   got %lld, want %lld\n", _a, _b);		\
} while (0)
#define is_str(a, b, ...) do {						\
	const char *_a = (a), *_b = (b);				\
	int _eq = (_a == NULL && _b == NULL) ||				\
	    (_a != NULL && _b != NULL && strcmp(_a, _b) == 0);		\
	if (!ok(_eq, __VA_ARGS__))					\
		printf("#   got '%s', want '%s'\n", _a ? _a : "(null)",	\
		    _b ? _b : "(null)");				\
} while (0)

__attribute__((format(printf, 4, 5)))
static int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return (cond);
}

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return (tap_failed != 0);
}

#endif
