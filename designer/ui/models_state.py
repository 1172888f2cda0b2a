"""The state of the models page (``/models``): the deployed models, trying one on a row, and
removing one.

Handlers ask ``designer.models.deployed`` in a thread, for the person signed in: they see and
try only the models they may (their own, those of flows shared with them, every one for an
admin); only a model's owner or an admin may remove it (``designer.models.removal``). A model
served by KServe on the cluster says where it answers and whether it is ready. The functions
at the top shape the core's answers into rows of text for ``rx.foreach``, and are plain Python.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import reflex as rx

from designer.cluster.kube import ClusterError
from designer.models import deployed, removal
from designer.store.access import Actor
from designer.store.db import StoreError
from designer.ui.context import database, settings
from designer.ui.messages import shown
from designer.ui.session import actor_of
from designer.ui.sharing_views import exact_time, relative_time

#: What the answer is called, by the model's task.
ANSWER_LABELS = {
    "classification": "Predicted class",
    "regression": "Predicted value",
    "clustering": "Predicted group",
}
#: Shown when the store cannot say who may use which model.
DATABASE_DOWN = (
    "The designer's database cannot be reached right now, so the models cannot be shown; "
    "try again in a moment, or tell your administrator if it lasts."
)
#: How often, and how many times, the page looks again while a served model is not ready.
WATCH_SECONDS = 3.0
WATCH_ROUNDS = 40
#: Classes shown with a probability bar: the likeliest first, enough for any sensible form.
MAX_BARS = 8


def model_row(summary: Mapping[str, Any], now: datetime, viewer: str = "") -> dict[str, str]:
    """One line of the models list; ``viewer`` is the username of who looks ("you" own it)."""
    created = _moment(summary.get("created"))
    return {
        "name": str(summary["name"]),
        "owner": owner_text(summary.get("owner"), viewer),
        "version": f"v{summary['version']}",
        "task": str(summary.get("task") or "unknown"),
        "target": str(summary.get("target") or "—"),
        "when": relative_time(created, now) if created else "",
        "when_exact": exact_time(created) if created else "",
        **serving_facts(summary.get("serving")),
    }


def serving_facts(serving: Mapping[str, Any] | None) -> dict[str, str]:
    """Where a model answers, for the page: "here", or KServe's address and readiness."""
    if not serving:
        return {"serving": "This computer", "state": "here", "url": "", "reason": ""}
    ready = bool(serving.get("ready"))
    return {
        "serving": f"KServe · {'ready' if ready else 'not ready'}",
        "state": "ready" if ready else "not-ready",
        "url": str(serving.get("url") or ""),
        "reason": "" if ready else str(serving.get("reason") or ""),
    }


def owner_text(owner: Mapping[str, str] | None, viewer: str = "") -> str:
    """Whose a model is, in words: "you", a display name, or "nobody" for an unowned model."""
    if not owner:
        return "nobody"
    return "you" if owner.get("username") == viewer else str(owner.get("display_name") or "")


