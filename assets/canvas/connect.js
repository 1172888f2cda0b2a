// The connection rules, checked while a connection is drawn: the output's type must be one the
// input accepts, the input must be free, no loops, no block feeding itself.

export function nodeTitle(node, block) {
  return node?.data?.label || block?.title || node?.id || 'this block';
}

function withArticle(type) {
  if (/s$/.test(type)) return type;
  return /^[AEIOU]/.test(type) ? `an ${type}` : `a ${type}`;
}

// Successor lists per edge array, built once per edges array (edges are immutable).
const successorCache = new WeakMap();

function successors(edges) {
  let map = successorCache.get(edges);
  if (!map) {
    map = new Map();
    for (const edge of edges) {
      const list = map.get(edge.source);
      if (list) list.push(edge.target);
      else map.set(edge.source, [edge.target]);
    }
    successorCache.set(edges, map);
  }
  return map;
}

export function hasPath(edges, from, to) {
  const next = successors(edges);
  const seen = new Set([from]);
  const stack = [from];
  while (stack.length) {
    const id = stack.pop();
    if (id === to) return true;
    for (const succ of next.get(id) ?? []) {
      if (!seen.has(succ)) {
        seen.add(succ);
        stack.push(succ);
      }
    }
  }
  return false;
}

// Why `connection` ({source, sourceHandle, target, targetHandle}) may not be drawn, or null.
// `getNode(id)` gives the canvas node; `blocks` maps block id -> description.
export function refusal(connection, { getNode, edges, blocks, accepts }) {
  const { source, sourceHandle, target, targetHandle } = connection;
  if (!source || !target) return null;
  if (source === target) return 'A block cannot feed itself';
  const sourceNode = getNode(source);
  const targetNode = getNode(target);
  const sourceBlock = blocks.get(sourceNode?.data?.block);
  const targetBlock = blocks.get(targetNode?.data?.block);
  const from = sourceBlock?.outputs.find((port) => port.name === sourceHandle);
  const to = targetBlock?.inputs.find((port) => port.name === targetHandle);
  if (!from || !to) return 'Connect an output (right side) to an input (left side)';
  let sourceTitle = nodeTitle(sourceNode, sourceBlock);
  let targetTitle = nodeTitle(targetNode, targetBlock);
  if (sourceTitle === targetTitle) {
    sourceTitle = `${sourceTitle} (${source})`;
    targetTitle = `${targetTitle} (${target})`;
  }
  // KFP's plain Artifact input takes any artifact (designer/userblocks/blocks.py ANY_ARTIFACT).
  const anyArtifact = to.type === 'system.Artifact' && !String(from.type).startsWith('parameter:');
  const accepted = anyArtifact ? [from.type] : (accepts?.[to.type] ?? [to.type]);
  if (!accepted.includes(from.type)) {
    return (
      `‘${from.name}’ of ${sourceTitle} is ${withArticle(from.type)}, ` +
      `but ‘${to.name}’ of ${targetTitle} takes ${withArticle(to.type)}`
    );
  }
  if (edges.some((edge) => edge.target === target && edge.targetHandle === targetHandle)) {
    return `‘${to.name}’ of ${targetTitle} already has an input: delete that connection first`;
  }
  if (hasPath(edges, target, source)) {
    return `Connecting ${sourceTitle} to ${targetTitle} would make a loop`;
  }
  return null;
}

// React Flow's connection state (from/to handles, either way round) as a source->target pair.
export function connectionOf(fromHandle, toHandle) {
  if (!fromHandle || !toHandle) return null;
  if (fromHandle.type === toHandle.type) return { sameSide: true };
  const [out, inp] = fromHandle.type === 'source' ? [fromHandle, toHandle] : [toHandle, fromHandle];
  return { source: out.nodeId, sourceHandle: out.id, target: inp.nodeId, targetHandle: inp.id };
}

export function edgeId({ source, sourceHandle, target, targetHandle }) {
  return `${source}.${sourceHandle}->${target}.${targetHandle}`;
}
