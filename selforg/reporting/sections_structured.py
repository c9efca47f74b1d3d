"""The report's structured-output part (under Failures): how each model was asked for JSON.

Where a reply was constrained by the server (json_schema, json_object) its turn parses by
construction; under `prompt` it is free text parsed afterwards. A model on `auto` that ended on
a weaker mode than it started with fell back because its server refused or ignored the
stronger one (selforg.llm.structured); the report says so rather than leave it to the logs.
"""

from __future__ import annotations

from selforg.analysis.findings import Findings
from selforg.config import StudyConfig
from selforg.llm.structured import CHAIN, start_mode
from selforg.reporting.document import Block, Heading, Paragraph, Table


def structured_output(cfg: StudyConfig, findings: Findings) -> list[Block]:
    use = findings.structured_output
    blocks: list[Block] = [
        Heading("Structured output", 3),
        Paragraph("How each model's calls asked for JSON (docs/configuration.md, \"Structured "
                  "output\"): json_schema and json_object constrain the reply on the server; "
                  "prompt puts the schema in the prompt only, and the reply is parsed as free "
                  "text. Baseline runs' agent turns and all judgments.")]
    if use.empty:
        return [*blocks, Paragraph("No call asked for JSON.")]
    specs = {m.name: m for m in cfg.models}
    rows = []
    for r in use.itertuples():
        spec = specs.get(str(r.model))
        start = start_mode(spec) if spec is not None else str(r.mode)
        notes = []
        if spec is not None and CHAIN.index(str(r.mode)) > CHAIN.index(start):
            notes.append(f"fell back from {start} (the server refused or ignored it)")
        if r.mode == "prompt":
            notes.append("unconstrained: prompt-only JSON")
        rows.append([str(r.model), spec.structured_output if spec is not None else "?",
                     str(r.calls), str(r.mode), str(r.count), "; ".join(notes)])
    return [*blocks, Table(["model", "setting", "calls", "mode", "rows", "note"], rows)]
