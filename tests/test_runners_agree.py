"""The Mesa model and the batched engine are one set of dynamics: replicate k agrees exactly."""

from __future__ import annotations

import numpy as np
import pytest

from sim import NegotiationModel, load_scenario, simulate, with_overrides
from sim.loading import validate_scenario
from sim.outcomes import OUTCOMES as _OUTCOMES
from tests.builders import build, delegation, lone_holdout

OUTCOMES = {o.code: o.name for o in _OUTCOMES}


def cohesive_groups_and_stakeholders():
    """Two loose groups with leads, a coordinated one, and a stakeholder through each channel."""
    return build(
        [
            delegation("A1", 0.2, 0.9, power=3),
            delegation("A2", 0.5, 0.5),
            delegation("A3", 0.7, 0.3, style="boulware"),
            delegation("B1", 0.8, 0.2, power=2, style="boulware"),
            delegation("B2", 0.6, 0.4),
            delegation("C1", 0.4, 0.7),
            delegation("C2", 0.3, 0.6),
        ],
        blocs=[
            {"id": "a", "members": ["A1", "A2", "A3"], "cohesion": 0.6, "lead": "A1"},
            {"id": "b", "members": ["B1", "B2"], "cohesion": 0.3, "lead": "B1"},
            {"id": "c", "members": ["C1", "C2"], "coordinated": True, "lead": "C2"},
        ],
        stakeholders=[
            {"id": "ngo", "position": {"safeguards": 1.0}, "budget": 0.5, "channel": "salience"},
            {
                "id": "firm",
                "position": {"scope": 0.1, "safeguards": 0.9},
                "budget": 0.4,
                "channel": "outside_option",
                "targets": ["a"],
            },
            {"id": "office", "position": {"safeguards": 0.9}, "budget": 1.0, "channel": "position", "targets": ["B2"]},
        ],
        procedure={"rounds": 8},
    )


def scenarios():
    classroom = load_scenario("classroom")
    bloc = build(
        [
            delegation("E1", 0.2, 0.9, power=3),
            delegation("E2", 0.4, 0.6),
            delegation("X", 0.8, 0.2, style="boulware"),
            delegation("Y", 0.6, 0.5, can_block=False),
        ],
        blocs=[{"id": "eu", "members": ["E1", "E2"], "coordinated": True}],
    )
    return {
        "classroom": classroom,
        "uncc2024": load_scenario("uncc2024"),
        "classroom_zero_rounds": with_overrides(classroom, {"procedure": {"rounds": 0}}),
        "classroom_compromise_chair": with_overrides(classroom, {"chair": {"strategy": "compromise", "step": 0.4}}),
        "classroom_nash_chair": with_overrides(classroom, {"chair": {"strategy": "nash", "step": 0.5}}),
        "classroom_package_chair": with_overrides(classroom, {"chair": {"strategy": "package"}}),
        "classroom_friends_chair": with_overrides(classroom, {"chair": {"strategy": "friends", "friends": 3}}),
        "uncc2024_nash_chair": with_overrides(load_scenario("uncc2024"), {"chair": {"strategy": "nash", "step": 0.5}}),
        "uncc2024_package_chair": with_overrides(load_scenario("uncc2024"), {"chair": {"strategy": "package"}}),
        "uncc2024_friends_chair": with_overrides(load_scenario("uncc2024"), {"chair": {"strategy": "friends"}}),
        "lone_holdout": lone_holdout(),
        "coordinated_bloc": bloc,
        "classroom_status_quo_sessions": with_overrides(
            classroom,
            {
                "status_quo": {"scope": 0.0, "safeguards": 1.0},
                "procedure": {"sessions": 3, "resumable": True},
                "delegations": {"USA": {"outside_option": None}, "RUS": {"outside_option": None}},
            },
        ),
        "classroom_random_choice_isolation": with_overrides(
            classroom, {"behaviour": {"temperature": 0.05, "isolation_cost": 0.2}, "procedure": {"sessions": 2}}
        ),
        "cohesive_groups_and_stakeholders": cohesive_groups_and_stakeholders(),
        "uncc2024_random_choice": with_overrides(
            load_scenario("uncc2024"), {"behaviour": {"temperature": 0.03, "isolation_cost": 0.1}}
        ),
    }


