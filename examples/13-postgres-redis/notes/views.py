from django.core.cache import cache
from django.http import HttpResponse

from notes.models import Note


def index(request):
    # Both the database (rows a migration wrote) and the cache (a round trip to Redis).
    visits = cache.get_or_set("greeting", "hello from redis")
    texts = ", ".join(Note.objects.order_by("id").values_list("text", flat=True))
    return HttpResponse(f"13-postgres-redis: {Note.objects.count()} notes ({texts}); {visits}\n",
                        content_type="text/plain")


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")
