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
    "uploaded": {"en": "Uploaded: {name}", "zh": "上传：{name}"},
    "upload": {"en": "Or upload a scenario file (.toml)", "zh": "或上传情景文件（.toml）"},
    "upload_ok": {"en": "Loaded {name}", "zh": "已载入 {name}"},
    "residents_count": {
        "en": "{n} residents, {h} households, {b} buildings",
        "zh": "{n} 位居民，{h} 户，{b} 栋楼",
    },
    "seed": {"en": "Seed", "zh": "随机种子"},
    "seed_help": {
        "en": "Same seed: same residents and same chance events",
        "zh": "种子相同：居民与随机事件相同",
    },
    "seed_error": {"en": "expected a whole number 0 or more", "zh": "请输入不小于 0 的整数"},
    "reset": {"en": "Reset", "zh": "重置"},
    "step": {"en": "Step one day", "zh": "前进一天"},
    "run": {"en": "Run", "zh": "运行"},
    "pause": {"en": "Pause", "zh": "暂停"},
    "jump_month": {"en": "To one month", "zh": "到一个月"},
    "jump_year": {"en": "To one year", "zh": "到一年"},
    "jump_end": {"en": "To the end of the experiment", "zh": "到实验期结束"},
    "running": {"en": "Running: day {day} of {target}", "zh": "运行中：第 {day} / {target} 天"},
    "mechanisms": {"en": "Mechanisms", "zh": "协商机制"},
    "always_on": {"en": "always on", "zh": "始终启用"},
    "package": {"en": "Zone package", "zh": "实验区做法"},
    "package_set": {"en": "Zone package, set {which}", "zh": "实验区做法（{which} 组）"},
    "compare": {"en": "Compare two sets of mechanisms (A/B)", "zh": "对比两组机制（A/B）"},
    "legend_a": {"en": "A (blue): {names}", "zh": "A（蓝色）：{names}"},
    "legend_b": {"en": "B (orange): {names}", "zh": "B（橙色）：{names}"},
    "settings": {"en": "Settings", "zh": "参数"},
    "more_settings": {"en": "More settings: {name}", "zh": "更多参数：{name}"},
    "one_of": {"en": "one of: {choices}", "zh": "可选：{choices}"},
    "this_community": {"en": "this community: {value}", "zh": "本社区：{value}"},
    "hint_sep": {"en": " · ", "zh": " · "},
    "set_sep": {"en": ", ", "zh": "、"},
    "bracket": {"en": "{text} ({note})", "zh": "{text}（{note}）"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "none": {"en": "none", "zh": "无"},
    "allowed": {"en": "{lo} to {hi}", "zh": "{lo} 至 {hi}"},
    "restarted": {
        "en": "Settings changed: the run restarted at day 0.",
        "zh": "参数已更改：模拟从第 0 天重新开始。",
    },
    "build_error": {"en": "Cannot build the community: {error}", "zh": "无法生成社区：{error}"},
    # the report (sim/ui/report.py)
    "export_pdf": {"en": "Report for a meeting (PDF, A4)", "zh": "会议报告（PDF，A4）"},
    "report_title": {
        "en": "Community co-governance simulator: report",
        "zh": "社区共治模拟器：模拟报告",
    },
    "report_when": {
        "en": "{community}, day {day} of the experiment ({date}; day 0 is 1 July 2015)",
        "zh": "{community}，实验第 {day} 天（{date}；第 0 天为 2015 年 7 月 1 日）",
    },
    "report_group": {"en": "{group} ({n}): ", "zh": "{group}（{n} 人）："},
    "report_settings": {"en": "Settings", "zh": "设置"},
    "report_set": {"en": "Set {which}: {names}", "zh": "{which} 组：{names}"},
    "report_overrides": {"en": "Changed parameters: {changed}", "zh": "改动的参数：{changed}"},
    "report_seeds": {
        "en": "Seed {seed}, {n} seeds per set{posterior}",
        "zh": "种子 {seed}，每组 {n} 个种子{posterior}",
    },
    "report_charts": {
        "en": "Over time: mean of the seeds with 95% band",
        "zh": "随时间变化：各种子平均及 95% 区间",
    },
    "report_assumptions": {"en": "The model's assumptions in brief", "zh": "模型的主要假设"},
    "assume_1": {
        "en": "Residents, households, buildings and their ties are generated from the "
        "community's published figures; they are not real people.",
        "zh": "居民、住户、楼栋及其关系根据社区公开数据生成，并非真实个人。",
    },
    "assume_2": {
        "en": "Behaviour rules (taking part, satisfaction, trust, opinions) follow the research "
        "literature; most of their numbers are assumptions, calibrated to the patterns the "
        "article reports (docs/calibration.md).",
        "zh": "居民行为规则（参与、满意度、信任、意见变化）依据研究文献；"
        "其中多数数值是假设，并按报道所述的规律校准。",
    },
    "assume_3": {
        "en": "A step is one day; the experiment runs 1,096 days from 1 July 2015 to June 2018.",
        "zh": "模拟以天为步长；实验期自 2015 年 7 月 1 日至 2018 年 6 月，共 1,096 天。",
    },
    "assume_4": {
        "en": "Both sets share residents and chance events (common random numbers); the 95% "
        "ranges cover chance and the calibrated parameters' uncertainty, not the model's "
        "structure.",
        "zh": "两组共用相同的居民和随机事件；95% 区间反映偶然波动和校准参数的不确定性，"
        "但不反映模型结构本身的不确定性。",
    },
    "link_error": {
        "en": "This link's setup could not be opened ({error}); the page starts afresh.",
        "zh": "无法打开此链接中的设置，页面重新开始。",
    },
    "ensemble_error": {
        "en": "The other seeds stopped: {error}",
        "zh": "其余种子的模拟中断：{error}",
    },
    "run_error": {"en": "The run stopped: {error}", "zh": "模拟中断：{error}"},
    "export": {"en": "Export", "zh": "导出"},
    "export_csv": {"en": "Metrics (CSV)", "zh": "指标（CSV）"},
    "export_png": {"en": "Charts (PNG)", "zh": "图表（PNG）"},
    "export_map": {"en": "Community view (PNG)", "zh": "社区图（PNG）"},
    "export_toml": {"en": "Both sets as an experiment (TOML)", "zh": "两组设置（实验文件，TOML）"},
    "export_parquet": {"en": "Metrics (Parquet)", "zh": "指标（Parquet）"},
    "sets_line": {"en": "sets", "zh": "机制"},
    "export_title": {
        "en": "{community}, day {day} ({date}), seed {seed}, {n} seeds; {sets}",
        "zh": "{community}，第 {day} 天（{date}），种子 {seed}，共 {n} 个种子；{sets}",
    },
    # headline cards and panels: metric labels (sim.metrics) with a window
    "window_mean30": {"en": " (30-day mean)", "zh": "（近30天平均）"},
    "window_sum30": {"en": " (last 30 days)", "zh": "（近30天）"},
    "window_total": {"en": " (total)", "zh": "（累计）"},
    "since_start": {"en": "{change} since the start", "zh": "较开始 {change}"},
    "difference": {"en": "B − A: {change}", "zh": "B − A：{change}"},
    "one_seed": {"en": "one seed", "zh": "一个种子"},
    "colon": {"en": ": ", "zh": "："},
    # charts
    "over_time": {"en": "Over time", "zh": "随时间变化"},
    "series_all": {"en": "all residents", "zh": "全体居民"},
    "series_elderly": {"en": "elderly (60+)", "zh": "老年人（60岁以上）"},
    "series_offline": {"en": "offline (no WeChat)", "zh": "不上网居民"},
    "set_a": {"en": "set A", "zh": "A 组"},
    "set_b": {"en": "set B", "zh": "B 组"},
    "band_legend": {"en": "mean of seeds, 95% band", "zh": "各种子平均，95% 区间"},
    # who is left out
    "left_out": {"en": "Who is left out", "zh": "谁被落下了"},
    "group": {"en": "Group", "zh": "群体"},
    "residents": {"en": "Residents", "zh": "居民"},
    "participation": {"en": "Participation", "zh": "参与率"},
    "satisfaction": {"en": "Satisfaction", "zh": "满意度"},
    "group_elderly": {"en": "Elderly (60+)", "zh": "老年人（60岁以上）"},
    "group_nonelderly": {"en": "Under 60", "zh": "60岁以下"},
    "group_online": {"en": "Online (WeChat)", "zh": "上网（微信）"},
    "group_offline": {"en": "Offline", "zh": "不上网"},
    "gap": {
        "en": "Offline residents take part {p} and are {s} satisfied than online ones.",
        "zh": "与上网居民相比，不上网居民的参与率{p}，满意度{s}。",
    },
    "gap_more": {"en": "{x} more", "zh": "高 {x}"},
    "gap_less": {"en": "{x} less", "zh": "低 {x}"},
    # community view
    "community_view": {"en": "Residents by building", "zh": "居民分布（按楼栋）"},
    "map_legend": {
        "en": "Each dot is a resident, grouped by household inside each building. Colour: "
        "satisfaction, red low, green high. Dark ring: took part in the last 30 days.",
        "zh": "每个点代表一位居民，按楼栋和户排列。颜色表示满意度：红色低，绿色高。"
        "深色圆圈：近30天参与过协商。",
    },
    "low": {"en": "low", "zh": "低"},
    "high": {"en": "high", "zh": "高"},
    # mechanisms explained
    "explained": {
        "en": "The mechanisms, as the article describes them",
        "zh": "协商机制简介（据交汇点报道）",
    },
    "on_in": {"en": "on in {sets}", "zh": "启用于 {sets}"},
    "in_model": {"en": "In the model: {text}", "zh": "模型中：{text}"},
    "in_article": {"en": "In the article: {text}", "zh": "报道中：{text}"},
    "where_article": {"en": "Where in the article: {text}", "zh": "报道出处：{text}"},
    # ensembles and verdicts (sim/ui/summary.py)
    "range": {
        "en": "{value} (95% range {low} to {high})",
        "zh": "{value}（95% 区间 {low} 至 {high}）",
    },
    "verdict_better": {"en": "B is better: larger than chance", "zh": "B 更好：超出偶然波动"},
    "verdict_worse": {"en": "B is worse: larger than chance", "zh": "B 更差：超出偶然波动"},
    "verdict_more": {"en": "B is higher: larger than chance", "zh": "B 更高：超出偶然波动"},
    "verdict_less": {"en": "B is lower: larger than chance", "zh": "B 更低：超出偶然波动"},
    "verdict_chance": {
        "en": "Not distinguishable from chance ({n} seeds)",
        "zh": "与偶然波动无法区分（{n} 个种子）",
    },
    "verdict_unknown": {
        "en": "Too few seeds so far to tell",
        "zh": "种子尚少，暂不能判断",
    },
    "verdict_day0": {
        "en": "Day 0: nothing has happened yet; run to compare",
        "zh": "第 0 天：尚未发生任何事，请先运行再比较",
    },
    "ensemble": {
        "en": "{done} of {total} seeds at this day{posterior}; "
        "the other seeds run in the background",
        "zh": "已有 {done}/{total} 个种子运行到这一天{posterior}；其余种子在后台运行",
    },
    "ensemble_done": {
        "en": "Mean of {total} seeds{posterior}, with their 95% range",
        "zh": "{total} 个种子的平均值{posterior}，以及 95% 区间",
    },
    "with_posterior": {
        "en": " (assumed parameters drawn from the calibration)",
        "zh": "（假设参数取自校准结果）",
    },
    "start_day0": {
        "en": "Day 0: the run has not started; changes appear after the first day.",
        "zh": "第 0 天：模拟尚未开始，第一天之后才有变化。",
    },
    "no_participation": {
        "en": "Nobody takes part in set {which}: administrative handling alone holds no "
        "consultation. Switch on a mechanism to see participation.",
        "zh": "{which} 组无人参与：仅靠行政化处理，不召开任何协商。"
        "开启一个协商机制才会有居民参与。",
    },
    "no_participation_yet": {
        "en": "Nobody in set {which} has taken part in the last 30 days: no consultation has "
        "been held yet.",
        "zh": "{which} 组近30天无人参与：还没有召开过协商。",
    },
    "gap_day0": {
        "en": "Day 0: nobody has had a chance to take part yet, so there is no gap to show.",
        "zh": "第 0 天：居民还没有参与的机会，因此还没有差距可言。",
    },
    # the plain summary
    "summary": {"en": "In brief", "zh": "简要结论"},
    "summary_day0": {
        "en": "Nothing has been simulated yet. Press Run or a jump button; the summary then "
        "says what changed, for whom, at what cost and how sure the result is.",
        "zh": "尚未开始模拟。请点“运行”或跳转按钮；"
        "之后这里会说明有何变化、对谁、代价多少、结论有多可靠。",
    },
    "summary_when": {
        "en": "After {day} days, over {n} of {total} seeds:",
        "zh": "运行 {day} 天后，按 {n}/{total} 个种子计算：",
    },
    "summary_single": {
        "en": "{p} of residents took part in the last 30 days; satisfaction is {s}. Switch on "
        "A/B to compare two sets of mechanisms.",
        "zh": "近30天有 {p} 的居民参与协商；满意度为 {s}。打开 A/B 对比可比较两组机制。",
    },
    "summary_no_participation": {
        "en": "Nobody takes part: administrative handling alone holds no consultation.",
        "zh": "无人参与：仅靠行政化处理，不召开任何协商。",
    },
    "summary_sets": {
        "en": "Set B ({b}) is compared with set A ({a}).",
        "zh": "比较 B 组（{b}）与 A 组（{a}）。",
    },
    "summary_change": {
        "en": "{what}: {a} under A, {b} under B, a difference of {diff}. {verdict}.",
        "zh": "{what}：A 组 {a}，B 组 {b}，相差 {diff}。{verdict}。",
    },
    "summary_whom": {"en": "For whom: {groups}.", "zh": "对谁：{groups}。"},
    "summary_group": {
        "en": "participation of {group} {diff} ({sure})",
        "zh": "{group}的参与率 {diff}（{sure}）",
    },
    "whom_elderly": {"en": "the elderly", "zh": "老年人"},
    "whom_offline": {"en": "offline residents", "zh": "不上网居民"},
    "list_sep": {"en": "; ", "zh": "；"},
    "sure_yes": {"en": "larger than chance", "zh": "超出偶然波动"},
    "sure_no": {"en": "not distinguishable from chance", "zh": "与偶然波动无法区分"},
    "summary_cost": {
        "en": "Cost: social workers spend {a} hours a day under A and {b} under B "
        "(30-day mean), a difference of {diff} ({sure}).",
        "zh": "代价：社工每天工作时间 A 组 {a} 小时、B 组 {b} 小时（近30天平均），"
        "相差 {diff}（{sure}）。",
    },
    "summary_sure": {
        "en": "How sure: each range is the 95% confidence interval over {n} seeds, as in the "
        "experiment tables; the model's behavioural parameters are assumptions.",
        "zh": "可靠程度：各区间为 {n} 个种子的 95% 置信区间，与实验表格的算法相同；"
        "模型中的行为参数是假设。",
    },
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
    "min/building head": "分钟/楼栋长",
    "h/meeting": "小时/次会议",
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
    "1/resident/day": "每人每天",
    "1/tie/day": "每条关系每天",
    "buildings": "栋楼",
    "households/day": "户/天",
    "logit": "对数几率",
    "organisations": "个组织",
    "staff-hours": "工时",
    "0 to 1": "0至1",
    "1/night": "每晚",
    "complaints": "件申诉",
    "conflicts/day": "起/天",
    "hours/day": "小时/天",
    "logit per share": "对数几率/比例",
    "logit/month": "对数几率/月",
    "meetings": "次会议",
    "projects": "个项目",
    "share of adults": "成年人比例",
    "share of car owners": "有车居民比例",
    "share of households": "户比例",
    "share of needs": "需求比例",
    "share of residents": "居民比例",
    "share of resolved issues": "已解决议题比例",
    "voices": "人次发声",
    "yuan/resident": "元/人",
}


