"""The README documents what the code declares: parameters, metrics, commands."""

import re
from pathlib import Path

from sim.cli import METRICS_MARKERS, README_MARKERS, parameter_tables
from sim.mechanisms import BUILTIN
from sim.metrics import SPECS, markdown_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_parameter_tables_match_the_declarations():
    start, end = README_MARKERS
    table = README.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == parameter_tables().strip(), (
        "README parameter tables drifted: run `cogov params --update-readme README.md`"
    )


def test_metrics_table_matches_the_declarations():
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    start, end = METRICS_MARKERS
    table = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == markdown_table().strip(), (
        "docs/metrics.md drifted: run `cogov metrics --update-docs docs/metrics.md`"
    )


def test_every_metric_is_defined_in_the_readme():
    section = README.split("## Daily metrics", 1)[1].split("\n## ", 1)[0]
    for name, spec in SPECS.items():
        if spec.owner is not None and spec.owner not in BUILTIN:
            continue  # a plug-in's metric (tests/plugin) is not cogov's to document
        base = re.sub(r"_(elderly|nonelderly|online|offline)$", "", name)
        per_type = re.sub(
            r"_(parking|illegal_construction|property_management|environment|"
            r"elderly_services)$",
            "_<type>",
            name,
        )
        assert f"`{name}`" in section or f"`{base}" in section or f"`{per_type}`" in section, name


def test_first_screen_has_exactly_two_commands_and_ci_runs_the_test_one():
    first_screen = README.split("---", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", first_screen, flags=re.S)
    assert len(commands) == 2
    assert "cogov" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
