// The selection reaches the server only when its set of nodes changes, and a box selection
// (Shift+drag) only once, when the box is let go.
import { useCallback, useRef, useState } from 'react';
import { selectedOf } from './ops.js';

export function useSelection(store, emitSelect) {
  const last = useRef('');
  const boxing = useRef(false);
  // Counts for the toolbar (duplicate needs nodes, delete takes edges too).
  const [counts, setCounts] = useState({ nodes: 0, edges: 0 });

  const report = useCallback(
    (nodes) => {
      const ids = nodes.map((n) => n.id);
      const key = [...ids].sort().join('\n');
      if (key === last.current) return;
      last.current = key;
      emitSelect(ids);
    },
    [emitSelect],
  );
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

  return { counts, onSelectionChange, onSelectionStart, onSelectionEnd };
}
