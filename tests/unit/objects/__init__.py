"""Object storage: every test runs on the local folder and on S3 (moto), see conftest.py."""
