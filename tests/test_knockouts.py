"""The knock-out table's directions at a cheap size (issue 20 "Done when"; causal_core.md 6).

Each row is read from the experiment files the docs table comes from
(``experiments/knockouts.toml``, ``experiments/knockouts_firm.toml``): the knocked-out arm's
``set``, its ``versus`` (full) arm and its ``expect``, so the test and the docs cannot disagree.
Full and knocked-out runs share seeds (paired, common random numbers); a full arm's runs are
computed once and shared by every row that uses it. Only the rows that met their bar in the
docs run (docs/model.md, "Knock-outs") are asserted; the others are listed with the reason.

Size: 1,200 residents, with households and absolute parking spaces scaled alike (3/8 of
Xianlu Xincun, so the shortage per car stays), a 365-day spin-up (K23: the 730 of the scenario,
:data:`OWN_SPINUP`) and 365 days, 3 paired seeds
(30 arms x 3 seeds take about 80 s of CPU, as 22 arms x 4 seeds did before). Tolerance: the
claim is the sign of the mean paired difference. In the docs run (6 pairs, 1,096 days) each
asserted row's difference exceeded the full arm's replicate sd with a 95 % CI excluding 0; a
sign over 3 pairs of the shorter run keeps that claim while failing when a change removes or
reverses the process's effect. A ``differs`` row asserts the sign it met in the docs run
(:data:`DIFFERS_SIGN`): at this size a two-sided t interval over 3 pairs is too wide for it.
An ``unchanged`` row (an effect the evidence expects to be too small to show, K9) asserts that the
mean paired difference stays within the full arm's sd over the same seeds, as in the docs run.
K19 is also tested as a difference of two contrasts (:data:`CONTROLS`,
:func:`test_procedural_justice_in_trust`).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from sim.experiments.design import load_experiment
from sim.model import CommunityModel

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "knockouts": ROOT / "experiments" / "knockouts.toml",
    "knockouts_firm": ROOT / "experiments" / "knockouts_firm.toml",
}
SEEDS = range(3)
DAYS = 365
#: Half of each estate, absolute spaces halved with the households (scenario files).
CHEAP = {
    "xianlu_xincun": {
        "population.residents": 1200,
        "population.households": 382,
        "units.0.spaces_after_hours": 11,
        "units.1.spaces_after_hours": 22,
        "sub_district.street_spaces": 15,
        "behaviour.spinup_days": 365,
    },
    "zhijia_garden": {
        "population.residents": 1200,
        "population.households": 425,
        "sub_district.street_spaces": 10,
        "behaviour.spinup_days": 365,
    },
}
#: Rows about the spin-up itself run with the scenario's own 730-day spin-up (the full arm's
#: state after it): after the cheap 365-day one the baseline is still settling, and K23's paired
#: difference took either sign (8 seeds: -0.063 to +0.024), while after 730 days all 8 were
#: negative (-0.095 to -0.018), as in the docs run.
OWN_SPINUP = {"k23_spinup"}
#: ``arm:summary`` rows that did not meet their bar in the docs run, so no direction is
#: asserted (why: the docs' "Knock-outs" table).
NOT_MET = {
    "k01_voice_pre:satisfaction",
    "k01_voice_pre:trust",
    "k01_voice_pre:satisfaction_heard",
    "k01_voice_pre:trust_heard",
    "k02_voice_post:satisfaction",
    "k05_group_size:participation",
    "k05_group_size:stake_gradient",
    "k06_individual:conflicts",
    "k06_individual:compliance_spread",
    "k12_property_firm:satisfaction",
    "k12_property_firm:satisfaction_run",
    "k18_disconfirmation:satisfaction",
    "k18_disconfirmation:satisfaction_run",
    "k19_procedural_trust:trust",
    "k19_procedural_trust:trust_voiced",
    "k19b_pj_lowered:trust_heard",
    "k21_locality:participation",
    "k21_locality:compliance_spread",
    "k21_locality:participation_clustering",
}
#: Arms contrasted with a full arm without an expected direction: the control of another row
#: (a difference of two contrasts), by the row it controls.
CONTROLS = {"k19c_pj_lowered_dj": "k19b_pj_lowered"}
#: The sign a ``differs`` row met in the docs run. K7: without neighbours' compliance
#: conflicts rise; K23: starting from the fixed initial stocks instead of the spun-up state
#: lowers the run's mean satisfaction (docs/model.md).
DIFFERS_SIGN = {"k07_neighbours:conflicts": 1, "k23_spinup:satisfaction_run": -1}


@functools.cache
def _experiment(file: str):
    return load_experiment(FILES[file])


def _rows() -> list[tuple[str, str, str, str]]:
    """(file, knocked-out arm, summary, direction) for every stated expectation."""
    rows = []
    for file in FILES:
        exp, _, _ = _experiment(file)
        for name, arm in exp.arms.items():
            rows += [(file, name, s, d) for s, d in arm.expect.items()]
    return rows


@functools.cache
def _summaries(file: str, arm_name: str, seed: int, own_spinup: bool = False) -> dict[str, float]:
    """One cheap run's summaries, as the experiment file defines them."""
    exp, bases, _ = _experiment(file)
    (scenario,) = bases
    arm = exp.arms[arm_name]
    cheap = dict(CHEAP[scenario])
    if own_spinup:
        del cheap["behaviour.spinup_days"]
    model = CommunityModel(
        bases[scenario],
        rng=seed,
        mechanisms=list(arm.mechanisms),
        overrides={**cheap, **arm.overrides},
    )
    table = model.run(DAYS)
    out = {}
    for name, s in exp.summaries.items():
        col = table[s.metric] - table[s.minus] if s.minus else table[s.metric]
        out[name] = float(col.iloc[-1] if s.stat == "last" else col.agg(s.stat))
    return out


