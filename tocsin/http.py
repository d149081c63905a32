"""The one JSON error body of Tocsin's HTTP answers: `{"error": {"code", "message", "field"}}`.

The REST API, the alert intake and the Telegram and Slack hooks all refuse with it (docs/api.md);
only PagerDuty's `/v2/enqueue` answers in PagerDuty's own words.
"""

from django.http import JsonResponse


def error_response(
    status: int, code: str, message: str, field: str | None = None, *, headers=None
) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JsonResponse(body, status=status, headers=headers)


class Refused(Exception):
    """A request turned away before anything is stored or done; `response()` says why."""

    def __init__(self, status: int, code: str, message: str, *, field=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field, self.headers = field, headers or {}

    def response(self) -> JsonResponse:
        return error_response(
            self.status, self.code, self.message, self.field, headers=self.headers
        )
