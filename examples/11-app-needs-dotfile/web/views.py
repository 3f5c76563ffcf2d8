from django.conf import settings
from django.http import HttpResponse


def index(request):
    return HttpResponse(f"{settings.SITE_NAME}\n", content_type="text/plain")


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
