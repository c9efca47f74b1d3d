"""The one typed schema of params.yaml, validated before any model call.

`load_config(path)` returns a `StudyConfig` or raises a `ConfigError` listing every problem at
once, each with its key path and how to fix it. Unknown keys are refused (a typo never silently
falls back to a default). Checks that need the environment (API keys present, model strings a
provider recognises, prices known for the budget) run here too, so `selforg plan` catches them.
"""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from selforg.errors import ConfigError

Level = Literal["L1", "L2", "L3", "L4"]
StructuredOutput = Literal["auto", "json_schema", "json_object", "prompt"]
# Deeper than any params key (study.shocks[].remove.k is 5 levels): a file nested
# further is a mistake, and PyYAML would recurse on it until the interpreter gives up.
MAX_DEPTH = 12


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Price(Strict):
    """USD per million tokens; overrides litellm's bundled price table."""

    input_per_mtok: Annotated[float, Field(ge=0)]
    output_per_mtok: Annotated[float, Field(ge=0)]


class ModelSpec(Strict):
    """One model reachable through litellm, referred to elsewhere by `name`."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]
    model: Annotated[str, Field(min_length=1)] = Field(
        description="litellm model string, e.g. local/smollm2-135m, openai/gpt-4o-mini"
    )
    api_base: str | None = None
    api_key_env: str | None = Field(
        default=None, description="NAME of the environment variable holding the key, never a key"
    )
    price: Price | None = None
    max_concurrency: Annotated[int, Field(ge=1, le=1024)] = 4
    timeout_s: Annotated[float, Field(gt=0)] = 120.0
    open_weights: bool = False
    structured_output: StructuredOutput = Field(
        default="auto",
        description="how JSON replies are constrained (docs/configuration.md, 'Structured "
                    "output'); auto picks per model and falls back when a server refuses")
    rpm: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="the provider's requests-per-minute limit, if any")
    tpm: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="the provider's tokens-per-minute limit, if any")


class TasksConfig(Strict):
    per_level: Annotated[int, Field(ge=1, le=10_000)] = 2
    levels: Annotated[list[Level], Field(min_length=1)] = ["L1", "L2", "L3", "L4"]
    verifiable_share: Annotated[float, Field(ge=0, le=1)] = 0.3
    generator: Literal["templates", "llm"] = "templates"
    draft_model: str | None = Field(
        default=None, description="model alias that rewrites open tasks when generator: llm")

    @model_validator(mode="after")
    def _draft_model_needed(self) -> TasksConfig:
        if self.generator == "llm" and not self.draft_model:
            raise ValueError("tasks.generator: llm needs tasks.draft_model (a models[].name)")
        return self


class Removal(Strict):
    """Agents that leave a run at its midpoint: how many, and which."""

    k: Annotated[int, Field(ge=1, le=1024)] = Field(
        description="agents removed; capped at the team size - 1 (someone must remain)")
    target: Literal["random", "most_followed"] = "random"


class Substitution(Strict):
    """A share of the agents answered by another model for the whole run."""

    model: Annotated[str, Field(min_length=1)] = Field(
        description="alias (models[].name) of the substitute model")
    share: Annotated[float, Field(gt=0, le=1)] = Field(
        description="floor(share x team size) agents, at least 1, are substituted")

    def agents(self, team_size: int) -> int:
        """How many agents of a team of `team_size` are substituted: floor(share x size),
        at least 1 (the epsilon keeps 0.29 x 100 from flooring to 28)."""
        return min(team_size, max(1, math.floor(self.share * team_size + 1e-9)))


class PriorityShift(Strict):
    """A change announced at a run's midpoint to every agent asked afterwards, drawn per task
    from the task's domains (selforg/tasks/announcements.py); the judges score the shocked
    run against the task with the announcement."""

    kind: Literal["either", "constraint", "priority"] = Field(
        default="either", description="constraint: a new constraint; priority: one "
        "stakeholder's goal takes precedence; either: one of the two, drawn per task")


class Shock(Strict):
    """One perturbation of the reference study; every baseline run of N >= 2 gets a shocked
    twin under it (docs/protocols.md, "Shocks"). The name is part of the twin's run_id and of
    metrics keys, hence an identifier."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40)]
    remove: Removal | None = None
    substitute: Substitution | None = None
    priority_shift: PriorityShift | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Shock:
        kinds = [self.remove, self.substitute, self.priority_shift]
        if sum(kind is not None for kind in kinds) != 1:
            raise ValueError(f"shock {self.name!r} needs exactly one of remove:, substitute: "
                             "or priority_shift:")
        return self

    def describe(self) -> str:
        """What the shock does, in a few words, for the report."""
        if self.remove is not None:
            return f"remove {self.remove.k} agent(s), {self.remove.target.replace('_', '-')}"
        if self.priority_shift is not None:
            what = {"either": "a new constraint or a change of priorities",
                    "constraint": "a new constraint",
                    "priority": "a change of priorities"}[self.priority_shift.kind]
            return f"{what} announced mid-run, from the task's domain"
        assert self.substitute is not None
        return (f"{self.substitute.share:.0%} of the agents answered by "
                f"{self.substitute.model}")


