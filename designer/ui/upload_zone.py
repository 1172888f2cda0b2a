"""The upload zone as a Reflex component: assets/datasets/UploadZone.jsx.

The browser sends the file itself, straight to the REST API (``POST /api/v1/datasets`` or
``/api/v1/datasets/{id}/versions``, the raw file as the body, the session cookie signing it),
so the bytes never travel over the page's websocket and the progress bar is the real one.
The server checks and profiles the file; the zone shows its error message as it is, and hands
a successful answer (``{"dataset_id", "name", "number", "created", "filename"}``) to
``on_uploaded``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.components.component import field
from reflex_base.event import passthrough_event_spec

#: What the file picker offers; the server still judges whatever is sent.
ACCEPT = ".csv,.tsv,.txt,.parquet"
#: Said at once, without sending anything, when the chosen file has no bytes at all
#: ("{name}" is the file's name). The REST API's own answer speaks to API clients instead.
EMPTY_FILE = "{name} is empty: choose a file with a header row and at least one row of data."


class UploadZone(rx.Component):
    """Drag and drop or click to choose; XMLHttpRequest for upload progress."""

    # assets/ is copied to .web/public before the frontend is built.
    library: str | None = "$/public/datasets/UploadZone.jsx"
    tag: str | None = "UploadZone"

    url: rx.Var[str] = field(doc="Where to POST the file; ?filename= (and ?name=) are added.")
    max_bytes: rx.Var[int] = field(
        doc="The server's upload limit: larger files are refused before sending (0: no check)."
    )
    accept: rx.Var[str] = field(doc="The file picker's accept list.")
    ask_name: rx.Var[bool] = field(doc="Offer a dataset name field (new datasets only).")
    label: rx.Var[str] = field(doc="The zone's call to action.")
    empty_message: rx.Var[str] = field(
        doc='Shown instead of sending a file of 0 bytes; "{name}" becomes its name.'
    )

    on_uploaded: rx.EventHandler[passthrough_event_spec(dict[str, Any])] = field(
        doc="The server's JSON answer to a successful upload, plus the file's name."
    )


def upload_zone(**props: Any) -> rx.Component:
    props.setdefault("accept", ACCEPT)
    props.setdefault("empty_message", EMPTY_FILE)
    return UploadZone.create(**props)
