"""Target credentials: flags, identities files, and which identity a case is sent as."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest

from actors.identities import (
    ANONYMOUS,
    AuthParts,
    Identity,
    IdentityResolver,
    identities_from_flags,
    load_identities_file,
)
from agent_core.apispec import Operation, SecurityScheme
from agent_core.errors import ConfigError
from agent_core.models import TestCase

BEARER = SecurityScheme(name="BearerAuth", type="http", scheme="bearer")
BASIC = SecurityScheme(name="BasicAuth", type="http", scheme="basic")
QUERY_KEY = SecurityScheme(name="QueryKey", type="apiKey", param_name="key", location="query")
HEADER_KEY = SecurityScheme(name="HeaderKey", type="apiKey", param_name="X-Api-Key", location="header")
OAUTH = SecurityScheme(name="OAuth", type="oauth2")
SCHEMES = (BEARER, BASIC, QUERY_KEY, HEADER_KEY, OAUTH)

CaseFactory = Callable[..., TestCase]
OperationFactory = Callable[..., Operation]


# -- flags --------------------------------------------------------------------------------------------------------


def test_flags_build_one_identity_each() -> None:
    identities = identities_from_flags(
        bearer="tok-123456", basic="alice:pa:ss", api_keys=["header:X-Key=v=1", "query:k=v2", "cookie:sid=v3"]
    )
    assert [(i.name, i.kind, i.where, i.param_name) for i in identities] == [
        ("bearer", "bearer", None, None),
        ("basic", "basic", None, None),
        ("api_key_1", "api_key", "header", "X-Key"),
        ("api_key_2", "api_key", "query", "k"),
        ("api_key_3", "api_key", "cookie", "sid"),
    ]
    assert identities[1].username == "alice"
    assert identities[1].secret.get_secret_value() == "pa:ss"
    assert identities[2].secret.get_secret_value() == "v=1"  # only the first "=" separates name and value


@pytest.mark.parametrize("flag", ["X-Key=hunter22", "body:X-Key=hunter22", "header:=hunter22", "header:X-Key"])
def test_bad_api_key_flag_is_a_config_error_that_does_not_echo_the_secret(flag: str) -> None:
    with pytest.raises(ConfigError) as raised:
        identities_from_flags(api_keys=[flag])
    assert raised.value.code == "CONFIG_IDENTITIES"
    assert "hunter22" not in str(raised.value)


def test_bad_basic_flag_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="user:password") as raised:
        identities_from_flags(basic="no-colon")
    assert raised.value.code == "CONFIG_IDENTITIES"


def test_identity_repr_masks_the_secret() -> None:
    identity = identities_from_flags(bearer="very-secret-token")[0]
    assert "very-secret-token" not in repr(identity)
    assert "very-secret-token" not in str(identity)


# -- files --------------------------------------------------------------------------------------------------------

YAML_FILE = """
identities:
  - name: admin
    type: bearer
    token: ${ADMIN_TOKEN}
  - name: alice
    type: basic
    username: alice
    password: "pw-${ALICE_SUFFIX}"
  - name: key
    type: api_key
    in: header
    param: X-Api-Key
    value: ${API_KEY}
    scheme: HeaderKey
  - name: any-key
    type: apiKey
    value: literal-key