class StudyDesign(Strict):
    models: Annotated[list[str], Field(min_length=1)] = Field(
        description="aliases (models[].name) of the models whose agents are studied"
    )
    protocols: Annotated[list[str], Field(min_length=1)]
    n_agents: Annotated[list[Annotated[int, Field(ge=1, le=1024)]], Field(min_length=1)]
    replicates: Annotated[int, Field(ge=1, le=1000)] = 1
    assembly: Literal["synthesize", "concat"] = "synthesize"
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.7
    agent_max_tokens: Annotated[int, Field(ge=16, le=8192)] = 192
    assembly_max_tokens: Annotated[int, Field(ge=16, le=16384)] = 384
    context_budget_tokens: Annotated[int, Field(ge=128, le=200_000)] = 900
    sequential_batch_size: Annotated[int, Field(ge=1, le=1024)] = Field(
        default=4, description="K of batched_sequential: agents per batch run in parallel")
    shocks: list[Shock] = []
    max_failed_share: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.0,
        description="share of runs (and of judgments) that may fail permanently before a "
                    "stage exits non-zero; 0: any failure stops the line")


class JudgesConfig(Strict):
    models: Annotated[list[str], Field(min_length=1)]
    samples: Annotated[int, Field(ge=1, le=100)] = 1
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.0
    max_tokens: Annotated[int, Field(ge=32, le=4096)] = 256
    allow_self_judging: bool = False


class BudgetConfig(Strict):
    max_usd: Annotated[float, Field(gt=0)]
    max_calls: Annotated[int, Field(gt=0)]


class CacheConfig(Strict):
    dir: str = ".selforg/cache"
    replay_only: bool = False


class RetryConfig(Strict):
    attempts: Annotated[int, Field(ge=1, le=20)] = 5
    base_delay_s: Annotated[float, Field(ge=0)] = 1.0
    max_delay_s: Annotated[float, Field(ge=0)] = 60.0


class StudyConfig(Strict):
    seed: int = 0
    tasks: TasksConfig = TasksConfig()
    models: Annotated[list[ModelSpec], Field(min_length=1)]
    study: StudyDesign
    judges: JudgesConfig
    budget: BudgetConfig
    cache: CacheConfig = CacheConfig()
    retry: RetryConfig = RetryConfig()

    @model_validator(mode="after")
    def _unique_names(self) -> StudyConfig:
        names = [m.name for m in self.models]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate model names {dupes}: give each models[] entry "
                             "its own name")
        return self

    def model(self, name: str) -> ModelSpec:
        for spec in self.models:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def agent_models(self) -> list[ModelSpec]:
        return [self.model(n) for n in self.study.models]

    @property
    def judge_models(self) -> list[ModelSpec]:
        return [self.model(n) for n in self.judges.models]

    @property
    def substitute_models(self) -> list[ModelSpec]:
        """Models that answer some agents' calls through a substitution shock."""
        names = dict.fromkeys(s.substitute.model for s in self.study.shocks if s.substitute)
        return [self.model(n) for n in names]

    def shocks_for(self, model: str, n_agents: int) -> list[Shock]:
        """The shocks that give the baseline runs of `model` at N agents a shocked twin.

        None at N = 1 (so `single` is never shocked): one agent has no team to lose members
        from, and substituting it is a model comparison, not a shock. A substitution skips
        the runs of its own model, where it would change nothing but the sampling seeds.
        """
        if n_agents < 2:
            return []
        return [s for s in self.study.shocks
                if s.substitute is None or s.substitute.model != model]

    @property
    def used_models(self) -> list[ModelSpec]:
        """Every model the study may call: agents, judges, substitutes, the task drafter."""
        used = {m.name: m for m in self.agent_models + self.judge_models
                + self.substitute_models}
        if self.tasks.generator == "llm" and self.tasks.draft_model:
            used[self.tasks.draft_model] = self.model(self.tasks.draft_model)
        return [m for m in self.models if m.name in used]

    @property
    def self_judging(self) -> bool:
        """True when some judge shares a model string with some model that writes answers."""
        agent = {m.model for m in self.agent_models + self.substitute_models}
        return any(j.model in agent for j in self.judge_models)


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}available: {', '.join(sorted(choices))}"


