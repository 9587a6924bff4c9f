"""Every wait in the browser tests (tests/test_ui_browser.py) has an explicit, generous timeout.

Playwright's ``expect`` waits 5 s unless told otherwise, which fails on a shared 2-core machine
where a page update can take 20 s (FACTS.md). The file is read, not run: these checks need no
browser.
"""

import ast
from pathlib import Path

SOURCE = Path(__file__).with_name("test_ui_browser.py")
WAITS = {
    "wait_for",
    "wait_for_function",
    "wait_for_selector",
    "wait_for_load_state",
    "wait_for_url",
    "wait_for_event",
    "expect_download",
    "expect_event",
    "expect_popup",
    "expect_request",
    "expect_response",
}


def calls():
    return [
        n
        for n in ast.walk(ast.parse(SOURCE.read_text(encoding="utf-8")))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    ]


def is_assertion(call):
    """``expect(...).to_...(...)`` and ``expect(...).not_to_...(...)``."""
    target = call.func.value
    return (
        call.func.attr.startswith(("to_", "not_to_"))
        and isinstance(target, ast.Call)
        and isinstance(target.func, ast.Name)
        and target.func.id == "expect"
    )


def timeout_of(call):
    return next((k.value for k in call.keywords if k.arg == "timeout"), None)


def test_every_assertion_and_wait_names_the_timeout():
    waits = [c for c in calls() if is_assertion(c) or c.func.attr in WAITS]
    assert len(waits) > 30  # the check reads the calls it is meant to
    missing = [
        f"line {c.lineno}: .{c.func.attr}("
        for c in waits
        if not (isinstance(timeout_of(c), ast.Name) and timeout_of(c).id == "TIMEOUT")
    ]
    assert not missing, missing


def test_actions_wait_as_long_and_the_timeout_is_generous():
    defaults = [c for c in calls() if c.func.attr == "set_default_timeout"]
    assert [a.id for c in defaults for a in c.args] == ["TIMEOUT"]  # on each new context
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    (value,) = [
        n.value.value
        for n in tree.body
        if isinstance(n, ast.Assign) and [t.id for t in n.targets] == ["TIMEOUT"]
    ]
    assert value >= 60_000  # ms: three times the slowest page update seen under load
