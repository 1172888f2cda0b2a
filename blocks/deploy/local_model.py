"""Deploy a trained model under a name on this machine, so it can answer predictions.

This is the local half of deployment. The block itself only packs the model into its
``deployment`` output (``blocks.runtime.model_bundle``): a run may be sandboxed and cannot write
the designer's model folder. When the run finishes, the designer publishes the bundle as the
next version of the named model, on behalf of the person who ran the flow and only if that name
is theirs (``designer.models.publish``); ``blocks.runtime.model_registry.predict`` then serves
it. On a Kubeflow cluster the designer serves it with KServe instead
(``designer.models.cluster_publish``).
"""

from collections.abc import Mapping

from kfp.dsl import Artifact, Input, Model, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import DEPLOYMENT, MODEL, PREPROCESSOR, Block, Inference, Port, TableSchema
from blocks.runtime.model_names import NAME_PATTERN


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Deploy locally")

    model_name: str = Field(
        "my-model",
        pattern=NAME_PATTERN,
        title="Model name",
        description="The name to find the model by: lowercase letters, digits and dashes. "
        "Deploying again under the same name adds a new version. A name belongs to "
        "whoever first deployed under it.",
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
    from blocks.runtime.model_bundle import BUNDLE_KIND, write_bundle

    facts = model.metadata
    bundle = write_bundle(
        deployment.path,
        model.path,
        name=model_name,
        preprocessor_path=preprocessor.path if preprocessor is not None else None,
        task=str(facts.get("task", "")),
        target=str(facts.get("target", "")),
        feature_columns=None if preprocessor is not None else facts.get("feature_columns"),
        description=description,
        source_uri=model.uri,
    )
    deployment.metadata.update({"kind": BUNDLE_KIND, "name": model_name, "task": bundle["task"]})
    print(f"packaged model for deployment as {model_name!r}; it is published when the run ends")


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
    outputs=(
        Port(
            "deployment",
            DEPLOYMENT,
            "The packed model; once the run ends, the name and version it answers under.",
        ),
    ),
    params=Params,
    function=deploy_local_model,
    infer=infer,
)
