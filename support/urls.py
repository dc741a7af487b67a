"""Support's pages, mounted under /workers/ beside the registry (their addresses predate the app)."""
from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("support/", views.summary, name="summary"),
    path("support/summary.xlsx", views.summary_export, name="summary_export"),
    path("support/policies/", views.policy_list, name="policy_list"),
    path("support/policies/new/", views.policy_create, name="policy_create"),
    path("support/policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("support/policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("support/payments/", views.payment_list, name="payment_list"),
    path("support/payments/import/", views.payment_import, name="payment_import"),
    path("support/payments/import/template.xlsx", views.payment_import_template, name="payment_import_template"),
    path("<int:pk>/payments/new/", views.payment_create, name="payment_create"),
    path("support/loans/", views.loan_list, name="loan_list"),
    path("support/loans/import/", views.loan_import, name="loan_import"),
    path("support/loans/import/template.xlsx", views.loan_import_template, name="loan_import_template"),
    path("<int:pk>/loans/new/", views.loan_create, name="loan_create"),
    path("support/loans/<int:pk>/status/", views.loan_status, name="loan_status"),
]
