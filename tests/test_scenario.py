"""Scenario fields: every one listed, overridable and sweepable the same way (issue 13)."""

import tomllib
from typing import get_args, get_origin

import pytest
from pydantic import BaseModel

from sim.experiments.design import load_plan, param_info
from sim.params import describe
from sim.scenario import Scenario, load_scenario


def field_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every leaf a scenario file can hold, walked from the annotations (not describe)."""
    out = []
    for name, info in model.model_fields.items():
        annotation, path = info.annotation, f"{prefix}{name}"
        if get_origin(annotation) is dict:
            continue  # the mechanisms table: each mechanism's parameters are listed apart
        inner = [
            a
            for a in (annotation, *get_args(annotation))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if inner:
            many = get_origin(annotation) is tuple
            out += field_paths(inner[0], f"{path}.N." if many else f"{path}.")
        else:
            out.append(path)
    return out


ROWS = describe(Scenario)


def test_every_field_a_scenario_can_hold_is_listed():
    assert sorted(r.path for r in ROWS) == sorted(field_paths(Scenario))


NUMBERS = [r for r in ROWS if type(r.default) in (int, float)]


@pytest.mark.parametrize("row", NUMBERS, ids=[r.path for r in NUMBERS])
def test_every_number_is_overridable_and_found_as_a_factor(row):
    key = row.path.replace(".N.", ".0.")  # Xianlu Xincun has two units
    spec = load_scenario("xianlu_xincun", {key: row.default})
    node = spec
    for part in key.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    assert node == row.default
    assert param_info(key) == row


@pytest.mark.parametrize(
    ("key", "values"),
    [("property_firm.strength", "[0.2, 0.8]"), ("units.1.spaces_after_hours", "[0, 60]")],
)
def test_units_and_property_firm_are_design_factors(tmp_path, key, values):
    path = tmp_path / "exp.toml"
    path.write_text(
        f"""
scenario = "xianlu_xincun"
days = 5
replicates = 2
metrics = ["satisfaction_mean"]
[arms]
base = ["administrative"]
[design]
kind = "factorial"
[design.factors]
"{key}" = {values}
""",
        encoding="utf-8",
    )
    plan = load_plan(path)  # validates every level against the base scenario
    levels = [point.values[key] for point in plan.points]
    assert levels == tomllib.loads(f"v = {values}")["v"]
