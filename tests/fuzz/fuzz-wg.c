/*
 * libFuzzer target for WireGuard status: any bytes as a `wg show all dump`
 * and as a UAPI reply must parse or be refused with a message, never crash
 * or leak, and every kept string stays terminated.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/wg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The strings of a parsed status are terminated within their fields. */
static void
fuzz_check(const struct wg_status *st)
{
	size_t	i;

	for (i = 0; i < st->npeers; i++) {
		if (memchr(st->peers[i].endpoint, '\0',
		    sizeof st->peers[i].endpoint) == NULL ||
		    memchr(st->peers[i].allowed_ips, '\0',
		    sizeof st->peers[i].allowed_ips) == NULL ||
		    memchr(st->peers[i].public_key, '\0',
		    sizeof st->peers[i].public_key) == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_status	 st;
	char			*cause = NULL, age[48];

	if (wg_parse_dump((const char *)data, size, &st, &cause) == 0) {
		fuzz_check(&st);
		wg_status_clear(&st);
	} else if (cause == NULL)
		abort();
	free(cause);
	cause = NULL;
	if (wg_parse_uapi("wg0", (const char *)data, size, &st, &cause) == 0) {
		fuzz_check(&st);
		if (st.nifaces != 1)
			abort();
		wg_handshake_age(age, sizeof age, st.npeers ?
		    st.peers[0].handshake : 0, 1700000000);
		wg_status_clear(&st);
	} else if (cause == NULL)
		abort();
	free(cause);
	return (0);
}
