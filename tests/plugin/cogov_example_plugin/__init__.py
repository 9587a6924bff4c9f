"""Noticeboard (公告栏): an example mechanism from a package other than cogov.

Rule. When a policy from above arrives, the committee posts it on each building's noticeboard;
every day a resident who does not yet know the current policy reads the board with chance
``p_read`` and learns of it (ASSUMPTION, an example only). Its metric counts today's readers.
It uses only the mechanism contract (:mod:`sim.mechanisms.base`): its own random stream, its
own state, ``model.make_aware`` and a metric declared in this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms.base import Mechanism
from sim.metrics import metric
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel


class NoticeboardParams(Params):
    """Parameters of the noticeboard."""

    p_read: float = param(
        0.05,
        ge=0,
        le=1,
        unit="1/day",
        zh="阅读概率",
        help="Daily chance an unaware resident reads the posted policy",
        source="ASSUMPTION (example plug-in)",
    )


def noticeboard_readers(model: CommunityModel, m: Noticeboard | None) -> float:
    """Residents who learned of the current policy from a noticeboard today."""
    return float(m.readers) if m is not None and m.day == model.day else 0.0


class Noticeboard(Mechanism):
    """Policies posted on each building's noticeboard."""

    name = "noticeboard"
    title = "Noticeboard"
    title_zh = "公告栏"
    summary = "Policies are posted on each building's noticeboard (an example plug-in)"
    explanation = "An example mechanism from another package: policies posted on noticeboards."
    explanation_zh = "来自其他软件包的示例机制:政策张贴在各楼栋公告栏。"
    Params = NoticeboardParams
    metrics = (
        metric(
            noticeboard_readers,
            unit="residents",
            label="Noticeboard readers",
            zh="公告栏读者",
            owner="noticeboard",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """Nobody has read anything yet."""
        self.readers, self.day = 0, -1

    def inform(self, model: CommunityModel) -> None:
        """Unaware residents read the board."""
        rng = model.stream(self.name)
        reads = ~model.state.aware & (rng.random(model.pop.n) < self.params.p_read)
        model.make_aware(reads)
        self.readers, self.day = int(np.count_nonzero(reads)), model.day
