"""The object store the settings name: S3/MinIO when an endpoint is set, else a local folder."""

from __future__ import annotations

from designer.objects.base import ObjectStore
from designer.objects.local import LocalFolderStore
from designer.settings import Settings


def open_store(settings: Settings) -> ObjectStore:
    """The configured store; cheap, and never touches the network (call ``check`` for that)."""
    if settings.storage is None:
        return LocalFolderStore(settings.objects_dir)
    from designer.objects.s3 import S3Store

    return S3Store(settings.storage)


def prepare_for_cluster(settings: Settings) -> None:
    """Make the S3 bucket a cluster run writes its outputs to, when it is missing (Kubeflow
    writes there itself, and does not make buckets); ``ObjectStoreError`` if it cannot."""
    from designer.objects.s3 import S3Store

    store = open_store(settings)
    if isinstance(store, S3Store):
        store.ensure_bucket()
