/* Scripted mode's renderings of a view: table, json, tsv, csv; and a view as JSON for batch mode. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdio.h>

#include <jansson.h>

struct view;

enum output_format {
	OUTPUT_TABLE,
	OUTPUT_JSON,
	OUTPUT_TSV,
	OUTPUT_CSV,
	OUTPUT_YAML,	/* the JSON rows as a YAML list */
};

int	 output_parse_format(const char *, enum output_format *);
void	 output_view(FILE *, const struct view *, enum output_format, int color);
json_t	*output_view_json(const struct view *);
json_t	*output_json_string(const char *);

#endif
