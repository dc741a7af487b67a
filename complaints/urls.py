from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("export/", views.case_export, name="case_export"),
    path("import/", views.case_import, name="case_import"),
    path("import/template.xlsx", views.case_import_template, name="case_import_template"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/step/", views.case_step, name="case_step"),
    path("<int:pk>/extend/", views.case_extend, name="case_extend"),
    path("<int:pk>/outcome/", views.case_outcome, name="case_outcome"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/<int:pk>/", views.party_detail, name="party_detail"),
    path("summary/", views.summary, name="summary"),
    path("summary.xlsx", views.summary_export, name="summary_export"),
    path("access-log/", views.access_log, name="access_log"),
]