def form_inputs(features: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One input per feature column, pre-filled with the example the registry keeps."""
    inputs = []
    for feature in features:
        kind = "number" if feature.get("type") == "number" else "text"
        choices = [str(c) for c in feature.get("choices") or []]
        example = feature.get("example")
        inputs.append(
            {
                "name": str(feature["name"]),
                "kind": kind,
                "value": "" if example is None else _plain(example),
                "placeholder": f"a {kind}",
                # A text column that was one-hot encoded knows the values it learned from.
                "hint": f"Seen in training: {', '.join(choices)}" if choices else "",
            }
        )
    return inputs


def unseen_notes(unseen: Sequence[Mapping[str, Any]]) -> list[str]:
    """One sentence per value the model never saw in training ("color: 'tartan' was not seen
    in training, so ..."); the column keeps its own spelling, even in lower case."""
    return [f"{u['note']}." for u in unseen]


def answer_text(task: str, prediction: Any) -> str:
    """ "Predicted class: 2", "Predicted value: 151.3"."""
    return f"{ANSWER_LABELS.get(task, 'Prediction')}: {_shown(prediction)}"


def probability_bars(
    classes: Sequence[Any], probabilities: Sequence[float]
) -> list[dict[str, str]]:
    """The likeliest classes with their probability, as a label, a percentage and a width."""
    ranked = sorted(zip(classes, probabilities, strict=True), key=lambda pair: -pair[1])
    return [
        {"label": _shown(label), "percent": f"{p:.0%}", "width": f"{max(p * 100, 0.5):.1f}%"}
        for label, p in ranked[:MAX_BARS]
    ]


def _shown(value: Any) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def _plain(value: Any) -> str:
    """An example as an input's text: 6.0 reads "6", 2.875 stays "2.875"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _moment(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ModelsState(rx.State):
    models: list[dict[str, str]] = []
    loaded: bool = False
    #: Whether ``watch_serving`` is looking again for a model KServe is rolling out.
    watching: bool = False
    error: str = ""
    #: The model being tried: its name, latest version and task.
    selected: str = ""
    version: int = 0
    task: str = ""
    description: str = ""
    inputs: list[dict[str, str]] = []
    answer: str = ""
    bars: list[dict[str, str]] = []
    #: Values of the row the model never saw in training, one plain sentence each.
    notes: list[str] = []
    predict_error: str = ""
    predicting: bool = False
    #: Where the chosen model answers: "here", "ready" or "not-ready" (KServe), its address,
    #: and why it is not ready.
    serving_state: str = ""
    serving_url: str = ""
    serving_reason: str = ""
    #: Whether the person may remove the chosen model (its owner, or an admin).
    can_remove: bool = False
    #: The model whose removal waits for a yes, and why a removal failed.
    removing: str = ""
    remove_error: str = ""
    #: The registry's summaries by name, kept on the server for the form.
    _summaries: dict[str, dict[str, Any]] = {}
    _removable: list[str] = []

    @rx.event
    async def load(self) -> Any:
        self.removing, self.remove_error = "", ""  # no dialog left open from a past visit
        await self._load_models()
        if any(m["state"] == "not-ready" for m in self.models) and not self.watching:
            return ModelsState.watch_serving
        return None

    async def _load_models(self) -> None:
        actor = actor_of(self)
        if actor is None:  # the page's sign-in guard sends them to sign in
            self.models, self._summaries, self.loaded = [], {}, True
            return
        try:
            found = await asyncio.to_thread(
                deployed.list_models, database(), settings().models_dir, actor, settings()
            )
        except StoreError:  # not its address: that is for the administrator's logs
            self.error, self.loaded = DATABASE_DOWN, True
            return
        except (OSError, ValueError) as exc:  # an unreadable folder or model.json
            self.error, self.loaded = f"Could not read the deployed models: {shown(exc)}", True
            return
        now = datetime.now(UTC)
        self._summaries = {m["name"]: m for m in found}
        self._removable = [
            m["name"]
            for m in found
            if actor.is_admin or (m.get("owner") or {}).get("username") == actor.username
        ]
        self.models = [model_row(m, now, actor.username) for m in found]
        self.error, self.loaded = "", True
        # Keep what was typed, unless that model went or gained a version since.
        on_show = self._summaries.get(self.selected)
        if on_show is None or on_show["version"] != self.version or not self.inputs:
            self._show(self.selected if on_show else found[0]["name"] if found else "")
        else:
            self._show_serving(self.selected)

    @rx.event(background=True)
    async def watch_serving(self) -> Any:
        """While KServe rolls a model out, look again every few seconds (for a while), so the
        page turns "ready" without being opened again."""
        async with self:
            self.watching = True
        try:
            for _ in range(WATCH_ROUNDS):
                await asyncio.sleep(WATCH_SECONDS)
                async with self:
                    if not any(m["state"] == "not-ready" for m in self.models):
                        return
                    await self._load_models()
        finally:
            async with self:
                self.watching = False

    @rx.event
    def select(self, name: str) -> None:
        self._show(name)

    def _show(self, name: str) -> None:
        """The model ``name`` in the form, its inputs pre-filled and no answer yet."""
        summary = self._summaries.get(name, {})
        self.selected, self.version = name, int(summary.get("version") or 0)
        self.task = str(summary.get("task") or "")
        self.description = str(summary.get("description") or "")
        self.inputs = form_inputs(summary.get("features") or [])
        self.answer, self.bars, self.predict_error, self.notes = "", [], "", []
        self._show_serving(name)

    def _show_serving(self, name: str) -> None:
        facts = serving_facts(self._summaries.get(name, {}).get("serving"))
        self.serving_state, self.serving_url = facts["state"], facts["url"]
        self.serving_reason = facts["reason"]
        self.can_remove = name in self._removable

    @rx.event
    def set_input(self, column: str, value: str) -> None:
        self.inputs = [{**i, "value": value} if i["name"] == column else i for i in self.inputs]

    @rx.event
    async def predict(self) -> None:
        row = {i["name"]: i["value"] for i in self.inputs}
        self.predicting, self.predict_error, self.notes = True, "", []
        yield
        try:
            actor = actor_of(self)
            result = await asyncio.to_thread(_predict, actor, self.selected, row, self.version)
        except LookupError:
            self.answer, self.bars = "", []
            self.predict_error = (
                "This model version is no longer deployed, or no longer shared with you: "
                "reload the page."
            )
        except StoreError:  # the database is down: who may use the model is unknown
            self.answer, self.bars, self.predict_error = "", [], DATABASE_DOWN
        except ClusterError as exc:  # KServe not ready, or the cluster out of reach
            self.answer, self.bars, self.predict_error = "", [], shown(exc)
        except ValueError as exc:  # rows that do not fit, or a model refusing them
            self.answer, self.bars, self.predict_error = "", [], shown(exc)
        else:
            self.answer = answer_text(self.task, result.predictions[0])
            probabilities = result.probabilities[0] if result.probabilities else []
            self.bars = probability_bars(result.classes, probabilities)
            self.notes = unseen_notes(result.unseen)
        self.predicting = False

    @rx.event
    def ask_remove(self) -> None:
        self.removing, self.remove_error = self.selected, ""

    @rx.event
    def cancel_remove(self) -> None:
        self.removing, self.remove_error = "", ""

    @rx.event
    async def remove(self) -> Any:
        name = self.removing
        try:
            await asyncio.to_thread(_remove, actor_of(self), name)
        except LookupError:  # already gone, or no longer visible: the list will say
            pass
        except (PermissionError, ClusterError) as exc:  # not theirs; the cluster said no
            self.remove_error = shown(exc)
            return None
        except StoreError:
            self.remove_error = DATABASE_DOWN
            return None
        self.removing, self.selected, self.inputs = "", "", []
        return ModelsState.load


def _predict(actor: Actor | None, name: str, row: dict[str, Any], version: int) -> Any:
    """The prediction for one row, if ``actor`` may use the model (``LookupError`` if not)."""
    if actor is None:
        raise LookupError("sign in to use the models")
    return deployed.predict_rows(
        database(), settings().models_dir, actor, name, [row], version, settings()
    )


def _remove(actor: Actor | None, name: str) -> removal.Removal:
    """Remove ``name``, if ``actor`` may (``NotYourModel``, a ``PermissionError``, if not)."""
    if actor is None:
        raise LookupError("sign in to remove a model")
    return removal.remove_model(database(), settings(), actor, name)
