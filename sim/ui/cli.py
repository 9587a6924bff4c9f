"""``cogov ui``: serve the web UI with Solara, offline, on the loopback interface by default.

Solara is imported only when the command runs, so the rest of the CLI does not load it. The
server runs in production mode (no check page from solara.dev), without telemetry and without
asking PyPI for a newer Solara; its scripts and styles come from the solara-assets package.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

APP = Path(__file__).with_name("app.py")

#: Settings of the Solara server, always.
FORCED = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", "SOLARA_MODE": "production"}
#: Settings unless the user chose otherwise: a closed session's run is dropped after an hour,
#: not Solara's default of a day.
DEFAULTS = {"SOLARA_KERNEL_CULL_TIMEOUT": "1h"}


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0 to 65535, got {value}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``ui`` command to the ``cogov`` parser's subcommands."""
    p = subparsers.add_parser("ui", help="start the web UI (Chinese and English)")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0: any free)")
    p.add_argument("--open", action="store_true", help="open the page in a web browser")
    p.set_defaults(fn=cmd_ui)


def solara_args(args: argparse.Namespace) -> list[str]:
    """The ``solara run`` arguments for the parsed ``cogov ui`` options."""
    return [str(APP), "--host", args.host, "--port", str(args.port), "--production",
            "--no-check-version", "--open" if args.open else "--no-open"]


def cmd_ui(args: argparse.Namespace) -> int:
    """Serve the UI until interrupted."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.update(FORCED)
    from solara.__main__ import run

    run.main(args=solara_args(args), prog_name="cogov ui", standalone_mode=False)
    return 0
