"""The web app's routes: a JSON API over the store and the pages that use it.

Every endpoint calls the store methods the CLI calls (lookup, documents, edits, the TMX export); the app adds
no logic of its own. The store is held by a :class:`.served.Served`: read without a lock, changed under the
writer lock one edit at a time, so a build beside the server proceeds; its work runs in worker threads, one
request at a time on the store, so a long request never stalls the event loop (pages, static files).

Safety, as a local server should have it (:class:`Guard`): every page and API request carries the server's
random token (the URL printed at start has it; the first page sets it as a cookie); a server bound to a
loopback address answers only to that address (and ``localhost`` for 127.0.0.1 and ::1): no DNS rebinding;
request bodies are a few KB at most, refused before more is read; every response says
``Content-Security-Policy`` (own scripts and styles only, no frames), ``X-Frame-Options: DENY`` and
``nosniff``. Segment text reaches the page as JSON and is put into it as text, never as markup; requests
that change the store are POSTs with a JSON body whose ``Origin`` (when the browser sends one) is the app's
own; only documents of the store can be read, by their number.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import secrets
import socket
import sys
import tempfile
from html import escape as _escape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from align.errors import InputError, TmbuildError

from ..review import EditError, StaleEdit
from ..store import MAX_K, MODES, NotFound, Store
from .served import RETRY_AFTER, Busy, Served

STATIC = Path(__file__).with_name("static")
DEFAULT_PORT = 8731
MAX_QUERY = 2_000  # characters of a search query
MAX_BODY = 16 * 1024  # bytes of a request body (an edit is a few hundred)
MAX_JSON_DEPTH = 16  # nesting of a request's JSON (an edit has 4 levels)
MAX_DOC_DIGITS = 12  # a document number has at most this many digits
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # the token in a page's URL never leaves in a Referer
]


def create_app(source: Store | Served, *, host: str = "127.0.0.1", token: str | None = None,
               port: int | None = None) -> Starlette:
    """The app over a served store folder (:meth:`Served.open`), or an open store used as it is (writable for
    edits; a read-only store is searched and shown). ``host`` is the address the server is bound to;
    ``token``, when given, is required on every request (:class:`Guard`); ``port`` names its cookie (cookies
    do not tell ports apart)."""
    served = source if isinstance(source, Served) else Served(source)

    async def read(fn):
        return await run_in_threadpool(served.read, fn)

    async def write(fn):
        return await run_in_threadpool(served.write, fn)

    def page(name: str):
        async def endpoint(request: Request) -> Response:
            return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})
        return endpoint

    async def status(request: Request) -> Response:
        def answer(store: Store) -> dict:
            s = store.stats()
            return {"store": str(store.path), "documents": s.documents, "pairs": s.pairs, "embedder": s.embedder,
                    "writable": served.can_write, "notes": store.notes}

        return JSONResponse(await read(answer))

    async def search(request: Request) -> Response:
        q = request.query_params
        text = q.get("q", "").strip()
        if len(text) > MAX_QUERY:
            raise InputError(f"the query is {len(text)} characters; at most {MAX_QUERY}")
        k = _number(q.get("k", "20"), "k", int, 1, MAX_K)
        mode = q.get("mode", "auto")
        if mode not in MODES:
            raise InputError(f"mode is one of {', '.join(MODES)}, not {mode!r}")
        kw = {}
        if "min_similarity" in q:
            kw["min_similarity"] = _number(q["min_similarity"], "min_similarity", float, -1.0, 1.0)
        if not text:
            return JSONResponse({"query": "", "counts": {}, "renderings": [], "hits": []})
        def answer(store: Store) -> dict:
            found = store.lookup(text, k=k, lang=q.get("lang", "auto"), mode=mode, **kw).as_dict()
            docs = store.pair_documents([h["pair_id"] for h in found["hits"]])
            for h in found["hits"]:
                h["document_id"] = docs.get(h["pair_id"])
            return found

        return JSONResponse(await read(answer))

    async def documents(request: Request) -> Response:
        return JSONResponse({"documents": await read(lambda store: store.documents())})

    async def document(request: Request) -> Response:
        doc_id = _doc_id(request)
        def answer(store: Store) -> dict:
            return store.document(doc_id) | {"writable": served.can_write}  # the server's store is read between edits

        return JSONResponse(await read(answer))

    async def edit(request: Request) -> Response:
        doc_id = _doc_id(request)
        body = await _json_body(request)
        return JSONResponse(await write(lambda store: store.edit(doc_id, body)))

    async def undo(request: Request) -> Response:
        doc_id = _doc_id(request)
        await _json_body(request, required=False)
        return JSONResponse(await write(lambda store: store.undo(doc_id)))

    async def export_tmx(request: Request) -> Response:
        from ..transfer import export_tmx as export

        reviewed = request.query_params.get("reviewed_only", "") in ("1", "true", "yes")
        name = f"{served.path.name or 'store'}{'-reviewed' if reviewed else ''}.tmx"
        return await read(lambda store: _download(lambda path: export(store, path, reviewed_only=reviewed),
                                                  "application/x-tmx+xml", name))

    term_lists: dict[tuple, list] = {}  # extracted candidates by (lang, limit, database generation)

    async def terms_list(request: Request) -> Response:
        from ..terms import candidates, decisions, with_decisions

        q = request.query_params
        src, tgt = served.store.src_lang, served.store.tgt_lang  # fixed when the store was created
        lang = q.get("lang", src.split("-")[0])
        if lang not in (src.split("-")[0], tgt.split("-")[0]):
            raise InputError(f"lang is {src} or {tgt}, not {lang[:20]!r}")
        limit = _number(q.get("limit", "100"), "limit", int, 1, 1000)

        def answer(store: Store) -> dict:
            key = (lang, limit, str(store.path), store.stats().generation)
            if key not in term_lists:  # the candidates depend on the pairs alone; decisions are read every time
                term_lists.clear()
                term_lists[key] = candidates(store, lang, limit=limit)
            found = with_decisions(store, term_lists[key], lang)
            statuses = [d[0] for d in decisions(store, lang).values()]
            return {"terms": [c.as_dict() for c in found], "accepted": statuses.count("accepted"),
                    "rejected": statuses.count("rejected")}

        return JSONResponse(await read(answer))

    async def terms_decide(request: Request) -> Response:
        from ..terms import decide

        body = await _json_body(request)
        return JSONResponse(await write(lambda store: decide(store, body.get("lang", ""), body.get("term"),
                                                             body.get("target"), body.get("status", ""))))

    async def terms_tbx(request: Request) -> Response:
        from ..terms import accepted, write_tbx

        return await read(lambda store: _download(
            lambda path: write_tbx(accepted(store), path, store.src_lang, store.tgt_lang),
            "application/x-tbx+xml", f"{store.path.name or 'store'}-terms.tbx"))

    async def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Busy):  # a build holds the store: the page says so and the user tries again
            return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": str(RETRY_AFTER)})
        code = (404 if isinstance(exc, NotFound) else 409 if isinstance(exc, StaleEdit)
                else 403 if isinstance(exc, _Forbidden) else 400)
        return JSONResponse({"error": str(exc)}, status_code=code)

    async def broken(request: Request, exc: Exception) -> Response:
        # no request should reach this: said in one line on the server's stderr, answered without a traceback
        print(f"tmbuild serve: {request.method} {request.url.path}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return JSONResponse({"error": f"the server failed on this request ({type(exc).__name__})"}, status_code=500)

    routes = [
        Route("/", page("search.html")),
        Route("/documents", page("documents.html")),
        Route("/documents/{doc_id}", page("review.html")),
        Route("/terms", page("terms.html")),
        Route("/api/terms", terms_list),
        Route("/api/terms/decide", terms_decide, methods=["POST"]),
        Route("/api/terms.tbx", terms_tbx),
        Route("/api/status", status),
        Route("/api/search", search),
        Route("/api/documents", documents),
        Route("/api/documents/{doc_id}", document),
        Route("/api/documents/{doc_id}/edit", edit, methods=["POST"]),
        Route("/api/documents/{doc_id}/undo", undo, methods=["POST"]),
        Route("/api/export.tmx", export_tmx),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(Guard, hosts=allowed_hosts(host), token=token, port=port)]
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={TmbuildError: failed, Exception: broken})  # their subclasses too


def allowed_hosts(host: str) -> frozenset[str] | None:
    """The ``Host`` names a server bound to ``host`` answers to: a loopback address answers to itself alone
    (and ``localhost`` for 127.0.0.1 and ::1), whatever name a DNS record gives it; None (any name) for
    other addresses, which the token protects."""
    name = host.strip("[]").lower()
    if name == "localhost":
        name = "127.0.0.1"
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return None
    if not ip.is_loopback:
        return None
    literal = f"[{ip.compressed}]" if ip.version == 6 else ip.compressed
    return frozenset({literal, "localhost"} if ip.compressed in ("127.0.0.1", "::1") else {literal})


class Guard:
    """ASGI middleware in front of every route: the ``Host`` check, the token, the body limit, the security
    headers. A refused request gets a short JSON answer (4xx) and nothing of it reaches the app."""

    def __init__(self, app, hosts: frozenset[str] | None, token: str | None, port: int | None) -> None:
        self.app, self.hosts, self.token = app, hosts, token
        self.cookie = f"tmbuild-token-{port}" if port else "tmbuild-token"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

        async def secured(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if self.hosts is not None and name.lower() not in self.hosts:
            return await _refuse(secured, 400, f"this server answers to {' or '.join(sorted(self.hosts))}, not to "
                                               f"the host name {host!r}")
        set_cookie = False
        if self.token is not None:
            in_url = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
            auth = headers.get("authorization", "")
            given = auth.split(None, 1)[1].strip() if auth.lower().startswith(("token ", "bearer ")) else in_url
            cookie = SimpleCookie()
            try:
                cookie.load(headers.get("cookie", ""))
            except Exception:  # noqa: BLE001 - a malformed cookie header is no token
                pass
            held = cookie[self.cookie].value if self.cookie in cookie else None
            if not any(t is not None and hmac.compare_digest(t.encode(), self.token.encode()) for t in (given, held)):
                return await _refuse(secured, 403, "this server needs its token: open the URL that tmbuild serve "
                                                   "printed (with ?token=...), or send Authorization: token TOKEN",
                                     html="text/html" in headers.get("accept", ""))
            set_cookie = in_url is not None and given == in_url and held != in_url  # a page opened by its URL
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return await _refuse(secured, 413, f"the request body is over {MAX_BODY} bytes; an edit is smaller")
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY:
                    raise _TooLarge()
            return message

        async def answer(message) -> None:
            if set_cookie and message["type"] == "http.response.start":
                value = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", value.encode("latin-1"))]}
            await secured(message)

        try:
            await self.app(scope, limited, answer)
        except _TooLarge:
            await _refuse(secured, 413, f"the request body is over {MAX_BODY} bytes; an edit is smaller")


class _TooLarge(Exception):
    """A request body over the size the app accepts."""
    pass


async def _refuse(send, status: int, message: str, html: bool = False) -> None:
    """A refusal before the app: JSON for scripts, a one-line page for a browser that asked for a page."""
    if html:
        kind = b"text/html; charset=utf-8"
        body = (f'<!doctype html><meta charset="utf-8"><title>tmbuild</title><p>{_escape(message)}</p>'
                ).encode()
    else:
        kind = b"application/json"
        body = json.dumps({"error": message}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _download(write, media_type: str, filename: str) -> FileResponse:
    """A file written by ``write(path)`` into a temporary file, sent from the file (not read into memory) and
    removed once sent (or when writing fails)."""
    with tempfile.NamedTemporaryFile(suffix=Path(filename).suffix, delete=False) as f:
        path = Path(f.name)
    try:
        write(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(path, media_type=media_type, filename=filename,
                        background=BackgroundTask(path.unlink, missing_ok=True))


class _Forbidden(TmbuildError):
    """A change the app refuses to make for this request: from another origin, or not sent as JSON."""
    pass


def _doc_id(request: Request) -> int:
    raw = request.path_params["doc_id"]
    if not re.fullmatch(rf"[0-9]{{1,{MAX_DOC_DIGITS}}}", raw):  # ASCII digits: "²" is a digit to str.isdigit
        raise NotFound(f"no document {raw[:40]!r} in this store (documents are numbered)")
    return int(raw)


async def _json_body(request: Request, required: bool = True) -> dict:
    """The body of a state-changing request: JSON, from this app's own pages or from a script (a browser
    on another site can send neither this content type nor our origin)."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise _Forbidden(f"a request from {origin[:100]} may not change this store")
    is_json = request.headers.get("content-type", "").split(";")[0].strip() == "application/json"
    if not is_json and (required or request.headers.get("content-length", "0") != "0"):
        raise _Forbidden("send the edit as JSON (Content-Type: application/json)")  # before reading the body
    raw = await request.body()  # at most MAX_BODY bytes (Guard)
    if not raw and not required:
        return {}
    if _depth(raw) > MAX_JSON_DEPTH:
        raise EditError(f"the body nests deeper than {MAX_JSON_DEPTH} levels; an edit is a flat object")
    try:
        body = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise EditError(f"the body is not JSON ({str(e)[:100]})") from None
    if not isinstance(body, dict):
        raise EditError("the body is a JSON object")
    return body


