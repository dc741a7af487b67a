"""Access to a new account: one-time links and printed codes expire and work once; the first login forces the
person to choose their own password; demo accounts are never forced."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import OneTimeCode
from accounts.roles import AccountRole

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "Mat-khau-rieng-2026"


@pytest.fixture
def fresh(admins, units):
    """A commune official just created by the provincial administrator of 58, without e-mail."""
    return services.account_create(by=admins.qt58, data=services.AccountData(
        username="xa.moi", full_name="Người Mới", email="", phone="", role=AccountRole.OFFICIAL, unit=units.commune_a))


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


class LinkTests:
    def link(self, admins, user) -> str:
        mail.outbox.clear()
        services.access_deliver(by=admins.qt58, users=[user], base_url="http://testserver/")
        return re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)

    def test_a_link_sets_the_password_once(self, admins, fresh):
        fresh.email = "moi@example.vn"
        fresh.save()
        path = self.link(admins, fresh)
        client = Client()
        form_url = client.get(path).url  # Django moves the token out of the address into the session
        assert client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
        fresh.refresh_from_db()
        assert fresh.check_password(NEW_PASSWORD) and not fresh.account_profile.must_change_password
        again = Client().get(path, follow=True)
        assert again.context["validlink"] is False
        # Having chosen a password, the person is not asked to change it again.
        client = Client()
        assert login(client, "xa.moi", NEW_PASSWORD).status_code == 302
        assert client.get(reverse("home")).status_code == 200

    def test_a_link_expires(self, admins, fresh, monkeypatch, settings):
        fresh.email = "moi@example.vn"
        fresh.save()
        path = self.link(admins, fresh)
        later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
        monkeypatch.setattr(default_token_generator, "_now", lambda: later)
        assert Client().get(path, follow=True).context["validlink"] is False

    def test_a_deactivated_accounts_link_does_not_work(self, admins, fresh):
        fresh.email = "moi@example.vn"
        fresh.save()
        path = self.link(admins, fresh)
        services.account_deactivate(by=admins.qt58, user=fresh)
        assert Client().get(path, follow=True).context["validlink"] is False


class CodeTests:
    def code(self, admins, user) -> str:
        return services.access_deliver(by=admins.qt58, users=[user], base_url="http://testserver/")[0].code

    def test_a_code_logs_in_once_and_forces_a_new_password(self, admins, fresh):
        code = self.code(admins, fresh)
        assert OneTimeCode.objects.get().code_hash != code.replace("-", "")  # kept hashed
        client = Client()
        assert login(client, "xa.moi", code.lower()).status_code == 302
        blocked = client.get(reverse("workers:worker_list"))
        assert blocked.status_code == 302 and blocked.url == reverse("password_change")
        page = client.get(reverse("password_change"))
        assert "old_password" not in page.context["form"].fields and page.context["password_change_required"]
        assert client.post(reverse("password_change"), {"new_password1": NEW_PASSWORD,
                                                        "new_password2": NEW_PASSWORD}).status_code == 302
        assert client.get(reverse("workers:worker_list")).status_code == 200
        assert login(Client(), "xa.moi", code).status_code == 200  # used: the login page again
        fresh.refresh_from_db()
        assert fresh.check_password(NEW_PASSWORD)

    def test_a_code_expires(self, admins, fresh):
        code = self.code(admins, fresh)
        OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        assert login(Client(), "xa.moi", code).status_code == 200

    def test_a_new_code_replaces_the_old_one(self, admins, fresh):
        old = self.code(admins, fresh)
        new = self.code(admins, fresh)
        assert login(Client(), "xa.moi", old).status_code == 200
        assert login(Client(), "xa.moi", new).status_code == 302

    def test_five_wrong_codes_burn_the_live_one(self, admins, fresh, settings):
        settings.AXES_ENABLED = False  # the portal's lockout would stop the tries first; here: the code's own count
        code = self.code(admins, fresh)
        for _try in range(5):
            assert not services.one_time_code_redeem(user=fresh, code="AAAAA-AAAAA")
        assert not services.one_time_code_redeem(user=fresh, code=code)


class ResetTests:
    def test_a_reset_blocks_the_old_password_and_prints_a_code(self, admins, users, client_for):
        client = client_for(admins.qt58)
        response = client.post(reverse("accounts:user_reset", args=[users.official_a.pk]), {"block_current": "on"})
        assert response.status_code == 302 and response.url == reverse("accounts:codes")
        users.official_a.refresh_from_db()
        assert not users.official_a.has_usable_password()
        code = client.get(reverse("accounts:codes")).context["codes"][0]["code"]
        assert login(Client(), users.official_a.username, code).status_code == 302

    def test_a_reset_of_an_account_with_email_sends_the_link(self, admins, users, client_for):
        users.official_a.email = "ninhson@example.vn"
        users.official_a.save()
        client_for(admins.qt58).post(reverse("accounts:user_reset", args=[users.official_a.pk]), {})
        assert mail.outbox[0].to == ["ninhson@example.vn"]
        users.official_a.refresh_from_db()
        assert users.official_a.has_usable_password()  # not blocked: the box was left unticked


class DemoAccountTests:
    def test_demo_accounts_are_not_forced_to_change_their_password(self):
        from accounts.demo import load as load_accounts
        from portal.demo import DEMO_PASSWORD, load_demo_accounts, load_demo_units

        load_demo_units()
        load_demo_accounts()
        load_accounts()
        for username in ("tinh", "qtkhanhhoa", "nhatrang"):
            client = Client()
            assert login(client, username, DEMO_PASSWORD).status_code == 302
            assert client.get(reverse("workers:worker_list")).status_code == 200, username

    def test_the_demo_loads_twice_without_change(self):
        from accounts.demo import load as load_accounts
        from portal.demo import load_demo_accounts, load_demo_units

        load_demo_units()
        load_demo_accounts()
        assert "2" in load_accounts()
        before = list(User.objects.order_by("pk").values_list("username", "last_login", "password"))
        assert load_accounts() == "accounts created 0"
        assert list(User.objects.order_by("pk").values_list("username", "last_login", "password")) == before
