"""The image recipes (deploy/Dockerfile), checked from their text: no container engine runs
where the tests do. The web image must hold every file the app reads, build its frontend at
build time, run as a non-root user and start from a pinned base; the block image must still
be what a compiled pipeline's tasks run in."""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from designer.flow.cluster import TASK_COMMAND

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
#: What the web app reads at run time from DESIGNER_APP_DIR.
APP_FILES = (
    "rxconfig.py",
    "assets",
    "reflex.lock",
    "designer",
    "blocks",
    "pyproject.toml",
    "README.md",
)
#: What the block image has always held: the project, installed with its pinned dependencies.
BLOCK_FILES = ("pyproject.toml", "README.md", "designer", "blocks")


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for word, args in self.instructions if word == keyword]

    def index(self, keyword: str, contains: str) -> int:
        return next(
            i
            for i, (word, args) in enumerate(self.instructions)
            if word == keyword and contains in args
        )


def parse(text: str) -> tuple[dict[str, str], dict[str, Stage]]:
    """The global ARG defaults and the stages, each with its instructions (comments dropped,
    continuation lines joined)."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation"
    global_args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in lines:
        word, _, args = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            parts = args.split()
            assert len(parts) == 3 and parts[1].upper() == "AS", f"unnamed stage: {line}"
            current = Stage(parts[2], parts[0])
            stages[current.name] = current
        elif current is None:
            assert word == "ARG", f"only ARG may come before the first FROM: {line}"
            name, _, default = args.partition("=")
            global_args[name] = default
        else:
            current.instructions.append((word, args.strip()))
    return global_args, stages


@pytest.fixture(scope="module")
def recipe() -> tuple[dict[str, str], dict[str, Stage]]:
    return parse(DOCKERFILE.read_text())


def env_of(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in stage.all("ENV"):
        for item in shlex.split(args):
            name, _, value = item.partition("=")
            env[name] = value
    return env


def copies(stage: Stage) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context."""
    found = []
    for args in stage.all("COPY"):
        parts = [p for p in args.split() if not p.startswith("--chown")]
        if any(p.startswith("--from") for p in parts):
            continue
        assert not any(p.startswith("--") for p in parts), f"unexpected COPY option: {args}"
        found.append((parts[:-1], parts[-1]))
    return found


def copied_to(stage: Stage) -> dict[str, str]:
    """Each copied file or folder and the path it gets, relative to the stage's WORKDIR."""
    (workdir,) = stage.all("WORKDIR")
    placed: dict[str, str] = {}
    for sources, destination in copies(stage):
        for source in sources:
            if destination in ("./", "."):
                placed[source] = f"{workdir}/{source}"
            else:
                assert len(sources) == 1, f"COPY {sources} {destination}"
                placed[source] = f"{workdir}/{destination.removeprefix('./')}"
    return placed


def stage_chain(stages: dict[str, Stage], name: str) -> list[Stage]:
    """The stage and the stages it is built on, nearest first."""
    chain = [stages[name]]
    while chain[-1].base in stages:
        chain.append(stages[chain[-1].base])
    return chain


def test_both_images_start_from_one_pinned_python(
    recipe: tuple[dict[str, str], dict[str, Stage]],
) -> None:
    global_args, stages = recipe
    image = global_args["PYTHON_IMAGE"]
    # A full version tag (python:3.11.14-slim-bookworm), optionally with its digest.
    match = re.fullmatch(r"python:(\d+)\.(\d+)\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", image)
    assert match, f"the base image must be pinned to a full version: {image!r}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11,<3.13" and (int(match[1]), int(match[2])) in ((3, 11), (3, 12))
    for stage in stages.values():
        assert stage.base in stages or stage.base == "${PYTHON_IMAGE}", stage.name
    assert {"blocks", "web"} <= set(stages)


def test_the_web_image_holds_every_file_the_app_reads(
    recipe: tuple[dict[str, str], dict[str, Stage]],
) -> None:
    _, stages = recipe
    web = stages["web"]
    app_dir = env_of(web)["DESIGNER_APP_DIR"]
    placed = copied_to(web)
    for name in APP_FILES:
        assert placed.get(name) == f"{app_dir}/{name}", f"{name} is not copied to {app_dir}"
        assert (ROOT / name).exists()


