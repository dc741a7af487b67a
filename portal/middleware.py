from __future__ import annotations


class VietnameseFirstMiddleware:
    """Serve Vietnamese unless the user chose another language with the switch.

    Browsers in government offices often announce English; the portal is
    Vietnamese first, so the Accept-Language header is not consulted — only
    the language cookie set by the switch (django.views.i18n.set_language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
