from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training before departure")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from portal import invalidation
        from portal.sections import register_menu, register_section
        from training import models, selectors

        for model in (models.TrainingClass, models.Enrolment, models.TrainingRule):
            auditlog.register(model)
        # Enrolling moves a worker into training (a tracked status change); the enrolment itself feeds the
        # waiting pool's classes and the source-creation progress.
        invalidation.track("training.Enrolment", ("worker", "unit"))
        # The worker page lists the worker's classes and certificates (workers knows nothing of training).
        register_section("workers:worker_detail", template="training/worker_section.html",
                         context=lambda request, worker: {"training": selectors.worker_training(request.user, worker)},
                         order=50)
        register_menu("main", key="training", label=_("Training"), url_name="training:index", order=35)
