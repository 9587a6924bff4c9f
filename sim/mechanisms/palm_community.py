"""Palm community (掌上社区): the community's WeChat public account.

Article: in Maqun sub-district, Qixia, a WeChat account joins government information,
convenience services, resident interaction and governance; residents, party members,
volunteers, community police and social organisations use it; a policy explained once by a link
and forwarded between residents saves social workers repeating it; Zhijia Garden's account had
220+ members since December (2016, MODEL section 0).

Rule. From ``launch_day`` online residents who would use it (``interest``) follow it by Bass
adoption on the network (Bass 1969; Sultan, Farley & Lehmann 1990): each day a non-follower
follows with probability ``(p + q x F_i) / 30``, ``F_i`` the mean of the following shares of
their face-to-face ties and of their building's WeChat group (monthly rates), with a higher
``p`` while social workers promote the launch (calibration to P3 and P7 in the README). When a
policy arrives the account posts its link: each follower reads it with ``p_read``, readers
forward it along their online ties (independent cascade with ``p_fwd``, Goel, Watts & Goldstein
2012) and into their building's group, whose members read with ``p_read`` (a broadcast clique,
Li et al. 2016). Households so informed need no visit, which cuts explanation hours. Followers
raise issues ``report_boost`` times more readily and take part in a monthly online poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import classic
from sim.mechanisms.base import Mechanism
from sim.metrics import metric
from sim.params import Params, param

if TYPE_CHECKING:
    from sim.model import CommunityModel


class PalmCommunityParams(Params):
    """Parameters of the palm community."""

    launch_day: int = param(
        0, ge=0, le=36_500, unit="day", zh="上线日", help="Day the account opens"
    )
    p_launch: float = param(
        0.12,
        ge=0,
        le=1,
        unit="1/month",
        zh="推广期创新系数",
        help="Bass innovation rate while social workers promote the launch",
        source="calibrated to P3 (Sultan et al. 1990 mean p = 0.03)",
    )
    promotion_days: int = param(
        90, ge=0, le=3650, unit="days", zh="推广期", help="Days of promotion after launch"
    )
    p_innovation: float = param(
        0.01,
        ge=0,
        le=1,
        unit="1/month",
        zh="创新系数",
        help="Bass innovation rate after the promotion",
        source="calibrated to P7 (Sultan et al. 1990 mean p = 0.03)",
    )
    q_imitation: float = param(
        0.1,
        ge=0,
        le=5,
        unit="1/month",
        zh="模仿系数",
        help="Bass imitation rate through ties and groups",
        source="calibrated to P3, P7 (Sultan et al. 1990 mean q = 0.38)",
    )
    interest: float = param(
        0.45,
        ge=0,
        le=1,
        zh="潜在关注比例",
        help="Share of online residents who would ever follow",
        source="calibrated to P7: about one member per household",
    )
    p_read: float = param(
        0.3,
        ge=0,
        le=1,
        zh="阅读概率",
        help="Chance a follower reads a post",
        source="ASSUMPTION (MODEL 3.6)",
    )
    p_fwd: float = param(
        0.03,
        ge=0,
        le=1,
        zh="转发概率",
        help="Chance a reader forwards to a tie or group",
        source="ASSUMPTION (MODEL 3.6)",
    )
    report_boost: float = param(
        1.0, ge=0, le=20, zh="线上反映增强", help="Extra reporting propensity of followers (x)"
    )
    poll_interval: int = param(
        30, ge=1, le=365, unit="days", zh="线上议事间隔", help="Days between interactive polls"
    )
    poll_cost: float = param(
        0.1, ge=0, le=1, zh="线上议事成本系数", help="Time cost of a poll relative to a meeting"
    )


def palm_followers(model: CommunityModel, m: PalmCommunity | None) -> float:
    """Residents following the palm-community WeChat account."""
    return m.followers if m is not None else 0


class PalmCommunity(Mechanism):
    """A WeChat public account for information, services and interaction."""

    name = "palm_community"
    title = "Palm community (WeChat account)"
    title_zh = "掌上社区"
    summary = "WeChat account: followers by adoption diffusion, forwarded policy links, polls"
    summary_zh = "微信公众号：关注者逐步扩散，政策链接转发，线上投票。"
    article = "Maqun sub-district, Qixia; Zhijia Garden (掌上社区)"
    article_zh = "栖霞区马群街道、芝嘉花园（掌上社区）"
    explanation = (
        "The palm community (掌上社区) of Maqun sub-district (Qixia) is a WeChat public account "
        "combining government information, convenience services, resident interaction and "
        "governance. Zhijia Garden has 220+ members since December. A policy sent once as a "
        "link and forwarded between residents saves social workers explaining it many times."
    )
    explanation_zh = (
        "栖霞区马群街道的“掌上社区”是一个微信公众号,集政府公开、便民服务、居民互动、社区治理等 "
        "功能为一体。芝嘉花园社区自去年12月建立以来已有220多人加入;以往一个政策解读社工要说 "
        "上许多遍,如今发个链接给居民,居民再相互转发,能为社工节省不少时间。"
    )
    online = True
    Params = PalmCommunityParams
    metrics = (
        metric(
            palm_followers,
            unit="persons",
            label="Palm-community followers",
            zh="掌上社区关注人数",
            owner="palm_community",
        ),
    )

    def setup(self, model: CommunityModel) -> None:
        """Who could follow; nobody follows before launch."""
        rng = model.stream(self.name)
        self.eligible = model.pop.online & (rng.random(model.pop.n) < self.params.interest)
        self.follows = np.zeros(model.pop.n, dtype=bool)
        self.followers = 0  # residents following the account
        group_size = np.asarray(model.net.groups.sum(axis=0)).ravel()
        self.in_group = np.asarray(model.net.groups.sum(axis=1)).ravel() > 0
        self.own_group_size = model.net.groups @ group_size  # size of each resident's group

    def arrivals(self, model: CommunityModel) -> None:
        """Bass adoption on the network (synchronous: today's shares, then new followers).

        Hazards are computed for the eligible residents not yet following only (one uniform
        is still drawn for everyone, so the stream does not depend on who follows); their
        shares are kept while the followers and the network are unchanged.
        """
        p = self.params
        if model.day < p.launch_day:
            return
        rng = model.stream(self.name)
        u = rng.random(model.pop.n)
        key, face_ties = self.follows.tobytes(), model.net.face
        memo = self.__dict__.get("_shares")
        if memo is None or memo[0] is not face_ties or memo[1] != key:
            memo = self._shares = (face_ties, key, *self._shares_of(model))
        who, share = memo[2], memo[3]
        if not len(who):
            return
        promoting = model.day < p.launch_day + p.promotion_days
        hazard = ((p.p_launch if promoting else p.p_innovation) + p.q_imitation * share) / 30.0
        self.follows[who[u[who] < hazard]] = True
        self.followers = int(np.count_nonzero(self.follows))

    def _shares_of(self, model: CommunityModel) -> tuple[np.ndarray, np.ndarray]:
        """The eligible non-followers and the share of followers among their ties and group."""
        who = np.flatnonzero(self.eligible & ~self.follows)
        if not len(who):
            return who, np.empty(0)
        face = model.net.share(self.follows, track="palm_followers")[who]
        per_group = model.net.groups_t @ self.follows.astype(float)
        in_group = self.in_group[who]
        group = np.divide(
            per_group[model.pop.building[who]],
            self.own_group_size[who],
            out=np.zeros(len(who)),
            where=in_group,
        )
        return who, np.where(in_group, 0.5 * (face + group), face)

    def inform(self, model: CommunityModel) -> None:
        """Post today's policy; followers raise issues more readily."""
        p = self.params
        model.levers.report_weight[self.follows] *= 1.0 + p.report_boost
        if not model.today.policy or not self.follows.any():
            return
        rng = model.stream(self.name)
        readers = self.follows & (rng.random(model.pop.n) < p.p_read)
        online = model.pop.online
        spread = classic.independent_cascade(
            model.net.face, readers, p.p_fwd, rng, susceptible=online
        )
        posted = model.net.groups_t @ (spread & (rng.random(model.pop.n) < p.p_fwd))
        in_posted_group = (model.net.groups @ (posted > 0)) > 0
        read_group = in_posted_group & (rng.random(model.pop.n) < p.p_read)
        model.make_aware(spread | read_group)

    def participate(self, model: CommunityModel) -> None:
        """A monthly poll: followers take part at a small time cost."""
        p = self.params
        if (
            model.day < p.launch_day
            or (model.day - p.launch_day) % p.poll_interval != p.poll_interval - 1
        ):
            return
        rng = model.stream(self.name)
        voters = model.draw_participants(
            rng, self.follows, broadcast=1.0, online=True, cost_factor=p.poll_cost
        )
        model.took_part(voters)
        model.give_voice(voters, None, pre=True)
