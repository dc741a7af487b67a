from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.class_list, name="index"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("classes/<int:pk>/enrol/", views.class_enrol, name="class_enrol"),
    path("enrolments/<int:pk>/", views.enrolment_edit, name="enrolment_edit"),
    path("workers/<int:pk>/enrol/", views.worker_enrol, name="worker_enrol"),
    path("rules/", views.rule_edit, name="rules"),
    path("import/classes/", views.class_import, name="class_import"),
    path("import/classes/template.xlsx", views.class_import_template, name="class_import_template"),
    path("import/enrolments/", views.enrolment_import, name="enrolment_import"),
    path("import/enrolments/template.xlsx", views.enrolment_import_template, name="enrolment_import_template"),
]
