"""``treatysim-ui``: start the classroom dashboard on this machine, offline.

It serves :mod:`sim.ui.app` with Solara's own server on 127.0.0.1, this machine only (``--host 0.0.0.0`` lets the
classroom's network in; the shared classroom's rooms are saved in ``--rooms-dir``). Offline means:
the page's JavaScript and fonts come from the ``solara-assets`` package (pinned to the Solara version), Solara's
telemetry and its version check are off, and Solara's CDN proxy points nowhere, so a missing asset fails here
instead of being fetched from the internet (``tests/e2e`` checks that no request leaves the machine).
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim.errors import EXIT_USAGE
from sim.io import folder_problem

#: Solara settings that keep the server offline; ``treatysim-ui`` sets each unless the environment already does.
#: The CDN address is a closed loopback port: with ``solara-assets`` installed nothing is ever fetched from it.
OFFLINE_ENVIRONMENT = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "treatysim classroom",
    "SOLARA_SESSION_SAME_SITE": "lax",
    "MPLBACKEND": "Agg",
}

#: Where the classroom's rooms are saved (read by :mod:`sim.ui.classroom`); ``--rooms-dir`` sets it.
ROOMS_DIR_VARIABLE = "TREATYSIM_ROOMS_DIR"

#: The start of the warning Solara prints on every page load served over plain http (it falls back to samesite=lax
#: cookies, which is what a loopback or classroom server wants).
HTTP_COOKIE_WARNING = r"Cookies with samesite=none require https"


def silence_http_cookie_warning() -> None:
    """Ignore Solara's samesite-cookie warning over http (matched by its message; other warnings still show)."""
    warnings.filterwarnings("ignore", message=HTTP_COOKIE_WARNING, category=UserWarning)


#: The exit code of uvicorn (Solara's server) when its socket fails at start (it logs the error in one line first).
UVICORN_STARTUP_FAILURE = 3

#: The highest TCP port number.
MAX_PORT = 65535


def port_number(text: str) -> int:
    """``--port``'s value: a whole number from 0 to :data:`MAX_PORT` (0 picks a free port)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: a port must be 0..{MAX_PORT} (0 picks a free one)")
    return port


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the problem, and where the options are listed), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} ({self.prog} --help lists the options)\n")


def default_rooms_dir() -> Path:
    """Where rooms are saved without ``--rooms-dir``: a folder in the user's state directory."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "treatysim" / "rooms"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from sim import __version__

    parser = OneLineParser(prog="treatysim-ui", description="Start the treatysim classroom dashboard.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine)")
    parser.add_argument(
        "--port", type=port_number, default=8765, help="port to listen on, 0..65535 (default: 8765; 0 picks a free one)"
    )
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")
    parser.add_argument(
        "--rooms-dir",
        default=None,
        help="folder where classroom rooms are saved and reloaded after a restart "
        "(default: $XDG_STATE_HOME/treatysim/rooms, i.e. ~/.local/state/treatysim/rooms)",
    )
    return parser.parse_args(argv)


def solara_arguments(args: argparse.Namespace) -> list[str]:
    """The ``solara run`` command line for ``args``: production mode, no version check, no auto-reload."""
    return [
        "run",
        "sim.ui.app",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-check-version",
        "--open" if args.open else "--no-open",
        "--log-level",
        "warning",
    ]


def port_problem(host: str, port: int) -> str | None:
    """Why the dashboard could not listen on ``host:port`` (``None`` if it can): checked by binding a socket as the
    server will (``SO_REUSEADDR``, so a port only waiting out a closed connection counts as free), then closing it."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"cannot listen on {host!r}: {exc.strerror} (--host takes an address of this machine, e.g. 127.0.0.1)"
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return (
                        f"port {port} on {host} is already in use (another dashboard?): stop it, or choose "
                        "another port with --port N (--port 0 picks a free one)"
                    )
                return f"cannot listen on {host}:{port}: {listen_problem(exc)}"
    return None


def listen_problem(exc: OSError) -> str:
    """An error of the server's socket in words (a port below 1024 needs administrator rights on most systems)."""
    words = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM):
        words += " (ports below 1024 need administrator rights: choose another port with --port N, e.g. 8765)"
    return words


def rooms_dir_problem(folder: Path) -> str | None:
    """Why the classroom's rooms could not be saved in ``folder`` (a file, under a file, not writable), or ``None``."""
    problem = folder_problem(folder)
    return None if problem is None else f"--rooms-dir {folder} {problem}: rooms could not be saved there"


def fail(message: str) -> NoReturn:
    """Say ``message`` in one line on stderr and exit with code 2."""
    print(f"treatysim-ui: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def free_port(host: str) -> int:
    """A port on ``host`` that nothing listens on now (what ``--port 0`` asks for), so the printed address is real."""
    family = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``treatysim-ui``. A port out of range or already in use, a host that is not this machine's, a
    rooms folder that cannot take the rooms, or any other error of the server's socket at start, is said in one line,
    exit code 2, never a traceback; ``--port 0`` picks a free port and prints it."""
    args = parse_args(argv)
    if args.rooms_dir:
        problem = rooms_dir_problem(Path(os.path.abspath(args.rooms_dir)))
        if problem:
            fail(problem)
    if args.port == 0:
        try:
            args.port = free_port(args.host)
        except OSError as exc:
            fail(f"cannot listen on {args.host}: {listen_problem(exc)}")
    problem = port_problem(args.host, args.port)
    if problem:
        fail(problem)
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    if args.rooms_dir:
        os.environ[ROOMS_DIR_VARIABLE] = os.path.abspath(args.rooms_dir)
    else:
        problem = folder_problem(default_rooms_dir())
        if problem:  # the page of one's own still works: say it, and go on
            print(f"treatysim-ui: warning: rooms cannot be saved in {default_rooms_dir()} ({problem}); "
                  "choose a folder with --rooms-dir", file=sys.stderr)  # fmt: skip
    try:
        from solara.__main__ import main as solara_main
    except ImportError:
        sys.exit('treatysim-ui needs the dashboard extra: pip install -e ".[ui]"')
    silence_http_cookie_warning()
    print(f"treatysim classroom dashboard: http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"  listening on {args.host}: anyone on this network can open the page (students join a room with its code)",
            flush=True,
        )
    sys.argv = ["solara", *solara_arguments(args)]
    try:
        solara_main()
    except OSError as exc:  # the port was taken (or refused) between the check above and the server's start
        fail(f"cannot listen on {args.host}:{args.port}: {listen_problem(exc)}")
    except SystemExit as exc:  # uvicorn said its socket's error in one line, then exits with its start-up code
        if exc.code == UVICORN_STARTUP_FAILURE:
            sys.exit(EXIT_USAGE)
        raise


if __name__ == "__main__":
    main()
