"""``python -m designer.cli``: the ``designer`` command without its installed entry point."""

from designer.cli import console

console()
