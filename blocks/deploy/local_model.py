"""Register a trained model in the designer's local model folder so it can answer predictions.

This is the local half of deployment: the model gets a name and a version number on this
machine and ``blocks.runtime.model_registry.predict`` serves it. The cluster half (a KServe
InferenceService) comes later.
"""

from collections.abc import Mapping

from kfp.dsl import Artifact, Input, Model, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import DEPLOYMENT, MODEL, PREPROCESSOR, Block, Inference, Port, TableSchema


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Deploy locally")

    model_name: str = Field(
        "my-model",
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
        title="Model name",
        description="The name to find the model by: lowercase letters, digits and dashes. "
        "Deploying again under the same name adds a new version.",
    )
    description: str = Field(
        "",
        max_length=2000,
        title="Description",
        description="A note for people using the model: what it predicts, from which data.",
    )


def deploy_local_model(
    model: Input[Model],
    deployment: Output[Artifact],
    model_name: str,
    description: str,
    preprocessor: Input[Model] = None,
) -> None:
    import json

    from blocks.runtime.model_registry import default_models_dir, register

    facts = model.metadata
    info = register(
        default_models_dir(),
        model_name,
        model.path,
        preprocessor_path=preprocessor.path if preprocessor is not None else None,
        task=str(facts.get("task", "")),
        target=str(facts.get("target", "")),
        feature_columns=None if preprocessor is not None else facts.get("feature_columns"),
        description=description,
        source_uri=model.uri,
    )
    with open(deployment.path, "w") as handle:
        json.dump(info, handle, indent=2)
    deployment.metadata.update({k: info[k] for k in ("name", "version", "path", "task")})
    print(f"registered {info['name']} version {info['version']} in {info['path']}")


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    return Inference()


BLOCK = Block(
    id="deploy.local_model",
    version="1",
    category="deploy",
    title="Deploy locally",
    description="Save the trained model under a name on this computer so it can make "
    "predictions on new rows. Connect the Prepare columns block's preprocessor so new rows "
    "are prepared the same way.",
    icon="rocket",
    inputs=(
        Port("model", MODEL, "The trained model to deploy."),
        Port(
            "preprocessor",
            PREPROCESSOR,
            "The learned column preparation, applied to new rows before predicting.",
            optional=True,
        ),
    ),
    outputs=(Port("deployment", DEPLOYMENT, "Name, version and folder of the deployed model."),),
    params=Params,
    function=deploy_local_model,
    infer=infer,
)
