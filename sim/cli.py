"""The ``treatysim`` command: a thin Hydra entry point around :func:`sim.runner.run`.

Bad input (a wrong scenario file, a bad override) prints one clear line per problem and exits with code 2, no
traceback (set ``TREATYSIM_DEBUG=1`` to see one). Ctrl-C stops cleanly: files already written are complete.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import EXIT_USAGE, ScenarioError
from sim.resources import bundled_dir

if TYPE_CHECKING:
    from omegaconf import DictConfig

EXIT_INTERRUPTED = 130
CONF_DIR = str(bundled_dir("conf"))  # the repository's conf/, or the installed package's copy


def hydra_main() -> None:
    """Run :func:`task` as a Hydra app (imported here, inside :func:`main`'s Ctrl-C handling)."""
    import hydra

    hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")(task)()


def task(cfg: DictConfig) -> None:
    """Hand Hydra's config to the plain runner as plain data."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    _task["started"] = True
    hydra_config = HydraConfig.get()
    output_dir = Path(hydra_config.runtime.output_dir)
    resume = hydra_config.mode == RunMode.MULTIRUN  # a rerun sweep may redo a job whose settings changed
    run_and_report(OmegaConf.to_container(cfg, resolve=True), output_dir, resume)  # type: ignore[arg-type]


def run_and_report(data: dict, output_dir: Path, resume: bool = False) -> None:
    """Validate, run (complete results of the same settings are reused; ``resume``: a sweep job run earlier with
    other settings is run again rather than refused), print the report; turn bad input and Ctrl-C into clean exits."""
    from sim.analysis.report import format_summary
    from sim.config import parse_run_config
    from sim.runner import run

    debug = bool(os.environ.get("TREATYSIM_DEBUG"))
    earlier = summary_identity(output_dir)
    try:
        config = parse_run_config(data)
        summary = run(config, output_dir, resume=resume)
    except ScenarioError as exc:
        if debug:
            raise
        print(exc.format(), file=sys.stderr)
        remove_unused_run_folder(output_dir)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        print(f"treatysim: interrupted; nothing incomplete was left in {output_dir}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    try:
        print(format_summary(summary, summary.get("title", "")))
        reused = earlier is not None and summary_identity(output_dir) == earlier
        print(f"\n  {'already in' if reused else 'written to'} {output_dir}/", flush=True)
    except BrokenPipeError:  # `treatysim | head`: the reader has gone; the files are written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


_task = {"started": False}


def summary_identity(output_dir: Path) -> tuple[int, int] | None:
    """The run folder's ``summary.json`` as a file (inode, modification time), or None: every run writes it anew
    (to a temporary file, renamed), so an unchanged identity means the run reused results already there."""
    from sim.runner import SUMMARY_FILE

    try:
        stat = (output_dir / SUMMARY_FILE).stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def remove_unused_run_folder(output_dir: Path) -> None:
    """After bad input: remove the run folder Hydra made for the run if it holds nothing but Hydra's own records
    (``.hydra/`` and its log), so a class's typos do not leave a trail of empty ``outputs/DATE/TIME`` folders. A
    folder holding anything else — an earlier run's results, the user's files — is left as it is."""
    import shutil

    try:
        if output_dir.resolve() in (Path.cwd(), *Path.cwd().parents):  # hydra.run.dir=.: never the folder one is in
            return
        entries = list(output_dir.iterdir())
        hydra_only = all(
            (e.name == ".hydra" and e.is_dir() and all(f.suffix == ".yaml" for f in e.iterdir()))
            or (e.suffix == ".log" and e.is_file())
            for e in entries
        )
        if entries and hydra_only:
            shutil.rmtree(output_dir)
    except OSError:  # gone already, or not ours to remove: the error above is what matters
        pass


def main() -> None:
    """Console entry point. An override of a setting that does not exist is caught before Hydra starts (one line,
    with the closest known setting); anything else Hydra cannot compose makes it exit with 1, which is bad input too,
    so it becomes exit code 2. Ctrl-C at any point exits with 130 and a message."""
    if "--version" in sys.argv[1:]:  # treatysim's version, not Hydra's (which Hydra's own --version prints)
        from sim import __version__

        print(f"treatysim {__version__}")
        sys.exit(0)
    if sys.argv[1:2] == ["validate"]:  # `treatysim validate FILE...`: check scenario files, run nothing
        sys.exit(validate(sys.argv[2:]))
    try:
        hints = unknown_setting_hints(sys.argv[1:])
        if hints:
            for hint in hints:
                print(f"treatysim: {hint}", file=sys.stderr)
            sys.exit(EXIT_USAGE)
        hydra_main()
    except KeyboardInterrupt:  # before the run started or after it ended: nothing half-written either way
        print("treatysim: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit as exc:
        if exc.code == 1 and not _task["started"]:
            print(
                "treatysim: the command line could not be read (see above); the settings are in conf/config.yaml",
                file=sys.stderr,
            )
            sys.exit(EXIT_USAGE)
        raise


VALIDATE_USAGE = "usage: treatysim validate FILE... (scenario files, or names of bundled scenarios)"


def validate(paths: list[str]) -> int:
    """``treatysim validate FILE...``: load and validate each scenario file (its ``extends`` chain included) as a run
    would, without running it. Prints ``ok: FILE (...)`` for each good file and the run's one line per problem for
    each bad one (on stderr); returns the exit code: 0 if every file is good, 2 if any is bad or none is given."""
    if not paths or any(p in ("-h", "--help") for p in paths):
        print(VALIDATE_USAGE, file=sys.stdout if paths else sys.stderr)
        return 0 if paths else EXIT_USAGE
    from sim.loading import load_scenario

    debug = bool(os.environ.get("TREATYSIM_DEBUG"))
    bad = 0
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            if debug:
                raise
            print(exc.format(), file=sys.stderr)
            if exc.more_checks:
                from sim.loading import LATER_CHECKS

                print(f"{exc.source}: ({LATER_CHECKS})", file=sys.stderr)
            bad += 1
            continue
        except OSError as exc:  # a folder, a file that cannot be read
            if debug:
                raise
            print(f"{path}: cannot read it: {exc.strerror or exc}", file=sys.stderr)
            bad += 1
            continue
        print(f"ok: {path} ({len(scenario.delegations)} delegations, {len(scenario.issues)} issues: {scenario.title})")
    return EXIT_USAGE if bad else 0


def known_settings() -> list[str]:
    """Every settable key of ``conf/config.yaml``, dotted (``procedure.rounds``), sections included (``figures``)."""

    def walk(node: object, prefix: str) -> list[str]:
        if not isinstance(node, dict):
            return [prefix]
        inner = [key for k, v in node.items() for key in walk(v, f"{prefix}.{k}" if prefix else str(k))]
        return [prefix, *inner] if prefix else inner  # a section is a setting too (figures=false)

    from omegaconf import OmegaConf

    conf = OmegaConf.to_container(OmegaConf.load(Path(CONF_DIR) / "config.yaml"))
    return [k for k in walk({k: v for k, v in conf.items() if k not in ("defaults", "hydra")}, "")]  # type: ignore[union-attr]


#: The scenario's lists patched by id on the command line, each with an example.
PATCHED_BY_ID = {
    "delegations": "delegations.USA.outside_option=0.7",
    "blocs": "blocs.like_minded.cohesion=0.9",
    "stakeholders": "stakeholders.industry.budget=4",
}


def setting_sections() -> dict[str, list[str]]:
    """The sections of ``conf/config.yaml`` (``procedure``, ``delegations``, ...), each with its settings' keys."""
    from omegaconf import OmegaConf

    conf = OmegaConf.to_container(OmegaConf.load(Path(CONF_DIR) / "config.yaml"))
    return {
        str(k): [str(key) for key in v]
        for k, v in conf.items()  # type: ignore[union-attr]
        if isinstance(v, dict) and k not in ("defaults", "hydra")
    }


def section_hint(key: str, settings: list[str]) -> str:
    """A whole section set at once (``delegations=[1,2]``, ``procedure=5``): what it holds and how to set it."""
    if key in PATCHED_BY_ID:
        return (
            f"'{key}' is not set as a whole: patch one field by its id, with a leading +, e.g. +{PATCHED_BY_ID[key]} "
            f"(the {key} themselves are in the scenario file)"
        )
    example = f"{key}.{settings[0]}=..." if settings else f"{key}.NAME=..."
    return f"'{key}' is a section of settings ({', '.join(settings)}): set one of them, e.g. {example}"


def unknown_setting_hints(args: list[str]) -> list[str]:
    """For each ``key=value`` override that cannot be read, or whose key is not a setting, one line (with the closest
    known setting).

    Appends (``+key``), deletions (``~key``), Hydra's own settings and config groups (``hydra/launcher=...``) are
    left to Hydra."""
    import difflib

    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    known = known_settings()
    sections = setting_sections()
    groups = sorted(p.name for p in Path(CONF_DIR).iterdir() if p.is_dir() and p.name != "hydra")
    parser = OverridesParser.create()
    hints = []
    for arg in args:
        group_hint = unknown_group_option(arg, groups)
        if group_hint:
            hints.append(group_hint)
            continue
        if "=" in arg and not arg.startswith("-"):
            try:
                parser.parse_overrides([arg])
            except OverrideParseException as exc:
                reason = str(exc).splitlines()[0]
                hints.append(f"cannot read '{arg}': {reason} (Hydra's override syntax: key=value, lists as [a,b])")
                continue
        key = arg.split("=", 1)[0]
        if "=" in arg and key in sections and key != "figures":  # figures=false switches them off; others hold keys
            hints.append(section_hint(key, sections[key]))
            continue
        if "=" not in arg or key.startswith(("hydra", "+", "~", "-")) or "/" in key or key in known:
            continue
        if key.split(".")[0] in PATCHED_BY_ID:
            hints.append(f"patch with a leading +: +{arg} ({key.split('.')[0]} are patched by id)")
            continue
        if key in groups:
            hints.append(f"'{key}' is a group of ready-made configs: use +{key}=NAME (see conf/{key}/)")
            continue
        close = difflib.get_close_matches(key, known, n=1)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        hints.append(f"unknown setting '{key}'{suggestion}; the settings and their defaults are in conf/config.yaml")
    return hints


def unknown_group_option(arg: str, groups: list[str]) -> str | None:
    """For ``+experiment=NAME`` (or ``experiment=NAME``, ``++...``) naming no file of ``conf/experiment/``, one line
    with the closest name and the available ones (Hydra's own message is a dump of its search path)."""
    import difflib

    key, sep, value = arg.partition("=")
    group = key.lstrip("+~")
    if not sep or key.startswith("~") or group not in groups or not value.strip():
        return None
    available = sorted(p.stem for p in (Path(CONF_DIR) / group).glob("*.yaml"))
    names = [v.strip() for v in value.split(",")]  # a sweep over several: +experiment=a,b
    unknown = [n for n in names if n not in available]
    if not unknown or any(c in value for c in "[]()${}*"):  # Hydra's sweep syntax: leave it to Hydra
        return None
    close = difflib.get_close_matches(unknown[0], available, n=1)
    suggestion = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"no {group} '{unknown[0]}'{suggestion}; the {group}s: {', '.join(available) or 'none'} "
        f"(conf/{group}/*.yaml), used as +{group}=NAME"
    )


if __name__ == "__main__":
    main()