def test_rows_are_paired_with_a_full_arm():
    """Every knocked-out arm names a full arm with the same mechanisms and states a direction."""
    for file in FILES:
        exp, _, _ = _experiment(file)
        knocked = {n: a for n, a in exp.arms.items() if a.versus}
        assert knocked, file
        for name, arm in knocked.items():
            full = exp.arms[arm.versus]
            assert arm.overrides
            assert arm.expect or name in CONTROLS, name
            assert set(full.mechanisms) == set(arm.mechanisms), arm
            assert not full.versus, "a full arm is not itself a knock-out"


@pytest.mark.parametrize(
    ("file", "arm", "summary", "direction"),
    [r for r in _rows() if f"{r[1]}:{r[2]}" not in NOT_MET],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_knockout_direction(file, arm, summary, direction):
    """Switching the process off moves its outcome in the stated direction (paired seeds)."""
    exp, _, _ = _experiment(file)
    full, own = exp.arms[arm].versus, arm in OWN_SPINUP
    d = np.array(
        [
            _summaries(file, arm, s, own)[summary] - _summaries(file, full, s, own)[summary]
            for s in SEEDS
        ]
    )
    assert not np.isnan(d).any(), d
    if direction == "higher":
        assert d.mean() > 0, d
    elif direction == "lower":
        assert d.mean() < 0, d
    elif direction == "unchanged":
        noise = np.std([_summaries(file, full, s, own)[summary] for s in SEEDS], ddof=1)
        assert abs(d.mean()) < noise, (d, noise)
    else:
        assert np.sign(d.mean()) == DIFFERS_SIGN[f"{arm}:{summary}"], d


def test_procedural_justice_in_trust():
    """K19: the PJ that voice adds lifts the heard's trust only while PJ is in trust's target.

    ``trust_dj_weight = 1`` swaps PJ for DJ in the target, so trust moves by the sign of DJ − PJ
    at trust events: down after decisions with authority and voice (their ``PJ_issue`` is
    high), up after top-down ones (docs/model.md, K19). Here the residents' PJ stock itself is
    lowered (voice no longer lifts it): the heard's trust falls with PJ in the target
    (k19b − full_jm; the stock enters a decision's ``PJ_issue`` by half and the other trust
    events whole) by more than when the target is DJ alone (k19c − full_jm_dj, where PJ reaches
    trust by no path). Tolerance: the sign of the mean paired difference of the two contrasts
    over the paired seeds, as for the rows above. In the docs run the control is exactly 0 and
    the difference below the noise bar (docs/model.md, K19), so this checks the path's
    direction, not a met row.
    """
    file, summary = "knockouts", "trust_heard"
    exp, _, _ = _experiment(file)
    ((control, row),) = CONTROLS.items()

    def contrast(arm: str, seed: int) -> float:
        full = exp.arms[arm].versus
        return _summaries(file, arm, seed)[summary] - _summaries(file, full, seed)[summary]

    d = np.array([contrast(row, s) - contrast(control, s) for s in SEEDS])
    assert not np.isnan(d).any(), d
    assert d.mean() < 0, d
