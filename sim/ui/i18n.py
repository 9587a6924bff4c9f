"""The UI's texts in English and Chinese, and the choice of language from the browser.

Terms follow the glossary of the modellers' notes (docs/modelling_notes.md sections 1-2).
Parameter labels and help texts are not here: they come from the declarations in
:mod:`sim.params` (``help`` in English, ``zh`` in Chinese); metric labels from those in
:mod:`sim.metrics`; a mechanism's explanation from its class (``explanation``,
``explanation_zh``, paraphrasing the Jiaohuidian article), or its ``summary`` when it has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.metrics import label

if TYPE_CHECKING:
    from sim.mechanisms.base import Mechanism

LANGUAGES = ("en", "zh")
WINDOWS = ("mean30", "sum30", "total")  # how a card or panel summarises a daily column

#: Every label of the page, by key: {"en": ..., "zh": ...}; ``{name}`` fields are formatted.
TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Community co-governance simulator", "zh": "社区共治模拟器"},
    "switch_language": {"en": "中文", "zh": "English"},
    "day": {"en": "Day {n}", "zh": "第 {n} 天"},
    "community": {"en": "Community", "zh": "社区"},
    "uploaded": {"en": "Uploaded: {name}", "zh": "上传:{name}"},
    "upload": {"en": "Or upload a scenario file (.toml)", "zh": "或上传情景文件(.toml)"},
    "upload_ok": {"en": "Loaded {name}", "zh": "已载入 {name}"},
    "residents_count": {
        "en": "{n} residents, {h} households, {b} buildings",
        "zh": "{n} 位居民,{h} 户,{b} 栋楼",
    },
    "seed": {"en": "Seed", "zh": "随机种子"},
    "seed_help": {
        "en": "Same seed: same residents and same chance events",
        "zh": "种子相同:居民与随机事件相同",
    },
    "seed_error": {"en": "expected a whole number 0 or more", "zh": "请输入不小于 0 的整数"},
    "reset": {"en": "Reset", "zh": "重置"},
    "step": {"en": "Step one day", "zh": "前进一天"},
    "run": {"en": "Run", "zh": "运行"},
    "pause": {"en": "Pause", "zh": "暂停"},
    "jump_month": {"en": "To one month", "zh": "到一个月"},
    "jump_year": {"en": "To one year", "zh": "到一年"},
    "jump_end": {"en": "To the end of the experiment", "zh": "到实验期结束"},
    "running": {"en": "Running: day {day} of {target}", "zh": "运行中:第 {day} / {target} 天"},
    "mechanisms": {"en": "Mechanisms", "zh": "协商机制"},
    "always_on": {"en": "always on", "zh": "始终启用"},
    "package": {"en": "Zone package", "zh": "实验区做法"},
    "package_set": {"en": "Zone package, set {which}", "zh": "实验区做法({which} 组)"},
    "compare": {"en": "Compare two sets of mechanisms (A/B)", "zh": "对比两组机制(A/B)"},
    "legend_a": {"en": "A (solid): {names}", "zh": "A(实线):{names}"},
    "legend_b": {"en": "B (dashed): {names}", "zh": "B(虚线):{names}"},
    "settings": {"en": "Settings", "zh": "参数"},
    "more_settings": {"en": "More settings: {name}", "zh": "更多参数:{name}"},
    "default": {"en": "default", "zh": "默认"},
    "allowed": {"en": "{lo} to {hi}", "zh": "{lo} 至 {hi}"},
    "restarted": {
        "en": "Settings changed: the run restarted at day 0.",
        "zh": "参数已更改:模拟从第 0 天重新开始。",
    },
    "build_error": {"en": "Cannot build the community: {error}", "zh": "无法生成社区:{error}"},
    "run_error": {"en": "The run stopped: {error}", "zh": "模拟中断:{error}"},
    "export": {"en": "Export", "zh": "导出"},
    "export_csv": {"en": "Metrics (CSV)", "zh": "指标(CSV)"},
    "export_png": {"en": "Charts (PNG)", "zh": "图表(PNG)"},
    "export_map": {"en": "Community view (PNG)", "zh": "社区图(PNG)"},
    "export_toml": {"en": "Scenario (TOML)", "zh": "情景(TOML)"},
    # headline cards and panels: metric labels (sim.metrics) with a window
    "window_mean30": {"en": " (30-day mean)", "zh": "(近30天平均)"},
    "window_sum30": {"en": " (last 30 days)", "zh": "(近30天)"},
    "window_total": {"en": " (total)", "zh": "(累计)"},
    "since_start": {"en": "{change} since the start", "zh": "较开始 {change}"},
    "difference": {"en": "B − A: {change}", "zh": "B − A:{change}"},
    "change_in_brackets": {
        "en": "In brackets: change since day 0.",
        "zh": "括号内为较第 0 天的变化。",
    },
    # charts
    "over_time": {"en": "Over time", "zh": "随时间变化"},
    "series_all": {"en": "all residents", "zh": "全体居民"},
    "series_elderly": {"en": "elderly (60+)", "zh": "老年人(60岁以上)"},
    "series_offline": {"en": "offline (no WeChat)", "zh": "不上网居民"},
    "axis_day": {"en": "day", "zh": "天"},
    # who is left out
    "left_out": {"en": "Who is left out", "zh": "谁被落下了"},
    "group": {"en": "Group", "zh": "群体"},
    "residents": {"en": "Residents", "zh": "居民"},
    "participation": {"en": "Participation", "zh": "参与率"},
    "satisfaction": {"en": "Satisfaction", "zh": "满意度"},
    "group_elderly": {"en": "Elderly (60+)", "zh": "老年人(60岁以上)"},
    "group_nonelderly": {"en": "Under 60", "zh": "60岁以下"},
    "group_online": {"en": "Online (WeChat)", "zh": "上网(微信)"},
    "group_offline": {"en": "Offline", "zh": "不上网"},
    "gap": {
        "en": "Offline residents take part {p} and are {s} satisfied than online ones.",
        "zh": "与上网居民相比,不上网居民的参与率{p},满意度{s}。",
    },
    "gap_more": {"en": "{x} more", "zh": "高 {x}"},
    "gap_less": {"en": "{x} less", "zh": "低 {x}"},
    # community view
    "community_view": {"en": "Residents by building", "zh": "居民分布(按楼栋)"},
    "map_legend": {
        "en": "Each dot is a resident, grouped by household inside each building. Colour: "
        "satisfaction, red low, green high. Dark ring: took part in the last 30 days.",
        "zh": "每个点代表一位居民,按楼栋和户排列。颜色表示满意度:红色低,绿色高。"
        "深色圆圈:近30天参与过协商。",
    },
    "low": {"en": "low", "zh": "低"},
    "high": {"en": "high", "zh": "高"},
    # mechanisms explained
    "explained": {
        "en": "The mechanisms, as the article describes them",
        "zh": "协商机制简介(据交汇点报道)",
    },
    "on_in": {"en": "on in {sets}", "zh": "启用于 {sets}"},
}

#: Chinese for the units used in the parameter declarations; others are shown as written.
UNITS_ZH = {
    "share": "比例",
    "persons": "人",
    "households": "户",
    "residents": "人",
    "days": "天",
    "day": "天",
    "h": "小时",
    "h/day": "小时/天",
    "h/week": "小时/周",
    "1/day": "每天",
    "1/month": "每月",
    "1/year": "每年",
    "min/household": "分钟/户",
    "min/resident": "分钟/人",
    "min/report": "分钟/件",
    "issues": "件",
    "issues/month": "件/月",
    "residents/day": "人/天",
    "residents/week": "人/周",
    "communities": "个社区",
    "spaces": "个车位",
    "spaces/household": "车位/户",
    "ties": "条关系",
    "min/case": "分钟/件",
    "min/visit": "分钟/次",
    "visits/week": "次/周",
    "yuan/year": "元/年",
    "proposals": "个项目申报",
    "residents/month": "人/月",
}


def t(key: str, lang: str, **fields: Any) -> str:
    """The text of ``key`` in ``lang``, with ``fields`` formatted in."""
    text = TEXT[key][lang]
    return text.format(**fields) if fields else text


def pick_language(accept_language: str | None) -> str:
    """Chinese when the browser's Accept-Language prefers it to English, else English.

    Args:
        accept_language: The header's value, such as ``"zh-CN,zh;q=0.9,en;q=0.8"``.
    """
    best, best_q = "en", -1.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        score = q - position * 1e-6  # the earlier of two equal weights wins
        if primary in LANGUAGES and score > best_q:
            best, best_q = primary, score
    return best


def unit(text: str, lang: str) -> str:
    """A declared unit in ``lang``."""
    return UNITS_ZH.get(text, text) if lang == "zh" else text


def explanation(cls: type[Mechanism], lang: str) -> str:
    """A mechanism's plain-language account (its class's ``explanation``), else its summary."""
    text = cls.explanation_zh if lang == "zh" else cls.explanation
    return text or cls.summary


def metric_label(name: str, lang: str, window: str = "") -> str:
    """A metric's declared label in ``lang``, with a window's words (``mean30``, ``sum30``)."""
    text = label(name, lang)
    return text + t(f"window_{window}", lang) if window in WINDOWS else text
