// Messages drawn over the canvas: why a connection is refused, and what to do on an empty one.
import { useStore } from '@xyflow/react';
import { MousePointerClick, Unplug } from 'lucide-react';
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
