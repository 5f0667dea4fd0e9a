/*
 * libFuzzer target for the node parsers of /proc text, docker ps and
 * systemctl output: the first byte picks the parser, the rest is the file.
 * Never a crash, a leak or a read out of bounds; figures stay consistent.
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
	struct nodestat_sample		 s, prev;
	struct nodestat_container	*c;
	struct nodestat_unit		*u;
	const char			*text = (const char *)data + 1;
	char				*cause = NULL, *name;
	size_t				 n, len, i;

	if (size == 0)
		return (0);
	len = size - 1;
	memset(&s, 0, sizeof s);
	memset(&prev, 0, sizeof prev);
	switch ((uint8_t)(data[0] - (uint8_t)'0') % 10) {	/* corpus files start with a digit */
	case 0:
		nodestat_parse_stat(&s, text, len);
		nodestat_parse_stat(&prev, "cpu 1 1 1 1 1 1 1 1\ncpu0 1 1 1 1 1 1 1 1\n", 42);
		prev.at = 1;
		s.at = 2;
		nodestat_sample_rates(&s, &prev);
		for (i = 0; i < s.ncpus; i++) {
			if (s.cpus[i].busy > s.cpus[i].total ||
			    (s.busy[i] != -1 && (s.busy[i] < 0 || s.busy[i] > 100)))
				abort();
		}
		break;
	case 1:
		if (nodestat_parse_meminfo(&s, text, len) == 0 &&
		    (s.mem_avail > s.mem_total || s.swap_free > s.swap_total))
			abort();
		break;
	case 2:
		nodestat_parse_loadavg(&s, text, len);
		break;
	case 3:
		nodestat_parse_netdev(&s, text, len);
		nodestat_parse_netdev(&prev, "lo: 1 0 0 0 0 0 0 0 1 0 0 0\n", 28);
		prev.at = 1;
		s.at = 1001;
		nodestat_sample_rates(&s, &prev);
		break;
	case 4:
		nodestat_parse_uptime(&s, text, len);
		break;
	case 5:
		nodestat_parse_mounts(&s, text, len);
		nodestat_sample_copy_mounts(&prev, &s);
		for (i = 0; i < s.nmounts; i++) {
			if (s.mounts[i].path[0] != '/')
				abort();
		}
		break;
	case 6:
		nodestat_parse_kernel(&s, text, len);
		for (i = 0; s.kernel != NULL && s.kernel[i] != '\0'; i++) {
			if (s.kernel[i] < ' ' || s.kernel[i] > '~')
				abort();
		}
		break;
	case 7:
		if (nodestat_parse_docker(text, len, &c, &n, &cause) == 0)
			nodestat_containers_free(c, n);
		free(cause);
		break;
	case 8:
		if (nodestat_parse_units(text, len, &u, &n, &cause) == 0)
			nodestat_units_free(u, n);
		free(cause);
		break;
	case 9:
		/* A name taken for a shell command has nothing the shell reads. */
		name = strndup(text, len);
		if (name != NULL && nodestat_name_ok(name) &&
		    strpbrk(name, " ;$`|&<>()\"'\\\n*?") != NULL)
			abort();
		free(name);
		break;
	}
	nodestat_sample_clear(&s);
	nodestat_sample_clear(&prev);
	return (0);
}
