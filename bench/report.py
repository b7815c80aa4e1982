"""Result rows, ratio and goal arithmetic, and the RESULTS.md rendering. No I/O, no timing."""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

SKIPPED = "skipped"
ERROR = "error"


def ratio(ours: float | None, baseline: float | None) -> float | None:
    """ours / baseline; None when either is missing or the baseline is zero."""
    if ours is None or baseline is None or baseline == 0:
        return None
    return ours / baseline


def requests_bound(emails: int, largest_page: int) -> int:
    """The archive goal: no more requests than ceil(n / largest page) + 1."""
    return math.ceil(emails / largest_page) + 1


def less_than_linear(small: float, large: float, floor: float, growth: float) -> bool:
    """Whether what is above `floor` grew by less than `growth` (the factor the input grew by)."""
    return large - floor < growth * (small - floor)


@dataclass(frozen=True)
class Goal:
    """A goal as written in RESULTS.md and the test deciding whether a row meets it."""

    text: str
    check: Callable[["Row"], bool]


def ratio_at_least(minimum: float) -> Goal:
    return Goal(f"ratio ≥ {fmt_limit(minimum)}", lambda row: row.ratio is not None and row.ratio >= minimum)


def ratio_at_most(maximum: float) -> Goal:
    return Goal(f"ratio ≤ {fmt_limit(maximum)}", lambda row: row.ratio is not None and row.ratio <= maximum)


def ours_at_most(maximum: float) -> Goal:
    return Goal(f"≤ {fmt_limit(maximum)}", lambda row: row.ours is not None and row.ours <= maximum)


def ours_equal(expected: float) -> Goal:
    return Goal(f"= {fmt_limit(expected)}", lambda row: row.ours is not None and row.ours == expected)


@dataclass(frozen=True)
class Row:
    """One line of the results table. `ours` None means the scenario did not run (see `note`)."""

    scenario: str
    metric: str
    ours: float | None
    baseline: float | None = None
    unit: str = ""
    goal: Goal | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return ratio(self.ours, self.baseline)

    @property
    def met(self) -> bool | None:
        """True / False against the goal; None when there is no goal or nothing was measured."""
        if self.goal is None or self.ours is None:
            return None
        return self.goal.check(self)


def skipped(scenario: str, reason: str) -> Row:
    return Row(scenario, SKIPPED, None, note=reason)


def errored(scenario: str, error: str) -> Row:
    return Row(scenario, ERROR, None, note=error)


@dataclass
class Report:
    """Everything RESULTS.md shows."""

    rows: list[Row] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def add(self, rows: Iterable[Row], scenario: str | None = None, notes: Sequence[str] = ()) -> None:
        self.rows.extend(rows)
        if scenario and notes:
            self.notes.setdefault(scenario, []).extend(notes)


def fmt(value: float | None) -> str:
    """A measured number: integers whole, other values with three significant digits (none lost below 100)."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{2 - math.floor(math.log10(abs(value)))}f}"


def fmt_limit(value: float) -> str:
    """A number as written in a goal: 5, 1.5, 1,000."""
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _with_unit(value: float | None, unit: str) -> str:
    text = fmt(value)
    return f"{text} {unit}" if unit and value is not None else text


def _met_text(row: Row) -> str:
    if row.ours is None:
        return row.metric if row.metric in (SKIPPED, ERROR) else "—"
    return {True: "yes", False: "**no**", None: "—"}[row.met]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| Scenario | Metric | Ours | Baseline | Ratio | Goal | Met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio_text = f"{fmt(row.ratio)}x" if row.ratio is not None else "—"
        metric = row.metric if row.ours is not None else f"{row.metric}: {row.note}"
        cells = [
            row.scenario,
            metric,
            _with_unit(row.ours, row.unit),
            _with_unit(row.baseline, row.unit),
            ratio_text,
            row.goal.text if row.goal else "—",
            _met_text(row),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def render(report: Report) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`bench/`); every figure and its baseline come from the same run on the machine",
        'below. Ratio = ours / baseline. Scenarios and goals: README.md, "Benchmarks"; methods: the notes below.',
        "",
        *render_table(report.rows),
        "",
        "## Machine",
        "",
        *(f"* {key}: {value}" for key, value in report.machine.items()),
        "",
        "## Settings",
        "",
        *(f"* {key}: {value}" for key, value in report.settings.items()),
        "",
        "## Reproduce",
        "",
        "```sh",
        *report.commands,
        "```",
    ]
    for scenario, notes in report.notes.items():
        lines += ["", f"## {scenario}", "", *notes]
    return "\n".join(lines) + "\n"
