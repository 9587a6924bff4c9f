"""The docs document what the code declares: parameters, metrics, commands."""

import re
from pathlib import Path

from sim.cli import README_MARKERS, parameter_tables
from sim.metrics import METRICS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PARAMETERS = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
METRICS_DOC = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")


def test_parameter_tables_match_the_declarations():
    start, end = README_MARKERS
    table = PARAMETERS.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == parameter_tables().strip(), (
        "parameter tables drifted: run `cogov params --update-readme docs/parameters.md`")


def test_every_metric_is_defined_in_the_docs():
    section = METRICS_DOC
    for name in METRICS:
        base = re.sub(r"_(elderly|nonelderly|online|offline)$", "", name)
        per_type = re.sub(r"_(parking|illegal_construction|property_management|environment|"
                          r"elderly_services)$", "_<type>", name)
        assert f"`{name}`" in section or f"`{base}" in section or f"`{per_type}`" in section, name


def test_first_screen_has_exactly_two_commands_and_ci_runs_the_test_one():
    first_screen = README.split("---", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", first_screen, flags=re.S)
    assert len(commands) == 2
    assert "cogov" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_readme_is_short_and_its_links_resolve():
    assert len(README.splitlines()) <= 250
    for page in ["README.md", *(p.relative_to(ROOT) for p in (ROOT / "docs").glob("*.md"))]:
        text = (ROOT / page).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            assert ((ROOT / page).parent / target).exists(), f"{page}: broken link {target}"
