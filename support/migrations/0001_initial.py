"""Support's models, now in their own app, on the tables the workers app made for them (``workers.0003``):
state only here; ``0002`` gives the tables the app's name."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('portal', '0004_report_jobs_and_snapshots'),
        ('workers', '0007_support_moves_to_its_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='LoanEligibility',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('household_status', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workers.householdstatus', verbose_name='household status')),
                ],
                options={
                    'db_table': 'workers_loaneligibility',
                    'verbose_name': 'group eligible for a VBSP loan',
                    'verbose_name_plural': 'groups eligible for a VBSP loan',
                },
            ),
            migrations.CreateModel(
                name='Policy',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.CharField(max_length=30, unique=True, verbose_name='code')),
                    ('name', models.CharField(max_length=255, verbose_name='name')),
                    ('legal_basis', models.CharField(choices=[('poverty', 'National target programme for sustainable poverty reduction'), ('ethnic', 'National target programme for ethnic-minority and mountainous areas'), ('provincial', 'Provincial resolution'), ('other', 'Other')], max_length=12, verbose_name='legal basis')),
                    ('legal_reference', models.CharField(blank=True, help_text='E.g. Decision 90/QĐ-TTg, Resolution 12/2024/NQ-HĐND.', max_length=500, verbose_name='legal reference')),
                    ('valid_from', models.DateField(verbose_name='valid from')),
                    ('valid_to', models.DateField(blank=True, null=True, verbose_name='valid to')),
                    ('admits_ethnic_minority', models.BooleanField(default=False, verbose_name='ethnic minority workers are eligible')),
                    ('active', models.BooleanField(default=True, verbose_name='active')),
                    ('eligible_statuses', models.ManyToManyField(blank=True, related_name='+', to='workers.householdstatus', verbose_name='eligible household statuses')),
                    ('unit', models.ForeignKey(help_text='The policy covers the workers living in this unit and below it.', on_delete=django.db.models.deletion.PROTECT, related_name='support_policies', to='portal.unit', verbose_name='unit running the policy')),
                ],
                options={
                    'db_table': 'workers_policy',
                    'verbose_name': 'support policy',
                    'verbose_name_plural': 'support policies',
                    'ordering': ['-valid_from', 'code'],
                },
            ),
            migrations.CreateModel(
                name='Payment',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('date', models.DateField(verbose_name='date')),
                    ('decision_no', models.CharField(max_length=60, verbose_name='decision number')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('worker', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='workers.worker', verbose_name='worker')),
                    ('policy', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='support.policy', verbose_name='policy')),
                ],
                options={
                    'db_table': 'workers_payment',
                    'verbose_name': 'support payment',
                    'verbose_name_plural': 'support payments',
                    'ordering': ['-date', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='PolicyBudget',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                    ('amount', models.PositiveBigIntegerField(verbose_name='budget (đồng)')),
                    ('policy', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='budgets', to='support.policy', verbose_name='policy')),
                ],
                options={
                    'db_table': 'workers_policybudget',
                    'verbose_name': 'policy budget',
                    'verbose_name_plural': 'policy budgets',
                    'ordering': ['policy', 'year'],
                },
            ),
            migrations.CreateModel(
                name='PolicyItem',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('language', 'Language training'), ('vocational', 'Vocational training'), ('orientation', 'Pre-departure orientation'), ('health', 'Health check'), ('papers', 'Passport, visa and criminal-record fees'), ('travel', 'Travel'), ('living', 'Living costs during training')], max_length=12, verbose_name='item')),
                    ('cap', models.PositiveBigIntegerField(verbose_name='cap per worker (đồng)')),
                    ('policy', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='support.policy', verbose_name='policy')),
                ],
                options={
                    'db_table': 'workers_policyitem',
                    'verbose_name': 'policy item',
                    'verbose_name_plural': 'policy items',
                    'ordering': ['policy', 'kind'],
                },
            ),
            migrations.CreateModel(
                name='PaymentLine',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('amount', models.PositiveBigIntegerField(verbose_name='amount (đồng)')),
                    ('payment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='support.payment')),
                    ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='support.policyitem', verbose_name='item')),
                ],
                options={
                    'db_table': 'workers_paymentline',
                    'verbose_name': 'payment line',
                    'verbose_name_plural': 'payment lines',
                    'ordering': ['payment', 'item__kind'],
                },
            ),
            migrations.CreateModel(
                name='Loan',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('amount', models.PositiveBigIntegerField(verbose_name='amount (đồng)')),
                    ('date', models.DateField(verbose_name='disbursement date')),
                    ('term_months', models.PositiveSmallIntegerField(verbose_name='term (months)')),
                    ('purpose', models.CharField(blank=True, max_length=255, verbose_name='purpose')),
                    ('status', models.CharField(choices=[('applied', 'Applied'), ('disbursed', 'Disbursed'), ('repaying', 'Repaying'), ('repaid', 'Repaid'), ('overdue', 'Overdue')], default='disbursed', max_length=10, verbose_name='status')),
                    ('bank_reference', models.CharField(blank=True, max_length=60, verbose_name='bank reference')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('worker', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='loans', to='workers.worker', verbose_name='worker')),
                ],
                options={
                    'db_table': 'workers_loan',
                    'verbose_name': 'VBSP loan',
                    'verbose_name_plural': 'VBSP loans',
                    'ordering': ['-date', '-pk'],
                    'indexes': [models.Index(fields=['date'], name='loan_date')],
                    'constraints': [models.UniqueConstraint(fields=('worker', 'date', 'amount'), name='loan_natural_key'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='loan_amount_positive'), models.CheckConstraint(condition=models.Q(('term_months__gt', 0)), name='loan_term_positive')],
                },
            ),
            migrations.AddConstraint(
                model_name='policy',
                constraint=models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_to__gte', models.F('valid_from')), _connector='OR'), name='policy_valid_to_after_from'),
            ),
            migrations.AddIndex(
                model_name='payment',
                index=models.Index(fields=['policy', 'date'], name='payment_policy_date'),
            ),
            migrations.AddIndex(
                model_name='payment',
                index=models.Index(fields=['date'], name='payment_date'),
            ),
            migrations.AddConstraint(
                model_name='payment',
                constraint=models.UniqueConstraint(fields=('worker', 'policy', 'date', 'decision_no'), name='payment_natural_key'),
            ),
            migrations.AddConstraint(
                model_name='policybudget',
                constraint=models.UniqueConstraint(fields=('policy', 'year'), name='policy_budget_unique_year'),
            ),
            migrations.AddConstraint(
                model_name='policyitem',
                constraint=models.UniqueConstraint(fields=('policy', 'kind'), name='policy_item_unique_kind'),
            ),
            migrations.AddConstraint(
                model_name='policyitem',
                constraint=models.CheckConstraint(condition=models.Q(('cap__gt', 0)), name='policy_item_cap_positive'),
            ),
            migrations.AddConstraint(
                model_name='paymentline',
                constraint=models.UniqueConstraint(fields=('payment', 'item'), name='payment_line_one_per_item'),
            ),
            migrations.AddConstraint(
                model_name='paymentline',
                constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='payment_line_amount_positive'),
            ),
        ], database_operations=[]),
    ]
