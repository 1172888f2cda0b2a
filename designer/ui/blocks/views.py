"""What the Blocks pages show, as plain dicts of text (no Reflex here, so it can be tested).

The catalogue's "My blocks" cards, the editor's live preview (the block as the palette and the
properties panel will show it), its problems list and lint marks and the version history are
all shaped here from the store's and the readers' values (the share list as a dataset's is, in
``designer.ui.sharing_views``). Everything a person typed (titles, descriptions, port names,
messages) stays plain text: the pages render it as text nodes, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from blocks.base import Block
from designer.flow.param_form import form_fields
from designer.store.userblocks import BlockVersion
from designer.ui.editor.views import field_view
from designer.ui.sharing_views import exact_time, relative_time
from designer.userblocks.blocks import BlockRef, make_block
from designer.userblocks.spec import CATEGORIES, MAX_SOURCE_CHARS, BlockSpec, SourceProblem

#: Where the editor of a new block lives; a saved block's is ``/blocks/<id>``.
NEW_BLOCK = "new"
#: How each kind of stored text is named on the cards ("python" source, "component" file).
KIND_LABELS = {"python": "Python", "component": "Component"}
#: The badge on a block whose task needs a container engine (``spec.kind == "container"``).
KUBEFLOW_ONLY = "runs on Kubeflow only"
#: What the person may do with a block, in their words.
ROLE_SENTENCES = {"owner": "You own it", "editor": "You can edit", "viewer": "You can use it"}
#: The category select's (label, value) choices, in the palette's order.
CATEGORY_CHOICES: tuple[tuple[str, str], ...] = tuple((c.capitalize(), c) for c in CATEGORIES)
#: Stand-in owner of a block being written: the preview needs a ref, not a real one.
_PREVIEW_REF = BlockRef("you", "preview", 1)


# -- addresses ---------------------------------------------------------------------------------


def block_href(block_id: str) -> str:
    return f"/blocks/{block_id}"


def block_id_from_path(path: str) -> str:
    """The id in ``/blocks/<id>`` (``new`` for a new block; a trailing slash is fine), else ""."""
    parts = [part for part in path.split("?", 1)[0].split("/") if part]
    return parts[1] if len(parts) == 2 and parts[0] == "blocks" else ""


# -- the catalogue's "My blocks" ---------------------------------------------------------------


def my_block_card(version: BlockVersion, block: Block, me: str) -> dict[str, Any]:
    """One card of "My blocks": a block of the person's own or one shared with them."""
    described = block.describe()
    stored = version.block
    mine = stored.owner == me
    packages = ", ".join(version.spec.packages)
    return {
        "id": stored.id,
        "href": block_href(stored.id),
        "title": stored.title,
        "description": version.spec.description,
        "ref": stored.ref,
        "owner": "" if mine else f"by {stored.owner_name or stored.owner}",
        "version": f"v{stored.version}",
        "kind": KIND_LABELS.get(version.source_kind, version.source_kind),
        "kubeflow_only": "local" not in version.spec.engines,
        "category": stored.category.capitalize(),
        "inputs": described["inputs"],
        "outputs": described["outputs"],
        "packages": packages,
        "role": str(stored.role),
        "search": " ".join(
            (stored.title, stored.ref, version.spec.description, packages, stored.owner_name)
        ).lower(),
    }


def card_matches(card: Mapping[str, Any], query: str) -> bool:
    """Whether a card's words hold every word of the search box (case ignored)."""
    text = str(card.get("search", ""))
    return all(word in text for word in query.lower().split())


def builtin_search_texts(described: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Block id -> the words its catalogue card is found by."""
    return {
        block["id"]: " ".join(
            (
                block["id"],
                block["title"],
                block["description"],
                block["category"],
                *(p["type"] for p in (*block["inputs"], *block["outputs"])),
            )
        ).lower()
        for block in described
    }


# -- the editor's preview ----------------------------------------------------------------------


def preview_view(spec: BlockSpec, text: str = "", from_file: bool = False) -> dict[str, Any]:
    """The block as it will look: texts, ports with their colours, its settings form.

    The form is the properties panel's (``designer.flow.param_form`` over the block's own
    parameter model), each field showing its default. Nothing is run: the block is made from
    the spec, and its component is only built when a flow is compiled.
    """
    block = make_block(_PREVIEW_REF, spec, text, from_file)
    described = block.describe()
    return {
        "name": spec.name,
        "title": spec.title,
        "category": spec.category.capitalize(),
        "description": spec.description,
        "kind": "Container" if spec.kind == "container" else "Python",
        "kubeflow_only": "local" not in spec.engines,
        "image": spec.image,
        "inputs": described["inputs"],
        "outputs": described["outputs"],
        "fields": [field_view(f, None, "") for f in form_fields(described["params"])],
        "packages": list(spec.packages),
        "notes": list(spec.notes),
    }


def problem_rows(problems: Sequence[SourceProblem]) -> list[dict[str, Any]]:
    """The problems list: "line 7: ..." each, with where to put the cursor when clicked."""
    return [
        {
            "text": str(problem),
            "message": problem.message,
            "line": problem.line,
            "column": max(problem.column, 1),
        }
        for problem in problems
    ]


def lint_marks(problems: Sequence[SourceProblem]) -> list[dict[str, Any]]:
    """The problems the editor marks on their lines (those that belong to no line are listed
    only)."""
    return [
        {"line": p.line, "column": max(p.column, 1), "message": p.message}
        for p in problems
        if p.line > 0
    ]


def too_long(length: int, limit: int = MAX_SOURCE_CHARS) -> SourceProblem:
    """The source reader's refusal of a text of ``length`` characters.

    The editor does not send a text longer than the limit over the page's connection (a huge
    paste would stall it); it sends its length, and the page says what the reader would.
    """
    return SourceProblem(
        f"the source has {length:,} characters; a block holds at most {limit:,}: move large "
        "data out of the code"
    )


# -- versions ----------------------------------------------------------------------------------


def history_rows(
    versions: Iterable[BlockVersion], now: datetime, viewing: int = 0
) -> list[dict[str, Any]]:
    """The version history, newest first: number, author, when, message."""
    rows = []
    for index, version in enumerate(versions):
        rows.append(
            {
                "number": version.number,
                "label": f"v{version.number}",
                "author": version.author or "someone",
                "when": relative_time(version.created_at, now),
                "when_exact": exact_time(version.created_at),
                "message": version.message,
                "latest": index == 0,
                "viewing": version.number == viewing,
            }
        )
    return rows


def role_sentence(role: str) -> str:
    return ROLE_SENTENCES.get(role, role)
