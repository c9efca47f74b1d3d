"""Turn-structure metrics per run: abstention and hierarchy depth (docs/study.md section 6).

Rows with agent == -1 are the final-answer assembly call, not an agent, and every function here
drops them before counting.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def agent_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """Turns made by agents (agent >= 0): the assembly call (agent == -1) is not an agent."""
    return turns[turns["agent"] >= 0]


def final_round_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """Agent turns in their run's final round.

    The final round of a run is the largest `round` among its agent turns (agent >= 0), so an
    assembly call in a later round never shifts it. Protocols where agents act in different
    rounds (coordinator: planner in round 0, workers in round 1) keep only the last round.
    """
    agents = agent_turns(turns)
    last_round = agents.groupby("run_id")["round"].transform("max")
    return agents[agents["round"] == last_round]


def last_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """Each agent's own last turn in each run (largest round of that agent).

    Used where every agent of the run should count once, whichever round it last acted in:
    a coordinator's planner acts only in round 0 but still heads the hierarchy.
    """
    agents = agent_turns(turns).sort_values(["run_id", "agent", "round"], kind="stable")
    return agents.groupby(["run_id", "agent"], sort=False).tail(1)


def as_flag(column: pd.Series) -> pd.Series:
    """A boolean column with missing values read as False (the schema forbids them anyway)."""
    return column.astype("boolean").fillna(False).astype(bool)


def abstention_rates(turns: pd.DataFrame) -> pd.DataFrame:
    """Abstention rates per run over final-round turns.

    abstention_rate = abstaining final-round turns / all final-round turns
    voluntary_rate  = (abstain and not directed) / all final-round turns
    directed_rate   = (abstain and directed) / all final-round turns
    so voluntary_rate + directed_rate = abstention_rate. `directed` without `abstain` counts as
    neither. Returns one row per run with agent turns (index run_id) and the columns n_final,
    n_abstained, n_voluntary, n_directed and the three rates, all in [0, 1].
    """
    final = final_round_turns(turns)
    abstain = as_flag(final["abstain"])
    directed = as_flag(final["directed"])
    flags = pd.DataFrame(
        {
            "run_id": final["run_id"],
            "abstained": abstain,
            "voluntary": abstain & ~directed,
            "directed": abstain & directed,
        }
    )
    counts = flags.groupby("run_id").agg(
        n_final=("abstained", "size"),
        n_abstained=("abstained", "sum"),
        n_voluntary=("voluntary", "sum"),
        n_directed=("directed", "sum"),
    )
    counts = counts.astype(int)
    counts["abstention_rate"] = counts["n_abstained"] / counts["n_final"]
    counts["voluntary_rate"] = counts["n_voluntary"] / counts["n_final"]
    counts["directed_rate"] = counts["n_directed"] / counts["n_final"]
    return counts


def hierarchy_depth(follows: Mapping[int, int | None]) -> int:
    """Number of agents on the longest chain of `follows` links (1 = flat, no links).

    `follows` maps each agent to the agent whose direction it accepts, or None. A chain starts
    at any agent and follows the links; each agent on it counts once, so a cycle adds its
    members once and stops there (a -> b -> a has depth 2; a self-link is depth 1). A link to
    an agent not among the keys is ignored. An empty mapping has depth 0. Each agent has at
    most one outgoing link, so the depth of every agent is computed once (linear time).
    """
    depth: dict[int, int] = {}
    for start in follows:
        path: list[int] = []
        position: dict[int, int] = {}
        node: int | None = start
        while node is not None and node in follows and node not in depth and node not in position:
            position[node] = len(path)
            path.append(node)
            node = follows[node]
        base = 0
        if node is not None and node in position:
            cycle = path[position[node] :]
            for member in cycle:
                depth[member] = len(cycle)
            path = path[: position[node]]
            base = len(cycle)
        elif node is not None and node in depth:
            base = depth[node]
        for member in reversed(path):
            base += 1
            depth[member] = base
    return max(depth.values(), default=0)


def _link(value: object) -> int | None:
    """A `follows` cell as an agent id, or None for a missing link."""
    if value is None or pd.isna(value):
        return None
    return int(value)  # type: ignore[call-overload]


def hierarchy_depths(turns: pd.DataFrame) -> pd.Series:
    """Hierarchy depth per run (see `hierarchy_depth`), from each agent's last turn.

    Each agent's `follows` is read from its own last turn (`last_turns`), abstaining or not:
    the links an agent declared when it last acted describe the organisation it ended in.
    Returns an int Series indexed by run_id.
    """
    last = last_turns(turns)
    # A run with no link is flat: depth 1 (every run here has an agent). Only runs with links
    # walk their chains, in a per-run Python loop that would cost seconds over every run.
    linked = last[last["run_id"].isin(set(last.loc[last["follows"].notna(), "run_id"]))]
    depths = {run_id: 1 for run_id in last["run_id"].unique()}
    depths |= {
        run_id: hierarchy_depth(
            {int(a): _link(f) for a, f in zip(group["agent"], group["follows"], strict=True)}
        )
        for run_id, group in linked.groupby("run_id", sort=True)
    }
    series = pd.Series(depths, name="hierarchy_depth", dtype=int).sort_index()
    series.index.name = "run_id"
    return series
