"""The agent-based model (Mesa 3): one run, step by step — for the dashboard, teaching and checking the engine.

One :class:`Delegation` agent per delegation, one :class:`Coalition` agent per group that pulls its members (a
coordinated bloc, or a looser group with a cohesion) and one :class:`Stakeholder` agent per actor without a vote;
:meth:`NegotiationModel.step` is one round: the stakeholders press their targets, every delegation weighs the
chair's text, each group settles its line and its members follow or break ranks, and either consensus ends the
talks or the chair revises the text. At the deadline the fallback decides. Every move is a function of :mod:`sim.steps` over
:mod:`sim.dynamics`, the same layer the batched engine's stages (:mod:`sim.stages`) call, so replicate k of
``simulate(scenario, R, seed)`` and ``NegotiationModel(scenario, seed, replicate=k)`` agree
(``tests/test_runners_agree.py``).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import dynamics as dyn
from sim import outcomes, steps
from sim.inputs import Draw, Lobby, compile_arrays, draw_inputs, replicate_rng
from sim.scenario import Scenario


class Delegation(mesa.Agent):
    """A delegation: its (perturbed) ideal point, salience, power and concession schedule."""

    def __init__(self, model: NegotiationModel, index: int, draw: Draw) -> None:
        super().__init__(model)
        arrays = model.arrays
        self.index = index
        self.delegation_id = arrays.delegation_ids[index]
        self.name = model.treaty_scenario.delegations[index].name
        self.position = draw.position[index]
        self.salience = draw.salience[index]
        # one-element arrays: the same ufunc code path as the batched engine's vectors
        self.reservation = draw.reservation[index : index + 1]
        self.outside_option = draw.outside_option[index : index + 1]
        self.beta = arrays.beta[index : index + 1]
        self.power = float(arrays.power[index])
        self.can_block = bool(arrays.can_block[index])
        self.utility = float("nan")
        self.threshold = float("nan")
        self.objecting = False
        self.blocking = False

    def resume(self, draw: Draw) -> None:
        """A new session: demands start where the last session's concessions ended (``draw.reservation``)."""
        self.reservation = draw.reservation[self.index : self.index + 1]

    def adopt(self, draw: Draw) -> None:
        """Take the inputs the stakeholders' pressure left (:class:`Stakeholder`): ideal point, salience, demands."""
        self.position, self.salience = draw.position[self.index], draw.salience[self.index]
        self.reservation = draw.reservation[self.index : self.index + 1]
        self.outside_option = draw.outside_option[self.index : self.index + 1]

    def evaluate(self, text: np.ndarray, progress: float | np.ndarray) -> None:
        """Weigh the text: its utility to this delegation and the threshold it demands at this point in time."""
        self.utility = dyn.utility(text, self.position[None, :], self.salience[None, :])[0]
        self.threshold = dyn.acceptance_threshold(progress, self.reservation, self.outside_option, self.beta)[0]

    def decide(self, objecting: bool, blocking: bool) -> None:
        """Accept or object, as the round's decision (:func:`sim.steps.decide`) says for this delegation."""
        self.objecting, self.blocking = bool(objecting), bool(blocking)


class Coalition(mesa.Agent):
    """A group whose line pulls its members each round (:func:`sim.dynamics.cohere`): a coordinated bloc (cohesion 1)
    or a looser group. After each decision it knows its line (accept or object, on the members' power-weighted
    surplus) and which members broke ranks."""

    def __init__(self, model: NegotiationModel, bloc_id: str, name: str, members: np.ndarray, cohesion: float) -> None:
        super().__init__(model)
        self.bloc_id, self.name, self.members, self.cohesion = bloc_id, name, members, cohesion
        lead = model.arrays.lead
        self.lead = None if lead is None or lead[members[0]] < 0 else model.arrays.delegation_ids[lead[members[0]]]
        self.accepts: bool | None = None  # the group's line in the last round
        self.defectors: list[str] = []

    def take_line(self, util: np.ndarray, threshold: np.ndarray) -> None:
        """Settle the group's line on the members' utilities and demands and pull the members toward it, in place."""
        weight = self.model.arrays.power[self.members]
        surplus = dyn.ordered_sum((util[self.members] - threshold[self.members]) * weight)
        self.accepts = bool(surplus >= 0.0)
        dyn.cohere(util, self.members, weight, self.cohesion)
        dyn.cohere(threshold, self.members, weight, self.cohesion)

    def count_defectors(self, objecting: np.ndarray) -> None:
        """The members whose decision differs from the group's line."""
        ids = self.model.arrays.delegation_ids
        self.defectors = [ids[i] for i in self.members if bool(objecting[i]) == self.accepts]


