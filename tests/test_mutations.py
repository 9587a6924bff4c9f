"""The mutation list of ``scripts/mutate.py`` stays applicable as the code changes."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mutate():
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_mutation_names_text_found_exactly_once_in_its_file():
    """A refactor that rewrites a rule's text must update its mutation, or the rule silently
    drops out of mutation testing (17 of 217 had, by stop 31). ``load`` exits with one line
    per stale entry, which is the failure message here."""
    mutate = _mutate()
    try:
        mutations = mutate.load()
    except SystemExit as exc:
        raise AssertionError(str(exc)) from None
    assert len(mutations) >= 200
    assert all(m.file.startswith("sim/") for m in mutations)  # ``load`` checks the file exists
    assert "test_mutations.py" in mutate.EXCLUDED  # a mutation would fail it, not a rule test
