"""Object storage: where datasets and run artifacts live (a local folder, or S3/MinIO)."""
