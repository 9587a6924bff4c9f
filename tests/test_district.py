"""A reduced district: invariants, the shared queue, worker-count independence, the CLI."""

import json
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.experiments.district import (
    DistrictSpec,
    allocate,
    build,
    load_district,
    recipes,
    run_district,
)
from sim.experiments.execution import executor
from sim.inputs import InputError
from sim.metrics import METRICS

MINI = """
name = "mini"
mechanisms = ["joint_meeting", "issue_committee", "cloud_consultation"]
exchange_days = 30
district_capacity_per_month = 3.0
[[sub_districts]]
name = "a"
capacity_per_month = 2.0
communities = [{ scenario = "xianlu_xincun", residents = [400, 350] },
               { scenario = "zhijia_garden", residents = [300] }]
[[sub_districts]]
name = "b"
capacity_per_month = 2.0
communities = [{ scenario = "xianlu_xincun", residents = [300] },
               { scenario = "qixia_affordable", residents = [400] }]
"""
DAYS = 90


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("district") / "mini.toml"
    path.write_text(MINI, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def result(mini):
    return run_district(mini, days=DAYS, seed=2)


def one_sub_district(communities: int, capacity: float = 4.0) -> DistrictSpec:
    """A sub-district of ``communities`` small old estates, no district pool."""
    return DistrictSpec.model_validate(
        {
            "name": "one",
            "exchange_days": 365,
            "district_capacity_per_month": 0.0,
            "sub_districts": [
                {
                    "name": "s",
                    "capacity_per_month": capacity,
                    "communities": [
                        {"scenario": "xianlu_xincun", "residents": [500] * communities}
                    ],
                }
            ],
        }
    )


def test_gulou_has_120_communities_of_about_3000_residents():
    spec = load_district("gulou")
    assert spec.n_communities == 120 and len(spec.sub_districts) == 12
    sizes = [r for s in spec.sub_districts for g in s.communities for r in g.residents]
    assert 2800 <= np.mean(sizes) <= 3200
    assert all(
        len([r for g in s.communities for r in g.residents]) == 10 for s in spec.sub_districts
    )


def test_metrics_cover_every_community_and_day_within_bounds(result):
    m = result.metrics
    assert len(m) == 5 * DAYS and set(m["sub_district"]) == {"a", "b"}
    assert m.groupby("community")["day"].apply(lambda d: list(d) == list(range(DAYS))).all()
    assert list(m.columns[2:]) == list(METRICS)
    for col in ("participation_rate", "satisfaction_mean", "trust_mean", "policy_awareness"):
        assert m[col].between(0, 1).all(), col
    assert (
        m.groupby("community")["escalations_total"].apply(lambda s: s.is_monotonic_increasing).all()
    )
    assert result.manifest["residents"] == 400 + 350 + 300 + 300 + 400


def test_queue_loses_nothing_and_respects_capacity_and_delay(result):
    q = result.queues
    for name, qs in q.groupby("sub_district"):
        escalated = result.metrics.query("sub_district == @name and day == @DAYS - 1")[
            "escalations_total"
        ].sum()
        assert escalated == qs["served"].sum() + qs["queue"].iloc[-1]  # every escalation queued
        credit = (qs["capacity_per_month"] / 30).cumsum()
        assert (qs["served"].cumsum() <= credit + 1).all()
        assert all(w >= 7 for w in result.waits[name])  # min_days
    assert q["served"].sum() > 0 and sum(map(len, result.waits.values())) == q["served"].sum()


def test_communities_of_a_sub_district_share_one_queue():
    (plan,) = recipes(one_sub_district(3), 0, ("joint_meeting", "cloud_consultation"))
    state = build(plan)
    queues = {
        id(mech.queue)
        for model in state.models
        for mech in model.mechanisms
        if mech.name == "cloud_consultation"
    }
    assert queues == {id(state.queue)} and len(state.models) == 3


def test_more_escalating_communities_lengthen_waits():
    """Same capacity (four issues a month), 2 against 8 communities escalating about one
    issue a month each: the queue saturates. When written: mean waits 11 against 92 days,
    largest backlogs 3 against 72; we assert twice the wait and a larger backlog."""
    mechanisms = ["cloud_consultation"]
    few = run_district(one_sub_district(2), 240, seed=5, mechanisms=mechanisms)
    many = run_district(one_sub_district(8), 240, seed=5, mechanisms=mechanisms)
    assert np.mean(many.waits["s"]) > 2 * np.mean(few.waits["s"])
    assert many.queues["queue"].max() > few.queues["queue"].max()


def test_district_capacity_follows_backlog():
    spec = load_district("gulou")
    capacity = allocate(spec, [0] * 12)
    assert capacity == pytest.approx([12 + 24 / 12] * 12)
    capacity = allocate(spec, [3, 1] + [0] * 10)
    assert capacity[:3] == pytest.approx([12 + 18, 12 + 6, 12])


def test_results_do_not_depend_on_the_number_of_workers(mini, result, tmp_path):
    """In process, on one worker (states as bytes) and on two (states as files)."""
    for workers, store in ((1, None), (2, tmp_path)):
        with executor(workers) as pool:
            other = run_district(
                mini, days=DAYS, seed=2, executor=pool, in_flight=workers + 1, store=store
            )
        assert other.metrics.equals(result.metrics), workers
        assert other.queues.equals(result.queues) and other.waits == result.waits
    assert not run_district(mini, days=DAYS, seed=3).metrics.equals(result.metrics)


def test_loader_names_bad_input(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(MINI.replace('"zhijia_garden"', '"nowhere"'), encoding="utf-8")
    with pytest.raises(InputError, match="nowhere"):
        load_district(bad)
    bad.write_text(MINI.replace('"issue_committee"', '"committee"'), encoding="utf-8")
    with pytest.raises(InputError, match="unknown mechanism"):
        load_district(bad)
    with pytest.raises(InputError, match="no such district"):
        load_district("atlantis")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("residents = [300]", "residents = [true]", "sub_districts.0.communities.1.residents.0"),
        ("residents = [300]", "residents = [300.0]", "sub_districts.0.communities.1.residents.0"),
    ],
)
def test_loader_refuses_a_boolean_or_fraction_as_a_size(tmp_path, old, new, field):
    bad = tmp_path / "bad.toml"
    assert old in MINI
    bad.write_text(MINI.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError, match="valid integer") as exc:
        load_district(bad)
    assert exc.value.field == field and exc.value.source == str(bad)


