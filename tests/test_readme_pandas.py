"""The README's "Results in pandas and notebooks": the in-memory example runs (``tests/test_readme.py`` executes
every ``python`` block), and its commands and the Python that reads their files work as written, in a fresh folder
(the file names are those ``treatysim-aggregate`` writes, ``analysis/sweep_tables.py``)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = re.search(r"### Results in pandas and notebooks\n(.*?)\n## ", README, flags=re.DOTALL)


def blocks(fence: str) -> list[str]:
    """The section's code blocks opened by ```` ```FENCE ```` (``""``: a plain fence), in order."""
    assert SECTION, "the README has no section 'Results in pandas and notebooks'"
    found, current, inside = [], [], None
    for line in SECTION.group(1).splitlines():
        if line.startswith("```"):
            if inside is None:
                inside, current = line[3:].strip(), []
            else:
                if inside == fence:
                    found.append("\n".join(current) + "\n")
                inside = None
        elif inside is not None:
            current.append(line)
    return found


def test_the_section_shows_to_frame_read_csv_and_read_parquet_of_both_sweep_tables():
    (example,) = blocks("python")
    assert ".to_frame()" in example and "replicates=200" in example and "print(" in example
    text = SECTION.group(1)
    for name in ("sweep_summary.parquet", "sweep_replicates.parquet", "pd.read_csv(", "pd.read_parquet("):
        assert name in text
    from sim.analysis.sweep_tables import write_tables

    source = Path(sys.modules[write_tables.__module__].__file__).read_text(encoding="utf-8")
    assert '"sweep_summary"' in source and '"sweep_replicates"' in source and ".parquet" in source


def test_the_sections_commands_and_file_reading_work_as_written(tmp_path: Path, capsys, monkeypatch):
    commands, reading = blocks("")
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"}
    for line in commands.strip().splitlines():
        args = shlex.split(line, comments=True)
        proc = subprocess.run(
            [str(bin_dir / args[0]), *args[1:]],
            check=False,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
        )
        assert proc.returncode == 0, (line, proc.stderr)
    monkeypatch.chdir(tmp_path)
    exec(compile(reading, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "p_adopted" in out and "consensus" in out
