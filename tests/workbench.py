"""A real review workbench on a loopback port, and a plain HTTP client that sets every header itself."""

from __future__ import annotations

import datetime
import html
import http.client
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from ketdata._workbench import Session, bind, build_app, server

TODAY = datetime.date(2026, 3, 1)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Running:
    host: str
    session: Session
    folder: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}/?token={self.session.token}"

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str | list[str]] | None = None,
        *,
        host: str | None = None,
        token: str | None = None,
        origin: str | None = "same",
        csrf: bool = True,
    ) -> Reply:
        """One request; by default with the right Host, session cookie, Origin and CSRF token."""
        port = self.host.rpartition(":")[2]
        headers = {"Host": host or self.host, "Cookie": f"ketdata_review={token or self.session.cookie}"}
        if token == "":
            del headers["Cookie"]
        body = None
        if form is not None:
            if origin:
                headers["Origin"] = f"http://{self.host}" if origin == "same" else origin
            fields = {**({"csrf": self.session.csrf} if csrf else {}), **form}
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)  # *.localhost
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read().decode("utf-8"))
        finally:
            conn.close()

    def sign_in(self, name: str = "Dr Ada Example", role: str = "consultant psychiatrist") -> None:
        assert self.request("POST", "/reviewer", {"name": name, "role": role}).status == 303

    def page(self, record_id: str) -> str:
        return self.request("GET", f"/?record={record_id}").body

    def seen(self, record_id: str) -> str:
        """The record's stamp, as its page carries it to a save."""
        return bar_field(self.page(record_id), "seen")

    def verdict(
        self, record_id: str, verdict: str, flags: list[str] = (), note: str = "", seen: str | None = None
    ) -> Reply:  # type: ignore[assignment]
        """A verdict sent as the page's form sends it (the page read first, unless ``seen`` is given)."""
        page = self.page(record_id)
        form: dict[str, str | list[str]] = {"record": record_id, "verdict": verdict, "flag": list(flags), "note": note}
        form["seen"] = seen if seen is not None else bar_field(page, "seen")
        form["context"] = bar_field(page, "context")
        return self.request("POST", "/review", form)


def bar_field(page: str, name: str) -> str:
    """A field of the verdict bar's form (the rows' own forms come before it)."""
    bar = page[page.index('id="verdict-bar"') :] if 'id="verdict-bar"' in page else page
    found = re.search(rf'name="{name}" value="([^"]*)"', bar)
    return html.unescape(found.group(1)) if found else ""


@contextmanager
def running(folder: Path, today: datetime.date | None = TODAY) -> Iterator[Running]:
    """The workbench serving ``folder`` on a free loopback port until the block ends."""
    sock, host = bind(0)
    app, session = build_app(folder, host)
    session.today = today
    srv = server(app)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the workbench did not start"
        time.sleep(0.02)
    try:
        yield Running(host, session, folder)
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()
