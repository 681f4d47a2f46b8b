"""Generate ``scenarios/uncc2024.yaml`` (all 193 UN member states) from data and a readable group table.

Inputs (all in the repository):

- ``tools/uncc2024_groups.yaml``: the negotiating groups — their stance on scope and safeguards, salience,
  reservation, outside option, style and members — plus the power proxy and the Budapest Convention parties;
- ``data/unga_ideal_points_2012.csv``: UN General Assembly ideal points of the 193 members in 2012 (Bailey,
  Strezhnev & Voeten 2017), the per-country prior on the safeguards axis.

Usage::

    python tools/build_uncc2024.py            # rewrite scenarios/uncc2024.yaml
    python tools/build_uncc2024.py --check    # exit 1 if the committed file is not what the inputs give
    python tools/build_uncc2024.py --extract unvoting.csv   # re-cut data/ from the full source table

The safeguards position is a normal-normal update (e.g. Gelman et al., *Bayesian Data Analysis*, ch. 2): prior
mean Φ(z) from the state's standardised ideal point, group evidence centred on the middle of the group's range;
the result is their precision-weighted mean. Nothing is fitted to the outcome of the negotiation.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GROUPS_FILE = HERE / "uncc2024_groups.yaml"
MEMBERS_FILE = HERE / "un_members.csv"
IDEAL_POINTS_FILE = ROOT / "data" / "unga_ideal_points_2012.csv"
SCENARIO_FILE = ROOT / "scenarios" / "uncc2024.yaml"

#: The source table codes two 2012 series "NAU": the first, in Kiribati's Correlates-of-War position (between
#: the Solomon Islands and Tuvalu, from 2000, when both joined the UN), is Kiribati, which is otherwise missing.
DUPLICATE_CODE_FIXES = {("NAU", 0): "KIR"}
IDEAL_POINT_COLUMNS = ("iso3", "cow", "name", "idealpoint", "pct_agree_us", "pct_agree_russia")


def extract_ideal_points(source: Path, members: Sequence[Mapping[str, str]], year: int) -> list[dict[str, str]]:
    """Cut one year of the full source table down to the UN members, keyed by ISO 3166 alpha-3 code.

    Rows keep the source's file order; a code seen twice in the year is relabelled by :data:`DUPLICATE_CODE_FIXES`
    (its n-th occurrence, counting from 0). Raises ``ValueError`` unless every member is found exactly once.
    """
    by_cow = {m["cow"]: m for m in members}
    rows = [r for r in read_csv(source) if int(r["Year"]) == year]
    codes = [r["CountryAbb"] for r in rows]
    out, seen = [], {}
    for row, code in zip(rows, codes):
        occurrence = seen[code] = seen.get(code, -1) + 1
        if codes.count(code) > 1:
            code = DUPLICATE_CODE_FIXES.get((code, occurrence), code)
        if code in by_cow:
            member = by_cow[code]
            out.append(
                {
                    "iso3": member["iso3"],
                    "cow": code,
                    "name": member["name"],
                    "idealpoint": row["idealpoint"],
                    "pct_agree_us": row["PctAgreeUS"],
                    "pct_agree_russia": row["PctAgreeRUSSIA"],
                }
            )
    found = [r["iso3"] for r in out]
    missing = sorted({m["iso3"] for m in members} - set(found))
    doubled = sorted({c for c in found if found.count(c) > 1})
    if missing or doubled:
        raise ValueError(f"ideal points {year}: missing {missing}, more than once {doubled}")
    return out


def write_csv(rows: Sequence[Mapping[str, str]], path: Path, columns: Sequence[str]) -> None:
    """Write rows as CSV with a fixed column order and Unix line ends."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def normal_cdf(z: float) -> float:
    """Φ(z), the standard normal distribution function."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def ideal_point_priors(ideal_points: Mapping[str, float]) -> dict[str, float]:
    """Each state's prior on the safeguards axis: Φ of its ideal point standardised over all states given."""
    values = list(ideal_points.values())
    mean = math.fsum(values) / len(values)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return {code: normal_cdf((value - mean) / sd) for code, value in ideal_points.items()}


def posterior_mean(prior: float, prior_sd: float, evidence: float, evidence_sd: float) -> float:
    """Precision-weighted mean of a normal prior and normal evidence (the normal-normal update)."""
    w_prior, w_evidence = prior_sd**-2, evidence_sd**-2
    return (w_prior * prior + w_evidence * evidence) / (w_prior + w_evidence)


def safeguards_position(prior: float, group_range: Sequence[float], settings: Mapping[str, float]) -> float:
    """A state's safeguards position: its ideal-point prior updated by its group's range of estimates."""
    low, high = group_range
    evidence_sd = (high - low) / 2.0 + settings["judgement_sd"]
    return posterior_mean(prior, settings["prior_sd"], (low + high) / 2.0, evidence_sd)


def power_of(code: str, table: Mapping[str, Any]) -> float:
    """Sovereign equality plus capacity: equality for all, + g20 for G20 members, + p5 for permanent members."""
    weights = table["power"]
    return weights["equality"] + weights["g20"] * (code in table["g20"]) + weights["p5"] * (code in table["p5"])


