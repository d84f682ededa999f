"""``ketdata review``: a local web page where a reviewer checks each claim and caveat against the article.

Local only, and still treated as an attack surface: the server binds to 127.0.0.1 but answers only to a
host name of its own, ``<secret label>.localhost:PORT`` (browsers resolve ``*.localhost`` to loopback
themselves): every request must name exactly that in ``Host`` (no DNS rebinding), and the session cookie is
host-only on that name, so a browser never sends it to another local server (cookies ignore ports, and
127.0.0.1:A and 127.0.0.1:B are one site to ``SameSite``). Every request must carry the session cookie,
which the one-time token in the printed URL is exchanged for once (the token then dies); every POST must come
from the page's own origin and carry its CSRF token; request bodies and slow clients are bounded (see
``_http``). Values from the data reach the page only through Jinja2's autoescaping; the page loads nothing but
the app's own two assets (a strict Content-Security-Policy says so to the browser too). Needs the ``review``
extra (Starlette, Uvicorn, Jinja2).
"""

from __future__ import annotations

import datetime
import hmac
import os
import re
import secrets
import signal
import socket
import tempfile
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

from ketdata._editor.verdict import (
    FLAGS,
    Restore,
    ReviewConflictError,
    ReviewRefusedError,
    Save,
    Verdict,
    not_a_person,
    plain_text,
    record_stamp,
    review_block,
    saved_value,
    update_decision,
    write_reviews,
)
from ketdata._model.records import Caveat, Claim
from ketdata._model.review import review_links
from ketdata._validation.governance import retired
from ketdata._workbench import _http, _update, _view

COOKIE = "ketdata_review"
_FORWARD = ('<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/">'
            '<title>ketdata review</title><a href="/">Open the review workbench</a>\n')  # fmt: skip
_LOCAL_PAGE = re.compile(r"/(\?[\w=&%.+-]*)?")
_OFFSET = re.compile(r"[0-9]{1,9}")  # ?at= : an offset into the article, never a number of any length
VERDICTS = ("reviewed", "flagged")
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


@dataclass(frozen=True, slots=True)
class Saved:
    """One save the reviewer may undo: the record, its review block before, and the record's stamp after.

    ``update`` is the status of the record's source update mark before, when the save decided it.
    """

    record: str
    before: dict[str, Any]
    stamp: str
    update: str | None = None


@dataclass(slots=True)
class Session:
    """One server run: its folder, secrets, allowed host, and the reviewer as they typed themselves."""

    folder: _view.Folder
    host: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))  # in the printed URL; works once
    cookie: str = field(default_factory=lambda: secrets.token_urlsafe(32))  # what the token is exchanged for
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token_spent: bool = False
    reviewer: str = ""
    role: str = ""
    notice: str = ""
    undo: list[Saved] = field(default_factory=list)  # the last save (or "confirm the rest"), to undo
    shown: dict[str, Any] = field(default_factory=dict)  # record stamp -> the record as a page showed it
    today: datetime.date | None = None  # fixed by tests; otherwise the UTC date of each write

    @property
    def port(self) -> str:
        """The port the server listens on."""
        return self.host.rpartition(":")[2]

    @property
    def origin(self) -> str:
        """The only origin a POST may come from."""
        return f"http://{self.host}"

    def redeem(self, given: str) -> bool:
        """Exchange the one-time token for the session cookie: true once, for the right token only."""
        if self.token_spent or not hmac.compare_digest(given.encode(), self.token.encode()):
            return False
        self.token_spent = True
        return True

    def state(self) -> _view.State:
        """The folder's state, remembering every record as shown, so a refused save can say what changed."""
        state = self.folder.state()
        if len(self.shown) > 100_000:  # bounded: a long session over a busy folder
            self.shown.clear()
        for name, stamp in state.stamps.items():
            if name in state.values:  # a record (an article text's stamp has no value to remember)
                self.shown.setdefault(stamp, state.values[name])
        return state

    def day(self) -> datetime.date:
        """The review date."""
        return self.today or datetime.datetime.now(datetime.UTC).date()


