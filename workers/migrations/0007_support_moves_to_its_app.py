"""Support (policies, payments, loans) moves to its own app: the models leave the workers app's state only; the
tables stay as they are until ``support.0002`` renames them (no row is copied or lost)."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workers', '0006_statuschange_covering_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.RemoveField(
            model_name='loaneligibility',
            name='household_status',
        ),
        migrations.RemoveField(
            model_name='payment',
            name='created_by',
        ),
        migrations.RemoveField(
            model_name='payment',
            name='policy',
        ),
        migrations.RemoveField(
            model_name='payment',
            name='worker',
        ),
        migrations.RemoveField(
            model_name='paymentline',
            name='payment',
        ),
        migrations.RemoveField(
            model_name='paymentline',
            name='item',
        ),
        migrations.RemoveField(
            model_name='policy',
            name='eligible_statuses',
        ),
        migrations.RemoveField(
            model_name='policy',
            name='unit',
        ),
        migrations.RemoveField(
            model_name='policyitem',
            name='policy',
        ),
        migrations.RemoveField(
            model_name='policybudget',
            name='policy',
        ),
        migrations.DeleteModel(
            name='Loan',
        ),
        migrations.DeleteModel(
            name='LoanEligibility',
        ),
        migrations.DeleteModel(
            name='Payment',
        ),
        migrations.DeleteModel(
            name='PaymentLine',
        ),
        migrations.DeleteModel(
            name='PolicyItem',
        ),
        migrations.DeleteModel(
            name='Policy',
        ),
        migrations.DeleteModel(
            name='PolicyBudget',
        ),
        ], database_operations=[]),
    ]
