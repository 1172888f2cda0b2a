"""The Blocks pages' states: "My blocks", the import dialog, the block editor and sharing.

Each page's state tree is built as Reflex's state manager builds one for a browser tab, with
the router data a page load carries (the address and the session cookie), on a real SQLite
store. Events are sent as the browser sends them: the editor's text as the code editor sends
it (text and length), the fields' text, file uploads as Reflex hands them over.
"""

from __future__ import annotations

import inspect
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reflex.event import EventHandler
from reflex.state import BaseState, State
from sqlalchemy import Engine

from designer.api.session import SESSION_COOKIE
from designer.flow.document import Flow, Node
from designer.settings import load_settings
from designer.store import engine_for
from designer.store import flows as flow_store
from designer.store import teams as team_store
from designer.store.access import Actor, Role
from designer.store.accounts import create_user
from designer.store.block_shares import block_access, share_block
from designer.store.sharing import ShareEntry
from designer.store.signin import create_session
from designer.store.userblocks import block_history, list_blocks
from designer.ui.blocks import views
from designer.ui.blocks.catalogue_state import BlocksState
from designer.ui.blocks.editor_state import FROM_DOCSTRING, BlockEditorState, whole
from designer.ui.blocks.importing import ImportState
from designer.ui.blocks.sharing import BLOCKS, BlockShareState, share_dialog
from designer.ui.dataset_page import sharing_card
from designer.ui.datasets_state import DATASETS
from designer.ui.share_dialog import MAX_NAME_CHARS, SharedThing
from designer.userblocks.component_file import KUBEFLOW_ONLY, MAX_COMPONENT_BYTES
from designer.userblocks.saving import save_block_text
from designer.userblocks.source import STARTER_SOURCE, read_source
from designer.userblocks.spec import MAX_SOURCE_CHARS, SourceProblem
from tests.fixtures.loopback import LoopbackServer
from tests.fixtures.threads import run_coroutine

COMPONENTS = Path(__file__).parents[2] / "fixtures" / "components"
CONTAINER = COMPONENTS / "container_embed_texts.yaml"
PIPELINE = COMPONENTS / "pipeline_count_and_sum.yaml"
STATES = (BlocksState, ImportState, BlockEditorState, BlockShareState)

SOURCE = '''\
from blocks.types import Dataset, Input, Output


def keep_rows(data: Input[Dataset], kept: Output[Dataset], rows: int = 10) -> None:
    """Keep the first rows.

    Category: preprocess

    Args:
        rows: How many rows to keep.
    """
    import shutil

    shutil.copy(data.path, kept.path)
'''
BROKEN = SOURCE.replace("rows: int = 10)", "rows: int = )")


# -- a tab, as Reflex keeps one ----------------------------------------------------------------


@dataclass
class Tab:
    """One browser tab's state tree, signed in as someone, on a page."""

    root: State
    token: str
    returned: list[Any] = field(default_factory=list)

    def visit(self, path: str) -> None:
        router = {
            "pathname": path,
            "asPath": path,
            "query": {},
            "token": "tab",
            "sid": "tab",
            "headers": {
                "cookie": f"{SESSION_COOKIE}={self.token}",
                "origin": "http://127.0.0.1:3000",
            },
        }
        self.root.router_data = self.root._update_router_vars(router, {})

    def state(self, cls: type[BaseState]) -> Any:
        return self.root.get_substate(cls.get_full_name().split("."))

    def run(self, handler: EventHandler, *args: Any) -> Any:
        """Handle one event as Reflex does (async handlers to their end); what it returned."""
        cls = next(c for c in STATES if c.get_full_name() == handler.state_full_name)
        result = handler.fn(self.state(cls), *args)
        if inspect.isasyncgen(result):
            result = run_coroutine(_drain(result))
        elif inspect.iscoroutine(result):
            result = run_coroutine(result)
        self.returned.append(result)
        return result


async def _drain(steps: Any) -> list[Any]:
    return [step async for step in steps]


@dataclass
class People:
    engine: Engine
    ann: Actor
    bob: Actor

    def tab(self, person: Actor, path: str) -> Tab:
        token = create_session(self.engine, person.id, timedelta(hours=1))
        tab = Tab(State(_reflex_internal_init=True), token)
        tab.visit(path)
        return tab


