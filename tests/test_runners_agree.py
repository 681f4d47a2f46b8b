"""The Mesa model and the batched engine are one set of dynamics: replicate k agrees exactly."""

from __future__ import annotations

import numpy as np
import pytest

from sim import NegotiationModel, load_scenario, simulate, with_overrides
from sim.dynamics import OUTCOMES
from tests.builders import build, delegation, lone_holdout


def scenarios():
    classroom = load_scenario("classroom")
    bloc = build(
        [delegation("E1", 0.2, 0.9, power=3), delegation("E2", 0.4, 0.6), delegation("X", 0.8, 0.2, style="boulware"),
         delegation("Y", 0.6, 0.5, can_block=False)],
        blocs=[{"id": "eu", "members": ["E1", "E2"], "coordinated": True}],
    )
    return {
        "classroom": classroom,
        "uncc2024": load_scenario("uncc2024"),
        "classroom_zero_rounds": with_overrides(classroom, {"procedure": {"rounds": 0}}),
        "classroom_compromise_chair": with_overrides(classroom, {"chair": {"strategy": "compromise", "step": 0.4}}),
        "lone_holdout": lone_holdout(),
        "coordinated_bloc": bloc,
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
        assert np.array_equal(model.text, batch.text[k]), (name, k, model.text, batch.text[k])
        assert model.blockers == [d for d, b in zip(batch.delegation_ids, batch.blockers[k]) if b]
        assert (model.votes["yes"], model.votes["no"]) == (batch.yes[k], batch.no[k])


def test_the_mesa_model_collects_one_row_per_round():
    model = NegotiationModel(load_scenario("classroom"), seed=1, replicate=0).run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == model.round
    assert list(frame["round"]) == list(range(1, model.round + 1))
    assert {"text_scope", "text_safeguards", "objecting", "blocking"} <= set(frame.columns)
