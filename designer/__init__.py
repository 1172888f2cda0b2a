"""The designer: draw machine-learning flows from blocks and run them on Kubeflow Pipelines."""

__version__ = "0.1.0"
