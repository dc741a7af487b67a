"""The report's rows: one per unit directly below the chosen one, and the total; what they are computed from."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from portal.models import Level
from reports.progress.period import Period

REGISTRY = "registry"
FIGURES = "figures"
SOURCES = (REGISTRY, FIGURES)

MARKETS = ("JP", "KR", "TW")
OTHER_MARKET = "other"
MARKET_NAMES_VI = {"JP": "Nhật Bản", "KR": "Hàn Quốc", "TW": "Đài Loan", OTHER_MARKET: "thị trường khác"}
LEVEL_WHOLE_VI = {
    Level.PROVINCE: "toàn tỉnh", Level.DISTRICT: "toàn huyện", Level.COMMUNE: "toàn xã", Level.HAMLET: "toàn thôn",
}


# The coverage goals the report measures (targets.CoverageKind), in the order the report lists them, and their words
# in the report (always Vietnamese: it goes upward).
GOAL_KINDS = ("orientation", "skilled", "high_income", "communes")
GOAL_LABELS_VI = {
    "orientation": "Lao động xuất cảnh có chứng chỉ bồi dưỡng kiến thức cần thiết",
    "skilled": "Lao động xuất cảnh có trình độ, kỹ năng nghề",
    "high_income": "Lao động đi làm việc tại thị trường thu nhập cao",
    "communes": "Xã có lao động đang làm việc ở nước ngoài",
}


def _fraction(numerator: int | float, denominator: int | float | None) -> float | None:
    if not denominator:
        return None
    return float(Fraction(numerator) / Fraction(denominator)) if isinstance(numerator, int) else numerator / denominator


def round_half_up(value: Fraction | float) -> int:
    return int(Decimal(str(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _empty_markets() -> dict[str, int]:
    return {code: 0 for code in (*MARKETS, OTHER_MARKET)}


@dataclass
class ProgressRow:
    unit_id: int
    code: str
    name: str
    level: str
    path: str = ""
    is_total: bool = False
    target: int = 0
    expected: int = 0
    stretch_target: int | None = None
    departed: int = 0
    female: int = 0
    poor: int = 0
    ethnic_minority: int = 0
    with_cert: int = 0
    skilled: int = 0  # skill certificate by the departure date, or a skilled programme (workers.reference)
    high_income: int = 0  # to a high-income market (the programme's flag, else the country's)
    coverage_base: int = 0  # the departures of the registry the coverage shares are taken of
    waiting: int = 0
    waiting_training: int = 0  # of the waiting: still in training
    waiting_ready: int = 0  # of the waiting: trained, waiting to depart
    previous_year: int = 0
    # Of ``departed`` and ``previous_year``: how many came from history figures (periods before the registry).
    history: int = 0
    history_previous_year: int = 0
    markets: dict[str, int] | None = field(default_factory=_empty_markets)
    communes_total: int = 0
    communes_covered: int = 0
    rank: int | None = None
    # Returnees of the period by outcome (progress.returnees, counted for the workbook; None: not counted).
    returned: int | None = None
    returned_on_time: int | None = None
    returned_early: int | None = None
    returned_after_overstay: int | None = None

    @property
    def percent(self) -> float | None:
        return _fraction(self.departed, self.target)

    @property
    def gap(self) -> int:
        return self.departed - self.expected

    @property
    def stretch_share(self) -> float | None:
        return _fraction(self.departed, self.stretch_target)

    @property
    def cert_share(self) -> float | None:
        return _fraction(self.with_cert, self.coverage_base)

    @property
    def skilled_share(self) -> float | None:
        return _fraction(self.skilled, self.coverage_base)

    @property
    def high_income_share(self) -> float | None:
        return _fraction(self.high_income, self.coverage_base)

    @property
    def communes_share(self) -> float | None:
        return _fraction(self.communes_covered, self.communes_total)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(percent=self.percent, gap=self.gap, stretch_share=self.stretch_share, cert_share=self.cert_share,
                    communes_share=self.communes_share, skilled_share=self.skilled_share,
                    high_income_share=self.high_income_share)
        return data


@dataclass
class ProgressReport:
    unit_id: int
    unit_code: str
    unit_name: str
    unit_level: str
    period: Period
    source: str
    as_of: dt.date
    rows: list[ProgressRow]
    total: ProgressRow
    market_lines: list[dict[str, Any]] = field(default_factory=list)
    monthly: list[dict[str, Any]] = field(default_factory=list)
    goals: dict[str, float | None] = field(default_factory=dict)
    # The waiting pool by the sending enterprise preparing each worker (registry only; None from figures):
    # [{"enterprise_id", "enterprise", "licence_no", "training", "ready", "total"}], largest first, unknown last.
    waiting_by_enterprise: list[dict[str, Any]] | None = None
    reconciliation: list[dict[str, Any]] | None = None
    sources: dict[str, Any] | None = None  # both sources' departures of the period (``sources_compared``)
    sentence: str = ""

    @property
    def all_rows(self) -> list[ProgressRow]:
        return [*self.rows, self.total]

    @property
    def markets_known(self) -> bool:
        return self.total.markets is not None

    @property
    def waiting_at_enterprises(self) -> int:
        """Workers of the pool whose sending enterprise is known (in orientation at it, or recruited by it)."""
        return sum(line["total"] for line in self.waiting_by_enterprise or () if line["enterprise_id"] is not None)

    @property
    def goal_lines(self) -> list[dict[str, Any]]:
        """Each coverage goal of the plan against what the period measured (``met``: None when not measured)."""
        measured = {"orientation": self.total.cert_share, "skilled": self.total.skilled_share,
                    "high_income": self.total.high_income_share, "communes": self.total.communes_share}
        lines = []
        for kind in GOAL_KINDS:
            target = self.goals.get(kind)
            if target is None:
                continue
            value = measured[kind]
            lines.append({"kind": kind, "label": GOAL_LABELS_VI[kind], "target": target, "measured": value,
                          "met": None if value is None else value + 1e-9 >= target})
        for label, target in self.goals.get("other") or ():
            lines.append({"kind": "other", "label": label, "target": target, "measured": None, "met": None})
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": {"id": self.unit_id, "code": self.unit_code, "name": self.unit_name, "level": self.unit_level},
            "period": {**self.period.to_params(), "label": self.period.label},
            "source": self.source,
            "as_of": self.as_of.isoformat(),
            "rows": [row.to_dict() for row in self.rows],
            "total": self.total.to_dict(),
            "market_lines": self.market_lines,
            "monthly": self.monthly,
            "goals": self.goals,
            "goal_lines": self.goal_lines,
            "waiting_by_enterprise": self.waiting_by_enterprise,
            "waiting_at_enterprises": self.waiting_at_enterprises,
            "reconciliation": self.reconciliation,
            "sources": self.sources,
            "sentence": self.sentence,
        }
