"""Local embeddings for findings and test cases: similar-failure search and dedup without any model or network.

The embedding is feature hashing: the text is normalised (numbers, UUIDs, hex digests, e-mail addresses and tokens
that mix letters and digits become placeholders, so generated values do not count), split into tokens, and every
token and bigram adds its weight to one of :data:`EMBEDDING_DIM` buckets chosen by CRC-32, with a sign from another
bit of the same hash so that collisions cancel out instead of piling up. The vector is L2-normalised, so the cosine
distance of pgvector's ``vector_cosine_ops`` compares two findings by the words they share.

It is deterministic across processes and releases (CRC-32, never Python's salted ``hash``) and costs tens of
microseconds per finding. Changing :data:`EMBEDDING_DIM` or the features changes every stored vector: it needs a
migration of the columns and a re-embedding of the rows.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Final

from agent_core.models import Finding, TestCase

# Width of the ``vector`` columns of test_cases and findings (used by the migration that creates them).
EMBEDDING_DIM: Final = 256

# Weights: what a failure *is* (check, title, operation) matters more than how its message is worded.
_W_CHECK: Final = 3.0
_W_TITLE: Final = 2.0
_W_OPERATION: Final = 1.5
_W_TEXT: Final = 1.0
_W_BIGRAM: Final = 0.5
_W_META: Final = 0.5
# Body structure is walked this deep and this wide; deeper values say little about what a case tests.
_MAX_DEPTH: Final = 4
_MAX_KEYS: Final = 64

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HEX = re.compile(r"\b(?:0x)?[0-9a-f]{8,}\b")
# Decimals, grouped thousands, versions and addresses: one value, never a status code.
_COMPOUND_NUMBER = re.compile(r"\d+(?:[.,:]\d+)+")
# HTTP status codes name the failure ("answered 500"); every other number is generated data.
_STATUS = re.compile(r"[1-5]\d\d")
_TOKEN = re.compile(r"<[a-z]+>|[a-z0-9_]+")
_DIGIT = re.compile(r"\d")
_PLACEHOLDERS: Final = ("<uuid>", "<email>", "<hex>", "<num>")


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> tuple[str, ...]:
    """Lower-cased tokens with generated values replaced by placeholders (``<uuid>``, ``<email>``, ``<hex>``,
    ``<num>``); a token mixing letters and digits (``rex4821``) counts as ``<num>`` too. Three-digit HTTP status
    codes are kept."""
    text = text.lower()
    text = _UUID.sub(" <uuid> ", text)
    text = _EMAIL.sub(" <email> ", text)
    text = _HEX.sub(" <hex> ", text)
    text = _COMPOUND_NUMBER.sub(" <num> ", text)
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if token in _PLACEHOLDERS or _STATUS.fullmatch(token):
            tokens.append(token)
        elif _DIGIT.search(token):
            tokens.append("<num>")
        else:
            tokens.append(token)
    # Runs of placeholders ("<num> <num> <num>") come from lists of values; one is enough.
    return tuple(t for i, t in enumerate(tokens) if not (t in _PLACEHOLDERS and i > 0 and tokens[i - 1] == t))


def _text_features(prefix: str, text: str, weight: float) -> Iterator[tuple[str, float]]:
    tokens = normalise(text)
    for token in tokens:
        yield f"{prefix}:{token}", weight
    for left, right in itertools.pairwise(tokens):
        yield f"{prefix}:{left} {right}", weight * _W_BIGRAM


def hash_features(features: Iterable[tuple[str, float]], dim: int = EMBEDDING_DIM) -> list[float]:
    """Signed feature hashing into ``dim`` buckets, L2-normalised (all zeros when there are no features)."""
    vector = [0.0] * dim
    for feature, weight in features:
        h = zlib.crc32(feature.encode())
        vector[h % dim] += weight if h & 0x8000_0000 else -weight
    norm = math.hypot(*vector)
    return [v / norm for v in vector] if norm else vector


def _operation_features(label: str) -> Iterator[tuple[str, float]]:
    # "GET /pets/{petId}" → the method and the path's words; ids in the template are names, not values.
    yield from _text_features("op", label.replace("{", " ").replace("}", " "), _W_OPERATION)


def finding_features(finding: Finding, operation_label: str) -> Iterator[tuple[str, float]]:
    """What a finding's embedding is made of (exposed for tests and for explaining a match)."""
    yield f"check:{finding.check}", _W_CHECK
    yield f"severity:{finding.severity.value}", _W_META
    if finding.cwe:
        yield f"cwe:{finding.cwe.lower()}", _W_META
    if finding.owasp:
        yield f"owasp:{finding.owasp.lower()}", _W_META
    yield from _operation_features(operation_label)
    yield from _text_features("title", finding.title, _W_TITLE)
    yield from _text_features("text", finding.message, _W_TEXT)


