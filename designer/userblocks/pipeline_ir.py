"""Reading a compiled KFP v2 pipeline (IR YAML) into the tasks a flow can hold, or refusing it.

The file is a person's, so it is read as data only (``pipeline_file``: bounded YAML, parsed
strictly as kfp's own protobuf). What the canvas cannot hold yet is refused by name and place,
each with the task it concerns:

- a condition (``dsl.If``/``dsl.Elif``/``dsl.Else``, ``dsl.Condition``): a task group with a
  trigger condition;
- a loop (``dsl.ParallelFor``): a task group with an iterator;
- an exit handler (``dsl.ExitHandler``): a group whose exit task runs whatever happened;
- a nested pipeline: a task whose component is a pipeline of its own;
- an importer (``dsl.importer``) or any other task that runs no container;
- pipeline inputs that are artifacts, lists or dicts, and pipeline outputs that come from no
  single task.

What a flow keeps differently is said in notes: platform settings, retries, pipeline outputs.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from designer.flow.document import FlowParam
from designer.userblocks.component_yaml_scan import at, path_line, said
from designer.userblocks.pipeline_file import (
    ImportProblem,
    PipelineFile,
    PipelineRefused,
    in_order,
    load_pipeline,
    refuse,
)

#: Most tasks imported: more than a canvas shows at once.
MAX_TASKS = 1000
#: Flow parameter types of the KFP parameter types a flow parameter can be.
FLOW_PARAM_TYPES = {
    "STRING": "string",
    "NUMBER_INTEGER": "integer",
    "NUMBER_DOUBLE": "number",
    "BOOLEAN": "boolean",
}
#: What each construct the canvas cannot hold yet is, in the words of the KFP SDK.
CONDITION = "runs under a condition (dsl.If / dsl.Condition): conditions cannot be imported yet"
LOOP = "runs in a loop (dsl.ParallelFor): loops cannot be imported yet"
EXIT_HANDLER = "runs under an exit handler (dsl.ExitHandler): exit handlers cannot be imported yet"
EXIT_TASK = (
    "is the exit task of an exit handler (dsl.ExitHandler), run whatever happened before it: "
    "exit handlers cannot be imported yet"
)
NESTED = "runs a pipeline of its own (a nested pipeline): nested pipelines cannot be imported yet"
PLATFORM_LEFT_OUT = (
    "The file's KFP platform settings (its second YAML document: Kubernetes secrets, volumes, "
    "node selectors...) are not imported."
)

_FLOW_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_GROUP_PREFIXES = (
    ("condition-", CONDITION),
    ("for-loop-", LOOP),
    ("exit-handler-", EXIT_HANDLER),
)


@dataclass(frozen=True)
class TaskRead:
    """One task of the pipeline's own DAG that runs a container."""

    #: The task's name in the pipeline (its key under ``root.dag.tasks``).
    name: str
    #: Its display name (``set_display_name``), else its name.
    label: str
    #: The key of its component under ``components`` (``comp-train``).
    component_key: str
    #: The component's definitions (inputs and outputs) and its executor's container.
    component: dict[str, Any]
    container: dict[str, Any]
    #: Input name -> how the task feeds it (the IR's ``InputParameterSpec`` as a dict).
    parameters: dict[str, dict[str, Any]]
    #: Input name -> the IR's ``InputArtifactSpec`` as a dict.
    artifacts: dict[str, dict[str, Any]]
    #: The tasks it runs after (data or not).
    dependent: tuple[str, ...]
    cache: bool
    line: int


@dataclass(frozen=True)
class PipelineRead:
    """What a flow can hold of the pipeline: its names, parameters and tasks."""

    name: str
    description: str
    params: tuple[FlowParam, ...]
    #: The tasks in the order the file lists them.
    tasks: tuple[TaskRead, ...]
    notes: tuple[str, ...] = field(default=())


