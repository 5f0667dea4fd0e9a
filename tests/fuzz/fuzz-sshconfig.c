/*
 * libFuzzer target for the ssh_config reader: any text, looked up for a few
 * aliases, must never crash, leak or read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "backends/ssh-int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char	*aliases[] = { "gw", "db.internal", "", "*" };
	struct ssh_config_host	 h;
	size_t			 i;

	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		memset(&h, 0, sizeof h);
		ssh_config_lookup((const char *)data, len, aliases[i], &h);
		ssh_config_host_free(&h);
	}
	return (0);
}
