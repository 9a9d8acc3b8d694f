from rest_framework.routers import SimpleRouter

from accesscodes.api.views import AccessCodeViewSet

router = SimpleRouter()
router.register("access-codes", AccessCodeViewSet, basename="api-access-code")
urlpatterns = router.urls
