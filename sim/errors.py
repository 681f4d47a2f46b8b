"""The one error type users see: a problem with their input, said in one line per problem.

Every wrong scenario file, bad override or bad run setting ends as a :class:`ScenarioError`. The command line prints
it without a traceback and exits with code 2 (see ``sim.cli``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

EXIT_USAGE = 2


class ScenarioError(Exception):
    """Bad input: where it is (file, field path) and what was expected.

    ``problems`` is a list of ``(location, message)`` pairs; ``source`` names the file (or ``"overrides"``).
    """

    def __init__(self, source: str, problems: Sequence[tuple[str, str]], more_checks: bool = False):
        self.source = str(source)
        self.problems = list(problems)
        #: the checks across fields did not run (field errors stop them): a file may have more to fix
        self.more_checks = more_checks
        super().__init__(self.format())

    def format(self) -> str:
        """One line per problem: ``source: location: message``."""
        lines = []
        for location, message in self.problems:
            where = f"{self.source}: {location}: " if location else f"{self.source}: "
            lines.append(where + message)
        return "\n".join(lines)


def format_location(loc: Iterable[Any]) -> str:
    """Render a pydantic location tuple as a field path: ``('delegations', 3, 'position')`` → ``delegations[3].position``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_BOUND_WORDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("greater than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}


_PATTERNS = {
    r"^[A-Za-z_][A-Za-z0-9_]*$": "letters, digits and _, not starting with a digit",
    r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$": "letters, digits, _, . and -, not starting with . or -",
}

_EXPECTED = {
    "dict_type": "a mapping (indented 'key: value' lines)",
    "model_type": "a mapping (indented 'key: value' lines)",
    "list_type": "a list (lines starting with '- ')",
    "tuple_type": "a list (lines starting with '- ')",
    "string_type": "text",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
}


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "nothing (an empty value)"
    return _short(value)


def describe_pydantic_error(err: dict[str, Any]) -> str:
    """Turn one pydantic error dict into 'what was expected, got what' in plain words."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind in _BOUND_WORDS:
        word, key = _BOUND_WORDS[kind]
        return f"must be {word} {ctx.get(key)}, got {_short(got)}"
    if kind == "extra_forbidden":
        return "unknown field" + (f" (did you mean '{ctx['suggestion']}'?)" if ctx.get("suggestion") else "")
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}"
    if kind == "missing":
        return "required field is missing"
    if kind == "finite_number":
        return f"must be a finite number, got {_short(got)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_short(got)}"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    if kind == "string_pattern_mismatch":
        rule = _PATTERNS.get(str(ctx.get("pattern")), f"match {ctx.get('pattern')}")
        return f"must be {rule}, got {_short(got)}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_kind_of(got)}"
    message = str(err.get("msg", kind))
    message = message[0].lower() + message[1:] if message else message
    if kind.endswith(("_type", "_parsing")) and got is not None:
        message += f", got {_short(got)}"
    return message


def from_validation_error(source: str, exc: Any, describe: Any = None) -> ScenarioError:
    """A pydantic ``ValidationError`` as a :class:`ScenarioError`: one problem per error, at its field path, in
    plain words (``describe`` turns one error dict into words; :func:`describe_pydantic_error` by default)."""
    describe = describe or describe_pydantic_error
    return ScenarioError(source, [(format_location(e["loc"]), describe(e)) for e in exc.errors()])


EXIT_INTERRUPTED = 130


@contextmanager
def command_boundary(prog: str) -> Iterator[None]:
    """The one error boundary of every command: bad input (a :class:`ScenarioError`) prints one line per problem
    and exits with code 2, Ctrl-C prints one line and exits with 130, neither with a traceback. With
    ``TREATYSIM_DEBUG`` set in the environment, bad input raises instead (to see the traceback)."""
    import os
    import sys

    try:
        yield
    except ScenarioError as exc:
        if os.environ.get("TREATYSIM_DEBUG"):
            raise
        print(exc.format(), file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        if os.environ.get("TREATYSIM_DEBUG"):
            raise
        print(f"{prog}: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:  # an output folder that is a file, no permission, a full disk: one sentence
        if os.environ.get("TREATYSIM_DEBUG"):
            raise
        print(f"{prog}: {describe_os_error(exc)}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def describe_os_error(exc: OSError) -> str:
    """An operating system's error on a file or folder, in one sentence naming the path."""
    import errno

    where = exc.filename if exc.filename is not None else "a file"
    words = {
        errno.ENOSPC: "the disk is full (no space left on device)",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EEXIST: "is a file where a folder is needed",
        errno.ENOTDIR: "lies under a file, where a folder is needed",
        errno.EISDIR: "is a folder where a file is needed",
        errno.EACCES: "no permission",
        errno.EPERM: "no permission",
        errno.EROFS: "is on a read-only file system",
        errno.ENOENT: "no such file or folder",
    }
    why = words.get(exc.errno or 0, exc.strerror or str(exc))
    return f"{where}: {why}; choose another path (--out ...) or fix it, then run again"
