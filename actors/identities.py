"""Credentials for targets: who the requests are sent as.

Identities come from command-line flags (:func:`identities_from_flags`) or an identities file
(:func:`load_identities_file`, format in docs/identities.md). :class:`IdentityResolver` picks, for each case, the
identity that satisfies the operation's security requirements and says where its credential goes (:class:`AuthParts`).
Secrets stay in ``SecretStr`` until a request is built; :meth:`IdentityResolver.secrets` feeds the sanitizer.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from agent_core.apispec import Operation, SecurityRequirement, SecurityScheme
from agent_core.errors import ConfigError
from agent_core.models import TestCase

__all__ = [
    "ANONYMOUS",
    "CONFIG_IDENTITIES",
    "AuthParts",
    "Identity",
    "IdentityResolver",
    "identities_from_flags",
    "load_identities_file",
]

CONFIG_IDENTITIES = "CONFIG_IDENTITIES"
# A case whose identity is this name is sent without credentials (security agents test unauthenticated access).
ANONYMOUS = "anonymous"

IdentityKind = Literal["bearer", "basic", "api_key"]
KeyLocation = Literal["header", "query", "cookie"]
_LOCATIONS: dict[str | None, KeyLocation] = {"header": "header", "query": "query", "cookie": "cookie"}


class Identity(BaseModel):
    """One set of credentials. ``scheme`` binds it to one security scheme of the spec; an unbound (generic) identity
    serves any compatible scheme, and for ``apiKey`` schemes the scheme's parameter name and location win."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: IdentityKind
    secret: SecretStr
    username: str | None = None  # basic
    where: KeyLocation | None = None  # api_key
    param_name: str | None = None  # api_key
    scheme: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Identity:
        if self.kind == "basic" and self.username is None:
            raise ValueError("a basic identity needs a username")
        if (self.where is None) != (self.param_name is None):
            raise ValueError("an api key needs both a location and a parameter name, or neither")
        return self

    def secret_values(self) -> tuple[str, ...]:
        """Every form in which this identity's secret may appear in a request."""
        value = self.secret.get_secret_value()
        if self.kind == "basic":
            return (value, _basic_token(self.username or "", value))
        return (value,)


@dataclass(frozen=True, slots=True)
class AuthParts:
    """What an identity adds to a request. Parts the case sets itself (same name) win over these."""

    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()

    def __add__(self, other: AuthParts) -> AuthParts:
        return AuthParts(self.headers + other.headers, self.query + other.query, self.cookies + other.cookies)


# -- sources ------------------------------------------------------------------------------------------------------


def identities_from_flags(
    bearer: str | None = None, basic: str | None = None, api_keys: Sequence[str] = ()
) -> list[Identity]:
    """Identities from ``--bearer TOKEN``, ``--basic user:pass`` and ``--api-key header:X-Key=VALUE`` (also
    ``query:name=VALUE`` and ``cookie:name=VALUE``). Flag identities are generic: they serve any compatible scheme."""
    identities: list[Identity] = []
    if bearer:
        identities.append(Identity(name="bearer", kind="bearer", secret=SecretStr(bearer)))
    if basic is not None:
        user, colon, password = basic.partition(":")
        if not colon or not user:
            raise ConfigError("--basic expects user:password", CONFIG_IDENTITIES)
        identities.append(Identity(name="basic", kind="basic", username=user, secret=SecretStr(password)))
    for index, flag in enumerate(api_keys):
        where, colon, assignment = flag.partition(":")
        param, equals, value = assignment.partition("=")
        if not colon or not equals or where not in ("header", "query", "cookie") or not param or not value:
            # The flag is not echoed: it holds the secret.
            raise ConfigError(
                f"--api-key #{index + 1} must look like header:X-Key=VALUE, query:key=VALUE or cookie:name=VALUE",
                CONFIG_IDENTITIES,
            )
        name = "api_key" if len(api_keys) == 1 else f"api_key_{index + 1}"
        identities.append(
            Identity(name=name, kind="api_key", where=_LOCATIONS[where], param_name=param, secret=SecretStr(value))
        )
    return identities