@pytest.fixture
def people() -> People:
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    return People(engine, create_user(engine, "ann", "Ann"), create_user(engine, "bob", "Bob"))


def upload(name: str, data: bytes) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name))


def said(result: Any) -> str:
    """The text of the toasts (and the addresses of the redirects) a handler returned."""
    events = result if isinstance(result, list) else [result]
    return " | ".join(str(event) for event in events if event is not None)


def new_block(people: People, source: str = SOURCE, person: Actor | None = None) -> str:
    """Save ``source`` as a block of ``person`` (Ann); its id."""
    saved = save_block_text(people.engine, person or people.ann, source, "python")
    return saved.block.id


# -- views (no Reflex) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "block_id"),
    [
        ("/blocks/new", "new"),
        ("/blocks/abc123/", "abc123"),
        ("/blocks/abc?x=1", "abc"),
        ("/blocks", ""),
        ("/datasets/abc", ""),
        ("/blocks/a/b", ""),
    ],
)
def test_the_block_id_is_read_from_the_address(path: str, block_id: str) -> None:
    assert views.block_id_from_path(path) == block_id


@pytest.mark.parametrize("length", [MAX_SOURCE_CHARS + 1, 250_000, 5_000_000])
def test_a_text_too_long_to_send_gets_the_readers_own_message(length: int) -> None:
    check = read_source("#" * length)
    assert (views.too_long(length),) == check.problems


def test_the_preview_is_the_block_as_the_palette_and_the_form_show_it() -> None:
    spec = read_source(SOURCE).spec
    assert spec is not None
    preview = views.preview_view(spec, SOURCE)
    assert (preview["title"], preview["category"], preview["kind"]) == (
        "Keep the first rows",
        "Preprocess",
        "Python",
    )
    assert [(p["name"], p["type"], p["color"]) for p in preview["inputs"]] == [
        ("data", "Dataset", "#2563eb")
    ]
    assert [p["name"] for p in preview["outputs"]] == ["kept"]
    [rows] = preview["fields"]
    assert (rows["name"], rows["title"], rows["kind"], rows["value"], rows["help"]) == (
        "rows",
        "Rows",
        "integer",
        "10",
        "How many rows to keep.",
    )
    assert preview["kubeflow_only"] is False


def test_problems_are_listed_by_line_and_marked_only_on_lines() -> None:
    problems = (SourceProblem("bad default", 4, 70), SourceProblem("too many problems"))
    assert views.problem_rows(problems) == [
        {"text": "line 4: bad default", "message": "bad default", "line": 4, "column": 70},
        {"text": "too many problems", "message": "too many problems", "line": 0, "column": 1},
    ]
    assert views.lint_marks(problems) == [{"line": 4, "column": 70, "message": "bad default"}]


@pytest.mark.parametrize(
    ("query", "shown"),
    [("", True), ("KEEP", True), ("keep dataset", False), ("ann/keep_rows", True), ("x", False)],
)
def test_the_search_box_needs_every_word(query: str, shown: bool) -> None:
    assert views.card_matches({"search": "keep the first rows ann/keep_rows"}, query) is shown


# -- the catalogue page ------------------------------------------------------------------------


def test_my_blocks_lists_own_and_shared_blocks_and_the_search_filters_every_card(
    people: People,
) -> None:
    kept = new_block(people)
    container = save_block_text(people.engine, people.bob, CONTAINER.read_text(), "component")
    share_block(people.engine, people.bob, container.block.id, "user", "ann")

    tab = people.tab(people.ann, "/blocks")
    tab.run(BlocksState.load)
    page = tab.state(BlocksState)
    assert page.loaded and page.error == ""
    cards = {card["id"]: card for card in page.mine}
    assert list(cards) == [kept, container.block.id]  # their own first
    assert (cards[kept]["owner"], cards[kept]["kind"], cards[kept]["version"]) == (
        "",
        "Python",
        "v1",
    )
    assert cards[kept]["kubeflow_only"] is False
    embed = cards[container.block.id]
    assert (embed["owner"], embed["kind"], embed["kubeflow_only"]) == ("by Bob", "Component", True)
    assert ("texts", "Dataset") in [(p["name"], p["type"]) for p in embed["inputs"]]

    tab.run(BlocksState.search, "embed")
    assert [card["id"] for card in page.mine_shown] == [container.block.id]
    assert page.builtin_shown == []
    tab.run(BlocksState.search, "split")
    assert page.mine_shown == [] and "split.train_test" in page.builtin_shown
    assert page.categories_shown == ["split"]
    tab.run(BlocksState.search, "")
    assert len(page.mine_shown) == 2 and len(page.builtin_shown) > 10


