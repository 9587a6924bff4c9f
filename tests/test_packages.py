"""The zones' packages are declared once (sim.mechanisms.PACKAGES); experiment files follow them."""

import tomllib
from pathlib import Path

import pytest

from sim.mechanisms import MECHANISMS, PACKAGES
from sim.ui.state import RunConfig, package_of

EXPERIMENTS = sorted((Path(__file__).parents[1] / "experiments").glob("*.toml"))


def arms(path: Path) -> dict[str, list[str]]:
    """An experiment file's arms as lists of mechanism names (a table arm: its ``mechanisms``)."""
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("arms", {})
    return {k: v["mechanisms"] if isinstance(v, dict) else v for k, v in raw.items()}


def test_every_packaged_mechanism_is_registered_and_titled():
    assert set(PACKAGES) == {"gulou", "qixia", "jianye", "yunlong", "gusu"}
    for name, package in PACKAGES.items():
        assert package.title and package.title_zh, name
        assert package.mechanisms, name
        assert set(package.mechanisms) <= set(MECHANISMS), name
        assert "administrative" not in package.mechanisms, name  # the baseline, always on
        assert len(set(package.mechanisms)) == len(package.mechanisms), name


def test_zones_experiment_runs_every_package():
    assert set(PACKAGES) <= set(arms(Path(__file__).parents[1] / "experiments" / "zones.toml"))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_arms_named_after_a_package_are_that_package(path):
    for arm, mechanisms in arms(path).items():
        if arm in PACKAGES:
            assert set(mechanisms) - {"administrative"} == set(PACKAGES[arm].mechanisms), (
                f"{path.name}: arm {arm!r} differs from sim.mechanisms.PACKAGES[{arm!r}]"
            )


def test_choosing_a_package_sets_exactly_its_mechanisms():
    config = RunConfig(mechanisms_a=tuple(MECHANISMS)).with_compare(True)
    for name, package in PACKAGES.items():
        for which in ("A", "B"):
            chosen = config.with_package(which, name)
            got = chosen.mechanisms_a if which == "A" else chosen.mechanisms_b
            assert set(got) == {"administrative", *package.mechanisms}, (name, which)
            assert list(got) == [n for n in MECHANISMS if n in got]  # registry order
            assert package_of(got) == name
            other = chosen.mechanisms_b if which == "A" else chosen.mechanisms_a
            assert other == tuple(MECHANISMS)  # the other set is untouched
    assert package_of(("administrative",)) is None
    assert package_of(tuple(MECHANISMS)) is None
