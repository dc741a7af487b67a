from django.urls import path

from targets import indicator_views, rule_views, views

app_name = "targets"

urlpatterns = [
    path("", views.index, name="index"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("quotas/", views.quota_table, name="quota_table"),
    path("quotas/import/", views.quota_import, name="quota_import"),
    path("quotas/template.xlsx", views.quota_template, name="quota_template"),
    path("figures/<int:unit_id>/<int:year>/<int:month>/", views.figures, name="figures"),
    path("figures/<int:unit_id>/<int:year>/<int:month>/reopen/", views.figures_reopen, name="figures_reopen"),
    path("reports/<int:pk>/review/", views.figures_review, name="figures_review"),
    path("completeness/", views.completeness, name="completeness"),
    path("due/", views.due_board, name="due_board"),
    path("due/export.xlsx", views.due_board_export, name="due_board_export"),
    path("queue/", views.approval_queue, name="queue"),
    path("figures/import/", views.monthly_import, name="monthly_import"),
    path("figures/template.xlsx", views.monthly_template, name="monthly_template"),
    path("indicators/", indicator_views.indicator_list, name="indicator_list"),
    path("indicators/new/", indicator_views.indicator_edit, name="indicator_create"),
    path("indicators/<int:pk>/edit/", indicator_views.indicator_edit, name="indicator_edit"),
    path("source/", views.source_table, name="source_table"),
    path("rules/", rule_views.rule_list, name="rule_list"),
    path("rules/new/", rule_views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/edit/", rule_views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", rule_views.rule_delete, name="rule_delete"),
    path("rules/violations/", rule_views.violations, name="rule_violations"),
    path("ranges/", rule_views.range_list, name="range_list"),
    path("ranges/<int:pk>/delete/", rule_views.range_delete, name="range_delete"),
]