class _Guard:
    """Refuses a request with a foreign Host, without the session cookie, or a POST from elsewhere or without CSRF.

    The one-time token of the printed URL is exchanged here for the session cookie (once), then refused.
    """

    def __init__(self, app: ASGIApp, session: Session) -> None:
        self.app = app
        self.session = session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        reply = self._refusal(request) or self._exchange(request)
        if reply is not None:
            await reply(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        s = self.session
        if request.headers.get("host") != s.host:
            # Never the secret name in a refusal: it is what keeps the cookie from other local servers.
            return _text(f"refused: this server answers only to the address `ketdata review` printed "
                         f"(http://….localhost:{s.port}/?token=…); open that one", 421)  # fmt: skip
        if request.method not in ("GET", "HEAD", "POST"):
            return _text("method not allowed", 405)
        if request.method == "POST" and request.headers.get("origin") != s.origin:
            return _text("refused: a form may be sent only from this page", 403)
        return None

    def _exchange(self, request: Request) -> Response | None:
        s = self.session
        if hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), s.cookie.encode()):
            if "token" in request.query_params:  # the printed URL opened again in the same browser
                return RedirectResponse("/", status_code=303, headers=_HEADERS)
            return None
        token = request.query_params.get("token")
        if request.method == "GET" and request.url.path == "/" and token and s.redeem(token):
            # The token leaves the address bar for a cookie no script can read. Not by a redirect: one that ends
            # a navigation another site started (--open's local file, a link in a mail or chat program) would
            # not carry the SameSite=Strict cookie just set, so the page would refuse the reviewer; this page
            # moves on by itself, a navigation of this site.
            response = HTMLResponse(_FORWARD, headers=_HEADERS)
            response.set_cookie(COOKIE, s.cookie, httponly=True, samesite="strict")
            return response
        if token and s.token_spent:
            return _text("refused: this one-time address has been used already; restart `ketdata review` "
                         "for a new one", 403)  # fmt: skip
        return _text("refused: open the URL `ketdata review` printed (it carries a one-time token)", 403)


def _text(message: str, status: int) -> Response:
    return PlainTextResponse(message, status_code=status, headers=_HEADERS)


MAX_FIELDS = 2000  # "confirm the rest" of the longest sentence sends a few dozen


class _TooManyFields(Exception):
    """A form with more fields than any page of the workbench sends."""


