"""Parameter declarations: each parameter's default, bounds, unit, help text and source, once.

A parameter is a field of a frozen pydantic model declared with :func:`param`. The scenario
validator, the command line (``cogov params``), the web UI's controls and the README's
parameter table all read these declarations (:func:`describe`), so a default is never written
twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

#: The longest horizon any path accepts (a scenario's ``days``, ``cogov run --days``, ``--set
#: days=``, ``sim.run(days=)``, district runs and experiment files): a century.
MAX_DAYS = 36_500
#: The most replicates an experiment may ask for (its file or ``--replicates``).
MAX_REPLICATES = 100_000


def param(
    default: Any,
    *,
    unit: str = "",
    help: str,
    zh: str = "",
    source: str = "ASSUMPTION",
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    multiple_of: int | None = None,
) -> Any:
    """Declare one parameter with its metadata.

    A parameter with a number or a boolean as its default or with bounds is strict: a
    boolean, a string or a fractional value for a number is refused (never read as 1, 1.0 or
    rounded), so is a number or a string for a boolean (only ``true``/``false``), and the
    model's configuration refuses NaN and infinity.

    Args:
        default: The default value.
        unit: Unit of measurement ("" for dimensionless, "share" for a fraction in [0, 1]).
        help: One-line English help text.
        zh: One-line Chinese help text.
        source: Where the default comes from (a citation, "article", or "ASSUMPTION").
        ge: Inclusive lower bound.
        le: Inclusive upper bound.
        gt: Exclusive lower bound.
        lt: Exclusive upper bound.
        multiple_of: Only multiples of this are allowed (an integer lattice, e.g. 2: even).
    """
    bounded = any(b is not None for b in (ge, le, gt, lt))
    number = isinstance(default, int | float)  # a bool is an int: strict too
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        strict=True if bounded or number else None,
        multiple_of=multiple_of,
        description=help,
        json_schema_extra={"unit": unit, "zh": zh, "source": source},
    )


class Params(BaseModel):
    """Base of every parameter block: immutable, unknown keys rejected."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _nested_defaults(cls, data: Any) -> Any:
        return _fill_nested_defaults(cls, data)


@dataclass(frozen=True)
class ParamInfo:
    """One parameter as the CLI, the UI and the docs show it."""

    path: str
    default: Any
    unit: str
    help: str
    zh: str
    source: str
    ge: float | None
    le: float | None
    choices: tuple[Any, ...] = ()
    open_low: bool = False  # ge is an exclusive bound (gt)
    open_high: bool = False  # le is an exclusive bound (lt)
    required: bool = False  # no default: a file that has the block must give it
    multiple_of: int | None = None

    @property
    def shown_default(self) -> str:
        """The default as the tables show it."""
        return "(required)" if self.required else str(self.default)

    @property
    def allowed(self) -> str:
        """The allowed range or choices, in words."""
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        lattice = (
            ""
            if self.multiple_of is None
            else ", even"
            if self.multiple_of == 2
            else f", multiples of {self.multiple_of}"
        )
        lo, hi = self.ge, self.le
        if lo is not None and hi is not None and not (self.open_low or self.open_high):
            return f"{lo} to {hi}{lattice}"
        words = []
        if lo is not None:
            words.append(f"above {lo}" if self.open_low else f"at least {lo}")
        if hi is not None:
            words.append(f"below {hi}" if self.open_high else f"at most {hi}")
        return " and ".join(words) + lattice


def _bounds(info: FieldInfo) -> tuple[float | None, float | None, bool, bool]:
    """A field's lower and upper bound, and whether each is exclusive."""
    lo = hi = None
    open_lo = open_hi = False
    for m in info.metadata:
        for attr, is_low, exclusive in (
            ("ge", True, False),
            ("gt", True, True),
            ("le", False, False),
            ("lt", False, True),
        ):
            value = getattr(m, attr, None)
            if value is None:
                continue
            if is_low:
                lo, open_lo = value, exclusive
            else:
                hi, open_hi = value, exclusive
    return lo, hi, open_lo, open_hi


def describe(model: type[BaseModel] | BaseModel, prefix: str = "") -> list[ParamInfo]:
    """List the declared parameters of a parameter block, recursing into nested blocks.

    Given an instance, its values are reported as the defaults (a nested block such as the
    parking issue type has defaults of its own). A list of blocks (``[[units]]``) is listed
    once, its position written ``N`` (``units.N.kind``); an optional block (``[property_firm]``)
    with its class defaults. Fields declared without :func:`param` metadata are listed when
    they carry a description (choices, switches, names), and skipped otherwise (tables).
    """
    cls = model if isinstance(model, type) else type(model)
    rows: list[ParamInfo] = []
    for name, info in cls.model_fields.items():
        path = f"{prefix}{name}"
        required = info.is_required()
        default = (
            None
            if required
            else info.get_default(call_default_factory=True)
            if isinstance(model, type)
            else getattr(model, name)
        )
        if isinstance(default, BaseModel):
            rows += describe(default, f"{path}.")
            continue
        block = _block(info.annotation)
        if block is not None:
            rows += describe(block[0], f"{path}.N." if block[1] else f"{path}.")
            continue
        extra = info.json_schema_extra
        if not isinstance(extra, dict):
            if not info.description or isinstance(default, dict):
                continue
            extra = {}
        if required and "missing" in extra:  # what stands in for it, in words
            default, required = extra["missing"], False
        lo, hi, open_lo, open_hi = _bounds(info)
        rows.append(
            ParamInfo(
                path=path,
                default=default,
                unit=str(extra.get("unit", "")),
                help=info.description or "",
                zh=str(extra.get("zh", "")),
                source=str(extra.get("source", "")),
                ge=lo,
                le=hi,
                choices=_choices(info.annotation),
                open_low=open_lo,
                open_high=open_hi,
                required=required,
                multiple_of=next(
                    (
                        m.multiple_of
                        for m in info.metadata
                        if getattr(m, "multiple_of", None) is not None
                    ),
                    None,
                ),
            )
        )
    return rows