"""


def test_yaml_file_with_environment_references(tmp_path: Path) -> None:
    path = tmp_path / "ids.yaml"
    path.write_text(YAML_FILE)
    env = {"ADMIN_TOKEN": "adm-tok", "ALICE_SUFFIX": "42", "API_KEY": "key-from-env"}
    identities = load_identities_file(path, environ=env)
    assert [(i.name, i.kind, i.secret.get_secret_value()) for i in identities] == [
        ("admin", "bearer", "adm-tok"),
        ("alice", "basic", "pw-42"),
        ("key", "api_key", "key-from-env"),
        ("any-key", "api_key", "literal-key"),
    ]
    assert (identities[2].where, identities[2].param_name, identities[2].scheme) == ("header", "X-Api-Key", "HeaderKey")
    assert identities[3].where is None  # generic: placed by the spec's apiKey scheme


def test_json_file_reads_the_process_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_TEST_TOKEN", "env-token")
    path = tmp_path / "ids.json"
    path.write_text('{"identities": [{"name": "ci", "type": "bearer", "token": "${SENTINEL_TEST_TOKEN}"}]}')
    assert load_identities_file(path)[0].secret.get_secret_value() == "env-token"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("identities:\n  - name: a\n    type: bearer\n    token: ${NOPE_NOT_SET}\n", "NOPE_NOT_SET is not set"),
        ("identities:\n  - name: a\n    type: bearer\n", "identities[0] ('a'): a bearer identity needs 'token'"),
        ("identities:\n  - name: a\n    type: oauth\n    token: x\n", "'type' must be bearer, basic or api_key"),
        ("identities:\n  - name: a\n    type: bearer\n    tokn: x\n", "unknown keys tokn"),
        ("identities:\n  - name: a\n    type: api_key\n    value: v\n    in: body\n    param: p\n", "'in' must be"),
        ("identities:\n  - name: a\n    type: api_key\n    value: v\n    in: header\n", "both 'in' and 'param'"),
        ("identities:\n  - {name: a, type: bearer, token: x}\n  - {name: a, type: bearer, token: y}\n", "duplicate"),
        ("identities:\n  - type: bearer\n", "missing 'name'"),
        ("identities: {}\n", "top-level 'identities' list"),
        ("just text", "top-level 'identities' list"),
        ("identities:\n  - name: a\n    token: 'hunter22\n", "not valid YAML or JSON at line"),
    ],
)
def test_bad_files_are_config_errors_naming_the_entry(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "ids.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as raised:
        load_identities_file(path, environ={})
    assert raised.value.code == "CONFIG_IDENTITIES"
    assert message in str(raised.value)
    assert "hunter22" not in str(raised.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read identities file") as raised:
        load_identities_file(tmp_path / "absent.yaml")
    assert raised.value.code == "CONFIG_IDENTITIES"


# -- resolution ---------------------------------------------------------------------------------------------------


def bearer(name: str = "bearer", token: str = "tok-123456", scheme: str | None = None) -> Identity:
    return identities_from_flags(bearer=token)[0].model_copy(update={"name": name, "scheme": scheme})


def test_generic_api_key_goes_where_the_scheme_says(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    (key,) = identities_from_flags(api_keys=["header:X-Mine=k-value"])
    resolver = IdentityResolver([key], SCHEMES)
    parts = resolver.resolve(make_case(), make_operation(security=({"QueryKey": ()},)))
    assert parts == AuthParts(query=(("key", "k-value"),))


def test_bound_api_key_keeps_its_own_placement(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    (key,) = identities_from_flags(api_keys=["cookie:sid=k-value"])
    resolver = IdentityResolver([key.model_copy(update={"scheme": "QueryKey"})], SCHEMES)
    parts = resolver.resolve(make_case(), make_operation(security=({"QueryKey": ()},)))
    assert parts == AuthParts(cookies=(("sid", "k-value"),))


def test_first_satisfiable_alternative_wins_and_schemes_combine(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    basic, key = identities_from_flags(basic="u:p", api_keys=["header:X=k-value"])
    resolver = IdentityResolver([basic, key], SCHEMES)
    either = make_operation(security=({"BearerAuth": ()}, {"BasicAuth": ()}))
    both = make_operation(security=({"BasicAuth": (), "HeaderKey": ()},))
    token = base64.b64encode(b"u:p").decode()
    assert resolver.resolve(make_case(), either) == AuthParts(headers=(("Authorization", f"Basic {token}"),))
    assert resolver.resolve(make_case(), both) == AuthParts(
        headers=(("Authorization", f"Basic {token}"), ("X-Api-Key", "k-value"))
    )


def test_oauth2_uses_a_bearer_identity_and_global_security_applies(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    resolver = IdentityResolver([bearer()], SCHEMES, global_security=({"OAuth": ("read",)},))
    assert resolver.resolve(make_case(), make_operation()) == AuthParts(
        headers=(("Authorization", "Bearer tok-123456"),)
    )


def test_public_operations_get_no_credentials_unless_the_case_names_one(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    resolver = IdentityResolver([bearer()], SCHEMES, global_security=({"BearerAuth": ()},))
    public = make_operation(security=())
    assert resolver.resolve(make_case(), public) is None
    assert resolver.resolve(make_case(identity="bearer"), public) is not None


def test_spec_without_security_sends_the_first_identity(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    resolver = IdentityResolver([bearer()])
    assert resolver.resolve(make_case(), make_operation()) == AuthParts(
        headers=(("Authorization", "Bearer tok-123456"),)
    )


def test_case_identity_selects_anonymous_or_a_named_identity(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    resolver = IdentityResolver([bearer("user", "user-token"), bearer("admin", "admin-token")], SCHEMES)
    op = make_operation(security=({"BearerAuth": ()},))
    assert resolver.resolve(make_case(identity=ANONYMOUS), op) is None
    assert resolver.resolve(make_case(identity="admin"), op) == AuthParts(
        headers=(("Authorization", "Bearer admin-token"),)
    )
    assert resolver.resolve(make_case(), op) == AuthParts(headers=(("Authorization", "Bearer user-token"),))
    with pytest.raises(ConfigError, match="unknown identity 'root'"):
        resolver.resolve(make_case(identity="root"), op)


def test_no_matching_identity_means_no_credentials(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    resolver = IdentityResolver([bearer()], SCHEMES)
    assert resolver.resolve(make_case(), make_operation(security=({"BasicAuth": ()},))) is None


def test_secrets_cover_every_form_a_credential_takes() -> None:
    basic, key = identities_from_flags(basic="alice:p@ss word", api_keys=["query:k=a/b+c"])
    secrets = IdentityResolver([basic, key]).secrets()
    assert "p@ss word" in secrets
    assert base64.b64encode(b"alice:p@ss word").decode() in secrets
    assert "a/b+c" in secrets and "a%2Fb%2Bc" in secrets
