/* JSON values written as YAML (libyaml's emitter): describe -o yaml, -o yaml views. */
#ifndef JSONYAML_H
#define JSONYAML_H

#include <stdio.h>

#include <jansson.h>

/* Writes one YAML document; -1 if the emitter failed. */
int	jsonyaml_dump(FILE *, json_t *);

#endif
