"""A model version as KServe's scikit-learn runtime reads it: one file in one folder.

KServe's sklearn server loads the single ``.joblib``/``.pkl``/``.pickle`` file of its
``storageUri`` folder and calls that object's ``predict`` (or ``predict_proba``) on a pandas
DataFrame of the named columns a request carries (``designer.cluster.kserve``). A designer
model may need its Prepare columns preprocessor first, and the model may read the prepared
columns in another order than the preprocessor writes them (a train block's own feature
choice). So the served file is one scikit-learn ``Pipeline``:

1. ``prepare``: the fitted preprocessor, when the flow had one;
2. ``columns``: a column selector putting the columns in the order the model was fitted on
   (only when that order differs from what reaches it);
3. ``model``: the fitted model.

Only scikit-learn's own classes are in it, so the stock runtime unpickles it with nothing of the
designer installed. The folder is ``models/<name>/v<version>/`` in the designer's bucket.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from designer.objects.base import ObjectStore
from designer.objects.keys import join_key

#: The one file in a served version's folder (one of the extensions KServe's runtime loads).
SERVED_FILE = "model.joblib"
#: Where served versions live in the designer's bucket.
SERVING_PREFIX = "models"


def serving_folder(name: str, version: int) -> str:
    """The key prefix (ending in ``/``) of version ``version`` of model ``name``."""
    return join_key(SERVING_PREFIX, name, f"v{int(version)}") + "/"


def served_pipeline(model: Any, preprocessor: Any | None, columns: list[str]) -> Any:
    """One fitted ``Pipeline`` answering for rows of ``columns`` as the model folder's files do
    together (``model_registry._model_input``)."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    steps: list[tuple[str, Any]] = []
    reaching = list(columns)
    if preprocessor is not None:
        steps.append(("prepare", preprocessor))
        reaching = [str(c) for c in preprocessor.get_feature_names_out()]
    wanted = getattr(model, "feature_names_in_", None)
    if wanted is not None and [str(c) for c in wanted] != reaching:
        selector = ColumnTransformer(
            [("model_columns", "passthrough", [str(c) for c in wanted])],
            remainder="drop",
            verbose_feature_names_out=False,
        ).set_output(transform="pandas")
        # A pass-through learns nothing from data but the column names it is given.
        selector.fit(pd.DataFrame([[0.0] * len(reaching)], columns=reaching))
        steps.append(("columns", selector))
    steps.append(("model", model))
    return Pipeline(steps)


def write_serving_layout(
    store: ObjectStore, name: str, version: int, pipeline: Any, staging_root: Path
) -> str:
    """Write ``pipeline`` as the served file of ``name`` version ``version``; the folder's
    ``s3://`` address, ending in ``/`` so KServe reads that folder and no other."""
    import joblib

    folder = serving_folder(name, version)
    staging_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="served-", dir=staging_root) as staging:
        path = Path(staging) / SERVED_FILE
        joblib.dump(pipeline, path)
        store.put_file(folder + SERVED_FILE, path)
    location = store.location(folder + SERVED_FILE)
    return location[: -len(SERVED_FILE)]
