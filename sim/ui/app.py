"""The page: choose a community and mechanisms, run day by day, read the results.

Start it with ``cogov ui`` (or ``solara run sim/ui/app.py``). Every browser session renders its
own :func:`Page`, whose state (the run, the language, the settings) lives in the component's
hooks, so sessions never share a model. Long runs step in a background task, in chunks, and
redraw between chunks; Pause cancels the task. A second thread builds and steps the other
seeds of the ensemble and redraws now and then; the address keeps the setup and day.
"""

# ruff: noqa: N802 (Solara components are named in CapWords, and Solara looks for Page)

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

import solara
import solara.lab

from sim.inputs import InputError
from sim.ui import components as ui
from sim.ui.i18n import pick_language, t
from sim.ui.state import (
    MONTH,
    YEAR,
    Frame,
    RunConfig,
    Simulation,
    Source,
    calendar_date,
    check_override,
    check_seed,
    controls,
    from_share_code,
    scenario_value,
    share_code,
)

log = logging.getLogger(__name__)
DEFAULT = RunConfig()
RUN_CHUNK, JUMP_CHUNK = 0.15, 0.5  # seconds simulated between redraws
SHOW_TIMEOUT = 2.0  # seconds a background run waits for the page to show a chunk
ENSEMBLE_IDLE, ENSEMBLE_REDRAW = 0.5, 2.0  # seconds: the replicates' wait, and their redraws
BAR = {
    "background": "#1565c0",
    "color": "white",
    "padding": "8px 16px",
    "align-items": "center",
    "height": "56px",
}
PANEL = "calc(100vh - 56px)"  # the side panel and the main column scroll on their own
SIDE = {
    "width": "420px",
    "min-width": "360px",
    "padding": "12px",
    "height": PANEL,
    "overflow-y": "auto",
    "border-right": "1px solid #ddd",
    "flex": "0 0 auto",
}
MAIN = {
    "flex": "1",
    "min-width": "0",
    "padding": "12px 16px 48px",
    "height": PANEL,
    "overflow-y": "auto",
}


class Shown:
    """The last frame the page has shown, for a background run to wait on.

    A run that changes state while another thread renders would keep that thread rendering
    (Solara only updates the widgets once the state is stable), so after each chunk the run
    waits until the page has shown it.
    """

    def __init__(self) -> None:
        self.tick = 0
        self.condition = threading.Condition()

    def shown(self, tick: int) -> None:
        """The page shows frame ``tick``."""
        with self.condition:
            self.tick = max(self.tick, tick)
            self.condition.notify_all()

    def wait(self, tick: int) -> None:
        """Wait until frame ``tick`` is shown (or a while, if the page has gone)."""
        with self.condition:
            self.condition.wait_for(lambda: self.tick >= tick, SHOW_TIMEOUT)


def use_stable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A callback whose identity lasts while it always calls the latest ``fn``.

    Solara skips a child component whose arguments are equal to last time's; a new closure
    each render would make the sidebar's fields render again on every simulated day.
    """
    latest = solara.use_ref(fn)
    latest.current = fn
    return solara.use_memo(lambda: lambda *args: latest.current(*args), [])


def build(config: RunConfig) -> tuple[Simulation | None, str | None]:
    """The run of a configuration, or the reason it cannot be built."""
    try:
        return Simulation(config), None
    except Exception as exc:  # shown on the page: a bad combination must not end the session
        log.exception("cannot build %s", config)
        return None, str(exc)


def read_link(search: str | None) -> tuple[RunConfig | None, int, str | None]:
    """The setup and day in a page address's ``s=`` code, or the reason it cannot be read."""
    codes = parse_qs(search or "").get("s")
    if not codes:
        return None, 0, None
    try:
        config, day = from_share_code(codes[0])
    except InputError as exc:
        return None, 0, exc.message
    return config, day, None


