"""A trained model packed for deployment: what the "Deploy locally" block leaves in its output.

The block runs inside its run, which may be sandboxed and see nothing but its own folder, so it
cannot write the designer's model folder. It packs the model into its ``deployment`` output
instead; after the run the designer publishes the bundle (``designer.models.publish``) on
behalf of the person who ran the flow, if the model's name is theirs.

A bundle is a folder holding ``model.joblib``, ``preprocessor.joblib`` (when the flow prepared
its columns) and ``bundle.json``: the requested name and what the block knows of the model.
The artifact's metadata carries ``kind: BUNDLE_KIND`` so the designer can find bundles in a
run's record without knowing which block made them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from blocks.runtime.model_inputs import describe_features
from blocks.runtime.model_registry import MODEL_FILE, PREPROCESSOR_FILE, model_task

#: The metadata ``kind`` of an output artifact that holds a bundle.
BUNDLE_KIND = "designer.model-bundle"
#: The facts file of a bundle, and the version of its layout.
BUNDLE_FILE = "bundle.json"
BUNDLE_FORMAT = 1


def write_bundle(
    folder: str | os.PathLike[str],
    model_path: str | os.PathLike[str],
    *,
    name: str,
    preprocessor_path: str | os.PathLike[str] | None = None,
    task: str = "",
    target: str = "",
    feature_columns: list[str] | None = None,
    description: str = "",
    source_uri: str = "",
) -> dict[str, Any]:
    """Copy the model (and its preprocessor) into ``folder`` with their facts; the facts.

    ``task``, the feature columns and what each column takes are read from the model (and
    preprocessor) here, so the designer need not open the model to tell what it answers.
    """
    bundle = Path(folder)
    bundle.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_path, bundle / MODEL_FILE)
    if preprocessor_path is not None:
        shutil.copyfile(preprocessor_path, bundle / PREPROCESSOR_FILE)
    import joblib

    model = joblib.load(model_path)
    if not task:
        task = model_task(model)
    preprocessor = joblib.load(preprocessor_path) if preprocessor_path is not None else None
    if feature_columns is None:
        source = preprocessor if preprocessor is not None else model
        feature_columns = [str(c) for c in getattr(source, "feature_names_in_", [])]
    facts: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "name": name,
        "task": task,
        "target": target,
        "feature_columns": None if feature_columns is None else [str(c) for c in feature_columns],
        "description": description,
        "source_uri": source_uri,
        "has_preprocessor": preprocessor_path is not None,
        # Described here, where the model is open anyway: the designer then publishes the
        # model without unpickling it.
        "features": describe_features(model, preprocessor, [str(c) for c in feature_columns]),
    }
    (bundle / BUNDLE_FILE).write_text(json.dumps(facts, indent=2))
    return facts