def test_the_build_context_keeps_what_is_copied_and_drops_local_state(
    recipe: tuple[dict[str, str], dict[str, Stage]],
) -> None:
    _, stages = recipe
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(
            fnmatch.fnmatch(prefix, pattern.removeprefix("**/")) or fnmatch.fnmatch(prefix, pattern)
            for pattern in patterns
            for prefix in prefixes
        )

    copied = {
        source for stage in stages.values() for sources, _ in copies(stage) for source in sources
    }
    assert copied >= set(APP_FILES)
    assert [source for source in copied if ignored(source)] == []
    for local in (".venv", ".web", ".node", ".git", "designer/__pycache__", "designer.db"):
        assert ignored(local), f"{local} would enter the build context"


def test_the_frontend_is_built_in_the_image_with_the_pinned_bun(
    recipe: tuple[dict[str, str], dict[str, Stage]],
) -> None:
    _, stages = recipe
    web = stages["web"]
    build = web.index("RUN", "designer serve --build-only")
    assert build > max(web.index("COPY", name) for name in APP_FILES)
    assert build > web.index("RUN", "pip install")
    assert build > web.index("USER", "")  # built as the app's user, who owns .web/
    env = env_of(web)
    bun = stages["bun"]
    bun_version = next(a for a in bun.all("ARG") if a.startswith("BUN_VERSION="))
    install = (ROOT / ".ci" / "install").read_text()
    assert f"{bun_version}\n" in install  # the same bun the checkout installs
    assert any("bun@${BUN_VERSION}" in run for run in bun.all("RUN"))
    assert env["REFLEX_BUN_PATH"].startswith(
        next(a for a in web.all("COPY") if "--from=bun" in a).split()[-1]
    )
    assert env["REFLEX_TELEMETRY_ENABLED"] == "false"
    # npm and pip use their own configuration: no registry address in the recipe.
    instructions = " ".join(args for s in stages.values() for _, args in s.instructions)
    assert "--registry" not in instructions and "index-url" not in instructions
    assert re.findall(r"https?://", instructions) == []


def test_the_web_image_runs_the_app_as_a_non_root_user(
    recipe: tuple[dict[str, str], dict[str, Stage]],
) -> None:
    _, stages = recipe
    web = stages["web"]
    (user,) = web.all("USER")
    assert user not in ("root", "0")
    useradd = next(
        run for s in stage_chain(stages, "web") for run in s.all("RUN") if "useradd" in run
    )
    assert re.search(rf"--uid (\d+) .*{user}\b", useradd) and "--uid 0 " not in useradd
    assert shlex.split(web.all("EXPOSE")[0]) == ["3000"]
    cmd = web.all("CMD")[-1]
    assert cmd == '["designer", "serve", "--host", "0.0.0.0", "--port", "3000"]'
    assert env_of(web)["DESIGNER_HOME"] in " ".join(web.all("RUN"))  # made, owned by the user


def test_every_setting_the_web_image_sets_is_read_by_the_app(
    recipe: tuple[dict[str, str], dict[str, Stage]],
) -> None:
    _, stages = recipe
    settings = (ROOT / "designer" / "settings.py").read_text()
    server = (ROOT / "designer" / "server.py").read_text()
    for name in (n for s in stages.values() for n in env_of(s) if n.startswith("DESIGNER_")):
        source = server if name == "DESIGNER_APP_DIR" else settings
        assert f'"{name}"' in source, f"{name} is set in the image but not read by the app"


def test_the_block_image_still_runs_the_pipeline_tasks(
    recipe: tuple[dict[str, str], dict[str, Stage]],
) -> None:
    _, stages = recipe
    chain = stage_chain(stages, "blocks")
    blocks = chain[0]
    # Kubeflow gives each task its command: the image must not add one of its own.
    for stage in chain:
        assert stage.all("CMD") == [] and stage.all("ENTRYPOINT") == [], stage.name
    assert TASK_COMMAND == ("python3", "-m", "blocks.runtime.kfp_task")
    module = TASK_COMMAND[2].replace(".", "/") + ".py"
    assert (ROOT / module).is_file()
    placed = copied_to(blocks)
    assert set(placed) == set(BLOCK_FILES)
    assert any(run.startswith("pip install") and run.endswith(" .") for run in blocks.all("RUN"))
    assert blocks.all("USER") == ["designer"]
    assert env_of(blocks)["DESIGNER_HOME"] == "/home/designer/.designer"
    assert any("bubblewrap" in run for s in chain for run in s.all("RUN"))
