// The canvas toolbar: icon buttons with tooltips, each with a stable test id.
import { Panel } from '@xyflow/react';
import {
  CopyPlus,
  Keyboard,
  Maximize,
  Network,
  Redo2,
  StickyNote,
  Trash2,
  Undo2,
} from 'lucide-react';

function Tool({ name, title, icon: Icon, onClick, disabled = false }) {
  return (
    <button
      type="button"
      className="dc-tool"
      title={title}
      aria-label={title}
      data-testid={`tool-${name}`}
      disabled={disabled}
      onClick={onClick}
    >
      <Icon size={16} />
    </button>
  );
}

// Read-only canvases (a viewer, an old version, a share link) keep only the tools that look.
export function Toolbar({
  canUndo,
  canRedo,
  selectedNodes,
  selectedEdges,
  hasNodes,
  readOnly,
  act,
}) {
  return (
    <Panel position="top-left" className="dc-toolbar" data-testid="canvas-toolbar">
      {!readOnly && (
        <>
          <Tool
            name="undo"
            title="Undo (Ctrl+Z)"
            icon={Undo2}
            disabled={!canUndo}
            onClick={act.undo}
          />
          <Tool
            name="redo"
            title="Redo (Ctrl+Shift+Z)"
            icon={Redo2}
            disabled={!canRedo}
            onClick={act.redo}
          />
          <span className="dc-tool-sep" />
          <Tool
            name="layout"
            title="Tidy up the layout (L)"
            icon={Network}
            disabled={!hasNodes}
            onClick={act.layout}
          />
        </>
      )}
      <Tool
        name="fit"
        title="Fit the flow in view (F)"
        icon={Maximize}
        disabled={!hasNodes}
        onClick={act.fit}
      />
      {!readOnly && (
        <>
          <span className="dc-tool-sep" />
          <Tool name="note" title="Add a note" icon={StickyNote} onClick={act.note} />
          <Tool
            name="duplicate"
            title="Duplicate the selection (Ctrl+D)"
            icon={CopyPlus}
            disabled={!selectedNodes}
            onClick={act.duplicate}
          />
          <Tool
            name="delete"
            title="Delete the selection (Delete)"
            icon={Trash2}
            disabled={!selectedNodes && !selectedEdges}
            onClick={act.remove}
          />
        </>
      )}
      <span className="dc-tool-sep" />
      <Tool name="help" title="Keyboard shortcuts (?)" icon={Keyboard} onClick={act.help} />
    </Panel>
  );
}
