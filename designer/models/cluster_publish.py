"""Publishing the models a Kubeflow run packed: registered here, served by KServe there.

The cluster counterpart of ``designer.models.publish``, called once a Kubeflow run is seen
finished. A Deploy node's output there is a bundle folder in the designer's own bucket (the
run's pipeline root, ``s3://<bucket>/kfp/...`` by default). For each bundle of a succeeded
node, with the same name rules as a local run (``publish.publish_bundles``):

1. the bundle's files are read from storage, by fixed names, into a private folder, and
   checked as a local bundle is (``designer.models.bundles``);
2. the name is claimed for the person who ran the flow;
3. the version is registered in the model folder, marked as served by KServe (its namespace,
   InferenceService, protocol, and the classes a classifier's probabilities are given in),
   so the Models page lists it and its column descriptions and unseen-value notes work as for
   a local model;
4. the model is written in the layout KServe's scikit-learn runtime reads
   (``designer.models.serving_layout``) under ``models/<name>/v<N>/``, and the model's
   InferenceService is created, or updated to the new version.

If step 4 fails (storage or cluster down, a permission missing), the version is taken away
again and the node fails saying why; nothing half-deployed is listed. Readiness is not awaited
here: KServe may take minutes, and the Models page and predictions ask it live.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from blocks.runtime import model_registry as registry
from blocks.runtime.model_bundle import BUNDLE_FILE
from blocks.runtime.model_registry import MODEL_FILE, PREPROCESSOR_FILE
from designer.cluster.kserve import apply_inference_service, inference_service, isvc_name
from designer.models.bundles import MAX_FACTS_BYTES, Bundle, BundleDamaged, unpacked_bundle
from designer.models.publish import STAGING_DIR, Publication, publish_bundles, register_bundle
from designer.models.serving_layout import (
    served_pipeline,
    serving_folder,
    write_serving_layout,
)
from designer.objects.base import ObjectNotFound, ObjectStore
from designer.objects.configured import open_store
from designer.objects.keys import check_key
from designer.runs.record import OutputRecord, RunRecord
from designer.settings import Settings

#: Where Kubeflow writes run outputs in the designer's bucket when no pipeline root is set.
DEFAULT_RUN_PREFIX = "kfp"
#: The namespace models are served in when no Kubeflow namespace is configured.
DEFAULT_NAMESPACE = "default"

log = logging.getLogger(__name__)


def publish_cluster_deployments(
    engine: Engine,
    settings: Settings,
    record: RunRecord,
    *,
    owner_id: str | None,
    flow_id: str | None,
) -> list[Publication]:
    """Publish and serve every bundle the run's succeeded nodes packed; update ``record`` in
    place (a refused node fails, and so does the run). See the module's docstring."""
    if settings.storage is None:
        # Nothing to read: a cluster run needs S3 storage, and the lead's submit refuses
        # without it; say so on the nodes rather than fail the caller.
        store: ObjectStore | None = None
    else:
        store = open_store(settings)
    staging = settings.models_dir / STAGING_DIR
    return publish_bundles(
        engine,
        settings.models_dir,
        record,
        owner_id=owner_id,
        flow_id=flow_id,
        unpack=partial(_bundle_in_storage, settings, store, staging),
        register=partial(_register_and_serve, settings, store),
    )


def serving_namespace(settings: Settings) -> str:
    """Where InferenceServices go: the Kubeflow namespace the runs are in."""
    return settings.kubeflow.namespace if settings.kubeflow else DEFAULT_NAMESPACE


def run_prefix(settings: Settings) -> str:
    """The key prefix (ending in ``/``) under which Kubeflow writes run outputs in the
    designer's bucket; ``BundleDamaged`` when the pipeline root is elsewhere."""
    assert settings.storage is not None
    bucket = settings.storage.bucket
    root = settings.kubeflow.pipeline_root if settings.kubeflow else None
    if not root:
        return f"{DEFAULT_RUN_PREFIX}/"
    if not root.startswith(f"s3://{bucket}/") or root.rstrip("/") == f"s3://{bucket}":
        raise BundleDamaged(
            f"the run's outputs are under {root}, outside the designer's bucket {bucket!r}; "
            f"set DESIGNER_KFP_PIPELINE_ROOT to s3://{bucket}/{DEFAULT_RUN_PREFIX}"
        )
    return root[len(f"s3://{bucket}/") :].strip("/") + "/"


