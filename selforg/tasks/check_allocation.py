"""Which selection (and total impact) an answer states, for allocation tasks.

Options are named by label ("P3", "p-3", "options 3, 5 and 7") or by their full name, in any
case. The stated selection is read from the marker's *answer block* (the marker's line and
the lines after it, up to the first blank line once an option has been named: a line, a list
or a table), else from the last line with a selection word ("fund", "choose", "recommended
portfolio", a check mark), with the table it belongs to or the list a trailing ':' introduces.
Each option's first deciding mention counts:

- after a negative cue ("not", "excluding", "drop", "left out", "over budget", "not
  selected", a table cell "no") it is not chosen, and so is one that precedes such a cue in
  its clause ("P2 is excluded");
- the object of a rule ("P8 excludes P3", "P6 needs P1") and any option in a reason clause
  ("because ...") or a clause that only weighs options ("Candidates: ...", "we considered
  ...", with no selection word) decides nothing;
- after "or", "alternatively", "instead", "could" or "/" it is offered as an alternative: an
  answer offering an option its selection does not hold is a hedge, and so is one with two
  different marked selections or impacts, or a later "alternatively" / "an equally good
  portfolio is ..." naming other options;
- otherwise it is chosen.

The stated impact is the block's first impact figure ("ANSWER: 146; ...", "146 points",
"total impact 146", the result of "19 + 34 + ... = 146"), never a per-option figure after a
label ("P5 (19)", a table's impact column).

The answer is right only when it states a selection that fits the budget, breaks no rule and
reaches the best total impact (unique by construction), and any impact it states is that
best; a stated impact that is wrong makes it wrong whatever the selection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selforg.tasks.numbers import numbers
from selforg.tasks.reading import clauses, clean, segments, units, without_brackets
from selforg.tasks.verdict import Verdict, bad_reference, undecidable, wrong

_LABEL = re.compile(r"\bP\s?[-#]?\s?0*(\d{1,2})\b", re.IGNORECASE)
_POSITIVE = re.compile(
    r"\b(?:fund(?:s|ed|ing)?|choose|chose|chosen|choosing|select(?:s|ed|ing|ion)?|pick(?:s|ed)?|"
    r"tak(?:e|es|ing)|include[sd]?|including|recommend(?:s|ed)?|approve[sd]?|go\s+with|keep|"
    r"invest\s+in|back(?:ed)?|yes|portfolio|choice)\b|[✓✔☑]",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"\b(?:not|no\s+longer|never|exclude[d]?|excluding|without|except|drop(?:s|ped|ping)?|"
    r"unselected|unfunded|skip(?:s|ped|ping)?|leav(?:e|es|ing)\s+out|left\s+out|"
    r"(?:is|are)\s+out|omit(?:s|ted|ting)?|"
    r"defer(?:s|red|ring)?|reject(?:s|ed|ing)?|instead\s+of|rather\s+than|over\s+budget|"
    r"unaffordable|cut|declined?|postpone[sd]?|isn't|aren't|won't|cannot|can't)\b|[✗✘❌]|"
    r"(?:^|[|:])\s*no\b",
    re.IGNORECASE,
)
_OR = re.compile(r"\b(?:or|alternatively|otherwise|instead|either|could|might)\b|/", re.IGNORECASE)
_RULE = re.compile(
    r"\b(?:requires?|required\s+by|needs?|excludes|depends\s+on|conflicts\s+with|clashes\s+with|"
    r"rules?\s+out|pairs?\s+with|goes\s+with)\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|never|no)\s+(?:be\s+|been\s+|being\s+)?$|n't\s+(?:be\s+)?$",
                      re.IGNORECASE)
_REASON = re.compile(r"^\W*(?:because|since|as|given\s+that)\b", re.IGNORECASE)
_CONSIDERED = re.compile(
    r"\b(?:candidates?|considered|considering|shortlist(?:ed)?|evaluated|compared|weighed|"
    r"looked\s+at|reviewed)\b",
    re.IGNORECASE,
)
_NUMBERED = re.compile(
    r"\b(?:options?|projects?)\s+(#?\d{1,2}(?:(?:\s*,\s*|\s+and\s+|\s*&\s*|\s+or\s+)#?\d{1,2})*)\b",
    re.IGNORECASE,
)
_STRONG_ALTERNATIVE = re.compile(
    r"\b(?:alternatively|alternative\s+(?:selection|set|choice|portfolio)|another\s+(?:optimal|"
    r"equally\s+good|valid)|equally\s+(?:good|optimal)|also\s+optimal|or\s+instead)\b",
    re.IGNORECASE,
)
_TABLE_ROW = re.compile(r"^\s*\|")
_IMPACT_POINTS = frozenset({"points", "point", "impact", "pts"})
_IMPACT_WORDS = _IMPACT_POINTS | {"", "with", "for", "from", "by", "using", "via", "and"}
_INTRODUCED = re.compile(r"(?:\btotal|\bimpact(?:\s+of)?|=)\W*$", re.IGNORECASE)
_TOTAL_IMPACT = re.compile(r"\b(?:total|combined|overall|sum|in\s+all)\b.*\b(?:impact|points)\b|"
                           r"\b(?:impact|points)\b.*\b(?:total|combined|overall)\b", re.I)


@dataclass(frozen=True)
class Option:
    label: str
    name: str
    cost: int
    impact: int


@dataclass(frozen=True)
class Selection:
    """What one statement chooses: the labels it funds and those an alternative adds."""

    chosen: frozenset[str]
    alternative: frozenset[str]
    end: int


def _options(reference: dict[str, object]) -> list[Option]:
    raw = reference.get("options")
    if not isinstance(raw, list) or not raw:
        raise bad_reference("'options' must list the options with label, name, cost_k, impact")
    try:
        return [Option(str(o["label"]), str(o["name"]), int(o["cost_k"]), int(o["impact"]))
                for o in raw]
    except (KeyError, TypeError, ValueError):
        raise bad_reference("each option needs label, name, cost_k and impact") from None


def normalise(text: str, options: list[Option]) -> str:
    """Option names replaced by their labels and every label written "P<n>" ("options 5, 7
    and 10" too)."""
    for option in sorted(options, key=lambda o: -len(o.name)):
        words = [re.escape(w) for w in re.split(r"[\s-]+", option.name) if w]
        pattern = r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?![\w-])"
        text = re.sub(pattern, option.label, text, flags=re.IGNORECASE)
    text = _NUMBERED.sub(lambda m: re.sub(r"#?(\d{1,2})", r"P\1", m[1]), text)
    return _LABEL.sub(lambda m: f"P{int(m[1])}", text)


