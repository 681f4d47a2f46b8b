"""Where treatysim's own files are, from a checkout or from an installed wheel, and which version is running.

The repository keeps the run settings in ``conf/`` and the bundled scenarios in ``scenarios/``, beside the ``sim``
package. A wheel cannot put folders of those names at the top of ``site-packages``, so it ships them inside the
package as ``sim/_bundled/conf`` and ``sim/_bundled/scenarios`` (``pyproject.toml`` maps them there). Running from a
checkout or an editable install (``pip install -e .``), the repository's folders are used, so an edit shows at once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

#: The ``sim`` package's folder; the checkout is its parent, the installed copies are under ``_bundled``.
PACKAGE = Path(__file__).resolve().parent
#: The folders a wheel ships inside the package (``pyproject.toml``, ``[tool.setuptools.package-dir]``).
BUNDLED = ("conf", "scenarios")
DISTRIBUTION = "treatysim"


@cache
def checkout() -> Path | None:
    """The repository the code runs from (treatysim's ``pyproject.toml`` beside the package), or None when installed."""
    pyproject = PACKAGE.parent / "pyproject.toml"
    return PACKAGE.parent if pyproject.is_file() and _project(pyproject).get("name") == DISTRIBUTION else None


def bundled_dir(name: str) -> Path:
    """The folder ``name`` (``"conf"`` or ``"scenarios"``): the repository's when running from a checkout or an
    editable install, the installed package's copy otherwise."""
    if name not in BUNDLED:
        raise ValueError(f"unknown bundled folder {name!r}; expected one of {BUNDLED}")
    root = checkout()
    return root / name if root is not None and (root / name).is_dir() else PACKAGE / "_bundled" / name


def version() -> str:
    """The installed distribution's version; from a checkout that was never installed, ``pyproject.toml``'s."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:
        root = checkout()
        return str(_project(root / "pyproject.toml").get("version", "unknown")) if root else "unknown"


def _project(pyproject: Path) -> dict:
    """The ``[project]`` table of a ``pyproject.toml`` (empty when it cannot be read)."""
    import tomllib

    try:
        with open(pyproject, "rb") as file:
            return dict(tomllib.load(file).get("project", {}))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
