"""What the editor opens for a URL: a flow to edit, one of its versions, or a share link.

Kept apart from the editor's state so the rules (who sees what, read-only or not) can be read
and tested without a browser: the store decides access, this only picks the right call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from designer.flow.document import Flow
from designer.store import flows as flow_store
from designer.store import shares as share_store
from designer.store import versions as version_store
from designer.store.access import Actor, FlowNotFound, Role
from designer.templates.use import find_template
from designer.ui.context import database
from designer.ui.gallery_views import template_card

READ_ONLY_REASON = {
    "flow": "this flow is shared with you to view only: duplicate it to change it",
    "version": "this is an old version: restore it, or go back to the latest to edit",
    "run": "this is the version an old run ran: go back to the current flow to edit",
    "link": "a shared link opens a flow to view only",
    "template": "this is a template: use it to get your own copy you can change and run",
}


@dataclass(frozen=True)
class Opened:
    """What the editor shows for a URL."""

    mode: str
    flow_id: str
    flow: Flow
    version: int
    base_version: int
    role: str
    owner: str
    read_only: bool
    saved: bool
    viewing: int = 0
    #: In "template" mode, what the gallery card says (designer.ui.gallery_views).
    template: dict[str, Any] | None = None


def open_from_path(path: str, actor: Actor | None) -> Opened:
    """Read what ``path`` names from the store, as ``actor`` may see it.

    ``/flows/<id>``, ``/flows/<id>/versions/<n>``, ``/links/<token>`` or ``/gallery/<id>`` (a
    template); anything else is reported as a flow that does not exist.
    """
    parts = [part for part in path.split("/") if part]
    engine = database()
    if len(parts) == 2 and parts[0] == "gallery":
        template = find_template(engine, actor, parts[1])
        owner = template.team_name or "the designer"
        return Opened(
            "template",
            template.id,
            template.flow,
            0,
            0,
            "",
            owner,
            read_only=True,
            saved=True,
            template=template_card(template),
        )
    if len(parts) == 2 and parts[0] == "links":
        linked = share_store.flow_for_link(engine, parts[1])
        return Opened(
            "link",
            linked.id,
            linked.flow,
            linked.version,
            linked.version,
            "",
            linked.owner,
            read_only=True,
            saved=True,
        )
    if len(parts) < 2 or parts[0] != "flows":
        raise FlowNotFound(path)
    stored = flow_store.get_flow(engine, actor, parts[1])
    role = stored.role
    if len(parts) == 4 and parts[2] == "versions" and parts[3].isdigit():
        number = int(parts[3])
        flow = version_store.get_version(engine, actor, stored.id, number)
        return Opened(
            "version",
            stored.id,
            flow,
            stored.version,
            stored.version,
            str(role),
            stored.owner,
            read_only=True,
            saved=True,
            viewing=number,
        )
    return Opened(
        "flow",
        stored.id,
        stored.flow,
        stored.version,
        stored.base_version,
        str(role),
        stored.owner,
        read_only=not role.allows(Role.EDITOR),
        saved=stored.saved,
    )
