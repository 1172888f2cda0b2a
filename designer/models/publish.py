"""Publishing the models a finished run packed, for the person who ran the flow.

A "Deploy locally" block leaves a bundle in its output (``blocks.runtime.model_bundle``). When
the run ends, before its record is saved for the last time, the designer calls
``publish_deployments``: for each deploy node that succeeded it claims the model's name for the
person who ran the flow (``designer.store.models``), then registers the bundle as the name's
next version in the model folder, in the designer's own process.

A node whose name belongs to someone else, or whose bundle cannot be read, is marked failed
with the reason, and a run that had succeeded then fails: nobody's predictions change because
another person deployed under their model's name. (A new name is claimed before its files are
copied; if copying then fails, the name stays its claimant's, with no version yet.)

The signature is meant to be bound once per run::

    hook = functools.partial(
        publish_deployments, engine, settings.models_dir, owner_id=actor.id, flow_id=flow_id
    )
    hook(record, run_dir)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from blocks.runtime import model_registry as registry
from blocks.runtime.model_bundle import BUNDLE_KIND
from designer.cluster.kube import ClusterError
from designer.models.bundles import Bundle, BundleDamaged, unpacked_bundle
from designer.objects.base import ObjectStoreError
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status
from designer.store.access import Actor
from designer.store.accounts import get_actor
from designer.store.audit import record_event
from designer.store.db import StoreError, StoreUnavailable
from designer.store.models import ModelOwner, claim_model_name

#: Where bundles are copied while they are published: inside the model folder (so the copy
#: into a version folder stays on one disk), under a name no model can have.
STAGING_DIR = ".incoming"
#: The facts of a published version a node's output shows, as before publishing moved here.
SHOWN_FACTS = ("name", "version", "path", "task")

log = logging.getLogger(__name__)

#: Opens the bundle an output holds, as private copies, for as long as the ``with`` lasts.
Unpack = Callable[[OutputRecord], AbstractContextManager[Bundle]]
#: Registers a bundle as the next version of its name in the model folder; its facts.
Register = Callable[[Path, Bundle], dict[str, Any]]


@dataclass(frozen=True)
class Publication:
    """What became of one deploy node's bundle."""

    node_id: str
    #: The name asked for ("" when the bundle could not be read far enough to know it).
    name: str
    #: The version registered; None when the node was refused.
    version: int | None = None
    #: Why the model was not published; "" when it was.
    refused: str = ""


def publish_deployments(
    engine: Engine,
    models_dir: Path,
    record: RunRecord,
    run_dir: Path,
    *,
    owner_id: str | None,
    flow_id: str | None,
) -> list[Publication]:
    """Publish every bundle the run's succeeded nodes packed; update ``record`` in place.

    ``owner_id`` is who ran the flow (None: the command line without ``--as``, acting for the
    machine's operator); ``flow_id`` the stored flow that ran (None for a flow file), whose
    sharing the model follows.
    """
    staging = Path(models_dir) / STAGING_DIR
    return publish_bundles(
        engine,
        models_dir,
        record,
        owner_id=owner_id,
        flow_id=flow_id,
        unpack=lambda output: unpacked_bundle(output.uri, run_dir, staging),
    )


def publish_bundles(
    engine: Engine,
    models_dir: Path,
    record: RunRecord,
    *,
    owner_id: str | None,
    flow_id: str | None,
    unpack: Unpack,
    register: Register | None = None,
) -> list[Publication]:
    """The publishing both engines share: for each bundle of a succeeded node, ``unpack`` it,
    claim its name for the person who ran the flow, then ``register`` it (by default into the
    model folder, as a local run's models are). A refusal fails the node, and the run."""
    bundles = [
        (node_id, node, output)
        for node_id, node in record.nodes.items()
        if node.status.done  # ran, or reused an earlier result: published for this run
        for output in node.outputs.values()
        if output.metadata.get("kind") == BUNDLE_KIND
    ]
    if not bundles:
        return []
    try:
        person, missing = _person(engine, owner_id)
    except Exception as exc:  # the database is down: nothing can be claimed
        person, missing = None, _reason("", exc)
    done = []
    for node_id, node, output in bundles:
        name = str(output.metadata.get("name", ""))
        if missing:
            _refuse(record, node, missing)
            done.append(Publication(node_id, name, refused=missing))
            continue
        try:
            with unpack(output) as bundle:
                name = bundle.name
                claimed = claim_model_name(
                    engine,
                    person,
                    bundle.name,
                    flow_id=flow_id,
                    files_exist=(Path(models_dir) / bundle.name).is_dir(),
                )
                info = (register or _register)(models_dir, bundle)
        except Exception as exc:  # a surprise must fail this node, not leave the run unfinished
            reason = _reason(name, exc)
            _refuse(record, node, reason)
            done.append(Publication(node_id, name, refused=reason))
        else:
            _published(node, output, info)
            done.append(Publication(node_id, name, int(info["version"])))
            _note(engine, person, record, claimed, int(info["version"]))
    return done


