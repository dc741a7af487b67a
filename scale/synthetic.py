"""Synthetic national data for benchmarks: plausible, deterministic for a seed, written in bulk.

Tooling: it composes the apps (workers, targets, support, outreach) only to
*fill* them for measurements. Nothing of the portal's request path imports
it.

How it writes: every row is built in Python as a tuple with an explicit
primary key (so departures can point at workers without reading ids back),
buffered per table and flushed every ``batch`` workers in foreign-key order,
one transaction per flush. On PostgreSQL a flush is one ``COPY … FROM STDIN``
per table (psycopg2 ``copy_expert``); elsewhere it is ``executemany`` of one
INSERT. Sequences are reset at the end. Model ``save()``, signals and the
audit log are bypassed on purpose: this is test data, not a user's work.

Rules (what makes the data plausible):
- Units: the legacy structure (63 provinces → districts → communes) loaded
  with ``portal.units_loader.load_units``; a worker's home unit is a commune.
  Districts and communes get random weights, so sizes vary as they do.
- A worker registers on a day of the years asked; about 80 % of those
  registered before the last year depart 2–10 months later (markets: Japan
  ~52 %, Taiwan ~24 %, Korea ~14 %, others ~10 %), and those whose contract
  ended by 31 December of the last year have returned (3 % absconded: a dated
  absconding, open); departures carry their contract end.
  The rest are registered, counselled, in training, waiting or withdrawn.
- Citizen IDs follow the rules of ``workers.validators`` (province of birth,
  sex and century digit, year of birth, a serial unique per prefix).
- Every worker has a status timeline (``StatusChange``) ending in their
  status; departures carry the denormalised unit, sex, poverty, minority and
  orientation-certificate fields that the progress report groups by.
- Quotas per district and province and year (the year's departures × 0.85–1.3),
  one plan per province, approved monthly figures per district and month
  (equal to the registry, except ~3 % of months that differ by 1–3),
  one outreach campaign per province and year and ~8 activities per district
  and year.
- Support: one provincial policy per province (poor/near-poor households and
  ethnic minorities; language training, health check, papers and travel,
  each capped) with a budget per year of 125 % of what it paid; ~70 % of the
  eligible workers who departed were paid 20–60 days before departure,
  within the caps; ~35 % of the poor/near-poor who departed took a VBSP loan
  (30–100 million đồng, 36 months; repaid when the term ended by the cut-off).
- The registry is filled once: :func:`generate` refuses to run when the
  database already holds workers (see :class:`RegistryNotEmpty`).
"""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction

from portal import cache_version, tree
from portal.bulk import insert_rows
from portal.models import Level, Structure, Unit
from portal.units_loader import load_units, normalise_province_codes

SYNTHETIC_LICENCE_PREFIX = "SYN-"
MARKET_WEIGHTS = [("JP", 52), ("TW", 24), ("KR", 14), ("DE", 2), ("SA", 1), ("AE", 1), ("RO", 1), ("HU", 1),
                  ("AU", 1), ("CN", 2), ("MY", 1)]
PROGRAMMES_BY_COUNTRY = {
    "JP": [("JP-TITP", 70), ("JP-SSW", 25), ("JP-ENG", 5)],
    "KR": [("KR-EPS", 75), ("KR-SEASON", 15), ("KR-FISH", 10)],
    "TW": [("TW-FACTORY", 80), ("TW-CARE", 20)],
    "DE": [("DE-NURSE", 60), ("DE-SKILLED", 40)],
    "SA": [("SA-GENERAL", 1)], "AE": [("AE-GENERAL", 1)], "RO": [("RO-GENERAL", 1)], "HU": [("HU-GENERAL", 1)],
    "AU": [("AU-WHV", 1)], "CN": [("CN-GENERAL", 1)],
}
OCCUPATIONS = ["Cơ khí", "Chế biến thực phẩm", "Xây dựng", "Dệt may", "Nông nghiệp", "Điện tử", "Hộ lý",
               "Đóng gói", "Thủy sản", "Lắp ráp ô tô"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Đinh", "Mai", "Trịnh", "Lương"]
MIDDLE = {"male": ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công"],
          "female": ["Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Hồng"]}
GIVEN = {"male": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phong", "Quân", "Sơn",
                  "Tâm", "Thắng", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Hiếu"],
         "female": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
                    "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Vân", "Yến"]}
