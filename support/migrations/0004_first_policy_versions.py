"""Every policy gets its first version (in force from the policy's start, with its items' caps) and every payment
already recorded refers to it: past payments keep the caps they were checked against."""
from django.db import migrations


def first_versions(apps, schema_editor):
    Policy = apps.get_model("support", "Policy")
    PolicyVersion = apps.get_model("support", "PolicyVersion")
    PolicyCap = apps.get_model("support", "PolicyCap")
    Payment = apps.get_model("support", "Payment")
    for policy in Policy.objects.all().iterator():
        if PolicyVersion.objects.filter(policy=policy).exists():
            continue
        version = PolicyVersion.objects.create(policy=policy, number=1, valid_from=policy.valid_from,
                                               legal_reference=policy.legal_reference[:500])
        PolicyCap.objects.bulk_create([PolicyCap(version=version, item=item, cap=item.cap)
                                       for item in policy.items.all()])
        Payment.objects.filter(policy=policy, version__isnull=True).update(version=version)


class Migration(migrations.Migration):
    dependencies = [("support", "0003_policy_versions")]
    operations = [migrations.RunPython(first_versions, migrations.RunPython.noop)]
