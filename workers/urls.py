from django.urls import path

from workers import support_views, views

app_name = "workers"

urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.worker_list, name="worker_list"),
    path("export/", views.worker_export, name="worker_export"),
    path("import/", views.worker_import, name="worker_import"),
    path("import/template.xlsx", views.worker_import_template, name="worker_import_template"),
    path("new/", views.worker_create, name="worker_create"),
    path("<int:pk>/", views.worker_detail, name="worker_detail"),
    path("<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("<int:pk>/status/", views.worker_status, name="worker_status"),
    path("<int:pk>/departures/new/", views.departure_create, name="departure_create"),
    path("departures/<int:pk>/return/", views.return_create, name="return_create"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views.enterprise_edit, name="enterprise_create"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("access-log/", views.access_log, name="access_log"),
    # Support: policies, payments, VBSP loans
    path("support/", support_views.summary, name="support_summary"),
    path("support/summary.xlsx", support_views.summary_export, name="support_summary_export"),
    path("support/policies/", support_views.policy_list, name="policy_list"),
    path("support/policies/<int:pk>/", support_views.policy_detail, name="policy_detail"),
    path("support/payments/", support_views.payment_list, name="payment_list"),
    path("support/payments/import/", support_views.payment_import, name="payment_import"),
    path("support/payments/import/template.xlsx", support_views.payment_import_template,
         name="payment_import_template"),
    path("<int:pk>/payments/new/", support_views.payment_create, name="payment_create"),
    path("support/loans/", support_views.loan_list, name="loan_list"),
    path("support/loans/import/", support_views.loan_import, name="loan_import"),
    path("support/loans/import/template.xlsx", support_views.loan_import_template, name="loan_import_template"),
    path("<int:pk>/loans/new/", support_views.loan_create, name="loan_create"),
    path("support/loans/<int:pk>/status/", support_views.loan_status, name="loan_status"),
]
