"""The progress snapshots, now the reports app's, on the table the core made for them (``portal.0004``): state
only here; ``0002`` gives the table the app's name."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('portal', '0005_progress_snapshots_move_to_reports'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='ProgressSnapshot',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('month', models.DateField(verbose_name='month')),
                    ('source', models.CharField(default='registry', max_length=10, verbose_name='source')),
                    ('figures', models.JSONField(default=dict, verbose_name='figures')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                    ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress_snapshots', to='portal.unit', verbose_name='unit')),
                ],
                options={
                    'db_table': 'portal_progresssnapshot',
                    'verbose_name': 'progress snapshot',
                    'verbose_name_plural': 'progress snapshots',
                    'ordering': ['unit', 'month'],
                    'constraints': [models.UniqueConstraint(fields=('unit', 'month', 'source'), name='progress_snapshot_unique')],
                },
            ),
        ], database_operations=[]),
    ]
