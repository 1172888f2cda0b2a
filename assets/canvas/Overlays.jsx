// Messages drawn over the canvas: why a connection is refused, what to do on an empty one, what
// was just added (for screen readers), and the canvas's right-click menu.
import { useEffect, useRef } from 'react';
import { useStore } from '@xyflow/react';
import { MousePointerClick, StickyNote, Unplug } from 'lucide-react';
import { connectionOf } from './connect.js';

// While a connection hovers a handle it may not join, the reason; `flash` after a refused drop.
export function RefusalPill({ explain, flash }) {
  const live = useStore((state) => {
    const { inProgress, isValid, fromHandle, toHandle } = state.connection;
    if (!inProgress || isValid !== false || !toHandle) return null;
    return explain(connectionOf(fromHandle, toHandle));
  });
  const text = live ?? flash;
  if (!text) return null;
  return (
    <div className="dc-refusal" role="status" aria-live="polite" data-testid="connect-refusal">
      <Unplug size={15} />
      <span>{text}</span>
    </div>
  );
}

export function EmptyHint() {
  const empty = useStore((state) => state.nodes.length === 0);
  if (!empty) return null;
  return (
    <div className="dc-empty" data-testid="canvas-empty">
      <span className="dc-empty-icon">
        <MousePointerClick size={22} />
      </span>
      <strong>Your flow is empty</strong>
      <span>Drag a block from the left to start, or click one to add it.</span>
    </div>
  );
}

// Read out by screen readers, unseen: what a keyboard add put on the canvas.
const UNSEEN = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
};

export function Announcer({ text }) {
  return (
    <div aria-live="polite" role="status" style={UNSEEN} data-testid="canvas-announce">
      {text}
    </div>
  );
}

// The right-click menu of the empty canvas; `at` is where it opens, in the canvas's pixels.
export function PaneMenu({ at, onAddNote, onClose }) {
  const menu = useRef(null);
  useEffect(() => {
    menu.current?.querySelector('button')?.focus();
    const away = (event) => {
      if (!menu.current?.contains(event.target)) onClose();
    };
    const escape = (event) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('pointerdown', away, true);
    window.addEventListener('keydown', escape, true);
    return () => {
      window.removeEventListener('pointerdown', away, true);
      window.removeEventListener('keydown', escape, true);
    };
  }, [onClose]);
  return (
    <div
      ref={menu}
      className="dc-note-menu"
      role="menu"
      style={{ left: at.x, top: at.y }}
      data-testid="canvas-menu"
    >
      <button type="button" role="menuitem" onClick={onAddNote} data-testid="menu-add-note">
        <StickyNote size={14} />
        Add a note here
      </button>
    </div>
  );
}
