"""What changes when a flow is compiled for a Kubeflow cluster rather than this machine.

A pod on the cluster sees nothing of the designer's machine: not its files, not its
environment. So a cluster pipeline

- runs each block from the block image (``DESIGNER_BLOCK_IMAGE``), as
  ``python3 -m blocks.runtime.kfp_task``, which also writes each task's report beside its
  outputs (``blocks.runtime.kfp_task``);
- writes its outputs under a pipeline root in the designer's own S3 storage
  (``s3://<bucket>/kfp`` unless ``DESIGNER_KFP_PIPELINE_ROOT`` says otherwise), where the
  designer reads metrics and downloads;
- gives every task the storage's address and bucket as plain environment variables, and its
  keys only from the Kubernetes Secret ``DESIGNER_KFP_STORAGE_SECRET`` (kfp-kubernetes'
  secret-as-env in the platform spec): no key is ever written into the pipeline;
- reads datasets by their ``s3://`` address, granted to the one task that reads each.

A designer whose storage is a local folder cannot send runs to a cluster: ``cluster_target``
refuses before anything is compiled or submitted.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

from kfp.dsl import structures, yaml_component

from blocks.base import Block, block_image
from blocks.catalogue import get_block
from blocks.runtime.read_settings import DATA_DIRS_VAR, NETWORKS_VAR, S3_BUCKETS_VAR
from designer.settings import STORAGE_SECRET_KEYS, Settings

#: The command a block's container runs on the cluster (the image holds the blocks).
TASK_COMMAND = ("python3", "-m", "blocks.runtime.kfp_task")


class ClusterSetupError(ValueError):
    """The designer is not set up to send runs to a cluster; the message says what to set."""


@dataclass(frozen=True)
class ClusterTarget:
    """Where a cluster run's pods find the designer's storage, and how they get its keys."""

    bucket: str
    #: The storage address as pods reach it.
    endpoint: str
    secure: bool
    region: str | None
    #: The Kubernetes Secret holding the keys (``STORAGE_SECRET_KEYS``).
    secret: str
    pipeline_root: str
    image: str
    #: The read policy the web server applies, handed to every task.
    read_buckets: tuple[str, ...] = ()
    allowed_networks: tuple[str, ...] = ()

    def environment(self) -> dict[str, str]:
        """The plain (not secret) variables every task gets."""
        env = {
            "DESIGNER_S3_ENDPOINT": self.endpoint,
            "DESIGNER_S3_BUCKET": self.bucket,
            "DESIGNER_S3_SECURE": "true" if self.secure else "false",
            # No folder of any machine is open to blocks on the cluster.
            DATA_DIRS_VAR: "",
            S3_BUCKETS_VAR: ",".join(self.read_buckets),
            NETWORKS_VAR: ",".join(self.allowed_networks),
            # A tuning block searching on Katib starts trial pods like itself: from this
            # image, with the keys from this Secret (only its name is here, never a key).
            "DESIGNER_BLOCK_IMAGE": self.image,
            "DESIGNER_KFP_STORAGE_SECRET": self.secret,
        }
        if self.region:
            env["DESIGNER_S3_REGION"] = self.region
        return env


def cluster_target(settings: Settings) -> ClusterTarget:
    """The cluster set-up the settings describe; ClusterSetupError saying what is missing."""
    kubeflow = settings.kubeflow
    if kubeflow is None:
        raise ClusterSetupError(
            "no Kubeflow cluster is configured: set DESIGNER_KFP_HOST to the Kubeflow "
            "Pipelines address"
        )
    storage = settings.storage
    if storage is None:
        raise ClusterSetupError(
            "a Kubeflow run needs the designer's storage in S3 or MinIO, which the cluster's "
            f"pods can reach; the designer keeps its files in a local folder "
            f"({settings.objects_dir}) that no pod can read: set DESIGNER_S3_ENDPOINT, "
            "DESIGNER_S3_ACCESS_KEY and DESIGNER_S3_SECRET_KEY (docs/kubeflow.md)"
        )
    endpoint = kubeflow.pod_s3_endpoint or storage.endpoint
    return ClusterTarget(
        bucket=storage.bucket,
        endpoint=endpoint,
        secure=endpoint.startswith("https://") or (storage.secure and "://" not in endpoint),
        region=storage.region,
        secret=kubeflow.storage_secret,
        pipeline_root=kubeflow.pipeline_root or f"s3://{storage.bucket}/kfp",
        image=block_image(),
        read_buckets=settings.s3_read_buckets,
        allowed_networks=settings.allowed_networks,
    )


def cluster_component(block: Block) -> Any:
    """The block's component as its container runs on the cluster (see the module's doc)."""
    if block.build is not None:
        return block.build("kubeflow", block_image())
    return _cluster_component(block.id, block_image())


@functools.cache
def _cluster_component(block_id: str, image: str) -> Any:
    block = get_block(block_id)
    assert block is not None and block.function is not None  # a built-in block
    spec: structures.ComponentSpec = block.component().component_spec
    container = spec.implementation.container
    assert container is not None  # a lightweight component always has one
    command = [*TASK_COMMAND, "--module", block.function.__module__]
    implementation = structures.Implementation(
        container=dataclasses.replace(container, image=image, command=command)
    )
    return yaml_component.YamlComponent(
        dataclasses.replace(spec, implementation=implementation), component_yaml=""
    )


def prepare_task(task: Any, target: ClusterTarget) -> None:
    """Give a task the storage's address (plain) and keys (from the Secret)."""
    # Only here: kfp-kubernetes loads the Kubernetes library, which a local compile never needs.
    from kfp import kubernetes

    for name, value in target.environment().items():
        task.set_env_variable(name, value)
    kubernetes.use_secret_as_env(
        task, secret_name=target.secret, secret_key_to_env=dict(STORAGE_SECRET_KEYS)
    )