# -- the editor: writing and saving ------------------------------------------------------------


def test_a_new_block_starts_from_the_starter_and_previews_as_it_is_typed(people: People) -> None:
    tab = people.tab(people.ann, "/blocks/new")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    assert (editor.doc, editor.is_new, editor.role, editor.kind) == (
        STARTER_SOURCE,
        True,
        "owner",
        "python",
    )
    assert editor.heading == "Drop rows with missing values" and editor.can_save

    tab.run(BlockEditorState.edit, SOURCE, len(SOURCE))
    assert editor.heading == "Keep the first rows"
    assert [p["name"] for p in editor.preview["inputs"]] == ["data"]
    assert [f["name"] for f in editor.preview["fields"]] == ["rows"]
    assert editor.doc == STARTER_SOURCE  # the editor keeps its own text: nothing is sent back

    tab.run(BlockEditorState.edit, BROKEN, len(BROKEN))
    assert [p["text"] for p in editor.problems] == [
        "line 4: Python cannot read this: expected default value expression"
    ]
    assert editor.marks == [
        {"line": 4, "column": 70, "message": "Python cannot read this: expected default value "
         "expression"}
    ]  # fmt: skip
    assert not editor.can_save and editor.problem_count == "1 problem"
    refused = tab.run(BlockEditorState.save)
    assert "Fix the 1 problem first" in said(refused)
    assert list_blocks(people.engine, people.ann) == []

    tab.run(BlockEditorState.goto, 4, 70)
    tab.run(BlockEditorState.goto, 4, 70)
    assert editor.cursor == {"line": 4, "column": 70, "seq": 2}  # again: the cursor moves again


def test_the_fields_win_over_the_docstring_and_markup_stays_text(people: People) -> None:
    tab = people.tab(people.ann, "/blocks/new")
    tab.run(BlockEditorState.load)
    tab.run(BlockEditorState.edit, SOURCE, len(SOURCE))
    editor = tab.state(BlockEditorState)
    tab.run(BlockEditorState.set_title, "<b>Rows</b> & <script>alert(1)</script>")
    tab.run(BlockEditorState.set_category, "evaluate")
    tab.run(BlockEditorState.set_description, "Only <i>some</i> rows.")
    assert (editor.preview["title"], editor.preview["category"]) == (
        "<b>Rows</b> & <script>alert(1)</script>",
        "Evaluate",
    )
    assert editor.preview["description"] == "Only <i>some</i> rows."
    tab.run(BlockEditorState.set_category, "not-a-category")
    assert editor.category == FROM_DOCSTRING and editor.preview["category"] == "Preprocess"
    tab.run(BlockEditorState.set_title, "x" * 500)
    assert editor.problems[0]["text"].startswith("the title has 200 characters")


