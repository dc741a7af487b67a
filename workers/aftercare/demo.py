"""Demo after departure: the province's settings, the Korea EPS rules, and obviously fake workers ("… Demo K001")
whose stories show the after-departure work in Ninh Thuận:

- Bác Ái (584), a poor district, reaches BOTH thresholds of the EPS rule (at risk): many absconded, contracts
  ended in the window without a return (overstays computed from the contract's end), a few came back late;
- Ninh Sơn (585) reaches the rate only (close);
- contracts extended (the end moves out of the window), absconders found, returnees with their 3-, 6- and
  12-month follow-ups (some due now, some with needs: a job referral, a loan, training);
- an enterprise whose absconding rate in Taiwan's factory programme is above the province's threshold: its
  latest departure carries the warning.

Deterministic (fixed dates and seed) and idempotent (a worker whose citizen ID is there is left alone; settings
and rules are created once). Goes through the services, so the timeline, the outcomes and the warnings are what
real use produces; the timeline's timestamps are then set back to the story's dates.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal import cache_version, tree
from portal.audit import acting_as
from portal.demo import DEMO_PROVINCE
from portal.models import Level, Structure, Unit
from workers import services
from workers.contracts import add_months
from workers.models import (
    AbscondingSource,
    AftercareSettings,
    Country,
    Currency,
    Enterprise,
    Ethnicity,
    OverstayRule,
    Programme,
    Sector,
    Sex,
    StatusChange,
    Work,
    Worker,
)

SEED = 20261130
RULE_AS_OF = dt.date(2026, 11, 15)
WINDOW = (dt.date(2025, 1, 1), dt.date(2026, 10, 31))
LAST_DAY = dt.date(2026, 11, 20)  # no demo event after this day
PLACES = ["Ansan, Gyeonggi", "Gimhae, Gyeongnam", "Hwaseong, Gyeonggi", "Cheonan, Chungnam", "Pocheon, Gyeonggi"]
EMPLOYERS = ["Demo Hanil Metal Co.", "Demo Daesung Agro", "Demo Seoyoung Fishery", "Demo Jinwoo Plastics"]


@dataclass
class Story:
    number: int
    district: str
    departed: dt.date
    months: int
    programme: str = "KR-EPS"
    enterprise: str | None = None
    absconded: tuple[dt.date, str, str] | None = None  # learned on, source, place
    found: dt.date | None = None
    extended: tuple[dt.date, dt.date] | None = None  # new end, approved on
    returned: dt.date | None = None
    early: bool = False
    follow_ups: list[tuple[int, dt.date, str, tuple[str, ...]]] = field(default_factory=list)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _stories() -> list[Story]:
    rng = random.Random(SEED)
    stories: list[Story] = []

    def add(district: str, **kwargs) -> Story:
        story = Story(number=len(stories) + 1, district=district, **kwargs)
        stories.append(story)
        return story

    def ended_in_window(district: str) -> Story:
        """A 58-month EPS contract that ends in the rule's window, before its grace period runs out."""
        end = _day(rng, WINDOW[0], dt.date(2026, 9, 30))
        return add(district, departed=add_months(end, -58), months=58)

    for district, absconders, found, on_time, early, late, overstaying, extended in (
            ("584", 38, 2, 20, 2, 3, 16, 3),  # Bác Ái: both thresholds reached
            ("585", 6, 1, 6, 0, 0, 4, 1),  # Ninh Sơn: the rate only
    ):
        for index in range(absconders + found):
            departed = _day(rng, dt.date(2022, 3, 1), dt.date(2024, 10, 31))
            learned = _day(rng, departed + dt.timedelta(days=120), min(departed + dt.timedelta(days=700),
                                                                         dt.date(2026, 10, 31)))
            story = add(district, departed=departed, months=58,
                        absconded=(learned, rng.choice(AbscondingSource.values[:3]), rng.choice(PLACES + [""])))
            if index >= absconders:
                story.found = min(learned + dt.timedelta(days=rng.randint(20, 90)), LAST_DAY)
        for _index in range(on_time):
            story = ended_in_window(district)
            story.returned = min(add_months(story.departed, 58) + dt.timedelta(days=rng.randint(0, 20)), LAST_DAY)
        for _index in range(early):
            story = ended_in_window(district)
            story.returned, story.early = add_months(story.departed, 58) - dt.timedelta(days=rng.randint(40, 200)), True
        for _index in range(late):
            story = ended_in_window(district)
            story.returned = min(add_months(story.departed, 58) + dt.timedelta(days=rng.randint(45, 120)),
                                 RULE_AS_OF - dt.timedelta(days=1))
        for _index in range(overstaying):
            ended_in_window(district)
        for _index in range(extended):
            story = ended_in_window(district)
            end = add_months(story.departed, 58)
            story.extended = (add_months(end, 12 * rng.choice([1, 2])), end - dt.timedelta(days=rng.randint(30, 90)))

    # Returnees of the last year and a half, some followed up (with needs), some due now.
    returnees = [s for s in stories if s.returned and not s.early]
    for index, story in enumerate(sorted(returnees, key=lambda s: s.returned)):
        work = [Work.EMPLOYED, Work.SELF_EMPLOYED, Work.UNEMPLOYED, Work.ABROAD_AGAIN, Work.EMPLOYED][index % 5]
        needs = [(), ("job_referral",), ("loan",), ("training", "job_referral"), ()][index % 5]
        for milestone in (3, 6, 12):
            due = add_months(story.returned, milestone)
            if due <= LAST_DAY and index % 3 != 0:  # every third returnee is never followed up: due or missed
                story.follow_ups.append((milestone, min(due + dt.timedelta(days=rng.randint(0, 25)), LAST_DAY), work,
                                         needs if milestone == 3 else needs[:1]))

    # Taiwan, factory work, through one enterprise: too many of its workers absconded.
    for index in range(14):
        departed = _day(rng, dt.date(2022, 2, 1), dt.date(2024, 6, 30))
        story = add(["588", "586", "587"][index % 3], departed=departed, months=36, programme="TW-FACTORY",
                    enterprise="DEMO-003/LĐTBXH-GP")
        if index % 3 == 0:
            story.absconded = (departed + dt.timedelta(days=rng.randint(90, 400)), AbscondingSource.ENTERPRISE, "Taoyuan")
        elif departed + dt.timedelta(days=36 * 30) < LAST_DAY:
            story.returned = min(add_months(departed, 36) + dt.timedelta(days=rng.randint(0, 15)), LAST_DAY)
    add("588", departed=dt.date(2026, 10, 20), months=36, programme="TW-FACTORY", enterprise="DEMO-003/LĐTBXH-GP")
    return stories


