"""Design adequacy before a study, for `selforg plan`: can the planned study detect the paper's
effects, and how many tasks would it need?

The computation is `selforg.analysis.power` (the same the report's "Design adequacy" section
shows after a run); this module finds the SD to plan with and prints the table. The SD of each
confirmatory comparison comes, in this order, from the previous run's reports/metrics.json
(`power_sd.<claim>`, written by the aggregate stage where that run measured the claim), from
the previous run's data/ tables (when metrics.json is absent), or from the reference study's
reported spread; each line says which.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from selforg.analysis.power import Adequacy, adequacy_of, family_alpha
from selforg.analysis.reference import SETTING_NOT_RUN, ClaimContext, Coverage, PowerInput
from selforg.analysis.reference_claims import CONFIRMATORY
from selforg.analysis.settings import Design
from selforg.config import StudyConfig
from selforg.paths import Paths

METRICS_SOURCE = "previous run (reports/metrics.json)"
DATA_SOURCE = "previous run (data/)"


def _from_metrics(path: Path) -> dict[str, PowerInput]:
    """The SD and baseline of each confirmatory claim the previous run measured."""
    metrics = json.loads(path.read_text())
    found = {}
    for claim in CONFIRMATORY:
        sd, base = metrics.get(f"power_sd.{claim.key}"), metrics.get(f"power_base.{claim.key}")
        if claim.effect is not None and sd is not None and base is not None:
            found[claim.key] = replace(claim.effect.spread, sd=float(sd), baseline=float(base))
    return found


def _from_data(paths: Paths, design: Design) -> dict[str, PowerInput]:
    """The same, measured from the previous run's tables (metrics.json missing)."""
    from selforg.analysis.aggregate import study_data
    from selforg.analysis.findings import coverage_of
    from selforg.tables import read_table

    tables = {name: read_table(name, paths.table(name))
              for name in ("tasks", "runs", "turns", "judgments")}
    data = study_data(tables["tasks"], tables["runs"], tables["turns"], tables["judgments"])
    ctx = ClaimContext(frame=data.runs, shocked=data.shocked, design=design,
                       coverage=coverage_of(data.runs, design))
    measured = (claim.measure(ctx) for claim in CONFIRMATORY)
    return {r.claim.key: r.power for r in measured if r.power is not None}


def previous_inputs(root: Path, design: Design) -> tuple[dict[str, PowerInput], str]:
    """The previous run's power inputs by claim key, and where they were read."""
    paths = Paths(root)
    if paths.metrics.is_file():
        return _from_metrics(paths.metrics), METRICS_SOURCE
    if all(paths.table(name).is_file() for name in ("tasks", "runs", "turns", "judgments")):
        return _from_data(paths, design), DATA_SOURCE
    return {}, ""


def planned_adequacy(cfg: StudyConfig, root: Path) -> list[Adequacy]:
    """Adequacy of every confirmatory comparison for the study `cfg` plans."""
    from selforg.analysis.study_design import design_from_config, planned_coverage

    design = design_from_config(cfg)
    coverage: Coverage = planned_coverage(cfg)
    inputs, source = previous_inputs(root, design)
    return [adequacy_of(claim, design, coverage, inputs.get(claim.key), source)
            for claim in CONFIRMATORY]


def render_adequacy(rows: list[Adequacy]) -> str:
    """The planner's lines: per confirmatory comparison, what it can detect and would need."""
    lines = [f"design adequacy (80% power, alpha = {family_alpha():.4f} per confirmatory test, "
             f"the family of {len(rows)} Holm-adjusted):"]
    for a in rows:
        effect = a.claim.effect
        lines.append(f"  {a.claim.claim}")
        if a.tasks:
            mde = a.detectable
            detect = (f"smallest detectable effect {mde.value:.3f} in Q"
                      + (f" ({100 * mde.extra['relative']:.1f}%)" if mde.extra.get("relative")
                         else "") if mde.value is not None
                      else f"no effect detectable ({mde.note})")
            lines.append(f"    setting: {a.setting}, {a.tasks} tasks: {detect}")
        else:
            lines.append(f"    {a.setting.replace(SETTING_NOT_RUN, 'setting not planned')}")
        needed = (f"{int(a.needed.value)} tasks" if a.needed.value is not None
                  else f"not computable ({a.needed.note})")
        lines.append(f"    to detect {effect.text if effect else 'the effect'}: {needed} in "
                     "that setting")
        lines.append(f"    SD {a.inputs.sd:.3f} from {a.source}")
    return "\n".join(lines)