@solara.component
def Page() -> None:
    """The whole page of one browser session."""
    headers = solara.lab.headers.value or {}
    lang = solara.use_reactive(pick_language((headers.get("accept-language") or [""])[0]))
    router = solara.use_router()
    link = solara.use_memo(lambda: read_link(router.search), [])
    config = solara.use_reactive(link[0] or DEFAULT)
    resume = solara.use_reactive(link[1])  # the day a shared link (or a reload) had reached
    generation = solara.use_reactive(0)  # Reset builds the run again
    tick = solara.use_reactive(0)  # a new day to draw
    target = solara.use_reactive(0)
    notice = solara.use_reactive(False)
    seed_error = solara.use_reactive(False)
    sim, error = solara.use_memo(lambda: build(config.value), [config.value, generation.value])
    # A click that arrives while a new run is being built acts on that run, not the one its
    # button was drawn for (the old run is closed: stepping it would move nothing on the page).
    live = solara.use_ref(sim)
    live.current = sim
    ensemble = solara.use_reactive(0)  # the background replicates moved on
    frame = solara.use_memo(
        lambda: sim.frame() if sim is not None else None, [sim, tick.value, ensemble.value]
    )
    shown = solara.use_memo(Shown, [])
    solara.use_effect(lambda: shown.shown(tick.value), [tick.value])
    solara.use_effect(lambda: sim.close if sim is not None else None, [sim])

    def background() -> None:
        """Build and step the other replicates; redraw when more of them reach the day."""
        if sim is None:
            return
        last, seen = time.monotonic(), sim.frame().done
        while not sim.closed:
            busy = sim.work(idle=ENSEMBLE_IDLE)
            if busy and time.monotonic() - last < ENSEMBLE_REDRAW:
                continue  # redraw now and then, or once all have caught up
            last = time.monotonic()
            done = sim.frame().done
            if done != seen or sim.error is not None:
                seen = done
                ensemble.set(ensemble.value + 1)

    solara.use_thread(background, dependencies=[sim], intrusive_cancel=False)
    latest_router = solara.use_ref(router)
    latest_router.current = router

    def address(run: Simulation) -> None:
        """The address shows the run's setup and day, so a link or a reload reopens it.

        Written by what moves the run, before the page is told to draw the result: the page
        must not show a run stopped at day 30 while its address still holds day 0.
        """
        now = latest_router.current
        if now.set_path is None:
            return
        code = share_code(run.config, run.day)
        search = f"s={code}" if code else None
        if search != now.search:
            now.push(f"{now.path}?{search}" if search else now.path)

    def advance(run: Simulation, until: int, chunk: float) -> None:
        def redraw() -> None:
            address(run)  # before the day is drawn: a reload at any drawn day reopens it
            tick.set(tick.value + 1)
            shown.wait(tick.value)

        # Every chunk ends in a redraw, so the address holds where the run stopped before the
        # task ends (its end is what draws the Run button back).
        run.run_until(until, task.is_current, redraw, chunk)

    task = solara.lab.use_task(advance, dependencies=None, raise_error=False)

    def stop() -> None:
        if task.pending:
            task.cancel()

    @use_stable
    def set_config(new: RunConfig) -> None:
        stop()
        notice.set(sim is not None and sim.day > 0)
        config.set(new)

    @use_stable
    def check(path: str, text: Any, lg: str) -> str | None:
        value, message = check_override(config.value, path, text, lg)
        if message is None and sim is not None and value != scenario_value(sim.spec, path):
            set_config(config.value.with_override(path, value))
        return message

    @use_stable
    def set_source(source: Source) -> None:
        set_config(RunConfig(source=source))

    def set_seed(text: str) -> None:
        seed = check_seed(text)
        seed_error.set(seed is None)
        if seed is not None and seed != config.value.seed:
            set_config(replace(config.value, seed=seed))

    def reset() -> None:
        stop()
        notice.set(False)
        generation.set(generation.value + 1)

    def step() -> None:
        run = live.current
        if run is not None and not task.pending:
            run.step()
            address(run)
            tick.set(tick.value + 1)

    def go(until: int, chunk: float = JUMP_CHUNK) -> None:
        run = live.current
        if run is not None and not task.pending:
            target.set(until)
            run.aim(until)  # the other replicates run there meanwhile
            task(run, until, chunk)

    def reopen() -> None:
        """A link's run goes on to its day once the page is up."""
        if resume.value > 0 and sim is not None:
            go(resume.value)
            resume.set(0)

    solara.use_effect(reopen, [sim])

    def remember() -> None:
        """A new run (a change, Reset, the first build) goes to the address once drawn.

        Not while a task runs: the task writes where its run stopped before it ends, so this
        cannot put an older day, or the old run's setup after a change, over that.
        """
        if sim is not None and not task.pending and resume.value == 0:
            address(sim)

    solara.use_effect(remember, [config.value, frame, task.pending])

    lg = lang.value
    solara.Title(t("title", lg))
    solara.Style(ui.CSS)
    official, more = (
        controls(sim.spec, set(config.value.mechanisms_a) | set(config.value.mechanisms_b or ()))
        if sim is not None
        else ([], {})
    )
    with solara.Row(classes=["cogov-bar"], style=BAR):
        solara.Text(t("title", lg), style={"font-size": "1.3rem", "flex": "1"})
        solara.Button(
            t("switch_language", lg),
            outlined=True,
            dark=True,
            classes=["cogov-language"],
            on_click=lambda: lang.set("en" if lg == "zh" else "zh"),
        )
    if link[2] is not None:
        solara.Warning(t("link_error", lg, error=link[2]), dense=True, classes=["cogov-link-error"])
    with solara.Row(gap="0px", style={"align-items": "stretch"}, classes=["cogov-body"]):
        with solara.Column(gap="6px", classes=["cogov-side"], style=SIDE):
            solara.Text(t("community", lg), style=ui.HEADING)
            ui.CommunityPicker(config.value, sim.models["A"].pop if sim else None, lg, set_source)
            with solara.Row(style={"align-items": "flex-start"}):
                ui.TextField(
                    str(config.value.seed),
                    set_seed,
                    label=t("seed", lg),
                    error=t("seed_error", lg) if seed_error.value else False,
                    message=t("seed_help", lg),
                    classes=["cogov-seed"],
                    style={"max-width": "240px"},
                )
                solara.Button(
                    t("reset", lg), on_click=reset, outlined=True, classes=["cogov-reset"]
                )
            solara.Text(t("mechanisms", lg), style=ui.HEADING)
            ui.MechanismSwitches(config.value, lg, set_config)
            if sim is not None and frame is not None:
                solara.Text(t("settings", lg), style=ui.HEADING)
                ui.Settings(config.value, sim.spec, official, more, lg, check)
                solara.Text(t("export", lg), style=ui.HEADING)
                with solara.Column(gap="4px", classes=["cogov-exports"]):
                    ui.Exports(sim, frame, lg)
        with solara.Column(gap="10px", style=MAIN, classes=["cogov-main"]):
            if sim is None or frame is None:
                solara.Error(t("build_error", lg, error=error))
            else:
                Main(
                    sim,
                    frame,
                    config.value,
                    lg,
                    task.pending,
                    target.value,
                    step,
                    stop,
                    go,
                    task.exception if task.error else None,
                    notice.value,
                )


