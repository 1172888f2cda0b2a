"""The flow canvas: the @xyflow/react component (assets/canvas/) and the scene it draws.

``designer.ui.canvas.scene`` is pure Python (no Reflex) so the editor state and the tests can
build scenes; ``designer.ui.canvas.component`` is the Reflex wrapper.
"""
