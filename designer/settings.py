"""Where the designer keeps its files and which engine it talks to, read from the environment.

Every setting has an embedded default so that a fresh checkout runs with no configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KubeflowSettings:
    host: str
    namespace: str = "kubeflow"
    token: str | None = None


@dataclass(frozen=True)
class Settings:
    #: Root folder for runs, registered models and (by default) object storage.
    home: Path
    kubeflow: KubeflowSettings | None
    #: SQLAlchemy URL of the database that keeps flows, their versions and runs. A SQLite file
    #: under ``home`` by default, so one person needs no server; a team points it at PostgreSQL.
    database_url: str

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home = Path(env.get("DESIGNER_HOME") or Path.home() / ".designer").expanduser()
    host = env.get("DESIGNER_KFP_HOST", "").strip()
    kubeflow = (
        KubeflowSettings(
            host=host,
            namespace=env.get("DESIGNER_KFP_NAMESPACE", "kubeflow"),
            token=env.get("DESIGNER_KFP_TOKEN") or None,
        )
        if host
        else None
    )
    database_url = env.get("DESIGNER_DATABASE_URL", "").strip() or _sqlite_url(home / "designer.db")
    return Settings(home=home, kubeflow=kubeflow, database_url=database_url)


def _sqlite_url(path: Path) -> str:
    # An absolute path gives SQLAlchemy's four-slash form (sqlite:////abs/path/designer.db).
    return f"sqlite:///{path}"