CONTRACT_MONTHS = [(36, 55), (12, 10), (24, 15), (60, 10), (48, 10)]
# Months of the year weighted: departures slow around Tết, peak in spring and autumn.
MONTH_WEIGHTS = [5, 6, 10, 10, 9, 8, 8, 8, 9, 10, 9, 8]


class RegistryNotEmpty(Exception):
    """The database already holds workers: synthetic data is only written into an empty registry."""


@dataclass
class Options:
    workers: int
    first_year: int = 2016
    last_year: int = 2025
    provinces: list[str] | None = None
    seed: int = 2026
    batch: int = 5000
    progress: bool = True


@dataclass
class Summary:
    provinces: int = 0
    districts: int = 0
    communes: int = 0
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    method: str = ""
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Units: {self.provinces} provinces, {self.districts} districts, {self.communes} communes",
               f"Written with {self.method} in {self.seconds:.1f} s:"]
        out += [f"  {name:<22} {n:>12,}" for name, n in self.counts.items()]
        out += [f"Skipped: {reason}" for reason in self.skipped]
        return out


def parse_years(text: str) -> tuple[int, int]:
    """"2016-2025" → (2016, 2025); "2024" → (2024, 2024)."""
    parts = [p.strip() for p in str(text).replace("–", "-").split("-") if p.strip()]
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"Years must read like 2016-2025, not {text!r}.")
    first, last = int(parts[0]), int(parts[-1])
    if not 1990 <= first <= last <= 2100:
        raise ValueError(f"Years out of order or range: {text!r}.")
    return first, last


# --- Writing ------------------------------------------------------------------------