def _labels_in(text: str, known: set[str]) -> list[tuple[int, str]]:
    return [(m.start(), m[0]) for m in re.finditer(r"\bP\d{1,2}\b", text) if m[0] in known]


def _polarity(clause: str, known: set[str]) -> list[tuple[str, str]]:
    """Each option mention of one clause in order, as "chosen", "dropped", "offered" (after
    "or") or "neutral" (the object of a rule: "P8 excludes P3", "P6 needs P1")."""
    if _REASON.match(clause) or (_CONSIDERED.search(clause) and not _POSITIVE.search(clause)):
        return [(label, "neutral") for _, label in _labels_in(clause, known)]
    events = [(at, "m", label) for at, label in _labels_in(clause, known)]
    events += [(m.start(), "n" if _NEGATED.search(clause[: m.start()]) else "p", "")
               for m in _POSITIVE.finditer(clause)]
    events += [(m.start(), "n", "") for m in _NEGATIVE.finditer(clause)]
    events += [(m.start(), "o", "") for m in _OR.finditer(clause)]
    events += [(m.start(), "r", "") for m in _RULE.finditer(clause)]
    mentions: list[tuple[str, str]] = []
    pending: list[int] = []
    state = ""
    rule_object = False
    for _, kind, label in sorted(events):
        if kind == "m":
            if rule_object:
                mentions.append((label, "neutral"))
                rule_object = False
                continue
            role = {"n": "dropped", "p": "chosen", "o": "offered"}.get(state, "")
            if not role:
                pending.append(len(mentions))
            mentions.append((label, role))
        elif kind == "r":
            rule_object = True
        elif kind == "p":
            state = "p" if state != "o" else "o"
        elif kind == "n":
            if state != "p":
                for i in pending:
                    mentions[i] = (mentions[i][0], "dropped")
                pending = []
            state = "n"
        elif state != "n":
            state = "o"
    return [(label, role or "chosen") for label, role in mentions]


