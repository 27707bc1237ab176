"""Campaign files: the format, its published JSON Schema, and the errors users see."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from actors.campaign import Campaign, json_schema, load_campaign, parse_duration
from actors.ratelimit import RateLimit
from agent_core.errors import ConfigError
from tests.fixtures.corpus import REPO

EXAMPLE = REPO / "examples" / "campaign" / "campaign.yaml"
SCHEMA = REPO / "docs" / "campaign.schema.json"


def test_the_published_schema_is_the_one_the_code_enforces() -> None:
    # docs/campaign.schema.json is generated: `sentinel campaign schema > docs/campaign.schema.json`.
    assert json.loads(SCHEMA.read_text()) == json_schema()


def test_the_example_campaign_is_valid_for_the_schema_and_the_loader() -> None:
    raw = yaml.safe_load(EXAMPLE.read_text())
    jsonschema.Draft202012Validator(json_schema()).validate(raw)
    campaign, root = load_campaign(EXAMPLE)
    assert root == EXAMPLE.parent
    assert [t.name for t in campaign.targets] == ["shop", "library", "weather"]
    for target in campaign.targets:
        assert (root / target.spec).is_file(), target.spec
        if target.identities:
            assert (root / target.identities).is_file(), target.identities
    assert campaign.targets[1].limit() == RateLimit(100, 5)
    assert campaign.budget.deadline_s == 600


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 2}, "version"),
        ({"targets": []}, "targets"),
        ({"bus": "rabbitmq"}, "bus"),
        ({"bus": "kafka", "store": "all"}, "pipeline consume"),
        ({"budget": {"deadline": "soon"}}, "not a duration"),
        ({"targets": [{"name": "a", "spec": "x.yaml", "base_url": "ftp://a"}]}, "base_url"),
        ({"targets": [{"name": "Bad Name", "spec": "x.yaml", "base_url": "http://a"}]}, "name"),
        ({"targets": [{"name": "a", "spec": "x", "base_url": "http://a", "rate_limit": -1}]}, "rate_limit"),
        ({"targets": [{"name": "a", "spec": "x", "base_url": "http://a", "surprise": 1}]}, "surprise"),
        (
            {
                "targets": [
                    {"name": "a", "spec": "x", "base_url": "http://a"},
                    {"name": "a", "spec": "y", "base_url": "http://b"},
                ]
            },
            "unique",
        ),
    ],
)
def test_a_bad_campaign_is_refused_with_its_place_in_the_file(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text()) | change
    file = tmp_path / "campaign.yaml"
    file.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=message) as caught:
        load_campaign(file)
    assert caught.value.code == "CONFIG_CAMPAIGN"
    # The schema refuses the same files, so editors flag them before a run does.
    if message not in ("not a duration", "unique", "pipeline consume"):
        assert list(jsonschema.Draft202012Validator(json_schema()).iter_errors(raw))


@pytest.mark.parametrize(
    "content",
    [b"targets: [unclosed", b"- just\n- a list\n", b"", b"\xff\xfe not text"],
)
def test_unreadable_campaign_files_get_a_clear_error(tmp_path: Path, content: bytes) -> None:
    file = tmp_path / "campaign.yaml"
    file.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_campaign(file)
    assert caught.value.code == "CONFIG_CAMPAIGN"


def test_missing_and_huge_campaign_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_campaign(tmp_path / "absent.yaml")
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (2 * 1024 * 1024))
    with pytest.raises(ConfigError, match="over"):
        load_campaign(huge)


def test_durations() -> None:
    assert parse_duration("90s") == 90
    assert parse_duration("30m") == 1800
    assert parse_duration("1.5h") == 5400
    assert parse_duration(12) == 12
    for bad in ("0s", "-3m", "ten minutes", "5y"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_store_shorthands() -> None:
    base = {"version": 1, "name": "c", "targets": [{"name": "a", "spec": "x", "base_url": "http://a"}]}
    assert Campaign.model_validate(base).stores() == ()
    assert Campaign.model_validate(base | {"store": "all"}).stores() == ("postgres", "elasticsearch")
    assert Campaign.model_validate(base | {"store": ["postgres", "postgres"]}).stores() == ("postgres",)
