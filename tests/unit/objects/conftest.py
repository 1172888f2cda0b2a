"""Every object-store test runs on both back ends (see tests/fixtures/object_stores.py)."""

from tests.fixtures.object_stores import object_store, s3_server, s3_settings

__all__ = ["object_store", "s3_server", "s3_settings"]