def embed_finding(finding: Finding, operation_label: str) -> list[float]:
    """The embedding of ``finding`` on the operation named ``operation_label`` (``GET /pets/{petId}``)."""
    return hash_features(finding_features(finding, operation_label))


def _structure(prefix: str, value: Any, depth: int = 0) -> Iterator[tuple[str, float]]:
    # Shape, never values: key paths and JSON types.
    if isinstance(value, dict):
        yield f"{prefix}:object", _W_META
        if depth < _MAX_DEPTH:
            for key in sorted(value)[:_MAX_KEYS]:
                yield from _structure(f"{prefix}.{key}", value[key], depth + 1)
    elif isinstance(value, list):
        yield f"{prefix}:array", _W_META
        if value and depth < _MAX_DEPTH:
            yield from _structure(f"{prefix}[]", value[0], depth + 1)
    else:
        yield f"{prefix}:{_json_type(value)}", _W_META


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def case_features(case: TestCase) -> Iterator[tuple[str, float]]:
    """What a test case's embedding is made of: operation, kind, agent, parameter names, body shape, the
    violated constraint and the expected statuses; generated values are left out."""
    yield f"method:{case.method.lower()}", _W_OPERATION
    yield from _operation_features(f"{case.method} {case.path}")
    yield f"kind:{case.kind.value}", _W_CHECK
    yield f"agent:{case.agent}", _W_TITLE
    yield f"source:{case.source}", _W_META
    if case.media_type:
        yield f"media:{case.media_type.lower()}", _W_META
    for location, params in (
        ("path", case.path_params),
        ("query", case.query),
        ("header", case.headers),
        ("cookie", case.cookies),
    ):
        for name in sorted(params)[:_MAX_KEYS]:
            yield f"param:{location}:{name.lower()}", _W_TEXT
    if case.has_body:
        yield from _structure("body", case.body)
    for status in case.expectation.statuses:
        yield f"expect:{status.lower()}", _W_META
    violation = case.violation
    if violation is not None:
        yield f"violation:{violation.location.value}:{violation.keyword}", _W_CHECK
        if violation.parameter:
            yield f"violation:param:{violation.parameter.lower()}", _W_TITLE
        yield from _text_features("pointer", violation.schema_pointer.replace("/", " "), _W_TEXT)
        yield from _text_features("violation", violation.description, _W_TEXT)


def embed_case(case: TestCase) -> list[float]:
    """The embedding of a test case, the same for every case of the same shape whatever values were generated."""
    return hash_features(case_features(case))


def cosine_similarity(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two vectors (1.0 = same direction); for tests and diagnostics."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def vector_literal(vector: list[float]) -> str:
    """pgvector's text form (``[0.1,-0.2,…]``), what COPY writes into a ``vector`` column."""
    # Hashed embeddings are sparse: most entries are zero, and formatting a float is the costly part.
    return "[" + ",".join(["0" if v == 0.0 else f"{v:.6g}" for v in vector]) + "]"
