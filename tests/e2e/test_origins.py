"""Another origin's page cannot drive a signed-in person's designer, in a real browser.

The attacker's page is served from another port of the designer's own host (127.0.0.1): the
same *site*, so the browser sends the victim's session cookie along, but another *origin*. It
opens the designer's event channel and sends the two events the "Delete" button and its
confirmation send. The same script run from the designer's own origin deletes a flow, which
shows the events are the real thing; from the sibling port, the handshake is refused and the
victim's flow is still there. A raw client checks the handshake itself, and that uploads and
cross-origin reads are refused too.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import websocket
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine

from designer.api.session import SESSION_COOKIE
from designer.devtools import free_port
from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import accounts, flows, signin
from designer.store.db import engine_for
from designer.ui.home import HomeState
from tests.e2e.conftest import SignIn

pytestmark = pytest.mark.e2e

#: Drives Reflex's event channel by hand (Engine.IO 4, Socket.IO 5) and notes what happened.
ATTACK = """
([port, events]) => new Promise((resolve) => {
  const seen = {opened: false, connected: false, sent: false, closed: null};
  const token = crypto.randomUUID();
  const ws = new WebSocket(
    `ws://127.0.0.1:${port}/_event/?EIO=4&transport=websocket&token=${token}`);
  ws.onopen = () => { seen.opened = true; };
  ws.onmessage = (message) => {
    const data = message.data;
    if (data.startsWith("0{")) ws.send("40/_event,");
    else if (data.startsWith("40/_event")) {
      seen.connected = true;
      for (const event of events) ws.send("42/_event," + JSON.stringify(["event", event]));
      seen.sent = true;
      setTimeout(() => { ws.close(); }, 3000);
    } else if (data === "2") ws.send("3");
  };
  ws.onclose = (event) => { seen.closed = event.code; resolve(seen); };
})
"""


def delete_events(flow_id: str) -> list[dict[str, Any]]:
    """What the flows page sends for "Delete" and then "Delete" in its confirmation."""
    state = HomeState.get_full_name()
    where = {"pathname": "/", "query": {}, "asPath": "/"}
    return [
        {"name": f"{state}.ask_delete", "payload": {"flow_id": flow_id, "name": "x"},
         "router_data": where},
        {"name": f"{state}.confirm_delete", "payload": {}, "router_data": where},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def database(app: tuple[str, dict[str, str]]) -> Engine:
    return engine_for(load_settings(app[1]).database_url)


@pytest.fixture
def sibling(tmp_path: Path) -> Iterator[str]:
    """A web server on another port of 127.0.0.1, serving an empty attacker's page."""
    (tmp_path / "attack.html").write_text("<!doctype html><title>Cute cats</title>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def ada_flow(database: Engine, name: str) -> str:
    found = accounts.credentials(database, "ada")
    assert found is not None
    return flows.create_flow(database, found[0], Flow(name=name)).id


def still_there(database: Engine, flow_id: str) -> bool:
    found = accounts.credentials(database, "ada")
    assert found is not None
    return flow_id in {flow.id for flow in flows.list_flows(database, found[0])}


def test_a_page_on_a_sibling_port_cannot_delete_the_victims_flow(
    browser: Browser, sign_in: SignIn, app_url: str, sibling: str, database: Engine
) -> None:
    context = browser.new_context()
    sign_in(context, "ada")
    page: Page = context.new_page()
    port = urlsplit(app_url).port
    target, control = ada_flow(database, "Sibling target"), ada_flow(database, "Own origin")

    # From the designer's own origin the same events delete a flow: they are the real ones.
    page.goto(app_url + "glossary")
    own = page.evaluate(ATTACK, [port, delete_events(control)])
    assert own["connected"] and own["sent"], own
    page.wait_for_timeout(500)
    assert not still_there(database, control)

    page.goto(f"{sibling}/attack.html")
    attack = page.evaluate(ATTACK, [port, delete_events(target)])

    assert not attack["opened"] and not attack["connected"], attack
    assert attack["closed"] == 1006  # the handshake was refused
    assert still_there(database, target)
    context.close()


@pytest.mark.parametrize(
    ("origin", "opens"),
    [
        ("http://evil.example", False),
        ("http://127.0.0.1:{other}", False),
        ("http://localhost:{port}", False),
        ("https://127.0.0.1:{port}", False),
        ("http://127.0.0.1:{port}", True),
    ],
    ids=["another site", "a sibling port", "another host name", "https", "own"],
)
def test_the_event_channel_handshake_from_a_raw_client(
    app_url: str, database: Engine, origin: str, opens: bool
) -> None:
    port = urlsplit(app_url).port
    origin = origin.format(port=port, other=free_port())
    victim = _session(database)
    url = f"ws://127.0.0.1:{port}/_event/?EIO=4&transport=websocket&token=raw-client"

    try:
        ws = websocket.create_connection(
            url, origin=origin, cookie=f"{SESSION_COOKIE}={victim}", timeout=10
        )
    except websocket.WebSocketBadStatusException as refused:
        assert not opens, refused
        assert refused.status_code == 403
        return
    try:
        assert opens
        assert ws.recv().startswith("0{")
    finally:
        ws.close()


def test_uploads_and_reads_from_another_origin_are_refused(app_url: str, database: Engine) -> None:
    port = urlsplit(app_url).port
    sibling = f"http://127.0.0.1:{free_port()}"
    cookie = f"{SESSION_COOKIE}={_session(database)}"

    upload = urllib.request.Request(
        f"{app_url}_upload",
        data=b"--x--\r\n",
        method="POST",
        headers={"Origin": sibling, "Cookie": cookie, "Content-Type": "multipart/form-data"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(upload, timeout=10)
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["error"]["code"] == "cross_origin"

    read = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/flows", headers={"Origin": sibling, "Cookie": cookie}
    )
    with urllib.request.urlopen(read, timeout=10) as answer:
        # The browser withholds an answer that does not name the page's origin as allowed.
        assert answer.headers.get("access-control-allow-origin") is None


def _session(database: Engine) -> str:
    found = accounts.credentials(database, "ada")
    actor = found[0] if found else accounts.create_user(database, "ada", "Ada")
    return signin.create_session(database, actor.id, timedelta(hours=1))
