"""The README's commands and code are what a new user runs first: they must work as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert blocks, "the README has no Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert capsys.readouterr().out.strip()


def test_the_quick_start_is_two_commands_and_ci_runs_them():
    quick = re.search(r"## Quick start.*?```\n(.*?)```", README, flags=re.DOTALL)
    assert quick, "no Quick start block"
    commands = [line for line in quick.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    install, test = commands
    assert "pip install -e" in install and install.rstrip().endswith("treatysim") and test.strip() == "pytest"
    ci = (ROOT / ".ci" / "run").read_text()
    install_steps = install.rsplit("&&", 1)[0].strip()  # CI runs the install; the suite covers the run itself
    assert install_steps in ci and shlex.split(ci.strip().splitlines()[-1]) == ["pytest"]


def test_every_bundled_scenario_is_listed_in_the_readme():
    from sim.loading import available_scenarios

    for name in available_scenarios():
        assert f"`{name}`" in README, f"bundled scenario {name} is not listed in the README"
