"""``python -m designer.cli``: the ``designer`` command without its installed entry point."""

import sys

from designer.cli import main

sys.exit(main())
