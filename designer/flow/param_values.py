"""Values for a flow's parameters as the Run dialog asks for them, checked like node settings.

A run's value is of the parameter's type (``designer.flow.arguments.check_arguments`` says so
when it is not) and must also suit every setting bound to the parameter: a test share of 1.5
is a number, but not a share. ``setting_problems`` puts each value where the parameter's
default stands when the flow is checked, and reports what the bound settings' checks say.
``check_run_values`` does both, and says which boxes were left empty, with a message per box.
"""

from __future__ import annotations

from typing import Any

from blocks.catalogue import BlockLookup, get_block
from designer.flow.arguments import MAX_TEXT, BadArguments, check_arguments
from designer.flow.document import Flow, FlowParam
from designer.flow.params import check_node_params, param_reference

#: What each type asks for, in the words of the settings form.
ASKED = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}
#: What a box keeps of what was typed: one character more than a value may have, so that
#: the check still says the value is too long.
MAX_TYPED = MAX_TEXT + 1


def form_text(param: FlowParam) -> str:
    """A parameter's default as the dialog's box shows it ("" when it has none)."""
    if param.default is None:
        return ""
    if isinstance(param.default, bool):
        return "true" if param.default else "false"
    return str(param.default)


def empty_problem(param: FlowParam, raw: Any) -> str:
    """Why an emptied box is no value for ``param`` ("" when it is one: empty text is text)."""
    if param.type == "string" and raw is not None:
        return ""
    if raw is not None and str(raw).strip():
        return ""
    if param.default is None:
        return f"{param.name} has no default: enter {ASKED[param.type]} for this run"
    return f"{param.name} is empty; enter {ASKED[param.type]}"


def check_run_values(
    flow: Flow, raw: dict[str, Any], blocks: BlockLookup = get_block
) -> tuple[dict[str, Any], dict[str, str]]:
    """The run's values for what the dialog's boxes hold, and a message per box that holds
    no usable value (empty, not of the parameter's type, or refused by a bound setting).

    Every parameter is asked for: a box left out counts as emptied.
    """
    problems: dict[str, str] = {}
    given: dict[str, Any] = {}
    for param in flow.params:
        value = raw.get(param.name)
        problem = empty_problem(param, value)
        if problem:
            problems[param.name] = problem
        else:
            given[param.name] = value
    try:
        values = check_arguments(flow, given)
    except BadArguments as exc:
        problems |= exc.problems
        values = check_arguments(flow, {k: v for k, v in given.items() if k not in exc.problems})
    for name, problem in setting_problems(flow, values, blocks).items():
        problems.setdefault(name, problem)
    return values, problems


def setting_problems(
    flow: Flow, values: dict[str, Any], blocks: BlockLookup = get_block
) -> dict[str, str]:
    """For each parameter in ``values``, the first problem its value makes in a setting bound
    to it ("split · Test share must be a number from 0.05 to 0.95; found 1.5")."""
    trial = flow.model_copy(deep=True)
    for param in trial.params:
        if param.name in values:
            param.default = values[param.name]
    problems: dict[str, str] = {}
    for node in trial.nodes:
        bound = {s: param_reference(v) for s, v in node.params.items()}
        bound = {s: name for s, name in bound.items() if name in values}
        block = blocks(node.block) if bound else None
        if block is None:
            continue
        fed = [e.target_port for e in trial.edges if e.target == node.id]
        _model, found = check_node_params(trial, node, block, fed)
        for diagnostic in found:
            name = bound.get(diagnostic.param or "")
            if name and name not in problems:
                problems[name] = f"{node.label or node.id}: {diagnostic.message}"
    return problems
