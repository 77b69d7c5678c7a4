"""Headers every answer of the console carries (plain ASGI, around the whole app).

`Vary: HX-Request`: a page and its htmx fragment share a URL, so a cache (the browser's back
button included) must keep them apart, or going back shows a bare fragment. Pages are
personal: `Cache-Control: no-store` keeps them out of every cache, so a page is not shown
again after sign-out. The content security policy allows only the console's own scripts and
styles (htmx's inline indicator styles are switched off in the page's htmx-config).
"""

from shared.correlation import ASGIApp, Message, Receive, Scope, Send

SECURITY = {
    b"content-security-policy": b"default-src 'self'; script-src 'self'; style-src 'self'; "
    b"img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}


# The tablet's service worker lives with the static files but controls the tablet's pages.
SERVICE_WORKER = "/static/tablet-sw.js"
SERVICE_WORKER_SCOPE = b"/tablet"
API_DOCS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


class PageHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        static = path.startswith("/static/")
        # FastAPI's API docs load Swagger UI from its CDN; the console's pages never do.
        policed = SECURITY if path not in API_DOCS else {}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers = [(k, v) for k, v in headers if k.lower() != b"vary"] + [
                    (b"vary", _vary(message.get("headers", [])))
                ]
                headers += list(policed.items())
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                if path == SERVICE_WORKER:
                    headers.append((b"service-worker-allowed", SERVICE_WORKER_SCOPE))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _vary(headers: list[tuple[bytes, bytes]]) -> bytes:
    """The answer's own Vary (Accept-Encoding, say) and HX-Request."""
    named = [value for key, value in headers if key.lower() == b"vary"]
    return b", ".join([*named, b"HX-Request"])
