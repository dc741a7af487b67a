"""Errors are pages a person can read: in Vietnamese, inside the portal's layout."""
from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error


class ErrorPageTests:
    def test_a_missing_page_is_a_vietnamese_page_with_the_menu(self, users, client_for):
        response = client_for(users.official_a).get("/khong-co-trang-nay/")
        body = response.content.decode()
        assert response.status_code == 404 and 'data-testid="error-404"' in body
        assert "Không tìm thấy trang" in body and 'data-menu="targets"' in body and 'data-testid="bell"' in body

    def test_another_units_object_says_so_in_vietnamese(self, users, units, client_for):
        response = client_for(users.official_a).get(f"/units/{units.commune_b.pk}/")
        assert response.status_code == 404 and "ngoài phạm vi của bạn" in response.content.decode()

    def test_a_refused_action_names_the_role(self, users, client_for):
        response = client_for(users.viewer).post("/targets/figures/import/")
        body = response.content.decode()
        assert response.status_code == 403 and "Bạn không có quyền thực hiện thao tác này" in body
        assert "Lãnh đạo" in body  # the viewer's role, in words

    @pytest.mark.django_db
    def test_the_server_error_page_renders_without_a_request_context_or_the_database(
            self, django_assert_max_num_queries):
        request = RequestFactory().get("/")
        with django_assert_max_num_queries(0):
            response = server_error(request)
        body = response.content.decode()
        assert response.status_code == 500 and 'data-testid="error-500"' in body
        assert "Hệ thống gặp sự cố" in body and 'class="navbar' in body  # the portal's frame