def test_saving_makes_versions_and_the_page_opens_what_was_saved(people: People) -> None:
    tab = people.tab(people.ann, "/blocks/new")
    tab.run(BlockEditorState.load)
    tab.run(BlockEditorState.edit, SOURCE, len(SOURCE))
    tab.run(BlockEditorState.set_title, "Keep some rows")
    tab.run(BlockEditorState.set_save_message, "first cut")
    saved = tab.run(BlockEditorState.save)
    [block] = list_blocks(people.engine, people.ann)
    assert "Saved version 1" in said(saved) and f"/blocks/{block.id}" in said(saved)

    # The redirect opens the block's own page: the field that made the title is filled again.
    tab.visit(f"/blocks/{block.id}")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    assert (editor.block_id, editor.version, editor.doc, editor.save_message) == (
        block.id,
        1,
        SOURCE,
        "",
    )
    assert (editor.title, editor.category, editor.description) == (
        "Keep some rows",
        "docstring",
        "",
    )
    assert [(h["number"], h["author"], h["message"]) for h in editor.history] == [
        (1, "Ann", "first cut")
    ]

    # Ctrl+S sends the editor's text itself.
    changed = SOURCE.replace("rows: int = 10", "rows: int = 20")
    again = tab.run(BlockEditorState.save_text, changed, len(changed))
    assert "Saved version 2" in said(again) and "redirect" not in said(again).lower()
    assert [h["number"] for h in editor.history] == [2, 1] and editor.version == 2
    assert editor.preview["fields"][0]["value"] == "20"
    same = tab.run(BlockEditorState.save)
    assert "Nothing changed: version 2 is the newest" in said(same)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=400), extra=st.integers(min_value=-5, max_value=10**9))
def test_whatever_is_typed_makes_a_preview_or_problems_never_an_error(
    people: People, text: str, extra: int
) -> None:
    tab = people.tab(people.ann, "/blocks/new")
    tab.run(BlockEditorState.load)
    tab.run(BlockEditorState.edit, text, len(text) + max(extra, 0))
    editor = tab.state(BlockEditorState)
    assert bool(editor.preview) != bool(editor.problems)
    assert all(p["text"] for p in editor.problems)
    if extra > 0 and len(text) + extra > MAX_SOURCE_CHARS:
        assert editor.problems[0]["text"].startswith(f"the source has {len(text) + extra:,}")


def test_a_huge_paste_is_refused_with_the_readers_message(people: People) -> None:
    tab = people.tab(people.ann, "/blocks/new")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    # The editor sends "" and the length of a text over the limit.
    tab.run(BlockEditorState.edit, "", 3_000_000)
    assert [p["text"] for p in editor.problems] == [str(views.too_long(3_000_000))]
    assert editor.marks == [] and not editor.can_save
    # Sent whole anyway (a client of its own): the same.
    tab.run(BlockEditorState.edit, "x" * (MAX_SOURCE_CHARS + 5), 0)
    assert [p["text"] for p in editor.problems] == [str(views.too_long(MAX_SOURCE_CHARS + 5))]
    assert "Fix the 1 problem first" in said(tab.run(BlockEditorState.save_text, "", 3_000_000))
    assert list_blocks(people.engine, people.ann) == []


# -- the editor: history ------------------------------------------------------------------------


def test_an_old_version_shows_read_only_and_is_restored_as_a_new_one(people: People) -> None:
    block_id = new_block(people)
    changed = SOURCE.replace("Keep the first rows.", "Keep the top rows.")
    save_block_text(people.engine, people.ann, changed, "python", block_id=block_id)
    tab = people.tab(people.ann, f"/blocks/{block_id}")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    assert editor.heading == "Keep the top rows" and editor.editable
    key = editor.doc_key

    tab.run(BlockEditorState.show_version, 1)
    assert (editor.viewing, editor.doc, editor.editable) == (1, SOURCE, False)
    assert editor.doc_key != key and editor.heading == "Keep the first rows"
    assert [h["viewing"] for h in editor.history] == [False, True]
    tab.run(BlockEditorState.edit, "ignored", 7)  # read-only: nothing typed counts
    tab.run(BlockEditorState.show_current)
    assert (editor.viewing, editor.doc, editor.heading) == (0, changed, "Keep the top rows")

    tab.run(BlockEditorState.show_version, 1)
    restored = tab.run(BlockEditorState.restore)
    assert "Restored version 1 as version 3" in said(restored)
    assert (editor.viewing, editor.version, editor.doc, editor.editable) == (0, 3, SOURCE, True)
    assert editor.history[0]["message"] == "Restored version 1"
    assert "no block" in said(tab.run(BlockEditorState.show_version, 9))


# -- the editor: who may do what ---------------------------------------------------------------


