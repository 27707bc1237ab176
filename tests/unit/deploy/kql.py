"""A small KQL reader for the saved objects' queries: the field names they use and the Elasticsearch query Kibana
builds from them.

It covers what the shipped objects may use: ``field:value``, ``field:"a phrase"``, ``field:*``, value lists
``field:(a or b)``, ranges ``field >= 10``, ``and`` / ``or`` / ``not`` and parentheses. The queries follow
Kibana's translation (``@kbn/es-query``): ``match`` for a value, ``match_phrase`` for a quoted value, ``exists``
for ``*``, ``or`` as ``should`` with ``minimum_should_match: 1``, ``and`` as ``filter``, ``not`` as ``must_not``.
Anything else (free text, wildcards inside values, nested queries) raises, so an object using it fails its tests
until this reader learns it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r'\s*(?:(?P<paren>[()])|(?P<range><=|>=|<|>)|(?P<colon>:)|"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<word>[^\s():<>"]+))'
)
_RANGE_OPS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


class KqlError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str


def _tokens(query: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    query = query.rstrip()
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            raise KqlError(f"cannot read {query[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        text = match.group(kind)
        if kind == "word" and text.lower() in {"and", "or", "not"}:
            kind = text.lower()
        found.append(_Token(kind, text))
        position = match.end()
    return found


def _should(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


@dataclass(slots=True)
class _Parser:
    tokens: list[_Token]
    position: int = 0
    fields: set[str] = field(default_factory=set)

    def peek(self, *kinds: str) -> bool:
        return self.position < len(self.tokens) and self.tokens[self.position].kind in kinds

    def take(self, kind: str) -> _Token:
        if not self.peek(kind):
            seen = self.tokens[self.position].text if self.position < len(self.tokens) else "the end"
            raise KqlError(f"expected {kind}, found {seen!r}")
        self.position += 1
        return self.tokens[self.position - 1]

    # query := and ("or" and)* ; and := not ("and" not)* ; not := "not" not | "(" query ")" | expression
    def query(self) -> dict[str, Any]:
        clauses = [self.conjunction()]
        while self.peek("or"):
            self.take("or")
            clauses.append(self.conjunction())
        return clauses[0] if len(clauses) == 1 else _should(clauses)

    def conjunction(self) -> dict[str, Any]:
        clauses = [self.negation()]
        while self.peek("and"):
            self.take("and")
            clauses.append(self.negation())
        return clauses[0] if len(clauses) == 1 else {"bool": {"filter": clauses}}

    def negation(self) -> dict[str, Any]:
        if self.peek("not"):
            self.take("not")
            return {"bool": {"must_not": self.negation()}}
        if self.peek("paren") and self.tokens[self.position].text == "(":
            self.take("paren")
            inner = self.query()
            self.close()
            return inner
        return self.expression()

    def close(self) -> None:
        if self.take("paren").text != ")":
            raise KqlError("expected )")

    def expression(self) -> dict[str, Any]:
        name = self.take("word").text
        if self.peek("range"):
            operator = _RANGE_OPS[self.take("range").text]
            bound = self.take("quoted" if self.peek("quoted") else "word").text
            self.fields.add(name)
            return _should([{"range": {name: {operator: bound}}}])
        if not self.peek("colon"):
            raise KqlError(f"free text {name!r}: name a field")
        self.take("colon")
        self.fields.add(name)
        return self.values(name)

    # values := vand ("or" vand)* ; vand := vnot ("and" vnot)* ; vnot := "not" vnot | "(" values ")" | value
    def values(self, name: str) -> dict[str, Any]:
        if self.peek("paren") and self.tokens[self.position].text == "(":
            self.take("paren")
            inner = self.value_or(name)
            self.close()
            return inner
        return self.value(name)

    def value_or(self, name: str) -> dict[str, Any]:
        clauses = [self.value_and(name)]
        while self.peek("or"):
            self.take("or")
            clauses.append(self.value_and(name))
        return clauses[0] if len(clauses) == 1 else _should(clauses)

    def value_and(self, name: str) -> dict[str, Any]:
        clauses = [self.value_not(name)]
        while self.peek("and"):
            self.take("and")
            clauses.append(self.value_not(name))
        return clauses[0] if len(clauses) == 1 else {"bool": {"filter": clauses}}

    def value_not(self, name: str) -> dict[str, Any]:
        if self.peek("not"):
            self.take("not")
            return {"bool": {"must_not": self.value_not(name)}}
        if self.peek("paren") and self.tokens[self.position].text == "(":
            self.take("paren")
            inner = self.value_or(name)
            self.close()
            return inner
        return self.value(name)

    def value(self, name: str) -> dict[str, Any]:
        if self.peek("quoted"):
            return _should([{"match_phrase": {name: self.take("quoted").text}}])
        text = self.take("word").text
        if text == "*":
            return _should([{"exists": {"field": name}}])
        if "*" in text:
            raise KqlError(f"wildcard value {text!r} is not supported here")
        return _should([{"match": {name: text}}])


@dataclass(frozen=True, slots=True)
class Kql:
    query: dict[str, Any]
    fields: frozenset[str]


def parse(query: str) -> Kql:
    """The Elasticsearch query and the field names of a KQL query; an empty query matches everything."""
    if not query.strip():
        return Kql({"match_all": {}}, frozenset())
    parser = _Parser(_tokens(query))
    translated = parser.query()
    if parser.position != len(parser.tokens):
        raise KqlError(f"unexpected {parser.tokens[parser.position].text!r}")
    return Kql(translated, frozenset(parser.fields))


_LUCENE_FIELD = re.compile(r"(?<![\\\w.@])([A-Za-z@_][\w.@]*)\s*:")


def lucene_fields(query: str) -> frozenset[str]:
    """Field names of a Lucene query string (``field:value`` pairs); quoted text is skipped."""
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)
    return frozenset(_LUCENE_FIELD.findall(unquoted))
