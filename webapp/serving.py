"""gunicorn's configuration for Riskkarta (`gunicorn -c python:webapp.serving 'webapp:create_app()'`, as
`riskkarta serve` and docker-compose.yml run it).

gunicorn answers some requests itself, before the app sees them (a request line over its limit, broken headers):
those answers become problem+json like every other error here, and no response names the server software. The
request line may be up to gunicorn's maximum; the app itself refuses addresses over webapp.gate.MAX_URL with a 414."""
from __future__ import annotations

import json

import gunicorn.http.wsgi
import gunicorn.util

limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# A worker that does not answer within this many seconds is restarted (an import runs in its own process).
timeout = 60
graceful_timeout = 30
keepalive = 5
worker_class = "gthread"
threads = 4
accesslog = "-"
# The app logs one structured line per request (webapp/security.py); gunicorn's access log keeps the raw line.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error answers as problem+json (its HTML page otherwise)."""
    body = json.dumps({"type": f"urn:riskkarta:problem:{reason.lower().replace(' ', '-')}", "title": reason,
                       "status": status_int, "detail": mesg[:300] or reason}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\n\r\n").encode("latin-1")
    gunicorn.util.write_nonblock(sock, head + body)


def _headers_without_banner(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


_default_headers = gunicorn.http.wsgi.Response.default_headers
gunicorn.util.write_error = write_problem
gunicorn.http.wsgi.Response.default_headers = _headers_without_banner