def test_a_viewer_reads_the_code_and_cannot_change_it(people: People) -> None:
    block_id = new_block(people)
    share_block(people.engine, people.ann, block_id, "user", "bob")
    tab = people.tab(people.bob, f"/blocks/{block_id}")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    assert (editor.role, editor.role_sentence, editor.owner) == ("viewer", "You can use it", "Ann")
    assert (editor.editable, editor.can_save, editor.is_owner, editor.doc) == (
        False,
        False,
        False,
        SOURCE,
    )
    tab.run(BlockEditorState.edit, BROKEN, len(BROKEN))
    assert editor.problems == []
    assert tab.run(BlockEditorState.save) is None
    assert tab.run(BlockEditorState.save_text, BROKEN, len(BROKEN)) is None
    tab.run(BlockEditorState.show_version, 1)
    assert tab.run(BlockEditorState.restore) is None
    assert len(block_history(people.engine, people.ann, block_id)) == 1


def test_a_stranger_is_told_the_block_does_not_exist(people: People) -> None:
    block_id = new_block(people)
    tab = people.tab(people.bob, f"/blocks/{block_id}")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    assert editor.error.startswith("no block") and editor.loaded


def test_deleting_asks_again_when_flows_use_the_block(people: People) -> None:
    block_id = new_block(people)
    tab = people.tab(people.ann, f"/blocks/{block_id}")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    tab.run(BlockEditorState.ask_delete)
    tab.run(BlockEditorState.cancel_delete)
    assert (editor.deleting, editor.in_use) == (False, "")

    flow_store.create_flow(
        people.engine,
        people.ann,
        Flow(name="Cleaning", nodes=[Node(id="k", block="ann/keep_rows@1")]),
    )
    tab.run(BlockEditorState.ask_delete)
    assert tab.run(BlockEditorState.confirm_delete) is None
    assert editor.deleting and "used by 'Cleaning'" in editor.in_use
    done = tab.run(BlockEditorState.confirm_delete)
    assert "Deleted “Keep the first rows”" in said(done) and "/blocks" in said(done)
    assert list_blocks(people.engine, people.ann) == []


def test_only_the_owner_deletes(people: People) -> None:
    block_id = new_block(people)
    share_block(people.engine, people.ann, block_id, "user", "bob", "editor")
    tab = people.tab(people.bob, f"/blocks/{block_id}")
    tab.run(BlockEditorState.load)
    assert tab.state(BlockEditorState).can_edit and not tab.state(BlockEditorState).is_owner
    tab.run(BlockEditorState.ask_delete)
    assert "only the block's owner" in said(tab.run(BlockEditorState.confirm_delete))
    assert len(list_blocks(people.engine, people.ann)) == 1


# -- component blocks --------------------------------------------------------------------------


def test_a_component_block_shows_its_yaml_and_takes_a_new_file(people: People) -> None:
    saved = save_block_text(people.engine, people.ann, CONTAINER.read_text(), "component")
    tab = people.tab(people.ann, f"/blocks/{saved.block.id}")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    assert (editor.kind, editor.language, editor.editable, editor.can_edit) == (
        "component",
        "yaml",
        False,
        True,
    )
    assert editor.doc == saved.text and editor.preview["kubeflow_only"] is True
    assert editor.kind_label == "Component"

    bad = tab.run(BlockEditorState.import_version, [upload("p.yaml", PIPELINE.read_bytes())])
    assert "p.yaml does not make a block" in said(bad)
    assert editor.problems[0]["text"].endswith("import it as a flow instead")
    assert "not a .yaml" in said(tab.run(BlockEditorState.import_version, [upload("x.txt", b"")]))
    latin = [upload("l.yaml", "name: é".encode("latin-1"))]
    assert "not UTF-8" in said(tab.run(BlockEditorState.import_version, latin))

    newer = CONTAINER.read_text().replace("Embeds each text", "Embeds every text")
    done = tab.run(BlockEditorState.import_version, [upload("embed.yaml", newer.encode())])
    assert "Saved version 2" in said(done)
    assert editor.version == 2 and editor.history[0]["message"] == "Imported from embed.yaml"
    assert editor.problems == [] and "Embeds every text" in editor.preview["description"]


# -- importing ---------------------------------------------------------------------------------