def read_pipeline(text: str) -> PipelineRead:
    """The tasks and parameters of compiled pipeline ``text``; PipelineRefused with every
    problem when a flow cannot hold it. Raises nothing else for any text."""
    try:
        return _Reader(load_pipeline(text)).read()
    except PipelineRefused:
        raise
    except Exception as exc:  # the last guard: kfp, protobuf and PyYAML raise every kind
        problem = ImportProblem(f"KFP cannot read this pipeline: {said(exc)}")
        raise PipelineRefused([problem]) from None


class _Reader:
    """Walks the pipeline once, collecting every problem before refusing."""

    def __init__(self, file: PipelineFile) -> None:
        document = file.document
        #: The pipeline as the proto's JSON form (every field of its type), and as written.
        self.document = document
        self.written = file.written
        self.node = file.node
        self.problems: list[ImportProblem] = []
        self.notes: list[str] = [PLATFORM_LEFT_OUT] if file.platform else []
        self.components: dict[str, Any] = document.get("components", {})
        self.executors: dict[str, Any] = document["deploymentSpec"].get("executors", {})
        self.root: dict[str, Any] = document.get("root", {})
        self.tasks: dict[str, Any] = in_order(
            self.root.get("dag", {}).get("tasks", {}), at(file.written, "root", "dag", "tasks")
        )
        #: Tasks refused as a whole (a group, a nested pipeline...): their dependants say no more.
        self.refused: set[str] = set()

    def problem(self, message: str, task: str = "", *path: str) -> None:
        line = path_line(self.node, path) if path else 0
        self.problems.append(ImportProblem(message, task, line))

    def task_problem(self, task: str, message: str) -> None:
        self.problem(f"task {task!r} {message}", task, "root", "dag", "tasks", task)

    def read(self) -> PipelineRead:
        if "dag" not in self.root:
            raise refuse(
                "the pipeline's root runs a single container, not a DAG of tasks: add it as a "
                "block instead",
                path_line(self.node, ("root",)),
            )
        if not self.tasks:
            raise refuse("the pipeline has no tasks", path_line(self.node, ("root", "dag")))
        if len(self.tasks) > MAX_TASKS:
            raise refuse(
                f"the pipeline has {len(self.tasks):,} tasks; a flow imports at most {MAX_TASKS:,}"
            )
        params = self._params()
        tasks = [t for t in (self._task(n, t) for n, t in self.tasks.items()) if t is not None]
        self._outputs()
        self._dependencies(tasks)
        if self.document.get("defaultPipelineRoot"):
            self.notes.append(
                "The pipeline's default root (where a run writes its outputs) is not imported: "
                "the designer chooses it for each run."
            )
        if self.problems:
            raise PipelineRefused(self.problems)
        info = self.document.get("pipelineInfo", {})
        name = (info.get("displayName") or info.get("name") or "").strip()
        return PipelineRead(
            name=name[:200] or "Imported pipeline",
            description=info.get("description", ""),
            params=tuple(params),
            tasks=tuple(tasks),
            notes=tuple(self.notes),
        )

    # -- the pipeline's inputs and outputs -------------------------------------------------

    def _params(self) -> list[FlowParam]:
        definitions = self.root.get("inputDefinitions", {})
        where = ("root", "inputDefinitions")
        for name in definitions.get("artifacts", {}):
            self.problem(
                f"the pipeline takes the artifact {name!r} as an input; a flow's parameters are "
                "values only (text, numbers, true/false)",
                "",
                *where,
                "artifacts",
                name,
            )
        params = []
        written = at(self.written, "root", "inputDefinitions", "parameters")
        for name, given in in_order(definitions.get("parameters", {}), written).items():
            param = self._param(name, given, (*where, "parameters", name))
            if param is not None:
                params.append(param)
        return params

    def _param(self, name: str, given: dict[str, Any], path: tuple[str, ...]) -> FlowParam | None:
        kfp_type = given.get("parameterType", "")
        if kfp_type not in FLOW_PARAM_TYPES:
            self.problem(
                f"pipeline parameter {name!r} is of type {kfp_type or 'unknown'}; a flow "
                "parameter is STRING, NUMBER_INTEGER, NUMBER_DOUBLE or BOOLEAN",
                "",
                *path,
            )
            return None
        if not _FLOW_PARAM_NAME.match(name) or keyword.iskeyword(name):
            self.problem(
                f"pipeline parameter {name[:80]!r} cannot name a flow parameter: one starts "
                "with a letter or _, holds only letters, digits and _ (at most 63), and is no "
                "Python keyword",
                "",
                *path,
            )
            return None
        default = given.get("defaultValue")
        kind = FLOW_PARAM_TYPES[kfp_type]
        if kind == "integer" and isinstance(default, float) and default.is_integer():
            default = int(default)
        fits = {
            "string": (str,),
            "integer": (int,),
            "number": (int, float),
            "boolean": (bool,),
        }[kind]
        if default is not None and (
            not isinstance(default, fits) or (isinstance(default, bool) and kind != "boolean")
        ):
            self.problem(
                f"pipeline parameter {name!r} is of type {kfp_type} but its default is "
                f"{str(default)[:80]!r}",
                "",
                *path,
            )
            return None
        return FlowParam(
            name=name, type=kind, default=default, description=given.get("description", "")
        )

    def _outputs(self) -> None:
        """A pipeline output taken from one task's output stays that node's output (a flow has
        no outputs of its own); one chosen among branches cannot be imported."""
        outputs = self.root.get("dag", {}).get("outputs", {})
        kept: list[str] = []
        for name, given in outputs.get("parameters", {}).items():
            producer = given.get("valueFromParameter", {}).get("producerSubtask", "")
            kept += self._output(name, [producer] if producer else [])
        for name, given in outputs.get("artifacts", {}).items():
            producers = [s.get("producerSubtask", "") for s in given.get("artifactSelectors", [])]
            kept += self._output(name, producers)
        if kept:
            self.notes.append(
                f"The pipeline's outputs {', '.join(kept)} are not imported as such: a flow has "
                "no outputs of its own; each stays an output of the block that makes it."
            )

    def _output(self, name: str, producers: list[str]) -> list[str]:
        if len(producers) == 1 and producers[0] in self.refused:
            return []  # its task was refused already
        if len(producers) == 1 and producers[0] in self.tasks:
            return [f"{name!r} (from {producers[0]!r})"]
        self.problem(
            f"the pipeline's output {name!r} does not come from one task (it is chosen among "
            "branches, dsl.OneOf, or collected from a loop): it cannot be imported",
            "",
            "root",
            "dag",
            "outputs",
        )
        return []

    # -- tasks -----------------------------------------------------------------------------

    def _task(self, name: str, task: dict[str, Any]) -> TaskRead | None:
        key = task.get("componentRef", {}).get("name", "")
        component = self.components.get(key)
        if component is None:
            self.task_problem(name, f"names the component {key!r}, which the file does not hold")
            return None
        construct = self._construct(name, task, key, component)
        if construct is not None:
            self.refused.add(name)
            # A group is named by the tasks in it, which is what the person wrote; each points
            # at the group's line, as the tasks live in the group's own component.
            inside = [] if construct == NESTED else self._leaf_tasks(component, {key})
            for leaf in inside or [name]:
                self.problem(f"task {leaf!r} {construct}", leaf, "root", "dag", "tasks", name)
            return None
        container = self._container(name, component)
        if container is None:
            self.refused.add(name)
            return None
        inputs = task.get("inputs", {})
        if any("taskFinalStatus" in given for given in inputs.get("parameters", {}).values()):
            self.refused.add(name)
            self.task_problem(name, EXIT_TASK)
            return None
        if "retryPolicy" in task:
            retries = task["retryPolicy"].get("maxRetryCount", 0)
            self.notes.append(
                f"Task {name!r} retries up to {retries} times when it fails (set_retry); a "
                "flow does not keep retries, so the imported block runs once."
            )
        return TaskRead(
            name=name,
            label=task.get("taskInfo", {}).get("name", "").strip()[:200] or name,
            component_key=key,
            component=component,
            container=container,
            parameters=inputs.get("parameters", {}),
            artifacts=inputs.get("artifacts", {}),
            dependent=tuple(task.get("dependentTasks", [])),
            cache=bool(task.get("cachingOptions", {}).get("enableCache", False)),
            line=path_line(self.node, ("root", "dag", "tasks", name)),
        )

    def _construct(
        self, name: str, task: dict[str, Any], key: str, component: dict[str, Any]
    ) -> str | None:
        """What a task is that a flow cannot hold yet (in words), or None."""
        if "parameterIterator" in task or "artifactIterator" in task:
            return LOOP
        if task.get("triggerPolicy", {}).get("condition"):
            return CONDITION
        if task.get("triggerPolicy", {}).get("strategy") == "ALL_UPSTREAM_TASKS_COMPLETED":
            return EXIT_TASK
        if "dag" not in component:
            return None
        group = key.removeprefix("comp-")
        for prefix, construct in _GROUP_PREFIXES:
            if group.startswith(prefix):
                return construct
        if any(self._is_exit_of(other, name) for other in self.tasks.values()):
            return EXIT_HANDLER
        return NESTED

    def _is_exit_of(self, task: dict[str, Any], group: str) -> bool:
        return task.get("triggerPolicy", {}).get(
            "strategy"
        ) == "ALL_UPSTREAM_TASKS_COMPLETED" and group in task.get("dependentTasks", [])

    def _leaf_tasks(self, component: dict[str, Any], seen: set[str]) -> list[str]:
        """The tasks inside a group, however deep, that run a container (each once)."""
        found: list[str] = []
        for name, task in component.get("dag", {}).get("tasks", {}).items():
            key = task.get("componentRef", {}).get("name", "")
            inner = self.components.get(key, {})
            if "dag" in inner:
                if key not in seen:  # a group's component cannot hold itself, but a file can say so
                    found += self._leaf_tasks(inner, seen | {key})
            elif name not in found:
                found.append(name)
        return found

    def _container(self, name: str, component: dict[str, Any]) -> dict[str, Any] | None:
        label = component.get("executorLabel", "")
        executor = self.executors.get(label)
        if executor is None:
            self.task_problem(name, f"runs the executor {label!r}, which the file does not hold")
            return None
        if "importer" in executor:
            self.task_problem(
                name, "is an importer (dsl.importer): importers cannot be imported yet"
            )
            return None
        if "container" not in executor:
            kind = next(iter(executor), "nothing")
            self.task_problem(
                name, f"runs no container (its executor is a {kind}): it cannot be imported"
            )
            return None
        container: dict[str, Any] = executor["container"]
        if not container.get("image", "").strip():
            self.task_problem(name, "runs a container that names no image")
            return None
        if "lifecycle" in container:
            self.notes.append(
                f"Task {name!r}'s container lifecycle hooks are not imported (KFP keeps them "
                "for the pipeline, not for a component)."
            )
        if container.get("env"):
            names = ", ".join(str(e.get("name", "")) for e in container["env"])
            self.notes.append(
                f"Task {name!r} sets environment variables ({names}) on its container "
                "(set_env_variable); a block does not keep them, so the imported block runs "
                "without them."
            )
        return container

    def _dependencies(self, tasks: list[TaskRead]) -> None:
        """Every task a task waits for or takes data from is a task of the pipeline."""
        for task in tasks:
            named = list(task.dependent)
            named += [
                i.get("taskOutputParameter", {}).get("producerTask")
                for i in task.parameters.values()
            ]
            named += [
                i.get("taskOutputArtifact", {}).get("producerTask") for i in task.artifacts.values()
            ]
            for other in dict.fromkeys(n for n in named if n):
                if other not in self.tasks:
                    self.task_problem(
                        task.name, f"waits for {other!r}, which is not a task of the pipeline"
                    )
