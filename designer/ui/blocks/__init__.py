"""The Blocks pages: the catalogue with the person's own blocks (``/blocks``), the block editor
(``/blocks/new``, ``/blocks/<id>``), importing a component file, and sharing a block."""
