from django.http import HttpResponse


def index(request):
    return HttpResponse("dj-optimize example 12-pep621\n", content_type="text/plain")


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