def test_an_imported_file_is_read_previewed_and_added(people: People) -> None:
    tab = people.tab(people.ann, "/blocks")
    tab.run(ImportState.open_dialog)
    dialog = tab.state(ImportState)
    assert dialog.is_open and not dialog.can_add

    tab.run(ImportState.upload, [upload("pipeline.yaml", PIPELINE.read_bytes())])
    assert dialog.source == "pipeline.yaml" and not dialog.has_preview
    assert "import it as a flow instead" in dialog.problems[0]["text"]

    tab.run(ImportState.upload, [upload("notes.txt", b"hello")])
    assert dialog.error == "notes.txt is not a .yaml or .yml file: choose a KFP component file"
    tab.run(ImportState.upload, [upload("huge.yaml", b"a" * (MAX_COMPONENT_BYTES + 1))])
    assert dialog.error == f"huge.yaml is larger than {MAX_COMPONENT_BYTES:,} bytes"
    tab.run(ImportState.upload, [])

    tab.run(ImportState.upload, [upload("embed.yaml", CONTAINER.read_bytes())])
    assert dialog.error == "" and dialog.problems == [] and dialog.can_add
    assert dialog.preview["kubeflow_only"] is True and KUBEFLOW_ONLY in dialog.preview["notes"]
    added = tab.run(ImportState.add)
    [block] = list_blocks(people.engine, people.ann)
    assert f"/blocks/{block.id}" in said(added) and "Added “" in said(added)
    assert not dialog.is_open and block.kind == "container"
    assert block_history(people.engine, people.ann, block.id)[0].message == (
        "Imported from embed.yaml"
    )
    assert tab.run(ImportState.add) is None  # nothing read: nothing to add


