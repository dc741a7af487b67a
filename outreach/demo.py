"""Demo outreach for Ninh Thuận 2026: a provincial campaign, a few district campaigns,
8 job fairs (160 enterprises, 2.910 attendees), counselling sessions (about 44.000
counselling contacts with the fairs'), conferences, media items, and leads.

Deterministic (fixed figures) and idempotent (an activity is found by its natural
key, a campaign by unit+name+start, a lead by activity+name). Some leads carry
the phone numbers of demo workers (``workers.demo``: 0900xxxxxx), written in
the +84 form: they are linked when those workers exist, now or when the workers
demo runs later (the post_save signal links them).
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from outreach import services
from outreach.models import Activity, Campaign, Kind, Lead
from portal.audit import acting_as
from portal.demo import DEMO_PROVINCE
from portal.models import Structure, Unit
from workers.models import Worker

YEAR = 2026
PROVINCE_CAMPAIGN = "Chiến dịch tuyên truyền đưa người lao động đi làm việc ở nước ngoài năm 2026 (demo)"
DISTRICT_CAMPAIGNS = {
    "585": ("Ninh Sơn: tuyên truyền tại thôn, xã 2026 (demo)", dt.date(2026, 3, 1), dt.date(2026, 10, 31), 60_000_000),
    "584": ("Bác Ái: vận động thanh niên dân tộc thiểu số 2026 (demo)", dt.date(2026, 2, 1), dt.date(2026, 9, 30),
            45_000_000),
    "588": ("Ninh Phước: tư vấn lưu động 2026 (demo)", dt.date(2026, 4, 1), dt.date(2026, 11, 20), 50_000_000),
}
# district, date, enterprises, attendees, cost (đồng)
JOB_FAIRS = [
    ("582", dt.date(2026, 2, 26), 24, 420, 85_000_000),
    ("585", dt.date(2026, 3, 19), 18, 350, 60_000_000),
    ("584", dt.date(2026, 4, 16), 16, 310, 55_000_000),
    ("588", dt.date(2026, 5, 21), 22, 390, 70_000_000),
    ("587", dt.date(2026, 6, 18), 20, 365, 65_000_000),
    ("586", dt.date(2026, 7, 23), 17, 330, 58_000_000),
    ("589", dt.date(2026, 8, 20), 25, 405, 80_000_000),
    ("585", dt.date(2026, 10, 15), 18, 340, 62_000_000),
]
COUNSELLING_DISTRICTS = ["582", "584", "585", "586", "587", "588", "589"]
MEDIA = [
    ("newspaper", "Báo Ninh Thuận: Cơ hội việc làm tại Nhật Bản (demo)", 12_000, 4_000_000),
    ("radio", "Đài PT-TH tỉnh: Chuyên mục Lao động – Việc làm (demo)", 25_000, 6_000_000),
    ("tv", "Phóng sự truyền hình: Người lao động Ninh Thuận tại Hàn Quốc (demo)", 40_000, 15_000_000),
    ("portal", "Cổng thông tin tỉnh: Thông báo tuyển chọn lao động EPS (demo)", 8_500, 0),
    ("facebook", "Fanpage Sở Nội vụ: Phiên giao dịch việc làm tháng 3 (demo)", 31_000, 1_500_000),
    ("zalo", "Zalo OA: Hỏi đáp chi phí đi làm việc tại Đài Loan (demo)", 9_800, 800_000),
    ("bulletin", "Bản tin Lao động – Việc làm quý II (demo)", 3_000, 2_500_000),
    ("facebook", "Fanpage Sở Nội vụ: Cảnh báo môi giới lừa đảo (demo)", 45_000, 1_000_000),
]


def _unit(code: str) -> Unit | None:
    return Unit.objects.filter(structure=Structure.LEGACY, code=code).first()


def _campaign(admin, *, unit: Unit, name: str, date_from: dt.date, date_to: dt.date, **extra) -> tuple[Campaign, bool]:
    existing = Campaign.objects.filter(unit=unit, name=name, date_from=date_from).first()
    if existing:
        return existing, False
    return services.campaign_create(user=admin, unit=unit, name=name, date_from=date_from, date_to=date_to,
                                    **extra), True


def _activity(admin, **values) -> tuple[Activity, bool]:
    existing = Activity.objects.filter(unit=values["unit"], date=values["date"], kind=values["kind"],
                                       name=values["name"]).first()
    if existing:
        return existing, False
    return services.activity_record(user=admin, **values), True


def load() -> str:
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    province = _unit(DEMO_PROVINCE)
    if admin is None or province is None:
        return "skipped: load the demo units and accounts first"
    made = {"campaigns": 0, "activities": 0, "leads": 0}
    with transaction.atomic(), acting_as(admin):
        main, created = _campaign(
            admin, unit=province, name=PROVINCE_CAMPAIGN, date_from=dt.date(YEAR, 1, 1), date_to=dt.date(YEAR, 12, 31),
            target_groups="Thanh niên từ 18 đến 35 tuổi; lao động thuộc hộ nghèo, cận nghèo, dân tộc thiểu số; "
                          "bộ đội xuất ngũ; học sinh tốt nghiệp THPT",
            channels=["newspaper", "radio", "tv", "portal", "facebook", "zalo", "bulletin", "conference",
                      "counselling", "job_fair"],
            budget=1_200_000_000, goal_reached=150_000, goal_registrations=1_200, goal_departures=800)
        made["campaigns"] += created
        district_campaigns = {}
        for code, (name, start, end, budget) in DISTRICT_CAMPAIGNS.items():
            unit = _unit(code)
            if unit is None:
                continue
            district_campaigns[code], created = _campaign(
                admin, unit=unit, name=name, date_from=start, date_to=end, budget=budget,
                channels=["counselling", "conference", "zalo"], goal_reached=8_000, goal_registrations=120,
                goal_departures=60, target_groups="Thanh niên nông thôn (demo)")
            made["campaigns"] += created

        fairs = []
        for number, (code, date, enterprises, attendees, cost) in enumerate(JOB_FAIRS, start=1):
            unit = _unit(code)
            if unit is None:
                continue
            fair, created = _activity(
                admin, unit=unit, kind=Kind.JOB_FAIR, date=date, campaign=main,
                name=f"Phiên giao dịch việc làm số {number}/{YEAR} tại {unit.name} (demo)",
                place=f"Trung tâm Văn hóa {unit.name}", enterprises=enterprises, attendees=attendees,
                counselled=attendees * 3 // 4, registrations=attendees // 10, cost=cost)
            fairs.append(fair)
            made["activities"] += created

        for index, code in enumerate(COUNSELLING_DISTRICTS):
            unit = _unit(code)
            if unit is None:
                continue
            campaign = district_campaigns.get(code)
            for month in (3, 5, 7, 9):
                date = dt.date(YEAR, month, 8 + index)
                in_district = campaign is not None and campaign.date_from <= date <= campaign.date_to
                people = 1_350 + 37 * index + 11 * month
                _a, created = _activity(
                    admin, unit=unit, kind=Kind.COUNSELLING, date=date, campaign=campaign if in_district else main,
                    name=f"Tư vấn lưu động tháng {month} tại {unit.name} (demo)", place=f"Nhà văn hóa {unit.name}",
                    attendees=people, counselled=people, registrations=people // 40, cost=6_000_000 + 250_000 * index)
                made["activities"] += created
            _a, created = _activity(
                admin, unit=unit, kind=Kind.CONFERENCE, date=dt.date(YEAR, 2, 10 + index), campaign=main,
                name=f"Hội nghị triển khai công tác XKLĐ năm {YEAR} tại {unit.name} (demo)",
                place=f"Hội trường UBND {unit.name}", enterprises=3, attendees=120 + 5 * index, counselled=0,
                cost=12_000_000)
            made["activities"] += created

        for number, (channel, title, reach, cost) in enumerate(MEDIA):
            _a, created = _activity(
                admin, unit=province, kind=Kind.MEDIA, channel=channel, date=dt.date(YEAR, 2 + number, 5),
                name=title, campaign=main, link=f"https://example.invalid/demo/outreach/{number + 1}",
                reach=reach, cost=cost)
            made["activities"] += created

        # Leads: 12 per job fair. Four carry the phone (+84 form) or the CCCD of a demo worker of the fair's
        # district when the workers demo ran first; otherwise a demo worker's phone number, linked when the
        # workers demo runs later.
        for fair_number, fair in enumerate(fairs):
            local = list(Worker.objects.filter(unit__path__startswith=fair.unit.path, phone__startswith="0900")
                         .order_by("pk").values_list("phone", "citizen_id")[:4])
            for n in range(12):
                serial = fair_number * 12 + n + 1
                name = f"Người tham dự Demo {serial:03d}"
                if Lead.objects.filter(activity=fair, full_name=name).exists():
                    continue
                phone, citizen_id = f"0977{serial:06d}", ""
                if n % 3 == 0:
                    k = n // 3
                    if k < len(local):
                        worker_phone, worker_cccd = local[k]
                        if k == 3:
                            phone, citizen_id = "", worker_cccd
                        else:
                            phone = f"+84 {worker_phone[1:4]} {worker_phone[4:7]} {worker_phone[7:]}"
                    else:
                        worker_number = (serial * 7) % 360 + 1
                        phone = f"+84 900 {worker_number // 1000:03d} {worker_number % 1000:03d}"
                services.lead_record(user=admin, activity=fair, full_name=name, phone=phone, citizen_id=citizen_id)
                made["leads"] += 1
    return ", ".join(f"{name} created {count}" for name, count in made.items())