def test_cli_runs_a_district_and_writes_its_tables(mini, tmp_path, capsys):
    assert main(["district", "run", str(mini), "--days", "20", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 sub-districts, 5 communities" in out and "wait_days" in out
    assert {p.name for p in tmp_path.iterdir()} == {
        "metrics.parquet",
        "queues.parquet",
        "manifest.json",
    }
    assert main(["district", "run", "atlantis"]) == 2


# ------------------------------------------------------------------ issue 13: sharp edges
def test_cli_out_is_atomic_and_records_versions_and_commit(mini, tmp_path, capsys):
    from sim.files import git_commit

    out = tmp_path / "out"
    assert main(["district", "run", str(mini), "--days", "5", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["versions"]["numpy"] == np.__version__
    assert {"cogov", "mesa", "python", "pandas", "pyarrow"} <= set(manifest["versions"])
    assert manifest["git_commit"] == git_commit()
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("where", ["file", "/dev/null", "below_file"])
def test_cli_refuses_a_bad_out_before_the_run(mini, tmp_path, capsys, where):
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    target = {
        "file": tmp_path / "f.txt",
        "/dev/null": "/dev/null",
        "below_file": tmp_path / "f.txt" / "sub",
    }[where]
    assert main(["district", "run", str(mini), "--days", "5", "--out", str(target)]) == 2
    out, err = capsys.readouterr()
    assert "sub-districts" not in out  # refused before the district was even loaded
    assert err.startswith("cogov: error: --out: ") and err.count("\n") == 1


def test_seed_uses_the_run_commands_type(mini, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["district", "run", str(mini), "--seed", "-1"])
    assert exc.value.code == 2
    assert "--seed: must be at least 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="seed: must be 0 or more"):
        run_district(mini, days=1, seed=-1)


def test_community_errors_name_the_district_file_and_the_entry(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(MINI.replace('"zhijia_garden"', '"nowhere"'), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_district(bad)
    assert str(exc.value).startswith(f"{bad}: sub_districts.0.communities.1.scenario: ")
    bad.write_text(MINI.replace("residents = [300] }", "residents = [1] }", 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_district(bad)
    assert str(exc.value).startswith(f"{bad}: sub_districts.0.communities.1.residents.0: ")
    assert "population.residents" in str(exc.value)
    bad.write_text(MINI.replace("exchange_days = 30", "exchange_dayz = 30"), encoding="utf-8")
    with pytest.raises(InputError, match="did you mean 'exchange_days'"):
        load_district(bad)


def test_mechanism_lists_may_have_spaces_and_unknown_names_are_refused_first(mini):
    result = run_district(mini, days=2, mechanisms="joint_meeting, cloud_consultation")
    assert result.manifest["mechanisms"] == ["joint_meeting", "cloud_consultation"]
    with pytest.raises(ValueError, match="unknown mechanism 'nope'"):
        run_district(mini, days=2, mechanisms="joint_meeting,nope")