def delegation(code: str, name: str, group: Mapping[str, Any], prior: float, table: Mapping[str, Any]) -> dict:
    """One member state's delegation from its group's stance, its own prior and its Budapest status."""
    floor = group["outside_option"] + table["budapest_bonus"] * (code in table["budapest_parties"])
    return {
        "id": code,
        "name": name,
        "position": {
            "scope": group["scope"],
            "safeguards": round(safeguards_position(prior, group["safeguards"], table["safeguards_prior"]), 3),
        },
        "salience": dict(group["salience"]),
        "power": power_of(code, table),
        "reservation": group["reservation"],
        "outside_option": round(min(floor, group["reservation"]), 3),
        "style": group["style"],
    }


def check_table(table: Mapping[str, Any], members: Sequence[Mapping[str, str]]) -> None:
    """Every UN member in exactly one group, and every listed code a UN member; else ``ValueError``."""
    known = {m["iso3"] for m in members}
    listed = [c for g in table["groups"] for c in g["members"]]
    problems = []
    if sorted(set(listed)) != sorted(listed):
        problems.append(f"in more than one group: {sorted({c for c in listed if listed.count(c) > 1})}")
    if known - set(listed):
        problems.append(f"in no group: {sorted(known - set(listed))}")
    for key in ("budapest_parties", "g20", "p5"):
        unknown = set(table[key]) - known
        if unknown:
            problems.append(f"{key}: not UN members {sorted(unknown)}")
    if set(listed) - known:
        problems.append(f"not UN members: {sorted(set(listed) - known)}")
    if problems:
        raise ValueError("; ".join(problems))


def build_scenario(
    table: Mapping[str, Any], members: Sequence[Mapping[str, str]], ideal_points: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """The scenario as a plain mapping: header from the table, one delegation per member, one bloc per group."""
    check_table(table, members)
    names = {m["iso3"]: m["name"] for m in members}
    priors = ideal_point_priors({r["iso3"]: float(r["idealpoint"]) for r in ideal_points})
    delegations, blocs = [], []
    for group in table["groups"]:
        delegations += [delegation(code, names[code], group, priors[code], table) for code in group["members"]]
        blocs.append(
            {
                "id": group["id"],
                "name": group["name"],
                "members": list(group["members"]),
                "coordinated": bool(group.get("coordinated", False)),
            }
        )
    return {**table["scenario"], "blocs": blocs, "delegations": delegations}


def _flow(value: Any) -> str:
    """One mapping or list in YAML flow style on one line."""
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000, allow_unicode=True).strip()


def render(scenario: Mapping[str, Any]) -> str:
    """The scenario file's text: a header comment, then the sections, one delegation or bloc per line."""
    lines = [
        "# GENERATED by tools/build_uncc2024.py from tools/uncc2024_groups.yaml and",
        "# data/unga_ideal_points_2012.csv. Do not edit by hand: edit the inputs and run the script again.",
        "# Every UN member state is a delegation; the EU's 27 members form a coordinated bloc.",
    ]
    head = {k: scenario[k] for k in ("name", "title", "description", "sources")}
    lines.append(yaml.safe_dump(head, sort_keys=False, width=115, allow_unicode=True).rstrip())
    for section in ("issues", "blocs", "delegations"):
        lines.append(f"{section}:")
        lines += [f"  - {_flow(item)}" for item in scenario[section]]
    for section in ("procedure", "chair", "status_quo", "ratification"):
        if section in scenario:
            lines.append(f"{section}: {_flow(scenario[section])}")
    if scenario.get("provisions"):
        lines.append("provisions:")
        lines += [f"  - {_flow(item)}" for item in scenario["provisions"]]
    return "\n".join(lines) + "\n"


def generate() -> str:
    """The text of ``scenarios/uncc2024.yaml`` from the committed inputs."""
    table = yaml.safe_load(GROUPS_FILE.read_text(encoding="utf-8"))
    return render(build_scenario(table, read_csv(MEMBERS_FILE), read_csv(IDEAL_POINTS_FILE)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed scenario is out of date")
    parser.add_argument("--extract", metavar="UNVOTING_CSV", help="re-cut data/unga_ideal_points_2012.csv first")
    args = parser.parse_args(argv)
    if args.extract:
        year = yaml.safe_load(GROUPS_FILE.read_text(encoding="utf-8"))["safeguards_prior"]["year"]
        rows = extract_ideal_points(Path(args.extract), read_csv(MEMBERS_FILE), year)
        write_csv(rows, IDEAL_POINTS_FILE, IDEAL_POINT_COLUMNS)
    text = generate()
    if args.check:
        current = SCENARIO_FILE.read_text(encoding="utf-8") if SCENARIO_FILE.exists() else ""
        if current != text:
            print("scenarios/uncc2024.yaml is out of date: run python tools/build_uncc2024.py", file=sys.stderr)
            return 1
        return 0
    SCENARIO_FILE.write_text(text, encoding="utf-8")
    print(f"wrote scenarios/uncc2024.yaml ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
