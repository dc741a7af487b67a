"""Documents attached to a case: checked by their content with real files of each type, kept outside the web
root, served only to those who open the case and see its complainant."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services
from complaints.attachments import check_attachment
from complaints.models import Attachment, CaseAccess
from tests.complaints.files import docx_bytes, image_bytes, pdf_bytes, zip_bytes

pytestmark = pytest.mark.usefixtures("english")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def stored_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class ContentCheckTests:
    @pytest.mark.parametrize("name, data, kind", [
        ("bien-nhan.pdf", pdf_bytes(), "pdf"), ("anh-chup.png", image_bytes("PNG"), "png"),
        ("anh-chup.jpg", image_bytes("JPEG"), "jpeg"), ("ANH.JPEG", image_bytes("JPEG"), "jpeg"),
    ])
    def test_real_pdf_png_and_jpeg_files_are_accepted(self, name, data, kind):
        checked = check_attachment(upload(name, data))
        assert (checked.kind, checked.size, checked.original_name) == (kind, len(data), name)

    @pytest.mark.parametrize("name, data, expected", [
        ("bien-nhan.png", pdf_bytes(), "The name says PNG but the content is PDF"),
        ("anh.pdf", image_bytes("PNG"), "The name says PDF but the content is PNG"),
        ("anh.png", image_bytes("JPEG"), "The name says PNG but the content is JPEG"),
        ("ho-so.pdf", zip_bytes(), "archive"),
        ("don.pdf", docx_bytes(), "archive"),
        ("anh.jpg", image_bytes("JPEG") + zip_bytes(), "archive"),  # a picture with a zip glued behind it
        ("don.pdf", "Đơn khiếu nại\n".encode("utf-8") * 50, "not a PDF, JPEG or PNG"),
        ("virus.jpg", b"MZ\x90\x00" + b"\x00" * 200, "not a PDF, JPEG or PNG"),
        ("anh.jpg", image_bytes("JPEG", (400, 300))[:600], "damaged or incomplete"),
        ("bien-nhan.pdf", pdf_bytes()[:200], "damaged or incomplete"),
        ("don.docx", docx_bytes(), "Only PDF, JPEG and PNG files"),
        ("ho-so.zip", zip_bytes(), "Only PDF, JPEG and PNG files"),
        ("anh.gif", b"GIF89a" + b"\x00" * 50, "Only PDF, JPEG and PNG files"),
    ])
    def test_a_file_that_is_not_what_its_name_says_is_refused(self, name, data, expected):
        with pytest.raises(ValidationError) as exc:
            check_attachment(upload(name, data))
        assert expected in " ".join(exc.value.messages)

    def test_an_empty_file_and_a_file_over_the_limit_are_refused(self, settings):
        with pytest.raises(ValidationError, match="empty"):
            check_attachment(upload("a.pdf", b""))
        settings.ATTACHMENT_MAX_BYTES = 2048
        with pytest.raises(ValidationError, match="too large"):
            check_attachment(upload("big.png", image_bytes("PNG", (800, 800)) + b"\x00" * 4096))

    def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded(self, monkeypatch):
        monkeypatch.setattr("complaints.attachments.MAX_PIXELS", 100)
        with pytest.raises(ValidationError, match="too large"):
            check_attachment(upload("anh.png", image_bytes("PNG", (20, 20))))

    def test_the_name_loses_any_folder(self):
        assert check_attachment(upload("../../etc/bien nhan.pdf", pdf_bytes())).original_name == "bien nhan.pdf"


class AttachmentServiceTests:
    def test_a_document_is_kept_under_a_name_of_our_own_outside_the_web_root(self, make_case, settings):
        case = make_case()
        attachment = services.attachment_add(user=None, case=case, upload=upload("Biên nhận.pdf", pdf_bytes()))
        files = stored_files(settings)
        assert len(files) == 1 and files[0].suffix == ".pdf" and "Biên" not in files[0].name
        assert files[0].read_bytes() == pdf_bytes()
        assert (attachment.original_name, attachment.kind) == ("Biên nhận.pdf", "pdf")
        assert not str(files[0]).startswith(str(settings.STATIC_ROOT))
        assert not str(files[0]).startswith(str(settings.MEDIA_ROOT))
        with pytest.raises(ValueError):
            _ = attachment.file.url  # no public address

    def test_a_refused_file_saves_nothing(self, make_case, settings):
        case = make_case()
        with pytest.raises(ValidationError) as exc:
            services.attachment_add(user=None, case=case, upload=upload("don.pdf", zip_bytes()))
        assert list(exc.value.message_dict) == ["file"]
        assert Attachment.objects.count() == 0 and stored_files(settings) == []

    def test_the_same_file_is_attached_once_to_a_case(self, make_case, settings):
        case = make_case()
        services.attachment_add(user=None, case=case, upload=upload("a.pdf", pdf_bytes()))
        with pytest.raises(ValidationError, match="already attached"):
            services.attachment_add(user=None, case=case, upload=upload("b.pdf", pdf_bytes()))
        assert len(stored_files(settings)) == 1


class AttachmentViewTests:
    def test_the_handling_unit_uploads_and_downloads_with_safe_headers(self, make_case, units, users, client_for,
                                                                       settings):
        case = make_case(units.a)
        client = client_for(users.official_a)
        response = client.post(f"/complaints/{case.pk}/attachments/",
                               {"file": upload("anh-bien-nhan.png", image_bytes("PNG")), "description": "Biên nhận"})
        assert response.status_code == 302
        attachment = Attachment.objects.get()
        response = client.get(f"/complaints/attachments/{attachment.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == image_bytes("PNG")
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert CaseAccess.objects.filter(case=case, user=users.official_a, full=True).count() == 1

    def test_a_wrong_file_through_the_screen_is_refused_beside_the_field(self, make_case, units, users, client_for,
                                                                         settings):
        case = make_case(units.a)
        response = client_for(users.official_a).post(f"/complaints/{case.pk}/attachments/",
                                                     {"file": upload("don.pdf", image_bytes("JPEG"))})
        assert response.status_code == 200
        assert "The name says PDF but the content is JPEG" in " ".join(response.context["form"].errors["file"]) or \
            "Tên tệp là PDF" in " ".join(response.context["form"].errors["file"])
        assert Attachment.objects.count() == 0 and stored_files(settings) == []

    def test_another_unit_and_those_who_do_not_see_the_complainant_get_404(self, make_case, units, users, client_for):
        case = make_case(units.a)
        attachment = services.attachment_add(user=None, case=case, upload=upload("a.pdf", pdf_bytes()))
        url = f"/complaints/attachments/{attachment.pk}/"
        for user in (users.official_b, users.viewer, users.nobody):
            assert client_for(user).get(url).status_code == 404, user
        assert client_for(users.province).get(url).status_code == 200
        commune_case = make_case(units.commune_a)
        hidden = services.attachment_add(user=None, case=commune_case, upload=upload("a.pdf", pdf_bytes("commune")))
        # The district above a commune's case opens the case but not who complains, so not its documents.
        assert client_for(users.official_a).get(f"/complaints/{commune_case.pk}/").status_code == 200
        assert client_for(users.official_a).get(f"/complaints/attachments/{hidden.pk}/").status_code == 404

    def test_a_removed_document_leaves_the_disk_once_committed(self, make_case, units, users, client_for, settings,
                                                               django_capture_on_commit_callbacks):
        case = make_case(units.a)
        attachment = services.attachment_add(user=None, case=case, upload=upload("a.pdf", pdf_bytes()))
        client = client_for(users.official_a)
        assert client.get(f"/complaints/attachments/{attachment.pk}/remove/").status_code == 405
        assert client_for(users.official_b).post(f"/complaints/attachments/{attachment.pk}/remove/").status_code == 404
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/complaints/attachments/{attachment.pk}/remove/")
        assert response.status_code == 302
        assert Attachment.objects.count() == 0 and stored_files(settings) == []
