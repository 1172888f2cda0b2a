"""The Kubernetes cluster the designer works with, beyond Kubeflow Pipelines' own API.

``kube`` reaches the Kubernetes API through the ``kubernetes`` client (pod logs, Secrets) and
says in one line what to set when it cannot; ``kserve`` creates, reads and deletes the KServe
InferenceServices that serve models deployed from cluster runs, and asks them for predictions.
Nothing here knows the web pages exist.
"""
