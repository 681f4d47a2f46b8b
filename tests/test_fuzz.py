"""Fuzzing the scenario schema: any document either validates and simulates sanely, or raises ScenarioError only."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import simulate
from sim.analysis.stats import summarize
from sim.errors import ScenarioError
from sim.loading import validate_scenario

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
)
unit = st.floats(0, 1)


@st.composite
def valid_documents(draw):
    """Documents that follow the schema (ids, keys and ranges right), with random values and options."""
    issue_ids = [f"i{j}" for j in range(draw(st.integers(1, 3)))]
    delegations = []
    for n in range(draw(st.integers(1, 5))):
        reservation = draw(unit)
        d = {
            "id": f"D{n}",
            "name": f"d{n}",
            "position": {i: draw(unit) for i in issue_ids},
            "salience": {i: draw(st.floats(0.01, 5)) for i in issue_ids},
            "power": draw(st.floats(0.01, 10)),
            "reservation": reservation,
            "outside_option": draw(st.floats(0, 1)) * reservation,
            "style": draw(st.sampled_from(["boulware", "linear", "conceder", 0.05, 0.5, 2.0, 50])),
            "can_block": draw(st.booleans()),
            "votes": draw(st.integers(0, 30)),
        }
        delegations.append(d)
    doc = {
        "name": "fuzz",
        "title": "fuzz",
        "issues": [{"id": i, "label": i} for i in issue_ids],
        "delegations": delegations,
        "procedure": {
            "rounds": draw(st.integers(0, 6)),
            "fallback": draw(st.sampled_from(["vote", "none"])),
            "vote_threshold": draw(st.floats(0.01, 1)),
            "abstention_band": draw(unit),
        },
        "chair": {
            "strategy": draw(st.sampled_from(["accommodate", "compromise", "hold"])),
            "step": draw(st.floats(0.01, 1)),
        },
        "uncertainty": {"position": draw(unit), "salience": draw(st.floats(0, 3)), "reservation": draw(unit)},
    }
    if draw(st.booleans()):
        doc["chair"]["draft"] = {i: draw(unit) for i in issue_ids}
    if draw(st.booleans()):
        members = draw(st.lists(st.sampled_from([d["id"] for d in delegations]), unique=True))
        doc["blocs"] = [{"id": "b", "coordinated": draw(st.booleans()), "members": members}]
    return doc


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


@st.composite
def scenario_documents(draw):
    """Half valid documents, half valid documents with one place broken (junk value, dropped or extra key)."""
    doc = draw(valid_documents())
    if draw(st.booleans()):
        return doc
    path = draw(st.sampled_from([p for p in _paths(doc) if p]))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["junk", "drop", "extra"]))
    if action == "junk":
        parent[path[-1]] = draw(junk)
    elif action == "drop" and isinstance(parent, dict):
        parent.pop(path[-1])
    elif isinstance(parent, dict):
        parent[f"{path[-1]}_x"] = draw(junk)
    return doc


@pytest.mark.filterwarnings("error::RuntimeWarning")
@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(doc=scenario_documents())
def test_any_document_validates_and_simulates_or_raises_scenario_error(doc):
    try:
        scenario = validate_scenario(doc, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems and all(isinstance(msg, str) and msg for _, msg in exc.problems)
        return
    results = simulate(scenario, 16, 0)
    summary = summarize(results)
    shares = [summary[k] for k in ("p_consensus", "p_vote", "p_failed")]
    assert all(0 <= p <= 1 for p in shares) and abs(sum(shares) - 1) < 1e-12
    assert not np.isnan(results.text).any()
    assert ((results.text >= 0) & (results.text <= 1)).all()
