from django.db import migrations


def load(apps, schema_editor):
    from workers.reference import sync_reference_data

    sync_reference_data(
        apps.get_model("workers", "Country"), apps.get_model("workers", "Programme"),
        apps.get_model("workers", "Ethnicity"), apps.get_model("workers", "HouseholdStatus"),
    )


class Migration(migrations.Migration):
    dependencies = [("workers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