@pytest.mark.parametrize("name", sorted(scenarios()))
def test_replicate_k_of_simulate_equals_the_mesa_model_run_with_its_seed(name):
    scenario = scenarios()[name]
    seed, replicates = 2024, 12
    batch = simulate(scenario, replicates, seed)
    for k in range(replicates):
        model = NegotiationModel(scenario, seed=seed, replicate=k).run()
        assert model.outcome == OUTCOMES[batch.outcome[k]], (name, k)
        assert model.final_round == batch.round[k], (name, k)
        assert model.final_session == batch.session[k], (name, k)
        assert np.array_equal(model.text, batch.text[k]), (name, k, model.text, batch.text[k])
        assert model.blockers == [d for d, b in zip(batch.delegation_ids, batch.blockers[k]) if b]
        assert (model.votes["yes"], model.votes["no"]) == (batch.yes[k], batch.no[k])
        if model.outcome != "consensus":
            assert model.votes["abstain"] == batch.abstain[k]


#: The chair's strategies of the random scenarios: the first 40 draw one of the first three (as before the chairs
#: that bargain, so they stay the same scenarios), the next 20 take the chairs that bargain in turn.
FIRST_STRATEGIES = ("accommodate", "compromise", "hold")
BARGAINING_STRATEGIES = ("nash", "package", "friends")


def random_scenario(rng: np.random.Generator, number: int):
    """A random small scenario: blocs, observers, vote weights, strategies, credibility, drafts — all varied."""
    n, k = int(rng.integers(1, 7)), int(rng.integers(1, 4))
    with_sq = rng.uniform() < 0.5
    issues = [{"id": f"i{j}", "label": f"issue {j}"} for j in range(k)]
    delegations = []
    for i in range(n):
        reservation = float(rng.uniform(0.3, 1.0))
        delegations.append(
            {
                "id": f"D{i}",
                "name": f"D{i}",
                "power": float(rng.uniform(0.2, 5)),
                "position": {f"i{j}": float(rng.uniform()) for j in range(k)},
                "salience": {f"i{j}": float(rng.uniform(0.05, 1)) for j in range(k)},
                "reservation": reservation,
                "outside_option": None if with_sq and rng.uniform() < 0.7 else float(rng.uniform(0, reservation)),
                "style": ["boulware", "linear", "conceder", float(rng.uniform(0.1, 5))][int(rng.integers(4))],
                "can_block": bool(rng.uniform() > 0.15),
                "votes": int(rng.integers(0, 4)),
            }
        )
    members = [d["id"] for d in delegations if rng.uniform() < 0.4]
    return validate_scenario(
        {
            "name": f"random_{number}",
            "title": "random",
            "issues": issues,
            "delegations": delegations,
            "blocs": [random_bloc(rng, members)] if members else [],
            "stakeholders": [
                {
                    "id": f"s{j}",
                    "position": {f"i{i}": float(rng.uniform()) for i in range(k) if rng.uniform() < 0.7} or {"i0": 0.5},
                    "budget": float(rng.choice([0.0, 0.3, 2.0])),
                    "channel": ["salience", "position", "outside_option"][int(rng.integers(3))],
                    "targets": [d["id"] for d in delegations if rng.uniform() < 0.5] if rng.uniform() < 0.5 else [],
                }
                for j in range(int(rng.integers(0, 3)))
            ],
            "procedure": {
                "rounds": int(rng.integers(0, 12)),
                "fallback": ["vote", "none"][int(rng.integers(2))],
                "abstention_band": float(rng.uniform(0, 0.2)),
                "deadline_credibility": float(rng.choice([1.0, 0.8])),
                "sessions": int(rng.integers(1, 4)),
                "resumable": bool(rng.uniform() < 0.4),
                "provision_voting": ("sophisticated", "sincere")[number % 2],
            },
            "uncertainty": {"group_position": (0.0, 0.1)[number % 3 == 0]},
            "status_quo": {f"i{j}": float(rng.uniform()) for j in range(k)} if with_sq else None,
            "ratification": {"threshold": int(rng.integers(1, 8)), "horizon_years": 5} if rng.uniform() < 0.5 else None,
            "provisions": [
                {"id": f"p{j}", "issue": f"i{int(rng.integers(k))}", "shift": float(rng.uniform(-0.3, 0.3))}
                for j in range(int(rng.integers(0, 3)))
            ],
            "behaviour": {
                "temperature": float(rng.choice([0.0, 0.0, 0.02, 0.2])),
                "isolation_cost": float(rng.choice([0.0, 0.15, 0.5])),
                "resumed_credibility": float(rng.choice([0.6, 0.85, 1.0])),
            },
            "chair": {
                "strategy": FIRST_STRATEGIES[int(rng.integers(3))]
                if number < 40
                else BARGAINING_STRATEGIES[number % 3],
                "step": float(rng.uniform(0.2, 1)),
                "draft": {f"i{j}": float(rng.uniform()) for j in range(k)} if rng.uniform() < 0.5 else None,
                **({"friends": int(rng.integers(1, 5))} if number >= 40 else {}),
            },
        },
        "random",
    )