#: Chinese names of the declared choices (``Literal`` values) the page shows.
CHOICES_ZH = {
    "old_estate": "老旧小区",
    "commercial": "商品房小区",
    "affordable": "保障房小区",
    "rural": "农村社区",
    "all": "全体居民",
    "car_owners": "有车居民",
    "elderly": "老年人",
    "units": "驻区单位",
    "city_management": "城管",
    "property_firm": "物业公司",
    "experts": "专家",
    "kindergarten": "幼儿园",
    "industrial_park": "产业园",
    "enterprise": "企业",
    "school": "学校",
    "invitation": "邀请制",
    "open_forum": "开放论坛",
    "think_tank": "智库式",
    "studio": "工作室",
    "parking": "停车",
    "illegal_construction": "违章搭建",
    "property_management": "物业管理",
    "environment": "环境卫生",
    "elderly_services": "养老服务",
    "committee": "居委会",
    "paid": "专职聘用",
    "volunteer": "志愿者组织",
    "elderly_care": "养老组织",
    "chamber": "商会",
}
#: ASCII punctuation and its full-width form in Chinese text.
FULL_WIDTH_PUNCTUATION = {
    ",": "，",
    ":": "：",
    ";": "；",
    "(": "（",
    ")": "）",
    "?": "？",
    "!": "！",
}


def zh_text(text: str) -> str:
    """Chinese text with full-width punctuation (a comma between digits, 1,096, is kept)."""
    out = []
    for i, ch in enumerate(text):
        wide = FULL_WIDTH_PUNCTUATION.get(ch)
        between_digits = 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
        out.append(ch if wide is None or between_digits else wide)
    return "".join(out)


def choice_label(value: Any, lang: str) -> str:
    """A declared choice in words: its Chinese name, or the code with spaces in English."""
    text = str(value)
    return CHOICES_ZH.get(text, text) if lang == "zh" else text.replace("_", " ")


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
    return zh_text(text) if lang == "zh" and text else text or cls.summary


def metric_label(name: str, lang: str, window: str = "") -> str:
    """A metric's declared label in ``lang``, with a window's words (``mean30``, ``sum30``)."""
    text = zh_text(label(name, lang)) if lang == "zh" else label(name, lang)
    return text + t(f"window_{window}", lang) if window in WINDOWS else text
