"""The web app's routes: a JSON API over the store and the pages that use it.

Every endpoint calls the store methods the CLI calls (lookup, documents, edits, the TMX export); the app adds
no logic of its own. Handlers are coroutines that run one at a time on the server's event loop, so the one
store connection is never used by two requests at once.

Safety: segment text reaches the page as JSON and is put into it as text, never as markup; requests that
change the store are POSTs with a JSON body whose ``Origin`` (when the browser sends one) is the app's own,
and a server bound to the loopback address answers only to loopback host names (no DNS rebinding); only
documents of the store can be read, by their number.
"""

from __future__ import annotations

import json
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from align.errors import InputError, TmbuildError

from ..review import EditError, StaleEdit
from ..store import MAX_K, MODES, NotFound, Store, StoreBusy, StoreReadOnly

STATIC = Path(__file__).with_name("static")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
DEFAULT_PORT = 8731
MAX_QUERY = 2_000  # characters of a search query


def create_app(store: Store, *, host: str = "127.0.0.1") -> Starlette:
    """The app over an open store (writable for edits; a read-only store is searched and shown)."""

    def page(name: str):
        async def endpoint(request: Request) -> Response:
            return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})
        return endpoint

    async def status(request: Request) -> Response:
        s = store.stats()
        return JSONResponse({"store": str(store.path), "documents": s.documents, "pairs": s.pairs,
                             "embedder": s.embedder, "writable": not store.readonly, "notes": store.notes})

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
        found = store.lookup(text, k=k, lang=q.get("lang", "auto"), mode=mode, **kw).as_dict()
        docs = store.pair_documents([h["pair_id"] for h in found["hits"]])
        for h in found["hits"]:
            h["document_id"] = docs.get(h["pair_id"])
        return JSONResponse(found)

    async def documents(request: Request) -> Response:
        return JSONResponse({"documents": store.documents()})

    async def document(request: Request) -> Response:
        return JSONResponse(store.document(_doc_id(request)))

    async def edit(request: Request) -> Response:
        doc_id = _doc_id(request)
        return JSONResponse(store.edit(doc_id, await _json_body(request)))

    async def undo(request: Request) -> Response:
        doc_id = _doc_id(request)
        await _json_body(request, required=False)
        return JSONResponse(store.undo(doc_id))

    async def export_tmx(request: Request) -> Response:
        from ..transfer import export_tmx as write

        reviewed = request.query_params.get("reviewed_only", "") in ("1", "true", "yes")
        with tempfile.NamedTemporaryFile(suffix=".tmx", delete=False) as f:
            path = Path(f.name)
        try:
            write(store, path, reviewed_only=reviewed)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        name = f"{store.path.name or 'store'}{'-reviewed' if reviewed else ''}.tmx"
        # sent from the file (not read into memory), removed once sent
        return FileResponse(path, media_type="application/x-tmx+xml", filename=name,
                            background=BackgroundTask(path.unlink, missing_ok=True))

    async def failed(request: Request, exc: Exception) -> Response:
        code = (404 if isinstance(exc, NotFound) else 409 if isinstance(exc, StaleEdit)
                else 403 if isinstance(exc, _Forbidden) else 400)
        return JSONResponse({"error": str(exc)}, status_code=code)

    routes = [
        Route("/", page("search.html")),
        Route("/documents", page("documents.html")),
        Route("/documents/{doc_id}", page("review.html")),
        Route("/api/status", status),
        Route("/api/search", search),
        Route("/api/documents", documents),
        Route("/api/documents/{doc_id}", document),
        Route("/api/documents/{doc_id}/edit", edit, methods=["POST"]),
        Route("/api/documents/{doc_id}/undo", undo, methods=["POST"]),
        Route("/api/export.tmx", export_tmx),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = []
    if host in LOOPBACK:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(LOOPBACK)))
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={TmbuildError: failed})  # its subclasses too


class _Forbidden(TmbuildError):
    pass


def _doc_id(request: Request) -> int:
    raw = request.path_params["doc_id"]
    if not raw.isdigit():
        raise NotFound(f"no document {raw!r} in this store (documents are numbered)")
    return int(raw)


async def _json_body(request: Request, required: bool = True) -> dict:
    """The body of a state-changing request: JSON, from this app's own pages or from a script (a browser
    on another site can send neither this content type nor our origin)."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise _Forbidden(f"a request from {origin} may not change this store")
    raw = await request.body()
    if not raw and not required:
        return {}
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise _Forbidden("send the edit as JSON (Content-Type: application/json)")
    try:
        body = json.loads(raw)
    except ValueError as e:
        raise EditError(f"the body is not JSON ({e})") from None
    if not isinstance(body, dict):
        raise EditError("the body is a JSON object")
    return body


def _number(raw: str, name: str, kind: type, lo: float, hi: float):
    """A query parameter: ``kind`` (int or float) within [lo, hi]."""
    try:
        v = kind(raw)
    except ValueError:
        raise InputError(f"{name} is {'a whole number' if kind is int else 'a number'}, not {raw!r}") from None
    if not lo <= v <= hi:
        raise InputError(f"{name} is between {lo} and {hi}")
    return v


def open_for_serving(store_dir: Path) -> Store:
    """The store, writable when it can be (edits are saved at once); else read-only, said on stderr."""
    try:
        return Store.open(store_dir, wait=0)
    except (StoreBusy, StoreReadOnly) as e:
        print(f"tmbuild: {e}; serving it read-only (search and pages, no edits)", file=sys.stderr)
        return Store.open(store_dir, readonly=True)


def serve(store_dir: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, ready=None) -> int:
    """Run the app until interrupted: the store and the model loaded once, the URL printed when it answers."""
    import uvicorn

    if host not in LOOPBACK:
        print(f"tmbuild: serving on {host}: anyone who can reach this machine can read and edit the store",
              file=sys.stderr)
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        raise InputError(f"cannot listen on {host}:{port} ({e.strerror}); give another --port or --host") from None
    store = open_for_serving(store_dir)
    try:
        store.lookup("warm up", k=1, mode="semantic")  # loads the model now, not on the first query
        url = f"http://{'[' + host.strip('[]') + ']' if ':' in host else host}:{sock.getsockname()[1]}/"

        class Server(uvicorn.Server):
            async def startup(self, sockets=None) -> None:
                await super().startup(sockets)
                if self.started:
                    print(f"tmbuild serve: {url} ({store.path}; Ctrl-C stops)", flush=True)
                    if ready:
                        ready(url)

        config = uvicorn.Config(create_app(store, host=host), log_level="warning", lifespan="off")
        Server(config).run(sockets=[sock])
    finally:
        store.close()
    return 0
