"""Finding a template as a person may see it, and turning it (or a guided proposal) into a flow
of their own. The gallery page, the wizard and the REST API all go through here."""

from __future__ import annotations

from sqlalchemy import Engine

from designer.flow.document import Flow
from designer.store import flows as flow_store
from designer.store import templates as team_templates
from designer.store.access import Actor
from designer.templates.gallery import Template, builtin_templates, copy_for, from_team, get_builtin


def all_templates(engine: Engine, actor: Actor | None) -> list[Template]:
    """The built-in templates, then the templates of the person's teams, newest first."""
    published = team_templates.list_team_templates(engine, actor)
    return [*builtin_templates(), *(from_team(t) for t in published)]


def find_template(engine: Engine, actor: Actor | None, template_id: str) -> Template:
    """A built-in template by its name, or a team template the person may see.

    Raises ``designer.store.templates.TeamTemplateNotFound`` otherwise (the same error for a team
    template of another team as for an id that does not exist).
    """
    builtin = get_builtin(template_id)
    if builtin is not None:
        return builtin
    return from_team(team_templates.get_team_template(engine, actor, template_id))


def use_template(engine: Engine, actor: Actor | None, template_id: str) -> flow_store.StoredFlow:
    """A copy of the template in the person's own flows, named after the template."""
    template = find_template(engine, actor, template_id)
    name = flow_store.unique_name(engine, actor, template.title)
    message = f"From the template “{template.title}”"
    return flow_store.create_flow(engine, actor, copy_for(template, name), message=message)


def create_guided_flow(engine: Engine, actor: Actor | None, flow: Flow) -> flow_store.StoredFlow:
    """Save a guided start's proposal as the person's new flow."""
    name = flow_store.unique_name(engine, actor, flow.name[:200])
    return flow_store.create_flow(
        engine, actor, flow.model_copy(update={"name": name}), message="Made by the guided start"
    )