def _pydantic_problems(err: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            parent = e["loc"][:-1]
            problems.append((f"unknown key {path!r}",
                             f"remove it or fix its spelling (see docs/configuration.md"
                             f"{' for ' + '.'.join(map(str, parent)) if parent else ''})"))
        elif e["type"] == "missing":
            problems.append((f"missing key {path!r}", "add it (see params.yaml for an example)"))
        else:
            problems.append((f"{path}: {e['msg']} (got {e.get('input')!r})",
                             "change the value (see docs/configuration.md)"))
    return problems


def _shock_problems(cfg: StudyConfig, names: list[str]) -> list[tuple[str, str]]:
    """Shock names must be unique (they key runs and metrics); substitutes must exist."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, shock in enumerate(cfg.study.shocks):
        if shock.name in seen:
            problems.append((f"study.shocks[{i}]: the name {shock.name!r} is used twice",
                             "give each shock its own name"))
        seen.add(shock.name)
        if shock.substitute is not None and shock.substitute.model not in names:
            alias = shock.substitute.model
            problems.append((f"study.shocks[{i}].substitute.model: no model named {alias!r}",
                             f"define it under models: or use a defined name; "
                             f"{_did_you_mean(alias, names)}"))
    return problems


def semantic_problems(cfg: StudyConfig, check_env: bool = True) -> list[tuple[str, str]]:
    """Cross-field checks pydantic cannot express: names that must exist, keys, prices."""
    from selforg.llm.providers import model_problems
    from selforg.protocols import registry

    problems: list[tuple[str, str]] = []
    names = [m.name for m in cfg.models]
    if cfg.tasks.draft_model is not None and cfg.tasks.draft_model not in names:
        problems.append((f"tasks.draft_model: no model named {cfg.tasks.draft_model!r}",
                         f"define it under models: or use a defined name; "
                         f"{_did_you_mean(cfg.tasks.draft_model, names)}"))
    for section in ("study", "judges"):
        for i, alias in enumerate(getattr(cfg, section).models):
            if alias not in names:
                problems.append((f"{section}.models[{i}]: no model named {alias!r}",
                                 f"define it under models: or use a defined name; "
                                 f"{_did_you_mean(alias, names)}"))
    known = registry.names()
    for i, proto in enumerate(cfg.study.protocols):
        if proto not in known:
            problems.append((f"study.protocols[{i}]: unknown protocol {proto!r}",
                             _did_you_mean(proto, known)))
    for i, n in enumerate(cfg.study.n_agents):
        for proto in cfg.study.protocols:
            if proto in known and not registry.get(proto).accepts(n):
                problems.append((f"study.n_agents[{i}] = {n} does not suit protocol {proto!r}",
                                 registry.get(proto).n_agents_rule))
    if len(set(cfg.study.protocols)) != len(cfg.study.protocols):
        problems.append(("study.protocols lists a protocol twice", "list each protocol once"))
    problems.extend(_shock_problems(cfg, names))
    if problems:
        return problems
    if cfg.self_judging and not cfg.judges.allow_self_judging:
        problems.append(("a judge model is also a studied model: it would judge its own runs",
                         "use a different judge model, or set judges.allow_self_judging: true "
                         "(the report then flags it at the top)"))
    used = {m.name for m in cfg.used_models}
    for i, spec in enumerate(cfg.models):
        if spec.name not in used:
            continue
        if check_env and spec.api_key_env and not os.environ.get(spec.api_key_env):
            problems.append((f"models[{i}] ({spec.name}): environment variable "
                             f"{spec.api_key_env!r} is not set",
                             f"export {spec.api_key_env}=<your key> before running "
                             f"(params.yaml holds only the variable's name)"))
        problems.extend((f"models[{i}] ({spec.name}): {p}", f) for p, f in model_problems(spec))
    return problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping: PyYAML keeps the last
    one silently, so a second `budget:` further down would replace the cap a user reads at
    the top of the file."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, str) and key in seen:
                where = (f"line {line}" if seen[key] == line
                         else f"lines {seen[key]} and {line}")
                raise ConfigError(
                    f"key {key!r} is given twice ({where}); YAML would silently keep only "
                    "the last one",
                    f"keep one {key!r} entry and delete or merge the other")
            if isinstance(key, str):
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _depth(value: Any) -> int:
    """Nesting depth of lists and mappings, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (item.values() if isinstance(item, dict)
                    else item if isinstance(item, list) else None)
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            stack.extend((child, level + 1) for child in children)
    return deepest


def _read_yaml(path: Path) -> Any:
    """The file's YAML value, or one ConfigError for a file that is not UTF-8 text, not YAML,
    repeats a key, or is nested deeper than any params file can be."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not a text file (byte {exc.start} is not UTF-8): "
                          "is it the params file?",
                          "pass --params PATH to the YAML params file (params.yaml in the "
                          "repository is an example)") from None
    try:
        raw: Any = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}",
                          "fix the YAML syntax (indentation, colons, quotes)") from None
    except RecursionError:
        raw = None
        depth = MAX_DEPTH + 1
    else:
        depth = _depth(raw)
    if depth > MAX_DEPTH:
        raise ConfigError(f"{path} is nested more than {MAX_DEPTH} levels deep, while params "
                          "keys go at most 5 levels deep (study.shocks[].remove.k)",
                          "check the file's brackets and indentation (see params.yaml in the "
                          "repository)")
    return raw


def load_config(path: str | Path, check_env: bool = True) -> StudyConfig:
    """Read and fully validate a params file; raise ConfigError listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"params file {str(path)!r} does not exist",
                          "pass --params PATH to an existing file (the default is params.yaml)")
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of keys, got {type(raw).__name__}",
                          "start from the params.yaml in the repository")
    try:
        cfg = StudyConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_pydantic_problems(exc)) from None
    problems = semantic_problems(cfg, check_env=check_env)
    if problems:
        raise ConfigError(problems)
    return cfg
