"""Grid management (网格化管理): a grid worker visits every household of a grid in turn.

Article: Qixia builds "three integrations" (三化融合: 网格化、信息化、社会化) and counts the palm
community in its grid management work (纳入网格管理工作中).

Rule. The households, in building order, are cut into ``ceil(households / households_per_grid)``
grids of equal size (one grid worker per 300 households, MODEL 3.7). Each day each grid's worker
visits the next ``visits_per_day`` households of the grid (a rotating schedule), at
``visit_minutes`` a visit, paid from the committee's free hours (``staffing = "committee"``:
social workers double as grid workers, so the visits compete with explanation and handling) or
by a paid grid worker (``staffing = "paid"``, hours outside the committee's). A visit:
- detects an unknown open issue touching the household with chance ``p_detect``, independently
  per visited affected household; unlike reporting, it needs no grievance and no online channel,
  so it helps most where no one reports online (offline and elderly residents, MODEL 5 Q2, Q7);
- informs the household of the current policy, which saves an explanation visit (information
  downward);
- hears the grievances of residents affected by open issues the committee knows (information
  upward): they get the reply effect, an acknowledgement without a decision (Chen et al. 2023;
  a post-decision voice in Lind, Kanfer & Earley's terms), each visit.
With committee staffing, visits the free hours cannot cover are dropped, spread evenly over grids.
A visit is contact, not participation: the resident is reached at home and takes no part in a
consultation, so it does not count in ``participation_rate``; ``grid_contact_rate`` (residents
whose household was visited in the last 30 days) shows the reach of the visits instead (issue 20).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.metrics import metric
from sim.model.behaviour import RECENT_DAYS
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel
    from sim.model.issues import Issue


class GridManagementParams(Params):
    """Parameters of grid management."""

    households_per_grid: int = param(
        300,
        ge=1,
        le=100_000,
        unit="households",
        zh="每网格户数",
        help="Households in one grid (one grid worker each)",
        source="MODEL 3.7: one worker per 300 households "
        "(local government page); 100-400 in practice",
    )
    staffing: Literal["committee", "paid"] = param(
        "committee",
        zh="网格员来源",
        help="Who staffs the grids: the committee's social "
        "workers (hours from the committee) or paid grid workers (hours outside it)",
        source="ASSUMPTION: both occur (MODEL 3.7: Jianye's 637 full-time grid workers)",
    )
    visits_per_day: int = param(
        10,
        ge=1,
        le=1000,
        unit="households/day",
        zh="每日走访户数",
        help="Households a grid worker visits a day",
        source="ASSUMPTION: each household about once a month",
    )
    visit_minutes: float = param(
        10.0,
        gt=0,
        le=240,
        unit="min/household",
        zh="走访时长",
        help="Minutes a visit takes",
        source="ASSUMPTION (as an explanation visit)",
    )
    p_detect: float = param(
        0.5,
        ge=0,
        le=1,
        unit="share",
        zh="走访发现概率",
        help="Chance a visit to an affected household reveals an unknown open issue",
        source="ASSUMPTION",
    )


def grid_hours(model: CommunityModel, m: GridManagement | None) -> float:
    """Hours grid workers spent visiting today, committee staff or paid."""
    return m.hours if m is not None and m.hours_day == model.day else 0.0


def grid_contact_rate(model: CommunityModel, m: GridManagement | None) -> float:
    """Share of residents whose household a grid worker visited in the last 30 days."""
    if m is None:
        return 0.0
    recent = model.day - m.last_visit < RECENT_DAYS
    return float(m.household_size[recent].sum() / model.pop.n)


class GridManagement(Mechanism):
    """Grid workers visit households on a rotating schedule."""

    name = "grid_management"
    title = "Grid management"
    title_zh = "网格化管理"
    summary = "Grid workers visit households in turn: earlier detection, policy news, a hearing"
    summary_zh = "网格员轮流走访住户：更早发现问题，传达政策，听取意见。"
    article = "Qixia (网格化, one of the 三化融合)"
    article_zh = "栖霞区（网格化，“三化融合”之一）"
    participatory = False  # visits are contact (grid_contact_rate), not taking part
    explanation = (
        "Qixia builds on the 'three integrations' (三化融合) of grid management (网格化), "
        "informatisation and socialisation; the palm community is part of grid management work."
    )
    explanation_zh = (
        "栖霞区构建三化融合(网格化、信息化、社会化)的基层社会治理格局,并将“掌上社区”工作纳入 "
        "网格管理工作中。"
    )
    Params = GridManagementParams
    metrics = (
        metric(
            grid_hours,
            unit="hours/day",
            label="Grid workers' hours",
            zh="网格员走访工时",
            owner="grid_management",
        ),
        metric(
            grid_contact_rate,
            unit="share",
            label="Reached by grid visits",
            zh="网格走访覆盖率",
            owner="grid_management",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """Cut households into grids; every worker starts at the grid's first household.

        No household has been visited yet (``last_visit`` a window before day 0).
        """
        h = model.pop.n_households
        n_grids = -(-h // self.params.households_per_grid)
        grid = np.arange(h) * n_grids // h
        self.start = np.searchsorted(grid, np.arange(n_grids))
        self.size = np.bincount(grid, minlength=n_grids)
        self.pointer = np.zeros(n_grids, dtype=np.int64)
        self.household_size = np.bincount(model.pop.household, minlength=h)
        self.last_visit = np.full(h, -RECENT_DAYS, dtype=np.int64)  # day of each one's last visit
        self._households: dict[int, np.ndarray] = {}  # open issue id -> households it touches

    def _touched(self, model: CommunityModel, issue: Issue) -> np.ndarray:
        """The households an issue touches (kept while it is open)."""
        if issue.id not in self._households:
            self._households[issue.id] = np.unique(model.pop.household[issue.members])
        return self._households[issue.id]

    def on_resolved(self, model: CommunityModel, issue: Issue) -> None:
        """Forget a resolved issue's households."""
        self._households.pop(issue.id, None)

    def _visits(self, model: CommunityModel) -> np.ndarray:
        """Spend today's hours; return the visited households (mask), moving the schedule on."""
        p = self.params
        wanted = np.minimum(p.visits_per_day, self.size)
        hours = wanted.sum() * p.visit_minutes / 60.0
        if p.staffing == "committee":
            hours = model.committee.spend(hours, "grid")
            total = int(hours * 60.0 / p.visit_minutes + 1e-9)
            n_grids = len(wanted)
            even = total // n_grids + (np.arange(n_grids) < total % n_grids)
            wanted = np.minimum(wanted, even)
        self.hours, self.hours_day = hours, model.day
        offsets = np.arange(wanted.max(initial=0))
        slot = (self.pointer[:, None] + offsets[None, :]) % self.size[:, None]
        chosen = (self.start[:, None] + slot)[offsets[None, :] < wanted[:, None]]
        self.pointer = (self.pointer + wanted) % self.size
        visited = np.zeros(model.pop.n_households, dtype=bool)
        visited[chosen] = True
        self.last_visit[chosen] = model.day
        return visited

    def inform(self, model: CommunityModel) -> None:
        """Today's visits: detection, policy news down, grievances heard."""
        visited = self._visits(model)
        rng = model.stream(self.name)
        issues = model.issues
        u = rng.random(len(issues.open))  # one uniform per open issue, known or not
        unknown = [(issue, ui) for issue, ui in zip(issues.open, u, strict=True) if not issue.known]
        if unknown:
            # Visited households each unknown issue touches.
            k = np.array(
                [np.count_nonzero(visited[self._touched(model, issue)]) for issue, _ in unknown],
                dtype=float,
            )
            p_found = 1.0 - (1.0 - self.params.p_detect) ** k
            for (issue, ui), pf in zip(unknown, p_found, strict=True):
                if ui < pf:
                    model.detect(issue)
        in_visit = visited[model.pop.household]
        model.make_aware(in_visit)
        known = [i for i in issues.open if i.known]
        if known:
            heard = np.zeros(model.pop.n, dtype=bool)
            for issue in known:
                heard[issue.members] = True
            model.reply(np.flatnonzero(heard & in_visit))  # one nonzero, not one per gather
