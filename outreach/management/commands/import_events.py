from __future__ import annotations

from django.core.management.base import CommandError
from django.utils import translation

from outreach.importers import import_events
from outreach.models import Campaign
from portal.importing import ImportCommand, add_structure_argument


class Command(ImportCommand):
    help = ("Import outreach events (job fairs, conferences, counselling, media) from an .xlsx sheet with the columns "
            "Mã đơn vị, Ngày, Loại hoạt động, Tên, Số doanh nghiệp, Số người tham dự, Số người được tư vấn, Chi phí "
            "(and Kênh for media). All-or-nothing; importing the same file twice changes nothing.")
    result_label = "Events"

    def add_import_arguments(self, parser):
        add_structure_argument(parser, date_rule="the event's date")
        parser.add_argument("--campaign", type=int, help="attach every activity to this campaign (its id)")

    def run_import(self, data, user, options):
        campaign = None
        if options["campaign"] is not None:
            campaign = Campaign.objects.open_to(user).filter(pk=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"No campaign {options['campaign']} open to {user.username}.")
        with translation.override("vi"):
            return import_events(data, user=user, campaign=campaign, structure=options["structure"])
