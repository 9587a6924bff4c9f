"""The UI's texts in English and Chinese, and the choice of language from the browser.

Terms follow the glossary of the modellers' notes (MODEL.md sections 1-2). Parameter labels and
help texts are not here: they come from the declarations in :mod:`sim.params` (``help`` in
English, ``zh`` in Chinese). Mechanism explanations paraphrase the Jiaohuidian article; a
mechanism without one falls back to its class ``summary``.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh")

#: Every label of the page, by key: {"en": ..., "zh": ...}; ``{name}`` fields are formatted.
TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Community co-governance simulator", "zh": "社区共治模拟器"},
    "switch_language": {"en": "中文", "zh": "English"},
    "day": {"en": "Day {n}", "zh": "第 {n} 天"},
    "community": {"en": "Community", "zh": "社区"},
    "uploaded": {"en": "Uploaded: {name}", "zh": "上传:{name}"},
    "upload": {"en": "Or upload a scenario file (.toml)", "zh": "或上传情景文件(.toml)"},
    "upload_ok": {"en": "Loaded {name}", "zh": "已载入 {name}"},
    "residents_count": {"en": "{n} residents, {h} households, {b} buildings",
                        "zh": "{n} 位居民,{h} 户,{b} 栋楼"},
    "seed": {"en": "Seed", "zh": "随机种子"},
    "seed_help": {"en": "Same seed: same residents and same chance events",
                  "zh": "种子相同:居民与随机事件相同"},
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
    "compare": {"en": "Compare two sets of mechanisms (A/B)", "zh": "对比两组机制(A/B)"},
    "legend_a": {"en": "A (solid): {names}", "zh": "A(实线):{names}"},
    "legend_b": {"en": "B (dashed): {names}", "zh": "B(虚线):{names}"},
    "settings": {"en": "Settings", "zh": "参数"},
    "more_settings": {"en": "More settings: {name}", "zh": "更多参数:{name}"},
    "default": {"en": "default", "zh": "默认"},
    "allowed": {"en": "{lo} to {hi}", "zh": "{lo} 至 {hi}"},
    "restarted": {"en": "Settings changed: the run restarted at day 0.",
                  "zh": "参数已更改:模拟从第 0 天重新开始。"},
    "build_error": {"en": "Cannot build the community: {error}", "zh": "无法生成社区:{error}"},
    "run_error": {"en": "The run stopped: {error}", "zh": "模拟中断:{error}"},
    "export": {"en": "Export", "zh": "导出"},
    "export_csv": {"en": "Metrics (CSV)", "zh": "指标(CSV)"},
    "export_png": {"en": "Charts (PNG)", "zh": "图表(PNG)"},
    "export_map": {"en": "Community view (PNG)", "zh": "社区图(PNG)"},
    "export_toml": {"en": "Scenario (TOML)", "zh": "情景(TOML)"},
    # headline cards
    "participation_rate": {"en": "Participation (last 30 days)", "zh": "参与率(近30天)"},
    "satisfaction_mean": {"en": "Satisfaction (0 to 1)", "zh": "满意度(0至1)"},
    "issues_open": {"en": "Issues open", "zh": "待解决问题"},
    "issues_resolved_total": {"en": "Issues resolved", "zh": "已解决问题"},
    "social_worker_hours": {"en": "Social-worker hours a day (30-day mean)",
                            "zh": "社工日均工时(近30天)"},
    "conflicts": {"en": "Conflicts (last 30 days)", "zh": "矛盾冲突(近30天)"},
    "since_start": {"en": "{change} since the start", "zh": "较开始 {change}"},
    "difference": {"en": "B − A: {change}", "zh": "B − A:{change}"},
    "change_in_brackets": {"en": "In brackets: change since day 0.",
                           "zh": "括号内为较第 0 天的变化。"},
    # charts
    "over_time": {"en": "Over time", "zh": "随时间变化"},
    "panel_participation": {"en": "Participation (last 30 days)", "zh": "参与率(近30天)"},
    "panel_satisfaction": {"en": "Satisfaction", "zh": "满意度"},
    "panel_trust": {"en": "Trust in the committee", "zh": "对居委会的信任"},
    "panel_issues_open": {"en": "Issues open", "zh": "待解决问题"},
    "panel_issues_resolved": {"en": "Issues resolved (total)", "zh": "累计解决问题"},
    "panel_hours": {"en": "Social-worker hours a day (30-day mean)",
                    "zh": "社工日均工时(30天平均)"},
    "panel_conflicts": {"en": "Conflicts (30-day total)", "zh": "矛盾冲突(30天合计)"},
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
    "gap": {"en": "Offline residents take part {p} and are {s} satisfied than online ones.",
            "zh": "与上网居民相比,不上网居民的参与率{p},满意度{s}。"},
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
    "explained": {"en": "The mechanisms, as the article describes them",
                  "zh": "协商机制简介(据交汇点报道)"},
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

#: What each mechanism is, from the article (MODEL.md section 1), by registry name.
EXPLANATIONS: dict[str, dict[str, str]] = {
    "administrative": {
        "en": "The baseline. Resident committees have long been 'administrativised' (行政化): "
              "most staff hours go to tasks from above, which weakens their role in residents' "
              "self-management, self-education and self-service. Issues are handled top-down "
              "or referred to departments.",
        "zh": "基线情形。长期以来,社区居委会行政化趋向较为严重,社工的时间多用于上级交办的任务,"
              "影响了其引导和组织居民进行自我管理、自我教育、自我服务职能作用的发挥;"
              "问题由居委会自上而下处理,或转交有关部门。",
    },
    "joint_meeting": {
        "en": "Xianlu Xincun (Gulou) holds a community joint meeting (社区联席会) once a month: "
              "residents, social workers and resident units discuss and jointly solve "
              "livelihood problems. Gulou's 120 communities each found their own form: "
              "invitation-based consultation, a deliberation garden, a consultation think-tank, "
              "a 'say it straight' studio.",
        "zh": "鼓楼区线路新村社区每月举办一次“社区联席会”,居民、社工、辖区单位等各方代表"
              "参与讨论,共同协商解决民生难题。鼓楼区120个社区都摸索出适合自己的协商形式,"
              "例如邀约式协商、议事园、协商智库、有一说一协商工作室等。",
    },
    "issue_committee": {
        "en": "Against the parking shortage (停车难), with spaces grabbed and ground locks "
              "installed, Xianlu Xincun brought resident core members, the kindergarten and the "
              "industrial park together in a parking management committee (停车管理委员会). It "
              "manages entry and parking, drafted a staggered-parking convention (错时停车公约) "
              "and asks city management (城管) for street-side spaces at some hours.",
        "zh": "为解决“停车难”(抢车位、装地锁),线路新村社区通过社区协商,召集居民骨干、辖区"
              "幼儿园、产业园等成立“停车管理委员会”,统一管理车辆进入和停放,拟定“错时停车”"
              "小区公约,并协调城管等部门争取沿街停车位的一些时段。",
    },
    "cloud_consultation": {
        "en": "Xiaoshi sub-district runs an online consultation platform, 'Xiaoshi cloud "
              "consultation' (小市云协商). Problems a community cannot solve pass to the "
              "sub-district, where the sub-district, the district human-resources and "
              "social-security bureau, university experts and social organisations help "
              "solve them.",
        "zh": "小市街道有综合协商平台“小市云协商”:社区层面解决不了的难题,可以将信息传递到"
              "街道层面,由街道、区人社局、高校专家、社会组织等各方帮助协商解决。",
    },
    "palm_community": {
        "en": "The palm community (掌上社区) of Maqun sub-district (Qixia) is a WeChat public "
              "account combining government information, convenience services, resident "
              "interaction and governance. Zhijia Garden has 220+ members since December. A "
              "policy sent once as a link and forwarded between residents saves social "
              "workers explaining it many times.",
        "zh": "栖霞区马群街道的“掌上社区”是一个微信公众号,集政府公开、便民服务、居民互动、"
              "社区治理等功能为一体。芝嘉花园社区自去年12月建立以来已有220多人加入;"
              "以往一个政策解读社工要说上许多遍,如今发个链接给居民,居民再相互转发,"
              "能为社工节省不少时间。",
    },
    "rotation_duty": {
        "en": "In Xinmenkou community (Gulou) residents take turns on duty (居民轮值); their "
              "enthusiasm for self-governance rises day by day.",
        "zh": "鼓楼区新门口社区实行“居民轮值”制度,居民参与社区自治积极性日渐高涨。",
    },
    "convention": {
        "en": "Gulou's 2017 plan moves consultation from 'passive' to 'active': consult not only "
              "when problems and conflicts arise, but prompt residents to draw up community "
              "conventions (社区公约) themselves.",
        "zh": "鼓楼区推动社区民主协商从“被动”到“主动”转变:不仅在出现问题矛盾时协商,"
              "更要调动居民自主协商意识,例如启发居民主动建立社区公约。",
    },
    "grid_management": {
        "en": "Qixia builds on the 'three integrations' (三化融合) of grid management (网格化), "
              "informatisation and socialisation; the palm community is part of grid "
              "management work.",
        "zh": "栖霞区构建三化融合(网格化、信息化、社会化)的基层社会治理格局,"
              "并将“掌上社区”工作纳入网格管理工作中。",
    },
    "social_organisations": {
        "en": "Qixia's 'three-society linkage' (三社联动) joins communities, social "
              "organisations and social workers; the district will cultivate associations and "
              "chambers of commerce to fill gaps in public services.",
        "zh": "栖霞区推动三社联动,下一步将帮助街道和社区培育和发展一批协会、商会,"
              "借助社会组织的力量,弥补政府公共服务的缺失。",
    },
    "institutional_consultation": {
        "en": "Jianye (Nanjing) makes 'sound institutions and mechanisms for community "
              "consultation' (健全社区协商体制机制) its theme. Modelled as written rules: a "
              "catalogue of matters that must be consulted, any resident may raise them, "
              "affected residents must be invited, a matter is posted for opinions before it is "
              "decided, consulted outcomes are implemented first, published and followed up. It "
              "adds no meeting; it changes how the joint meeting and the issue committee work.",
        "zh": "建邺区以“健全社区协商体制机制”为实验主题。模型中表现为成文规则:列入协商目录的事项"
              "必须协商,居民均可提出议题,利益相关居民须受邀参加,事项决定前先公示征求意见,"
              "协商结果优先落实、公开并回访。它不增加会议,而是改变联席会和议事委员会的运作方式。",
    },
    "public_services": {
        "en": "Yunlong (Xuzhou) makes 'improving community public services' (完善社区公共服务) its "
              "theme. Modelled as a one-stop service counter staffed by social workers, online "
              "handling for residents who can, and home visits to offline elderly residents: "
              "needs met raise satisfaction and trust through outcomes, not voice, and the "
              "counter's hours come out of the time left for consultation.",
        "zh": "云龙区以“完善社区公共服务”为实验主题。模型中表现为社工值守的一站式服务窗口、"
              "可网上办理的事项以及为不上网老人提供的上门服务:需求得到满足,通过服务结果"
              "(而非发声)提高满意度和信任;窗口工时挤占协商可用的时间。",
    },
    "project_services": {
        "en": "Gusu (Suzhou) builds 'a pattern of community governance in which community "
              "services run as projects' (社区服务“项目化”运行). Modelled on venture philanthropy "
              "(公益创投): the sub-district funds projects that social organisations propose and "
              "deliver, residents' votes on their needs choose them, and a yearly evaluation "
              "renews or drops them.",
        "zh": "姑苏区构建社区服务“项目化”运行的社区治理格局。模型参照公益创投:街道出资,"
              "社会组织申报并实施项目,居民按需求投票选择项目,每年评估后续签或淘汰。",
    },
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


def explanation(name: str, summary: str, lang: str) -> str:
    """The article's account of a mechanism, or its one-line summary if there is none."""
    return EXPLANATIONS.get(name, {}).get(lang, summary)
