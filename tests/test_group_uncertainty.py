"""Uncertainty about a group's position as a whole (``uncertainty.group_position``, docs/model.md §7): one shift per
bloc and issue, shared by its members."""

from __future__ import annotations

import numpy as np

from sim import simulate
from sim.inputs import compile_arrays, draw_batch
from tests.builders import build, delegation


def a_large_group(group_sd: float, position_sd: float = 0.02):
    """Thirty delegations of one group at safeguards 0.5 (the only issue they care about) face a held text at 0.6 at a
    deadline of one round; each accepts while its ideal point is within 0.2 of the text (outside option 0.8:
    u = 1 − |Δ|), so a member blocks only if its ideal point falls below 0.4 — five standard deviations of its own
    noise, one of the group's (sd 0.1). Plus one delegation outside the group, at the text."""
    cares = {"scope": 0.0, "safeguards": 1.0}
    members = [delegation(f"M{i}", 0.6, 0.5, salience=cares, reservation=0.8, outside_option=0.8) for i in range(30)]
    return build(
        [*members, delegation("X", 0.6, 0.6, salience=cares, reservation=0.8, outside_option=0.8)],
        blocs=[{"id": "g", "members": [m["id"] for m in members]}],
        chair={"strategy": "hold", "draft": {"scope": 0.6, "safeguards": 0.6}},
        procedure={"rounds": 1, "fallback": "none"},
        uncertainty={"position": position_sd, "salience": 0.0, "reservation": 0.0, "group_position": group_sd},
    )


def test_members_of_a_group_share_one_shift_per_issue_and_others_get_none():
    arrays = compile_arrays(a_large_group(0.1, position_sd=0.0))
    draw = draw_batch(arrays, 3, range(400))
    shift = draw.position - arrays.position  # (R, N, K)
    members = shift[:, :30, :]
    assert np.allclose(members, members[:, :1, :], atol=1e-6)  # the same shift for every member
    assert np.allclose(shift[:, 30, :], 0.0)  # the delegation outside the group: none
    assert 0.08 < members[:, 0, 1].std() < 0.12  # sd 0.1 per issue (clipping aside)
    assert abs(np.corrcoef(members[:, 0, 0], members[:, 0, 1])[0, 1]) < 0.2  # issue by issue, independently


def test_independent_errors_average_out_and_a_groups_error_does_not():
    """With each member's own error (sd 0.02) alone no member comes near 0.4, and the text is adopted in practically
    every replicate; with an error of 0.1 shared by the group (and none of their own) it is blocked exactly when the
    group's shift is below −0.1: P(z < −1) = 0.159, so consensus in 0.841 of the replicates."""
    alone = simulate(a_large_group(0.0), 1000, 4).outcome_labels()
    shared = simulate(a_large_group(0.1, position_sd=0.0), 1000, 4).outcome_labels()
    assert (alone == "consensus").mean() > 0.99
    assert 0.80 < (shared == "consensus").mean() < 0.88  # 0.841 ± three standard errors


def test_a_larger_group_error_never_makes_a_knife_edge_outcome_more_certain():
    shares = [(simulate(a_large_group(sd), 1000, 5).outcome_labels() == "consensus").mean() for sd in (0.0, 0.1, 0.3)]
    assert shares[0] > shares[1] > shares[2]


def test_a_scenario_without_blocs_draws_no_group_error():
    """Without blocs there is no group to share a shift: the same draws as with the setting off."""
    no_blocs = a_large_group(0.1).model_copy(update={"blocs": ()})
    off = a_large_group(0.0).model_copy(update={"blocs": ()})
    assert not compile_arrays(no_blocs).draws_group_positions
    assert np.array_equal(
        draw_batch(compile_arrays(no_blocs), 6, range(20)).position,
        draw_batch(compile_arrays(off), 6, range(20)).position,
    )


def test_the_report_names_a_shared_group_error_only_where_one_is_drawn():
    from sim.assumptions import describe

    def named(scenario):
        return [line for line in describe(scenario) if "share an error" in line]

    assert named(a_large_group(0.1)) == [
        "each bloc's ideal points share an error of sd 0.1 per issue, on top of each member's own"
    ]
    assert named(a_large_group(0.0)) == []
    assert named(a_large_group(0.1).model_copy(update={"blocs": ()})) == []


def test_each_bloc_draws_its_own_shift():
    members = [delegation(f"A{i}", 0.5, 0.5) for i in range(3)] + [delegation(f"B{i}", 0.5, 0.5) for i in range(3)]
    scenario = build(
        members,
        blocs=[{"id": "a", "members": ["A0", "A1", "A2"]}, {"id": "b", "members": ["B0", "B1", "B2"]}],
        uncertainty={"position": 0.0, "group_position": 0.1},
    )
    arrays = compile_arrays(scenario)
    shift = draw_batch(arrays, 9, range(500)).position - arrays.position
    assert np.allclose(shift[:, 0:3], shift[:, 0:1]) and np.allclose(shift[:, 3:6], shift[:, 3:4])
    for k in range(2):
        assert abs(np.corrcoef(shift[:, 0, k], shift[:, 3, k])[0, 1]) < 0.15  # independent across blocs
