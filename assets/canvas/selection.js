// The selection reaches the server only when its set of nodes changes, and a box selection
// (Shift+drag) only once, when the box is let go. A selection made by pressing on a node waits
// for the pointer to come up: if the press became a drag, the move edit carries it (one
// message per drag), otherwise it is sent on its own.
import { useCallback, useEffect, useRef, useState } from 'react';
import { selectedOf } from './ops.js';

export function useSelection(store, emitSelect) {
  const last = useRef('');
  const boxing = useRef(false);
  // Counts for the toolbar (duplicate needs nodes, delete takes edges too).
  const [counts, setCounts] = useState({ nodes: 0, edges: 0 });
  const pressed = useRef(false);
  const pending = useRef(null);

  useEffect(() => {
    const down = () => {
      pressed.current = true;
    };
    const up = () => {
      pressed.current = false;
      // After React Flow's own mouseup (drag stop), which may have taken the selection.
      setTimeout(() => {
        const ids = pending.current;
        pending.current = null;
        if (ids) emitSelect(ids);
      }, 0);
    };
    window.addEventListener('pointerdown', down, true);
    window.addEventListener('pointerup', up, true);
    return () => {
      window.removeEventListener('pointerdown', down, true);
      window.removeEventListener('pointerup', up, true);
    };
  }, [emitSelect]);

  const report = useCallback(
    (nodes) => {
      // Only blocks have settings to show: a selected note is edited on the canvas itself.
      const ids = nodes.filter((n) => n.type !== 'note').map((n) => n.id);
      const key = [...ids].sort().join('\n');
      if (key === last.current) return;
      last.current = key;
      if (pressed.current) pending.current = ids;
      else emitSelect(ids);
    },
    [emitSelect],
  );
  // The drag that ends takes the selection its press made, to send along with the move.
  const takeSelection = useCallback(() => {
    const ids = pending.current;
    pending.current = null;
    return ids;
  }, []);
  const onSelectionChange = useCallback(
    ({ nodes, edges }) => {
      setCounts((was) =>
        was.nodes === nodes.length && was.edges === edges.length
          ? was
          : { nodes: nodes.length, edges: edges.length },
      );
      if (!boxing.current) report(nodes);
    },
    [report],
  );
  const onSelectionEnd = useCallback(() => {
    if (!boxing.current) return;
    boxing.current = false;
    report(selectedOf(store.getState().nodes));
  }, [report, store]);
  const onSelectionStart = useCallback(() => {
    boxing.current = true;
    // Should the box end without onSelectionEnd (pointer cancelled), still report it.
    window.addEventListener('pointerup', () => setTimeout(onSelectionEnd, 0), { once: true });
  }, [onSelectionEnd]);

  return { counts, onSelectionChange, onSelectionStart, onSelectionEnd, takeSelection };
}