def _block(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """The block class of a ``tuple[Block, ...]`` (True) or ``Block | None`` (False) field."""
    args = get_args(annotation)
    many = get_origin(annotation) is tuple
    for arg in args[:1] if many else args:
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, many
    return None


def find(rows: list[ParamInfo], key: str) -> ParamInfo | None:
    """The row of a dotted key; a list position (``units.0.kind``) matches ``N``."""
    general = ".".join("N" if part.isdigit() else part for part in key.split("."))
    return next((r for r in rows if r.path == general), None)


def _choices(annotation: Any) -> tuple[Any, ...]:
    """The choices of a Literal (or a tuple of Literals) annotation."""
    if get_origin(annotation) is tuple:
        annotation = get_args(annotation)[0]
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def markdown_table(rows: list[ParamInfo]) -> str:
    """Render parameter rows as a Markdown table (name, default, unit, range, meaning, source)."""
    out = [
        "| parameter | default | unit | allowed | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| `{r.path}` | {r.shown_default} | {r.unit} | {r.allowed} | {r.help} | {r.source} |"
        )
    return "\n".join(out)


def _fill_nested_defaults(cls: type[BaseModel], data: Any) -> Any:
    """Merge a partial table over a nested field's default instance.

    A nested block whose default differs from its class defaults (the parking issue type,
    say) keeps its own defaults for the keys a scenario leaves out.
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in cls.model_fields.items():
        default = field.default
        if isinstance(default, BaseModel) and isinstance(out.get(name), dict):
            out[name] = {**default.model_dump(), **out[name]}
    return out


# --------------------------------------------------------------------------------------------
# The community's parameter blocks. Sources: docs/modelling_notes.md section 3 (cited by section).
# --------------------------------------------------------------------------------------------

SHARE = {"ge": 0.0, "le": 1.0, "unit": "share"}


class PopulationParams(Params):
    """Who lives in the community."""

    residents: int = param(
        3200,
        ge=2,
        le=2_000_000,
        unit="persons",
        zh="居民人数",
        help="Residents",
        source="article (Xianlu Xincun)",
    )
    households: int = param(
        1020,
        ge=1,
        le=1_000_000,
        unit="households",
        zh="户数",
        help="Households",
        source="article (Xianlu Xincun)",
    )
    households_per_building: int = param(
        36,
        ge=1,
        le=2000,
        unit="households",
        zh="每栋楼户数",
        help="Households per building (6 floors x 3 stairwells x 2 flats)",
    )
    households_per_stairwell: int = param(
        12,
        ge=1,
        le=2000,
        unit="households",
        zh="每单元户数",
        help="Households per stairwell (单元) inside a building (6 floors x 2 flats)",
        source="ASSUMPTION: Xianlu Xincun scenario, 6 floors x 3 stairwells x 2 flats a building",
    )
    share_young: float = param(
        0.30, **SHARE, zh="青年比例", help="Share of residents under 35 (children included)"
    )
    share_elderly: float = param(
        0.30,
        **SHARE,
        zh="老年比例",
        help="Share of residents aged 60+",
        source="ASSUMPTION: ex-dormitory estate older than Nanjing's mean (MODEL 3.7)",
    )
    employed_share: float = param(
        0.75, **SHARE, zh="非老年就业比例", help="Share of non-elderly residents in work"
    )
    online_share_young: float = param(
        0.95,
        **SHARE,
        zh="青年上网比例",
        help="Share of young residents using WeChat",
        source="CNNIC 2016-17 (MODEL 3.7), urban above mean",
    )
    online_share_middle: float = param(
        0.85,
        **SHARE,
        zh="中年上网比例",
        help="Share of middle-aged residents using WeChat",
        source="CNNIC 2016-17 (MODEL 3.7), urban above mean",
    )
    online_share_elderly: float = param(
        0.30,
        **SHARE,
        zh="老年上网比例",
        help="Share of elderly residents using WeChat",
        source="ASSUMPTION (MODEL 3.7, 3.9 #13)",
    )
    car_share_households: float = param(
        0.30,
        **SHARE,
        zh="有车户比例",
        help="Share of households owning a car at day 0",
        source="ASSUMPTION (MODEL 3.9 #14)",
    )
    core_share: float = param(
        0.025,
        **SHARE,
        zh="居民骨干比例",
        help="Share of residents who are core members (骨干)",
        source="ASSUMPTION (MODEL 3.8, Read 2012)",
    )
    core_weight_young: float = param(
        0.3,
        ge=0,
        le=100,
        zh="青年成为骨干的权重",
        help="Relative weight of a young resident in the draw of core members",
        source="ASSUMPTION; Read 2012 (activists are mostly retired women)",
    )
    core_weight_middle: float = param(
        1.5,
        ge=0,
        le=100,
        zh="中年成为骨干的权重",
        help="Relative weight of a middle-aged resident in the draw of core members",
        source="ASSUMPTION; Read 2012",
    )
    core_weight_elderly: float = param(
        2.0,
        ge=0,
        le=100,
        zh="老年成为骨干的权重",
        help="Relative weight of an elderly resident in the draw of core members",
        source="ASSUMPTION; Read 2012",
    )
    child_share: float = param(
        0.1,
        **SHARE,
        zh="未成年人比例",
        help="Share of residents under 18 (drawn among the young; they never take part)",
        source="ASSUMPTION; Shanghai 2020 census (0-14: 9.8 %)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> PopulationParams:
        if self.households > self.residents:
            raise ValueError(
                f"households ({self.households}) cannot exceed residents ({self.residents})"
            )
        if self.share_young + self.share_elderly > 1:
            raise ValueError("share_young + share_elderly must be at most 1")
        if self.child_share > self.share_young:
            raise ValueError("child_share cannot exceed share_young (children are young)")
        return self


class ParkingParams(Params):
    """The estate's parking supply and demand."""

    spaces_per_household: float = param(
        0.15,
        ge=0,
        le=5,
        unit="spaces/household",
        zh="每户车位",
        help="Parking spaces inside the estate per household",
        source="ASSUMPTION: pre-1990 estates 0.1-0.2 (MODEL 3.9 #14)",
    )
    car_growth_per_year: float = param(
        0.08,
        ge=0,
        le=1,
        unit="1/year",
        zh="汽车年增长率",
        help="Yearly growth of car-owning households",
        source="ASSUMPTION: below Nanjing's +26% of 2013-14 for an elderly estate (MODEL 3.7)",
    )
    kappa_grab: float = param(
        0.005,
        ge=0,
        le=1,
        unit="1/night",
        zh="抢位冲突率",
        help="Conflicts a night per unplaced car household that grabs or blocks a space",
        source="ASSUMPTION: calibrated to a few conflicts a week (causal_core.md 2.2)",
    )
    kappa_lock: float = param(
        0.002,
        ge=0,
        le=1,
        unit="1/night",
        zh="地锁冲突率",
        help="Conflicts a night per placed defecting household that locks its space",
        source="ASSUMPTION (causal_core.md 2.2)",
    )
    lock_share: float = param(
        0.3,
        ge=0,
        le=1,
        zh="装地锁比例",
        help="Share of placed defecting households that install a ground lock",
        source="ASSUMPTION (causal_core.md 2.2)",
    )
    kappa_over: float = param(
        0.0015,
        ge=0,
        le=1,
        unit="1/night",
        zh="超时占位冲突率",
        help="Conflicts a night per defecting household overstaying in a unit's space",
        source="ASSUMPTION: below kappa_grab, a dispute the next morning (causal_core.md 2.2)",
    )
    compliance_norule: float = param(
        0.4,
        ge=0,
        le=1,
        zh="无公约守序率",
        help="Chance a car household keeps the tacit first-come rule (no convention)",
        source="ASSUMPTION; tacit 先占先得 rule (法治日报 c. 2022; causal_core.md 2.2)",
    )
    unit_keep0: float = param(
        3.0,
        ge=-10,
        le=10,
        unit="logit",
        zh="单位续开截距",
        help="Logit of a unit keeping its shared spaces open a month, with no overstay",
        source="ASSUMPTION (causal_core.md 2.2)",
    )
    unit_keep_overstay: float = param(
        5.0,
        ge=0,
        le=100,
        unit="logit per share",
        zh="超时占位影响",
        help="Fall of that logit per share of the unit's users who overstayed last month",
        source="ASSUMPTION: 10% overstay keeps 73%, 25% keeps 12% (causal_core.md 2.2)",
    )


class NetworkParams(Params):
    """The face-to-face and WeChat layers and the organisational affiliations (MODEL 3.8)."""

    p_stair: float = param(
        0.07,
        **SHARE,
        zh="同单元结识概率",
        help="Tie probability of two residents of one stairwell (times both sociabilities)",
        source="ASSUMPTION, calibrated to SUNS 2017 (design 5.2); MODEL 3.8's 0.3 per pair "
        "gives ~30 ties each, far above a degree of 6-8",
    )
    p_bldg: float = param(
        0.012,
        **SHARE,
        zh="同楼栋结识概率",
        help="Tie probability of two residents of one building, other stairwells",
        source="ASSUMPTION, calibrated to SUNS 2017 (design 5.2); MODEL 3.8's 0.05 per pair "
        "is too high as written",
    )
    estate_ties: float = param(
        0.64,
        ge=0,
        le=100,
        unit="ties per resident",
        zh="跨楼栋结识数",
        help="Scale of the ties with residents of other buildings: two such residents are tied "
        "with probability this over the residents (times both sociabilities), so the number "
        "per resident does not grow with the community's size",
        source="ASSUMPTION, calibrated to SUNS 2017 at Xianlu Xincun's 3,200 residents (design "
        "5.2: 0.0002 per pair); MODEL 3.8's 0.005 per pair would make the estate level dominate",
    )
    sociability_shape: float = param(
        0.4,
        gt=0,
        le=100,
        zh="社交性形状参数",
        help="Shape k of the sociability s ~ Gamma(k, 1/k) (mean 1; small k: a few very social)",
        source="ASSUMPTION, calibrated to SUNS 2017's 23.5-27.5% without neighbour contact "
        "(design 5.2)",
    )
    sociability_elderly: float = param(
        1.3,
        ge=0,
        le=10,
        zh="老年社交性倍数",
        help="Sociability multiplier of residents aged 60+",
        source="ASSUMPTION: direction from SUNS age differences and Li, Mao & Du 2019 (design 5.1)",
    )
    sociability_employed: float = param(
        0.8,
        ge=0,
        le=10,
        zh="在业者社交性倍数",
        help="Sociability multiplier of residents in work",
        source="ASSUMPTION: less time at home (design 5.1)",
    )
    activist_ties: int = param(
        15,
        ge=0,
        le=1000,
        unit="ties",
        zh="骨干额外关系数",
        help="Extra face-to-face ties of each core member (activist), spread over the estate",
        source="ASSUMPTION (design 5.1; activists, Read 2012 via MODEL 3.8)",
    )
    wechat_group_share: float = param(
        0.7,
        **SHARE,
        zh="楼栋微信群加入比例",
        help="Share of online residents in their building's WeChat group",
    )
    child_household_share: float = param(
        0.08,
        **SHARE,
        zh="有学龄前儿童户比例",
        help="Share of households with a child under 6 (the kindergarten's parents)",
        source="ASSUMPTION for an old estate (design 5.1)",
    )
    park_employee_share: float = param(
        0.05,
        **SHARE,
        zh="在产业园工作比例",
        help="Share of employed residents working at the industrial park, where there is one",
        source="ASSUMPTION (design 5.1)",
    )
    fee_paying_share: float = param(
        0.85,
        **SHARE,
        zh="缴纳物业费户比例",
        help="Share of households paying the property fee, where there is a property firm",
    )


class CommitteeParams(Params):
    """The resident committee (居委会) and its social workers (MODEL 3.7)."""

    staff: int = param(
        8,
        ge=1,
        le=200,
        unit="persons",
        zh="社工人数",
        help="Committee members plus hired social workers (at least: see staff_per_10k)",
        source="MCA 2016: 5.2 members per RC, plus 2-3 workers (ASSUMPTION)",
    )
    staff_per_10k: float = param(
        18.0,
        ge=0,
        le=1000,
        unit="persons per 10,000 residents",
        zh="每万人社区工作者数",
        help="Size rule: the committee has at least floor(rate x residents / 10,000) staff, and "
        "its fixed service hours grow with its staff (0: staff as declared at any size)",
        source="国办发〔2021〕56号《“十四五”城乡社区服务体系建设规划》: 18 community workers per "
        "10,000 urban residents by 2025; Jiangsu (苏政办发〔2022〕60号): above 18",
    )
    hours_per_day: float = param(
        5.7,
        gt=0,
        le=24,
        unit="h/day",
        zh="每人每日工时",
        help="Working hours per staff member per calendar day (40-hour week)",
        source="standard working week",
    )
    admin_share: float = param(
        0.6,
        **SHARE,
        zh="行政事务占比",
        help="Share of staff hours spent on tasks from above (行政化)",
        source="ASSUMPTION (MODEL 3.7, 3.9 #12)",
    )
    capacity: float = param(
        0.5,
        **SHARE,
        zh="自行解决能力",
        help="The committee's own problem-solving input to an issue (X's capacity term, and "
        "against complexity in the referral chance)",
        source="ASSUMPTION (design causal_core 1.3)",
    )
    p_dept_response: float = param(
        0.33,
        **SHARE,
        zh="部门回应概率",
        help="Chance a department acts on a referred issue",
        source="Chen, Pan & Xu 2016 (AJPS): 1/3 of counties replied",
    )
    referral_days: int = param(
        30,
        ge=1,
        le=365,
        unit="days",
        zh="转办周期",
        help="Days until a department answers a referral",
    )
    report_prob: float = param(
        0.01,
        ge=0,
        le=1,
        unit="1/day",
        zh="居民反映概率",
        help="Daily chance that a fully aggrieved resident reports an issue in person",
    )
    policies_per_month: float = param(
        2.0,
        ge=0,
        le=60,
        unit="1/month",
        zh="每月政策数",
        help="Policies from above that must be explained",
    )
    explain_minutes: float = param(
        10.0,
        ge=0,
        le=240,
        unit="min/household",
        zh="入户解释时长",
        help="Minutes to explain a policy to one household in person",
    )
    explain_coverage: float = param(
        0.5, **SHARE, zh="政策解释覆盖目标", help="Share of households the committee must inform"
    )
    position: float = param(
        0.5,
        **SHARE,
        zh="居委会立场",
        help="The committee's preferred option on every issue's opinion "
        "axis (top-down decisions, facilitators' pull)",
        source="ASSUMPTION: the middle of the axis",
    )
    retry_effort: float = param(
        0.25,
        **SHARE,
        zh="再次上报工作量",
        help="Share of an issue's effort needed to pass it up again after a referral-only answer",
        source="ASSUMPTION",
    )

    def staff_at(self, residents: int) -> int:
        """The size rule: ``max(staff, floor(staff_per_10k x residents / 10,000))``.

        A community gets the whole posts the national norm of community workers per resident
        funds (国办发〔2021〕56号), never fewer than declared: a larger community has a larger
        committee, one at its declared size keeps its declared staff (every built-in scenario
        is at or above the norm in whole posts; Qixia's affordable estate has 10 for 6,000
        residents, 10.8 by the norm).
        """
        return max(self.staff, math.floor(self.staff_per_10k * residents / 10_000 + 1e-9))


class BehaviourParams(Params):
    """Residents' decision rules (MODEL 3.1-3.3)."""

    b0: float = param(
        -6.5,
        ge=-20,
        le=20,
        unit="logit",
        zh="参与基线",
        help="Intercept of the participation logit (of a young adult; lowered with the age terms)",
        source=(
            "ASSUMPTION: set so that a joint meeting draws 2-5 % of households (P6, MODEL 3.1) "
            "after the causal core (3.8-4.0 % in seeds 0-1 at -6.6, 7 % at -5.9)"
        ),
    )
    b_resources: float = param(
        1.0,
        ge=0,
        le=10,
        unit="logit",
        zh="资源权重",
        help="Weight of resources (time, skills)",
        source="ASSUMPTION; Verba, Schlozman & Brady 1995",
    )
    b_engagement: float = param(
        1.0,
        ge=0,
        le=10,
        unit="logit",
        zh="投入权重",
        help="Weight of engagement (core members 1, others 0.2)",
        source="ASSUMPTION; Verba, Schlozman & Brady 1995",
    )
    b_social: float = param(
        1.0,
        ge=0,
        le=10,
        unit="logit",
        zh="邻里影响权重",
        help="Weight bS of the neighbour threshold being met (share of ties who took part, a year)",
        source="ASSUMPTION; Centola 2010; Gerber, Green & Larimer 2008 (+0.36 logit)",
    )
    b_cost: float = param(
        1.0,
        ge=0,
        le=10,
        unit="logit",
        zh="时间成本权重",
        help="Weight of time cost",
        source="ASSUMPTION; NBS time use 2018",
    )
    b_efficacy: float = param(
        1.0,
        ge=0,
        le=10,
        unit="logit",
        zh="效能感权重",
        help="Weight of efficacy",
        source="ASSUMPTION; Finkel 1985",
    )
    b_stake: float = param(
        1.0,
        ge=0,
        le=10,
        unit="logit",
        zh="利益权重",
        help="Weight bB of the group-size benefit B = stake x marginal gain x (N_ref / N)^gamma",
        source="ASSUMPTION; Olson 1965 (MODEL 3.1)",
    )
    group_gamma: float = param(
        0.5,
        ge=0,
        le=1,
        zh="群体规模指数",
        help="Exponent gamma of the affected group's size N in the benefit of taking part "
        "(0: size acts only through the marginal gain)",
        source="ASSUMPTION; Olson 1965, Isaac & Walker 1988 (range incl. 0)",
    )
    group_ref: float = param(
        100.0,
        gt=0,
        le=100_000,
        unit="persons",
        zh="参照群体规模",
        help="Affected-group size at which the benefit of taking part is stake x gain",
        source="ASSUMPTION (scale of the group-size term)",
    )
    b_age_middle: float = param(
        2.0,
        ge=-10,
        le=10,
        unit="logit",
        zh="中年参与加成",
        help="Participation logit of a middle-aged (35-59) resident over a young adult",
        source="calibrated to SUNS 2017 RC-election turnout by age (design doc 4.2)",
    )
    b_age_elderly: float = param(
        2.8,
        ge=-10,
        le=10,
        unit="logit",
        zh="老年参与加成",
        help="Participation logit of an elderly (60+) resident over a young adult",
        source="calibrated to SUNS 2017 RC-election turnout by age (design doc 4.2)",
    )
    ask_personal: float = param(
        0.07,
        **SHARE,
        zh="当面邀请效应",
        help="Added probability when asked in person",
        source="Gerber & Green 2000; Green et al. 2003",
    )
    ask_broadcast: float = param(
        0.01,
        **SHARE,
        zh="群发通知效应",
        help="Added probability from a WeChat notice",
        source="ASSUMPTION (broadcast ~ mail)",
    )
    visibility: float = param(
        0.05,
        **SHARE,
        zh="公开名单效应",
        help="Added probability when participation is publicly listed",
        source="Gerber, Green & Larimer 2008, scaled down",
    )
    theta_mean: float = param(
        0.25,
        **SHARE,
        zh="邻里阈值均值",
        help="Mean of the neighbour threshold theta: the share of one's face-to-face ties who "
        "took part (in a year) that draws one in, N(mean, sd) truncated to [0, 1]",
        source="MODEL 3.1; Granovetter 1978",
    )
    theta_sd: float = param(
        0.12,
        **SHARE,
        zh="邻里阈值标准差",
        help="Standard deviation of the neighbour threshold theta (before truncation to [0, 1])",
        source="MODEL 3.1; Granovetter 1978",
    )
    cost_employed: float = param(
        1.0,
        ge=0,
        le=5,
        zh="在职时间成本",
        help="Time cost of a meeting for an employed resident",
        source="ASSUMPTION; NBS 2018 time use",
    )
    cost_retired: float = param(
        0.3,
        ge=0,
        le=5,
        zh="退休时间成本",
        help="Time cost for an elderly or not-employed resident",
        source="ASSUMPTION; NBS 2018 time use",
    )
    efficacy_step: float = param(
        0.05,
        **SHARE,
        zh="效能感变化",
        help="Efficacy change when one's issue is acted on / ignored",
        source="ASSUMPTION; Finkel 1985 (direction)",
    )
    sat_base: float = param(0.2, **SHARE, zh="满意度截距", help="Intercept s0 of satisfaction")
    sat_performance: float = param(
        0.6,
        ge=0,
        le=2,
        zh="绩效权重",
        help="Weight a of perceived performance",
        source="ASSUMPTION; Van Ryzin 2004",
    )
    sat_disconfirmation: float = param(
        0.3,
        ge=0,
        le=2,
        zh="落差权重",
        help="Weight b of performance minus expectation",
        source="ASSUMPTION; Van Ryzin 2004",
    )
    expectation_rate: float = param(
        0.1,
        ge=0,
        le=1,
        unit="1/month",
        zh="期望更新率",
        help="Monthly updating of expectations toward performance",
        source="ASSUMPTION (design doc 3.1: slower than performance)",
    )
    promise_effect: float = param(
        0.1,
        **SHARE,
        zh="承诺抬高期望",
        help="Share of the gap to 1 by which expectations rise when a channel opens for a "
        "resident or the resident voices an issue",
        source="ASSUMPTION; Van Ryzin 2004 (expectations' direct path)",
    )
    sat_issue: float = param(
        0.3,
        ge=0,
        le=2,
        zh="单项落差权重",
        help="Weight of an issue's outcome minus the resident's expected outcome, on resolution",
        source="ASSUMPTION (= sat_disconfirmation; van den Bos et al. 1996)",
    )
    outcome_dj_weight: float = param(
        0.6,
        **SHARE,
        zh="结果满意中的分配公正权重",
        help="Weight of distributive justice (favourability) in a decision's outcome "
        "satisfaction; the rest is its procedural part",
        source="ASSUMPTION; McFarlin & Sweeney 1992 (MODEL 3.2)",
    )
    w_procedure: float = param(
        0.3,
        ge=0,
        le=1,
        zh="程序公正权重",
        help="Weight w_proc of procedural justice, scaled by bad outcomes",
        source="ASSUMPTION; Brockner & Wiesenfeld 1996",
    )
    voice_pre: float = param(
        0.10,
        **SHARE,
        zh="事前发声效应",
        help="Satisfaction bonus of voice before a decision",
        source="ASSUMPTION; Lind, Kanfer & Earley 1990 (ordering)",
    )
    voice_post: float = param(
        0.05,
        **SHARE,
        zh="事后发声效应",
        help="Satisfaction bonus of voice after a decision",
        source="ASSUMPTION; Lind, Kanfer & Earley 1990 (ordering)",
    )
    voice_halflife: float = param(
        90.0,
        gt=0,
        le=3650,
        unit="days",
        zh="发声效应半衰期",
        help="Half-life of a voice bonus or penalty",
    )
    grievance_rise: float = param(
        0.02,
        ge=0,
        le=1,
        unit="1/day",
        zh="不满上升率",
        help="Daily grievance rise per unit severity of open issues",
    )
    grievance_decay: float = param(
        0.01, ge=0, le=1, unit="1/day", zh="不满消退率", help="Daily decay of grievance"
    )
    conflict_harm: float = param(
        0.05, **SHARE, zh="冲突伤害", help="Performance loss per conflict in one's building"
    )
    conflict_decay: float = param(
        0.05,
        ge=0,
        le=1,
        unit="1/day",
        zh="冲突影响消退率",
        help="Daily decay of the harm of conflicts",
    )
    trust_gain: float = param(
        0.02,
        **SHARE,
        zh="信任增量",
        help="Rate lambda+ per event at which trust moves up toward its target",
        source="ASSUMPTION (design doc 3.2)",
    )
    trust_neg_ratio: float = param(
        2.0,
        ge=1,
        le=10,
        zh="信任不对称比",
        help="lambda- / lambda+: trust falls faster toward a lower target than it rises",
        source="ASSUMPTION; Slovic 1993, Tversky & Kahneman 1992",
    )
    trust_dj_weight: float = param(
        0.4,
        **SHARE,
        zh="信任中的分配公正权重",
        help="Weight of distributive justice in trust's target (the rest: procedural justice)",
        source="ASSUMPTION; McFarlin & Sweeney 1992, Van Ryzin 2011 (MODEL 3.2)",
    )
    trust_cogov: float = param(
        2.0,
        ge=1,
        le=10,
        zh="共治信任倍数",
        help="Factor on lambda+ for decisions co-governed with residents (authority >= 0.5)",
        source="ASSUMPTION; Slovic 1993 (MODEL 3.3 power-sharing)",
    )
    complaint_cost: float = param(
        0.2,
        ge=0,
        le=5,
        zh="事后申诉成本系数",
        help="Time-cost factor of complaining after a decision through an open channel",
        source="ASSUMPTION (design doc 3.1)",
    )
    reopen_share: float = param(
        0.2,
        **SHARE,
        zh="重启议题投诉比例",
        help="Share of the affected complaining at which an issue is as likely reopened as not",
        source="ASSUMPTION (design doc 3.1, q_reopen)",
    )
    reopen_scale: float = param(
        0.05,
        gt=0,
        le=1,
        unit="share",
        zh="重启概率尺度",
        help="Logistic scale of the reopening chance in the complaining share",
        source="ASSUMPTION (design doc 3.1)",
    )
    justice_days: float = param(
        90.0,
        gt=0,
        le=3650,
        unit="days",
        zh="程序公正感调整期",
        help="Time constant of perceived procedural justice relaxing toward the procedural climate",
        source="ASSUMPTION (design doc 3.1)",
    )
    climate_base: float = param(
        0.3,
        **SHARE,
        zh="程序氛围基线",
        help="Procedural climate of a resident never heard on any issue",
        source="ASSUMPTION (design doc 3.1)",
    )
    climate_issues: float = param(
        0.4,
        **SHARE,
        zh="程序氛围:议题有回应",
        help="Climate added by the share of one's issues (last year) decided with voice or replied",
        source="ASSUMPTION (design doc 3.1)",
    )
    climate_own: float = param(
        0.3,
        **SHARE,
        zh="程序氛围:本人发声",
        help="Climate added by one's own record of being heard (saturating in the year's voices)",
        source="ASSUMPTION (design doc 3.1)",
    )
    spinup_days: int = param(
        730,
        ge=0,
        le=36_500,
        unit="days",
        zh="预热天数",
        help="Days of the administrative baseline run before day 0 (0: the old fixed start)",
        source="ASSUMPTION (design doc 3.3)",
    )
    patience_days: int = param(
        60,
        ge=1,
        le=3650,
        unit="days",
        zh="耐心期限",
        help="Days an issue may stay open before it counts as ignored",
    )
    reply_effect: float = param(
        0.03,
        **SHARE,
        zh="答复效应",
        help="Satisfaction change after a reply",
        source="sign: Chen et al. 2023; size ASSUMPTION",
    )
    action_effect: float = param(
        0.08,
        **SHARE,
        zh="行动效应",
        help="Satisfaction change after action on an issue",
        source="sign: Nie & Wang 2023; size ASSUMPTION",
    )
    referral_effect: float = param(
        0.03,
        **SHARE,
        zh="转办效应",
        help="Satisfaction loss after a referral-only answer",
        source="sign: Nie & Wang 2023; size ASSUMPTION",
    )
    trust0: float = param(0.5, **SHARE, zh="初始信任", help="Initial trust in the committee")
    efficacy0: float = param(0.4, **SHARE, zh="初始效能感", help="Initial efficacy")
    word_of_mouth: float = param(
        0.02,
        ge=0,
        le=1,
        unit="1/tie/day",
        zh="口口相传概率",
        help="Daily chance an aware tie passes a policy on in person",
    )
    chats_per_day: float = param(
        0.1,
        ge=0,
        le=10,
        unit="1/resident/day",
        zh="闲聊频率",
        help="Informal opinion exchanges per resident per day",
    )
    chat_eps: float = param(
        0.3,
        **SHARE,
        zh="闲聊信任阈",
        help="Bounded-confidence threshold of informal chats",
        source="ASSUMPTION; Deffuant et al. 2000",
    )
    chat_mu: float = param(
        0.3,
        ge=0,
        le=0.5,
        zh="闲聊收敛速度",
        help="Convergence step of informal chats",
        source="ASSUMPTION; Deffuant et al. 2000",
    )
    resources_young: float = param(
        0.4,
        **SHARE,
        zh="青年资源",
        help="Resources (time, money, civic skills) of a young resident",
        source="ASSUMPTION shaped by the age gradient of RC-election turnout (MODEL 3.1)",
    )
    resources_middle: float = param(
        0.6,
        **SHARE,
        zh="中年资源",
        help="Resources of a middle-aged resident",
        source="ASSUMPTION (MODEL 3.1)",
    )
    resources_elderly: float = param(
        0.5,
        **SHARE,
        zh="老年资源",
        help="Resources of an elderly resident",
        source="ASSUMPTION (MODEL 3.1)",
    )
    resources_core: float = param(
        0.3,
        **SHARE,
        zh="骨干资源加成",
        help="Resources a core member's civic skills add",
        source="ASSUMPTION (MODEL 3.1)",
    )
    engagement_core: float = param(
        1.0,
        **SHARE,
        zh="骨干投入度",
        help="Engagement of a core member",
        source="ASSUMPTION (MODEL 3.8 activists)",
    )
    engagement_other: float = param(
        0.2,
        **SHARE,
        zh="普通居民投入度",
        help="Engagement of any other resident",
        source="ASSUMPTION (MODEL 3.8)",
    )
    justice_step: float = param(
        0.5,
        **SHARE,
        zh="发声公正感提升",
        help="Share of the gap to 1 that perceived procedural justice jumps by on "
        "pre-decision voice (then relaxes toward the procedural climate)",
        source="ASSUMPTION; Lind, Kanfer & Earley 1990",
    )


COMMUNITY_TYPES = ("old_estate", "commercial", "affordable", "rural")
STAKEHOLDERS = ("units", "city_management", "property_firm", "experts")


class RatesByType(Params):
    """An issue type's arrival rate in each community type (MODEL 4)."""

    old_estate: float = param(
        6.0,
        ge=0,
        le=1000,
        unit="1/year",
        zh="老旧小区",
        help="Arrivals per year in an old estate / factory-resident area",
    )
    commercial: float = param(
        6.0,
        ge=0,
        le=1000,
        unit="1/year",
        zh="商品房",
        help="Arrivals per year in commercial housing",
    )
    affordable: float = param(
        6.0,
        ge=0,
        le=1000,
        unit="1/year",
        zh="保障房",
        help="Arrivals per year in affordable housing",
    )
    rural: float = param(
        6.0,
        ge=0,
        le=1000,
        unit="1/year",
        zh="农村社区",
        help="Arrivals per year in a rural community",
    )


class IssueTypeParams(Params):
    """One type of community problem: how often it arrives, whom it hurts, what it needs."""

    rate: RatesByType = RatesByType()
    severity: float = param(0.3, **SHARE, zh="严重程度", help="Harm to an affected resident")
    complexity: float = param(
        0.3,
        **SHARE,
        zh="复杂度",
        help="Complexity; above the committee's capacity it needs outside stakeholders",
    )
    effort_hours: float = param(
        5.0,
        ge=0,
        le=1000,
        unit="staff-hours",
        zh="处理工时",
        help="Staff hours to handle one issue",
    )
    affects: Literal["all", "car_owners", "elderly"] = param(
        "all",
        zh="受影响人群",
        help="Who can be affected",
        source="article: parking hurts car owners",
    )
    buildings: int = param(
        1,
        ge=0,
        le=10_000,
        unit="buildings",
        zh="影响楼栋数",
        help="Buildings an issue touches (0 = the whole community)",
    )
    conflict_rate: float = param(
        0.0,
        ge=0,
        le=1,
        unit="1/resident/day",
        zh="冲突率",
        help="Conflicts per fully aggrieved affected resident per day, on top of parking's "
        "nightly rule (sim.model.parking)",
    )
    stakeholders: tuple[Literal[STAKEHOLDERS], ...] = param(
        (),
        zh="相关方",
        help="Parties a resolution needs",
        source="article: units, city management (城管), property firm",
    )


def _issue(rates: tuple[float, float, float, float], **kw: Any) -> IssueTypeParams:
    return IssueTypeParams(rate=RatesByType(**dict(zip(COMMUNITY_TYPES, rates, strict=True))), **kw)


class IssuesParams(Params):
    """The issue types the article names (停车难, 小区违建, 物业管理) and two from practice.

    Rates and sizes are ASSUMPTIONS (MODEL 3.9): parking dominates old estates (MODEL 3.7),
    property management dominates commercial housing, illegal construction rural areas.
    """

    parking: IssueTypeParams = _issue(
        (12, 6, 8, 2),
        severity=0.5,
        complexity=0.8,
        effort_hours=20,
        affects="car_owners",
        buildings=4,
        stakeholders=("units", "city_management"),
    )
    illegal_construction: IssueTypeParams = _issue(
        (4, 1, 3, 6),
        severity=0.4,
        complexity=0.6,
        effort_hours=12,
        buildings=1,
        conflict_rate=0.002,
        stakeholders=("city_management",),
    )
    property_management: IssueTypeParams = _issue(
        (6, 10, 8, 1),
        severity=0.3,
        complexity=0.4,
        effort_hours=8,
        buildings=3,
        stakeholders=("property_firm",),
    )
    environment: IssueTypeParams = _issue(
        (10, 6, 8, 8), severity=0.2, complexity=0.2, effort_hours=4, buildings=1
    )
    elderly_services: IssueTypeParams = _issue(
        (6, 2, 4, 6), severity=0.3, complexity=0.3, effort_hours=6, affects="elderly", buildings=3
    )


ISSUE_TYPES = tuple(IssuesParams.model_fields)


class DecisionParams(Params):
    """How an issue is decided and carried out (design causal_core 1; all ASSUMPTIONS).

    Quality ``Q = q_lo + (1 - q_lo)(1 - exp(-X / complexity))`` with ``X`` the (CES) sum of
    the committee's input, information, resources and expert input; acceptance per resident
    a logistic in favourability, voice, representation, agreement and trust; implementation
    ``M = M_staff x M_res x M_comp``.
    """

    q_lo: float = param(
        0.1, **SHARE, zh="最低方案质量", help="Quality of a decision with no inputs at all"
    )
    w_cap: float = param(
        0.6, ge=0, le=5, zh="居委会能力权重", help="Weight of capacity x staff time in X"
    )
    w_info: float = param(
        0.5, ge=0, le=5, zh="信息权重", help="Weight of the information surfaced in X"
    )
    w_res: float = param(0.8, ge=0, le=5, zh="资源权重", help="Weight of pledged resources in X")
    w_exp: float = param(0.5, ge=0, le=5, zh="专家权重", help="Weight of expert input in X")
    ces: float = param(
        1.0,
        ge=0.1,
        le=1,
        zh="投入互补指数",
        help="CES exponent s of X = (sum w z^s)^(1/s): 1 additive, below 1 complements",
        source="ASSUMPTION; Ostrom 1996 (coproduction inputs as complements)",
    )
    n_info: float = param(
        8.0,
        gt=0,
        le=1000,
        unit="residents",
        zh="信息饱和人数",
        help="Informants who surface 63 % of the local knowledge (I = 1 - exp(-n / n_info))",
    )
    m_rep: float = param(
        1.5,
        gt=0,
        le=100,
        unit="voices",
        zh="代表饱和声音数",
        help="Voices per group for 63 % representation (R = sum share (1 - exp(-n / m_rep)))",
    )
    voice_represented: float = param(
        0.5,
        ge=0,
        le=1,
        zh="被代表者发声值",
        help="Voice v in a decision's acceptance of an affected resident whose household "
        "member or tie was heard (the heard have 1, the others 0)",
        source="ASSUMPTION (causal_core.md 1.2, item 3)",
    )
    org_share: float = param(
        0.1,
        **SHARE,
        zh="组织代表权重",
        help="Weight of each stakeholder organisation as a group in R (before renormalising)",
    )
    time_scale: float = param(
        0.33,
        gt=0,
        le=5,
        zh="工时尺度",
        help="Hours, as a share of an issue's effort, that give 63 % of the staff-time "
        "terms (tau = 1 - exp(-H / (time_scale E)); the full effort gives 0.95)",
    )
    impl_share: float = param(
        0.5,
        ge=0,
        le=5,
        zh="落实工时比例",
        help="Follow-through hours a decision needs, as a share of the issue's effort",
    )
    s_ref: float = param(
        0.25,
        gt=0,
        le=5,
        zh="转办尺度",
        help="Scale of the referral logit (complexity - capacity x tau - resources) / s_ref",
        source="ASSUMPTION; design's 0.1 widened so the share decided has elasticity <= 3 "
        "(design 6.3)",
    )
    eta0: float = param(-2.0, ge=-10, le=10, zh="参与基础", help="Actor engagement intercept")
    eta_seat: float = param(
        2.0, ge=-10, le=10, zh="席位效应", help="Engagement effect of a seat at the consultation"
    )
    eta_int: float = param(
        1.5, ge=-10, le=10, zh="利益效应", help="Engagement effect of the actor's interest"
    )
    eta_ask: float = param(
        1.0, ge=-10, le=10, zh="请求效应", help="Engagement effect of being asked by the committee"
    )
    interest_other: float = param(
        0.3,
        **SHARE,
        zh="非相关方利益",
        help="An actor's interest in an issue it is not a stakeholder of (1 for a stakeholder)",
    )
    alpha0: float = param(0.0, ge=-10, le=10, zh="接受度基础", help="Acceptance intercept")
    alpha_f: float = param(
        1.5,
        ge=-10,
        le=10,
        zh="结果有利效应",
        help="Acceptance effect of announced favourability",
        source="ASSUMPTION; ordering Arnesen 2017 (largest)",
    )
    alpha_v: float = param(
        0.6,
        ge=-10,
        le=10,
        zh="发声效应",
        help="Acceptance effect of own voice (1 heard, 0.5 represented)",
        source="ASSUMPTION; Esaiasson, Gilljam & Persson 2012",
    )
    alpha_r: float = param(
        0.4,
        ge=-10,
        le=10,
        zh="代表性效应",
        help="Acceptance effect of the representation of affected groups",
        source="ASSUMPTION; Jacobs 2019",
    )
    alpha_d: float = param(
        0.3, ge=-10, le=10, zh="共识效应", help="Acceptance effect of deliberation agreement"
    )
    alpha_t: float = param(
        0.4, ge=-10, le=10, zh="信任效应", help="Acceptance effect of trust in the committee"
    )
    alpha_vt: float = param(
        0.5,
        ge=-10,
        le=10,
        zh="发声与信任交互",
        help="Voice x (trust - 0.5) interaction in acceptance",
        source="ASSUMPTION; Wu & Wu 2015",
    )
    needs_compliance: tuple[Literal[ISSUE_TYPES], ...] = param(
        ("parking", "illegal_construction"),
        zh="需居民遵守的议题",
        help="Issue types whose decisions need residents' behaviour (implementation x mean "
        "acceptance)",
        source="ASSUMPTION; design causal_core 1.3 (M_comp)",
    )


class UnitParams(Params):
    """A resident unit (辖区单位) located in the community."""

    kind: Literal["kindergarten", "industrial_park", "enterprise", "school"] = Field(
        description="What the unit is; N is the unit's position in the file, from 0"
    )
    name: str = Field("", description="Name")
    name_zh: str = Field("", description="Chinese name")
    spaces_after_hours: int = param(
        0,
        ge=0,
        le=10_000,
        unit="spaces",
        zh="错时车位",
        help="Parking spaces the unit can share after hours",
    )
    resources: float = param(
        0.3,
        ge=0,
        le=10,
        zh="单位资源",
        help="Resources the unit pledges when it engages on an issue (after-hours spaces for "
        "parking, rooms otherwise), as a share of the issue's need",
        source="ASSUMPTION; Ostrom 1996 (coproduction)",
    )
    reliability: float = param(
        0.8,
        **SHARE,
        zh="单位可靠性",
        help="Chance the unit delivers what it pledged",
        source="ASSUMPTION (design causal_core 1.3)",
    )


class PropertyFirmParams(Params):
    """The property firm (物业), where there is one."""

    name: str = Field("", description="Name (a scenario without this table has no firm)")
    strength: float = param(
        0.5,
        **SHARE,
        zh="物业能力",
        help="The firm's fee and staff input to an issue it engages on (share of the need) and "
        "its reliability (chance it delivers)",
        source="ASSUMPTION (design causal_core 1.3)",
    )


class SubDistrictParams(Params):
    """The sub-district (街道) above the community."""

    name: str = Field("", description="Name")
    name_zh: str = Field("", description="Chinese name")
    street_spaces: int = param(
        0,
        ge=0,
        le=10_000,
        unit="spaces",
        zh="路边错时车位",
        help="Street-side spaces city management can allow at some hours",
    )
    resources: float = param(
        0.5,
        ge=0,
        le=10,
        zh="街道部门资源",
        help="Resources departments bring to an issue they act on (referral answered, cloud "
        "consultation convened), as a share of the issue's need",
        source="ASSUMPTION (design causal_core 1.3)",
    )
