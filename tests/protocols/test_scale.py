"""Every protocol at N = 256 through the real path (gateway, litellm, cache) on a scripted model.

Each agent's every answer carries a unique marker (`work(k, call)`), so each request shows
exactly which earlier answers it saw. Per protocol, an oracle states what request (agent k,
its call c) may show and what it must show: never anything it may not see (visibility holds
at scale), and at least the most recent work it may see (the view keeps the latest in full,
whatever the budget cut). Calls are counted exactly, views stay within the budget, and rows
carry the schema's columns. `single` has N = 1 by definition and is checked at N = 1 elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from selforg.llm.scripted import register_script
from selforg.llm.tokens import token_counter
from selforg.protocols import registry
from selforg.protocols.builtin.batched_sequential import batches
from selforg.protocols.builtin.clonal import split
from selforg.protocols.builtin.ripple import waves
from selforg.protocols.builtin.stigmergic import acting_order
from selforg.schema import column_names
from tests.protocols.conftest import TASK, Recorder, agent_of, play, visible

N = 256
BUDGET = 160  # small, so views are cut hard
SLACK = 64  # fixed protocol headings around a fitted view
GROUPS = 16  # coordinator plan: 16 ranges of 16 workers
MARKER = re.compile(r"work of agent (\d+) \(call (\d+)\)")

Seen = set[tuple[int, int]]
# (agent, its call index, run_id) -> (markers it may see, markers it must see)
Oracle = Callable[[int, int, str], tuple[Seen, Seen]]


def chain(position: Callable[[int], int]) -> Oracle:
    """Protocols where agent k sees the work of agents at an earlier position (a rank in the
    chain, a batch, a wave), and must see the last of them (the view's most recent item)."""
    positions = [position(j) for j in range(N)]  # once: position() may scan a whole plan

    def oracle(k: int, c: int, run_id: str) -> tuple[Seen, Seen]:
        earlier = {(j, 0) for j in range(N) if positions[j] < positions[k]}
        return earlier, {max(earlier)} if earlier else set()
    return oracle


def batch_of(k: int) -> int:
    return next(b for b, agents in enumerate(batches(N, 4)) if k in agents)


def wave_of(k: int) -> int:
    return next(w for w, agents in enumerate(waves(N)) if k in agents)


def two_pass(k: int, c: int, run_id: str) -> tuple[Seen, Seen]:
    if c == 0:
        return {(j, 0) for j in range(k)}, {(k - 1, 0)} if k else set()
    allowed = {(j, 0) for j in range(N)} | {(j, 1) for j in range(k)}
    return allowed, {(k, 0)} | ({(k - 1, 1)} if k else set())


def stigmergic(k: int, c: int, run_id: str) -> tuple[Seen, Seen]:
    order = acting_order(run_id, N)
    before = order[: order.index(k)]
    return {(j, 0) for j in before}, {(before[-1], 0)} if before else set()


def broadcast(k: int, c: int, run_id: str) -> tuple[Seen, Seen]:
    return ({(j, 0) for j in range(N)}, {(N - 1, 0)}) if c == 1 else (set(), set())


def nothing(k: int, c: int, run_id: str) -> tuple[Seen, Seen]:
    return set(), set()


def clonal(k: int, c: int, run_id: str) -> tuple[Seen, Seen]:
    drafters, refiners = split(N)
    if k in drafters:  # call 0 drafts; call 1 votes on the refinements (refiners' call 1)
        return ({(r, 1) for r in refiners}, set()) if c == 1 else (set(), set())
    drafts = {(d, 0) for d in drafters}  # refiners: call 0 votes on drafts, call 1 refines one
    return drafts, set()


ORACLES: dict[str, Oracle] = {
    "sequential": chain(lambda k: k),
    "fixed_roles": chain(lambda k: k),
    "batched_sequential": chain(batch_of),
    "ripple": chain(wave_of),
    "two_pass_sequential": two_pass,
    "stigmergic": stigmergic,
    "broadcast": broadcast,
    "morphogenetic": nothing,  # counts of roles only, never content
    "shared": nothing,  # the memory of earlier tasks only (none yet)
    "clonal": clonal,
    "coordinator": nothing,  # its own assignment only: checked below
}


def test_every_multi_agent_protocol_has_an_oracle() -> None:
    assert set(ORACLES) == {p for p in registry.names() if registry.get(p).accepts(N)
                            and registry.get(p).fixed_n is None}


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_visibility_and_calls_at_256(tmp_path: Path, name: str) -> None:
    rec = Recorder(groups=GROUPS)
    register_script("recorder", rec)
    outcome = play(tmp_path, name, N, assembly="concat", context_budget_tokens=BUDGET)
    assert outcome.run["status"] == "ok", outcome.run["error"]
    proto = registry.get(name)
    assert rec.agent_calls() == proto.expected_calls(N) == outcome.run["n_calls"]
    assert list(outcome.run) == column_names("runs")
    assert all(list(row) == column_names("turns") for row in outcome.turns)
    count = token_counter("scripted/recorder")
    oracle = ORACLES[name]
    task = f"TASK:\n{TASK.prompt}"
    prompts: dict[int, list[list[dict[str, str]]]] = {}  # rec.prompts_of(k) for every k at once
    for messages in rec.requests:
        if (match := agent_of(messages)) is not None:
            prompts.setdefault(int(match.group(1)), []).append(messages)
    for agent in range(N + proto.extra_agents):
        for call, messages in enumerate(prompts.get(agent, [])):
            shown = visible(messages)
            assert shown.startswith(task) and count(shown[len(task):]) <= BUDGET + SLACK
            seen = {(int(a), int(c)) for a, c in MARKER.findall(shown)}
            allowed, required = oracle(agent, call, outcome.run["run_id"])
            assert seen <= allowed, (agent, call, sorted(seen - allowed)[:5])
            assert required <= seen, (agent, call, sorted(required - seen))
            if name == "clonal" and agent >= N // 2 and call == 1:
                assert len(seen) == 1  # a refiner sees the one draft it refines
            if name == "coordinator" and agent >= 1:
                group = (agent - 1) // (N // GROUPS)
                assert [g for g in range(GROUPS) if f"subtask for group {g}:" in shown] == [
                    group]
    if name == "coordinator":
        assert not rec.plan_cut and agent_of(rec.prompts_of(0)[0]) is not None
