"""Report sections: warnings, setting, headline table, confirmatory tests, protocol
comparisons per setting."""

from __future__ import annotations

from selforg.analysis.comparisons import SettingResult
from selforg.analysis.descriptives import point
from selforg.analysis.findings import Findings
from selforg.analysis.multiplicity import claim_key, pair_key
from selforg.analysis.stats import ALPHA
from selforg.config import StudyConfig
from selforg.llm.providers import FREE_PROVIDERS, provider_of
from selforg.reporting.document import Block, Bullets, Callout, Figure, Heading, Paragraph, Table
from selforg.reporting.text import adjusted, est, full, missing, num, pct, pval

# Above this many rows the per-level comparisons stay in reports/comparisons.csv only.
MAX_LEVEL_ROWS = 120


def warnings(cfg: StudyConfig, findings: Findings) -> list[Block]:
    """Self-judging and judge-reliability warnings, shown before anything else."""
    blocks: list[Block] = []
    if cfg.self_judging:
        judges = [j.name for j in cfg.judge_models if j.model in
                  {m.model for m in cfg.agent_models + cfg.substitute_models}]
        blocks.append(Callout(
            "Warning: self-judging. A judge model also produced the runs it judged "
            f"({', '.join(judges)}; allowed by judges.allow_self_judging). Its scores may "
            "favour its own style: treat every quality figure below with caution."))
    if findings.flags:
        blocks.append(Callout("Judge reliability warnings (see Judge reliability)",
                              findings.flags))
    return blocks


def _price(cfg: StudyConfig, findings: Findings, name: str) -> str:
    price = findings.design.list_price.get(name)
    if price is None:
        return "unknown"
    spec = cfg.model(name)
    source = ("params" if spec.price is not None
              else "free provider" if provider_of(spec.model) in FREE_PROVIDERS
              else "litellm table")
    return f"{num(price[0], 2)} / {num(price[1], 2)} ({source})"


def setting(cfg: StudyConfig, findings: Findings) -> list[Block]:
    """What ran: models, protocols, N, tasks, judges, totals."""
    t = findings.totals
    runs = findings.by_level
    levels = sorted(runs["level"].unique()) if len(runs) else []
    rows = [[m.name, f"`{m.model}`", "open" if m.open_weights else "closed",
             _price(cfg, findings, m.name)] for m in cfg.agent_models]
    study, judges = cfg.study, cfg.judges
    return [
        Heading("Setting"),
        Table(["model", "litellm model", "weights", "USD per Mtok in / out"], rows),
        Bullets([
            f"Protocols: {', '.join(study.protocols)}; N: {', '.join(map(str, study.n_agents))}"
            f"; replicates: {study.replicates}; assembly: {study.assembly}; agent "
            f"temperature {study.temperature}",
            f"Tasks: {cfg.tasks.per_level} per level, levels with data: "
            f"{', '.join(levels) or 'none'}; seed {cfg.seed}",
            f"Judges: {', '.join(f'{j.name} (`{j.model}`)' for j in cfg.judge_models)}, "
            f"{judges.samples} sample(s) each at temperature {judges.temperature}",
            f"Runs: {t.runs} ({t.runs_failed} failed); judgments: {t.judgments} "
            f"({t.judgments_failed} failed); agent turns: {t.turns} ({t.parse_failures} "
            "unparsable)",
            f"Spend: {t.tokens_runs + t.tokens_judging:,} tokens ({t.tokens_judging:,} for "
            f"judging), ${t.cost_runs + t.cost_judging:.4f} (${t.cost_judging:.4f} for "
            "judging)",
        ]),
        *([Paragraph(f"Shocked runs (study.shocks; used for resilience only): "
                     f"{t.shocked_runs} ({t.shocked_failed} failed), {t.shocked_tokens:,} "
                     f"tokens and ${t.shocked_cost:.4f} including their judging, not in the "
                     "figures above.")] if findings.design.shocks else []),
        Paragraph("How to read the figures: every estimate is given with its 95% confidence "
                  "interval in brackets, its n and the test used. n counts tasks (replicates "
                  "of a task are averaged first) unless a table says otherwise. Intervals hold "
                  "their coverage at the n used (t, Fieller, noncentral t, Wilson) and stay "
                  "within what is possible (Q in [0.25, 1], shares in [0, 1]); at two or three "
                  "tasks they are honestly wide. A statistic the data cannot support is "
                  "printed as \"not computable (reason)\" and is null in "
                  "reports/metrics.json; a rank test that cannot reach "
                  f"alpha = {ALPHA} at its n is not printed as a test."),
        Paragraph(multiplicity_policy(findings)),
    ]