def statement_selection(text: str, known: set[str], end: int) -> Selection | None:
    """The selection a block of text states, or None if it names no chosen option. The first
    deciding mention of each option counts: "Fund P1 and P3; P3 needs P1" chooses both,
    "Fund P1, leaving out P2" only P1."""
    decided: dict[str, str] = {}
    for _, unit in units(text):
        pieces = [p for c in clauses(unit) for p in re.split(r"(?=\b(?:because|since)\b)", c)]
        for clause in pieces:
            for label, role in _polarity(clause, known):
                if role != "neutral":
                    decided.setdefault(label, role)
    picked = frozenset(x for x, role in decided.items() if role == "chosen")
    if not picked:
        return None
    offered = frozenset(x for x, role in decided.items() if role == "offered")
    return Selection(picked, offered, end)


def _answer_block(text: str, start: int, end: int, known: set[str]) -> tuple[str, int]:
    """The marker's line and the lines after it, up to the first blank line once an option has
    been named (at most two lines without options before the first that has one)."""
    kept: list[str] = []
    started = False
    skipped = 0
    position = start
    for line in text[start:end].split("\n"):
        position += len(line) + 1
        has = bool(_labels_in(line, known))
        if not line.strip():
            if started:
                break
            continue
        if line.lstrip().startswith("#") and kept:
            break
        kept.append(line)
        if has:
            started = True
        elif not started:
            skipped += 1
            if skipped > 3:
                break
    return "\n".join(kept), position


def stated_impact(text: str) -> int | None:
    """The first impact figure of `text`: a whole number outside brackets that is not money,
    a percent, a count or part of a label. On a line that names options before it, only a
    figure followed by "points" / "impact" or introduced by "total", "impact" or "=" counts
    (the others are per-option figures, as in a table); in an equation, the result."""
    for line in text.split("\n"):
        equals = line.rfind("=")
        plain = without_brackets(line)
        found = numbers(line)
        for n in found:
            if plain[n.start] == " " or n.currency or n.scaled or n.decimals or n.percent:
                continue
            if n.start < equals and any(m.start > equals for m in found):
                continue  # a term on the left of "="
            after, before = line[n.end :], line[: n.start]
            named = n.word_after in _IMPACT_POINTS
            if not (named or n.word_after in _IMPACT_WORDS or re.match(r"\s*P\d", after)):
                continue
            if re.search(r"(?:\$|\bP\d+\s*[:|]?)\s*$|\|\s*$", before):
                continue
            if re.search(r"\bP\d", before) and not (named or _INTRODUCED.search(before[-24:])):
                continue
            return int(n.value)
    return None


@dataclass(frozen=True)
class SelectionReading:
    chosen: frozenset[str] | None
    impact: int | None
    hedge: str
    why: str
    decidable: bool = True


def _committed_selection(text: str, known: set[str]) -> Selection | None:
    """The last unit that states a selection (a selection verb or noun and a chosen option),
    with the list that follows a unit ending in ':'."""
    lines = text.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if not _POSITIVE.search(line):
            continue
        block = [line]
        if _TABLE_ROW.match(line):
            top = i
            while top > 0 and _TABLE_ROW.match(lines[top - 1]):
                top -= 1
            block = lines[top : i + 1]
        elif line.rstrip().endswith(":"):
            for follow in lines[i + 1 :]:
                if not follow.strip() or not _labels_in(follow, known):
                    break
                block.append(follow)
        end = sum(len(x) + 1 for x in lines[: i + 1])
        found = statement_selection("\n".join(block), known, end)
        if found is not None:
            return found
    return None


def _committed_impact(text: str) -> int | None:
    for _, unit in reversed(units(text)):
        if _TOTAL_IMPACT.search(unit) and (value := stated_impact(unit)) is not None:
            return value
    return None