class _Files(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        body = CONTAINER.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _FileServer(LoopbackServer):
    handler = _Files

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/component.yaml"


@pytest.fixture
def file_server() -> Iterator[_FileServer]:
    server = _FileServer().start()
    yield server
    server.stop()


def test_a_component_is_fetched_by_address_under_the_outbound_rules(
    people: People, file_server: _FileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = people.tab(people.ann, "/blocks")
    tab.run(ImportState.open_dialog)
    dialog = tab.state(ImportState)
    tab.run(ImportState.fetch)
    assert dialog.error == "type the http:// or https:// address of a component file"
    tab.run(ImportState.set_url, file_server.url)
    tab.run(ImportState.fetch)
    assert "loopback" in dialog.error and not dialog.has_preview  # the designer's own rules

    monkeypatch.setenv("DESIGNER_ALLOWED_NETWORKS", "127.0.0.0/8")
    tab.run(ImportState.fetch)
    assert dialog.error == "" and dialog.source == file_server.url and dialog.has_preview
    tab.run(ImportState.set_open, False)
    assert (dialog.is_open, dialog.has_preview, dialog.source) == (False, False, "")


# -- sharing -----------------------------------------------------------------------------------


def test_the_owner_shares_with_people_and_teams_and_removes_them(people: People) -> None:
    block_id = new_block(people)
    team = team_store.create_team(people.engine, people.ann, "Analysts")
    tab = people.tab(people.ann, f"/blocks/{block_id}")
    tab.run(BlockShareState.open_dialog, block_id, "Keep the first rows")
    dialog = tab.state(BlockShareState)
    assert dialog.is_open and [r["kind"] for r in dialog.access] == ["owner"]
    assert dialog.teams == [{"value": team.id, "label": "Analysts"}]
    assert dialog.share_team == team.id

    tab.run(BlockShareState.share)
    assert dialog.share_error == "type a user name"
    tab.run(BlockShareState.set_share_user, "nobody")
    tab.run(BlockShareState.share)
    assert "nobody" in dialog.share_error
    tab.run(BlockShareState.set_share_user, "bob")
    tab.run(BlockShareState.set_share_role, "editor")
    shared = tab.run(BlockShareState.share)
    assert "Bob can now use and change this block" in said(shared)
    tab.run(BlockShareState.set_share_kind, "team")
    tab.run(BlockShareState.set_share_team, team.id)
    tab.run(BlockShareState.set_share_role, "viewer")
    tab.run(BlockShareState.share)
    assert [(r["kind"], r["name"], r["role"]) for r in dialog.access] == [
        ("owner", "Ann", "owner"),
        ("user", "Bob", "editor"),
        ("team", "Analysts", "viewer"),
    ]
    bob = next(r for r in dialog.access if r["name"] == "Bob")
    tab.run(BlockShareState.remove, "user", bob["id"])
    assert [r["name"] for r in dialog.access] == ["Ann", "Analysts"]
    assert [e.name for e in block_access(people.engine, people.ann, block_id)] == [
        "Ann",
        "Analysts",
    ]
    tab.run(BlockShareState.set_open, False)
    assert not dialog.is_open


def test_someone_else_cannot_share(people: People) -> None:
    block_id = new_block(people)
    share_block(people.engine, people.ann, block_id, "user", "bob", "editor")
    tab = people.tab(people.bob, f"/blocks/{block_id}")
    tab.run(BlockShareState.open_dialog, block_id, "Keep")
    tab.run(BlockShareState.set_share_user, "admin")
    tab.run(BlockShareState.share)
    assert "only the block's owner" in tab.state(BlockShareState).share_error
    assert "only the block's owner" in said(tab.run(BlockShareState.remove, "user", "x"))


@pytest.mark.parametrize(
    ("thing", "role", "message"),
    [
        (BLOCKS, Role.EDITOR, "Bob can now use and change this block"),
        (BLOCKS, Role.VIEWER, "Bob can now use this block"),
        (DATASETS, Role.EDITOR, "Bob can now upload new versions of this dataset"),
        (DATASETS, Role.VIEWER, "Bob can now use this dataset"),
    ],
)
def test_sharing_says_what_the_role_allows(thing: SharedThing, role: Role, message: str) -> None:
    assert thing.shared_message(ShareEntry("user", "u2", "Bob", role)) == message


@pytest.mark.parametrize(
    ("sent", "kind"),
    [("team", "team"), ("user", "user"), ("owner", "user"), (["team"], "user"), (None, "user")],
)
def test_the_form_shares_with_a_person_unless_a_team_is_picked(
    people: People, sent: Any, kind: str
) -> None:
    tab = people.tab(people.ann, "/blocks/new")
    tab.run(BlockShareState.set_share_kind, sent)
    assert tab.state(BlockShareState).share_kind == kind
    tab.run(BlockShareState.set_share_user, "x" * 5_000)
    assert len(tab.state(BlockShareState).share_user) == MAX_NAME_CHARS


@pytest.mark.parametrize(
    ("drawn", "prefix", "frame"),
    [(share_dialog, "block-", "block-share-dialog"), (sharing_card, "", "dataset-sharing")],
)
def test_the_block_dialog_and_the_dataset_card_keep_their_test_ids(
    drawn: Any, prefix: str, frame: str
) -> None:
    """One form serves both pages; each keeps the test ids its browser tests use."""
    parts = ("share-kind", "share-team", "share-user", "share-role", "share-submit", "share-error")
    expected = {frame, *(prefix + part for part in (*parts, "access-row", "access-remove"))}
    assert set(re.findall(r'"data-testid"\s*:\s*"([^"]+)"', str(drawn()))) == expected


@pytest.mark.parametrize(
    ("sent", "taken"),
    [(4, 4), ("7", 7), (-3, 0), ("x", 0), (None, 0), (1.9, 1), (10**40, 2**31 - 1)],
)
def test_numbers_from_the_page_are_taken_as_whole_numbers_or_zero(sent: Any, taken: int) -> None:
    assert whole(sent) == taken


def test_hostile_events_change_nothing_and_raise_nothing(people: People) -> None:
    block_id = new_block(people)
    tab = people.tab(people.ann, f"/blocks/{block_id}")
    tab.run(BlockEditorState.load)
    editor = tab.state(BlockEditorState)
    tab.run(BlockEditorState.goto, "4; drop table", {"x": 1})
    assert editor.cursor == {"line": 0, "column": 0, "seq": 1}
    assert "no block" in said(tab.run(BlockEditorState.show_version, "9" * 50))
    assert editor.viewing == 0 and editor.doc == SOURCE