def multiplicity_policy(findings: Findings) -> str:
    """The study's one multiplicity policy, with this run's family sizes."""
    multiplicity = findings.multiplicity
    computed = sum(multiplicity.get(key) is not None for key in multiplicity.confirmatory)
    here = (f"Holm-adjusted over the {computed} that could be computed here" if computed
            else "Holm-adjusted; none could be computed here, since this study ran none of "
            "their settings")
    return (f"Multiplicity: one policy for every p-value. The confirmatory family is the "
            f"reference study's {len(multiplicity.confirmatory)} headline claims, named before "
            f"any data (docs/metrics.md), each tested once in this study's matching setting "
            f"and {here}. Every other "
            f"test is exploratory: Benjamini-Hochberg across the whole study "
            f"({multiplicity.exploratory_size} tests), printed as \"BH p\". No p-value is "
            "adjusted twice. Raw p is shown next to the adjusted one. The judge reliability "
            "statistics check the instrument and are in neither family.")


def headline(findings: Findings, figure: Figure) -> list[Block]:
    """Per-protocol figures, all settings pooled with the task as block."""
    rows = []
    for protocol, s in findings.pooled.summaries.items():
        st = s.stats
        rows.append([
            protocol, f"{s.runs} ({s.failed})", est(st["q"]), str(st["q"].n),
            num(point(st["m"])), num(point(st["tokens"]), 0), num(point(st["cost_usd"]), 5),
            num(point(st["latency_s"]), 2), pct(st["error_rate"].value),
            num(st["balance"].value)])
    return [
        Heading("Headline: quality and cost by protocol"),
        Paragraph("All settings pooled, task as block: each task's runs of a protocol are "
                  "averaged (over models, N and replicates), then the mean and t interval are "
                  "taken over tasks. Fixed-size controls (single) ran at their own N. Compare "
                  "protocols within one setting in the next section; the balance index "
                  "normalises latency, cost and error rate across the protocols of this table "
                  "(cost in tokens when every run cost 0 USD)."),
        Table(["protocol", "runs (failed)", "Q [95% CI]", "n tasks", "M", "tokens/run",
               "USD/run", "latency s", "error rate", "balance"], rows),
        figure,
    ]


def _pair_rows(findings: Findings, result: SettingResult) -> list[list[str]]:
    rows = []
    for pair in result.comparison.pairs:
        mde = result.power[(pair.a, pair.b)]
        rows.append([
            f"{pair.a} vs {pair.b}", est(pair.rel_diff, percent=True, sign=True),
            est(pair.d, 2), est(pair.d_pooled, 2),
            f"{pair.test.test}: {num(pair.test.value, 2)}"
            if pair.test.value is not None else full(pair.test),
            pval(pair.test.p),
            adjusted(findings.multiplicity.get(pair_key(pair.a, pair.b, result.setting.suffix))),
            num(mde.value, 2) if mde.value is not None else missing(mde)])
    return rows


def _comparison(findings: Findings, result: SettingResult, level: int = 3) -> list[Block]:
    c = result.comparison
    means = "; ".join(f"{p} {est(s)} (n = {s.n})" for p, s in c.means.items())
    notes = "; ".join(n for n in (result.note, c.note) if n)
    text = (f"Design: {c.design}. Omnibus: {full(c.omnibus)}. Q: {means or 'no judged runs'}."
            + (f" Note: {notes}." if notes else ""))
    blocks: list[Block] = [Heading(result.setting.label, level), Paragraph(text)]
    if c.pairs:
        blocks.append(Table(["pair (a vs b)", "rel diff a/b - 1 [CI]", "d (design) [CI]",
                             "d pooled SD [CI]", "test: statistic", "p", "adjusted p",
                             "min detectable d"], _pair_rows(findings, result)))
    return blocks


