"""Support for workers: subsidies paid under support policies, and VBSP loans.

A ``Policy`` is run by a unit (usually the province, sometimes a district
under a national programme) and covers the residents of that unit; it pays a
few items, each capped per worker, out of a yearly budget. A ``Payment`` is
one decision paying a worker one or more items (``PaymentLine``). A ``Loan``
is a loan from the Vietnam Bank for Social Policies; the groups eligible for
it are data (``LoanEligibility``).

Payments and loans are scoped by the worker's home unit. A policy is visible
to the users of its unit, of the units below it (its residents' officials)
and of the units above it.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Unit
from portal.scoping import ScopedQuerySet, scope_filter
from workers.models import HouseholdStatus, Worker


class LegalBasis(models.TextChoices):
    POVERTY = "poverty", _("National target programme for sustainable poverty reduction")
    ETHNIC = "ethnic", _("National target programme for ethnic-minority and mountainous areas")
    PROVINCIAL = "provincial", _("Provincial resolution")
    OTHER = "other", _("Other")


class ItemKind(models.TextChoices):
    LANGUAGE = "language", _("Language training")
    VOCATIONAL = "vocational", _("Vocational training")
    ORIENTATION = "orientation", _("Pre-departure orientation")
    HEALTH = "health", _("Health check")
    PAPERS = "papers", _("Passport, visa and criminal-record fees")
    TRAVEL = "travel", _("Travel")
    LIVING = "living", _("Living costs during training")


# The Vietnamese names as sheets write them (the UI labels are translated separately).
ITEM_KIND_VI = {
    ItemKind.LANGUAGE: "Đào tạo ngoại ngữ",
    ItemKind.VOCATIONAL: "Đào tạo nghề",
    ItemKind.ORIENTATION: "Bồi dưỡng kiến thức cần thiết",
    ItemKind.HEALTH: "Khám sức khỏe",
    ItemKind.PAPERS: "Lệ phí hộ chiếu, thị thực, lý lịch tư pháp",
    ItemKind.TRAVEL: "Tiền đi lại",
    ItemKind.LIVING: "Tiền ăn, ở trong thời gian đào tạo",
}


class LoanStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    DISBURSED = "disbursed", _("Disbursed")
    REPAYING = "repaying", _("Repaying")
    REPAID = "repaid", _("Repaid")
    OVERDUE = "overdue", _("Overdue")


LOAN_STATUS_VI = {
    LoanStatus.APPLIED: "Đã nộp hồ sơ", LoanStatus.DISBURSED: "Đã giải ngân", LoanStatus.REPAYING: "Đang trả nợ",
    LoanStatus.REPAID: "Đã trả hết", LoanStatus.OVERDUE: "Quá hạn",
}


class PolicyQuerySet(models.QuerySet):
    def visible_to(self, user) -> PolicyQuerySet:
        """Policies of the user's unit, of the units above it, and of the units below it; for a 2025 user also
        those of the legacy units they inherited and of the units above those (the history they took over)."""
        return scope_filter(self, user, field="unit", above=True)


class Policy(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=255)
    unit = models.ForeignKey(Unit, verbose_name=_("unit running the policy"), on_delete=models.PROTECT,
                             related_name="support_policies",
                             help_text=_("The policy covers the workers living in this unit and below it."))
    legal_basis = models.CharField(_("legal basis"), max_length=12, choices=LegalBasis.choices)
    legal_reference = models.CharField(_("legal reference"), max_length=500, blank=True,
                                       help_text=_("E.g. Decision 90/QĐ-TTg, Resolution 12/2024/NQ-HĐND."))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    eligible_statuses = models.ManyToManyField(HouseholdStatus, verbose_name=_("eligible household statuses"),
                                               blank=True, related_name="+")
    admits_ethnic_minority = models.BooleanField(_("ethnic minority workers are eligible"), default=False)
    active = models.BooleanField(_("active"), default=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("support policy")
        verbose_name_plural = _("support policies")
        ordering = ["-valid_from", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="policy_valid_to_after_from"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class PolicyItem(models.Model):
    """An item a policy pays. ``cap`` is the cap of its latest version (the caps of each version are
    ``PolicyCap`` rows: a payment is checked against the version in force on its date)."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("item"), max_length=12, choices=ItemKind.choices)
    cap = models.PositiveBigIntegerField(_("cap per worker (đồng)"))

    class Meta:
        verbose_name = _("policy item")
        verbose_name_plural = _("policy items")
        ordering = ["policy", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="policy_item_unique_kind"),
            models.CheckConstraint(condition=Q(cap__gt=0), name="policy_item_cap_positive"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def name_vi(self) -> str:
        return ITEM_KIND_VI[self.kind]


class PolicyVersion(models.Model):
    """The caps of a policy from a date on, until the next version: a payment is checked against, and keeps, the
    version in force on its date (``Payment.version``). A version starts after the last payment recorded before it,
    so no past payment ever changes version; the latest version may be corrected in place, never below what was
    already paid under it (``support.services.policy_update``)."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    valid_from = models.DateField(_("in force from"))
    legal_reference = models.CharField(_("decision"), max_length=500, blank=True,
                                       help_text=_("The decision that set these caps."))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique_number"),
            models.UniqueConstraint(fields=["policy", "valid_from"], name="policy_version_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.number}"


class PolicyCap(models.Model):
    """The cap per worker of one item in one version of a policy (an item a version does not pay has no row)."""

    version = models.ForeignKey(PolicyVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="caps")
    item = models.ForeignKey(PolicyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="caps")
    cap = models.PositiveBigIntegerField(_("cap per worker (đồng)"))

    class Meta:
        verbose_name = _("policy cap")
        verbose_name_plural = _("policy caps")
        ordering = ["version", "item__kind"]
        constraints = [
            models.UniqueConstraint(fields=["version", "item"], name="policy_cap_unique_item"),
            models.CheckConstraint(condition=Q(cap__gt=0), name="policy_cap_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.item}: {self.cap}"


class PolicyBudget(models.Model):
    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.PositiveBigIntegerField(_("budget (đồng)"))

    class Meta:
        verbose_name = _("policy budget")
        verbose_name_plural = _("policy budgets")
        ordering = ["policy", "year"]
        constraints = [models.UniqueConstraint(fields=["policy", "year"], name="policy_budget_unique_year")]

    def __str__(self) -> str:
        return f"{self.policy.code} {self.year}"


class Payment(models.Model):
    SCOPE_FIELD = "worker__unit"

    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="payments")
    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="payments")
    # The version in force on the payment's date, whose caps it was checked against (empty: written in bulk by the
    # synthetic data, read as the version in force on its date).
    version = models.ForeignKey(PolicyVersion, verbose_name=_("policy version"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="payments")
    date = models.DateField(_("date"))
    decision_no = models.CharField(_("decision number"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("support payment")
        verbose_name_plural = _("support payments")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "policy", "date", "decision_no"], name="payment_natural_key"),
        ]
        indexes = [models.Index(fields=["policy", "date"], name="payment_policy_date"),
                   models.Index(fields=["date"], name="payment_date")]

    def __str__(self) -> str:
        return f"{self.worker} – {self.policy.code} ({self.date:%d/%m/%Y})"


class PaymentLine(models.Model):
    SCOPE_FIELD = "payment__worker__unit"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(PolicyItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="lines")
    amount = models.PositiveBigIntegerField(_("amount (đồng)"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["payment", "item__kind"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "item"], name="payment_line_one_per_item"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_amount_positive"),
        ]


class LoanEligibility(models.Model):
    """A group the VBSP lends to for working abroad (kept as data, edited in /admin/)."""

    household_status = models.OneToOneField(HouseholdStatus, verbose_name=_("household status"),
                                            on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("group eligible for a VBSP loan")
        verbose_name_plural = _("groups eligible for a VBSP loan")

    def __str__(self) -> str:
        return str(self.household_status)


class Loan(models.Model):
    SCOPE_FIELD = "worker__unit"

    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="loans")
    amount = models.PositiveBigIntegerField(_("amount (đồng)"))
    date = models.DateField(_("disbursement date"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.DISBURSED)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("VBSP loan")
        verbose_name_plural = _("VBSP loans")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "date", "amount"], name="loan_natural_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="loan_term_positive"),
        ]
        indexes = [models.Index(fields=["date"], name="loan_date")]

    def __str__(self) -> str:
        return f"{self.worker} – {self.amount} ({self.date:%d/%m/%Y})"