@contextmanager
def _bundle_in_storage(
    settings: Settings, store: ObjectStore | None, staging_root: Path, output: OutputRecord
) -> Iterator[Bundle]:
    """The bundle at ``output.uri`` (``s3://<bucket>/<run outputs>/...``), copied out of
    storage into a private folder and checked as a local run's bundle is."""
    if store is None or settings.storage is None:
        raise BundleDamaged(
            "KServe reads models from S3 storage, and none is configured; set "
            "DESIGNER_S3_ENDPOINT (and its keys) and run the flow again"
        )
    folder = _bundle_key(output.uri, settings.storage.bucket, run_prefix(settings))
    staging_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="s3-bundle-", dir=staging_root) as staging:
        copy = Path(staging) / "bundle"
        copy.mkdir()
        _download(store, f"{folder}/{BUNDLE_FILE}", copy, limit=MAX_FACTS_BYTES)
        _download(store, f"{folder}/{MODEL_FILE}", copy)
        with suppress(ObjectNotFound):  # needed only when bundle.json says there is one
            _download(store, f"{folder}/{PREPROCESSOR_FILE}", copy)
        with unpacked_bundle(str(copy), Path(staging), Path(staging) / "checked") as bundle:
            yield bundle


def _bundle_key(uri: str, bucket: str, prefix: str) -> str:
    """The bundle folder's key, if ``uri`` names a folder under the run outputs' prefix."""
    head = f"s3://{bucket}/"
    if not uri.startswith(head):
        raise BundleDamaged(
            f"the block's output is not in the designer's bucket {bucket!r}, so it cannot be "
            "deployed from there"
        )
    key = uri[len(head) :].strip("/")
    check_key(key)
    if not key.startswith(prefix):
        raise BundleDamaged("the block's output is not among the run outputs in storage")
    return key


def _download(store: ObjectStore, key: str, into: Path, limit: int | None = None) -> None:
    name = key.rsplit("/", 1)[-1]
    if limit is not None:
        try:
            size = store.stat(key).size
        except ObjectNotFound:
            raise BundleDamaged(f"the block's output has no {name}") from None
        if size > limit:
            raise BundleDamaged(f"the block's {name} is larger than {limit} bytes")
    try:
        store.download(key, into / name)
    except ObjectNotFound:
        if name == PREPROCESSOR_FILE:
            raise
        raise BundleDamaged(f"the block's output has no {name}") from None


def _register_and_serve(
    settings: Settings, store: ObjectStore | None, models_dir: Path, bundle: Bundle
) -> dict[str, Any]:
    """Register the bundle as a version served by KServe, then serve it; undone on failure."""
    import joblib
    from sklearn.base import is_classifier

    assert store is not None  # _bundle_in_storage refused first
    model = joblib.load(bundle.model_path)
    preprocessor = joblib.load(bundle.preprocessor_path) if bundle.preprocessor_path else None
    probabilities = bool(is_classifier(model) and hasattr(model, "predict_proba"))
    namespace, name = serving_namespace(settings), isvc_name(bundle.name)
    serving = {
        "engine": "kserve",
        "namespace": namespace,
        "inference_service": name,
        "protocol": settings.kserve.protocol,
        "probabilities": probabilities,
        "classes": _plain_list(getattr(model, "classes_", [])) if probabilities else [],
    }
    info = register_bundle(models_dir, bundle, serving)
    version = int(info["version"])
    try:
        pipeline = served_pipeline(model, preprocessor, list(info["feature_columns"]))
        storage_uri = write_serving_layout(
            store, bundle.name, version, pipeline, models_dir / STAGING_DIR
        )
        body = inference_service(
            name,
            model=bundle.name,
            version=version,
            storage_uri=storage_uri,
            service_account=settings.kserve.service_account,
            protocol=settings.kserve.protocol,
            probabilities=probabilities,
            runtime=settings.kserve.runtime,
        )
        apply_inference_service(settings, namespace, body)
    except BaseException:
        registry.remove_version(models_dir, bundle.name, version)
        try:  # best effort: the failure itself is what the node says
            store.delete_prefix(serving_folder(bundle.name, version))
        except Exception:
            log.warning("could not clean up the served files of %r v%s", bundle.name, version)
        raise
    return info


def _plain_list(values: Any) -> list[Any]:
    """Classes as JSON values (numpy's integers and strings become Python's)."""
    listed = values.tolist() if hasattr(values, "tolist") else list(values)
    return [v if isinstance(v, str | int | float | bool) else str(v) for v in listed]