class Stakeholder(mesa.Agent):
    """An actor without a vote that presses its targets each round (:func:`sim.lobbying.press`); it remembers whom
    it pressed in the last round and how hard."""

    def __init__(self, model: NegotiationModel, lobby: Lobby, name: str, kind: str) -> None:
        super().__init__(model)
        self.lobby, self.stakeholder_id, self.name, self.kind = lobby, lobby.id, name, kind
        self.targets: list[str] = []
        self.pressure = 0.0  # the sum of the intensities it spent in the last round

    def press(self) -> None:
        """Press this round's targets (:func:`sim.steps.press`); the model's inputs become what the pressure leaves."""
        m = self.model
        m.draw, done = steps.press(self.lobby, m.draw, m.text)
        self.targets = [m.arrays.delegation_ids[i] for i in np.flatnonzero(done.targets)]
        self.pressure = float(done.intensity.sum())


class NegotiationModel(mesa.Model):
    """One negotiation under ``scenario``, with replicate ``replicate``'s draw of the uncertain draw."""

    def __init__(self, scenario: Scenario, seed: int = 0, replicate: int = 0) -> None:
        arrays = compile_arrays(scenario)
        rng = replicate_rng(seed, replicate)
        draw = draw_inputs(arrays, rng)  # first use of the replicate's generator, as in the engine
        super().__init__(rng=rng)
        # Mesa 3 reserves `scenario` for its own experiment objects, hence `treaty_scenario`
        self.treaty_scenario, self.arrays, self.seed, self.replicate = scenario, arrays, seed, replicate
        for index in range(len(arrays.delegation_ids)):
            Delegation(self, index, draw)
        self.delegations: list[Delegation] = sorted(self.agents_by_type[Delegation], key=lambda a: a.index)
        self.coalitions = self._coalitions(scenario)
        by_id = {s.id: s for s in scenario.stakeholders}
        self.stakeholders = [Stakeholder(self, s, by_id[s.id].name, by_id[s.id].kind) for s in arrays.stakeholders]
        self.draw = self.opening_draw = draw
        self.session = 0  # 0-based; the round counter restarts with each session
        self.round = 0
        self.text = steps.opening_text(arrays, draw)
        self.text_path = [self.text.copy()]
        self.outcome: str | None = None
        self.votes = {"yes": 0, "no": 0, "abstain": 0}
        self.signatures, self.ratifications, self.ratified = 0, 0, []  # after adoption (see ratify())
        self.in_force_years: float | None = None
        self.provision_results: dict[str, dict[str, object]] = {}  # see vote_on_provisions()
        self.provisions_voted = False  # the provisions are put to the vote once, before the decision on the whole
        self.played: dict[int, tuple[bool, np.ndarray | None]] = {}  # see play(); empty unless someone plays
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "round": "round",
                **{f"text_{k}": self._text_reporter(i) for i, k in enumerate(arrays.issue_ids)},
                "objecting": lambda m: sum(d.objecting for d in m.delegations),
                "blocking": lambda m: sum(d.blocking for d in m.delegations),
            },
            agenttype_reporters={
                Delegation: {"delegation": "delegation_id", "utility": "utility", "objecting": "objecting"},
                Coalition: {"bloc": "bloc_id", "accepts": "accepts", "defectors": lambda c: len(c.defectors)},
                Stakeholder: {"stakeholder": "stakeholder_id", "pressure": "pressure"},
            },
        )

    def _coalitions(self, scenario: Scenario) -> list[Coalition]:
        """A :class:`Coalition` agent for every group that pulls its members: the coordinated blocs, then the looser."""
        arrays, names = self.arrays, {b.id: b.name or b.id for b in scenario.blocs}
        out = []
        for n in range(arrays.n_blocs):
            members = np.flatnonzero(arrays.bloc_index == n)
            bloc = arrays.deciders[members[0]]  # a coordinated bloc's members are decided for by its id
            out.append(Coalition(self, bloc, names[bloc], members, 1.0))
        if arrays.cohesive_index is not None:
            bloc_of = scenario.bloc_of()
            for n, pull in enumerate(arrays.cohesion):
                members = np.flatnonzero(arrays.cohesive_index == n)
                bloc = bloc_of[arrays.delegation_ids[members[0]]]
                out.append(Coalition(self, bloc, names[bloc], members, pull))
        return out

    @staticmethod
    def _text_reporter(issue: int):
        return lambda m: float(m.text[issue])

    def play(self, delegation_id: str, objecting: bool, counter_text: np.ndarray | None = None) -> None:
        """A person plays ``delegation_id`` in the next round (the classroom dashboard's hook).

        Its accept/object decision (and, at the deadline, its ballot: yes or no) is ``objecting`` instead of the
        model's; ``counter_text`` (one value per issue) is what it asks for instead: if it blocks, the chair
        accommodates it as if its ideal point were the counter-text and it needed the whole way there; an objection
        without a counter-text to a text the model would have accepted asks, likewise, for its own ideal point. Applies to
        the next :meth:`step` only. Without any call the model runs exactly as before.
        """
        index = self.arrays.delegation_ids.index(delegation_id)
        text = None if counter_text is None else np.clip(np.asarray(counter_text, dtype=float), 0.0, 1.0)
        self.played[index] = (bool(objecting), text)

    def step(self) -> None:
        """One round: weigh the text, decide, then consensus, the fallback at the deadline, or a revised text."""
        if not self.running:
            return
        try:
            self._step()
        finally:
            self.played = {}

    @property
    def belief(self) -> float | np.ndarray:
        """How far the delegations believe this session's deadline (:func:`sim.steps.credibility`)."""
        return steps.credibility(self.arrays, self.draw, self.session)

    def _step(self) -> None:
        rounds = self.arrays.rounds
        if rounds == 0:
            self.end_session()
            return
        self.round += 1
        if self.stakeholders:
            for stakeholder in self.stakeholders:
                stakeholder.press()
            self.agents_by_type[Delegation].do("adopt", self.draw)
        if self.arrays.provision_ids and not self.provisions_voted:
            final = not self.arrays.followed[self.session]
            if steps.decision_due(self.arrays, self.text, self.draw, self.round, final, self.belief):
                self.vote_on_provisions()
        self.agents_by_type[Delegation].do("evaluate", self.text, steps.progress(self.arrays, self.round, self.belief))
        self.settle(steps.choice_uniforms(self.arrays, self.draw, self.session, self.round))
        self.datacollector.collect(self)
        if not any(d.blocking for d in self.delegations):
            self.outcome, self.running = outcomes.CONSENSUS.name, False
            self.ratify()
        elif self.round == rounds:
            self.end_session()
        else:
            self.revise_text()

    def settle(self, uniform: np.ndarray | None) -> None:
        """Each group settles its line and pulls its members toward it (:class:`Coalition`), then each delegation
        accepts or objects (random-utility draws ``uniform`` when the scenario's choice is stochastic)."""
        util = np.array([d.utility for d in self.delegations])
        threshold = np.array([d.threshold for d in self.delegations])
        for coalition in self.coalitions:
            coalition.take_line(util, threshold)
        decision = steps.decide(self.arrays, util, threshold, self.round, self.belief, uniform)
        for d in self.delegations:
            d.decide(decision.objecting[d.index], decision.blocking[d.index])
        for index, (objecting, _) in self.played.items():
            d = self.delegations[index]
            d.objecting, d.blocking = objecting, objecting and d.can_block
        for coalition in self.coalitions:  # after a person's decisions: a student can break ranks too
            coalition.count_defectors(np.array([d.objecting for d in self.delegations]))
        self._pooled = (util, threshold, decision.threshold)

    def preview(self) -> steps.Decision:
        """What every delegation would decide in the coming round on the text now on the table, as :meth:`step` will
        decide it — after the stakeholders' pressure, with the groups' pull and coordinated blocs pooled, any relief of
        isolation and the round's random-utility draws — without changing the model (the dashboard's advice to a
        player). The recorded votes on provisions that open the round of the decision on the whole are not foreseen."""
        t = min(self.round + 1, max(self.arrays.rounds, 1))
        draw = steps.lobby(self.arrays, self.draw, self.text) if self.stakeholders else self.draw
        util, threshold = steps.assess(self.arrays, self.text, draw, t, self.belief)
        uniform = steps.choice_uniforms(self.arrays, draw, self.session, t)
        return steps.decide(self.arrays, util, threshold, t, self.belief, uniform)

    def revise_text(self) -> None:
        """The chair's revision toward the blocking objectors (or per its strategy)."""
        util, _, threshold = self._pooled
        blocked = np.array([d.blocking for d in self.delegations])
        position = np.array([d.position for d in self.delegations])
        salience = np.array([d.salience for d in self.delegations])
        for index, (_, counter) in self.played.items():
            # a counter-text, or an objection the model would not have made (no shortfall): the chair treats the
            # player's demand (the counter-text, else its ideal point) as if the text gave it nothing, the whole way
            if blocked[index] and (counter is not None or threshold[index] - util[index] <= 0):
                util, threshold = util.copy(), threshold.copy()
                position[index] = position[index] if counter is None else counter
                util[index], threshold[index] = 0.0, 1.0
        self.text = steps.revise(
            self.arrays, self.text, position, salience, util, threshold, blocked, self.draw.outside_option
        )
        self.text_path.append(self.text.copy())

    def end_session(self) -> None:
        """A session's deadline without consensus: the next session, suspension, or (after the final session) the
        fallback. Who still blocks is the last round's decision (with no round held, the opening text's)."""
        if self.round == 0:  # a session of no rounds: the deterministic view of the opening text at the deadline
            self.agents_by_type[Delegation].do(
                "evaluate", self.text, steps.progress(self.arrays, self.arrays.rounds, self.belief)
            )
            util = steps.pooled(self.arrays, np.array([d.utility for d in self.delegations]))
            threshold = steps.pooled(self.arrays, np.array([d.threshold for d in self.delegations]))
            blocking = steps.blocked(self.arrays, util, threshold)
            for d in self.delegations:
                d.decide(blocking[d.index], blocking[d.index])
            self._pooled = (util, threshold, threshold)
        if self.arrays.followed[self.session]:
            if self.session + 1 < self.arrays.sessions:
                self.draw = steps.carry_concessions(self.arrays, self.draw, self.belief)
                self.agents_by_type[Delegation].do("resume", self.draw)
                self.session, self.round = self.session + 1, 0
                return
            self.outcome, self.running = outcomes.SUSPENDED.name, False
            return
        self.conclude()

    def conclude(self) -> None:
        """The final deadline: the fallback vote if the rules provide one, else the talks fail."""
        self.running = False
        self.outcome = outcomes.FAILED.name
        if not self.arrays.vote_fallback:
            return
        util, threshold, _ = self._pooled
        uniform = steps.choice_uniforms(self.arrays, self.draw, self.arrays.sessions - 1, self.arrays.rounds + 1)
        yes, no = steps.ballots(self.arrays, util, threshold, uniform)
        for index, (objecting, _) in self.played.items():
            yes[index], no[index] = not objecting, objecting
        count = steps.count_votes(self.arrays, yes, no)
        self.votes = {"yes": int(count.yes), "no": int(count.no), "abstain": int(count.abstain)}
        if count.adopted:
            self.outcome = outcomes.VOTE.name
            self.ratify()

    def vote_on_provisions(self) -> None:
        """The round of the decision on the whole text (:func:`sim.steps.decision_due`: the text would be agreed by
        consensus, or the final session's last round) opens, once per run, with recorded votes on deleting single
        provisions (:func:`sim.steps.provision_votes`); ``provision_results`` keeps each vote, the text goes on
        without the provisions deleted."""
        self.provisions_voted = True
        votes = steps.provision_votes(self.arrays, self.text, self.draw, self.belief, self.round)
        for j, pid in enumerate(self.arrays.provision_ids):
            self.provision_results[pid] = {
                "called": bool(votes.called[j]),
                "kept": bool(votes.kept[j]),
                "keep": int(votes.keep[j]),
                "delete": int(votes.delete[j]),
                "abstain": int(votes.abstain[j]),
            }
        self.text = votes.text
        self.text_path[-1] = self.text.copy()

    def ratify(self) -> None:
        """After adoption, where the scenario has an entry-into-force rule: who signs at the opening, who ratifies
        within the horizon, and the years to entry into force (``None``: not within the horizon) —
        :func:`sim.steps.ratify`, as in the batched engine's ``ratify`` stage."""
        if self.arrays.ratification is None:
            return
        # decided at home on each delegation's own draw: the pressure in the room does not carry over
        after = steps.ratify(self.arrays, self.text, self.opening_draw)
        self.signatures, self.ratifications = int(after.signatures), int(after.ratifications)
        self.ratified = [d.delegation_id for d in self.delegations if after.ratified[d.index]]
        in_force = float(after.in_force_years)
        self.in_force_years = None if np.isnan(in_force) else in_force

    def run(self) -> NegotiationModel:
        """Step until the talks end; returns the model."""
        while self.running:
            self.step()
        return self

    @property
    def final_round(self) -> int:
        """The round the talks ended: the round of consensus, or the deadline."""
        return self.round if self.outcome == outcomes.CONSENSUS.name else self.arrays.rounds

    @property
    def final_session(self) -> int:
        """The session (1..S) in which the talks ended."""
        return self.session + 1

    @property
    def blockers(self) -> list[str]:
        """Ids of the delegations blocking consensus (at the end, once the run is over)."""
        return [d.delegation_id for d in self.delegations if d.blocking]
