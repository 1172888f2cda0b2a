"""What the dataset pages show, from the store's values and a profile, at a pinned time."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from designer.store.access import Role
from designer.store.datasets import DatasetSummary, DatasetVersion
from designer.ui import dataset_views as views

NOW = datetime(2024, 11, 22, 14, 5, tzinfo=UTC)
HOUSES: dict[str, Any] = {
    "format": "csv",
    "delimiter": ",",
    "rows": 60,
    "columns": [
        {
            "name": "rooms",
            "type": "integer",
            "missing": 0,
            "distinct": 6,
            "stats": {"min": 1.0, "max": 6.0, "mean": 3.7, "std": 1.79},
            "histogram": [
                {"start": 1.0, "end": 3.5, "count": 20},
                {"start": 3.5, "end": 6.0, "count": 40},
            ],
        },
        {
            "name": "city",
            "type": "text",
            "missing": 2,
            "distinct": None,
            "stats": {"top": "east", "top_count": 23},
            "histogram": [],
        },
        {
            "name": "price",
            "type": "number",
            "missing": 0,
            "distinct": 60,
            "stats": {"min": 21205.5, "max": 373631.19, "mean": 198347.546},
            "histogram": [],
        },
    ],
    "preview": [["2", "south", "89471.52"], ["6", None, "297443.18"]],
    "suggested_target": "price",
    "suggested_task": "regression",
}


def summary(**changes: Any) -> DatasetSummary:
    values: dict[str, Any] = {
        "id": "d1",
        "name": "houses",
        "description": "",
        "owner": "Ada",
        "role": Role.OWNER,
        "version": 3,
        "rows": 60,
        "columns": 4,
        "size": 2150,
        "format": "csv",
        "updated_at": NOW - timedelta(hours=3),
        "shared": False,
    }
    return DatasetSummary(**{**values, **changes})


def version(**changes: Any) -> DatasetVersion:
    values: dict[str, Any] = {
        "dataset_id": "d1",
        "dataset_name": "houses",
        "number": 2,
        "sha256": "ab" * 32,
        "size": 2150,
        "format": "csv",
        "filename": "houses.csv",
        "rows": 60,
        "columns": ("rooms", "area", "city", "price"),
        "object_key": "datasets/sha256/ab/abab",
        "created_at": NOW,
        "author": "Ada",
    }
    return DatasetVersion(**{**values, **changes})


def test_the_views_do_not_import_reflex() -> None:
    code = "import sys, designer.ui.dataset_views; print('reflex' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 B"),
        (812, "812 B"),
        (999, "999 B"),
        (1000, "1.0 KB"),
        (2150, "2.1 KB"),
        (123_456, "123 KB"),
        (12_300_000, "12.3 MB"),
        (500_000_000, "500 MB"),
        (1_200_000_000, "1.2 GB"),
        (-5, "0 B"),
    ],
)
def test_human_size(size: int, expected: str) -> None:
    assert views.human_size(size) == expected


@pytest.mark.parametrize(
    ("rows", "columns", "expected"),
    [
        (60, 4, "60 rows \u00d7 4 columns"),
        (1, 1, "1 row \u00d7 1 column"),
        (1_234_567, 12, "1,234,567 rows \u00d7 12 columns"),
    ],
)
def test_shape_label(rows: int, columns: int, expected: str) -> None:
    assert views.shape_label(rows, columns) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        ("2024-01-02T00:00:00", "2024-01-02T00:00:00"),
        (6.0, "6"),
        (-3.0, "-3"),
        (1950.0, "1950"),
        (-9999.0, "-9999"),
        (12_500.0, "12,500"),
        (3.7, "3.7"),
        (80.39833, "80.4"),
        (146.8, "146.8"),
        (198347.546, "198,348"),
        (21205.5, "21,206"),
        (2_000_000.0, "2,000,000"),
        (0.5, "0.5"),
        (0.000123, "0.00012"),
        (float("inf"), "inf"),
    ],
)
def test_format_number(value: float | str | None, expected: str) -> None:
    assert views.format_number(value) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {"version": "v3", "is_owner": True, "role": "owner", "shared": False}),
        (
            {"role": Role.VIEWER, "shared": True},
            {"is_owner": False, "role": "viewer", "shared": True},
        ),
        ({"format": "parquet", "version": 1}, {"format": "Parquet", "version": "v1"}),
        ({"rows": 1, "columns": 1}, {"shape": "1 row \u00d7 1 column"}),
    ],
)
def test_dataset_row(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    row = views.dataset_row(summary(**changes), NOW)
    assert row["id"] == "d1"
    assert row["href"] == "/datasets/d1"
    assert row["updated"] == "3 hours ago"
    assert row["updated_exact"] == "2024-11-22 11:05 UTC"
    assert {key: row[key] for key in expected} == expected


def test_dataset_row_reads_as_a_list_line() -> None:
    row = views.dataset_row(summary(), NOW)
    assert (row["shape"], row["size"], row["format"], row["owner"]) == (
        "60 rows \u00d7 4 columns",
        "2.1 KB",
        "CSV",
        "Ada",
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/datasets/abc123", "abc123"),
        ("/datasets/abc123/", "abc123"),
        ("/datasets/abc123?version=2", "abc123"),
        ("/datasets", ""),
        ("/datasets/", ""),
        ("/flows/abc123", ""),
        ("/datasets/abc/versions", ""),
        ("", ""),
    ],
)
def test_dataset_id_from_path(path: str, expected: str) -> None:
    assert views.dataset_id_from_path(path) == expected


@pytest.mark.parametrize(
    ("dataset_id", "expected"),
    [("", "/api/v1/datasets"), ("d1", "/api/v1/datasets/d1/versions")],
)
def test_upload_url(dataset_id: str, expected: str) -> None:
    assert views.upload_url(dataset_id) == expected


def test_file_url() -> None:
    assert views.file_url("d1", 2) == "/api/v1/datasets/d1/versions/2/file"


@pytest.mark.parametrize(
    ("reply", "filename", "expected"),
    [
        (
            {"dataset_id": "d1", "name": "houses", "number": 1, "created": True},
            "houses.csv",
            "Added “houses” version 1",
        ),
        (
            {"dataset_id": "d1", "name": "houses", "number": 2, "created": False},
            "houses.csv",
            "houses.csv is already stored as “houses” version 2: nothing was added",
        ),
        (
            {"dataset_id": "d1", "name": "houses", "number": 2, "created": False},
            "",
            "This file is already stored as “houses” version 2: nothing was added",
        ),
    ],
)
def test_uploaded_message(reply: dict[str, Any], filename: str, expected: str) -> None:
    assert views.uploaded_message(reply, filename) == expected


@pytest.mark.parametrize(
    ("flows", "hidden", "listed"),
    [
        (["Churn"], 0, "“Churn”"),
        (["Churn", "Prices"], 0, "“Churn” and “Prices”"),
        (["A", "B", "C"], 0, "“A”, “B” and “C”"),
        (["Churn"], 2, "“Churn” and 2 flows not shared with you"),
        ([], 1, "1 flow not shared with you"),
        (list("ABCDEFG"), 0, "“A”, “B”, “C”, “D”, “E” and 2 more"),
    ],
)
def test_in_use_message(flows: list[str], hidden: int, listed: str) -> None:
    message = views.in_use_message(flows, hidden)
    assert message.startswith(f"It is used by {listed}. ")
    assert "fail to run" in message


def test_storage_message() -> None:
    assert views.storage_message("cannot reach minio:9000 (connection refused).") == (
        "Storage is unreachable: cannot reach minio:9000 (connection refused). "
        "Uploads and downloads will not work until it is back."
    )


@pytest.mark.parametrize(
    ("changes", "label"),
    [
        ({}, "v2 · houses.csv · 60 rows · 22 Nov 2024 · Ada"),
        ({"author": ""}, "v2 · houses.csv · 60 rows · 22 Nov 2024"),
        ({"rows": 1, "number": 7}, "v7 · houses.csv · 1 row · 22 Nov 2024 · Ada"),
    ],
)
def test_version_option(changes: dict[str, Any], label: str) -> None:
    option = views.version_option(version(**changes), UTC)
    assert option == {"value": str(changes.get("number", 2)), "label": label}


def test_version_facts() -> None:
    assert views.version_facts(version()) == {
        "number": "2",
        "filename": "houses.csv",
        "shape": "60 rows \u00d7 4 columns",
        "size": "2.1 KB",
        "format": "CSV",
        "download": "/api/v1/datasets/d1/versions/2/file",
        "added": "2024-11-22 14:05 UTC",
        "author": "Ada",
    }


@pytest.mark.parametrize(
    ("target", "task", "expected"),
    [
        ("price", "regression", "Likely target: price (regression)"),
        ("species", "classification", "Likely target: species (classification)"),
        ("price", None, "Likely target: price"),
        (None, None, ""),
        ("", "regression", ""),
    ],
)
def test_target_line(target: str | None, task: str | None, expected: str) -> None:
    assert views.target_line({"suggested_target": target, "suggested_task": task}) == expected


def test_a_stored_profile_shows_the_task_the_rule_gives_today_and_why() -> None:
    # stored before the rule changed: "classification" for a count, and no "whole" flag
    stored = {
        "suggested_target": "rentals",
        "suggested_task": "classification",
        "columns": [
            {
                "name": "rentals",
                "type": "integer",
                "distinct": 245,
                "stats": {"min": 0.0, "max": 977.0, "mean": 301.2, "std": 120.5},
            }
        ],
    }
    assert views.target_line(stored) == "Likely target: rentals (regression)"
    assert views.target_reason(stored) == (
        "“rentals” holds 245 different whole numbers from 0 to 977, like a count, an amount or "
        "a year, so the model will predict a number: regression."
    )
    assert views.target_reason({"suggested_target": None, "columns": []}) == ""


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (
            {"type": "integer", "stats": {"min": 1.0, "max": 6.0, "mean": 3.7}},
            "min 1 · max 6 · mean 3.7",
        ),
        (
            {"type": "number", "stats": {"min": 21205.5, "max": 373631.19, "mean": 198347.5}},
            "min 21,206 · max 373,631 · mean 198,348",
        ),
        ({"type": "number", "stats": {"min": None, "max": None, "mean": None}}, ""),
        (
            {"type": "datetime", "stats": {"min": "2024-01-01", "max": "2024-03-31"}},
            "min 2024-01-01 · max 2024-03-31",
        ),
        ({"type": "boolean", "stats": {"true": 21, "false": 19}}, "true 21 · false 19"),
        ({"type": "text", "stats": {"top": "east", "top_count": 1234}}, "top: east (1,234)"),
        ({"type": "text", "stats": {}}, ""),
        ({"type": "text"}, ""),
    ],
)
def test_column_summary(column: dict[str, Any], expected: str) -> None:
    assert views.column_summary(column) == expected


@pytest.mark.parametrize(
    ("counts", "heights"),
    [
        ([], []),
        ([9, 18, 0], ["50%", "100%", "0%"]),
        ([1, 1000], ["4%", "100%"]),
        ([0, 0], ["0%", "0%"]),
        ([7], ["100%"]),
    ],
)
def test_histogram_bar_heights(counts: list[int], heights: list[str]) -> None:
    histogram = [{"start": float(i), "end": float(i + 1), "count": c} for i, c in enumerate(counts)]
    assert [bar["height"] for bar in views.histogram_bars(histogram)] == heights


def test_histogram_bar_titles_say_the_range_and_count() -> None:
    bars = views.histogram_bars(
        [{"start": 5.6, "end": 19.72, "count": 1}, {"start": 19.72, "end": 33.84, "count": 7}]
    )
    assert [bar["title"] for bar in bars] == [
        "5.6 \u2013 19.72: 1 row",
        "19.72 \u2013 33.84: 7 rows",
    ]


def test_column_rows() -> None:
    rows = views.column_rows(HOUSES)
    assert [(r["name"], r["type"], r["color"], r["is_target"]) for r in rows] == [
        ("rooms", "integer", "blue", False),
        ("city", "text", "gray", False),
        ("price", "number", "blue", True),
    ]
    assert [(r["missing"], r["has_missing"], r["distinct"]) for r in rows] == [
        ("0", False, "6"),
        ("2", True, "many"),
        ("0", False, "60"),
    ]
    assert [len(r["bars"]) for r in rows] == [2, 0, 0]
    assert rows[1]["summary"] == "top: east (23)"


def test_preview_table_shows_missing_values_as_a_dash() -> None:
    assert views.preview_table(HOUSES) == (
        ["rooms", "city", "price"],
        [["2", "south", "89471.52"], ["6", "—", "297443.18"]],
    )


def test_preview_table_of_an_empty_profile() -> None:
    assert views.preview_table({}) == ([], [])


@pytest.mark.parametrize(
    ("role", "sentence"),
    [("owner", "You own it"), ("editor", "You can edit"), ("viewer", "You can view")],
)
def test_role_sentence(role: str, sentence: str) -> None:
    assert views.role_sentence(role) == sentence
