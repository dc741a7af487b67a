from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as accounts_views
from portal import audit_views, health_views, scope_views, views
from reports import views as reports_views

urlpatterns = [
    path("", reports_views.home, name="home"),
    path("healthz", health_views.healthz, name="healthz"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/hamlets/new/", views.hamlet_create, name="hamlet_create"),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("accounts/dissolved/", scope_views.dissolved_scopes, name="dissolved_scopes"),
    path("accounts/dissolved/<int:pk>/move/", scope_views.reassign_scope, name="reassign_scope"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("targets/", include("targets.urls")),
    path("workers/", include("workers.urls")),
    path("workers/", include("support.urls")),  # support's pages kept their addresses under /workers/
    path("outreach/", include("outreach.urls")),
    path("complaints/", include("complaints.urls")),
    path("training/", include("training.urls")),
    path("history/", include("history.urls")),
    path("jobs/", include("portal.job_urls")),
    path("notifications/", include("notifications.urls")),
    path("progress/", include("reports.urls")),
    path("after-departure/", include("reports.aftercare.urls")),
    path("admin/", admin.site.urls),
]
