"""Secrets the browser tests type or hand the app: none of them may ever reach its log.

The ``app`` fixture (tests/e2e/conftest.py) reads the server's whole log when the session ends
and fails if any of these, or any session token it made, appears there.
"""

from __future__ import annotations

#: Passwords typed into the sign-up and sign-in forms.
PASSWORD = "compilers-1952"
WRONG_PASSWORD = "not-the-password"
OTHER_PASSWORD = "frequency-hopping"
#: The token /metrics wants from Prometheus.
METRICS_TOKEN = "e2e-metrics-token-0f3c9a"

TYPED = (PASSWORD, WRONG_PASSWORD, OTHER_PASSWORD, METRICS_TOKEN)
#: Session tokens made by ``sign_in_to`` during the session (sent as cookies with every request).
SESSION_TOKENS: list[str] = []
