"""What the ports of people's blocks connect to: our own types by their tree, a generic KFP
type only to itself, KFP's plain Artifact input to any artifact (as in KFP), and parameter
values only to parameters of the same kind."""

from __future__ import annotations

import pytest

from designer.userblocks.blocks import port_type


@pytest.mark.parametrize(
    ("target", "source", "connects"),
    [
        ("Model", "Classifier", True),
        ("Classifier", "Regressor", False),
        ("Dataset", "Dataset", True),
        ("system.HTML", "system.HTML", True),
        ("system.HTML", "system.Markdown", False),
        ("system.HTML", "Dataset", False),
        ("system.Artifact", "Dataset", True),
        ("system.Artifact", "Classifier", True),
        ("system.Artifact", "google.VertexModel", True),
        ("system.Artifact", "system.Artifact", True),
        ("system.Artifact", "parameter:STRING", False),
        ("Dataset", "system.Artifact", False),
        ("parameter:STRING", "parameter:STRING", True),
        ("parameter:STRING", "parameter:NUMBER_INTEGER", False),
    ],
)
def test_what_a_port_takes(target: str, source: str, connects: bool) -> None:
    assert port_type(target).accepts(port_type(source)) is connects
