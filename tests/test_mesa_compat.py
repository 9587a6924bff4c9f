"""CommunityModel with Mesa's own tools, used as a Mesa user would: batch_run and SolaraViz.

Mesa 3.5.1's ``batch_run`` reads the steps to report from the model's DataCollector
(``_collection_steps``) and stops a run when ``model.running`` turns False; its SolaraViz
re-creates the model from the page's ``model_params`` on Reset.
"""

import pickle
import time
import warnings

import ipyvuetify as v
import mesa
import numpy as np
import pytest
import solara
from mesa.experimental.scenarios import Scenario as MesaScenario
from mesa.visualization import Slider, SolaraViz, make_plot_component

from sim.metrics import METRICS
from sim.model import CommunityModel

SMALL = {"population__residents": 300, "population__households": 100}


def test_batch_run_returns_a_row_per_collected_day_per_run():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Mesa deprecates iterations=
        rows = mesa.batch_run(
            CommunityModel,
            parameters={**SMALL, "scenario": "zhijia_garden", "committee__admin_share": [0.3, 0.9]},
            iterations=2,
            max_steps=30,
            data_collection_period=1,
            display_progress=False,
        )
    assert len(rows) == 2 * 2 * 30
    assert {r["Step"] for r in rows} == set(range(1, 31))
    assert all(set(METRICS) <= set(r) for r in rows)
    # Mesa's Step n is the n-th step, cogov's day n - 1
    assert all(r["day"] == r["Step"] - 1 for r in rows)


def test_batch_run_rows_are_the_models_daily_metrics():
    rows = mesa.batch_run(
        CommunityModel,
        parameters={**SMALL, "committee__admin_share": 0.3},
        rng=[5],
        max_steps=20,
        data_collection_period=1,
        display_progress=False,
    )
    direct = CommunityModel(rng=5, committee__admin_share=0.3, **SMALL).run(20)
    for name in METRICS:
        np.testing.assert_array_equal(
            [r[name] for r in rows], direct[name].to_numpy(), err_msg=name
        )
    last = mesa.batch_run(
        CommunityModel,
        parameters={**SMALL, "committee__admin_share": 0.3},
        rng=[5],
        max_steps=20,
        display_progress=False,
    )  # default: last step
    assert len(last) == 1 and last[0]["Step"] == 20 and last[0]["day"] == 19


def test_datacollector_is_one_object_kept_in_step():
    model = CommunityModel(rng=1, **SMALL)
    dc = model.datacollector
    model.run(3)
    assert model.datacollector is dc
    assert dc._collection_steps == [1, 2, 3]
    assert dc.get_model_vars_dataframe().equals(model.metrics())
    assert list(dc.model_vars["day"]) == [0, 1, 2]
    model.drain_metrics()
    model.step()
    assert dc._collection_steps == [4] and dc.model_vars["day"] == [3]


def test_running_turns_false_at_the_horizon():
    model = CommunityModel(rng=1, days=3, **SMALL)
    for _ in range(2):
        model.step()
        assert model.running
    model.step()
    assert not model.running and model.day == 3
    rows = mesa.batch_run(
        CommunityModel,
        parameters={**SMALL, "days": 4},
        rng=[1],
        max_steps=1000,
        data_collection_period=1,
        display_progress=False,
    )
    assert [r["day"] for r in rows] == [0, 1, 2, 3]


def test_a_mesa_scenario_object_is_accepted():
    scenario = MesaScenario(rng=7, committee__admin_share=0.2, **SMALL)
    model = CommunityModel(scenario=scenario)
    same = CommunityModel(rng=7, committee__admin_share=0.2, **SMALL)
    assert model.spec == same.spec and model.spec.committee.admin_share == 0.2
    assert model.run(5).equals(same.run(5))


# ---------------------------------------------------------------------------- SolaraViz
@pytest.fixture
def viz():
    """A Mesa user's SolaraViz page: a community, a seed, a slider and a chart."""
    params = {
        "scenario": "zhijia_garden",
        "rng": 3,
        "days": 4,
        **SMALL,
        "committee__admin_share": Slider("admin share", 0.5, 0.0, 1.0, 0.1),
    }
    model = solara.reactive(
        CommunityModel("zhijia_garden", rng=3, days=4, committee__admin_share=0.5, **SMALL)
    )

    @solara.component
    def Page():  # noqa: N802 (Solara components are named in CapWords)
        with solara.AppLayout():  # SolaraViz's controls live in the app's sidebar
            SolaraViz(
                model,
                components=[make_plot_component("participation_rate")],
                model_params=params,
                play_interval=1,
            )

    _, rc = solara.render(Page(), handle_error=False)
    yield model, rc
    rc.close()


def button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def test_solaraviz_steps_to_the_horizon_and_stops(viz):
    model, rc = viz
    first = model.value
    for n in range(1, 5):
        assert not button(rc, "Step").disabled
        button(rc, "Step").click()
        assert model.value.day == n
    assert not first.running
    assert button(rc, "Step").disabled and button(rc, "▶").disabled
    assert len(model.value.datacollector.model_vars["participation_rate"]) == 4


def test_solaraviz_reset_rebuilds_the_pages_model(viz):
    model, rc = viz
    button(rc, "Step").click()
    old = model.value
    button(rc, "Reset").click()
    new = model.value
    assert new is not old and new.day == 0 and new.running
    assert new.spec.name == "zhijia_garden" and new.spec.committee.admin_share == 0.5
    assert new.spec.population.residents == 300
    # the page's seed: the same run as the first model's
    new.step()
    assert new.metrics().equals(old.metrics())
    assert not button(rc, "Step").disabled


def test_solaraviz_play_runs_to_the_horizon(viz):
    model, rc = viz
    button(rc, "Reset").click()
    button(rc, "▶").click()
    end = time.monotonic() + 120  # generous: a shared 2-core machine; a run takes < 1 s
    while model.value.running:
        assert time.monotonic() < end, f"play stopped at day {model.value.day}"
        time.sleep(0.05)
    assert model.value.day == 4
    assert model.value.datacollector.model_vars["day"] == [0, 1, 2, 3]


def test_the_datacollector_survives_pickling():
    model = CommunityModel(rng=1, **SMALL)
    model.run(2)
    copy = pickle.loads(pickle.dumps(model))
    copy.step()
    model.step()
    assert copy.datacollector.get_model_vars_dataframe().equals(model.metrics())
    assert copy.datacollector.model_reporters.keys() == METRICS.keys()
    copy.datacollector.collect(copy)  # Mesa's own collect still works on the copy
    assert copy.datacollector._collection_steps == [1, 2, 3, 3]
