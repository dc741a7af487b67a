from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


class LoginTests:
    def test_login_then_home_then_logout(self, users, client):
        response = client.post(reverse("login"), {"username": "t_ninhson", "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == reverse("home")
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("logout"))
        assert client.get(reverse("home")).status_code == 302

    def test_repeated_wrong_passwords_lock_the_account(self, users, client, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = client.post(reverse("login"), {"username": "t_ninhson", "password": "wrong"})
        assert response.status_code == 429
        assert "tạm thời bị khoá" in response.content.decode()
        # Even the right password is refused while locked out.
        response = client.post(reverse("login"), {"username": "t_ninhson", "password": PASSWORD})
        assert response.status_code == 429
        assert client.get(reverse("home")).status_code == 302

    def test_a_wrong_password_shows_an_error_on_the_form(self, users, client):
        response = client.post(reverse("login"), {"username": "t_ninhson", "password": "wrong"})
        assert response.status_code == 200
        assert response.context["form"].errors

    def test_password_change_validates_the_new_password(self, users, client_for):
        client = client_for(users.official_a)
        response = client.post(reverse("password_change"), {
            "old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
        assert response.status_code == 200 and response.context["form"].errors.get("new_password2")
        response = client.post(reverse("password_change"), {
            "old_password": PASSWORD, "new_password1": "Moi-mat-khau-2026", "new_password2": "Moi-mat-khau-2026"})
        assert response.status_code == 302
        users.official_a.refresh_from_db()
        assert users.official_a.check_password("Moi-mat-khau-2026")


class LanguageTests:
    def test_vietnamese_is_the_default_and_english_is_one_click_away(self, users, client_for):
        client = client_for(users.official_a)
        assert "Đăng xuất" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        body = client.get(reverse("home")).content.decode()
        assert "Log out" in body and "Đăng xuất" not in body

    def test_every_message_has_its_vietnamese_and_the_mo_file_is_current(self):
        import polib

        from portal.management.commands.compile_translations import catalogs

        assert catalogs()
        for po_path in catalogs():
            po = polib.pofile(str(po_path))
            assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()][:5]
            assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()][:5]
            mo = polib.mofile(str(po_path.with_suffix(".mo")))
            compiled = {(e.msgid, e.msgstr) for e in mo}
            wanted = {(e.msgid, e.msgstr) for e in po.translated_entries() if not e.msgid_plural}
            assert wanted <= compiled, "run `manage.py compile_translations`"