def random_bloc(rng: np.random.Generator, members: list[str]) -> dict:
    """A bloc coordinated by the old flag, or by a cohesion in [0, 1], with or without a lead."""
    bloc = {"id": "b", "members": members}
    kind = int(rng.integers(3))
    if kind == 0:
        bloc["coordinated"] = bool(rng.uniform() < 0.7)
    else:
        bloc["cohesion"] = float(rng.choice([0.0, 0.3, 0.7, 1.0]))
    if rng.uniform() < 0.5:
        bloc["lead"] = members[int(rng.integers(len(members)))]
    return bloc


@pytest.mark.parametrize("number", range(60))
def test_the_runners_agree_on_random_scenarios(number):
    scenario = random_scenario(np.random.default_rng(number), number)
    batch = simulate(scenario, 8, number, chunk_size=3)
    for k in range(8):
        model = NegotiationModel(scenario, seed=number, replicate=k).run()
        assert (model.outcome, model.final_round) == (OUTCOMES[batch.outcome[k]], batch.round[k]), (number, k)
        assert model.final_session == batch.session[k], (number, k)
        assert (model.votes["yes"], model.votes["no"]) == (batch.yes[k], batch.no[k]), (number, k)
        for provision in scenario.provisions:
            if provision.id not in model.provision_results:  # no decision on the whole came (a suspended session)
                assert batch.record[f"provision_{provision.id}"][k] == -1, (number, k)
        for pid, vote in model.provision_results.items():
            assert batch.record[f"provision_{pid}"][k] == (int(vote["kept"]) if vote["called"] else -1), (number, k)
            assert (vote["keep"], vote["delete"]) == (batch.record[f"keep_{pid}"][k], batch.record[f"delete_{pid}"][k])
        if scenario.ratification is not None:
            assert (model.signatures, model.ratifications) == (batch.signatures[k], batch.ratifications[k])
            expected = None if np.isnan(batch.in_force_years[k]) else batch.in_force_years[k]
            assert model.in_force_years == expected, (number, k)
            assert model.ratified == [d for d, b in zip(batch.delegation_ids, batch.ratified[k]) if b]
        assert np.array_equal(model.text, batch.text[k]), (number, k)
        assert model.blockers == [d for d, b in zip(batch.delegation_ids, batch.blockers[k]) if b]


def test_the_mesa_model_collects_one_row_per_round():
    model = NegotiationModel(load_scenario("classroom"), seed=1, replicate=0).run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == model.round
    assert list(frame["round"]) == list(range(1, model.round + 1))
    assert {"text_scope", "text_safeguards", "objecting", "blocking"} <= set(frame.columns)