def read_selection(text: str, known: set[str]) -> SelectionReading:
    """The selection and impact a normalised answer states, and any hedge."""
    selections: list[Selection] = []
    impacts: list[int] = []
    for segment in segments(text):
        block, end = _answer_block(text, segment.start, segment.end, known)
        impact = stated_impact(block.split("\n")[0]) if block else None
        impact = impact if impact is not None else stated_impact(block)
        if impact is not None:
            impacts.append(impact)
        found = statement_selection(block, known, end)
        if found is not None:
            selections.append(found)
    source = "marked answer"
    if not selections:
        committed = _committed_selection(text, known)
        if committed is not None:
            selections, source = [committed], "statement of the selection"
    if not impacts and (impact := _committed_impact(text)) is not None:
        impacts.append(impact)
    impact = impacts[-1] if impacts else None
    if len(set(impacts)) > 1:
        return SelectionReading(None, impact, f"states impacts {sorted(set(impacts))}", source)
    if not selections:
        if _labels_in(text, known):
            return SelectionReading(None, impact, "", "names options but states no selection "
                                    "that can be read", decidable=False)
        return SelectionReading(None, impact, "", "states no selection of options")
    main = selections[-1]
    hedge = ""
    if len({s.chosen for s in selections}) > 1:
        hedge = "states different selections"
    elif any(s.alternative for s in selections):
        hedge = f"offers {', '.join(sorted(main.alternative or selections[0].alternative))} " \
                "as an alternative"
    else:
        for _, unit in units(text[main.end :]):
            if _STRONG_ALTERNATIVE.search(unit):
                other = {label for _, label in _labels_in(unit, known)} - main.chosen
                if other:
                    hedge = f"offers {', '.join(sorted(other))} as an alternative"
    return SelectionReading(main.chosen, impact, hedge, source)


def _pairs(reference: dict[str, object], name: str, labels: set[str]) -> list[tuple[str, str]]:
    value = reference.get(name, [])
    if not isinstance(value, list) or not all(
        isinstance(p, list) and len(p) == 2 and set(p) <= labels for p in value
    ):
        raise bad_reference(f"'{name}' must be a list of option label pairs")
    return [(str(a), str(b)) for a, b in value]


def _sorted(labels: frozenset[str]) -> list[str]:
    return sorted(labels, key=lambda label: int(label[1:]))


def check_allocation(reference: dict[str, object], answer: str) -> Verdict:
    """Right when the stated selection is feasible and optimal and any stated impact is the
    optimum."""
    options = _options(reference)
    by_label = {o.label: o for o in options}
    budget, best = reference.get("budget_k"), reference.get("answer")
    if not isinstance(budget, int) or not isinstance(best, int):
        raise bad_reference("'budget_k' and 'answer' must be integers")
    requires, excludes = (_pairs(reference, name, set(by_label))
                          for name in ("requires", "excludes"))
    text = normalise(clean(answer), options)
    if not text.strip():
        return wrong("empty answer")
    reading = read_selection(text, set(by_label))
    if reading.hedge:
        return wrong(f"{reading.hedge}: a hedge")
    if reading.impact is not None and reading.impact != best:
        return wrong(f"states a total impact of {reading.impact}; the best is {best}")
    if reading.chosen is None:
        best_set = reference.get("chosen", [])
        mentioned = {label for _, label in _labels_in(text, set(by_label))}
        if not reading.decidable and isinstance(best_set, list) and set(best_set) <= mentioned:
            return undecidable(f"{reading.why}; every option of the best selection is named")
        if not reading.decidable:
            return wrong(f"{reading.why}; the best selection is not among the options named")
        return wrong(reading.why)
    chosen = _sorted(reading.chosen)
    stated = f"chooses {', '.join(chosen)} ({reading.why})"
    cost = sum(by_label[x].cost for x in chosen)
    if cost > budget:
        return wrong(f"{stated}: ${cost}k is over the ${budget}k budget")
    for a, b in requires:
        if a in reading.chosen and b not in reading.chosen:
            return wrong(f"{stated}: {a} requires {b}")
    for a, b in excludes:
        if a in reading.chosen and b in reading.chosen:
            return wrong(f"{stated}: {a} excludes {b}")
    impact = sum(by_label[x].impact for x in chosen)
    if impact != best:
        return wrong(f"{stated}: impact {impact}, the best is {best}")
    return Verdict(True, f"{stated}: impact {impact}, the best")
