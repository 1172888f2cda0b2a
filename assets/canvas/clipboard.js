// New nodes: readable unique ids, default parameters, and copies of a selection (copy/paste,
// duplicate) with fresh ids and the edges between the copied nodes. Sticky notes are canvas
// nodes of type "note" and travel with blocks; edits carry them apart (`notes`, docs/canvas.md).
import { edgeId } from './connect.js';

const ID_CHARS = /[^A-Za-z0-9_.-]+/g;

export function uniqueId(base, taken) {
  const clean = (String(base).replace(ID_CHARS, '_').slice(0, 120) || 'node').replace(
    /^_+$/,
    'node',
  );
  if (!taken.has(clean)) return clean;
  let n = 2;
  while (taken.has(`${clean}_${n}`)) n += 1;
  return `${clean}_${n}`;
}

// "train.random_forest" -> "random_forest", then "random_forest_2", ...; a person's block
// "ana/clean_rows@2" -> "clean_rows".
export function newNodeId(blockId, taken) {
  const name = String(blockId).split('/').pop().split('@')[0];
  return uniqueId(name.split('.').pop() || 'node', taken);
}

export function defaultParams(block) {
  const params = {};
  for (const [name, prop] of Object.entries(block?.params?.properties ?? {})) {
    if (prop && 'default' in prop) params[name] = structuredClone(prop.default);
  }
  return params;
}

export function point(position) {
  return [Math.round(position.x), Math.round(position.y)];
}

export const isNote = (node) => node.type === 'note';

// A note's box: what it was drawn at, else what the document gave it.
function sizeOf(node) {
  return {
    width: Math.round(node.measured?.width ?? node.width ?? 240),
    height: Math.round(node.measured?.height ?? node.height ?? 120),
  };
}

// What Ctrl+C keeps: the selected nodes and the edges between them.
export function copyOf(nodes, edges) {
  const ids = new Set(nodes.map((node) => node.id));
  return {
    nodes: nodes.map((node) => ({
      id: node.id,
      type: node.type ?? 'block',
      position: { ...node.position },
      data: structuredClone(node.data),
      ...(isNote(node) ? sizeOf(node) : {}),
    })),
    edges: edges
      .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
      .map(({ source, sourceHandle, target, targetHandle }) => ({
        source,
        sourceHandle,
        target,
        targetHandle,
      })),
  };
}

// Canvas nodes and edges for a paste of `copy`, offset by `offset`, ids fresh among `taken`.
export function pasteOf(copy, taken, offset) {
  const used = new Set(taken);
  const renamed = new Map();
  const nodes = copy.nodes.map((node) => {
    const id = uniqueId(node.id.replace(/_\d+$/, ''), used);
    used.add(id);
    renamed.set(node.id, id);
    const type = node.type ?? 'block';
    return {
      id,
      type,
      position: {
        x: Math.round(node.position.x + offset),
        y: Math.round(node.position.y + offset),
      },
      data: structuredClone(node.data),
      ...(type === 'note' ? { width: node.width, height: node.height } : {}),
      selected: true,
    };
  });
  const edges = copy.edges.map((edge) => {
    const pasted = {
      source: renamed.get(edge.source),
      sourceHandle: edge.sourceHandle,
      target: renamed.get(edge.target),
      targetHandle: edge.targetHandle,
    };
    return { id: edgeId(pasted), ...pasted };
  });
  return { nodes, edges };
}

// A note as the document keeps it (designer/flow/note_edits.py NoteSpec).
export function noteSpec(node) {
  const { width, height } = sizeOf(node);
  return {
    id: node.id,
    text: node.data.text ?? '',
    color: node.data.color ?? 'yellow',
    position: point(node.position),
    size: [width, height],
  };
}

// Block ids and note ids apart, for the edits that carry both.
export function splitIds(nodes) {
  return {
    blocks: nodes.filter((n) => !isNote(n)).map((n) => n.id),
    notes: nodes.filter(isNote).map((n) => n.id),
  };
}

// The add edit (docs/canvas.md) for canvas nodes and edges just drawn.
export function addEdit(all, edges = []) {
  const nodes = all.filter((node) => !isNote(node));
  const notes = all.filter(isNote);
  return {
    kind: 'add',
    ...(notes.length ? { notes: notes.map(noteSpec) } : {}),
    nodes: nodes.map((node) => ({
      id: node.id,
      block: node.data.block,
      params: node.data.params ?? {},
      position: point(node.position),
      label: node.data.label ?? '',
      ...(node.data.resources ? { resources: node.data.resources } : {}),
    })),
    edges: edges.map((edge) => ({
      source: edge.source,
      source_port: edge.sourceHandle,
      target: edge.target,
      target_port: edge.targetHandle,
    })),
  };
}
