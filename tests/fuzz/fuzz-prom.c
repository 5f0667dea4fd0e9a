/*
 * libFuzzer target for the Prometheus text format parser (node-exporter's
 * /metrics): any bytes give a sample whose figures hold together, or an
 * error with a cause; never a crash, a leak or a read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/nodestat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nodestat_sample	 s;
	char			*cause = NULL;
	size_t			 i;
	int			 rc;

	memset(&s, 0, sizeof s);
	rc = nodestat_parse_prom(&s, (const char *)data, size, &cause);
	if ((rc != 0) != (cause != NULL))
		abort();
	if (s.mem_avail > s.mem_total || s.swap_free > s.swap_total)
		abort();
	for (i = 0; i < s.ncpus; i++) {
		if (s.cpus[i].busy > s.cpus[i].total + 1)
			abort();
	}
	for (i = 0; i < s.nmounts; i++) {
		if (s.mounts[i].used > s.mounts[i].total)
			abort();
	}
	free(cause);
	nodestat_sample_clear(&s);
	return (0);
}
