"""Answers in Seam's error envelope, so a sender reads every refusal the same way."""

from django.http import JsonResponse


def error_response(status: int, *, type: str, message: str, validation_errors: dict | None = None):
    body = {"error": {"type": type, "message": message, "validation_errors": validation_errors or {}}}
    return JsonResponse({"ok": False, **body}, status=status)


def ok_response(**fields):
    return JsonResponse({"ok": True, **fields})
