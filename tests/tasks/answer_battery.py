"""A battery of hand-written answers in the styles LLM teams write, each with its verdict.

Every case names its style and its *truth*: what a careful reader finds the answer states
("correct" or "wrong"). `expected` is the checker's verdict: the truth, or "undecidable" where
the checker is meant to abstain (the right value appears, but not stated as the answer in a
form the rules can pin down). tests/tasks/test_answer_battery.py asserts every verdict; run

    .venv/bin/python -m tests.tasks.answer_battery

to print the table of false accepts and false rejects that docs/tasks.md shows.

The three references are fixed here, not drawn, so the battery does not move with the
generator: a three-part cost task with a discount, two chained reserves, contingency and a fee
(truth $622,241.25); a ten-option allocation with two "requires" rules and one "excludes"
(best 146: P5, P7, P8, P10; 196 if the rules are ignored); an eight-activity schedule with an
"immediately after" rule.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from selforg.tasks import check_answer
from selforg.tasks.mistakes import method_errors
from selforg.tasks.problems import (
    AllocationProblem,
    Choice,
    CostProblem,
    Line,
    Part,
    ScheduleProblem,
)

COST_PROBLEM = CostProblem(
    parts=(
        Part("marketing", (Line("influencer posts", "posts", 56, 3200),
                           Line("agency creative work", "agency days", 30, 1200),
                           Line("paid search", "clicks", 22000, 2200, 1000)), discount=11),
        Part("supply chain", (Line("air freight", "tonnes", 33, 4900),), reserve=7),
        Part("HR", (Line("onboarding kits", "new starters", 340, 270),), reserve=19),
    ),
    contingency=14,
    fee=8500,
)
COST = json.dumps(COST_PROBLEM.reference() | {
    "method_errors": {k: round(float(COST_PROBLEM.exact_total() + v), 2)
                      for k, v in method_errors(COST_PROBLEM).items()}})

_OPTIONS = (
    ("Virtual ward", 280, 26), ("Electronic prescribing upgrade", 230, 31),
    ("Discharge lounge", 95, 33), ("Community rapid-response team", 210, 16),
    ("Influencer programme", 110, 19), ("Loyalty app relaunch", 95, 36),
    ("Privileged access vault", 100, 34), ("24/7 managed detection", 200, 49),
    ("Network segmentation", 240, 43), ("EDR on all servers", 80, 44),
)
ALLOCATION_PROBLEM = AllocationProblem(
    options=tuple(Choice(n, c, i, f"P{k}") for k, (n, c, i) in enumerate(_OPTIONS, start=1)),
    budget=590,
    requires=(("Loyalty app relaunch", "Virtual ward"),
              ("Privileged access vault", "Influencer programme")),
    excludes=(("24/7 managed detection", "Discharge lounge"),),
)
ALLOCATION = json.dumps(ALLOCATION_PROBLEM.reference())

SCHEDULE_PROBLEM = ScheduleProblem(
    labels=("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"),
    names=("build and connect", "agree the landing zone design", "select candidate sites",
           "commission and test", "set up identity and access", "agree the demand forecast",
           "decommission the old servers", "run a failover rehearsal"),
    before=(("T6", "T3"), ("T3", "T1"), ("T1", "T4"), ("T2", "T5"), ("T5", "T8"),
            ("T5", "T1")),
    adjacent=(("T8", "T7"),),
    solution=("T6", "T2", "T3", "T5", "T1", "T8", "T7", "T4"),
)
SCHEDULE = json.dumps(SCHEDULE_PROBLEM.reference())
REFERENCES = {"cost": COST, "allocation": ALLOCATION, "schedule": SCHEDULE}


@dataclass(frozen=True)
class Case:
    kind: str
    style: str
    truth: str  # what the answer states, to a careful reader: correct | wrong
    answer: str
    abstain: bool = False  # the checker is meant to say "undecidable"

    @property
    def expected(self) -> str:
        return "undecidable" if self.abstain else self.truth


def _cases(kind: str, truth: str, rows: list[tuple[str, str]], abstain: bool = False) -> list[Case]:
    return [Case(kind, style, truth, answer, abstain) for style, answer in rows]


_COST_RIGHT = [
    ("format: bare marker", "ANSWER: 622241.25"),
    ("format: dollars and commas", "ANSWER: $622,241.25"),
    ("format: bold marker", "**ANSWER:** $622,241.25"),
    ("format: 'Final answer =' and USD", "Final answer = 622,241.25 USD"),
    ("format: space groups", "answer: 622 241.25"),
    ("format: European", "ANSWER: 622.241,25 €"),
    ("format: European decimal comma", "ANSWER: 622241,25"),
    ("format: rounded to the dollar", "ANSWER: $622,241"),
    ("format: thousands suffix", "ANSWER: $622.24k"),
    ("format: US$ prefix", "ANSWER: US$ 622,241.25"),
    ("format: dollars word", "ANSWER: 622,241.25 dollars"),
    ("format: three decimals", "ANSWER: 622241.245"),
    ("format: approximately, to the dollar", "ANSWER: approximately $622,241"),
    ("format: the answer is", "So the answer is $622,241.25."),
    ("format: code ticks", "`ANSWER: $622,241.25`"),
    ("prose: total embedded", "After pricing every line, applying the 11% discount to part 1, "
     "carrying the 7% and 19% reserves forward and adding 14% contingency, the total comes to "
     "$622,241.25 once the $8,500 fee is added."),
    ("prose: marker mid-paragraph", "We priced the three parts and carried the reserves "
     "forward. ANSWER: the total over all 3 parts is $622,241.25, which the board should "
     "treat as a ceiling."),
    ("prose: components before the total", "ANSWER: With the 14% contingency and the $8,500 "
     "fee, the total is $622,241.25."),
    ("prose: part totals then the total", "ANSWER: Part 1 is $234,604.00, part 2 is "
     "$178,122.28, part 3 is $125,643.23, so the total is $622,241.25."),
    ("prose: component stated first", "ANSWER: The fee is $8,500 and the grand total is "
     "$622,241.25."),
    ("prose: deliberation, then commitment", "It could be $613,741.25 if the fee were left "
     "out, but the fee applies. The total is $622,241.25."),
    ("walkthrough: grand total last", "Part 1: 179,200 + 36,000 + 48,400 = 263,600; less 11% "
     "= 234,604.00\nPart 2: 161,700 + 7% of 234,604 = 178,122.28\nPart 3: 91,800 + 19% of "
     "178,122.28 = 125,643.23\nSum: 538,369.51; contingency 14%: 75,371.73\nGrand total: "
     "$622,241.25"),
    ("walkthrough: last line adds the fee", "Part totals: $234,604.00, $178,122.28, "
     "$125,643.23.\nTotal before contingency: $538,369.51\nWith 14% contingency: $613,741.25"
     "\nPlus the one-off fee: $622,241.25"),
    ("walkthrough: bare last line", "Part 1 comes to $234,604.00 after the discount; part 2 "
     "to $178,122.28; part 3 to $125,643.23. Contingency adds $75,371.73 and the fee "
     "$8,500.\n\n$622,241.25"),
    ("table: total row", "| Item | Amount |\n|---|---|\n| Part 1 | $234,604.00 |\n| Part 2 | "
     "$178,122.28 |\n| Part 3 | $125,643.23 |\n| Contingency (14%) | $75,371.73 |\n| Fee | "
     "$8,500.00 |\n| **Total** | **$622,241.25** |"),
    ("table: then marker", "| Part | Total |\n|---|---|\n| 1 | 234,604.00 |\n| 2 | 178,122.28 "
     "|\n| 3 | 125,643.23 |\n\nANSWER: 622,241.25"),
    ("equation: ending in the total", "ANSWER: 538,369.51 × 1.14 + 8,500 = 622,241.25"),
    ("equation: total first", "ANSWER: $622,241.25 = $538,369.51 × 1.14 + $8,500"),
    ("equation: chain", "ANSWER: 234,604 + 178,122.28 + 125,643.23 = 538,369.51; × 1.14 = "
     "613,741.25; + 8,500 = 622,241.25"),
    ("heading: final answer", "## Final answer\n$622,241.25"),
    ("heading: answer with prose", "### Answer\nThe programme costs $622,241.25 in total, "
     "including the $8,500 fee.\n\n### Notes\nThe reserve of part 3 is $33,843.23."),
    ("heading: bold line", "**Final answer**\n\nThe budget comes to $622,241.25."),
    ("trailing: sensitivity sentence", "ANSWER: $622,241.25\n\nThis answer is sensitive to "
     "the 14% contingency: each extra point adds about $5,384."),
    ("trailing: part detail", "ANSWER: $622,241.25\n\nPart 3's reserve is 19% of part 2's "
     "$178,122.28 total, that is $33,843.23."),
    ("trailing: same total restated", "ANSWER: $622,241.25\n\nWorking: ... the grand total "
     "is therefore 622,241.25."),
    ("restatement: rounded in brackets", "ANSWER: $622,241.25 (rounded: $622,241)"),
    ("restatement: approximately", "ANSWER: $622,241.25, i.e. about $622k"),
    ("negated figure, then the total", "ANSWER: not $613,741.25 but $622,241.25, since the fee "
     "belongs in it."),
    ("explanation after a dash", "ANSWER: $622,241.25 — $613,741.25 plus the $8,500 fee"),
    ("markers: same value twice", "ANSWER: $622,241.25\n\nChecked twice.\n\nFinal answer: "
     "622241.25"),
    ("markers: format echoed first", "I will give ANSWER: <number> at the end.\n...\n"
     "ANSWER: 622,241.25"),
    ("markers: draft answer revised", "Draft answer: $613,741.25 (fee forgotten).\n"
     "ANSWER: $622,241.25"),
    ("concatenated contributions", "## Cost analyst\nPart 1 total is $234,604.\n\n## Reviewer"
     "\nI agree with the analyst. ANSWER: $622,241.25"),
    ("partial in brackets: without the fee", "ANSWER: $622,241.25 (about $613.7k without the "
     "fee)"),
    ("bold total line", "**Total Estimated Cost: $622,241.25**"),
    ("report: summary sentence, breakdown, risks", "## Executive summary\nThe programme will "
     "cost **$622,241.25**.\n\n## Breakdown\n- Part 1 (marketing): $234,604.00\n- Part 2 "
     "(supply chain): $178,122.28 (incl. 7% reserve of $16,422.28)\n- Part 3 (HR): $125,643.23"
     "\n- Contingency (14%): $75,371.73\n- One-off fee: $8,500.00\n\n## Risks\nA 1% rise in "
     "contingency adds $5,383.70."),
    ("final budget line", "Final budget: $622,241.25"),
    ("upper-case TOTAL =", "TOTAL = $622,241.25"),
    ("total with bracketed inclusions", "Estimated total cost (incl. contingency and fee): "
     "$622,241.25"),
    ("'the final answer is:'", "The final answer is: $622,241.25"),
    ("bracketed notes with amounts", "ANSWER: $622,241.25 USD (incl. 14% contingency & $8.5k "
     "fee)"),
    ("tilde", "ANSWER: ~$622,241"),
    ("scenario sentence after the answer", "ANSWER: $622,241.25\n\nA 10% overrun on part 1 "
     "would add about $23,460."),
]

_COST_WRONG = [
    ("method error: contingency on the fee", "ANSWER: $623,431.25"),
    ("method error: reserve on pre-discount subtotal", "ANSWER: $624,994.76"),
    ("method error: reserve without the part's own reserve", "ANSWER: $618,684.18"),
    ("method error: contingency on lines only", "ANSWER: $615,204.07"),
    ("method error: fee left out", "ANSWER: $613,741.25"),
    ("method error: per-1,000 price taken per unit", "ANSWER: $53,766,267.13"),
    ("method error: reserve on all earlier parts", "The total comes to $673,056.47."),
    ("near miss: $18 off", "ANSWER: $622,259.25"),
    ("confident wrong: right figure negated", "ANSWER: Not $622,241.25 but $624,994.76."),
    ("near miss: rounded to the thousand", "ANSWER: $622k"),
    ("near miss: rounded to two figures", "ANSWER: $0.62 million"),
    ("confident wrong: prose", "I have checked every step twice: the budget comes to "
     "$624,994.76, no more."),
    ("confident wrong: total over all parts", "ANSWER: the total over all 3 parts is "
     "$613,741.25"),
    ("confident wrong: table", "| Item | Amount |\n|---|---|\n| Parts | $538,369.51 |\n| "
     "Contingency | $75,371.73 |\n| Fee | $8,500 |\n| Total | $623,431.25 |"),
    ("confident wrong: equation", "ANSWER: (538,369.51 + 8,500) × 1.14 = 623,431.25"),
    ("confident wrong: European", "ANSWER: 623.431,25 €"),
    ("confident wrong: heading", "## Answer\nThe total is $613,741.25."),
    ("hedge: '(or $Y if ...)'", "ANSWER: $622,241.25 (or $613,741.25 if the fee is waived)"),
    ("hedge: range", "ANSWER: between $615,000 and $625,000"),
    ("hedge: dash range", "ANSWER: $615,000-$625,000"),
    ("hedge: 'or'", "ANSWER: 622,241.25 or 623,431.25"),
    ("hedge: slash", "ANSWER: $622,241.25 / $623,431.25"),
    ("hedge: alternatively after the answer", "ANSWER: $622,241.25\n\nAlternatively, if the "
     "reserve is on the pre-discount subtotal, the total would be $624,994.76."),
    ("hedge: two marked totals", "ANSWER: $613,741.25\n\nOn reflection the fee belongs in "
     "it.\n\nANSWER: $622,241.25"),
    ("hedge: either/or without a marker", "It is either $622,241.25 or $623,431.25, depending "
     "on whether contingency applies to the fee."),
    ("hedge: approximate alternative in brackets", "ANSWER: $622,241.25 (or about $613.7k if "
     "the fee is waived)"),
    ("hedge: 'if' after the answer", "ANSWER: $622,241.25\n\nIf the fee is excluded, it would "
     "be $613,741.25."),
    ("hedge: two conditional totals", "ANSWER: $622,241.25 if contingency is on the parts "
     "only; $623,431.25 if it also covers the fee."),
    ("confident wrong, right figure mentioned earlier", "At first I got $622,241.25, but the "
     "reserve belongs on the pre-discount subtotal.\n\nANSWER: $624,994.76"),
    ("wrong, right figure as an alternative", "ANSWER: $624,994.76\n\nAlternatively, with the "
     "reserve on the discounted total, $622,241.25."),
    ("hedge: concatenated contributions disagree", "## Analyst A\nANSWER: $622,241.25\n\n## "
     "Analyst B\nANSWER: $624,994.76"),
    ("empty", ""),
    ("empty: whitespace", "   \n  "),
    ("refusal", "I cannot calculate the total without the exact contingency policy."),
    ("refusal: percent only", "I am unable to give a total: the 14% contingency rule is "
     "unclear."),
    ("no total: part totals only", "Part 1: $234,604.00\nPart 2: $178,122.28\nPart 3: "
     "$125,643.23"),
    ("no total: restates the inputs", "The lines are 56 posts at $3,200, 30 agency days at "
     "$1,200 and 22,000 clicks at $2,200 per 1,000."),
    ("marker without a value, no total", "ANSWER: see the breakdown.\nPart 1 costs $234,604."),
]

_COST_ABSTAIN = [
    ("prose: total with no total word", "Marketing needs $234,604 after its discount, "
     "supply chain $178,122.28 and HR $125,643.23; the board will see $622,241.25 once "
     "contingency and the fee are in."),
    ("prose: figure mid-text, then other figures", "We need $622,241.25 of funding. Part 1 "
     "needs $234,604 and part 2 needs $178,122.28."),
]

_ALLOCATION_RIGHT = [
    ("format: requested", "ANSWER: 146; P5, P7, P8, P10"),
    ("format: points and 'and'", "ANSWER: 146 points (P5, P7, P8 and P10)"),
    ("format: lower-case labels", "answer: 146 - p5, p7, p8, p10"),
    ("format: hyphenated labels", "ANSWER: 146; P-5, P-7, P-8, P-10"),
    ("format: 'Option' numbers", "ANSWER: 146 with options 5, 7, 8 and 10"),
    ("names for labels", "ANSWER: 146 — Influencer programme, Privileged access vault, 24/7 "
     "managed detection and EDR on all servers"),
    ("names, lower case", "ANSWER: 146; influencer programme, privileged access vault, "
     "24/7 managed detection, EDR on all servers"),
    ("list after the marker", "ANSWER: 146\n\nChosen options:\n- P5 Influencer programme\n- "
     "P7 Privileged access vault\n- P8 24/7 managed detection\n- P10 EDR on all servers\n\n"
     "P3 is left out because P8 excludes it."),
    ("list with costs in brackets", "ANSWER: 146\n1. P5 ($110k, 19)\n2. P7 ($100k, 34)\n3. P8 "
     "($200k, 49)\n4. P10 ($80k, 44)"),
    ("prose: negatives after", "ANSWER: 146. Fund P5, P7, P8 and P10, leaving out P3 (P8 "
     "excludes it) and P6, which would need P1."),
    ("prose: drop then fund", "ANSWER: 146. We drop P3 and P6 and fund P5, P7, P8 and P10."),
    ("prose: negative clause", "ANSWER: 146: P5, P7, P8 and P10 are funded; P9 is not."),
    ("prose: no marker", "The best selection is P5, P7, P8 and P10, for a total impact of 146 "
     "points at a cost of $490k."),
    ("prose: recommendation, then impact", "We recommend funding the Influencer programme, "
     "the Privileged access vault, 24/7 managed detection and EDR on all servers.\nTotal "
     "impact: 146."),
    ("table: yes/no column", "ANSWER: 146\n\n| Option | Cost | Impact | Funded |\n|---|---|---|"
     "---|\n| P3 | $95k | 33 | No |\n| P5 | $110k | 19 | Yes |\n| P7 | $100k | 34 | Yes |\n| "
     "P8 | $200k | 49 | Yes |\n| P10 | $80k | 44 | Yes |"),
    ("table: chosen rows only", "## Answer\n| Option | Impact |\n|---|---|\n| P5 | 19 |\n| P7 "
     "| 34 |\n| P8 | 49 |\n| P10 | 44 |\n\nTotal impact: 146"),
    ("equation: impacts summed", "ANSWER: 19 + 34 + 49 + 44 = 146; P5, P7, P8, P10"),
    ("heading: selection", "## Final answer\nFund P5, P7, P8 and P10 (impact 146, $490k of "
     "$590k)."),
    ("selection only, no impact", "ANSWER: P5, P7, P8, P10"),
    ("trailing: rule explanation", "ANSWER: 146; P5, P7, P8, P10\n\nP7 requires P5, which is "
     "in; P8 excludes P3, so P3 is out."),
    ("trailing: ignored-rules comparison", "ANSWER: 146; P5, P7, P8, P10\n\nIgnoring the rules"
     ", P3 and P6 would reach 196, but they break them."),
    ("markers: same answer twice", "ANSWER: 146; P5, P7, P8, P10\n\nFinal answer: 146 (P5, "
     "P7, P8, P10)"),
    ("check marks", "ANSWER: 146\nP5 ✓\nP7 ✓\nP8 ✓\nP10 ✓"),
    ("labels with names", "ANSWER: 146; P5 Influencer programme, P7 Privileged access vault, "
     "P8 24/7 managed detection, P10 EDR on all servers"),
    ("bold recommendation line", "**Recommended portfolio (total impact 146, cost $490k):** P5, "
     "P7, P8, P10"),
    ("plus signs and points", "Fund: P5 + P7 + P8 + P10 = 146 points"),
    ("selected and not selected lines", "Selected: P5, P7, P8, P10.\nNot selected: P1, P2, P3, "
     "P4, P6, P9."),
    ("'we would fund'", "We would fund P5, P7, P8 and P10, for a total impact of 146."),
    ("go with, dash, impact", "Go with P5, P7, P8 and P10 — total impact 146."),
    ("selection in brackets", "ANSWER: 146 (P5 + P7 + P8 + P10)"),
    ("selection with 'considered'", "ANSWER: 146; we fund P5, P7, P8 and P10, the best of the "
     "options considered."),
    ("candidates line before the selection", "ANSWER: 146\nCandidates: P3, P5, P6, P7, P8, "
     "P10.\nWe fund P5, P7, P8, P10."),
    ("reason clause naming another option", "ANSWER: 146; we fund P5, P7, P8 and P10. P3 is out "
     "because P8 excludes it."),
]

_ALLOCATION_WRONG = [
    ("near miss: feasible, not optimal", "ANSWER: 140; P5, P7, P9, P10"),
    ("confident wrong: rules ignored", "ANSWER: 196; P3, P6, P7, P8, P10"),
    ("confident wrong: right impact, rule broken", "ANSWER: 146; P3, P6, P7, P8, P10"),
    ("confident wrong: over budget", "ANSWER: 189; P5, P7, P8, P9, P10"),
    ("confident wrong: requires broken", "ANSWER: 127; P7, P8, P10"),
    ("confident wrong: excludes broken", "ANSWER: 179; P3, P5, P7, P8, P10"),
    ("right selection, wrong impact", "ANSWER: 150; P5, P7, P8, P10"),
    ("right impact, wrong selection", "ANSWER: 146; P5, P7, P9, P10"),
    ("right impact, no selection", "ANSWER: 146"),
    ("wrong impact, no selection", "ANSWER: 140"),
    ("names: wrong selection", "ANSWER: 140 — Influencer programme, Privileged access vault, "
     "Network segmentation, EDR on all servers"),
    ("hedge: 'or' inside the selection", "ANSWER: 146; P5, P7, P8 or P9, P10"),
    ("hedge: alternatively", "ANSWER: 146; P5, P7, P8, P10. Alternatively P5, P7, P9, P10 "
     "also works."),
    ("hedge: alternative after", "ANSWER: 146; P5, P7, P8, P10\n\nAn equally good portfolio "
     "is P3, P5, P9, P10."),
    ("hedge: two marked selections", "ANSWER: 140; P5, P7, P9, P10\n\nANSWER: 146; P5, P7, "
     "P8, P10"),
    ("hedge: two impacts", "ANSWER: 146; P5, P7, P8, P10\nFinal answer: 140"),
    ("empty", ""),
    ("refusal", "I cannot choose without knowing the board's priorities."),
    ("table: wrong rows funded", "| Option | Funded |\n|---|---|\n| P3 | Yes |\n| P6 | Yes |"
     "\n| P7 | Yes |\n| P8 | Yes |\n| P10 | Yes |"),
    ("prose: every option", "We should fund all ten options to maximise impact."),
    ("only part of the best set named", "P8 and P10 look strongest; the rest needs more "
     "work."),
    ("confident wrong: excludes broken, reordered", "ANSWER: 146; P3, P5, P7, P10, P8"),
    ("hedge: could also", "ANSWER: 146; P5, P7, P8, P10. P9 could also replace P8."),
]

_ALLOCATION_ABSTAIN = [
    ("discussion without a selection", "P5 and P7 go together, P8 is the strongest single "
     "option and P10 is cheap; P3 clashes with P8."),
]

_SCHEDULE_RIGHT = [
    ("format: requested", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4"),
    ("format: another valid order", "ANSWER: T2, T5, T6, T3, T1, T4, T8, T7"),
    ("format: arrows, lower case", "answer: t6 -> t2 -> t3 -> t5 -> t1 -> t8 -> t7 -> t4"),
    ("format: hyphenated labels", "ANSWER: T-6, T-2, T-3, T-5, T-1, T-8, T-7, T-4"),
    ("format: spaces only", "ANSWER: T6 T2 T3 T5 T1 T8 T7 T4"),
    ("format: 'then'", "ANSWER: T6, then T2, then T3, then T5, then T1, then T8, then T7, "
     "then T4"),
    ("format: 'Task 7' labels", "ANSWER: Task 6, Task 2, Task 3, Task 5, Task 1, Task 8, "
     "Task 7, Task 4"),
    ("format: 'before' chain", "ANSWER: T6 before T2 before T3 before T5 before T1 before T8 "
     "before T7 before T4"),
    ("names for labels", "ANSWER: agree the demand forecast, agree the landing zone design, "
     "select candidate sites, set up identity and access, build and connect, run a failover "
     "rehearsal, decommission the old servers, commission and test"),
    ("names as a numbered list", "## Answer\n1. Agree the demand forecast\n2. Agree the "
     "landing zone design\n3. Select candidate sites\n4. Set up identity and access\n5. Build "
     "and connect\n6. Run a failover rehearsal\n7. Decommission the old servers\n8. "
     "Commission and test"),
    ("names without articles", "ANSWER: agree demand forecast, agree landing zone design, "
     "select candidate sites, set up identity and access, build and connect, run failover "
     "rehearsal, decommission old servers, commission and test"),
    ("list: labels and names", "ANSWER:\n1. T6 agree the demand forecast\n2. T2 agree the "
     "landing zone design\n3. T3 select candidate sites\n4. T5 set up identity and access\n5. "
     "T1 build and connect\n6. T8 run a failover rehearsal\n7. T7 decommission the old "
     "servers\n8. T4 commission and test"),
    ("list: bracketed reasons", "ANSWER:\n- T6\n- T2\n- T3 (after T6)\n- T5 (after T2)\n- T1 "
     "(needs T3 and T5)\n- T8\n- T7 (right after T8)\n- T4 (after T1)"),
    ("list: blank lines between items", "ANSWER:\n\n1. T6\n\n2. T2\n\n3. T3\n\n4. T5\n\n5. "
     "T1\n\n6. T8\n\n7. T7\n\n8. T4"),
    ("inline: bracketed names", "ANSWER: T6 (agree the demand forecast), T2 (agree the "
     "landing zone design), T3, T5, T1, T8, T7, T4"),
    ("inline: explanation after a dash", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4 — T7 comes "
     "right after T8 as required"),
    ("wrapped over two lines", "ANSWER: T6, T2, T3, T5,\nT1, T8, T7, T4"),
    ("prose: no marker", "Reasoning: T6 must precede T3, and T7 must follow T8 directly.\n"
     "Order: T6, T2, T3, T5, T1, T8, T7, T4"),
    ("prose: explanation after the list", "**ANSWER:**\n1. T6\n2. T2\n3. T3\n4. T5\n5. T1\n6. "
     "T8\n7. T7\n8. T4\n\nT3 comes before T1 because sites are chosen before building."),
    ("table: order column", "| Step | Activity |\n|---|---|\n| 1 | T6 |\n| 2 | T2 |\n| 3 | T3 |"
     "\n| 4 | T5 |\n| 5 | T1 |\n| 6 | T8 |\n| 7 | T7 |\n| 8 | T4 |"),
    ("heading: final order", "## Final answer\nT6, T2, T3, T5, T1, T8, T7, T4"),
    ("trailing: rule check", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4\n\nCheck: T6 before T3 "
     "✓; T5 before T1 ✓; T7 right after T8 ✓."),
    ("markers: same order twice", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4\n\nFinal answer: "
     "T6, T2, T3, T5, T1, T8, T7, T4"),
    ("markers: draft revised", "Draft answer: T6, T3, T2, T1, T5, T8, T7, T4\nANSWER: T6, T2, "
     "T3, T5, T1, T8, T7, T4"),
    ("equation: inequality chain", "ANSWER: T6 < T2 < T3 < T5 < T1 < T8 < T7 < T4"),
    ("bold sequence line", "**Sequence:** T6 → T2 → T3 → T5 → T1 → T8 → T7 → T4"),
    ("numbered on one line", "ANSWER: 1) T6 2) T2 3) T3 4) T5 5) T1 6) T8 7) T7 8) T4"),
    ("weeks", "Week 1: T6, T2; Week 2: T3, T5; Week 3: T1, T8, T7; Week 4: T4"),
    ("trailing: rule explanation with 'or'", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4\n\nT7 "
     "must follow T8 directly, or the rule breaks."),
]

_SCHEDULE_WRONG = [
    ("near miss: adjacency broken", "ANSWER: T6, T2, T3, T5, T1, T8, T4, T7"),
    ("near miss: one rule broken", "ANSWER: T6, T3, T2, T1, T5, T8, T7, T4"),
    ("confident wrong: labels in given order", "ANSWER: T1, T2, T3, T4, T5, T6, T7, T8"),
    ("incomplete: one label missing", "ANSWER: T6, T2, T3, T5, T1, T8, T7"),
    ("repeated label", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4, T6"),
    ("loop", "ANSWER: T6 -> T2 -> T3 -> T5 -> T1 -> T8 -> T7 -> T4 -> T6"),
    ("unknown label", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T9"),
    ("names: wrong order", "ANSWER: agree the landing zone design, set up identity and "
     "access, build and connect, agree the demand forecast, select candidate sites, run a "
     "failover rehearsal, decommission the old servers, commission and test"),
    ("hedge: 'or' inside", "ANSWER: T6, T2, T3 or T5, T1, T8, T7, T4"),
    ("hedge: slash inside", "ANSWER: T6, T2/T3, T5, T1, T8, T7, T4"),
    ("hedge: alternatively after", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4\n\nAlternatively: "
     "T2, T5, T6, T3, T1, T4, T8, T7"),
    ("hedge: could also", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4\nT4 could also come "
     "before T8."),
    ("hedge: two marked orders", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4\n\nANSWER: T2, T5, "
     "T6, T3, T1, T4, T8, T7"),
    ("empty", ""),
    ("refusal", "The order is up to the team."),
    ("list: adjacency broken", "ANSWER:\n1. T6\n2. T2\n3. T3\n4. T5\n5. T1\n6. T8\n7. T4\n8. T7"),
    ("table: wrong order", "| Step | Activity |\n|---|---|\n| 1 | T1 |\n| 2 | T2 |\n| 3 | T3 |"
     "\n| 4 | T4 |\n| 5 | T5 |\n| 6 | T6 |\n| 7 | T7 |\n| 8 | T8 |"),
    ("partial mentions only", "Start with T6 and T2; the rest follows from the rules."),
    ("hedge: swap in brackets", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4 (T2 and T6 can be "
     "swapped)"),
    ("hedge: 'Or:' line", "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4\nOr: T2, T6, T3, T5, T1, T8, "
     "T7, T4"),
]

_SCHEDULE_ABSTAIN = [
    ("narrative order", "We first agree the demand forecast (T6) while the landing zone "
     "design (T2) is settled; once identity (T5) is up and sites (T3) are chosen we build "
     "(T1), rehearse failover (T8), decommission (T7) and commission (T4)."),
]

# Written after the checker was frozen (commit 2d33c85) and run once: 33 of 36 got the
# expected verdict (a decision table and a narrative order were rejected, a labelled
# figure was undecidable; no wrong answer was accepted). The checker was then fixed.
_HELD_OUT: list[Case] = [
    Case("cost", "held-out: markdown walkthrough, marker last", "correct",
         "# Budget for the three-part programme\n\n**Part 1 – Marketing**\n- "
         "Influencer posts: 56 × $3,200 = $179,200\n- Agency creative work: 30 × "
         "$1,200 = $36,000\n- Paid search: 22 × $2,200 = $48,400\n- Subtotal: "
         "$263,600\n- Less 11% discount: −$28,996\n- **Part 1 total: "
         "$234,604**\n\n**Part 2 – Supply chain**\n- Air freight: 33 × $4,900 = "
         "$161,700\n- Reserve (7% of Part 1): $16,422.28\n- **Part 2 total: "
         "$178,122.28**\n\n**Part 3 – HR**\n- Onboarding kits: 340 × $270 = "
         "$91,800\n- Reserve (19% of Part 2): $33,843.23\n- **Part 3 total: "
         "$125,643.23**\n\n**Sum of parts:** $538,369.51\n**Contingency (14%):** "
         "$75,371.73\n**One-off fee:** $8,500\n\nANSWER: $622,241.25"),
    Case("cost", "held-out: approximately, then exact in brackets", "correct",
         "The final total is approximately $622,241 (exactly $622,241.25)."),
    Case("cost", "held-out: assumptions after the answer", "correct",
         "ANSWER: 622,241.25\n\nKey assumptions: reserves are computed on each "
         "part's total after discount; contingency applies to all part totals "
         "but not the fee."),
    Case("cost", "held-out: total stated before the fee", "wrong",
         "Total cost estimate: $613,741.25 plus the one-off fee."),
    Case("cost", "held-out: hedge 'otherwise' in brackets", "wrong",
         "ANSWER: $622,241.25 (assuming the reserve is taken after the "
         "discount; otherwise $624,994.76)"),
    Case("cost", "held-out: bold USD total with inclusions", "correct",
         "Grand Total (incl. 14% contingency and $8,500 fee) = **USD "
         "622,241.25**"),
    Case("cost", "held-out: prose 'comes in at'", "correct",
         "After all adjustments the programme comes in at $622,241.25."),
    Case("cost", "held-out: total with slash breakdown", "correct",
         "Budget: $622,241.25 total (breakdown: $234,604 / $178,122.28 / "
         "$125,643.23 + contingency $75,371.73 + fee $8,500)"),
    Case("cost", "held-out: confident wrong method in prose", "wrong",
         "The total, after the discount is applied to the whole programme, is "
         "$586,599.68."),
    Case("cost", "held-out: fee added twice in an equation", "wrong",
         "ANSWER: $622,241.25 + $8,500 fee = $630,741.25"),
    Case("cost", "held-out: labelled figure with bracketed notes", "correct",
         "Our team's figure: **$622,241.25** (three parts, two reserves, 14% "
         "contingency, $8,500 fee)."),
    Case("cost", "held-out: near miss, decimal slip", "wrong",
         "ANSWER: $62,224.13"),
    Case("allocation", "held-out: recommendation list, then marker", "correct",
         "## Recommendation\nWe recommend funding four options:\n1. **Influencer "
         "programme** (P5) – $110k, 19 points\n2. **Privileged access vault** "
         "(P7) – $100k, 34 points\n3. **24/7 managed detection** (P8) – $200k, "
         "49 points\n4. **EDR on all servers** (P10) – $80k, 44 points\n\nTotal "
         "cost: $490k of $590k. Total impact: 146.\n\nANSWER: 146; P5, P7, P8, P10"),
    Case("allocation", "held-out: selection line with rule notes", "correct",
         "ANSWER: 146\nSelection: P10, P8, P7, P5 (P7 needs P5; P8 rules out P3)"),
    Case("allocation", "held-out: confident wrong, excluded option added", "wrong",
         "ANSWER: 146; P5, P7, P8, P10, P3"),
    Case("allocation", "held-out: names with a prerequisite aside", "correct",
         "Funded: EDR on all servers, 24/7 managed detection, Privileged access "
         "vault (with its prerequisite, Influencer programme). Impact 146."),
    Case("allocation", "held-out: near miss, option missing", "wrong",
         "ANSWER: 146; P5, P7, P8"),
    Case("allocation", "held-out: hedge 'or, if the board prefers'", "wrong",
         "ANSWER: 146; P5, P7, P8, P10 — or, if the board prefers network work, "
         "P5, P7, P9, P10 (140)."),
    Case("allocation", "held-out: table of decisions with check marks", "correct",
         "| # | Option | Decision |\n|---|---|---|\n| P1 | Virtual ward | ✗ |\n| "
         "P2 | Electronic prescribing upgrade | ✗ |\n| P3 | Discharge lounge | ✗ "
         "(clashes with P8) |\n| P4 | Community rapid-response team | ✗ |\n| P5 | "
         "Influencer programme | ✓ |\n| P6 | Loyalty app relaunch | ✗ |\n| P7 | "
         "Privileged access vault | ✓ |\n| P8 | 24/7 managed detection | ✓ |\n| "
         "P9 | Network segmentation | ✗ |\n| P10 | EDR on all servers | ✓ "
         "|\n\nTotal impact 146 at $490k."),
    Case("allocation", "held-out: confident wrong, over budget", "wrong",
         "We fund P6, P1, P10 and P7 with P5: impact 159."),
    Case("allocation", "held-out: plus signs and points", "correct",
         "Final answer: 146 impact points from P5 + P7 + P8 + P10 ($490k)."),
    Case("allocation", "held-out: strongest options, no selection", "correct",
         "The strongest options are P8 (49), P10 (44), P7 (34) and P5 (19).", abstain=True),
    Case("allocation", "held-out: confident wrong, rules ignored", "wrong",
         "ANSWER: 196; P3, P6, P7, P8, P10 (ignoring the rules, which look "
         "advisory)"),
    Case("allocation", "held-out: 'options 5, 7, 8 and 10'", "correct",
         "ANSWER: 146 – fund options 5, 7, 8 and 10."),
    Case("schedule", "held-out: table with dependencies, then marker", "correct",
         "## Proposed sequence\n\n| Order | Label | Activity | Depends on "
         "|\n|---|---|---|---|\n| 1 | T6 | Agree the demand forecast | – |\n| 2 | "
         "T2 | Agree the landing zone design | – |\n| 3 | T3 | Select candidate "
         "sites | T6 |\n| 4 | T5 | Set up identity and access | T2 |\n| 5 | T1 | "
         "Build and connect | T3, T5 |\n| 6 | T8 | Run a failover rehearsal | T5 "
         "|\n| 7 | T7 | Decommission the old servers | right after T8 |\n| 8 | T4 "
         "| Commission and test | T1 |\n\nANSWER: T6, T2, T3, T5, T1, T8, T7, T4"),
    Case("schedule", "held-out: arrows without a marker", "correct",
         "Order: T2 → T6 → T5 → T3 → T1 → T4 → T8 → T7"),
    Case("schedule", "held-out: confident wrong, rule broken", "wrong",
         "ANSWER: T6, T3, T1, T2, T5, T8, T7, T4"),
    Case("schedule", "held-out: '>' chain with a note", "correct",
         "ANSWER: T6 > T2 > T3 > T5 > T1 > T8 > T7 > T4\n\nNote: T8 and T7 must "
         "stay together."),
    Case("schedule", "held-out: hedge 'or' in brackets", "wrong",
         "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4 (or T4 before T8 — both "
         "satisfy the rules)"),
    Case("schedule", "held-out: 'Step n:' lines", "correct",
         "Step 1: T6\nStep 2: T2\nStep 3: T3\nStep 4: T5\nStep 5: T1\nStep 6: "
         "T8\nStep 7: T7\nStep 8: T4"),
    Case("schedule", "held-out: incomplete order", "wrong",
         "ANSWER: T6, T2, T3, T5, T1, T8, T4"),
    Case("schedule", "held-out: 'Task n' labels", "correct",
         "Final answer: Task 6, Task 2, Task 3, Task 5, Task 1, Task 8, Task 7, "
         "Task 4."),
    Case("schedule", "held-out: narrative with names", "correct",
         "First agree the demand forecast and the landing zone design, then "
         "select candidate sites and set up identity and access. After that, "
         "build and connect, run a failover rehearsal and immediately "
         "decommission the old servers, and finally commission and test."),
    Case("schedule", "held-out: loop back to T1", "wrong",
         "ANSWER: T6 → T2 → T3 → T5 → T1 → T8 → T7 → T4 → T1"),
    Case("schedule", "held-out: hedge 'another valid order'", "wrong",
         "ANSWER: T6, T2, T3, T5, T1, T8, T7, T4\n\nAnother valid order: T2, T5, "
         "T6, T3, T1, T4, T8, T7."),
    Case("schedule", "held-out: confident wrong order", "wrong",
         "ANSWER: T1, T3, T6, T2, T5, T8, T7, T4"),
]

CASES: list[Case] = [
    *_cases("cost", "correct", _COST_RIGHT),
    *_cases("cost", "wrong", _COST_WRONG),
    *_cases("cost", "correct", _COST_ABSTAIN, abstain=True),
    *_cases("allocation", "correct", _ALLOCATION_RIGHT),
    *_cases("allocation", "wrong", _ALLOCATION_WRONG),
    *_cases("allocation", "correct", _ALLOCATION_ABSTAIN, abstain=True),
    *_cases("schedule", "correct", _SCHEDULE_RIGHT),
    *_cases("schedule", "wrong", _SCHEDULE_WRONG),
    *_cases("schedule", "correct", _SCHEDULE_ABSTAIN, abstain=True),
    *_HELD_OUT,
]


def verdicts() -> list[tuple[Case, str]]:
    """Each case with the status the checker gives it."""
    return [(case, check_answer(REFERENCES[case.kind], case.answer).status) for case in CASES]


def table(results: list[tuple[Case, str]]) -> str:
    """Per kind: right and wrong answers, what the checker did with them, false accepts
    (a wrong answer judged correct) and false rejects (a right answer judged wrong)."""
    head = ("| kind | answers | right | wrong | right accepted | wrong rejected | undecidable "
            "| false accepts | false rejects | other mismatches |\n|---|---|---|---|---|---|---|"
            "---|---|---|")
    rows = [head]
    for kind in ("cost", "allocation", "schedule", "all"):
        mine = [(c, v) for c, v in results if kind in (c.kind, "all")]
        count = Counter((c.truth, v) for c, v in mine)
        mismatches = sum(v != c.expected for c, v in mine)
        false_accepts = count[("wrong", "correct")]
        false_rejects = count[("correct", "wrong")]
        rows.append(
            f"| {kind} | {len(mine)} | {sum(c.truth == 'correct' for c, _ in mine)} | "
            f"{sum(c.truth == 'wrong' for c, _ in mine)} | {count[('correct', 'correct')]} | "
            f"{count[('wrong', 'wrong')]} | {sum(v == 'undecidable' for _, v in mine)} | "
            f"{false_accepts} | {false_rejects} | "
            f"{mismatches - false_accepts - false_rejects} |"
        )
    return "\n".join(rows)


def main() -> None:
    results = verdicts()
    print(table(results))
    for case, verdict in results:
        if verdict != case.expected:
            print(f"MISMATCH {case.kind} / {case.style}: expected {case.expected}, got "
                  f"{verdict}: {check_answer(REFERENCES[case.kind], case.answer)}")


if __name__ == "__main__":
    main()
