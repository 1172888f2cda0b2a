"""Reading CPU, memory and GPU amounts as people write them, into what Kubernetes accepts.

People write ``500m``, ``0.5`` or ``2`` CPUs and ``512Mi``, ``2Gi``, ``1G`` or ``1e9`` bytes of
memory, as strings or as JSON numbers. Each reader returns the amount in a form that both kfp's
own checks and the cluster's quantity parser accept (kfp refuses ``0.5Gi`` and ``1e9``, the
cluster refuses kfp's ``1K``), or raises ``QuantityError`` whose message says what would do.
Nothing else is ever raised, whatever the input.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext

#: The most CPUs, bytes of memory and GPUs one task may ask for: beyond any node built today,
#: and far below where the cluster's own numbers overflow.
MAX_CPUS = 4096
MAX_MEMORY = 2**50
MAX_MEMORY_TEXT = "1Pi"
MAX_GPUS = 16
#: Longer text is no amount: it is refused before any number is read out of it.
_MAX_CHARS = 40

_NUMBER = r"(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)"
_CPU = re.compile(rf"^{_NUMBER}\s*(?P<unit>m?)$")
_MEMORY = re.compile(rf"^{_NUMBER}\s*(?P<unit>[A-Za-z]*)$")
_GPU = re.compile(r"^\d{1,4}$")

#: Bytes per memory suffix, as Kubernetes spells them (``m`` would mean thousandths of a byte).
_MEMORY_UNITS: dict[str, int] = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}
#: Suffixes memory is written back with, largest first (kfp refuses ``k``).
_MEMORY_OUT = sorted(
    ((unit, size) for unit, size in _MEMORY_UNITS.items() if unit not in ("", "k")),
    key=lambda item: -item[1],
)
#: What a person who wrote a suffix in another case (or with a trailing B) probably meant.
_MEMORY_GUESSES = {
    "k": ("k", "Ki"),
    "m": ("M", "Mi"),
    "g": ("G", "Gi"),
    "t": ("T", "Ti"),
    "p": ("P", "Pi"),
    "e": ("E", "Ei"),
    **{unit.lower(): (unit,) for unit in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei")},
}


class QuantityError(ValueError):
    """An amount that cannot be used; the message says what would do."""


def cpu_millicores(value: object, title: str = "CPU") -> int:
    """Thousandths of a CPU in ``value`` (``"500m"`` → 500, ``0.5`` → 500, ``"2"`` → 2000)."""
    text = _text(value)
    match = _CPU.match(text) if text is not None else None
    if match is None:
        raise QuantityError(f"{title} must be like 500m, 0.5 or 2; found {found(value)}")
    millicores = _scaled(match["number"], 1 if match["unit"] else 1000)
    if millicores > MAX_CPUS * 1000:
        raise QuantityError(f"{title} must be at most {MAX_CPUS} CPUs; found {found(value)}")
    if millicores < 1:
        raise QuantityError(
            f"{title} must be at least 1m (a thousandth of a CPU); found {found(value)}"
        )
    if millicores != millicores.to_integral_value():
        raise QuantityError(
            f"{title} goes in steps of 1m (a thousandth of a CPU); found {found(value)}"
        )
    return int(millicores)


def cpu_quantity(value: object, title: str = "CPU") -> str:
    """``value`` as Kubernetes and kfp both read it: whole CPUs (``"2"``) or millicores."""
    millicores = cpu_millicores(value, title)
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def memory_bytes(value: object, title: str = "Memory") -> int:
    """Bytes in ``value`` (``"2Gi"``, ``"1G"``, ``1e9``), rounded up to a whole byte."""
    text = _text(value)
    match = _MEMORY.match(text) if text is not None else None
    if match is None or match["unit"] not in _MEMORY_UNITS:
        raise QuantityError(
            f"{title} must be like 512Mi, 2Gi, 1G or 1e9; found {found(value)}"
            + (_memory_hint(match["number"], match["unit"]) if match else "")
        )
    amount = _scaled(match["number"], _MEMORY_UNITS[match["unit"]])
    if amount > MAX_MEMORY:
        raise QuantityError(f"{title} must be at most {MAX_MEMORY_TEXT}; found {found(value)}")
    if amount < 2**20:
        hint = f" (a number alone counts bytes: write {match['number']}Mi)"
        raise QuantityError(
            f"{title} must be at least 1Mi; found {found(value)}"
            + (hint if not match["unit"] else "")
        )
    return math.ceil(amount)


def memory_quantity(value: object, title: str = "Memory") -> str:
    """``value`` as Kubernetes and kfp both read it: a whole number with the largest suffix
    that divides it exactly (``"1.5Gi"`` → ``"1536Mi"``, ``1e9`` → ``"1G"``), else bytes."""
    amount = memory_bytes(value, title)
    for unit, size in _MEMORY_OUT:
        if amount % size == 0:
            return f"{amount // size}{unit}"
    return str(amount)


def gpu_count(value: object, title: str = "GPU count") -> int:
    """A whole number of GPUs from 0 to ``MAX_GPUS`` (``"2"``, ``2`` or ``2.0``)."""
    count: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        count = value
    elif isinstance(value, float) and value.is_integer() and abs(value) <= 1e6:
        count = int(value)
    elif isinstance(value, str) and _GPU.match(value.strip()):
        count = int(value.strip())
    if count is None or not 0 <= count <= MAX_GPUS:
        raise QuantityError(
            f"{title} must be a whole number from 0 to {MAX_GPUS}; found {found(value)}"
        )
    return count


def found(value: object, limit: int = 40) -> str:
    """A value as a message shows it after "found": text quoted, numbers and true/false bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        shown = value if len(value) <= limit else value[: limit - 3] + "..."
        return repr(shown)
    if isinstance(value, int | float):
        return str(value)
    return f"a {type(value).__name__}"


def _text(value: object) -> str | None:
    """The amount's text, or None when ``value`` cannot be an amount at all."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) and value >= 0 else None
    if isinstance(value, str) and len(value) <= _MAX_CHARS:
        return value.strip()
    return None


def _scaled(number: str, scale: int) -> Decimal:
    """``number`` times ``scale``, exactly: the text is at most 40 characters and the scale at
    most 19 digits, so 80 digits of precision never round."""
    with localcontext() as context:
        context.prec = 80
        return Decimal(number) * scale


def _memory_hint(number: str, unit: str) -> str:
    if unit == "m":
        return f" (m means thousandths of a byte; write {number}Mi or {number}M)"
    base = unit[:-1] if len(unit) > 1 and unit[-1] in "bB" else unit
    guesses = _MEMORY_GUESSES.get(base.lower())
    if not guesses:
        return ""
    return f" (write {' or '.join(number + guess for guess in guesses)})"