def _citizen_id(number: int, dob: dt.date, sex: str) -> str:
    digit = (0 if dob.year < 2000 else 2) + (0 if sex == Sex.MALE else 1)
    return f"058{digit}{dob.year % 100:02d}8{number:05d}"


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def load() -> str:
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    province = Unit.objects.get(structure=Structure.LEGACY, code=DEMO_PROVINCE)
    created = {"settings": 0, "rules": 0, "workers": 0}
    with transaction.atomic(), acting_as(admin):
        for unit in Unit.objects.filter(level=Level.PROVINCE, code__in=[DEMO_PROVINCE, "56"]):
            _obj, made = AftercareSettings.objects.get_or_create(unit=unit, defaults={
                "grace_days": 30, "absconding_rate_threshold": Decimal(10), "absconding_min_departures": 10,
                "absconding_lookback_years": 5})
            created["settings"] += made
        eps = Programme.objects.get(code="KR-EPS")
        for year, defaults in (
            (2020, {"min_stayers": 53, "min_rate": Decimal(28), "window_from": dt.date(2019, 1, 1),
                    "window_to": dt.date(2020, 2, 29), "as_of": dt.date(2020, 2, 29),
                    "notice": "Ngưỡng năm 2020: ≥ 28% và ≥ 53 người; hết hạn 01/01/2019–29/02/2020"}),
            (2026, {"min_stayers": 53, "min_rate": Decimal(28), "window_from": WINDOW[0], "window_to": WINDOW[1],
                    "as_of": RULE_AS_OF, "notice": "Dữ liệu mẫu: ngưỡng năm 2020 áp dụng cho năm 2026"}),
        ):
            _obj, made = OverstayRule.objects.get_or_create(programme=eps, year=year, defaults=defaults)
            created["rules"] += made
        existing = set(Worker.objects.filter(full_name__contains=" Demo K").values_list("citizen_id", flat=True))
        units = _communes(province)
        references = {
            "countries": {c.code: c for c in Country.objects.filter(code__in=["KR", "TW"])},
            "programmes": {p.code: p for p in Programme.objects.filter(code__in=["KR-EPS", "TW-FACTORY"])},
            "enterprises": {e.licence_no: e for e in Enterprise.objects.filter(licence_no__startswith="DEMO-")},
            "kinh": Ethnicity.objects.get(name="Kinh"), "raglai": Ethnicity.objects.get(name="Ra-glai"),
        }
        for story in _stories():
            rng = random.Random(SEED * 1000 + story.number)  # one stream per worker: a second load draws the same
            sex = Sex.MALE if rng.random() < 0.8 else Sex.FEMALE
            dob = dt.date(rng.randint(1988, 2001), rng.randint(1, 12), rng.randint(1, 28))
            citizen_id = _citizen_id(story.number, dob, sex)
            commune = rng.choice(units[story.district])
            if citizen_id in existing:
                continue
            _create(story, admin, citizen_id=citizen_id, dob=dob, sex=sex, unit=commune, rng=rng, refs=references)
            created["workers"] += 1
    cache_version.bump()  # the timelines' dates were set back with bulk_update (no signal)
    return (f"after departure: settings created {created['settings']}, rules created {created['rules']}, "
            f"workers created {created['workers']}")


