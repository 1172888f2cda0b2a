// The server's ops (docs/canvas.md), applied through React Flow's own update calls. Nodes that
// do not change keep their object, so React Flow re-renders only the ones that did.

const NONE = [];
const FIT = { padding: 0.15, maxZoom: 1, duration: 250 };

export const selectedOf = (items) => items.filter((item) => item.selected);

export function selectOnly(items, ids) {
  return items.map((item) => {
    const want = ids.has(item.id);
    return !!item.selected === want ? item : { ...item, selected: want };
  });
}

export function upsert(items, added) {
  const byId = new Map(added.map((item) => [item.id, item]));
  const present = new Set(items.map((item) => item.id));
  return [
    ...items.map((item) => byId.get(item.id) ?? item),
    ...added.filter((item) => !present.has(item.id)),
  ];
}

// Centre the view on a node once queued updates are in (a node added by the same batch too).
export function centreOn(rf, id) {
  requestAnimationFrame(() => {
    const node = rf.getInternalNode(id);
    if (!node) return;
    const { x, y } = node.internals.positionAbsolute;
    const width = node.measured?.width ?? 220;
    const height = node.measured?.height ?? 100;
    rf.setCenter(x + width / 2, y + height / 2, {
      zoom: Math.max(rf.getZoom(), 0.8),
      duration: 300,
    });
  });
}

export function applyOp(rf, op) {
  switch (op.kind) {
    case 'replace': {
      // Undo and redo come back as a replace: keep what was selected selected.
      const keep = new Set(selectedOf(rf.getNodes()).map((node) => node.id));
      rf.setNodes((op.nodes ?? NONE).map((n) => (keep.has(n.id) ? { ...n, selected: true } : n)));
      rf.setEdges(op.edges ?? NONE);
      break;
    }
    case 'add':
      rf.setNodes((nodes) => upsert(nodes, op.nodes ?? NONE));
      rf.setEdges((edges) => upsert(edges, op.edges ?? NONE));
      break;
    case 'update': {
      const changes = new Map((op.nodes ?? NONE).map((n) => [n.id, n.data ?? {}]));
      rf.setNodes((nodes) =>
        nodes.map((n) =>
          changes.has(n.id) ? { ...n, data: { ...n.data, ...changes.get(n.id) } } : n,
        ),
      );
      break;
    }
    case 'remove': {
      const nodeIds = new Set(op.nodes ?? NONE);
      const edgeIds = new Set(op.edges ?? NONE);
      const attached = (e) => nodeIds.has(e.source) || nodeIds.has(e.target);
      rf.setNodes((nodes) => nodes.filter((n) => !nodeIds.has(n.id)));
      rf.setEdges((edges) => edges.filter((e) => !edgeIds.has(e.id) && !attached(e)));
      break;
    }
    case 'focus':
      rf.setNodes((nodes) => selectOnly(nodes, new Set([op.node])));
      rf.setEdges((edges) => selectOnly(edges, new Set()));
      centreOn(rf, op.node);
      break;
    case 'fit':
      rf.fitView(FIT);
      break;
    default:
      console.warn(`canvas: unknown op ${op.kind}`);
  }
}

// The ops after `lastSeq`, oldest first.
export function freshOps(ops, lastSeq) {
  if (!Array.isArray(ops)) return NONE;
  return ops
    .filter((op) => op && typeof op.seq === 'number' && op.seq > lastSeq)
    .sort((a, b) => a.seq - b.seq);
}
