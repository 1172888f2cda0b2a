// Node moves reach the server once per gesture: when a drag ends (every dragged node), and
// when arrow-key nudges (React Flow's keyboard moves) have settled.
import { useCallback, useEffect, useRef } from 'react';
import { isNote, point } from './clipboard.js';
import { selectedOf } from './ops.js';

const NUDGE_SETTLE_MS = 400;

const where = (node) => point(node.position).join(',');

// The move edit for nodes that left where they were; notes ride along apart (`notes`).
export function moved(nodes, from) {
  const positions = {};
  const notes = {};
  for (const node of nodes) {
    if (from.has(node.id) && from.get(node.id) !== where(node))
      (isNote(node) ? notes : positions)[node.id] = point(node.position);
  }
  if (!Object.keys(positions).length && !Object.keys(notes).length) return null;
  return Object.keys(notes).length ? { kind: 'move', positions, notes } : { kind: 'move', positions };
}

export function useMoves(rf, emitEdit, takeSelection) {
  // Where the dragged nodes started; null between drags (React Flow may report one drag of a
  // selection both as a node drag and as a selection drag: the second stop finds null).
  const dragFrom = useRef(null);
  const onNodeDragStart = useCallback((_event, _node, nodes) => {
    dragFrom.current = new Map(nodes.map((n) => [n.id, where(n)]));
  }, []);
  const onNodeDragStop = useCallback(
    (_event, _node, nodes) => {
      const from = dragFrom.current;
      dragFrom.current = null;
      const edit = from && moved(nodes, from);
      if (!edit) return;
      const selected = takeSelection();
      emitEdit(selected ? { ...edit, selected } : edit);
    },
    [emitEdit, takeSelection],
  );
  const onSelectionDragStart = useCallback(
    (event, nodes) => onNodeDragStart(event, null, nodes),
    [onNodeDragStart],
  );
  const onSelectionDragStop = useCallback(
    (event, nodes) => onNodeDragStop(event, null, nodes),
    [onNodeDragStop],
  );

  const nudgeTimer = useRef(0);
  const nudgeFrom = useRef(null);
  // Called for every arrow key; returns false so the key still reaches React Flow.
  const nudge = useCallback(() => {
    if (!document.activeElement?.closest?.('.react-flow__node, .react-flow__nodesselection')) {
      return false;
    }
    const selected = selectedOf(rf.getNodes());
    if (!selected.length) return false;
    nudgeFrom.current ??= new Map(selected.map((n) => [n.id, where(n)]));
    clearTimeout(nudgeTimer.current);
    nudgeTimer.current = setTimeout(() => {
      const edit = moved(rf.getNodes(), nudgeFrom.current ?? new Map());
      nudgeFrom.current = null;
      if (edit) emitEdit(edit);
    }, NUDGE_SETTLE_MS);
    return false;
  }, [rf, emitEdit]);
  useEffect(() => () => clearTimeout(nudgeTimer.current), []);

  return { onNodeDragStart, onNodeDragStop, onSelectionDragStart, onSelectionDragStop, nudge };
}
