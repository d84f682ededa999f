"""``ketdata review``: a local web page where a reviewer checks each claim and caveat against the article.

Local only, and still treated as an attack surface: the server binds to 127.0.0.1; every request must name
that address in ``Host`` (no DNS rebinding) and carry the session token (a cookie set from the one-time URL);
every POST must come from the page's own origin and carry its CSRF token. Values from the data reach the page
only through Jinja2's autoescaping; the page loads nothing but the app's own two assets (a strict
Content-Security-Policy says so to the browser too). Needs the ``review`` extra (Starlette, Uvicorn, Jinja2).
"""

from __future__ import annotations

import datetime
import hmac
import re
import secrets
import socket
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ketdata._editor.verdict import FLAGS, ReviewConflictError, ReviewRefusedError, Verdict, write_review
from ketdata._model.records import Caveat, Claim
from ketdata._workbench import _update, _view

COOKIE = "ketdata_review"
_LOCAL_PAGE = re.compile(r"/(\?[\w=&%.+-]*)?")
_ASSETS = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make browsers send "Origin: null"
    "Cache-Control": "no-store",
}
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("ketdata._workbench", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(slots=True)
class Session:
    """One server run: its folder, secrets, allowed host, and the reviewer as they typed themselves."""

    folder: _view.Folder
    host: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    reviewer: str = ""
    role: str = ""
    notice: str = ""
    today: datetime.date | None = None  # fixed by tests; otherwise the UTC date of each write

    @property
    def origin(self) -> str:
        """The only origin a POST may come from."""
        return f"http://{self.host}"


class _Guard:
    """Refuses a request with a foreign Host, without the session token, or a POST from elsewhere or without CSRF."""

    def __init__(self, app: ASGIApp, session: Session) -> None:
        self.app = app
        self.session = session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await PlainTextResponse(refusal[1], status_code=refusal[0], headers=_HEADERS)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, request: Request) -> tuple[int, str] | None:
        s = self.session
        if request.headers.get("host") != s.host:
            return 421, f"refused: this server answers only to {s.host}"
        given = request.cookies.get(COOKIE) or request.query_params.get("token") or ""
        if not hmac.compare_digest(given.encode(), s.token.encode()):
            return 403, "refused: open the URL `ketdata review` printed (it carries the session token)"
        if request.method not in ("GET", "HEAD", "POST"):
            return 405, "method not allowed"
        if request.method == "POST" and request.headers.get("origin") != s.origin:
            return 403, "refused: a form may be sent only from this page"
        return None


def _form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


