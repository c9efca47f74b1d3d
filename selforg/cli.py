"""`selforg`: the command line, a thin layer over the library (imports are lazy: litellm alone
takes seconds to import, and `--help` should not wait for it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from selforg.entry import report_errors


def _params(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", type=Path, default=Path("params.yaml"),
                        help="study parameters file (default: params.yaml)")


def _root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="project root holding data/ and reports/ (default: .)")


def cmd_plan(args: argparse.Namespace) -> None:
    from selforg.config import load_config

    cfg = load_config(args.params)
    # Only for a valid file: adequacy imports scipy and pandas (seconds), and a refused file
    # should be refused without waiting for them.
    from selforg.adequacy import planned_adequacy, render_adequacy
    from selforg.llm.cache import read_modes
    from selforg.paths import Paths
    from selforg.plan import make_plan, render_model_notes, render_plan

    print(f"{args.params}: valid")
    print(render_plan(cfg, make_plan(cfg)))
    print(render_model_notes(cfg, read_modes(Paths(args.root).cache_dir(cfg.cache.dir))))
    print(render_adequacy(planned_adequacy(cfg, args.root)))


def _check_plan(args: argparse.Namespace) -> None:
    """Refuse to start a study whose estimate exceeds the budget (unless --over-budget)."""
    from selforg.config import load_config
    from selforg.errors import BudgetExceeded
    from selforg.plan import make_plan

    cfg = load_config(args.params)
    plan = make_plan(cfg)
    if plan.usd > cfg.budget.max_usd and not args.over_budget:
        raise BudgetExceeded(
            f"the plan's estimate ${plan.usd:.4f} exceeds budget.max_usd ${cfg.budget.max_usd}",
            "shrink the study, raise budget.max_usd, or pass --over-budget to run until the "
            "cap stops it (finished calls stay cached)")


def _flow_parameters(args: argparse.Namespace) -> dict[str, str | None]:
    """Absolute paths: a served flow run or a Dask worker may have another cwd."""
    return {"params": str(args.params.resolve()), "root": str(args.root.resolve()),
            "dask_address": args.dask}


def _require_server(why: str) -> None:
    """Served runs and Dask workers are other processes: they need a server, not a temporary
    in-process one."""
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        from selforg.errors import SelforgError

        raise SelforgError(
            f"PREFECT_API_URL is not set, {why}",
            "start a server (`prefect server start --host 127.0.0.1`) and `export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api`, or point it at an existing server")


def cmd_run(args: argparse.Namespace) -> None:
    _check_plan(args)
    if args.dask:
        _require_server("so the Dask workers would have no Prefect API to report to")
    from flows.study import study

    study(str(args.params.resolve()), str(args.root.resolve()), args.dask)
    _print_summary(Path(args.root))


def cmd_serve(args: argparse.Namespace) -> None:
    _check_plan(args)
    _require_server("so there is no Prefect UI to run the study from")
    from flows.study import study

    study.serve(name=args.name, parameters=_flow_parameters(args), cron=args.cron,
                interval=args.interval)


def cmd_check(args: argparse.Namespace) -> None:
    from selforg.check import check_models

    check_models(args.params, args.root, reprobe=args.reprobe)


def cmd_try(args: argparse.Namespace) -> None:
    from selforg.trial import run_trial

    run_trial(args.params, args.protocol, args.n, args.level, args.index, args.model)


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _print_summary(root: Path) -> None:
    """Headline numbers of reports/metrics.json (which commit they are from, and where the
    report is or how to get it): totals, Q per protocol, pooled comparisons."""
    from selforg.paths import Paths
    from selforg.reporting.paths import ReportPaths
    from selforg.summary import headline_table, load_metrics, provenance, report_status

    paths = Paths(root)
    metrics = load_metrics(root)
    html = ReportPaths(paths).html
    print(f"\n{provenance(root)}")
    print(report_status(paths.report_md)
          + (f" (HTML: {html.resolve()})" if html.is_file() else ""))
    print(f"runs {metrics['runs.total']} ({metrics['runs.failed']} failed), judgments "
          f"{metrics['judgments.total']} ({metrics['judgments.failed']} failed), "
          f"tokens {metrics['tokens.total']:,}, ${metrics['cost_usd.total']:.4f}")
    widths = {"protocol": -14, "Q [95% CI]": 24, "n tasks": 8, "tokens/run": 11,
              "latency s": 10, "error rate": 11, "balance": 8}
    print(" ".join(f"{name:<{-w}}" if w < 0 else f"{name:>{w}}" for name, w in widths.items()))
    for row in headline_table(metrics):
        print(" ".join(f"{row[name]!s:<{-w}}" if w < 0 else f"{row[name]!s:>{w}}"
                       for name, w in widths.items()))
    pairs = sorted(k.split(".", 1)[1] for k in metrics if k.startswith("rel.") and "@" not in k)
    for pair in pairs:
        rel, adjusted = metrics[f"rel.{pair}"], metrics.get(f"p_adj.{pair}")
        print(f"{pair.replace('_vs_', ' vs ')}: "
              f"{'n/a' if rel is None else f'{100 * rel:+.1f}%'}, BH p {_num(adjusted, 4)}, "
              f"d {_num(metrics.get(f'd.{pair}'), 2)}")
    if "judge.icc2k" in metrics:
        print(f"judges: ICC(2,k) {_num(metrics['judge.icc2k'], 2)}, alpha "
              f"{_num(metrics.get('judge.alpha'), 2)}, {metrics.get('judge.flags', 0)} "
              "warning(s) in the report")


def cmd_diff(args: argparse.Namespace) -> None:
    from selforg.diff import diff_report

    print(diff_report(Path(args.root), args.rev, show_all=args.all))


def cmd_protocols(args: argparse.Namespace) -> None:
    from selforg.protocols import registry

    print(f"{'name':<20} {'source':<13} {'calls':<14} {'latency':<26} summary")
    for name in registry.names():
        p = registry.get(name)
        print(f"{name:<20} {p.source:<13} {p.calls:<14} {p.latency:<26} {p.summary}")


def cmd_tasks(args: argparse.Namespace) -> None:
    from selforg.config import load_config
    from selforg.errors import SelforgError
    from selforg.tasks import generate_tasks

    cfg = load_config(args.params, check_env=False)
    tasks = generate_tasks(cfg.seed, cfg.tasks.per_level, cfg.tasks.levels,
                           cfg.tasks.verifiable_share)
    if args.show:
        found = [t for t in tasks if t.task_id == args.show]
        if not found:
            raise SelforgError(f"no task {args.show!r} in this task set",
                               "list the ids with `selforg tasks`")
        t = found[0]
        print(f"{t.task_id}  {t.level}  {', '.join(t.domains)}  steps={t.steps}")
        print(f"title: {t.title}")
        if t.stakeholders:
            print(f"stakeholders: {', '.join(t.stakeholders)}")
        print(f"verifiable: {t.verifiable}" + (f"  reference: {t.reference}" if t.reference
                                                 else ""))
        print(f"\n{t.prompt}")
        return
    shown = [t for t in tasks if (not args.level or t.level == args.level)
             and (not args.domain or any(args.domain in d for d in t.domains))]
    for t in shown:
        mark = "V" if t.verifiable else " "
        print(f"{t.task_id:<16} {t.level} {mark} {', '.join(t.domains)[:40]:<40} {t.title}")
    print(f"{len(shown)} of {len(tasks)} tasks (V = verifiable)")


def cmd_summary(args: argparse.Namespace) -> None:
    _print_summary(Path(args.root))


def cmd_view(args: argparse.Namespace) -> None:
    from selforg.view.store import StudyStore

    store = StudyStore(args.root)
    if args.bundle:
        from selforg.view.bundle import write_bundle

        done = write_bundle(store, args.bundle)
        print(f"bundle: {done.runs} runs, {done.bytes / 1e6:.1f} MB in {done.seconds:.1f} s -> "
              f"{(done.path / 'index.html').resolve()} (opens offline, from file://)")
        return
    from selforg.view.app import ViewApp
    from selforg.view.server import serve

    serve(ViewApp(store), args.port, "viewer")


def cmd_rate(args: argparse.Namespace) -> None:
    from selforg.paths import Paths
    from selforg.ratings import init_ratings

    if args.init:
        path = Paths(args.root).human_ratings
        print(f"{path}: " + ("created, empty" if init_ratings(path) else "exists, left as is"))
        return
    from selforg.view.rate_app import RateApp
    from selforg.view.server import serve

    serve(RateApp(args.root, args.sample, args.seed), args.port,
          f"blind rating ({args.sample} answers at most)")


def _flow_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dask", metavar="ADDRESS", default=None,
                        help="run the batches on the Dask cluster at ADDRESS (e.g. "
                             "tcp://10.0.0.5:8786); every worker must see the root and "
                             "params paths and the call cache (a shared filesystem)")
    parser.add_argument("--over-budget", action="store_true",
                        help="start even if the plan's estimate exceeds budget.max_usd (the "
                             "cap still stops any call that would cross it)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="selforg",
        description="Should a team of LLM agents be organised, or organise itself? "
                    "Run, plan and inspect the study.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("plan", help="validate params and print what the study will do",
                       description="Validate the params file (exit 2 listing every problem) "
                                   "and print runs, model calls, tokens and USD per model, and "
                                   "the design adequacy of each confirmatory comparison (what "
                                   "it can detect with 80% power, the tasks it would need). "
                                   "Makes no model call.")
    _params(p)
    _root(p)
    p.set_defaults(fn=cmd_plan)

    p = sub.add_parser("check", help="one tiny call per model: reachable, key, JSON mode",
                       description="Make one tiny call to every model the study uses, through "
                                   "the gateway (cached and counted against the budget like "
                                   "any call), and report per model whether it answered, how "
                                   "long it took and which structured-output mode it will use "
                                   "(probing auto models, remembered for the study). Exit 2 "
                                   "when a model failed.")
    _params(p)
    _root(p)
    p.add_argument("--reprobe", action="store_true",
                   help="forget the structured-output modes remembered in the call cache and "
                        "probe every auto model again (e.g. after changing the server)")
    p.set_defaults(fn=cmd_check)

    p = sub.add_parser("run", help="run the whole study through the Prefect flow",
                       description="Run generate_tasks -> run_protocol (one Prefect task per "
                                   "batch) -> judge -> aggregate as a Prefect flow (a "
                                   "temporary local server is started when PREFECT_API_URL "
                                   "is unset). `dvc repro` runs the same stage functions and "
                                   "writes identical tables.")
    _params(p)
    _root(p)
    _flow_options(p)
    p.set_defaults(fn=cmd_run)

    p = sub.add_parser("serve", help="serve the study as a deployment of a Prefect server",
                       description="Register the study flow as a deployment on the server at "
                                   "PREFECT_API_URL and run the flow runs triggered from its "
                                   "UI (Run button) or by --cron/--interval, until "
                                   "interrupted. Parameters default to this command's "
                                   "--params, --root and --dask; the UI can change them.")
    _params(p)
    _root(p)
    _flow_options(p)
    p.add_argument("--name", default="selforg", help="deployment name (default: selforg)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--cron", help="also run on this cron schedule, e.g. '0 3 * * *'")
    when.add_argument("--interval", type=float, metavar="SECONDS",
                      help="also run every SECONDS seconds")
    p.set_defaults(fn=cmd_serve)

    p = sub.add_parser("try", help="one protocol on one task, printing each turn live",
                       description="Generate the task set from params, take one task and run "
                                   "one protocol on it, printing every agent's turn as it "
                                   "arrives and the final answer. Calls are cached.")
    _params(p)
    p.add_argument("--protocol", default="sequential", help="protocol name (see docs)")
    p.add_argument("--n", type=int, default=4, help="number of agents (default 4)")
    p.add_argument("--level", default="L1", choices=["L1", "L2", "L3", "L4"])
    p.add_argument("--index", type=int, default=0, help="which task of that level (default 0)")
    p.add_argument("--model", default=None, help="model name from params (default: first)")
    p.set_defaults(fn=cmd_try)

    p = sub.add_parser("protocols", help="list the coordination protocols",
                       description="List every registered protocol with its source, model "
                                   "calls per run and latency shape (docs/protocols.md).")
    p.set_defaults(fn=cmd_protocols)

    p = sub.add_parser("tasks", help="list the study's tasks, or show one in full",
                       description="Generate the task set from params (deterministic for a "
                                   "seed) and list it, filtered by level or domain; --show "
                                   "prints one task in full.")
    _params(p)
    p.add_argument("--level", choices=["L1", "L2", "L3", "L4"], help="only this level")
    p.add_argument("--domain", help="only tasks whose domains contain this text")
    p.add_argument("--show", metavar="TASK_ID", help="print this task in full")
    p.set_defaults(fn=cmd_tasks)

    p = sub.add_parser("summary", help="print the headline table of the last study",
                       description="Read reports/metrics.json and print the headline numbers.")
    _root(p)
    p.set_defaults(fn=cmd_summary)

    p = sub.add_parser("diff", help="compare reports/metrics.json with a git revision",
                       description="Print every metric of the working tree's "
                                   "reports/metrics.json that differs from the same file at "
                                   "git revision REV, with both values, the difference and, "
                                   "where both sides have 95% CIs, whether they overlap.")
    p.add_argument("rev", metavar="REV", help="git commit, branch or tag, e.g. HEAD~1")
    _root(p)
    p.add_argument("--all", action="store_true", help="also list metrics that did not change")
    p.set_defaults(fn=cmd_diff)

    p = sub.add_parser("view", help="browse the study's runs, turns and prompts in a browser",
                       description="Serve the study on http://127.0.0.1:PORT/: every run with "
                                   "filters and search, each run's turns with the exact prompt "
                                   "of every call, its organisation, answer and judgments, two "
                                   "runs side by side. --bundle DIR writes the same pages as a "
                                   "static site that opens offline from file:// instead.")
    _root(p)
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    p.add_argument("--bundle", type=Path, metavar="DIR",
                   help="write a self-contained static site to DIR instead of serving")
    p.set_defaults(fn=cmd_view)

    p = sub.add_parser("rate", help="rate a blind sample of answers in a browser",
                       description="Serve blind human rating on http://127.0.0.1:PORT/: a "
                                   "randomised sample of finished runs (the same for every "
                                   "rater, in each rater's own order), shown as the judges see "
                                   "them, with the judges' rubric. Each rating is saved to "
                                   "data/human_ratings.parquet at once; commit it to keep it.")
    _root(p)
    p.add_argument("--port", type=int, default=8766, help="port on 127.0.0.1 (default 8766)")
    p.add_argument("--sample", type=int, default=30,
                   help="answers in the sample (default 30); raters should use the same value")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    p.add_argument("--init", action="store_true",
                   help="create an empty data/human_ratings.parquet if there is none, and exit")
    p.set_defaults(fn=cmd_rate)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(report_errors(lambda: args.fn(args)))
