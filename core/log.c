/* The debug log: timestamped lines to a file; nothing is written when it is closed. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "core/log.h"

static FILE	*log_file;

void
log_open(const char *path)
{
	log_close();
	if ((log_file = fopen(path, "a")) != NULL)
		setvbuf(log_file, NULL, _IOLBF, 0);
}

void
log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

int
log_enabled(void)
{
	return (log_file != NULL);
}

static void
log_vwrite(const char *level, const char *fmt, va_list ap)
{
	struct timespec	ts;

	if (log_file == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(log_file, "%lld.%03ld %s ", (long long)ts.tv_sec, ts.tv_nsec / 1000000, level);
	vfprintf(log_file, fmt, ap);
	fputc('\n', log_file);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("debug", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite("warn", fmt, ap);
	va_end(ap);
}
