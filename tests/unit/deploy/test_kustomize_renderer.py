"""The tests' kustomize renderer merges as kustomize does and refuses what it does not support."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.kustomize import KustomizeError, render, strategic_merge

CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "c"},
    "data": {"A": "1"},
}


def write(folder: Path, kustomization: dict[str, Any], **files: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    for name, content in files.items():
        (folder / name.replace("_", ".")).write_text(yaml.safe_dump_all(content))
    return folder


def kustomization(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", **fields}


def test_containers_and_env_merge_by_name_other_lists_are_replaced() -> None:
    base = {
        "containers": [
            {"name": "a", "env": [{"name": "X", "value": "1"}], "args": ["x"]},
            {"name": "b"},
        ]
    }
    patch = {"containers": [{"name": "a", "env": [{"name": "Y", "value": "2"}], "args": ["y"]}]}
    merged = strategic_merge(base, patch)
    assert merged["containers"][0] == {
        "name": "a",
        "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
        "args": ["y"],
    }
    assert merged["containers"][1] == {"name": "b"}
    assert base["containers"][0]["args"] == ["x"]  # the base is left as it was


def test_an_overlay_patches_labels_and_namespaces_its_base(tmp_path: Path) -> None:
    write(
        tmp_path / "base",
        kustomization(
            resources=["c.yaml"], labels=[{"pairs": {"team": "t"}, "includeSelectors": False}]
        ),
        c_yaml=[CONFIG_MAP],
    )
    patch = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"B": "2"}}
    overlay = write(
        tmp_path / "overlay",
        kustomization(namespace="n", resources=["../base"], patches=[{"path": "p.yaml"}]),
        p_yaml=[patch],
    )
    (rendered,) = render(overlay)
    assert rendered["data"] == {"A": "1", "B": "2"}
    assert rendered["metadata"] == {"name": "c", "namespace": "n", "labels": {"team": "t"}}


@pytest.mark.parametrize(
    ("fields", "files", "says"),
    [
        ({"configMapGenerator": []}, {}, "unsupported fields"),
        ({"patches": [{"patch": "{}", "target": {"kind": "ConfigMap"}}]}, {}, "by path"),
        ({"labels": [{"pairs": {"a": "b"}}]}, {}, "includeSelectors"),
        ({"images": [{"name": "x", "digest": "sha256:0"}]}, {}, "newName"),
        ({"resources": ["missing.yaml"]}, {}, "does not exist"),
        ({"resources": ["c.yaml", "c.yaml"]}, {"c_yaml": [CONFIG_MAP]}, "defined twice"),
        (
            {"resources": ["c.yaml"], "patches": [{"path": "p.yaml"}]},
            {"c_yaml": [CONFIG_MAP], "p_yaml": [{**CONFIG_MAP, "$patch": "delete"}]},
            "directive",
        ),
        (
            {"resources": ["c.yaml"], "patches": [{"path": "p.yaml"}]},
            {"c_yaml": [CONFIG_MAP], "p_yaml": [{**CONFIG_MAP, "data": {"A": None}}]},
            "null",
        ),
        (
            {"namespace": "n", "resources": ["ns.yaml"]},
            {"ns_yaml": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "m"}}]},
            "renamed",
        ),
    ],
    ids=[
        "generator",
        "inline patch",
        "selector labels",
        "image digest",
        "missing file",
        "doubled object",
        "patch directive",
        "null in patch",
        "namespace renamed",
    ],
)
def test_refuses_what_it_does_not_support(
    tmp_path: Path, fields: dict[str, Any], files: dict[str, Any], says: str
) -> None:
    folder = write(tmp_path, kustomization(**fields), **files)
    with pytest.raises(KustomizeError, match=says):
        render(folder)
