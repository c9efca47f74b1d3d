"""`clonal` (named by the reference study, defined here).

Clonal selection in the immune system: many cells are tried, the ones that bind best are
selected and cloned with mutations, and the best of the clones survives. Made concrete for a
team of N agents, with no judge beyond the agents themselves:

1. Draft (round 0): the first D = ceil(N/2) agents (the drafters) write complete drafts,
   seeing only the task.
2. Select (round 1): the other R = N - D agents (the refiners) see the drafts and each votes
   for the best one by putting its author's id in `follows` (the turn's "whose direction I
   accept"). Drafts are ranked by votes (ties broken by a hash of run_id and author, so no
   agent id is favoured); the top k = min(drafts, ceil(sqrt(R))) are selected.
3. Clone (round 2): refiner j rewrites the selected draft of rank j mod k, seeing the task
   and that draft only, so the best drafts get the most refinements.
4. Survive (round 3): the drafters see the refinements and vote for the best the same way;
   the refinement with most votes wins (ties: its draft's rank, then the hash).

Voters are never candidates (refiners judge drafts, drafters judge refinements), so nobody
votes for itself. A ballot with fewer than two candidates is skipped: there is nothing to
choose. When every agent writes something, calls are exactly
D + (R if D >= 2) + R + (D if R >= 2): 2N for N >= 4, and 1, 2, 4 for N = 1, 2, 3, in (up
to) four waves. Each voter sees the candidates rotated by its position among the voters, so
that across voters every candidate is shown in full (the view favours its last items) about
equally often. Only the winning refinement feeds the final answer; it is a rewrite of its
draft, which therefore adds nothing. With N = 1 there is no refiner and the draft wins.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from selforg.protocols.base import Protocol, TurnRecord, stable_key
from selforg.protocols.registry import register
from selforg.protocols.view import ContextBudget

DRAFT = (
    "Clonal protocol, stage 1 (draft): write a complete draft answer to the task. Other "
    "agents vote on the drafts; the best are refined and the best refinement becomes the "
    "team's answer."
)
VOTE = (
    "Clonal protocol, stage {stage} (vote): read the candidate {what} below and vote for the "
    "best one: put its author's agent id in `follows` and one sentence on why in "
    "`contribution`. Do not write an answer of your own."
)
REFINE = (
    "Clonal protocol, stage 3 (refine): the team's votes selected the draft below. Rewrite it "
    "into an improved, complete answer: fix errors, fill gaps, keep what is good. Refinements "
    "compete: the drafters vote and the winner alone becomes the team's answer."
)


def split(n: int) -> tuple[range, range]:
    """(drafters, refiners): the first ceil(n/2) agents draft, the rest refine."""
    d = math.ceil(n / 2)
    return range(d), range(d, n)


def top_k(n_refiners: int) -> int:
    return max(1, math.ceil(math.sqrt(n_refiners)))


def candidates(turns: Sequence[TurnRecord]) -> list[TurnRecord]:
    return [t for t in turns if not t.parsed.abstain and t.parsed.contribution.strip()]


def tally(ballots: Sequence[TurnRecord], ids: set[int]) -> Counter[int]:
    """Votes per candidate: a ballot counts when it does not abstain and names a candidate."""
    return Counter(vote for b in ballots
                   if not b.parsed.abstain and (vote := b.parsed.follows) is not None
                   and vote in ids)


def refine_context(draft: TurnRecord, selected: list[TurnRecord], budget: ContextBudget) -> str:
    """A refiner's view: the one draft it clones, with its rank, cut to the budget."""
    rank = selected.index(draft) + 1
    return budget.clip(f"THE DRAFT YOU REFINE (ranked {rank} of the {len(selected)} selected "
                       f"by the team's votes):\n{draft.view_item().full()}")


@register
class Clonal(Protocol):
    name = "clonal"
    source = "defined here"
    summary = ("half the agents draft, the other half vote for the best drafts and refine the "
               "top k, the drafters vote for the best refinement, which alone is the answer")
    calls = "D + R + R + D = about 2N (D = ceil(N/2) drafters, R = N - D refiners)"
    latency = "4 waves: drafts, votes, refinements, votes"
    calls_upper_bound = True

    @classmethod
    def expected_calls(cls, n: int) -> int:
        d, r = (len(g) for g in split(n))
        return d + (r if d >= 2 else 0) + r + (d if r >= 2 else 0)

    def _order(self, agent: int) -> str:
        return stable_key(self.team.run_id, "clonal-tie", agent)

    async def _ballot(self, voters: range, options: list[TurnRecord], round_: int,
                      stage: int, what: str) -> list[TurnRecord]:
        """Each voter sees the options rotated by its position, fitted to the budget."""
        team = self.team
        rules = VOTE.format(stage=stage, what=what)
        asks = []
        for i, voter in enumerate(voters):
            shift = i * len(options) // len(voters)
            shown = [t.view_item() for t in options[shift:] + options[:shift]]
            view = team.context_budget.fit_view(shown, omitted=what)
            context = f"CANDIDATE {what.upper()}:\n{view}"
            asks.append(team.ask(voter, round_, context, instructions=rules))
        return await team.wave(asks)

    async def run(self) -> list[TurnRecord]:
        team = self.team
        drafters, refiners = split(team.n)
        drafts = candidates(await team.wave([team.ask(a, 0, instructions=DRAFT)
                                             for a in drafters]))
        if not drafts:
            return []
        votes: Counter[int] = Counter()
        if len(drafts) >= 2 and refiners:
            ballots = await self._ballot(refiners, drafts, 1, 2, "drafts")
            votes = tally(ballots, {t.agent for t in drafts})
        ranked = sorted(drafts, key=lambda t: (-votes[t.agent], self._order(t.agent)))
        if not refiners:
            return ranked[:1]
        selected = ranked[: top_k(len(refiners))]
        base = {agent: selected[j % len(selected)] for j, agent in enumerate(refiners)}
        refinements = candidates(await team.wave([
            team.ask(agent, 2, refine_context(base[agent], selected, team.context_budget),
                     instructions=REFINE, imposed={"builds_on": [base[agent].agent]})
            for agent in refiners
        ]))
        if not refinements:
            return ranked[:1]
        final_votes: Counter[int] = Counter()
        if len(refinements) >= 2:
            ballots = await self._ballot(drafters, refinements, 3, 4, "refinements")
            final_votes = tally(ballots, {t.agent for t in refinements})
        rank_of = {t.agent: i for i, t in enumerate(ranked)}
        winner = min(refinements, key=lambda t: (-final_votes[t.agent],
                                                 rank_of[base[t.agent].agent],
                                                 self._order(t.agent)))
        return [winner]
