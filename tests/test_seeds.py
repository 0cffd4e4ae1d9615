"""The shipped seeds: every file loads, ids are unique, each listing is usable by its profile; a broken
seed file is reported with its path and key while the others still load. Nothing here is crawled."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from crawler.config import DEFAULT_SEEDS_DIR, SeedError, load_seeds
from crawler.profiles import get_profile

SEED_FILES = sorted(DEFAULT_SEEDS_DIR.glob("*.y*ml"))
MEE_COLUMNS = ("/ywdt/hjywnews/", "/ywdt/szyw/", "/ywdt/dfnews/", "/ywdt/xwfb/", "/ywdt/gsgg/", "/zcwj/bwj/")
PROVINCES = (
    "sthjt.hunan.gov.cn",
    "sthjt.zj.gov.cn",
    "sthj.hlj.gov.cn",
    "gdee.gd.gov.cn",
    "sthjt.jiangxi.gov.cn",
    "sthjt.sc.gov.cn",
    "sthjt.jiangsu.gov.cn",
    "sthj.shandong.gov.cn",
    "sthjt.henan.gov.cn",
    "sthjt.hubei.gov.cn",
)


def test_every_shipped_seed_loads():
    seeds = load_seeds(DEFAULT_SEEDS_DIR)
    assert seeds.errors == []
    assert len(seeds.sources) == len(SEED_FILES) >= 16


def test_ids_are_unique_and_equal_the_file_names():
    ids = [yaml.safe_load(path.read_text(encoding="utf-8"))["id"] for path in SEED_FILES]
    assert len(ids) == len(set(ids))
    assert ids == [path.stem for path in SEED_FILES]


def test_the_required_sources_are_shipped():
    sources = load_seeds(DEFAULT_SEEDS_DIR).sources.values()
    urls = [listing.url for source in sources for listing in source.listings]
    for column in MEE_COLUMNS:
        assert any(url.startswith("https://www.mee.gov.cn" + column) for url in urls), column
    domains = {domain for source in sources for domain in source.domains}
    assert set(PROVINCES) <= domains


PROVINCIAL_REGULATORS = 32  # the 31 provincial-level departments and the XPCC's bureau


def test_every_regulator_is_seeded_and_every_seed_names_its_evidence():
    sources = list(load_seeds(DEFAULT_SEEDS_DIR).sources.values())
    provincial = {source.org for source in sources if "province" in source.tags}
    assert len(provincial) == PROVINCIAL_REGULATORS, sorted(provincial)
    for source in sources:
        assert source.evidence, f"{source.id}: say what confirmed which part, when, how sure"
        if source.verified:
            assert any(e.confidence == "S" and "saved" in e.source for e in source.evidence), source.id


def test_sources_are_honest_about_what_is_assumed():
    for source in load_seeds(DEFAULT_SEEDS_DIR).sources.values():
        assert source.notes, f"{source.id}: say what is known and what is assumed"
        assert source.tags, source.id
        if not source.id.startswith("mee-"):
            assert source.verified is False, f"{source.id}: provincial structures are not confirmed"
    hubei = load_seeds(DEFAULT_SEEDS_DIR).get("hubei-sthjt")
    assert "412" in (hubei.notes or "") and "Ruishu" in (hubei.notes or "")


def test_schedules_are_spread_over_the_morning():
    sources = load_seeds(DEFAULT_SEEDS_DIR).sources.values()
    times = []
    for source in sources:
        minute, hour = source.schedule.split()[:2]
        assert all(5 <= int(h) <= 11 for h in hour.split(",")), source.id
        times.append((hour, minute))
    assert len(set(times)) == len(times)  # no two sources start at the same minute


def test_every_listing_gives_its_profile_usable_first_requests():
    for source in load_seeds(DEFAULT_SEEDS_DIR).sources.values():
        for listing in source.listings:
            requests = get_profile(listing.profile).first_requests(listing)
            assert requests, source.id
            for request in requests:
                assert re.match(r"^https?://[^/{}]+/", request.url), (source.id, request.url)
                assert "{page}" not in request.url and "{channel_id}" not in request.url
            if listing.profile == "json_api":
                params = listing.params
                if params.channel_id_pattern:
                    assert re.compile(params.channel_id_pattern).groups >= 1, source.id
                paged = f"{params.api} {params.query} {params.form}"
                assert "{page}" in paged or "{start}" in paged, source.id
                assert params.total or params.pages or params.assume_pages, source.id


# --- broken files ---------------------------------------------------------------------------------


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A copy of three shipped seeds to break one of."""
    for name in ("mee-hjywnews", "hunan-sthjt", "zhejiang-sthjt"):
        shutil.copy(DEFAULT_SEEDS_DIR / f"{name}.yaml", tmp_path / f"{name}.yaml")
    return tmp_path


