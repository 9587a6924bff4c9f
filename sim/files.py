"""Writing results: one atomic writer, and what produced a result (versions, commit).

Every file cogov writes (a run's metrics and manifest, a sweep's runs and tables, a district's
state between exchanges, figures) goes through :func:`atomic`: whole or not at all.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np


def atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` whole or not at all.

    ``write`` fills a temporary file next to ``path``, which is then renamed over it; the
    temporary file is removed if writing fails (a full disk).
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically (what JSON lacks is written as text)."""
    atomic(
        path,
        lambda p: p.write_text(
            json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        ),
    )


def git_commit() -> str | None:
    """The checkout's commit, when the package runs from a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def version_of(dist: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def versions(**more: str | None) -> dict[str, str | None]:
    """The versions that produced a result: cogov, numpy, Mesa, Python and ``more``."""
    return {
        "cogov": version_of("cogov"),
        "numpy": np.__version__,
        "mesa": version_of("mesa"),
        "python": platform.python_version(),
        **more,
    }
