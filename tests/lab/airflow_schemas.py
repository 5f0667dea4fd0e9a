"""OpenAPI response schemas of the Airflow specs as jsonschema validators.

2.x is OpenAPI 3.0: `nullable: true` is rewritten into JSON Schema's null
type and validated with Draft 7; 3.x is OpenAPI 3.1 and is JSON Schema
2020-12 already. `$ref`s resolve over the whole document.
"""

import copy
import os

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CANDIDATES = [os.environ.get("AIRFLOW_SPECS", ""),
              os.path.join(HERE, "..", "..", "specs", "airflow"),
              os.path.join(HERE, "..", "..", "..", "shared", "specs", "airflow"),
              "/work/shared/specs/airflow"]


def find_specs():
    """The folder with the Airflow OpenAPI documents, or None."""
    for c in CANDIDATES:
        if c and os.path.exists(os.path.join(c, "airflow-2-v1.yaml")):
            return c
    return None


def _nullable(node):
    """OpenAPI 3.0 → JSON Schema: nullable: true admits null."""
    if isinstance(node, list):
        return [_nullable(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if "$ref" in out or "allOf" in out or "anyOf" in out or "oneOf" in out:
            out = {"anyOf": [{"type": "null"}, out]}
        else:
            if "type" in out:
                t = out["type"]
                out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
    out.pop("discriminator", None)        # needs __type in every branch
    return out


class Spec:
    """One spec document and the response schema of each operation."""

    def __init__(self, filename, v3):
        with open(os.path.join(find_specs(), filename)) as f:
            doc = yaml.safe_load(f)
        self.v3 = v3
        self.doc = doc if v3 else _nullable(copy.deepcopy(doc))
        cls = jsonschema.Draft202012Validator if v3 else jsonschema.Draft7Validator
        self.cls = cls
        self.resolver = jsonschema.RefResolver.from_schema(self.doc)

    def _deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def response_schema(self, path, method, status, ctype="application/json"):
        """The schema an answer must follow, from paths/{path}/{method}."""
        op = self.doc["paths"][path][method.lower()]
        if str(status) not in op["responses"] and status >= 400:
            # An error the operation does not list has the API's error shape.
            name = ("HTTPValidationError" if status == 422 else "HTTPExceptionResponse") \
                if self.v3 else "Error"
            return self.component(name)
        resp = self._deref(op["responses"][str(status)])
        content = resp.get("content") or {}
        if ctype not in content:
            ctype = next(iter(content))
        return content[ctype]["schema"]

    def component(self, name):
        return {"$ref": "#/components/schemas/%s" % name}

    def errors(self, schema, instance):
        """Validation messages (empty list: valid)."""
        v = self.cls(schema, resolver=self.resolver)
        return ["%s at %s" % (e.message[:160], "/".join(map(str, e.absolute_path)))
                for e in v.iter_errors(instance)]


def load():
    return (Spec("airflow-2-v1.yaml", False), Spec("airflow-3-v2.yaml", True),
            Spec("airflow-3-simple-auth-manager.yaml", True))
