"""REST framework routers in the root URLconf and the apps it includes
(optimizer/settings.url_paths, the probes' literal paths).

acunathink/CityShop (round 13): the root URLconf routes `admin/` and
`re_path(r'', include(cityshop_router.urls))` with `cityshop_router.register(r'city', ...)` and
`register(r'shop', ...)`; verify probed only `/` and `/admin/login/`, neither of which reads the
database, and passed on those. QaShah07/Segwise_backend's app URLconf (included under `api/`)
does `path('', include(router.urls))` the same way.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.settings import ModuleFinder, url_paths

ROOT = """\
from django.urls import include, path, re_path
from rest_framework import routers
from rest_framework.routers import DefaultRouter
from api.views import A, B, C

router = DefaultRouter()
router.register(r'city', A)
router.register(r'city/(?P<city_id>[\\d]+)/street', B, basename='streets')
router.register('shop', C)
flat = routers.SimpleRouter(trailing_slash=False)
flat.register(r'^items', C)
other = DefaultRouter()
other.register('unused', C)

urlpatterns = [
    path('admin/', admin.site.urls),
    path('api/', include('app.urls')),
    re_path(r'', include(router.urls)),
] + flat.urls
"""
APP = """\
from django.urls import include, path
from rest_framework.routers import DefaultRouter
router = DefaultRouter()
router.register(r'subscriptions', V, basename='subscription')
urlpatterns = [path('', include(router.urls)), path('health/', h)]
"""


def test_router_registrations_are_literal_paths(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "urls.py").write_text(ROOT)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "urls.py").write_text(APP)
    paths = url_paths(ModuleFinder(tmp_path, "."), "config.urls")
    # The URLconfs' own literal paths first, then the routers' (the probes take the first few).
    assert paths == (
        "/admin/", "/api/health/", "/api/subscriptions/", "/city/", "/shop/", "/items",
    ), paths
