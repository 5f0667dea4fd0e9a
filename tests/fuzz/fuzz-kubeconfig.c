/*
 * libFuzzer target for the kubeconfig reader: any bytes, with the current
 * context or the one named by the input's first line, must parse or fail
 * with a cause, never crash, leak or read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kube.h"
#include "core/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct kube_config	 kc;
	const char		*text = (const char *)data, *nl;
	char			*cause = NULL, *ctx = NULL;

	if (kube_config_parse(text, len, NULL, &kc, &cause) == 0)
		kube_config_clear(&kc);
	free(cause);
	cause = NULL;
	if ((nl = memchr(text, '\n', len)) != NULL && memchr(text, '\0', nl - text) == NULL) {
		ctx = xstrndup(text, nl - text);
		if (kube_config_parse(nl + 1, len - (nl + 1 - text), ctx, &kc, &cause) == 0)
			kube_config_clear(&kc);
		free(cause);
		free(ctx);
	}
	return (0);
}
