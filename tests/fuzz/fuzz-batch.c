/* libFuzzer target: batch mode's line reader (JSON arrays and shell-like words). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/cmdline.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	**argv = NULL, *cause = NULL;
	int	  n, i;

	n = cmdline_split((const char *)data, size, &argv, &cause);
	if (n < 0) {
		if (cause == NULL || argv != NULL)
			abort();
		free(cause);
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (argv[i] == NULL)
			abort();
	}
	if (argv[n] != NULL)
		abort();
	cmdline_free(argv);
	return (0);
}
