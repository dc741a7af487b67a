"""The snapshots' table takes the app's name (``portal_progresssnapshot`` → ``reports_progresssnapshot``; a
rename, every row kept), and its content type follows."""
from django.db import migrations


def move_content_type(apps, schema_editor, source="portal", target="reports"):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_type.objects.using(db).filter(app_label=target, model="progresssnapshot").exists():
        content_type.objects.using(db).filter(app_label=source, model="progresssnapshot").update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="reports", target="portal")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="progresssnapshot", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
