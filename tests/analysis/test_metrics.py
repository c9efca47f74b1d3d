"""Every metric on a small hand-made transcript, against values computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from selforg.analysis import metrics


def turn(
    run_id: str,
    agent: int,
    round_: int,
    role: str | None,
    abstain: bool = False,
    directed: bool = False,
    follows: int | None = None,
) -> dict[str, object]:
    return {
        "run_id": run_id,
        "agent": agent,
        "round": round_,
        "role": role,
        "abstain": abstain,
        "directed": directed,
        "follows": follows,
    }


# r1: one round; agent 2 abstains by choice; follows chain 3 -> 1 -> 0 and 2 -> 1.
# r2: coordinator-like; planner in round 0, workers in round 1; one directed and one voluntary
#     abstention; every worker follows the planner.
# r3: two rounds; agent 0 changes role; agent 2 is marked directed but does not abstain; the
#     follows links form the cycle 0 <-> 2 with 1 -> 0 feeding into it.
# Every run ends with an assembly call (agent -1) in a later round, which must be ignored.
TRANSCRIPT = pd.DataFrame(
    [
        turn("r1", 0, 0, "Security Analyst"),
        turn("r1", 1, 0, "security analysts ", follows=0),
        turn("r1", 2, 0, "Writer", abstain=True, follows=1),
        turn("r1", 3, 0, "Editor", follows=1),
        turn("r1", -1, 1, None),
        turn("r2", 0, 0, "Coordinator"),
        turn("r2", 1, 1, "Analyst", follows=0),
        turn("r2", 2, 1, "idle", abstain=True, directed=True, follows=0),
        turn("r2", 3, 1, "Analyst", abstain=True, follows=0),
        turn("r2", -1, 2, None),
        turn("r3", 0, 0, "Planner"),
        turn("r3", 1, 0, "Planner"),
        turn("r3", 2, 0, "Planner"),
        turn("r3", 0, 1, "Critic", follows=2),
        turn("r3", 1, 1, "Planner", abstain=True, follows=0),
        turn("r3", 2, 1, "Critics", directed=True, follows=0),
        turn("r3", -1, 2, None),
    ]
)
RUNS = pd.DataFrame(
    {
        "run_id": ["r1", "r2", "r3"],
        "protocol": ["sequential", "sequential", "broadcast"],
        "model": ["m", "m", "m"],
        "n_agents": [4, 4, 3],
    }
)


def test_final_round_ignores_the_assembly_call() -> None:
    final = metrics.final_round_turns(TRANSCRIPT)
    assert (final["agent"] >= 0).all()
    assert final.groupby("run_id")["round"].max().to_dict() == {"r1": 0, "r2": 1, "r3": 1}
    assert final.groupby("run_id").size().to_dict() == {"r1": 4, "r2": 3, "r3": 3}


def test_abstention_rates_by_hand() -> None:
    rates = metrics.abstention_rates(TRANSCRIPT)
    assert rates.loc["r1", ["n_final", "n_abstained", "n_voluntary", "n_directed"]].tolist() == [
        4, 1, 1, 0
    ]
    assert rates.loc["r1", "abstention_rate"] == pytest.approx(0.25)
    assert rates.loc["r2", "abstention_rate"] == pytest.approx(2 / 3)
    assert rates.loc["r2", "voluntary_rate"] == pytest.approx(1 / 3)
    assert rates.loc["r2", "directed_rate"] == pytest.approx(1 / 3)
    # r3: the directed flag without abstain counts as neither kind.
    assert rates.loc["r3", ["n_abstained", "n_voluntary", "n_directed"]].tolist() == [1, 1, 0]


def test_abstention_reads_missing_flags_as_false() -> None:
    frame = TRANSCRIPT.astype({"directed": object})
    frame.loc[frame["run_id"] == "r2", "directed"] = None
    rates = metrics.abstention_rates(frame)
    assert rates.loc["r2", "n_directed"] == 0
    assert rates.loc["r2", "n_voluntary"] == 2


@pytest.mark.parametrize(
    ("follows", "expected"),
    [
        ({}, 0),
        ({0: None, 1: None, 2: None}, 1),
        ({0: None, 1: 0, 2: 1, 3: 1}, 3),
        ({0: 1, 1: 0}, 2),
        ({0: 0}, 1),
        ({0: 1, 1: 2, 2: 0, 3: 0}, 4),
        ({0: 9, 1: 0}, 2),
        ({0: None, 1: 0, 2: 1, 3: 2, 4: 3, 5: 0}, 5),
    ],
)
def test_hierarchy_depth_by_hand(follows: dict[int, int | None], expected: int) -> None:
    assert metrics.hierarchy_depth(follows) == expected


def test_hierarchy_depths_use_each_agents_last_turn() -> None:
    depths = metrics.hierarchy_depths(TRANSCRIPT)
    assert depths.to_dict() == {"r1": 3, "r2": 2, "r3": 3}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([5, 5, 5], 0.0),
        ([2, 1], 1 / 6),
        ([2, 1, 1, 1], 0.15),
        ([0, 0, 0, 4], 0.75),
        ([3], 0.0),
    ],
)
def test_gini_by_hand(counts: list[int], expected: float) -> None:
    assert metrics.gini(counts) == pytest.approx(expected)


@pytest.mark.parametrize("counts", [[], [0, 0], [1.0, math.nan]])
def test_gini_undefined(counts: list[float]) -> None:
    assert metrics.gini(counts) is None


def test_gini_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        metrics.gini([3, -1])


def test_role_metrics_per_run_by_hand() -> None:
    roles = metrics.role_metrics(TRANSCRIPT)
    assert roles.loc["r1", ["n_role_turns", "n_roles_raw", "n_roles_norm"]].tolist() == [3, 3, 2]
    assert roles.loc["r1", "share_once"] == pytest.approx(0.5)
    assert roles.loc["r1", "role_gini"] == pytest.approx(1 / 6)
    assert roles.loc["r2", ["n_roles_raw", "n_roles_norm"]].tolist() == [2, 2]
    assert roles.loc["r2", "share_once"] == pytest.approx(1.0)
    assert roles.loc["r2", "role_gini"] == pytest.approx(0.0)
    # r3: "Critic" and "Critics" are two raw names and one normalised role taken twice.
    assert roles.loc["r3", ["n_roles_raw", "n_roles_norm"]].tolist() == [2, 1]
    assert roles.loc["r3", "share_once"] == pytest.approx(0.0)


def test_role_metrics_of_a_run_where_everyone_abstained() -> None:
    silent = pd.DataFrame([turn("r9", 0, 0, "Analyst", abstain=True)])
    roles = metrics.role_metrics(silent)
    assert roles.loc["r9", "n_roles_norm"] == 0
    assert math.isnan(roles.loc["r9", "share_once"])
    assert math.isnan(roles.loc["r9", "role_gini"])


def test_cell_role_metrics_pool_runs_by_hand() -> None:
    cells = metrics.cell_role_metrics(TRANSCRIPT, RUNS).set_index("protocol")
    seq = cells.loc["sequential"]
    assert [seq["n_runs"], seq["n_role_turns"], seq["n_roles_raw"], seq["n_roles_norm"]] == [
        2, 5, 5, 4
    ]
    assert seq["share_once"] == pytest.approx(0.75)
    assert seq["role_gini"] == pytest.approx(0.15)
    assert cells.loc["broadcast", "n_roles_norm"] == 1


STABILITY = pd.DataFrame(
    [
        # cell A, tasks 0, 1, 2: slot 0 keeps then changes (1/2); slot 1 has a gap (no pair);
        # slot 2 always keeps (2/2). Cell B, tasks 5 and 9: slot 0 changes (0/1).
        ("A", 0, 0, "a"), ("A", 1, 0, "a"), ("A", 2, 0, "b"),
        ("A", 0, 1, "a"), ("A", 1, 1, ""), ("A", 2, 1, "a"),
        ("A", 0, 2, "c"), ("A", 1, 2, "c"), ("A", 2, 2, "c"),
        ("B", 5, 0, "x"), ("B", 9, 0, "y"),
    ],
    columns=["cell", "task_index", "agent", "role_norm"],
)


def test_role_stability_by_slot_by_hand() -> None:
    slots = metrics.role_stability_by_slot(STABILITY).set_index(["cell", "agent"])
    assert slots["share"].to_dict() == {("A", 0): 0.5, ("A", 2): 1.0, ("B", 0): 0.0}
    assert slots["n_pairs"].to_dict() == {("A", 0): 2, ("A", 2): 2, ("B", 0): 1}


def test_role_stability_index_by_hand() -> None:
    stat = metrics.role_stability_index(STABILITY)
    assert stat.value == pytest.approx(0.375)
    assert stat.n == 3
    assert stat.extra["n_pairs"] == 5
    assert stat.extra["per_cell"] == {"A": 0.75, "B": 0.0}


def test_role_stability_with_cell_columns() -> None:
    frame = STABILITY.assign(protocol=STABILITY["cell"], model="m").drop(columns="cell")
    stat = metrics.role_stability_index(frame, cell=["protocol", "model"])
    assert stat.value == pytest.approx(0.375)
    assert set(stat.extra["per_cell"]) == {"A/m", "B/m"}


def test_role_stability_not_computable_with_one_task() -> None:
    stat = metrics.role_stability_index(STABILITY[STABILITY["task_index"] == 0])
    assert not stat.computable
    assert "fewer than 2" in stat.note


def test_role_stability_not_computable_on_duplicate_rows() -> None:
    stat = metrics.role_stability_index(pd.concat([STABILITY, STABILITY.iloc[:1]]))
    assert not stat.computable
    assert "duplicate" in stat.note


def test_role_stability_not_computable_without_task_order() -> None:
    frame = STABILITY.astype({"task_index": float})
    frame.loc[0, "task_index"] = math.nan
    stat = metrics.role_stability_index(frame)
    assert not stat.computable
    assert "missing task order" in stat.note


def test_balance_index_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "q": [0.8, 0.6, 0.7],
            "m": [0.6, 0.8, 0.7],
            "latency_s": [10.0, 20.0, 30.0],
            "cost_usd": [1.0, 3.0, 2.0],
            "error_rate": [0.0, 0.0, 0.0],
        },
        index=["p1", "p2", "p3"],
    )
    out = metrics.balance_index(frame)
    assert out["t"].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert out["c"].tolist() == pytest.approx([0.0, 1.0, 0.5])
    assert out["r"].tolist() == pytest.approx([0.0, 0.0, 0.0])
    assert out["balance"].tolist() == pytest.approx([0.87, 0.56, 0.565])
    assert sum(metrics.BALANCE_WEIGHTS.values()) == pytest.approx(1.0)


def test_balance_index_missing_input_gives_nan() -> None:
    frame = pd.DataFrame(
        {"q": [0.8, math.nan], "m": [0.5, 0.5], "latency_s": [1.0, 2.0], "cost_usd": [1.0, 1.0],
         "error_rate": [0.1, 0.2]}
    )
    out = metrics.balance_index(frame)
    assert not math.isnan(out.loc[0, "balance"])
    assert math.isnan(out.loc[1, "balance"])