def _level_rows(findings: Findings) -> list[list[str]]:
    rows = []
    for result in findings.levels:
        for pair in result.comparison.pairs:
            key = pair_key(pair.a, pair.b, result.setting.suffix)
            test = (pval(pair.test.p) if pair.test.value is not None
                    else missing(pair.test))
            rows.append([result.setting.label, f"{pair.a} vs {pair.b}",
                         est(pair.rel_diff, percent=True, sign=True), est(pair.d, 2), test,
                         adjusted(findings.multiplicity.get(key))])
        if not result.comparison.pairs:
            rows.append([result.setting.label, "-", result.comparison.omnibus.note or "-",
                         "-", "-", "-"])
    return rows


def comparisons(findings: Findings) -> list[Block]:
    """Protocol comparisons: pooled, per (model, N), and per (model, N, level)."""
    blocks: list[Block] = [
        Heading("Protocol comparisons per setting"),
        Paragraph("Exploratory. Within each setting, protocols that ran the same tasks are "
                  "compared paired over tasks (Friedman omnibus, Wilcoxon signed-rank per pair, "
                  "paired Fieller CI of the relative difference, Cohen's d_z); otherwise "
                  "Welch's ANOVA and Welch's t per pair with an independent Fieller CI. Every "
                  "pair also shows the between-group pooled-SD d, the reference study's "
                  "definition. rel diff is mean(a) / mean(b) - 1. Adjusted p: "
                  "Benjamini-Hochberg across the study (Holm where the pair is a confirmatory "
                  "test). The minimum detectable d is the effect the setting's tasks detect "
                  f"with 80% power at alpha {ALPHA} (none when the Wilcoxon test cannot reach "
                  "alpha at that n)."),
        *_comparison(findings, findings.pooled),
    ]
    if len(findings.cells) == 1:
        only = findings.cells[0].setting
        blocks += [Heading(only.label, 3),
                   Paragraph(f"The study's only (model, N) setting: the comparison above "
                             f"({only.model} at N = {only.n_agents}, every task), counted once "
                             "in the multiplicity family.")]
    else:
        for result in findings.cells:
            blocks += _comparison(findings, result)
    rows = _level_rows(findings)
    blocks.append(Heading("Per level", 3))
    if len(rows) > MAX_LEVEL_ROWS:
        blocks.append(Paragraph(f"{len(rows)} per-level comparisons: see "
                                "reports/comparisons.csv (every setting and pair)."))
    else:
        blocks.append(Table(["setting", "pair", "rel diff [CI]", "Cohen's d [CI]", "p",
                             "adjusted p"], rows))
    return blocks


def confirmatory(findings: Findings) -> list[Block]:
    """The confirmatory family: each reference claim's test in its matching setting, Holm."""
    rows = []
    for result in findings.claims:
        if not result.claim.confirmatory:
            continue
        found = findings.multiplicity.get(claim_key(result.claim.key))
        if result.missing or result.test is None:
            rows.append([result.claim.claim, result.missing or "not measured", "-", "-", "-"])
            continue
        rows.append([result.claim.claim, result.here, full(result.test, 3),
                     pval(result.test.p), adjusted(found) if found else "n/a"])
    return [
        Heading("Confirmatory tests: the reference study's claims"),
        Paragraph("The confirmatory family, fixed before any data: one test per headline "
                  "claim of the reference study, in this study's setting matching the paper's "
                  "(model, N, level; what still differs is listed under \"Reference study vs "
                  "this study\"), Holm-adjusted over the tests that could be computed. A claim "
                  "whose setting this study did not run is not tested here: no other setting "
                  "stands in for it. Design adequacy (below) says what each test could detect."),
        Table(["claim", "this study's setting", "test", "p", "Holm p"], rows),
    ]
