from django.http import HttpResponseBadRequest, JsonResponse

from portal.api.errors import envelope

API_PATH = "/api/"
NUL_MESSAGE = "NUL bytes are not allowed in URLs."


class RejectNulBytesMiddleware:
    """400 for a NUL byte in the path or the query string. PostgreSQL cannot store or compare one, so
    no valid request carries it, and every filter, lookup and admin page (ours and third parties') would
    otherwise turn it into a database error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in name or any("\x00" in value for value in values) for name, values in request.GET.lists()
        ):
            if request.path_info.startswith(API_PATH):  # integrations get the API's error envelope
                body = envelope(request, status_code=400, message=NUL_MESSAGE)
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE)
        return self.get_response(request)
