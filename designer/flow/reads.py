"""What a compiled run may read beyond the data folders and public addresses, and whether it
needs the network at all.

A run is given no storage keys. Instead, when a flow is compiled, the designer:

- hands each Dataset block the location of its exact file: the file's path with local folder
  storage, or an address presigned for that one object with S3 storage;
- signs the ``s3://`` addresses written in Table file blocks, for buckets an administrator
  opened to blocks (``DESIGNER_S3_READ_BUCKETS``); the designer's own bucket is refused;
- lists those locations as the run's grants (``CompiledFlow.reads``). The run's process gets
  them as ``DESIGNER_READ_GRANTS`` and its read policy lets exactly them through; each task that
  reads one also carries its own grants in the pipeline (so a Kubeflow run has them too).

A run that reads no web or storage address, and takes no address from a flow parameter, needs
no network (``needs_network``), so the engine can cut it off entirely.

A cluster run (``cluster=True``) is different: its pods hold the storage keys (from a
Kubernetes Secret), and a signed address would expire before a scheduled run reads it. So each
task is granted the plain ``s3://`` address of what it reads. Files on the designer's machine
are out of a pod's reach: the samples that ship with the designer are copied into the storage
(``samples/<sha256>/<name>``) and read from there; any other local path is refused.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from blocks.base import Block, DatasetLookup, StoredTable
from blocks.catalogue import get_block
from blocks.runtime.read_policy import LocalFile, ReadPolicy, S3Address, WebAddress
from designer.flow.diagnostics import Diagnostic, error
from designer.flow.document import Flow
from designer.flow.params import param_reference
from designer.flow.validate import FlowCheck
from designer.objects.base import ObjectStore
from designer.settings import SAMPLES_DIR, Settings

#: Where shipped sample tables are copied for cluster runs, by content.
SAMPLES_PREFIX = "samples"


@runtime_checkable
class RunLocations(Protocol):
    """A dataset lookup that also knows where a run reads each dataset it found
    (``designer.datasets.library.LibraryLookup``)."""

    def run_location(self, table: StoredTable) -> str: ...


@dataclass
class RunReads:
    """The grants of one run: what each node reads and what the run as a whole may read."""

    #: Node id -> arguments replacing the ones the flow gives (a signed address for a node).
    arguments: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Node id -> the locations granted to that node.
    node_grants: dict[str, list[str]] = field(default_factory=dict)
    needs_network: bool = False
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def grants(self) -> tuple[str, ...]:
        """Every location granted to the run, once each, in node order."""
        return tuple(dict.fromkeys(g for found in self.node_grants.values() for g in found))

    def grant(self, node_id: str, location: str) -> None:
        self.node_grants.setdefault(node_id, []).append(location)


def plan_reads(
    flow: Flow,
    check: FlowCheck,
    settings: Settings,
    datasets: DatasetLookup | None = None,
    store: ObjectStore | None = None,
    *,
    cluster: bool = False,
) -> RunReads:
    """Grant the run what its blocks read (see the module's docstring).

    ``datasets`` is the lookup the flow was checked with: when it knows where runs read its
    datasets (``RunLocations``) it says so; otherwise ``store`` (default: the configured one)
    signs. Problems are addresses the designer refuses to sign, pinned to their parameter.
    """
    planner = _Planner(settings, datasets, store, cluster=cluster)
    for node in flow.nodes:
        block = check.blocks.get(node.id)
        if block is None or node.id not in check.params:
            continue
        if node.id in check.tables:
            planner.dataset(node.id, check.tables[node.id])
        for name in address_params(block):
            raw = node.params.get(name)
            if param_reference(raw) is not None:
                planner.reads.needs_network = True  # only known at run time: assume it may
            elif isinstance(raw, str):
                planner.address(node.id, name, raw)
    return planner.reads


def address_params(block: Block) -> Iterable[str]:
    """The parameters of ``block`` that hold an address to read (marked in their schema)."""
    if block.function is None:
        return ()  # a person's own block: what it reads is its own business, inside its task
    return _address_params(block.id)


@functools.cache
def _address_params(block_id: str) -> tuple[str, ...]:
    # Once per block: making a JSON schema per node would cost seconds on a large flow.
    block = get_block(block_id)
    properties = block.params_schema().get("properties", {}) if block else {}
    return tuple(name for name, prop in properties.items() if prop.get("address") is True)


class _Planner:
    def __init__(
        self,
        settings: Settings,
        datasets: DatasetLookup | None,
        store: ObjectStore | None,
        *,
        cluster: bool = False,
    ) -> None:
        self.settings = settings
        self.datasets = datasets
        self._store = store
        self.cluster = cluster
        self.reads = RunReads()

    def dataset(self, node_id: str, table: StoredTable) -> None:
        location: str | None = table.uri
        if self.cluster:
            if not table.uri.startswith("s3://"):
                self._refuse(
                    node_id,
                    "dataset",
                    f"dataset {table.name!r} version {table.version} is kept on the designer's "
                    "own disk, which a Kubeflow pod cannot read; upload it again now that the "
                    "designer uses S3 storage",
                )
                return
        elif isinstance(self.datasets, RunLocations):
            location = self.datasets.run_location(table)
        elif table.uri.startswith("s3://"):
            location = self._presign(table.uri, node_id, "dataset")
        if location is None:
            return
        if location != table.uri:
            self.reads.arguments.setdefault(node_id, {})["uri"] = location
        self.reads.grant(node_id, location)
        if not _is_local(location):
            self.reads.needs_network = True

    def address(self, node_id: str, param: str, value: str) -> None:
        try:
            address = self._policy().check(value)
        except (PermissionError, ValueError) as exc:
            self.reads.problems.append(error("read_refused", str(exc), node=node_id, param=param))
            return
        if self.cluster:
            self._cluster_address(node_id, param, value, address)
            return
        if isinstance(address, S3Address):
            signed = self._presign(value, node_id, param)
            if signed is None:
                return
            self.reads.arguments.setdefault(node_id, {})[param] = signed
            self.reads.grant(node_id, signed)
            self.reads.needs_network = True
        elif isinstance(address, WebAddress):
            self.reads.needs_network = True

    def _cluster_address(
        self, node_id: str, param: str, value: str, address: LocalFile | WebAddress | S3Address
    ) -> None:
        self.reads.needs_network = True
        if isinstance(address, S3Address):
            self.reads.grant(node_id, value)
            return
        if isinstance(address, WebAddress):
            return
        sample = _shipped_sample(address)
        if sample is None:
            self._refuse(
                node_id,
                param,
                f"a Kubeflow pod cannot read {value!r}, a file on the designer's machine; "
                "upload the table on the Datasets page and use the Dataset block",
            )
            return
        location = self._copy_sample(sample, node_id, param)
        if location is not None:
            self.reads.arguments.setdefault(node_id, {})[param] = location
            self.reads.grant(node_id, location)

    def _copy_sample(self, sample: Path, node_id: str, param: str) -> str | None:
        """The sample's address in the storage, copied there on first use."""
        store = self._store_for_signing()
        if store is None:
            self._refuse(node_id, param, "the designer has no S3 storage to hand the file to pods")
            return None
        data = sample.read_bytes()
        key = f"{SAMPLES_PREFIX}/{hashlib.sha256(data).hexdigest()}/{sample.name}"
        if not store.exists(key):
            store.put_bytes(key, data)
        return store.location(key)

    def _refuse(self, node_id: str, param: str, message: str) -> None:
        self.reads.problems.append(error("read_refused", message, node=node_id, param=param))

    def _presign(self, uri: str, node_id: str = "", param: str = "") -> str | None:
        from designer.objects.s3 import S3Store

        store = self._store_for_signing()
        if not isinstance(store, S3Store):
            self.reads.problems.append(
                error(
                    "read_refused",
                    f"cannot read {uri!r}: the designer has no S3 storage to sign it with; an "
                    "administrator can set DESIGNER_S3_ENDPOINT, or upload the table on the "
                    "Datasets page and use the Dataset block",
                    node=node_id or None,
                    param=param or None,
                )
            )
            return None
        return store.presigned_get(uri)

    def _store_for_signing(self) -> ObjectStore | None:
        if self._store is None and self.settings.storage is not None:
            from designer.objects.configured import open_store

            self._store = open_store(self.settings)
        return self._store

    def _policy(self) -> ReadPolicy:
        """The web server's rules, from its settings (the same ones the run is given)."""
        return _policy_of(self.settings)


def _policy_of(settings: Settings) -> ReadPolicy:
    storage = settings.storage
    return ReadPolicy.from_env(
        {
            "DESIGNER_DATA_DIRS": os.pathsep.join(str(d) for d in settings.data_dirs),
            "DESIGNER_ALLOWED_NETWORKS": ",".join(settings.allowed_networks),
            "DESIGNER_S3_READ_BUCKETS": ",".join(settings.s3_read_buckets),
            "DESIGNER_S3_ENDPOINT": storage.endpoint if storage else "",
            "DESIGNER_S3_BUCKET": storage.bucket if storage else "",
        }
    )


def _shipped_sample(address: LocalFile) -> Path | None:
    """The file, when it is one of the samples that ship with the designer."""
    path = address.path.resolve()
    return path if path.is_relative_to(SAMPLES_DIR) and path.is_file() else None


def _is_local(location: str) -> bool:
    return not location.lower().startswith(("http://", "https://", "s3://"))
