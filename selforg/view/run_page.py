"""A run's page: the task, every turn in order with the exact prompt it was given, the
organisation as a picture, the final answer, every judge sample, the verifiable check, and
the other runs of the same task to compare with.

Prompts sit in collapsed <details> elements: a run at N = 256 has hundreds, and the page stays
readable (and its text searchable with the browser's find) while holding all of them.
"""

from __future__ import annotations

from typing import Any

from selforg.judging.rubric import DIMENSIONS
from selforg.view.graph import legend_html, organisation_svg
from selforg.view.layout import e, num, page
from selforg.view.store import Prompt, RunDetail

UP = "../"


def _prompt(prompt: Prompt | None, missing: str) -> str:
    if prompt is None:
        return f'<p class="note">{missing}</p>'
    chars = sum(len(m["content"]) for m in prompt.messages)
    messages = "".join(f'<div class="message-role">{e(m["role"])}</div><pre>{e(m["content"])}'
                       "</pre>" for m in prompt.messages)
    schema = (f"<details><summary>response schema</summary><pre>{e(prompt.schema)}</pre>"
              "</details>" if prompt.schema else "")
    seeds = ", ".join(map(str, prompt.seeds))
    return (f'<details class="prompt"><summary>prompt: {len(prompt.messages)} message(s), '
            f"{chars:,} characters</summary>{messages}{schema}<p class=\"meta\">max_tokens "
            f"{prompt.max_tokens}, temperature {prompt.temperature:g}, seed(s) {seeds}</p>"
            "</details>")


def _state(turn: dict[str, Any]) -> str:
    if turn["agent"] < 0:
        return "assembly"
    if turn["removed"]:
        return "removed"
    if turn["directed"]:
        return "idle"
    return "abstained" if turn["abstain"] else "contributed"


def _turn(turn: dict[str, Any], detail: RunDetail) -> str:
    state = _state(turn)
    who = "assembly (final answer)" if turn["agent"] < 0 else f"agent {turn['agent']}"
    badges = {"abstained": "abstained", "idle": "idle (told by its manager)",
              "removed": "removed by the shock"}.get(state, "")
    flags = [f'<span class="badge">{badges}</span>'] if badges else []
    if not turn["parse_ok"] and state != "assembly":
        flags.append('<span class="badge bad">reply did not parse</span>')
    if turn["error"]:
        flags.append(f'<span class="badge bad">error: {e(turn["error"])}</span>')
    if turn["cached"]:
        flags.append('<span class="badge">cache hit</span>')
    links = []
    if len(turn["builds_on"]):
        links.append("builds on " + ", ".join(f"agent {a}" for a in turn["builds_on"]))
    if turn["follows"] is not None:
        links.append(f"follows agent {turn['follows']}")
    meta = (f"{e(turn['model'])} &middot; {num(turn['prompt_tokens'])} prompt + "
            f"{num(turn['completion_tokens'])} completion tokens &middot; "
            f"{num(turn['latency_s'], 2)} s &middot; view budget {num(turn['budget_tokens'])}")
    called = not (turn["directed"] or turn["removed"])
    missing = ("not recorded: this study was run before prompts were kept (re-run run_protocol)"
               if not detail.has_prompt_log else "no prompt recorded for this call")
    prompt = (_prompt(detail.prompts.get((int(turn["agent"]), int(turn["round"]))), missing)
              if called else '<p class="note">no model call: nobody was asked</p>')
    contribution = (f"<pre>{e(turn['contribution'])}</pre>" if turn["contribution"] else "")
    return (f'<section class="turn {state}" data-agent="{turn["agent"]}" '
            f'data-round="{turn["round"]}"><div><b>round {turn["round"]} &middot; {who}</b> '
            f'&middot; role: <i>{e(turn["role"] or "none")}</i>{"".join(flags)}</div>'
            f'<div class="meta">{" &middot; ".join(links) or "no links"} &middot; {meta}</div>'
            f"{contribution}{prompt}</section>")


def _summary(detail: RunDetail) -> str:
    r = detail.run
    shock = e(r["shock"] or "none (baseline)")
    if len(r["shock_removed"]):
        shock += f"; removed agents {', '.join(map(str, r['shock_removed']))}"
    if len(r["shock_substituted"]):
        shock += f"; substituted agents {', '.join(map(str, r['shock_substituted']))}"
    items = [("protocol", e(r["protocol"])), ("model", e(r["model"])), ("N", r["n_agents"]),
             ("replicate", r["replicate"]), ("assembly", e(r["assembly"])), ("shock", shock),
             ("status", e(r["status"]) + (f": {e(r['error'])}" if r["error"] else "")),
             ("Q (panel mean)", num(detail.q)), ("M", num(detail.m)),
             ("model calls", num(r["n_calls"])),
             ("tokens", f"{num(r['prompt_tokens'])} prompt + {num(r['completion_tokens'])} "
                        "completion"),
             ("cost", f"${num(r['cost_usd'], 4)}"), ("latency (critical path)",
                                                     f"{num(r['latency_s'], 2)} s"),
             ("active / abstained (final round)", f"{r['n_active']} / {r['n_abstained']}"),
             ("hierarchy depth", r["hierarchy_depth"])]
    return '<dl class="summary">' + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>"
                                            for k, v in items) + "</dl>"


