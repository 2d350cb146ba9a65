#!/usr/bin/env python3
"""Validate YAML files against one of Capstan's JSON Schemas (docs/schema/*.schema.json).

    validate.py SCHEMA FILE...

Prints `FILE: path: message` for each problem (path like `pipeline[2].with.duration`, `(root)` for the
document itself) and exits 1 when there is any, 0 when every file is valid, 2 on bad usage or an
unreadable schema, 3 when jsonschema or PyYAML is missing.

YAML is read the way Capstan and yaml-language-server read it (YAML 1.2 core): only true/false are
booleans (`yes`, `on` stay strings), dates stay strings, and a key repeated in one mapping is an error.

Works with jsonschema 4.10 (Debian's python3-jsonschema) and newer.
"""

import json
import re
import sys

try:
    import yaml
    import jsonschema
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match
except ImportError as error:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        "validate.py: cannot import jsonschema and PyYAML (%s).\n"
        "Install them with `make deps` (Debian: python3-jsonschema python3-yaml) "
        "or `pip install jsonschema pyyaml`.\n" % error
    )
    sys.exit(3)


class CoreLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core booleans, no timestamps, and duplicate keys refused."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue  # left for SafeLoader to report
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "duplicate key %r" % (key,), key_node.start_mark)
            seen[key] = True
        return super().construct_mapping(node, deep=deep)


CoreLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
CoreLoader.add_constructor("tag:yaml.org,2002:map", CoreLoader.construct_mapping)


def field_path(parts):
    """`pipeline[2].with.duration` from the path jsonschema gives."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += "[%d]" % part
        else:
            text += ("." if text else "") + str(part)
    return text or "(root)"


def innermost(error):
    """For anyOf/oneOf failures, the most relevant sub-error (its message names the actual problem)."""
    while error.context:
        deeper = best_match(error.context)
        if deeper is None or len(deeper.absolute_path) < len(error.absolute_path):
            break
        error = deeper
    return error


def problems(validator, path):
    """Every problem in one file, as (field path, message), in document order."""
    try:
        with open(path, "rb") as handle:
            document = yaml.load(handle, Loader=CoreLoader)
    except OSError as error:
        return [("(root)", "cannot read: %s" % error.strerror)]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = " (line %d, column %d)" % (mark.line + 1, mark.column + 1) if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        return [("(root)", "YAML error%s: %s" % (where, problem))]
    if document is None:
        return [("(root)", "file is empty")]
    found = []
    for error in sorted(validator.iter_errors(document), key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path]):
        error = innermost(error)
        found.append((field_path(error.absolute_path), error.message))
    return found


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: validate.py SCHEMA FILE...\n")
        return 2
    try:
        with open(argv[1], "rb") as handle:
            schema = json.load(handle)
        Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as error:
        sys.stderr.write("validate.py: bad schema %s: %s\n" % (argv[1], error))
        return 2
    validator = Draft202012Validator(schema)
    failed = False
    for path in argv[2:]:
        for where, message in problems(validator, path):
            print("%s: %s: %s" % (path, where, message))
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
