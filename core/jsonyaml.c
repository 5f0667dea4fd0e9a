/*
 * JSON to YAML through libyaml's emitter, which does the quoting and
 * escaping; we only decide when a string must be quoted so that a reader
 * does not take "true", "10" or "" for something else.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/jsonyaml.h"

/* Strings a YAML 1.1 reader would turn into a bool, number or null. */
static int
jsonyaml_ambiguous(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on",
	    "off", "y", "n", "null", "~", NULL };
	char		*end;
	size_t		 i;

	if (*s == '\0')
		return (1);
	for (i = 0; words[i] != NULL; i++) {
		if (strcasecmp(s, words[i]) == 0)
			return (1);
	}
	(void)strtod(s, &end);
	if (*end == '\0')
		return (1);
	return (strchr("0123456789+-.", *s) != NULL);
}

/* One scalar event. */
static int
jsonyaml_scalar(yaml_emitter_t *em, const char *text, int quote)
{
	yaml_event_t	ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text,
	    (int)strlen(text), !quote, 1, quote ? YAML_SINGLE_QUOTED_SCALAR_STYLE :
	    YAML_ANY_SCALAR_STYLE))
		return (-1);
	return (yaml_emitter_emit(em, &ev) ? 0 : -1);
}

/* A value and everything under it, depth first. */
static int
jsonyaml_value(yaml_emitter_t *em, json_t *v)
{
	yaml_event_t	 ev;
	const char	*k;
	json_t		*item;
	size_t		 i;
	char		 num[64];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_MAPPING_STYLE) || !yaml_emitter_emit(em, &ev))
			return (-1);
		json_object_foreach(v, k, item) {
			if (jsonyaml_scalar(em, k, jsonyaml_ambiguous(k)) != 0 ||
			    jsonyaml_value(em, item) != 0)
				return (-1);
		}
		if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev))
			return (-1);
		return (0);
	case JSON_ARRAY:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_SEQUENCE_STYLE) || !yaml_emitter_emit(em, &ev))
			return (-1);
		json_array_foreach(v, i, item) {
			if (jsonyaml_value(em, item) != 0)
				return (-1);
		}
		if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev))
			return (-1);
		return (0);
	case JSON_STRING:
		return (jsonyaml_scalar(em, json_string_value(v),
		    jsonyaml_ambiguous(json_string_value(v))));
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (jsonyaml_scalar(em, num, 0));
	case JSON_REAL:
		snprintf(num, sizeof num, "%.17g", json_real_value(v));
		return (jsonyaml_scalar(em, num, 0));
	case JSON_TRUE:
		return (jsonyaml_scalar(em, "true", 0));
	case JSON_FALSE:
		return (jsonyaml_scalar(em, "false", 0));
	case JSON_NULL:
		return (jsonyaml_scalar(em, "null", 0));
	}
	return (-1);
}

/* Stream, document, value, in libyaml's event order. */
int
jsonyaml_dump(FILE *f, json_t *v)
{
	yaml_emitter_t	em;
	yaml_event_t	ev;
	int		rc = -1;

	if (!yaml_emitter_initialize(&em))
		return (-1);
	yaml_emitter_set_output_file(&em, f);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    !yaml_emitter_emit(&em, &ev))
		goto out;
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
	    !yaml_emitter_emit(&em, &ev))
		goto out;
	if (jsonyaml_value(&em, v) != 0)
		goto out;
	if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(&em, &ev))
		goto out;
	if (!yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(&em, &ev))
		goto out;
	rc = yaml_emitter_flush(&em) ? 0 : -1;
out:
	yaml_emitter_delete(&em);
	return (rc);
}