def _form(body: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:  # parse_qs's "Max number of fields exceeded"
        raise _TooManyFields from None


async def _too_many_fields(request: Request, exc: Exception) -> Response:
    return _text(f"refused: a form may hold at most {MAX_FIELDS} fields; nothing was saved", 413)


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


def _link(**params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return "/?" + urlencode(kept) if kept else "/"


def _render(session: Session, request: Request, status: int = 200, typed: dict[str, Any] | None = None) -> Response:
    q = request.query_params
    state = session.state()
    chosen_state = q.get("state", "") if q.get("state", "") in _view.STATES else ""
    context: dict[str, Any] = {
        "session": session,
        "flags": FLAGS,
        "state": state,
        "counts": _view.counts(state.queue),
        "summary": _view.summary(state.problems),
        "listed": [(g, [e for e in g.entries if not chosen_state or e.state == chosen_state]) for g in state.groups],
        "chosen_state": chosen_state,
        "link": lambda **kw: _link(**{"state": chosen_state, **kw}),
        "notice": session.notice,
        "undo": [_view.label(u.record) for u in session.undo],
        "typed": typed or {},
        "flag_open": q.get("flag") == "1",
        "record": None,
        "at": None,
        "plain": _view.plain_words,
        "label": _view.label,
        "systems": _view.CODE_SYSTEMS,
        "relations": _view.RELATIONS,
    }
    session.notice = ""
    if state.ds is not None:
        at = q.get("at", "")
        context.update(_record_context(state, q.get("record"), int(at) if _OFFSET.fullmatch(at) else None))
    return _html(_TEMPLATES.get_template("page.html").render(context), status)


def _record_context(state: _view.State, record_id: str | None, offset: int | None) -> dict[str, Any]:
    ds = state.ds
    assert ds is not None
    records: list[_view.Record] = [*ds.claims, *ds.caveats]
    source = ds.sources[0]
    found = ds.get(record_id) if record_id else None
    record = found if isinstance(found, Claim | Caveat) else None
    if record is None and offset is None and state.entries:
        first = _view.next_awaiting(state.queue, None) or state.entries[0]
        record = ds.get(first.id)  # type: ignore[assignment]
    before, after = _view.neighbours(state.queue, record.id if record else None)
    extra: dict[str, Any] = {
        "source": source,
        "record": record,
        "at": offset,
        "at_records": _view.records_at(records, offset) if offset is not None else [],
        "before": before,
        "after": after,
        "group": None,
        "rows": [],
        "focus": None,
    }
    scope = _view.scope_ranges(ds, record) if isinstance(record, Caveat) else []
    extra["pieces"] = _view.pieces(source.text, records, source.id, scope)
    if record is not None:
        group = next(g for g in state.groups if any(e.id == record.id for e in g.entries))
        rows = _view.rows(state, group)
        extra.update(group=group, rows=rows, focus=next(r for r in rows if r.entry.id == record.id))
        extra["rest"] = _rest(state, rows)
        extra["category_of"] = ds.category
        extra["predicate_of"] = ds.predicate
        extra["concept_of"] = ds.concept
        extra["section_of"] = source.section
        extra["update_of"] = lambda r: _update.view(state, r)
    return extra


def _rest(state: _view.State, rows: list[_view.Row]) -> list[_view.Row]:
    """The rows "confirm the rest of this sentence" confirms: those still awaiting review.

    A record a source update marked gets a verdict of its own, on its old and new words: never in a batch.
    """
    return [r for r in rows if r.entry.state in _view.AWAITING and not r.entry.retired
            and _update.view(state, r.record) is None]  # fmt: skip


def _outside_the_rest(state: _view.State, record_id: str, targets: list[str]) -> tuple[int, str] | None:
    """Why a batch names a record its page did not offer (another sentence's, one already decided); None if none.

    The server rebuilds the rows from the page's record rather than trusting the form's list, so a crafted
    or stale form never confirms a record the reviewer was not shown in that sentence.
    """
    ds = state.ds
    group = next((g for g in state.groups if any(e.id == record_id for e in g.entries)), None) if ds else None
    if group is None:
        return 422, f"Not saved: {_view.label(record_id)} is not a record of the review queue"
    sentence = {e.id for e in group.entries}
    offered = {r.entry.id for r in _rest(state, _view.rows(state, group))}
    for target in targets:
        if target not in sentence:
            return 422, (f"Not saved: {_view.label(target)} is not in the sentence of {_view.label(record_id)}; "
                         "confirm it on its own page")  # fmt: skip
        if target not in offered:
            return 409, (f"Not saved: {_view.label(target)} is no longer waiting for review in this sentence (it "
                         "has a verdict, or a source update to decide on its own page); the page below shows it "
                         "as it is now")  # fmt: skip
    return None


def build_app(folder: Path, host: str, *, session: Session | None = None) -> tuple[ASGIApp, Session]:
    """The workbench app for a data folder, answering only to ``host`` (``<label>.localhost:PORT``), and its session."""
    s = session or Session(_view.Folder(folder), host)

    async def page(request: Request) -> Response:
        return _render(s, request)

    async def reviewer(request: Request) -> Response:
        form = _form(await request.body())
        if not hmac.compare_digest(_one(form, "csrf").encode(), s.csrf.encode()):
            return _text("refused: the form's CSRF token is missing or wrong", 403)
        name, role = _one(form, "name").strip(), _one(form, "role").strip()
        refused = [what for what, typed in (("name", name), ("role", role)) if not plain_text(typed)]
        if refused:
            # Refused here, not at the first save: a name the data cannot hold would fail every verdict.
            what = " and ".join(refused)
            s.notice = f"Not changed: your {what} must be plain text on one line (up to 2,000 characters)"
        elif (person := not_a_person(name, role)) is not None:
            s.notice = f"Not changed: {person}"
        else:
            s.reviewer, s.role = name, role
        back = _one(form, "back")
        # Only back to a page of this app: never to another site ("//host", "/\\host").
        return RedirectResponse(back if _LOCAL_PAGE.fullmatch(back) else "/", status_code=303, headers=_HEADERS)

    async def review(request: Request) -> Response:
        form = _form(await request.body())
        if not hmac.compare_digest(_one(form, "csrf").encode(), s.csrf.encode()):
            return _text("refused: the form's CSRF token is missing or wrong", 403)
        record_id, choice = _one(form, "record"), _one(form, "verdict")
        flags, note = tuple(form.get("flag", [])), _one(form, "note")
        typed: dict[str, Any] = {"flags": flags, "note": note}
        if choice not in VERDICTS:
            # Only the Confirm and Flag buttons (or their keys) send a verdict: never Enter in a field.
            s.notice = "Not saved: no verdict was chosen; use Confirm or Flag"
            return _render(s, _with_query(request, record_id, form), 422, typed)
        status: Literal["reviewed", "flagged"] = "flagged" if choice == "flagged" else "reviewed"
        verdict = Verdict(status, s.reviewer, s.role, flags, note)
        refused = _save(s, [(record_id, _one(form, "seen"), _one(form, "context"))], verdict, source_update=True)
        if refused is not None:
            s.notice = refused[1]
            return _render(s, _with_query(request, record_id, form), refused[0], typed)
        return _after_save(s, [record_id], "confirmed" if status == "reviewed" else "flagged")

    async def rest(request: Request) -> Response:
        form = _form(await request.body())
        if not hmac.compare_digest(_one(form, "csrf").encode(), s.csrf.encode()):
            return _text("refused: the form's CSRF token is missing or wrong", 403)
        items = [tuple(item.split("|", 2)) for item in form.get("item", [])]
        targets = [(i[0], i[1], i[2]) for i in items if len(i) == 3]
        if not targets or len(targets) != len(items):
            s.notice = "Not saved: no record to confirm"
            return _render(s, _with_query(request, _one(form, "record"), form), 422)
        refused = _outside_the_rest(s.state(), _one(form, "record"), [t[0] for t in targets])
        refused = refused or _save(s, targets, Verdict("reviewed", s.reviewer, s.role))
        if refused is not None:
            s.notice = refused[1]
            return _render(s, _with_query(request, _one(form, "record"), form), refused[0])
        return _after_save(s, [t[0] for t in targets], "confirmed")

    async def undo(request: Request) -> Response:
        form = _form(await request.body())
        if not hmac.compare_digest(_one(form, "csrf").encode(), s.csrf.encode()):
            return _text("refused: the form's CSRF token is missing or wrong", 403)
        if not s.undo:
            s.notice = "Nothing to undo"
            return RedirectResponse("/", status_code=303, headers=_HEADERS)
        done, last = s.undo, s.undo[0].record
        restores = [Save(d.record, Restore(d.before, d.update), d.stamp) for d in reversed(done)]
        try:
            write_reviews(s.folder.path, restores, s.day())  # all of the save undone, or none of it
        except (ReviewConflictError, ReviewRefusedError, OSError) as exc:
            s.notice = f"Not undone (nothing was changed): {exc}"
            return RedirectResponse(_link(record=last), status_code=303, headers=_HEADERS)
        s.undo = []
        names = ", ".join(_view.label(u.record) for u in done)
        s.notice = f"Undone: {names} back to the review state before the save."
        return RedirectResponse(_link(record=last), status_code=303, headers=_HEADERS)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return _text("not found", 404)
        body = resources.files("ketdata._workbench").joinpath("assets", name).read_bytes()
        return Response(body, media_type=_ASSETS[name], headers=_HEADERS)

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/reviewer", reviewer, methods=["POST"]),
        Route("/review", review, methods=["POST"]),
        Route("/rest", rest, methods=["POST"]),
        Route("/undo", undo, methods=["POST"]),
        Route("/assets/{name}", asset, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={_TooManyFields: _too_many_fields})
    return _http.BodyLimit(_Guard(app, s)), s


def _save(
    s: Session, targets: list[tuple[str, str, str]], verdict: Verdict, *, source_update: bool = False
) -> tuple[int, str] | None:
    """Write one verdict to each ``(record, seen stamp, context)`` as one change; None when saved, else why not.

    Nothing is written when any of the records, or anything its row showed, changed since the page was built.
    ``source_update``: the page showed the record's source update mark (its own page does; "confirm the rest"
    does not), so the verdict decides it.
    """
    state = s.state()
    today = s.day()
    saves: list[Save] = []
    saved: list[Saved] = []
    try:
        block = review_block(verdict, today)
        # The caveats linked to a claim are part of what its review covers, as the page showed them.
        links = review_links((k.partition(":")[0], v) for k, v in state.values.items())
        for record_id, seen, context in targets:
            stale = _view.stale(state, context)
            if stale:
                s.folder.forget()  # the page shown with the refusal is read afresh
                raise ReviewConflictError(f"what the page showed beside {_view.label(record_id)} changed since: "
                                          f"{', '.join(stale)}")  # fmt: skip
            before = s.shown.get(seen)
            if not isinstance(before, dict) or before.get("id") != record_id:
                raise ReviewConflictError(f"{_view.label(record_id)} is not the record this page was built from")
            if retired(before.get("status"), before.get("superseded_by")):
                raise ReviewRefusedError(f"{_view.label(record_id)} is {before.get('status')}: it is not for review")
            decision = update_decision(before, verdict, source_update=source_update)
            saves.append(Save(record_id, verdict, seen, source_update))
            caveats = links.get(record_id, ()) if f"claim:{record_id}" in state.values else ()
            after = record_stamp(saved_value(before, block, decision, caveats))
            was = before["source_update"]["status"] if decision is not None else None
            saved.append(Saved(record_id, dict(before.get("review") or {}), after, was))
        try:
            write_reviews(s.folder.path, saves, today)
        except ReviewConflictError as exc:
            raise ReviewConflictError(
                _what_changed(s, exc.record_id or targets[0][0], {t[0]: t[1] for t in targets})
            ) from None
    except ReviewConflictError as exc:
        return 409, f"Not saved: {exc}. The page below shows it as it is now; your choices are kept: check " \
                    "it again, then save."  # fmt: skip
    except (ReviewRefusedError, OSError) as exc:
        return 422, f"Not saved: {exc}"
    s.undo = saved
    return None


def _what_changed(s: Session, record_id: str, seen: dict[str, str]) -> str:
    """Which record of a save changed on disk since the page showed it, and which of its fields."""
    before = s.shown.get(seen.get(record_id, ""))
    now = next((v for k, v in s.state().values.items() if k.partition(":")[2] == record_id), None)
    what = ", ".join(_view.changed_fields(before, now)) or "its file"
    return f"{_view.label(record_id)} changed since the page showed it ({what})"


def _after_save(s: Session, record_ids: list[str], said: str) -> Response:
    """Back to the page at the next record awaiting review, in article order, with what validation says."""
    state = s.state()
    problems = [p for r in record_ids for p in _view.problems_for(state.problems, r)]
    names = ", ".join(_view.label(r) for r in record_ids)
    s.notice = f"Saved: {names} {said}. " + (
        f"Validation reports {len(problems)} problem(s) for it." if problems else "Validation: no problems."
    )
    following = _view.next_awaiting(state.queue, record_ids[-1])
    if following is None:
        s.notice += " Every record has a verdict."
    return RedirectResponse(_link(record=following.id if following else record_ids[-1]), status_code=303,
                            headers=_HEADERS)  # fmt: skip


def _with_query(request: Request, record_id: str, form: dict[str, list[str]]) -> Request:
    """The request as if it had asked for the record's page (to show it again after a refused write)."""
    query = urlencode({"record": record_id, "state": _one(form, "state")})
    scope = dict(request.scope, query_string=query.encode())
    return Request(scope)


def bind(port: int) -> tuple[socket.socket, str]:
    """A listening socket on 127.0.0.1 (``port`` 0: a free one) and the ``Host`` the app must then insist on.

    The host is a name of this run's own, ``<secret label>.localhost:PORT``: a browser resolves it to loopback
    without DNS, and treats it as a site of its own, so the session cookie set on it (host-only, SameSite
    strict) never goes to a page on 127.0.0.1 or any other name, whatever its port; and a page elsewhere
    cannot name this server without the secret.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock, f"{secrets.token_hex(12)}.localhost:{sock.getsockname()[1]}"


def server(app: ASGIApp) -> Any:
    """A Uvicorn server for the app, quiet, without a Server header, bounded (run it with ``sockets=[...]``)."""
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False, **_http.config_options()))


def _opener(url: str) -> Path:
    """A page only this user can read that forwards the browser to ``url``.

    The browser is started with this file's path, not the URL, so the token never appears in a process's
    arguments (which ``ps`` shows every local user); the token works once anyway.
    """
    folder = Path(tempfile.mkdtemp(prefix="ketdata-review-"))  # mode 0700
    page = folder / "open.html"
    fd = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={url}">'
                  f'<title>ketdata review</title><a href="{url}">Open the review workbench</a>\n')  # fmt: skip
    return page


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(folder: Path, port: int, *, open_browser: bool = False) -> None:
    """Serve the workbench on 127.0.0.1 until interrupted, printing its one-time URL first.

    Raises:
        OSError: The port cannot be bound (in use, or not allowed).
    """
    import webbrowser

    sock, host = bind(port)
    app, session = build_app(folder, host)
    url = f"http://{host}/?token={session.token}"
    print(f"ketdata review: reviewing {folder} at {url}", flush=True)
    print("(local only; the address works once; stop with Ctrl-C)", flush=True)
    opener = _opener(url) if open_browser else None
    # Stopped by a signal, as by Ctrl-C: uvicorn re-raises it once it has shut down, and the clean-up below runs.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if opener is not None:
            webbrowser.open(opener.as_uri())
        server(app).run(sockets=[sock])
    finally:
        if opener is not None:
            opener.unlink(missing_ok=True)
            opener.parent.rmdir()
