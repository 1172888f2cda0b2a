"""What a deployed model may be called: one rule for the Deploy block's setting, the registry
that serves models and the designer that explains a bad name. A small module of its own, so the
flow checker can read it without loading the registry (and pandas) with it.
"""

#: Lower-case letters, digits and dashes, starting with a letter or digit, 63 at most (a DNS
#: label, so the name can also name a Kubernetes object).
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
MAX_LENGTH = 63
