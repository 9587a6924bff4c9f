"""``cogov ui``: serve the web UI with Solara, offline, on the loopback interface by default.

Solara is imported only when the command runs, so the rest of the CLI does not load it. The
server runs in production mode (no check page from solara.dev), without telemetry and without
asking PyPI for a newer Solara; its scripts and styles come from the solara-assets package.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
from pathlib import Path
from typing import Any

from sim.inputs import InputError

APP = Path(__file__).parent.parent / "ui" / "app.py"

#: Settings of the Solara server, always.
FORCED = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_MODE": "production",
    "SOLARA_THEME_SHOW_BANNER": "false",  # no "This website runs on Solara" over the page
}
#: Settings unless the user chose otherwise: a closed session's run is dropped after an hour,
#: not Solara's default of a day; the tab's title before the page sets its own.
DEFAULTS = {
    "SOLARA_KERNEL_CULL_TIMEOUT": "1h",
    "SOLARA_THEME_TITLE": "社区共治模拟器 · Community co-governance simulator",
}
#: Seconds the server waits for the browser's answer to a websocket keep-alive ping (uvicorn:
#: 20). A server busy stepping and drawing on a loaded machine can leave its event loop without
#: the interpreter for that long, and then counts the answer as missing and drops the page
#: ("App is disconnected", a browser test in CI, stop 27); a dead connection is still found.
WS_PING_TIMEOUT = 300.0


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
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0: any free)")
    p.add_argument("--open", action="store_true", help="open the page in a web browser")
    p.set_defaults(fn=cmd_ui)


def solara_args(args: argparse.Namespace) -> list[str]:
    """The ``solara run`` arguments for the parsed ``cogov ui`` options."""
    return [
        str(APP),
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-check-version",
        "--open" if args.open else "--no-open",
    ]


def check_port(host: str, port: int) -> None:
    """Bind ``host:port`` once, as the server will, so a busy port is refused at once.

    Raises:
        InputError: naming ``--port`` (in use, or not allowed) or ``--host`` (unknown).
    """
    if port == 0:
        return  # the server picks a free one
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError("--host", "", f"cannot resolve {host!r}: {exc}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError(
                    "--port",
                    "",
                    f"port {port} on {host} is in use; choose "
                    "another, or --port 0 for any free one",
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise InputError(
                    "--host", "", f"{host} is not an address of this machine"
                ) from None
            raise InputError(
                "--port", "", f"cannot listen on {host}:{port}: {exc.strerror}"
            ) from None


def patient_keepalive() -> None:
    """Make uvicorn's servers in this process wait :data:`WS_PING_TIMEOUT` for a ping's answer.

    ``solara run`` builds its ``uvicorn.Config`` from its own options only, so the default is
    changed on the class it looks up when it starts.
    """
    import uvicorn

    if getattr(uvicorn.Config, "patient", False):
        return

    class Config(uvicorn.Config):
        patient = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("ws_ping_timeout", WS_PING_TIMEOUT)
            super().__init__(*args, **kwargs)

    uvicorn.Config = Config


def cmd_ui(args: argparse.Namespace) -> int:
    """Serve the UI until interrupted (a busy port is refused before Solara starts)."""
    check_port(args.host, args.port)
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.update(FORCED)
    from solara.__main__ import run

    patient_keepalive()
    run.main(args=solara_args(args), prog_name="cogov ui", standalone_mode=False)
    return 0