def _link(**params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return "/?" + urlencode(kept) if kept else "/"


def _render(session: Session, request: Request, status: int = 200, typed: dict[str, Any] | None = None) -> Response:
    q = request.query_params
    state = session.folder.state()
    chosen_state, category = q.get("state", ""), q.get("category", "")
    queue = _view.filtered(state.queue, chosen_state, category)
    context: dict[str, Any] = {
        "session": session,
        "flags": FLAGS,
        "state": state,
        "counts": _view.counts(state.queue),
        "summary": _view.summary(state.problems),
        "queue": queue,
        "chosen_state": chosen_state,
        "category": category,
        "categories": sorted({e.category for e in state.queue}),
        "link": lambda **kw: _link(**{"state": chosen_state, "category": category, **kw}),
        "notice": session.notice,
        "typed": typed or {},
        "record": None,
        "at": None,
    }
    session.notice = ""
    if state.ds is not None:
        context.update(_record_context(state, q.get("record"), q.get("at"), queue))
    return _html(_TEMPLATES.get_template("page.html").render(context), status)


def _record_context(
    state: _view.State, record_id: str | None, at: str | None, queue: list[_view.Entry]
) -> dict[str, Any]:
    ds = state.ds
    assert ds is not None
    records: list[_view.Record] = [*ds.claims, *ds.caveats]
    source = ds.sources[0]
    text = source.text
    found = ds.get(record_id) if record_id else None
    record = found if isinstance(found, Claim | Caveat) else None
    if record is None and at is None and queue:
        record = ds.get(queue[0].id)  # type: ignore[assignment]
    offset = int(at) if at and at.isdigit() else None
    before, after = _view.neighbours(queue, record.id if record else None)
    extra: dict[str, Any] = {
        "pieces": _view.pieces(text, records, source.id),
        "source": source,
        "record": record,
        "at": offset,
        "at_records": _view.records_at(records, offset) if offset is not None else [],
        "before": before,
        "after": after,
    }
    if record is not None:
        extra.update(
            seen=state.seen.get(record.id, ""),
            problems=_view.problems_for(state.problems, record.id),
            others=_view.overlapping(record, records),
            update=_update.view(state.updates.get(record.id)),
        )
        if isinstance(record, Claim):
            extra.update(
                status=ds.evidence_status(record.evidence_status),
                rows=_view.decision_rows(ds, record),
                caveats=ds.caveats_for(record, include_inactive=True),
                concepts=_view.concepts_of(ds, record),
                category_record=ds.category(record.category),
                predicate=ds.predicate(record.predicate),
            )
    return extra


def build_app(folder: Path, host: str, *, session: Session | None = None) -> tuple[ASGIApp, Session]:
    """The workbench app for a data folder, answering only to ``host`` (``127.0.0.1:PORT``), and its session."""
    s = session or Session(_view.Folder(folder), host)

    async def page(request: Request) -> Response:
        if "token" in request.query_params:
            # The token leaves the address bar (and the history) for a cookie no script can read.
            response = RedirectResponse("/", status_code=303, headers=_HEADERS)
            response.set_cookie(COOKIE, s.token, httponly=True, samesite="strict")
            return response
        return _render(s, request)

    async def reviewer(request: Request) -> Response:
        form = _form(await request.body())
        if not hmac.compare_digest(_one(form, "csrf").encode(), s.csrf.encode()):
            return PlainTextResponse("refused: the form's CSRF token is missing or wrong", 403, headers=_HEADERS)
        s.reviewer, s.role = _one(form, "name").strip(), _one(form, "role").strip()
        back = _one(form, "back")
        # Only back to a page of this app: never to another site ("//host", "/\\host").
        return RedirectResponse(back if _LOCAL_PAGE.fullmatch(back) else "/", status_code=303, headers=_HEADERS)

    async def review(request: Request) -> Response:
        form = _form(await request.body())
        if not hmac.compare_digest(_one(form, "csrf").encode(), s.csrf.encode()):
            return PlainTextResponse("refused: the form's CSRF token is missing or wrong", 403, headers=_HEADERS)
        record_id = _one(form, "record")
        flags, note = tuple(form.get("flag", [])), _one(form, "note")
        typed: dict[str, Any] = {"flags": flags, "note": note}
        status: Literal["reviewed", "flagged"] = "flagged" if _one(form, "verdict") == "flagged" else "reviewed"
        verdict = Verdict(status, s.reviewer, s.role, flags, note)
        today = s.today or datetime.datetime.now(datetime.UTC).date()
        try:
            write_review(s.folder.path, record_id, verdict, _one(form, "seen"), today, source_update=True)
        except ReviewConflictError as exc:
            s.notice = f"Not saved: {exc}. Someone saved the file meanwhile; the record below is as it is now. " \
                       "Your choices are kept: check the record again, then save."  # fmt: skip
            return _render(s, _with_query(request, record_id, form), 409, typed)
        except (ReviewRefusedError, OSError) as exc:
            s.notice = f"Not saved: {exc}"
            return _render(s, _with_query(request, record_id, form), 422, typed)
        problems = _view.problems_for(s.folder.state().problems, record_id)
        said = "confirmed" if status == "reviewed" else "flagged"
        s.notice = f"Saved: {record_id} {said}. " + (
            f"Validation reports {len(problems)} problem(s) for it (below)." if problems else "Validation: no problems."
        )
        back = _link(record=record_id, state=_one(form, "state"), category=_one(form, "category"))
        return RedirectResponse(back, status_code=303, headers=_HEADERS)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return PlainTextResponse("not found", 404, headers=_HEADERS)
        body = resources.files("ketdata._workbench").joinpath("assets", name).read_bytes()
        return Response(body, media_type=_ASSETS[name], headers=_HEADERS)

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/reviewer", reviewer, methods=["POST"]),
        Route("/review", review, methods=["POST"]),
        Route("/assets/{name}", asset, methods=["GET"]),
    ]
    return _Guard(Starlette(routes=routes), s), s


def _with_query(request: Request, record_id: str, form: dict[str, list[str]]) -> Request:
    """The request as if it had asked for the record's page (to show it again after a refused write)."""
    query = urlencode({"record": record_id, "state": _one(form, "state"), "category": _one(form, "category")})
    scope = dict(request.scope, query_string=query.encode())
    return Request(scope)


def bind(port: int) -> tuple[socket.socket, str]:
    """A listening socket on 127.0.0.1 (``port`` 0: a free one) and the ``Host`` the app must then insist on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock, f"127.0.0.1:{sock.getsockname()[1]}"


def server(app: ASGIApp) -> Any:
    """A Uvicorn server for the app, quiet, without a Server header (run it with ``sockets=[bind(...)[0]]``)."""
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False))


def serve(folder: Path, port: int, *, open_browser: bool = False) -> None:
    """Serve the workbench on 127.0.0.1 until interrupted, printing its one-time URL first."""
    import webbrowser

    sock, host = bind(port)
    app, session = build_app(folder, host)
    url = f"http://{host}/?token={session.token}"
    print(f"ketdata review: reviewing {folder} at {url}", flush=True)
    print("(local only; stop with Ctrl-C)", flush=True)
    if open_browser:
        webbrowser.open(url)
    server(app).run(sockets=[sock])