def _communes(province: Unit) -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {}
    for district in Unit.objects.filter(parent=province, code__in=["584", "585", "586", "587", "588"]):
        out[district.code] = list(Unit.objects.filter(parent=district, level=Level.COMMUNE).order_by("code"))
    return out


def _create(story: Story, user, *, citizen_id: str, dob: dt.date, sex: str, unit: Unit, rng: random.Random,
            refs: dict) -> None:
    minority = tree.is_within(unit.path, tree.build_path(Structure.LEGACY, tree.build_path(
        Structure.LEGACY, None, DEMO_PROVINCE), "584"))
    middle = "Văn" if sex == Sex.MALE else "Thị"
    family = rng.choice(["Pinăng", "Katơr", "Chamaléa"] if minority else ["Nguyễn", "Trần", "Lê", "Phạm"])
    worker = services.worker_register(
        user=user, citizen_id=citizen_id, full_name=f"{family} {middle} Demo K{story.number:03d}", date_of_birth=dob,
        sex=sex, unit=unit, ethnicity=refs["raglai"] if minority else refs["kinh"], phone=f"0911{story.number:06d}",
        education="THPT", note="Demo", confirm_duplicate=True)
    moments = [story.departed - dt.timedelta(days=200)]
    for index, status in enumerate(("counselled", "training", "waiting"), start=1):
        services.worker_change_status(user=user, worker=worker, to_status=status)
        moments.append(story.departed - dt.timedelta(days=200 - 50 * index))
    programme = refs["programmes"][story.programme]
    korea = story.programme == "KR-EPS"
    departure = services.departure_record(
        user=user, worker=worker, date=story.departed, country=programme.country, programme=programme,
        enterprise=refs["enterprises"].get(story.enterprise) if story.enterprise else None,
        occupation="Sản xuất chế tạo" if korea else "Điện tử", contract_months=story.months,
        employer_name=rng.choice(EMPLOYERS) if korea else "Demo Taiwan Electronics Corp.",
        employer_country=programme.country, employer_sector=Sector.MANUFACTURING,
        monthly_wage=Decimal(2_060_740) if korea else Decimal(27_470), wage_currency=Currency.KRW if korea else Currency.TWD,
        orientation_cert_no=f"DEMO-GCN-K{story.number:04d}", orientation_cert_date=story.departed - dt.timedelta(days=15))
    moments.append(story.departed)
    if story.extended:
        new_end, approved = story.extended
        services.contract_extend(user=user, departure=departure, new_end=new_end, approved_on=approved,
                                 note="Gia hạn theo đề nghị của chủ sử dụng")
    if story.absconded:
        learned, source, place = story.absconded
        event = services.absconding_record(user=user, departure=departure, learned_on=learned, source=source,
                                           place=place, note="Dữ liệu mẫu")
        moments.append(learned)
        if story.found:
            services.absconding_close(user=user, event=event, closed_on=story.found,
                                      note="Đã liên hệ được, trở lại làm việc")
            moments.append(story.found)
    if story.returned:
        record = services.return_record(user=user, departure=departure, date=story.returned, early=story.early,
                                        reason="Sức khỏe" if story.early else "")
        moments.append(story.returned)
        for milestone, done_on, work, needs in story.follow_ups:
            services.follow_up_record(user=user, return_record=record, milestone=milestone, done_on=done_on, work=work,
                                      certificate_used=work == Work.EMPLOYED,
                                      needs_job_referral="job_referral" in needs, needs_loan="loan" in needs,
                                      needs_training="training" in needs, note="Gọi điện thoại")
    changes = list(StatusChange.objects.filter(worker=worker).order_by("pk"))
    for change, day in zip(changes, moments, strict=True):
        change.at = _at(day)
    StatusChange.objects.bulk_update(changes, ["at"])
