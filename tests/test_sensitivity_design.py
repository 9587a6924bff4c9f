"""The sensitivity experiment varies the structural parameters beside the behavioural ones.

Issue 20 item 8: the Sobol design left out what drives results (complexity, capacity, support
and resources, arrival and conflict rates). These tests read experiments/sensitivity.toml.
"""

from sim.experiments.design import load_experiment
from sim.mechanisms import MECHANISMS

#: The structural parameters the design must vary, by the names sim/params.py and the
#: mechanisms declare (issue 20 item 8; docs/calibration.md, Sensitivity).
STRUCTURAL = {
    "issues.parking.complexity",  # complexity
    "committee.capacity",  # capacity
    "mechanisms.joint_meeting.unit_support",  # support: units at the joint meeting
    "mechanisms.issue_committee.support",  # support: the issue committee's pledge
    "units.0.resources",  # resources: the kindergarten
    "units.1.resources",  # resources: the industrial park
    "sub_district.resources",  # resources: the departments
    "issues.parking.rate.old_estate",  # arrival rate (Xianlu Xincun is an old estate)
    "parking.kappa_grab",  # conflict rate of unmet demand
    "parking.spaces_per_household",  # the shortage conflicts come from
}
#: The behavioural parameters it varied before item 8 (they stay).
BEHAVIOURAL = {
    "behaviour.b0",
    "behaviour.ask_personal",
    "behaviour.sat_performance",
    "behaviour.trust_neg_ratio",
    "committee.admin_share",
    "behaviour.theta_mean",
    "behaviour.voice_pre",
    "population.online_share_elderly",
}


def value(scenario, key):
    """The scenario's value at a dotted key (a mechanism's from its parameter defaults)."""
    parts = key.split(".")
    if parts[0] == "mechanisms":
        params = MECHANISMS[parts[1]].Params(**scenario.mechanisms.get(parts[1], {}))
        return getattr(params, parts[2])
    obj = scenario
    for part in parts:
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def test_sensitivity_design_varies_every_structural_and_behavioural_parameter():
    exp, _, _ = load_experiment("sensitivity")
    factors = set(exp.design.factors)
    assert not STRUCTURAL - factors, f"structural factors missing: {sorted(STRUCTURAL - factors)}"
    assert not BEHAVIOURAL - factors, (
        f"behavioural factors missing: {sorted(BEHAVIOURAL - factors)}"
    )


def test_every_factor_range_is_around_the_scenarios_value():
    """Each range brackets the value the community runs with, so the indices are local to
    the model as shipped (a range beside the default would measure another model)."""
    exp, bases, _ = load_experiment("sensitivity")
    (scenario,) = bases.values()
    for key, factor in exp.design.factors.items():
        assert factor.low < value(scenario, key) < factor.high, key
