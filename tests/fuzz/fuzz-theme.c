/*
 * libFuzzer target for the theme parser: any bytes must give a theme or a
 * message naming the line, never a crash, a leak or a read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/theme.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Success and a message exclude each other; a message starts with the file name. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme	 th;
	char		*cause = NULL;
	int		 rc, i;

	rc = theme_parse((const char *)data, size, "fuzz", &th, &cause);
	if (rc == 0 && cause != NULL)
		abort();
	if (rc != 0 && (cause == NULL || strncmp(cause, "fuzz:", 5) != 0))
		abort();
	for (i = 0; rc == 0 && i < THEME_NROLES; i++) {
		if (th.styles[i].fg < -1 || th.styles[i].fg > 255 ||
		    th.styles[i].bg8 < -1 || th.styles[i].bg8 > 255)
			abort();
	}
	free(cause);
	return (0);
}
