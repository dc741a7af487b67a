from django.db import migrations

# The VBSP lends for working abroad to these groups (Decree 74/2019/NĐ-CP, Decree 338/2025/NĐ-CP):
# poor and near-poor households, ethnic minorities, relatives of persons with merit, households whose
# farmland was recovered. Edit the list in /admin/ (LoanEligibility).
CODES = ("poor", "near_poor", "ethnic_minority", "merit", "land_recovered")


def load(apps, schema_editor):
    HouseholdStatus = apps.get_model("workers", "HouseholdStatus")
    LoanEligibility = apps.get_model("workers", "LoanEligibility")
    for status in HouseholdStatus.objects.filter(code__in=CODES):
        LoanEligibility.objects.get_or_create(household_status=status)


class Migration(migrations.Migration):
    dependencies = [("workers", "0003_support")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
