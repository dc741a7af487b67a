"""Models that changed app keep every row and their audit history (support from workers, snapshots from portal).

The database is taken back to the migrations before the move, filled through the models of that time, and
brought forward again: the rows are read back through today's models, in tables named after their app, and the
audit entries written against the old app's content types now name the new ones.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("workers", "0006_statuschange_covering_index"), ("portal", "0004_report_jobs_and_snapshots"),
          ("support", None), ("reports", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    # The models as the applied migrations leave them (the state migrate() returns after unapplying is built
    # from the order of the whole plan, which other apps' migrations may change).
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


class ModelsMovedToTheirAppTests:
    def test_the_rows_and_their_audit_entries_survive_the_move(self, reference_data):
        old = migrate(BEFORE)
        try:
            unit_model, country_model = old.get_model("portal", "Unit"), old.get_model("workers", "Country")
            province = unit_model.objects.create(structure="legacy", code="99", name="Tỉnh Thử", level="province",
                                                 path="legacy:99/")
            commune = unit_model.objects.create(structure="legacy", code="99001", name="Xã Thử", level="commune",
                                                parent=province, path="legacy:99/99001/")
            worker = old.get_model("workers", "Worker").objects.create(
                citizen_id="099095000001", full_name="Người Thử", name_key="người thử",
                date_of_birth=dt.date(1995, 1, 1), sex="M", unit=commune)
            policy = old.get_model("workers", "Policy").objects.create(
                code="MOVE-1", name="Chính sách thử", unit=province, legal_basis="provincial",
                valid_from=dt.date(2024, 1, 1))
            policy.eligible_statuses.set(old.get_model("workers", "HouseholdStatus").objects.filter(code="poor"))
            item = old.get_model("workers", "PolicyItem").objects.create(policy=policy, kind="language",
                                                                         cap=5_000_000)
            payment = old.get_model("workers", "Payment").objects.create(
                worker=worker, policy=policy, date=dt.date(2024, 5, 2), decision_no="1/QĐ")
            old.get_model("workers", "PaymentLine").objects.create(payment=payment, item=item, amount=3_000_000)
            old.get_model("workers", "Loan").objects.create(worker=worker, amount=80_000_000,
                                                            date=dt.date(2024, 6, 1), term_months=36)
            old.get_model("portal", "ProgressSnapshot").objects.create(unit=province, month=dt.date(2024, 5, 1),
                                                                       figures={"departed": 7})
            # The audit entry of the payment, as django-auditlog wrote it before the move.
            ContentType.objects.filter(app_label__in=["support", "reports"]).delete()
            ContentType.objects.clear_cache()
            old_type = ContentType.objects.get_or_create(app_label="workers", model="payment")[0]
            ContentType.objects.get_or_create(app_label="portal", model="progresssnapshot")
            from auditlog.models import LogEntry

            entry = LogEntry.objects.create(content_type=old_type, object_pk=str(payment.pk), object_id=payment.pk,
                                            object_repr="payment", action=LogEntry.Action.CREATE)
            assert country_model.objects.filter(code="JP").exists()
        finally:
            migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()

        from reports.models import ProgressSnapshot
        from support.models import Loan, Payment, PaymentLine, Policy

        moved = Policy.objects.get(code="MOVE-1")
        assert list(moved.eligible_statuses.values_list("code", flat=True)) == ["poor"]
        assert Payment.objects.get(pk=payment.pk).lines.get().amount == 3_000_000
        assert PaymentLine.objects.count() == 1 and Loan.objects.get().amount == 80_000_000
        assert ProgressSnapshot.objects.get(unit_id=province.pk).figures == {"departed": 7}
        tables = connection.introspection.table_names()
        assert {"support_policy", "support_payment", "support_policy_eligible_statuses",
                "reports_progresssnapshot"} <= set(tables)
        assert not {"workers_policy", "workers_payment", "portal_progresssnapshot"} & set(tables)
        entry.refresh_from_db()
        assert (entry.content_type.app_label, entry.content_type.model_class()) == ("support", Payment)
        assert ContentType.objects.get(app_label="reports", model="progresssnapshot").model_class() is ProgressSnapshot
