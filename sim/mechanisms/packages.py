"""The five Jiangsu zones of the article's third batch, each as its package of mechanisms.

Gulou and Qixia as MODEL.md section 1; the article names Jianye, Yunlong and Gusu only by
their emphasis (MODEL.md section 7): Jianye adds written consultation rules to Gulou's meeting
and committee; Yunlong is public services alone (no source puts grid management in it); Gusu
is project-run services delivered with social organisations. The arms of
``experiments/zones.toml`` named after a package must list exactly its mechanisms (a test
checks it). ``administrative`` is the baseline under every package and is not listed.
"""

from __future__ import annotations

from typing import NamedTuple


class Package(NamedTuple):
    """A zone's package: its titles in English and Chinese and its mechanisms."""

    title: str
    title_zh: str
    mechanisms: tuple[str, ...]


#: The zones' packages by name, in the article's order.
PACKAGES: dict[str, Package] = {
    "gulou": Package(
        "Gulou, Nanjing: joint meeting, issue committee, cloud consultation",
        "鼓楼区(南京):联席会、议事委员会、云协商",
        ("joint_meeting", "issue_committee", "cloud_consultation"),
    ),
    "qixia": Package(
        "Qixia, Nanjing: palm community, cloud consultation, grid, social organisations",
        "栖霞区(南京):掌上社区、云协商、网格化、社会组织",
        ("palm_community", "cloud_consultation", "grid_management", "social_organisations"),
    ),
    "jianye": Package(
        "Jianye, Nanjing: written consultation rules on the joint meeting and committee",
        "建邺区(南京):协商制度化,配联席会与议事委员会",
        ("institutional_consultation", "joint_meeting", "issue_committee"),
    ),
    "yunlong": Package(
        "Yunlong, Xuzhou: community public services",
        "云龙区(徐州):社区公共服务",
        ("public_services",),
    ),
    "gusu": Package(
        "Gusu, Suzhou: project-run services with social organisations",
        "姑苏区(苏州):服务项目化,联合社会组织",
        ("project_services", "social_organisations"),
    ),
}
