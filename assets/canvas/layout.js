// Auto-layout: dagre, left to right, using each node's measured size. Separate pieces of the
// flow are laid out one by one and packed in rows, so many small chains make a block that fits
// the screen rather than one very tall column.
import { Graph, layout } from '@dagrejs/dagre';

export const DEFAULT_SIZE = { width: 220, height: 125 };
const GAP = 80;
// Rows of pieces aim at this width-to-height ratio (a landscape screen).
const ASPECT = 1.6;

function sizeOf(node) {
  return {
    width: node.measured?.width ?? node.width ?? DEFAULT_SIZE.width,
    height: node.measured?.height ?? node.height ?? DEFAULT_SIZE.height,
  };
}

// Weakly connected pieces, each a list of node ids in the order the nodes come.
function pieces(nodes, edges) {
  const parent = new Map(nodes.map((n) => [n.id, n.id]));
  const find = (id) => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root);
    while (parent.get(id) !== root) {
      const next = parent.get(id);
      parent.set(id, root);
      id = next;
    }
    return root;
  };
  for (const edge of edges) {
    if (parent.has(edge.source) && parent.has(edge.target)) {
      parent.set(find(edge.source), find(edge.target));
    }
  }
  const groups = new Map();
  for (const node of nodes) {
    const root = find(node.id);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root).push(node.id);
  }
  return [...groups.values()];
}

// Top-left positions of one piece laid out by dagre, with the piece's width and height.
function layoutPiece(ids, sizes, edges, options) {
  const graph = new Graph();
  graph.setGraph({ rankdir: 'LR', marginx: 0, marginy: 0, ...options });
  graph.setDefaultEdgeLabel(() => ({}));
  const inPiece = new Set(ids);
  for (const id of ids) graph.setNode(id, sizes.get(id));
  for (const edge of edges) {
    if (inPiece.has(edge.source) && inPiece.has(edge.target))
      graph.setEdge(edge.source, edge.target);
  }
  layout(graph);
  const positions = {};
  let width = 0;
  let height = 0;
  for (const id of ids) {
    const { x, y } = graph.node(id);
    const size = sizes.get(id);
    positions[id] = { x: x - size.width / 2, y: y - size.height / 2 };
    width = Math.max(width, x + size.width / 2);
    height = Math.max(height, y + size.height / 2);
  }
  return { positions, width, height };
}

export function layoutPositions(nodes, edges, { nodesep = 36, ranksep = 90 } = {}) {
  const sizes = new Map(nodes.map((n) => [n.id, sizeOf(n)]));
  const laid = pieces(nodes, edges).map((ids) =>
    layoutPiece(ids, sizes, edges, { nodesep, ranksep }),
  );
  const area = laid.reduce((sum, p) => sum + (p.width + GAP) * (p.height + GAP), 0);
  const rowWidth = Math.max(...laid.map((p) => p.width), Math.sqrt(area * ASPECT));
  const positions = {};
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const piece of laid) {
    if (x > 0 && x + piece.width > rowWidth) {
      x = 0;
      y += rowHeight + GAP;
      rowHeight = 0;
    }
    for (const [id, p] of Object.entries(piece.positions)) {
      positions[id] = { x: Math.round(x + p.x), y: Math.round(y + p.y) };
    }
    x += piece.width + GAP;
    rowHeight = Math.max(rowHeight, piece.height);
  }
  return positions;
}