_ENTRY_KEYS = frozenset({"name", "type", "token", "username", "password", "value", "in", "param", "scheme"})
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def load_identities_file(path: str | Path, environ: Mapping[str, str] | None = None) -> list[Identity]:
    """Identities from a YAML or JSON file; ``${VAR}`` in values is replaced from ``environ`` (default os.environ)."""
    env = os.environ if environ is None else environ
    source = Path(path)
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read identities file ({exc.strerror})", CONFIG_IDENTITIES) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: identities file is not UTF-8 text", CONFIG_IDENTITIES) from None
    except yaml.YAMLError as exc:
        # Our own message: PyYAML's quotes the offending line, which may hold a secret.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{source}: not valid YAML or JSON{where}: {problem}", CONFIG_IDENTITIES) from None
    entries = document.get("identities") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: expected a top-level 'identities' list", CONFIG_IDENTITIES)
    identities: list[Identity] = []
    for index, entry in enumerate(entries):
        identity = _entry_identity(entry, f"{source}: identities[{index}]", env)
        if any(known.name == identity.name for known in identities):
            raise ConfigError(f"{source}: identities[{index}]: duplicate name {identity.name!r}", CONFIG_IDENTITIES)
        identities.append(identity)
    return identities


def _entry_identity(entry: Any, where: str, env: Mapping[str, str]) -> Identity:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping", CONFIG_IDENTITIES)
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: missing 'name'", CONFIG_IDENTITIES)
    where = f"{where} ({name!r})"
    unknown = sorted(map(str, set(entry) - _ENTRY_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(unknown)}", CONFIG_IDENTITIES)
    kind = str(entry.get("type", "")).lower().replace("-", "_")
    kind = {"apikey": "api_key", "http_bearer": "bearer", "http_basic": "basic"}.get(kind, kind)

    def text(key: str, required: bool = True) -> str | None:
        raw = entry.get(key)
        if raw is None:
            if required:
                raise ConfigError(f"{where}: a {kind} identity needs '{key}'", CONFIG_IDENTITIES)
            return None
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise ConfigError(f"{where}: '{key}' must be a string", CONFIG_IDENTITIES)
        return _expand(str(raw), f"{where}: '{key}'", env)

    scheme = text("scheme", required=False)
    if kind == "bearer":
        return Identity(name=name, kind="bearer", secret=SecretStr(text("token") or ""), scheme=scheme)
    if kind == "basic":
        return Identity(
            name=name, kind="basic", username=text("username"), secret=SecretStr(text("password") or ""), scheme=scheme
        )
    if kind == "api_key":
        location, param = text("in", required=False), text("param", required=False)
        if location is not None and location not in _LOCATIONS:
            raise ConfigError(f"{where}: 'in' must be header, query or cookie, not {location!r}", CONFIG_IDENTITIES)
        if (location is None) != (param is None):
            raise ConfigError(f"{where}: give both 'in' and 'param', or neither", CONFIG_IDENTITIES)
        return Identity(
            name=name,
            kind="api_key",
            secret=SecretStr(text("value") or ""),
            where=_LOCATIONS.get(location),
            param_name=param,
            scheme=scheme,
        )
    raise ConfigError(f"{where}: 'type' must be bearer, basic or api_key", CONFIG_IDENTITIES)


def _expand(value: str, where: str, env: Mapping[str, str]) -> str:
    def lookup(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in env:
            raise ConfigError(f"{where}: environment variable {variable} is not set", CONFIG_IDENTITIES)
        return env[variable]

    return _ENV_REF.sub(lookup, value)


# -- resolution ---------------------------------------------------------------------------------------------------


class IdentityResolver:
    """Chooses the credentials for each case.

    ``case.identity`` names an identity (or :data:`ANONYMOUS`); when it is None the first identity that satisfies one
    of the operation's security requirements is used. An operation with ``security: []`` gets no credentials unless
    the case names an identity; a spec without any security information gets the first identity everywhere.
    """

    def __init__(
        self,
        identities: Sequence[Identity],
        schemes: Iterable[SecurityScheme] = (),
        global_security: Sequence[SecurityRequirement] | None = None,
    ) -> None:
        self._identities = tuple(identities)
        self._by_name = {identity.name: identity for identity in self._identities}
        self._schemes = {scheme.name: scheme for scheme in schemes}
        self._global = None if global_security is None else tuple(global_security)

    def __repr__(self) -> str:
        return f"IdentityResolver({[identity.name for identity in self._identities]})"

    def secrets(self) -> tuple[str, ...]:
        """Every secret value of every identity, in every form it may take in a request (for the sanitizer)."""
        values: list[str] = []
        for identity in self._identities:
            for value in identity.secret_values():
                values.extend((value, quote(value, safe="")))
        return tuple(dict.fromkeys(value for value in values if value))

    def resolve(self, case: TestCase, operation: Operation) -> AuthParts | None:
        if case.identity == ANONYMOUS:
            return None
        named = None
        if case.identity is not None:
            named = self._by_name.get(case.identity)
            if named is None:
                raise ConfigError(f"case {case.case_id} names unknown identity {case.identity!r}", CONFIG_IDENTITIES)
        candidates = (named,) if named is not None else self._identities
        if not candidates:
            return None
        requirements = operation.security if operation.security is not None else self._global
        if requirements is None:
            return next((parts for identity in candidates if (parts := _place(identity, None)) is not None), None)
        for requirement in requirements:
            parts = self._satisfy(requirement, candidates)
            if parts is not None:
                return parts
        # Nothing matched: an identity the case asks for is sent anyway (that is what the case tests).
        return _place(named, None) if named is not None else None

    def _satisfy(self, requirement: SecurityRequirement, candidates: Sequence[Identity]) -> AuthParts | None:
        if not requirement:
            return None  # `{}`: anonymous access allowed; prefer an authenticated alternative
        total = AuthParts()
        for scheme_name in requirement:
            scheme = self._schemes.get(scheme_name)
            identity = _pick(candidates, scheme) if scheme is not None else None
            parts = _place(identity, scheme) if identity is not None else None
            if parts is None:
                return None
            total += parts
        return total


def _pick(candidates: Sequence[Identity], scheme: SecurityScheme) -> Identity | None:
    for identity in candidates:
        if identity.scheme == scheme.name:
            return identity
    wanted = _kind_for(scheme)
    for identity in candidates:
        if identity.scheme is None and identity.kind == wanted:
            return identity
    return None


def _kind_for(scheme: SecurityScheme) -> IdentityKind | None:
    if scheme.type == "apiKey":
        return "api_key"
    if scheme.type == "http":
        kinds: dict[str, IdentityKind] = {"bearer": "bearer", "basic": "basic"}
        return kinds.get((scheme.scheme or "").lower())
    if scheme.type in ("oauth2", "openIdConnect"):
        return "bearer"  # access tokens travel as bearer tokens
    return None


def _place(identity: Identity, scheme: SecurityScheme | None) -> AuthParts | None:
    secret = identity.secret.get_secret_value()
    if identity.kind == "bearer":
        return AuthParts(headers=(("Authorization", f"Bearer {secret}"),))
    if identity.kind == "basic":
        return AuthParts(headers=(("Authorization", f"Basic {_basic_token(identity.username or '', secret)}"),))
    where: str | None = identity.where
    param = identity.param_name
    if scheme is not None and scheme.type == "apiKey" and (identity.scheme is None or where is None):
        where, param = scheme.location, scheme.param_name
    if where is None or param is None:
        return None  # a generic key with no scheme to say where it goes
    pair = ((param, secret),)
    if where == "query":
        return AuthParts(query=pair)
    if where == "cookie":
        return AuthParts(cookies=pair)
    return AuthParts(headers=pair)


def _basic_token(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
