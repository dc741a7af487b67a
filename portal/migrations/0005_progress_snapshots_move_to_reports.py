"""Progress snapshots are a report's concept: the model leaves the core's state only (the table stays until
``reports.0002`` renames it; no row is copied or lost)."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0004_report_jobs_and_snapshots'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='ProgressSnapshot'),
        ], database_operations=[]),
    ]
