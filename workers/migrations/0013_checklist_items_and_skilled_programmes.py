from django.db import migrations


def load(apps, schema_editor):
    from workers.reference import sync_checklist_items, sync_programme_flags

    sync_checklist_items(apps.get_model("workers", "ChecklistItem"))
    sync_programme_flags(apps.get_model("workers", "Programme"))


class Migration(migrations.Migration):
    dependencies = [("workers", "0012_pre_departure_checklist")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
