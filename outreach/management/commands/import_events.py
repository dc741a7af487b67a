from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from outreach.importers import import_events
from outreach.models import Campaign
from portal.importing import command_user, read_upload_path, rejection_as_command_error
from portal.models import Structure
from portal.scoping import can_write
from portal.xlsx import ImportRejected


class Command(BaseCommand):
    help = ("Import outreach events (job fairs, conferences, counselling, media) from an .xlsx sheet with the columns "
            "Mã đơn vị, Ngày, Loại hoạt động, Tên, Số doanh nghiệp, Số người tham dự, Số người được tư vấn, Chi phí "
            "(and Kênh for media). All-or-nothing; importing the same file twice changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", help="import as this user, within their scope (default: an administrator)")
        parser.add_argument("--structure", choices=[Structure.LEGACY.value, Structure.NEW.value],
                            help="the structure of the unit codes (default: a code found in both is read in the "
                                 "structure in force on the event's date)")
        parser.add_argument("--campaign", type=int, help="attach every activity to this campaign (its id)")

    def handle(self, *args, **options):
        user = command_user(options["user"])
        if not can_write(user):
            raise CommandError(f"The user {user.username} may not change data.")
        campaign = None
        if options["campaign"] is not None:
            campaign = Campaign.objects.open_to(user).filter(pk=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"No campaign {options['campaign']} open to {user.username}.")
        data = read_upload_path(options["file"])
        with translation.override("vi"):
            try:
                result = import_events(data, user=user, campaign=campaign, structure=options["structure"])
            except ImportRejected as exc:
                raise rejection_as_command_error(exc) from None
            self.stdout.write(f"Events: {result}")
