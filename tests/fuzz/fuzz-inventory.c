/*
 * libFuzzer target for the inventory parser: any bytes must give an
 * inventory or a message, never a crash, a leak or a read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/inventory.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Exactly one of an inventory and a message must come back. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inventory	*inv;
	char			*cause = NULL;

	inv = inventory_parse("fuzz", (const char *)data, size, 0, &cause);
	if (inv == NULL && cause == NULL)
		abort();
	if (inv != NULL && cause != NULL)
		abort();
	inventory_free(inv);
	free(cause);
	return (0);
}