@pytest.mark.parametrize(
    ("breakage", "key"),
    [
        (lambda text: text + "\nfrequency: daily\n", "frequency"),  # unknown key
        (lambda text: re.sub(r'schedule: "[^"]*"', 'schedule: "10 7 * *"', text), "schedule"),  # bad cron
        (lambda text: re.sub(r'schedule: "[^"]*"', 'schedule: "99 7 * * *"', text), "schedule"),
        (lambda text: text.replace("id: hunan-sthjt", "id: hunan"), "id"),  # id ≠ file name
        (lambda text: text.replace("id: hunan-sthjt", "id: Hunan_STHJT"), "id"),  # not a slug
        (lambda text: text.replace("  profile: json_api", "  profile: rss", 1), "listings.0.profile"),
        (
            lambda text: text.replace("  profile: json_api\n", "  profile: json_api\n  colour: red\n", 1),
            "listings.0.colour",
        ),
        (lambda text: text.replace("    per_page: 20", "    perpage: 20", 1), "listings.0.params"),
        (lambda text: "id: hunan-sthjt\nname: [unclosed\n", "(file)"),  # bad YAML
        (lambda text: "just a string\n", "(file)"),
    ],
)
def test_a_broken_seed_is_named_with_its_key_and_the_others_still_load(seed_copy: Path, breakage, key):
    broken = seed_copy / "hunan-sthjt.yaml"
    broken.write_text(breakage(broken.read_text(encoding="utf-8")), encoding="utf-8")
    seeds = load_seeds(seed_copy)
    assert sorted(seeds.sources) == ["mee-hjywnews", "zhejiang-sthjt"]
    assert len(seeds.errors) == 1
    error = seeds.errors[0]
    assert isinstance(error, SeedError)
    assert error.path == broken
    assert error.key == key
    assert str(broken) in str(error) and key in str(error)


def test_every_broken_file_is_reported_not_just_the_first(seed_copy: Path):
    (seed_copy / "a-bad.yaml").write_text("id: a-bad\n", encoding="utf-8")
    (seed_copy / "b-bad.yaml").write_text(": : :\n", encoding="utf-8")
    seeds = load_seeds(seed_copy)
    assert len(seeds.sources) == 3
    assert sorted(error.path.name for error in seeds.errors) == ["a-bad.yaml", "b-bad.yaml"]


def test_the_readme_example_is_a_valid_seed(tmp_path: Path) -> None:
    # The README shows every key of a seed file: it must stay loadable as the schema changes.
    readme = (DEFAULT_SEEDS_DIR.parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", readme, re.DOTALL)
    assert example is not None, "README.md lost its seed example"
    (tmp_path / "hunan-sthjt.yaml").write_text(example.group(1), encoding="utf-8")
    loaded = load_seeds(tmp_path)
    assert loaded.errors == [] and list(loaded.sources) == ["hunan-sthjt"]
    source = loaded.sources["hunan-sthjt"]
    assert source.revisit.days == (1, 3, 7, 30)
    assert source.listings[0].params.form["datas[0][key]"] == "status"
    assert [e.confidence for e in source.evidence] == ["C"]
    assert source.allowed_domains == ["hunan.gov.cn"]


@pytest.mark.parametrize(("hosts", "ok"), [("[sthj.example.gov.cn, 127.0.0.9]", True), ("[http://x.gov.cn/]", False), ("[x.gov.cn:80]", False)])
def test_allowed_domains_are_bare_host_names(tmp_path: Path, hosts: str, ok: bool) -> None:
    (tmp_path / "moved.yaml").write_text(
        "id: moved\nname: M\norg: O\nlistings:\n  - url: http://127.0.0.9/news/\n    profile: html\n"
        f"allowed_domains: {hosts}\n",
        encoding="utf-8",
    )
    loaded = load_seeds(tmp_path)
    assert (loaded.errors == []) is ok
    if not ok:
        assert "allowed_domains" in str(loaded.errors[0])