def _task(task: dict[str, Any]) -> str:
    stakeholders = ", ".join(task["stakeholders"]) or "none named"
    reference = (f"<details><summary>reference answer (verifiable task)</summary><pre>"
                 f"{e(task['reference'])}</pre></details>" if task["verifiable"] else "")
    return (f"<h2>Task</h2><p><b>{e(task['title'])}</b> &middot; {e(task['task_id'])} &middot; "
            f"level {e(task['level'])} &middot; domains {e(', '.join(task['domains']))} "
            f"&middot; stakeholders {e(stakeholders)}</p><pre>{e(task['prompt'])}</pre>"
            f"{reference}")


def _judgments(detail: RunDetail) -> str:
    if not detail.judgments:
        why = "failed runs are not judged" if detail.run["status"] != "ok" else \
            "not judged yet (run the judge stage)"
        return f"<h2>Judgments</h2><p class=\"note\">{why}</p>"
    head = "".join(f"<th>{c}</th>" for c in ("judge", "sample", *DIMENSIONS, "Q", "M", "status",
                                             "rationale"))
    rows = []
    for j in detail.judgments:
        scores = "".join(f'<td class="num">{num(j[d])}</td>' for d in DIMENSIONS)
        status = e(j["status"]) + (f": {e(j['error'])}" if j["error"] else "")
        rows.append(f"<tr><td>{e(j['judge_model'])}</td><td>{j['sample']}</td>{scores}"
                    f'<td class="num">{num(j["q"])}</td><td class="num">{num(j["m"])}</td>'
                    f"<td>{status}</td><td>{e(j['rationale'])}</td></tr>")
    prompts = "".join(
        f"<div><b>{e(j['judge_model'])}, sample {j['sample']}</b>"
        f"{_prompt(detail.judge_prompts.get((j['judge_model'], int(j['sample']))), 'no prompt recorded')}</div>"  # noqa: E501
        for j in detail.judgments)
    return (f"<h2>Judgments</h2><table class=\"judgments\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><h3>Judge prompts</h3>{prompts}")


def _check(detail: RunDetail) -> str:
    if not detail.task["verifiable"]:
        return ("<h2>Verifiable check</h2><p class=\"note\">not a verifiable task: no code check"
                "</p>")
    verdicts = {j["verified_correct"] for j in detail.judgments
                if j["verified_correct"] is not None}
    if not verdicts:
        text = "not checked (the run has no judgment yet)"
    else:
        text = "correct" if verdicts == {True} else "incorrect"
    return (f"<h2>Verifiable check</h2><p id=\"verdict\">The code checker finds the final answer "
            f"<b>{text}</b> against the reference.</p>")


def _siblings(detail: RunDetail) -> str:
    if not detail.siblings:
        return "<h2>Other runs of this task</h2><p class=\"note\">none</p>"
    me = e(detail.run["run_id"])
    rows = "".join(
        f"<tr><td><a href=\"{e(s['run_id'])}.html\">{e(s['run_id'])}</a></td>"
        f"<td>{e(s['protocol'])}</td><td>{e(s['model'])}</td><td>{s['n_agents']}</td>"
        f"<td>{e(s['shock'] or '-')}</td><td>{e(s['status'])}</td><td class=\"num\">"
        f"{num(s['q'])}</td><td><a class=\"compare\" href=\"{UP}compare.html?a={me}&amp;b="
        f"{e(s['run_id'])}\">side by side</a></td></tr>" for s in detail.siblings)
    return ("<h2>Other runs of this task</h2><table><thead><tr><th>run</th><th>protocol</th>"
            "<th>model</th><th>N</th><th>shock</th><th>status</th><th>Q</th><th></th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")


def run_html(detail: RunDetail) -> str:
    r = detail.run
    svg = organisation_svg(detail.turns)
    picture = (f"{svg}{legend_html()}" if svg else '<p class="note">no agent turns</p>')
    turns = "".join(_turn(t, detail) for t in detail.turns)
    answer = (f"<pre class=\"answer\" id=\"final-answer\">{e(r['final_answer'])}</pre>"
              if r["final_answer"] is not None else '<p class="note">no final answer: the run '
              "failed</p>")
    body = (f"<h1>Run {e(r['run_id'])}</h1>{_summary(detail)}{_task(detail.task)}"
            f"<h2>Organisation</h2><p class=\"note\">Who followed (accepted the direction of) or "
            f"built on whom, over all rounds; layers follow the reporting lines.</p>{picture}"
            f"<h2>Turns ({len(detail.turns)})</h2><p class=\"note\">In order of round and agent; "
            f"each with the exact prompt it was given (click to open).</p>{turns}"
            f"<h2>Final answer</h2>{answer}{_judgments(detail)}{_check(detail)}"
            f"{_siblings(detail)}")
    return page(f"run {r['run_id']}", body, up=UP)