def _depth(raw: bytes) -> int:
    """How deep ``[`` and ``{`` nest in ``raw`` (strings ignored), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for c in raw:
        if in_string:
            if escaped:
                escaped = False
            elif c == 0x5C:  # backslash
                escaped = True
            elif c == 0x22:
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif c in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _number(raw: str, name: str, kind: type, lo: float, hi: float):
    """A query parameter: ``kind`` (int or float) within [lo, hi]."""
    try:
        v = kind(raw)
    except ValueError:
        raise InputError(f"{name} is {'a whole number' if kind is int else 'a number'}, not {raw!r}") from None
    if not lo <= v <= hi:
        raise InputError(f"{name} is between {lo} and {hi}")
    return v


def open_for_serving(store_dir: Path, user: str | None = None) -> Served:
    """The store as ``tmbuild serve`` holds it (:class:`Served`): read-only, writable one edit at a time;
    a store that cannot be changed where it is is served read-only, said on stderr."""
    served = Served.open(store_dir, user)
    if not served.can_write:
        print(f"tmbuild: {store_dir}: the store is read-only here; serving it read-only (search and pages, no "
              "edits)", file=sys.stderr)
    return served


def serve(store_dir: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, ready=None, token: str | None = "",
          user: str | None = None) -> int:
    """Run the app until interrupted: the store and the model loaded once, the URL printed when it answers.
    ``token``: "" for a new random one, None for none (anyone who reaches the port may edit)."""
    import uvicorn

    if token == "":
        token = secrets.token_urlsafe(24)
    if token is not None and not re.fullmatch(r"[A-Za-z0-9_.~-]{8,200}", token):
        raise InputError("--token: 8 to 200 letters, digits, '-', '_', '.' or '~'")
    if token is None:
        print("tmbuild: serving without a token: anyone who can reach the port, other accounts of this machine "
              "included, can read and edit the store", file=sys.stderr)
    elif allowed_hosts(host) is None:
        print(f"tmbuild: serving on {host}: anyone who can reach this machine and has the URL can read and edit "
              "the store", file=sys.stderr)
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        raise InputError(f"cannot listen on {host}:{port} ({e.strerror}); give another --port or --host") from None
    store = open_for_serving(store_dir, user)
    try:
        store.read(lambda s: s.lookup("warm up", k=1, mode="semantic"))  # loads the model now, not on a query
        bound = sock.getsockname()[1]
        url = f"http://{'[' + host.strip('[]') + ']' if ':' in host else host}:{bound}/"
        if token:
            url += f"?token={token}"

        class Server(uvicorn.Server):
            """uvicorn's server, which says where it listens once it does."""
            async def startup(self, sockets=None) -> None:
                await super().startup(sockets)
                if self.started:
                    print(f"tmbuild serve: {url} ({store.path}; Ctrl-C stops)", flush=True)
                    if ready:
                        ready(url)

        config = uvicorn.Config(create_app(store, host=host, token=token, port=bound), log_level="warning",
                                lifespan="off")
        Server(config).run(sockets=[sock])
    finally:
        store.close()
    return 0
