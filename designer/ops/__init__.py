"""Operating the designer: health checks, Prometheus metrics, and the server's log.

``health`` answers ``/healthz`` and ``/readyz``; ``metrics`` keeps the counters ``/metrics``
serves; ``logs`` writes the log as lines for people or JSON for a collector, each record tagged
with the request (and run) it belongs to (``request_context``). The HTTP side of all this is
``designer.api.operations``. Nothing here imports the UI.
"""
