"""`ripple`: waves of doubling size; each wave sees exactly the earlier waves."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from selforg.llm.scripted import register_script
from selforg.protocols import registry
from selforg.protocols.builtin.ripple import waves
from tests.protocols.conftest import Recorder, play, work


def test_waves_double_and_take_the_remainder() -> None:
    assert [list(w) for w in waves(1)] == [[0]]
    assert [list(w) for w in waves(4)] == [[0], [1, 2], [3]]
    assert [len(w) for w in waves(256)] == [1, 2, 4, 8, 16, 32, 64, 128, 1]
    for n in range(1, 300):
        assert len(waves(n)) == math.ceil(math.log2(n + 1))
        assert [a for w in waves(n) for a in w] == list(range(n))


@pytest.mark.parametrize("n", [1, 4, 7, 12])
def test_each_wave_sees_the_earlier_waves_only(tmp_path: Path, recorder: Recorder,
                                               n: int) -> None:
    outcome = play(tmp_path, "ripple", n)
    assert outcome.run["n_calls"] == registry.get("ripple").expected_calls(n) + 1
    wave_of = {a: w for w, agents in enumerate(waves(n)) for a in agents}
    prompts = recorder.agent_prompts()
    for k in range(n):
        for j in range(n):
            assert (work(j) in prompts[k]) == (wave_of[j] < wave_of[k]), (k, j)
        system = recorder.prompts_of(k)[0][0]["content"]
        assert f"wave {wave_of[k] + 1} of {len(waves(n))}" in system


def test_abstaining_agents_add_nothing(tmp_path: Path) -> None:
    rec = Recorder(abstainers={1})
    register_script("recorder", rec)
    outcome = play(tmp_path, "ripple", 4, assembly="concat")
    assert "Role1" not in outcome.run["final_answer"]
    assert "Role1" not in rec.agent_prompts()[3]
    assert work(2) not in rec.agent_prompts()[1] and work(0) in rec.agent_prompts()[3]
