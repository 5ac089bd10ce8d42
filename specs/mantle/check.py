#!/usr/bin/env python3
"""Checks the OpenAPI documents in this directory.

Usage: python3 specs/mantle/check.py [--fix]

For every *.json document here it checks that:
  * the file is canonical JSON (sorted keys, 2-space indent, trailing newline);
    `--fix` rewrites it in that form instead of failing;
  * every local `$ref` resolves;
  * every schema name under components/schemas is PascalCase, and no object
    schema with `properties` is declared inline (outside components/schemas);
  * no OpenAPI 3.0 `nullable` keyword is used (3.1 uses `type: [X, "null"]`);
  * every `discriminator` has a `mapping`, each mapping target is listed in the
    `oneOf`, every `oneOf` member is mapped, and each target schema requires the
    discriminator property and declares it as a `const`/`enum` containing the key;
  * every path item carries `x-bedrock-routes`;
  * the document validates against OpenAPI 3.1 when `openapi-spec-validator`
    is installed (otherwise that step is reported as skipped).
Exit status is non-zero on any failure.
"""
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def canonical(doc):
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def resolve(doc, pointer):
    if not pointer.startswith("#/"):
        raise KeyError(f"non-local $ref {pointer}")
    node = doc
    for part in pointer[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def walk(node, path=""):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}/{i}")


def check_doc(path, fix):
    errors = []
    text = path.read_text()
    doc = json.loads(text)
    if text != canonical(doc):
        if fix:
            path.write_text(canonical(doc))
        else:
            errors.append("not canonical JSON (run with --fix)")

    for where, node in walk(doc):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    resolve(doc, ref)
                except (KeyError, IndexError, TypeError):
                    errors.append(f"{where}: unresolved $ref {ref}")
            if "nullable" in node and where.startswith("/components/schemas"):
                errors.append(f"{where}: uses 3.0 'nullable'")

    schemas = doc.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if not PASCAL.match(name):
            errors.append(f"schema {name}: not PascalCase")

    for where, node in walk(doc):
        if not (isinstance(node, dict) and "discriminator" in node):
            continue
        disc = node["discriminator"]
        prop = disc.get("propertyName")
        mapping = disc.get("mapping")
        if not prop or not mapping:
            errors.append(f"{where}: discriminator needs propertyName and mapping")
            continue
        members = [m.get("$ref") for m in node.get("oneOf", [])]
        targets = set(mapping.values())
        for m in members:
            if m not in targets:
                errors.append(f"{where}: oneOf member {m} has no mapping key")
        for key, target in mapping.items():
            if target not in members:
                errors.append(f"{where}: mapping {key} -> {target} not in oneOf")
            try:
                schema = resolve(doc, target)
            except (KeyError, IndexError, TypeError):
                errors.append(f"{where}: mapping {key} -> unresolved {target}")
                continue
            p = schema.get("properties", {}).get(prop)
            if p is None:
                errors.append(f"{target}: lacks discriminator property {prop}")
                continue
            allowed = [p["const"]] if "const" in p else p.get("enum", [])
            if key not in allowed:
                errors.append(f"{target}: {prop} does not allow mapping key {key!r}")
            if prop not in schema.get("required", []):
                errors.append(f"{target}: {prop} is not required")

    for where, node in walk(doc):
        parts = where.split("/")
        top_level_schema = len(parts) == 4 and parts[1:3] == ["components", "schemas"]
        if isinstance(node, dict) and "properties" in node and not top_level_schema:
            errors.append(f"{where}: inline object schema; give it a name under components/schemas")

    for route, item in doc.get("paths", {}).items():
        if "x-bedrock-routes" not in item:
            errors.append(f"path {route}: missing x-bedrock-routes")

    try:
        from openapi_spec_validator import validate
    except ImportError:
        print(f"  {path.name}: openapi-spec-validator not installed, 3.1 validation skipped")
    else:
        try:
            validate(doc)
        except Exception as e:  # the validator raises several exception types
            errors.append(f"OpenAPI 3.1 validation: {e}")

    return doc, errors


def main():
    fix = "--fix" in sys.argv[1:]
    failed = False
    for path in sorted(HERE.glob("*.json")):
        doc, errors = check_doc(path, fix)
        n_paths = len(doc.get("paths", {}))
        n_ops = sum(1 for item in doc.get("paths", {}).values()
                    for k in item if k in ("get", "post", "put", "patch", "delete"))
        n_schemas = len(doc.get("components", {}).get("schemas", {}))
        status = "FAIL" if errors else "ok"
        print(f"{path.name}: {status} ({n_paths} paths, {n_ops} operations, {n_schemas} schemas)")
        for e in errors:
            print(f"  - {e}")
        failed |= bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
