"""The support tables take the app's name (``workers_policy`` → ``support_policy``…; a rename, every row kept),
and the content types follow, so the audit history of policies, payments and loans stays attached to them."""
from django.db import migrations

MODELS = ("policy", "policyitem", "policybudget", "payment", "paymentline", "loaneligibility", "loan")


def move_content_types(apps, schema_editor, source="workers", target="support"):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(content_type.objects.using(db).filter(app_label=target, model__in=MODELS)
                .values_list("model", flat=True))
    content_type.objects.using(db).filter(app_label=source, model__in=set(MODELS) - taken).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="support", target="workers")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("support", "0001_initial"),
    ]

    operations = [
        *(migrations.AlterModelTable(name=name, table=None) for name in MODELS),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
