"""``treatysim-ui``: start the classroom dashboard on this machine, offline.

It serves :mod:`sim.ui.app` with Solara's own server on 127.0.0.1 (``--host`` to listen elsewhere). Offline means:
the page's JavaScript and fonts come from the ``solara-assets`` package (pinned to the Solara version), Solara's
telemetry and its version check are off, and Solara's CDN proxy points nowhere, so a missing asset fails here
instead of being fetched from the internet (``tests/e2e`` checks that no request leaves the machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

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

#: The start of the warning Solara prints on every page load served over plain http (it falls back to samesite=lax
#: cookies, which is what a loopback or classroom server wants).
HTTP_COOKIE_WARNING = r"Cookies with samesite=none require https"


def silence_http_cookie_warning() -> None:
    """Ignore Solara's samesite-cookie warning over http (matched by its message; other warnings still show)."""
    warnings.filterwarnings("ignore", message=HTTP_COOKIE_WARNING, category=UserWarning)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from sim import __version__

    parser = argparse.ArgumentParser(prog="treatysim-ui", description="Start the treatysim classroom dashboard.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765; 0 picks a free one)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")
    return parser.parse_args(argv)


def solara_arguments(args: argparse.Namespace) -> list[str]:
    """The ``solara run`` command line for ``args``: production mode, no version check, no auto-reload."""
    return [
        "run", "sim.ui.app", "--host", args.host, "--port", str(args.port), "--production",
        "--no-check-version", "--open" if args.open else "--no-open", "--log-level", "warning",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``treatysim-ui``."""
    args = parse_args(argv)
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    try:
        from solara.__main__ import main as solara_main
    except ImportError:
        sys.exit('treatysim-ui needs the dashboard extra: pip install -e ".[ui]"')
    silence_http_cookie_warning()
    print(f"treatysim classroom dashboard: http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    sys.argv = ["solara", *solara_arguments(args)]
    solara_main()


if __name__ == "__main__":
    main()
