"""Presigned addresses: how a run reads one stored object without the designer's keys."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from designer.objects.base import InvalidKey
from designer.objects.s3 import S3Store
from designer.settings import StorageSettings


@pytest.fixture
def store(s3_settings: StorageSettings) -> S3Store:
    found = S3Store(s3_settings)
    found.put_bytes("datasets/a.csv", b"x,y\n1,2\n")
    return found


def test_a_presigned_address_reads_the_object_with_no_keys(store: S3Store) -> None:
    url = store.presigned_get(store.location("datasets/a.csv"))
    assert "X-Amz-Signature=" in url and "designer-test-secret" not in url
    with urllib.request.urlopen(url, timeout=10) as response:  # no credentials at all
        assert response.read() == b"x,y\n1,2\n"


def test_it_is_the_same_within_an_hour_and_lasts_five_hours_at_least(store: S3Store) -> None:
    location = store.location("datasets/a.csv")
    hour = datetime(2026, 12, 5, 14, tzinfo=UTC)
    early = store.presigned_get(location, now=hour + timedelta(minutes=1))
    late = store.presigned_get(location, now=hour + timedelta(minutes=59))
    assert early == late  # a flow compiled twice in an hour: the same task, cached
    assert early != store.presigned_get(location, now=hour + timedelta(hours=1))
    assert "X-Amz-Date=20261205T140000Z" in early and "X-Amz-Expires=21600" in early


@pytest.mark.parametrize("location", ["datasets/a.csv", "s3://bucket-only", "/etc/passwd"])
def test_only_s3_addresses_are_signed(store: S3Store, location: str) -> None:
    with pytest.raises(InvalidKey, match="is not an s3://bucket/name address"):
        store.presigned_get(location)