@solara.component
def Main(
    sim: Simulation,
    frame: Frame,
    config: RunConfig,
    lg: str,
    running: bool,
    target: int,
    step: Callable[[], None],
    stop: Callable[[], None],
    go: Callable[..., None],
    failure: BaseException | None,
    notice: bool,
) -> None:
    """The main column: the day and its buttons, the cards, the pictures, the explanations."""
    title = sim.spec.title_zh if lg == "zh" else sim.spec.title
    solara.Text(title or sim.spec.name, style={"color": "#555"})
    with solara.Row(
        style={"align-items": "center", "flex-wrap": "wrap"}, gap="8px", classes=["cogov-controls"]
    ):
        solara.Text(
            t("day", lg, n=frame.day),
            classes=["cogov-day"],
            style={"font-size": "1.6rem", "font-weight": "600"},
        )
        solara.Text(calendar_date(frame.day).isoformat(), style={"color": "#555"})
        solara.Button(
            t("step", lg), on_click=step, disabled=running, color="primary", classes=["cogov-step"]
        )
        if running:
            solara.Button(t("pause", lg), on_click=stop, color="warning", classes=["cogov-pause"])
        else:
            solara.Button(
                t("run", lg),
                color="primary",
                outlined=True,
                classes=["cogov-run"],
                on_click=lambda: go(
                    sim.spec.days if sim.day < sim.spec.days else sim.day + YEAR, RUN_CHUNK
                ),
            )
        for key, until in (("jump_month", MONTH), ("jump_year", YEAR), ("jump_end", sim.spec.days)):
            solara.Button(
                t(key, lg),
                on_click=lambda u=until: go(u),
                outlined=True,
                disabled=running or frame.day >= until,
                classes=[f"cogov-{key}"],
            )
    # One slot for what comes and goes, so the widgets below are kept, not re-created.
    with solara.Column(gap="4px", classes=["cogov-status"]):
        if running:
            solara.ProgressLinear(100 * frame.day / max(target, 1), classes=["cogov-progress"])
            solara.Text(t("running", lg, day=frame.day, target=target), style=ui.SMALL)
        if failure is not None:
            solara.Error(t("run_error", lg, error=failure))
        if sim.error is not None:
            solara.Error(t("ensemble_error", lg, error=sim.error))
        if notice and frame.day == 0:
            solara.Info(t("restarted", lg), dense=True)
    ui.Summary(frame, lg)
    ui.Headlines(frame, lg)
    ui.TimeSeries(frame, lg, sim.spec.days)
    with solara.Columns([3, 2]):
        with solara.Column():
            ui.CommunityView(frame, lg)
        with solara.Column():
            ui.LeftOut(frame, lg)
    ui.Explanations(config, lg)


@solara.component
def Layout(children: list) -> None:
    """No Solara app layout around the page, which draws its own bar and side panel."""
    solara.Column(children=children, gap="0px")
