"""The docs document what the code declares: parameters, metrics, commands."""

import re
from pathlib import Path

from sim.cli import METRICS_MARKERS, README_MARKERS, parameter_tables
from sim.metrics import markdown_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def generated(path: Path, markers: tuple[str, str]) -> str:
    start, end = markers
    return path.read_text(encoding="utf-8").split(start, 1)[1].split(end, 1)[0].strip()


def test_parameter_tables_match_the_declarations():
    assert generated(ROOT / "docs" / "parameters.md", README_MARKERS) == (
        parameter_tables().strip()
    ), "docs/parameters.md drifted: run `cogov params --update-readme docs/parameters.md`"


def test_metrics_table_matches_the_declarations():
    assert generated(ROOT / "docs" / "metrics.md", METRICS_MARKERS) == (markdown_table().strip()), (
        "docs/metrics.md drifted: run `cogov metrics --update-docs docs/metrics.md`"
    )


def test_first_screen_has_exactly_two_commands_and_ci_runs_the_test_one():
    first_screen = README.split("---", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", first_screen, flags=re.S)
    assert len(commands) == 2
    assert "cogov" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_readme_is_short_and_its_links_resolve():
    assert len(README.splitlines()) <= 250
    for page in ["README.md", *(p.relative_to(ROOT) for p in (ROOT / "docs").rglob("*.md"))]:
        text = (ROOT / page).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            assert ((ROOT / page).parent / target).exists(), f"{page}: broken link {target}"
