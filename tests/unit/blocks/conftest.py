"""Shared data and artifact helpers for the block tests: real sklearn data, real files."""

from collections.abc import Callable
from pathlib import Path

import pytest
from kfp import dsl

from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.splitting import split_table
from blocks.runtime.tables import Table, write_table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "data"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def iris() -> Table:
    return load_sample("iris")


@pytest.fixture(scope="session")
def diabetes() -> Table:
    return load_sample("diabetes")


@pytest.fixture(scope="session")
def iris_split(iris: Table) -> tuple[Table, Table]:
    return split_table(iris, 0.3, 0, True)


@pytest.fixture(scope="session")
def diabetes_split(diabetes: Table) -> tuple[Table, Table]:
    return split_table(diabetes, 0.25, 0, False)


@pytest.fixture
def artifact(tmp_path: Path) -> Callable[..., dsl.Artifact]:
    """Make a KFP artifact whose ``.path`` is a file in tmp_path (a plain path is its uri)."""

    def make(cls: type[dsl.Artifact], name: str, metadata: dict | None = None) -> dsl.Artifact:
        return cls(name=name, uri=str(tmp_path / name), metadata=dict(metadata or {}))

    return make


@pytest.fixture
def dataset(artifact: Callable[..., dsl.Artifact]) -> Callable[[Table, str], dsl.Dataset]:
    """A Dataset artifact holding ``table``, as an upstream block would have written it."""

    def make(table: Table, name: str) -> dsl.Dataset:
        result = artifact(dsl.Dataset, name)
        write_table(table, result.path)
        return result

    return make


@pytest.fixture
def local_root(tmp_path: Path) -> Path:
    """kfp.local set to run whole pipelines in subprocesses of this environment; returns the
    pipeline root. Its config is process-wide: each test sets it again."""
    from kfp import local

    root = tmp_path / "root"
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(root))
    return root
