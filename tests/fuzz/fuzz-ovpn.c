/*
 * libFuzzer target for OpenVPN management lines: any bytes, split at
 * newlines as the client splits them, must classify without a crash, and
 * every parsed state keeps its strings terminated and its port in range.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/openvpn.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*s = (const char *)data, *end = s + size, *nl;
	struct ovpn_line	 l;
	uint64_t		 v;
	char			*copy;

	while (s < end) {
		if ((nl = memchr(s, '\n', end - s)) == NULL)
			nl = end;
		if (ovpn_parse_line(s, nl - s, &l) == 0) {
			if (memchr(l.state.name, '\0', sizeof l.state.name) == NULL ||
			    memchr(l.state.local_ip, '\0',
			    sizeof l.state.local_ip) == NULL ||
			    memchr(l.realm, '\0', sizeof l.realm) == NULL ||
			    l.state.remote_port < 0 || l.state.remote_port > 65535)
				abort();
			if (l.text < s || l.text > nl)
				abort();
		}
		copy = strndup(s, nl - s);
		ovpn_parse_status_bytes(copy, "TCP/UDP read bytes", &v);
		free(copy);
		s = nl + 1;
	}
	return (0);
}