class Table:
    """Rows for one table, buffered, written by :func:`portal.bulk.insert_rows` (COPY on PostgreSQL)."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.db_table = model._meta.db_table
        self.columns = columns
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, *row) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        insert_rows(self.model, self.columns, self.rows)
        self.written += len(self.rows)
        self.rows = []


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(models: Iterable) -> None:
    sql = connection.ops.sequence_reset_sql(no_style(), list(models))
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


# --- Generating ---------------------------------------------------------------------


class _Weighted:
    """random.choices with precomputed cumulative weights (fast in a loop of a million)."""

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# Items of the synthetic provincial support policy and their caps per worker (đồng); the first two are always paid.
SUPPORT_ITEMS = [("language", 6_000_000), ("health", 750_000), ("papers", 1_200_000), ("travel", 1_000_000)]


def generate(options: Options, *, out: Callable[[str], None] = lambda s: None) -> Summary:
    """Fill an empty registry with synthetic data; see the module docstring for the rules."""
    import time

    from outreach.models import Activity, Campaign, Channel, Kind
    from support.models import (
        LegalBasis,
        Loan,
        LoanStatus,
        Payment,
        PaymentLine,
        Policy,
        PolicyBudget,
        PolicyItem,
    )
    from targets.models import Indicator, MonthlyReport, MonthlyValue, Plan, Quota, ReportStatus
    from workers.models import (
        Absconding,
        Country,
        Departure,
        Enterprise,
        Ethnicity,
        HouseholdStatus,
        Programme,
        Return,
        Sex,
        Status,
        StatusChange,
        Worker,
    )
    from workers.validators import birth_province_codes, normalise_name

    started = time.perf_counter()
    if Worker.objects.exists():
        raise RegistryNotEmpty(
            f"The registry already holds {Worker.objects.count():,} workers. generate_synthetic writes into an "
            "empty registry only (it never mixes synthetic and real records): use a fresh database "
            "(createdb …; manage.py migrate).")
    if Enterprise.objects.filter(licence_no__startswith=SYNTHETIC_LICENCE_PREFIX).exists():
        raise RegistryNotEmpty("Synthetic enterprises exist already: use a fresh database.")
    if options.workers < 1:
        raise ValueError("--workers must be at least 1.")

    rng = random.Random(options.seed)
    summary = Summary(method="COPY" if connection.vendor == "postgresql" else "executemany INSERT")
    codes = normalise_province_codes(Structure.LEGACY, options.provinces)
    result = load_units(structure=Structure.LEGACY, province_codes=codes)
    out(f"Units: {result}")

    unit_rows = list(Unit.objects.filter(tree.subtree_q(None, [tree.build_path(Structure.LEGACY, None, code)
                                                               for code in codes])).order_by("path")
                     .values_list("id", "code", "level", "path", "parent_id"))
    provinces = [u for u in unit_rows if u[2] == Level.PROVINCE]
    districts = [u for u in unit_rows if u[2] == Level.DISTRICT]
    communes = [u for u in unit_rows if u[2] == Level.COMMUNE]
    summary.provinces, summary.districts, summary.communes = len(provinces), len(districts), len(communes)
    district_of = {u[0]: u[4] for u in communes}
    province_of_district = {u[0]: u[4] for u in districts}
    province_code = {u[0]: u[1] for u in provinces}
    birth_list = sorted(birth_province_codes())

    # Sizes vary: a district's weight is log-normal, split over its communes.
    district_weight = {d[0]: rng.lognormvariate(0, 0.6) for d in districts}
    communes_by_district = defaultdict(list)
    for c in communes:
        communes_by_district[c[4]].append(c[0])
    home_items, home_weights = [], []
    for d in districts:
        members = communes_by_district.get(d[0]) or []
        shares = [rng.random() + 0.2 for _ in members]
        for cid, share in zip(members, shares, strict=True):
            home_items.append(cid)
            home_weights.append(district_weight[d[0]] * share / sum(shares))
    if not home_items:
        raise ValueError("The chosen provinces have no communes.")
    homes = _Weighted(home_items, home_weights)

    countries = dict(Country.objects.values_list("code", "id"))
    programmes = dict(Programme.objects.values_list("code", "id"))
    markets = _Weighted([c for c, _w in MARKET_WEIGHTS if c in countries],
                        [w for c, w in MARKET_WEIGHTS if c in countries])
    programme_pickers = {c: _Weighted([programmes[p] for p, _w in items if p in programmes],
                                      [w for p, w in items if p in programmes])
                         for c, items in PROGRAMMES_BY_COUNTRY.items()
                         if any(p in programmes for p, _w in items)}
    ethnicities = list(Ethnicity.objects.order_by("code").values_list("id", "is_majority"))
    majority = [e for e, is_major in ethnicities if is_major] or [ethnicities[0][0]]
    minorities = [e for e, is_major in ethnicities if not is_major]
    household = dict(HouseholdStatus.objects.values_list("code", "id"))
    contracts = _Weighted([m for m, _w in CONTRACT_MONTHS], [w for _m, w in CONTRACT_MONTHS])
    months = _Weighted(list(range(1, 13)), MONTH_WEIGHTS)

    tz = ZoneInfo(settings.TIME_ZONE)
    cutoff = dt.date(options.last_year, 12, 31)
    first_day = dt.date(options.first_year, 1, 1)

    def at(day: dt.date, hour: int = 9) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=tz)

    # --- Enterprises
    ent_table = Table(Enterprise, ["id", "name", "licence_no", "licence_date", "status"])
    ent_id = _next_id(Enterprise)
    n_enterprises = max(20, min(500, options.workers // 2000))
    enterprise_ids = []
    for i in range(n_enterprises):
        enterprise_ids.append(ent_id)
        ent_table.add(ent_id, f"Công ty Mẫu Xuất khẩu Lao động {i + 1:03d} (dữ liệu giả)",
                      f"{SYNTHETIC_LICENCE_PREFIX}{i + 1:04d}/LĐTBXH-GP",
                      dt.date(2010 + rng.randrange(8), rng.randrange(1, 13), rng.randrange(1, 28)),
                      "active" if rng.random() < 0.92 else rng.choice(["suspended", "revoked"]))
        ent_id += 1
    enterprises = _Weighted(enterprise_ids, [rng.paretovariate(1.2) for _ in enterprise_ids])

    # --- Support policies: one per province, run by the province
    policy_table = Table(Policy, ["id", "code", "name", "unit_id", "legal_basis", "legal_reference", "valid_from",
                                  "valid_to", "admits_ethnic_minority", "active"])
    eligible = Policy.eligible_statuses.through
    eligible_table = Table(eligible, ["policy_id", "householdstatus_id"])
    item_table = Table(PolicyItem, ["id", "policy_id", "kind", "cap"])
    policy_id, item_id = _next_id(Policy), _next_id(PolicyItem)
    policy_of_province: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    for province in provinces:
        policy_table.add(policy_id, f"SYN-HT-{province[1]}", "Hỗ trợ người lao động đi làm việc ở nước ngoài "
                         "(dữ liệu giả)", province[0], LegalBasis.PROVINCIAL, f"SYN-{province[1]}/NQ-HĐND",
                         first_day, None, True, True)
        for code in ("poor", "near_poor"):
            if code in household:
                eligible_table.add(policy_id, household[code])
        items = []
        for kind, cap in SUPPORT_ITEMS:
            item_table.add(item_id, policy_id, kind, cap)
            items.append((item_id, cap))
            item_id += 1
        policy_of_province[province[0]] = (policy_id, items)
        policy_id += 1
    paid_by_policy_year: Counter = Counter()

    # --- Workers and their registry
    worker_table = Table(Worker, ["id", "citizen_id", "full_name", "name_key", "date_of_birth", "sex", "ethnicity_id",
                                  "unit_id", "phone", "education", "languages", "skills", "wished_country_id",
                                  "status", "created_at", "updated_at", "version"])
    through = Worker.household_statuses.through
    household_table = Table(through, ["worker_id", "householdstatus_id"])
    # The unit given, so the database need not look each worker up (workers.intervals).
    change_table = Table(StatusChange, ["worker_id", "from_status", "to_status", "at", "by_id", "note", "unit_id"])
    departure_table = Table(Departure, [
        "id", "worker_id", "date", "country_id", "programme_id", "enterprise_id", "occupation", "contract_months",
        "orientation_cert_no", "orientation_cert_date", "warning", "unit_id", "sex", "is_poor_or_near_poor",
        "is_ethnic_minority", "has_orientation_cert", "created_at", "created_by_id", "contract_end"])
    return_table = Table(Return, ["departure_id", "date", "early", "reason", "follow_up", "created_at",
                                  "created_by_id", "outcome", "days_past_contract"])
    absconding_table = Table(Absconding, ["departure_id", "learned_on", "place", "source", "note", "closed_how",
                                          "closed_note", "created_at", "created_by_id"])
    payment_table = Table(Payment, ["id", "worker_id", "policy_id", "date", "decision_no", "created_at",
                                    "created_by_id"])
    line_table = Table(PaymentLine, ["payment_id", "item_id", "amount"])
    loan_table = Table(Loan, ["worker_id", "amount", "date", "term_months", "purpose", "status", "bank_reference",
                              "created_at", "created_by_id"])
    registry_tables = [worker_table, household_table, change_table, departure_table, return_table, absconding_table,
                       payment_table,
                       line_table, loan_table]
    payment_id = _next_id(Payment)

    worker_id = _next_id(Worker)
    departure_id = _next_id(Departure)
    serials: dict[str, int] = {}
    # (district_id, month) → counts, for the monthly figures and the quotas.
    figures: dict[tuple[int, dt.date], Counter] = defaultdict(Counter)
    departed_by_district_year: Counter = Counter()
    days_total = (cutoff - first_day).days + 1
    pre_departure = [Status.REGISTERED, Status.COUNSELLED, Status.TRAINING, Status.WAITING]

    def flush_registry():
        with transaction.atomic():
            for table in registry_tables:
                table.flush()

    from tqdm import tqdm

    bar = tqdm(total=options.workers, unit=" workers", disable=not options.progress, mininterval=1.0,
               desc="Workers")
    with transaction.atomic():
        for table in (ent_table, policy_table, eligible_table, item_table):
            table.flush()
    for _ in range(options.workers):
        home = homes.pick(rng)
        district = district_of[home]
        sex = Sex.MALE if rng.random() < 0.62 else Sex.FEMALE
        registered = first_day + dt.timedelta(days=rng.randrange(days_total))
        age = rng.randint(18, 40)
        born = dt.date(registered.year - age, rng.randint(1, 12), rng.randint(1, 28))
        home_code = province_code[province_of_district[district]].zfill(3)
        birth = home_code if rng.random() < 0.93 else rng.choice(birth_list)
        digit = (0 if born.year < 2000 else 2) + (0 if sex == Sex.MALE else 1)
        prefix = f"{birth}{digit}{born.year % 100:02d}"
        serial = serials.get(prefix)
        if serial is None:
            serial = rng.randrange(100_000)
        serials[prefix] = serial + 1 + rng.randrange(3)
        citizen_id = f"{prefix}{serial % 1_000_000:06d}"
        gender = "male" if sex == Sex.MALE else "female"
        full_name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
        minority = rng.random() < 0.14 and bool(minorities)
        ethnicity = rng.choice(minorities) if minority else majority[0]
        poor = rng.random() < 0.12
        phone = f"09{rng.randrange(10 ** 8):08d}"

        timeline = [(Status.REGISTERED, registered)]
        departure = None
        late = registered.year == options.last_year
        if rng.random() < 0.05:
            timeline.append((Status.WITHDRAWN, registered + dt.timedelta(days=rng.randint(10, 120))))
        elif rng.random() < (0.55 if late else 0.85):
            date = registered + dt.timedelta(days=rng.randint(60, 300))
            month = months.pick(rng)
            if date.year <= options.last_year:  # push the day into a weighted month of the same year
                day = min(date.day, calendar.monthrange(date.year, month)[1])
                candidate = dt.date(date.year, month, day)
                if candidate <= registered + dt.timedelta(days=45):
                    candidate = _add_months(candidate, 12)
                date = candidate
            if date <= cutoff:
                departure = date
        if departure is not None:
            counselled = registered + dt.timedelta(days=rng.randint(3, 20))
            training = counselled + dt.timedelta(days=rng.randint(5, 20))
            waiting = max(training + dt.timedelta(days=1), departure - dt.timedelta(days=rng.randint(5, 20)))
            timeline += [(Status.COUNSELLED, counselled), (Status.TRAINING, training), (Status.WAITING, waiting),
                         (Status.DEPARTED, departure)]
        elif len(timeline) == 1:
            steps = rng.randint(0, 3)
            for step in range(1, steps + 1):
                day = registered + dt.timedelta(days=10 * step + rng.randint(0, 9))
                if day <= cutoff:
                    timeline.append((pre_departure[step], day))
            if not late and rng.random() < 0.8:  # an old registration that never left was withdrawn
                timeline.append((Status.WITHDRAWN, timeline[-1][1] + dt.timedelta(days=rng.randint(30, 200))))

        country_id = None
        if departure is not None:
            market = markets.pick(rng)
            country_id = countries[market]
            contract = contracts.pick(rng)
            back_day = _add_months(departure, contract)
            cert = rng.random() < 0.93
            picker = programme_pickers.get(market)
            departure_table.add(
                departure_id, worker_id, departure, country_id, picker.pick(rng) if picker else None,
                enterprises.pick(rng), rng.choice(OCCUPATIONS), contract,
                f"ĐH-{departure_id:07d}" if cert else "", departure - dt.timedelta(days=7) if cert else None, "",
                home, sex, poor, minority, cert, at(departure, 8), None, back_day)
            key = (district, departure.replace(day=1))
            counts = figures[key]
            counts["departed"] += 1
            counts["departed_female"] += sex == Sex.FEMALE
            counts["departed_poor"] += poor
            counts["departed_ethnic_minority"] += minority
            departed_by_district_year[(district, departure.year)] += 1
            if rng.random() < 0.03:
                learned = departure + dt.timedelta(days=rng.randint(90, 600))
                timeline.append((Status.ABSCONDED, learned))
                absconding_table.add(departure_id, learned, "", "other", "", "", "",  # no draw: the stream stays
                                     dt.datetime(learned.year, learned.month, learned.day, 11, tzinfo=tz), None)
            else:
                early = rng.random() < 0.08
                end = back_day
                if early:
                    back_day = departure + dt.timedelta(days=rng.randint(60, max(61, (back_day - departure).days - 30)))
                if back_day <= cutoff:
                    return_table.add(departure_id, back_day, early, "Về nước trước hạn" if early else "",
                                     "", at(back_day, 10), None, "early" if early else "on_time", (back_day - end).days)
                    timeline.append((Status.RETURNED, back_day))
                    figures[(district, back_day.replace(day=1))]["returned"] += 1
            if (poor or minority) and rng.random() < 0.7:
                paid = max(registered, departure - dt.timedelta(days=rng.randint(20, 60)))
                policy, items = policy_of_province[province_of_district[district]]
                payment_table.add(payment_id, worker_id, policy, paid, f"SYN-{payment_id:07d}/QĐ-UBND", at(paid, 14),
                                  None)
                for number, (item, cap) in enumerate(items):
                    if number < 2 or rng.random() < 0.5:
                        amount = cap if rng.random() < 0.6 else rng.randrange(cap // 2000, cap // 1000) * 1000
                        line_table.add(payment_id, item, amount)
                        paid_by_policy_year[(policy, paid.year)] += amount
                payment_id += 1
            if poor and rng.random() < 0.35:
                lent = max(registered, departure - dt.timedelta(days=rng.randint(10, 40)))
                loan_table.add(worker_id, rng.randrange(30, 101) * 1_000_000, lent, 36, "Đi làm việc ở nước ngoài",
                               LoanStatus.REPAID if _add_months(lent, 36) <= cutoff else LoanStatus.REPAYING,
                               f"SYN-VBSP-{worker_id:08d}", at(lent, 10), None)
            departure_id += 1
            timeline = [item for item in timeline if item[1] <= cutoff]
        figures[(district, registered.replace(day=1))]["registered"] += 1

        status = timeline[-1][0]
        previous = ""
        for step_status, day in timeline:
            change_table.add(worker_id, previous, step_status, at(day, 9 if step_status != Status.DEPARTED else 6),
                             None, "", home)
            previous = step_status
        worker_table.add(worker_id, citizen_id, full_name, normalise_name(full_name), born, sex, ethnicity, home, phone,
                         "", "", "", country_id, status, at(registered, 8), at(timeline[-1][1], 17), 1)
        if poor:
            household_table.add(worker_id, household["poor" if rng.random() < 0.6 else "near_poor"])
        if minority and "ethnic_minority" in household:
            household_table.add(worker_id, household["ethnic_minority"])
        worker_id += 1
        if len(worker_table.rows) >= options.batch:
            flush_registry()
            bar.update(options.batch)
    flush_registry()
    bar.update(options.workers - bar.n)
    bar.close()

    # --- Targets: one plan per province, quotas per district and year, approved monthly figures
    plan_table = Table(Plan, ["id", "unit_id", "name", "first_year", "last_year", "stretch_percent", "decision_no",
                              "note", "created_at", "updated_at"])
    quota_table = Table(Quota, ["unit_id", "year", "target", "plan_id", "stretch_percent", "updated_at"])
    now = at(cutoff, 12)
    plan_id = _next_id(Plan)
    plan_of_province = {}
    for province in provinces:
        plan_of_province[province[0]] = plan_id
        plan_table.add(plan_id, province[0],
                       f"Kế hoạch đưa lao động đi làm việc ở nước ngoài {options.first_year}–{options.last_year} "
                       "(dữ liệu giả)", options.first_year, options.last_year, "110.0",
                       f"SYN-{province[1]}/QĐ-UBND", "", now, now)
        plan_id += 1
    province_targets: Counter = Counter()
    for district in districts:
        for year in range(options.first_year, options.last_year + 1):
            target = round(departed_by_district_year[(district[0], year)] * rng.uniform(0.85, 1.3)) or rng.randint(1, 5)
            province_targets[(district[4], year)] += target
            quota_table.add(district[0], year, target, plan_of_province[district[4]], None, now)
    for (province_id, year), target in sorted(province_targets.items()):
        quota_table.add(province_id, year, target, plan_of_province[province_id], None, now)

    indicators = dict(Indicator.objects.values_list("code", "id"))
    report_table = Table(MonthlyReport, ["id", "unit_id", "month", "status", "version", "submitted_by_id",
                                         "submitted_at", "reviewed_by_id", "reviewed_at", "comment",
                                         "reopened_until", "updated_by_id", "updated_at"])
    value_table = Table(MonthlyValue, ["report_id", "indicator_id", "value"])
    report_id = _next_id(MonthlyReport)
    figure_codes = [c for c in ("departed", "departed_female", "departed_poor", "departed_ethnic_minority",
                                "registered", "returned") if c in indicators]
    all_months = [dt.date(y, m, 1) for y in range(options.first_year, options.last_year + 1) for m in range(1, 13)]
    target_tables = [plan_table, quota_table, report_table, value_table]
    for district in districts:
        for month in all_months:
            counts = figures.get((district[0], month), Counter())
            sent = _add_months(month, 1) + dt.timedelta(days=rng.randint(0, 6))
            report_table.add(report_id, district[0], month, ReportStatus.APPROVED, 1, None, at(sent, 10), None,
                             at(sent + dt.timedelta(days=2), 15), "", None, None, at(sent + dt.timedelta(days=2), 15))
            for code in figure_codes:
                value = counts[code]
                if code == "departed" and value and rng.random() < 0.03:
                    value = max(0, value + rng.choice([-3, -2, -1, 1, 2, 3]))
                value_table.add(report_id, indicators[code], value)
            report_id += 1
        if len(value_table.rows) > options.batch * 10:
            with transaction.atomic():
                for table in target_tables:
                    table.flush()
    with transaction.atomic():
        for table in target_tables:
            table.flush()

    # --- Outreach: a campaign per province and year, ~8 activities per district and year
    campaign_table = Table(Campaign, ["id", "unit_id", "name", "date_from", "date_to", "target_groups", "channels",
                                      "budget", "goal_reached", "goal_registrations", "goal_departures",
                                      "created_at"])
    activity_table = Table(Activity, ["campaign_id", "unit_id", "kind", "channel", "date", "name", "place", "link",
                                      "enterprises", "attendees", "counselled", "registrations", "reach", "cost",
                                      "created_at"])
    campaign_id = _next_id(Campaign)
    campaign_of = {}
    for province in provinces:
        for year in range(options.first_year, options.last_year + 1):
            campaign_of[(province[0], year)] = campaign_id
            campaign_table.add(campaign_id, province[0], f"Tuyên truyền xuất khẩu lao động năm {year} (dữ liệu giả)",
                               dt.date(year, 1, 1), dt.date(year, 12, 31), "Thanh niên nông thôn",
                               ["job_fair", "counselling", "radio", "facebook"], rng.randrange(200, 900) * 1_000_000,
                               rng.randrange(20, 80) * 1000, rng.randrange(2, 8) * 1000, rng.randrange(1, 4) * 1000,
                               at(dt.date(year, 1, 2)))
            campaign_id += 1
    plan_kinds = [(Kind.JOB_FAIR, Channel.JOB_FAIR), (Kind.JOB_FAIR, Channel.JOB_FAIR),
                  (Kind.COUNSELLING, Channel.COUNSELLING), (Kind.COUNSELLING, Channel.COUNSELLING),
                  (Kind.CONFERENCE, Channel.CONFERENCE), (Kind.MEDIA, Channel.RADIO), (Kind.MEDIA, Channel.FACEBOOK),
                  (Kind.MEDIA, Channel.ZALO)]
    for district in districts:
        for year in range(options.first_year, options.last_year + 1):
            for number, (kind, channel) in enumerate(plan_kinds, start=1):
                day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
                media = kind == Kind.MEDIA
                attendees = 0 if media else rng.randint(20, 300)
                activity_table.add(
                    campaign_of[(district[4], year)], district[0], kind, channel, day,
                    f"{Kind(kind).label} {number} – {district[1]} – {year} (dữ liệu giả)", "" if media else "Hội trường UBND",
                    "", 0 if media else rng.randint(1, 8), attendees,
                    0 if media else rng.randint(0, attendees), 0 if media else rng.randint(0, attendees // 3),
                    rng.randint(500, 20000) if media else 0, rng.randrange(1, 50) * 1_000_000, at(day))
    with transaction.atomic():
        campaign_table.flush()
        activity_table.flush()

    # --- Support budgets: 125 % of what each policy paid in the year (at least 100 million đồng)
    budget_table = Table(PolicyBudget, ["policy_id", "year", "amount"])
    for policy, _items in policy_of_province.values():
        for year in range(options.first_year, options.last_year + 1):
            used = paid_by_policy_year[(policy, year)]
            budget_table.add(policy, year, max(100_000_000, -(-used * 5 // 4 // 1_000_000) * 1_000_000))
    with transaction.atomic():
        budget_table.flush()

    cache_version.bump()  # COPY sends no signals: forget every cached figure
    _reset_sequences([Enterprise, Worker, StatusChange, Departure, Return, Absconding, Plan, Quota, MonthlyReport, MonthlyValue,
                      Campaign, Activity, Policy, PolicyItem, PolicyBudget, Payment, PaymentLine, Loan])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Units too: without statistics the planner guesses a handful of rows for every
            # path prefix filter and picks slow plans (autovacuum may be off or late).
            # Every table written here, the small ones too (a plan on enterprises or plans is as bad).
            written = (ent_table, policy_table, eligible_table, item_table, worker_table, household_table,
                       change_table, departure_table, return_table, payment_table, line_table, loan_table,
                       plan_table, quota_table, report_table, value_table, campaign_table, activity_table,
                       budget_table)
            # After a bulk load, VACUUM too (PostgreSQL's advice): it sets the visibility map, so index-only
            # scans need not visit the heap (autovacuum would do it later, if it is on). VACUUM cannot run in
            # a transaction (the tests' case): there, statistics only.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            if not connection.in_atomic_block:
                # The status stays' trigger (workers.intervals) rewrote every change once in each batch: its
                # indexes hold twice the entries' room (measured at 1 M workers: 218 MB for the waiting stays'
                # index instead of 85 MB, and a range read of it took 90 ms instead of 7). Built afresh.
                cursor.execute(f"REINDEX TABLE {connection.ops.quote_name(StatusChange._meta.db_table)}")
            for db_table in dict.fromkeys([Unit._meta.db_table, *(table.db_table for table in written)]):
                cursor.execute(f"{command} {connection.ops.quote_name(db_table)}")

    tables = [("enterprises", ent_table), ("workers", worker_table), ("household statuses", household_table),
              ("status changes", change_table), ("departures", departure_table), ("returns", return_table),
              ("plans", plan_table), ("quotas", quota_table), ("monthly reports", report_table),
              ("monthly values", value_table), ("campaigns", campaign_table), ("activities", activity_table),
              ("support policies", policy_table), ("policy items", item_table), ("policy budgets", budget_table),
              ("support payments", payment_table), ("payment lines", line_table), ("VBSP loans", loan_table)]
    for name, table in tables:
        summary.counts[name] = table.written
    summary.seconds = time.perf_counter() - started
    return summary


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
