"""Reading the index template's mapping the way Elasticsearch and Kibana see it: dotted field paths and types."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pipeline.es_index import mappings

OPAQUE = "object (disabled)"
AGGREGATABLE = frozenset({"keyword", "long", "float", "date", "boolean"})
NUMERIC = frozenset({"long", "float"})


def fields(mapping: dict[str, Any] | None = None, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every mapped field by dotted path (multi-fields included, e.g. ``findings.title.keyword``).

    Disabled objects appear with type :data:`OPAQUE`; plain objects do not appear, only their leaves.
    """
    mapping = mappings() if mapping is None else mapping
    found: dict[str, dict[str, Any]] = {}
    for name, spec in mapping["properties"].items():
        path = prefix + name
        if spec.get("enabled") is False:
            found[path] = {**spec, "type": OPAQUE}
        elif "properties" in spec:
            found.update(fields(spec, path + "."))
        else:
            found[path] = spec
            for sub, sub_spec in spec.get("fields", {}).items():
                found[f"{path}.{sub}"] = sub_spec
    return found


def searchable(spec: dict[str, Any]) -> bool:
    return spec["type"] != OPAQUE and spec.get("index", True) is not False


def aggregatable(spec: dict[str, Any]) -> bool:
    return spec["type"] in AGGREGATABLE and spec.get("doc_values", True) is not False


def leaves(document: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted paths and scalar values of a document; arrays of objects flatten like Elasticsearch flattens them."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from leaves(value, f"{prefix}{key}.")
    elif isinstance(document, list):
        for item in document:
            yield from leaves(item, prefix)
    else:
        yield prefix.rstrip("."), document


def opaque_owner(path: str, mapped: dict[str, dict[str, Any]]) -> str | None:
    """The disabled object that ``path`` lies inside, if any."""
    parts = path.split(".")
    for end in range(1, len(parts)):
        owner = ".".join(parts[:end])
        if mapped.get(owner, {}).get("type") == OPAQUE:
            return owner
    return None


def compatible(field_type: str, value: Any) -> bool:
    """Whether Elasticsearch indexes ``value`` into a field of ``field_type`` as intended (no coercion, no loss)."""
    if value is None:
        return True
    if field_type in {"keyword", "text"}:
        return isinstance(value, str)
    if field_type == "long":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    if field_type == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if field_type == "boolean":
        return isinstance(value, bool)
    if field_type == "date":
        if not isinstance(value, str):
            return False
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return False
        return parsed.tzinfo is not None
    return False
