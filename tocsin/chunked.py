"""Chunked request bodies, read like any other.

gunicorn decodes `Transfer-Encoding: chunked` and marks the input as terminated (the WSGI
`wsgi.input_terminated` flag), but Django reads a body without a Content-Length as empty: an
alert posted by a client that streams its body would look like `null`, and a heartbeat's failure
report like a plain ping. This middleware reads such a body (at most one byte past
DATA_UPLOAD_MAX_MEMORY_SIZE) and gives the request the Content-Length it would have had, so
everything after it, size limits included, treats both kinds of request alike.
"""

import io

from django.conf import settings


class ChunkedBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if (
            not meta.get("CONTENT_LENGTH")
            and meta.get("wsgi.input_terminated")
            and "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
        ):
            body = meta["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            # Past the limit the declared length is too: the usual 413 or 400 follows.
            meta["CONTENT_LENGTH"] = str(len(body))
            request._stream = io.BytesIO(body)
        return self.get_response(request)
