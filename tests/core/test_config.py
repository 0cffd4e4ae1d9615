"""Seed loading: valid files load; a broken one is named with its key and the others still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import SeedError, load_seeds, load_source

GOOD = """\
id: {id}
name: 测试源
org: 测试厅
listings:
  - url: http://127.0.0.1:1/col/
    profile: trs
schedule: "0 7 * * *"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_seed_loads_with_defaults(tmp_path: Path) -> None:
    source = load_source(write(tmp_path, "good-one", GOOD.format(id="good-one")))
    assert source.enabled and source.max_pages == 3 and source.revisit.days == (1, 3, 7, 30)
    assert source.domains == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (GOOD.format(id="bad-one") + "colour: red\n", "colour"),
        (GOOD.format(id="bad-one").replace("profile: trs", "profile: wordpress"), "listings.0.profile"),
        (GOOD.format(id="bad-one").replace('"0 7 * * *"', '"every day"'), "schedule"),
        (GOOD.format(id="bad-one").replace("http://127.0.0.1:1/col/", "ftp://x"), "listings.0.url"),
        (GOOD.format(id="other-id"), "id"),
        ("id: [unclosed", "(file)"),
        ("- just\n- a list\n", "(file)"),
        (GOOD.format(id="bad-one").replace("listings:", "listings: []\nx:").split("\n  - url")[0], "listings"),
    ],
)
def test_broken_seed_names_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    write(tmp_path, "good-one", GOOD.format(id="good-one"))
    bad = write(tmp_path, "bad-one", text)
    seeds = load_seeds(tmp_path)
    assert list(seeds.sources) == ["good-one"]
    assert len(seeds.errors) == 1
    error = seeds.errors[0]
    assert isinstance(error, SeedError)
    assert error.path == bad
    assert error.key.startswith(key)
    assert str(bad) in str(error)


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    seeds = load_seeds(tmp_path / "nope")
    assert not seeds.sources and seeds.errors[0].key == "(folder)"


def test_unknown_source_lists_known(tmp_path: Path) -> None:
    write(tmp_path, "good-one", GOOD.format(id="good-one"))
    with pytest.raises(KeyError, match="good-one"):
        load_seeds(tmp_path).get("missing")
