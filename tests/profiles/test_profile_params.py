"""Profile params are strict models: a seed's typo is an error that names the key; every profile has one."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from crawler.config import Listing, load_seeds
from crawler.profiles import PROFILES
from crawler.profiles.params import PARAMS_MODELS, HanwebParams, JsonApiParams, TrsParams


def test_every_profile_declares_the_model_the_seed_is_checked_against():
    assert set(PROFILES) == set(PARAMS_MODELS)
    for name, profile in PROFILES.items():
        assert profile.params_model is PARAMS_MODELS[name]


def test_params_become_the_profiles_model():
    listing = Listing(url="https://a.example.gov.cn/col/col1/index.html", profile="hanweb", params={"columnid": 1})
    assert isinstance(listing.params, HanwebParams)
    assert listing.params.columnid == "1"
    assert isinstance(Listing(url="https://a.example.gov.cn/", profile="trs").params, TrsParams)
    assert isinstance(Listing(url="https://a.example.gov.cn/", profile="json_api", params=None).params, JsonApiParams)


@pytest.mark.parametrize(
    ("profile", "params", "named"),
    [
        ("hanweb", {"perpage": 15}, "params.perpage: unknown key for profile 'hanweb'"),
        ("trs", {"one_based": True}, "params.one_based: unknown key for profile 'trs'"),
        ("json_api", {"result": "data.list"}, "params.result: unknown key for profile 'json_api'"),
        ("html", {"page_url": "index_.html"}, "params.page_url: Value error, page_url must contain {n}"),
        ("json_api", {"method": "PUT"}, "params.method: Input should be 'GET' or 'POST'"),
        ("json_api", {"channel_id_pattern": "(unclosed"}, "not a regular expression"),
        ("trs", [1, 2], "params must be a mapping"),
    ],
)
def test_a_wrong_key_or_value_is_rejected_with_its_name(profile, params, named):
    with pytest.raises(ValidationError) as error:
        Listing(url="https://a.example.gov.cn/list/", profile=profile, params=params)
    assert named in str(error.value)


def test_the_known_keys_are_listed_in_the_error():
    with pytest.raises(ValidationError) as error:
        Listing(url="https://a.example.gov.cn/", profile="hanweb", params={"perpage": 15})
    assert "per_page" in str(error.value) and "columnid" in str(error.value)


def test_a_seed_file_with_a_typo_is_reported_and_the_others_still_load(tmp_path: Path):
    (tmp_path / "good.yaml").write_text(
        "id: good\nname: g\norg: o\nlistings: [{url: 'https://a.example.gov.cn/', profile: trs}]\n",
        encoding="utf-8",
    )
    (tmp_path / "typo.yaml").write_text(
        "id: typo\nname: t\norg: o\nlistings:\n  - url: https://a.example.gov.cn/\n    profile: json_api\n"
        "    params: {api: 'https://a.example.gov.cn/s?page={page}', per_pages: 20}\n",
        encoding="utf-8",
    )
    seeds = load_seeds(tmp_path)
    assert list(seeds.sources) == ["good"]
    [error] = seeds.errors
    assert error.key == "listings.0.params"
    assert "params.per_pages: unknown key for profile 'json_api'" in error.message


def test_evidence_is_validated():
    from crawler.config import Evidence

    assert Evidence(what="x", source="y", seen=2026, confidence="C").seen == "2026"
    assert Evidence(what="x", source="y", seen="2025-11", confidence="S").seen == "2025-11"
    with pytest.raises(ValidationError, match="seen must be YYYY or YYYY-MM"):
        Evidence(what="x", source="y", seen="last year", confidence="C")
    with pytest.raises(ValidationError, match="confidence"):
        Evidence(what="x", source="y", seen="2026", confidence="high")


def test_every_shipped_seed_survives_a_dump_and_reload():
    from crawler.config import Source

    for source in load_seeds().sources.values():
        dumped = source.model_dump(mode="json", exclude_defaults=True)
        assert Source.model_validate(dumped) == source, source.id
