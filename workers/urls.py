from django.urls import include, path

from workers import reference_views, views

app_name = "workers"

urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.worker_list, name="worker_list"),
    path("export/", views.worker_export, name="worker_export"),
    path("import/", views.worker_import, name="worker_import"),
    path("import/template.xlsx", views.worker_import_template, name="worker_import_template"),
    path("import/jobs/<int:pk>/", views.import_result, name="import_result"),
    path("new/", views.worker_create, name="worker_create"),
    path("<int:pk>/", views.worker_detail, name="worker_detail"),
    path("<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("<int:pk>/status/", views.worker_status, name="worker_status"),
    path("<int:pk>/departures/new/", views.departure_create, name="departure_create"),
    path("departures/<int:pk>/return/", views.return_create, name="return_create"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views.enterprise_edit, name="enterprise_create"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("access-log/", views.access_log, name="access_log"),
    path("reference/", reference_views.reference, name="reference"),
    path("reference/countries/new/", reference_views.country_edit, name="country_create"),
    path("reference/countries/<int:pk>/edit/", reference_views.country_edit, name="country_edit"),
    path("reference/programmes/new/", reference_views.programme_edit, name="programme_create"),
    path("reference/programmes/<int:pk>/edit/", reference_views.programme_edit, name="programme_edit"),
    path("", include("workers.aftercare.urls")),
    path("<int:pk>/checklist/", views.worker_checklist, name="worker_checklist"),
    path("due/", views.due_list, name="due_list"),
]