def _note(
    engine: Engine,
    person: Actor | None,
    record: RunRecord,
    claimed: ModelOwner,
    version: int,
) -> None:
    """Write the published version to the audit log. The model is registered by then: a log
    that cannot be written is reported in the server's log, and the run is not failed for it."""
    try:
        record_event(
            engine,
            person,
            "published",
            "model",
            claimed.name,
            claimed.name,
            owner_id=claimed.owner_id,
            flow_id=claimed.flow_id,
            detail={"version": version, "run": record.run_id},
        )
    except Exception:
        log.warning(
            "could not write the publishing of model %r to the audit log",
            claimed.name,
            exc_info=True,
        )


def _person(engine: Engine, owner_id: str | None) -> tuple[Actor | None, str]:
    """Who the run acts for, or why nobody can publish for it."""
    if owner_id is None:
        return None, ""
    person = get_actor(engine, owner_id)
    if person is None:
        return None, (
            "not deployed: the account that ran this flow no longer exists, so nobody can own "
            "its models"
        )
    return person, ""


def _register(models_dir: Path, bundle: Bundle) -> dict[str, Any]:
    return register_bundle(models_dir, bundle)


def register_bundle(
    models_dir: Path, bundle: Bundle, serving: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Register the bundle as the next version of its model (served by KServe when
    ``serving`` says so, else from the designer's own process)."""
    return registry.register(
        models_dir,
        bundle.name,
        bundle.model_path,
        preprocessor_path=bundle.preprocessor_path,
        task=bundle.task,
        target=bundle.target,
        feature_columns=bundle.feature_columns,
        description=bundle.description,
        source_uri=bundle.source_uri,
        serving=serving,
        features=bundle.features,
    )


def _reason(name: str, exc: Exception) -> str:
    """The refusal in words for the person: the store's and the bundle's messages say it all."""
    if isinstance(exc, StoreUnavailable | OperationalError | InterfaceError):  # name its address
        log.warning("could not publish model %r: %s", name, exc)
        return (
            "not deployed: the designer's database could not be reached to check who owns the "
            "model name; run the flow again once it is back"
        )
    if isinstance(exc, StoreError | BundleDamaged | ClusterError | ObjectStoreError):
        return f"not deployed: {exc}"
    # Unpickling or copying failed: the details (paths of this server) go to its log only.
    log.warning("could not publish model %r", name, exc_info=exc)
    named = f" {name!r}" if name else ""
    return (
        f"the model{named} could not be deployed ({type(exc).__name__}): its files could not be "
        "read as a model, or the model folder could not be written; the server's log says more"
    )


def _refuse(record: RunRecord, node: NodeRun, reason: str) -> None:
    node.status, node.error = Status.FAILED, reason
    node.finished_at = node.finished_at or time.time()
    node.log = f"{node.log}{reason}\n"
    if record.status is Status.SUCCEEDED:
        record.status = Status.FAILED


def _published(node: NodeRun, output: OutputRecord, info: dict[str, Any]) -> None:
    output.metadata.update({key: info[key] for key in SHOWN_FACTS})
    node.log = f"{node.log}deployed {info['name']!r} as version {info['version']}\n"
    serving = info.get("serving")
    if isinstance(serving, dict):  # served by KServe on the cluster
        output.metadata["serving"] = {
            key: serving[key] for key in ("namespace", "inference_service") if key in serving
        }
        node.log = (
            f"{node.log}KServe serves it as the InferenceService "
            f"{serving.get('inference_service')!r} in namespace {serving.get('namespace')!r}\n"
        )
