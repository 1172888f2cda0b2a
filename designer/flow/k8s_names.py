"""Kubernetes naming rules for label keys, label values and extended resource names, in words.

A node selector or a toleration that breaks these rules is refused by the cluster when the pod
is created, long after the flow was submitted; checking them while the flow is drawn says what
is wrong while the person is still looking at the field. Each check returns why a name breaks
the rule (to follow "found ..." in a message), or None when it is fine.
"""

from __future__ import annotations

import re

#: A label name, the part after the optional prefix (and the whole of a label value).
_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
#: One part of a DNS subdomain prefix (lower case only, as Kubernetes wants).
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_NAME_RULE = (
    "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
)


def label_key_problem(key: str) -> str | None:
    """Why ``key`` is not a Kubernetes label key (``disktype``, ``kubernetes.io/arch``)."""
    prefix, slash, name = key.rpartition("/")
    if not key:
        return "it is empty"
    if slash and not prefix:
        return "nothing comes before the '/'"
    if slash and (problem := _prefix_problem(prefix)):
        return problem
    if not _NAME.match(name):
        where = "after the '/' " if slash else ""
        return f"the name {where}must be {_NAME_RULE}"
    return None


def label_value_problem(value: str) -> str | None:
    """Why ``value`` is not a Kubernetes label value (empty is allowed)."""
    if value == "" or _NAME.match(value):
        return None
    return f"a label value must be empty or {_NAME_RULE}"


def resource_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a device a pod asks for (``nvidia.com/gpu``, ``amd.com/gpu``)."""
    prefix, slash, _rest = name.rpartition("/")
    if not slash:
        return "it needs the vendor's domain before a '/'"
    if prefix == "kubernetes.io" or prefix.endswith(".kubernetes.io"):
        return "kubernetes.io names are Kubernetes' own resources, not devices"
    return label_key_problem(name)


def _prefix_problem(prefix: str) -> str | None:
    if len(prefix) > 253 or not all(_DNS_LABEL.match(part) for part in prefix.split(".")):
        return (
            "the prefix before the '/' must be a lower-case domain name such as example.com "
            "(at most 253 characters)"
        )
    return None
