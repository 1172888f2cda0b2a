// The flow canvas (docs/canvas.md): React Flow owns what moves fast, the server owns the flow.
// Mounted from `scene`, then changed by the server's `ops` and by gestures, each gesture ending
// in one `onEdit` call.
import { useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  useStoreApi,
  useUpdateNodeInternals,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { ColorModeContext } from '$/utils/context';
import './canvas.css';
import './marks.css';
import BlockNode, { isFarOf } from './BlockNode.jsx';
import NoteNode, { NOTE_SIZE } from './NoteNode.jsx';
import {
  addEdit,
  copyOf,
  defaultParams,
  isNote,
  newNodeId,
  pasteOf,
  splitIds,
  uniqueId,
} from './clipboard.js';
import { connectionOf, edgeId, refusal } from './connect.js';
import { CanvasContext, STATUS_COLORS, categoryTints } from './context.js';
import { layoutPositions } from './layout.js';
import { useMoves } from './moves.js';
import { applyOp, freshOps, selectOnly, selectedOf } from './ops.js';
import { Announcer, EmptyHint, PaneMenu, RefusalPill } from './Overlays.jsx';
import { droppedBlockId, onPaletteDragOver, usePaletteDrag, usePaletteKeys } from './palette.js';
import { useSelection } from './selection.js';
import { useShortcuts } from './shortcuts.js';
import { createKeyedStore, sameList } from './stores.js';
import { Toolbar } from './Toolbar.jsx';

const NODE_TYPES = { block: BlockNode, note: NoteNode };
const FIT = { padding: 0.15, maxZoom: 1, duration: 250 };
const MOUNT_FIT = { padding: 0.15, maxZoom: 1 };
const MIN_ZOOM = 0.05;
// A flow opened small enough to read: 13 px block titles drawn at 11 px or more. Flows of up to
// READABLE_NODES blocks open at this zoom at least, from their start (data comes in on the
// left), even if their far end is then out of view; the fit button still shows all of it.
const READABLE_ZOOM = 0.85;
const READABLE_NODES = 25;
const READABLE_PAD = 32;
// Blocks and notes added by keyboard or toolbar land at the view's centre, each next one this
// much further down and right while the view stays put, so none hides another.
const ADD_STEP = 40;
const NOTE_COLOR_TINTS = { yellow: 'amber', blue: 'blue', green: 'grass', pink: 'pink', gray: 'gray' };
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const DELETE_KEYS = ['Delete', 'Backspace'];
const PASTE_OFFSET = 40;
const REFUSAL_MS = 3000;
const NODE_WIDTH = 220;
const EMPTY = [];
const NO_VALUES = {};
const PRO = { hideAttribution: true };
const DEFAULT_EDGE = { type: 'default', interactionWidth: 16 };

const hasNodesOf = (state) => state.nodes.length > 0;
// Up to this many nodes every one is in the page, in view or not (cheap at this size, and a
// small flow opened at a readable zoom may reach past the view); beyond it only those in view.
const ALL_DRAWN_MAX = 200;
const isBigOf = (state) => state.nodes.length > ALL_DRAWN_MAX;

// A node's size before it is measured (BlockNode is about this big).
const GUESS_W = 220;
const GUESS_H = 135;

// The view that fits ``nodes`` in a ``size`` box, from positions alone (nodes not yet measured).
function roughFit(nodes, size) {
  if (!nodes.length || !size?.width || !size?.height) return undefined;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const { position: p } of nodes) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + GUESS_W);
    y1 = Math.max(y1, p.y + GUESS_H);
  }
  const pad = 1 + 2 * MOUNT_FIT.padding;
  const fit = Math.min(size.width / ((x1 - x0) * pad), size.height / ((y1 - y0) * pad));
  const zoom = Math.max(MIN_ZOOM, Math.min(MOUNT_FIT.maxZoom, fit));
  return {
    x: size.width / 2 - ((x0 + x1) / 2) * zoom,
    y: size.height / 2 - ((y0 + y1) / 2) * zoom,
    zoom,
  };
}

// Fit the flow in view; then, if it is a small flow drawn too small to read, zoom in to
// READABLE_ZOOM, centred where it fits and from its top-left corner where it does not.
async function fitReadably(rf, store, options) {
  await rf.fitView(options);
  const nodes = rf.getNodes();
  const blocks = nodes.filter((n) => !isNote(n)).length;
  if (!blocks || blocks > READABLE_NODES || rf.getZoom() >= READABLE_ZOOM) return;
  const { width, height } = store.getState();
  const bounds = rf.getNodesBounds(nodes);
  const zoom = READABLE_ZOOM;
  const along = (room, start, length) =>
    length * zoom + 2 * READABLE_PAD <= room
      ? (room - length * zoom) / 2 - start * zoom
      : READABLE_PAD - start * zoom;
  rf.setViewport(
    { x: along(width, bounds.x, bounds.width), y: along(height, bounds.y, bounds.height), zoom },
    { duration: options.duration },
  );
}

function emitter(ref, name) {
  return (value) => {
    const handler = ref.current[name];
    if (typeof handler === 'function') handler(value);
  };
}

function Canvas(props) {
  const {
    blocks = EMPTY,
    extraBlocks = EMPTY,
    accepts = NO_VALUES,
    scene,
    ops,
    statuses,
    problems,
    canUndo = false,
    canRedo = false,
    readOnly = false,
    marks = NO_VALUES,
  } = props;
  const rf = useReactFlow();
  const store = useStoreApi();
  const latest = useRef(props);
  latest.current = props;
  const emit = useMemo(
    () => ({
      edit: emitter(latest, 'onEdit'),
      select: emitter(latest, 'onSelect'),
      command: emitter(latest, 'onCommand'),
    }),
    [],
  );

  // ----- what every node reads: block descriptions, tints, statuses, problems ----------------
  const stores = useRef(null);
  if (stores.current === null) {
    stores.current = {
      statuses: createKeyedStore(Object.is, statuses ?? NO_VALUES),
      problems: createKeyedStore(sameList, problems ?? NO_VALUES),
    };
  }
  useLayoutEffect(() => void stores.current.statuses.set(statuses), [statuses]);
  useLayoutEffect(() => void stores.current.problems.set(problems), [problems]);
  // The built-in blocks, then people's own ones (theirs, shared with them, pinned by nodes).
  const allBlocks = useMemo(
    () => [...(blocks ?? EMPTY), ...(extraBlocks ?? EMPTY)],
    [blocks, extraBlocks],
  );
  const blocksById = useMemo(() => new Map(allBlocks.map((b) => [b.id, b])), [allBlocks]);
  const context = useMemo(
    () => ({
      blocks: blocksById,
      tints: categoryTints(allBlocks),
      statuses: stores.current.statuses,
      problems: stores.current.problems,
      readOnly: !!readOnly,
      editNote: emit.edit,
      marks: marks ?? NO_VALUES,
    }),
    [blocksById, allBlocks, readOnly, emit, marks],
  );

  // ----- the scene, read once; then the server's ops, each applied once in seq order ---------
  const mounted = useRef(null);
  if (mounted.current === null) {
    mounted.current = {
      seq: scene?.seq ?? 0,
      nodes: scene?.nodes ?? EMPTY,
      edges: scene?.edges ?? EMPTY,
    };
    mounted.current.view = roughFit(mounted.current.nodes, props.size);
  }
  const startView = mounted.current.view;
  const lastSeq = useRef(mounted.current.seq);

  // Fit once the nodes are measured; never an empty flow: a fit asked for with no nodes waits
  // for the first one, and the first block dropped then jumped to the middle of the view.
  useEffect(() => {
    if (mounted.current.nodes.length) fitReadably(rf, store, MOUNT_FIT);
  }, [rf, store]);

  useEffect(() => {
    // Another flow opened in the same page (or the first one arriving after hydration): a
    // scene with another seq replaces everything. The same seq re-sent is not news.
    if (!scene || (scene.seq ?? 0) === mounted.current.seq) return;
    mounted.current = {
      seq: scene.seq ?? 0,
      nodes: scene.nodes ?? EMPTY,
      edges: scene.edges ?? EMPTY,
    };
    lastSeq.current = mounted.current.seq;
    const { width, height } = store.getState();
    const view = roughFit(mounted.current.nodes, { width, height });
    if (view) rf.setViewport(view);
    rf.setNodes(mounted.current.nodes);
    rf.setEdges(mounted.current.edges);
    if (mounted.current.nodes.length) fitReadably(rf, store, MOUNT_FIT);
  }, [scene, rf, store]);

  useEffect(() => {
    for (const op of freshOps(ops, lastSeq.current)) {
      applyOp(rf, op);
      lastSeq.current = op.seq;
    }
  }, [ops, rf]);

  // ----- connections -------------------------------------------------------------------------
  const explain = useCallback(
    (connection) => {
      if (!connection) return null;
      if (connection.sameSide) return 'Connect an output (right side) to an input (left side)';
      const { nodeLookup, edges } = store.getState();
      return refusal(connection, {
        getNode: (id) => nodeLookup.get(id),
        edges,
        blocks: blocksById,
        accepts: latest.current.accepts ?? accepts,
      });
    },
    [store, blocksById, accepts],
  );
  const isValidConnection = useCallback((connection) => explain(connection) === null, [explain]);

  const [flash, setFlash] = useState(null);
  const flashTimer = useRef(0);
  const showRefusal = useCallback((text) => {
    clearTimeout(flashTimer.current);
    setFlash(text);
    flashTimer.current = setTimeout(() => setFlash(null), REFUSAL_MS);
  }, []);
  useEffect(() => () => clearTimeout(flashTimer.current), []);

  const onConnect = useCallback(
    (connection) => {
      const edge = {
        id: edgeId(connection),
        source: connection.source,
        sourceHandle: connection.sourceHandle,
        target: connection.target,
        targetHandle: connection.targetHandle,
      };
      // React Flow has already added the edge under its own id: keep ours (Edge.key) instead.
      rf.setEdges((edges) => [
        ...edges.filter((e) => e.id !== edge.id && edgeId(e) !== edge.id),
        edge,
      ]);
      setFlash(null);
      emit.edit({
        kind: 'connect',
        edge: {
          source: edge.source,
          source_port: edge.sourceHandle,
          target: edge.target,
          target_port: edge.targetHandle,
        },
      });
    },
    [rf, emit],
  );

  const onConnectEnd = useCallback(
    (_event, state) => {
      if (!state?.toHandle || state.isValid !== false) return;
      const text = explain(connectionOf(state.fromHandle, state.toHandle));
      if (text) showRefusal(text);
    },
    [explain, showRefusal],
  );

  // ----- moves and selection: one message per gesture ----------------------------------------
  const { counts, onSelectionChange, onSelectionStart, onSelectionEnd, takeSelection } =
    useSelection(store, emit.select);
  const moves = useMoves(rf, emit.edit, takeSelection);

  // ----- deletes: the Delete key and the toolbar both end in onDelete ------------------------
  const onDelete = useCallback(
    ({ nodes, edges }) => {
      if (!nodes.length && !edges.length) return;
      const { blocks: gone, notes } = splitIds(nodes);
      const edit = { kind: 'remove', nodes: gone, edges: edges.map((e) => e.id) };
      emit.edit(notes.length ? { ...edit, notes } : edit);
    },
    [emit],
  );
  const removeSelection = useCallback(() => {
    rf.deleteElements({ nodes: selectedOf(rf.getNodes()), edges: selectedOf(rf.getEdges()) });
  }, [rf]);

  // ----- adding nodes: drop from the palette, paste, duplicate --------------------------------
  const addNodes = useCallback(
    (nodes, edges = EMPTY) => {
      const ids = new Set(nodes.map((n) => n.id));
      rf.setNodes((current) => [
        ...selectOnly(current, ids),
        ...nodes.map((n) => ({ ...n, selected: true })),
      ]);
      rf.setEdges((current) => [...selectOnly(current, new Set()), ...edges]);
      emit.edit(addEdit(nodes, edges));
    },
    [rf, emit],
  );

  const takenIds = useCallback(() => new Set(rf.getNodes().map((n) => n.id)), [rf]);

  // A new block with its default parameters, its header's middle at `at` (flow coordinates).
  const addBlockAt = useCallback(
    (block, at) => {
      const id = newNodeId(block.id, takenIds());
      addNodes([
        {
          id,
          type: 'block',
          position: { x: Math.round(at.x - NODE_WIDTH / 2), y: Math.round(at.y - 24) },
          data: { block: block.id, label: '', params: defaultParams(block) },
        },
      ]);
      return id;
    },
    [addNodes, takenIds],
  );

  const onDrop = useCallback(
    (event) => {
      const block = blocksById.get(droppedBlockId(event));
      if (!block) return;
      event.preventDefault();
      addBlockAt(block, rf.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [rf, blocksById, addBlockAt],
  );

  usePaletteDrag();

  // The middle of the view (flow coordinates), stepped on while the view stays where it is.
  const placed = useRef({ key: '', count: 0 });
  const viewCentre = useCallback(() => {
    const { width, height, domNode } = store.getState();
    const box = domNode?.getBoundingClientRect() ?? { left: 0, top: 0 };
    const centre = rf.screenToFlowPosition({ x: box.left + width / 2, y: box.top + height / 2 });
    const key = `${Math.round(centre.x)},${Math.round(centre.y)},${rf.getZoom().toFixed(3)}`;
    const count = key === placed.current.key ? placed.current.count + 1 : 0;
    placed.current = { key, count };
    const step = (count % 8) * ADD_STEP;
    return { x: centre.x + step, y: centre.y + step };
  }, [rf, store]);

  // Enter or Space on a palette item, Enter in its search box: the block goes to the view's
  // middle, and screen readers hear what was added.
  const [announced, setAnnounced] = useState('');
  const addFromKeyboard = useCallback(
    (blockId) => {
      const block = blocksById.get(blockId);
      if (!block || latest.current.readOnly) return;
      const id = addBlockAt(block, viewCentre());
      setAnnounced(`Added ${block.title} to the flow as ${id}`);
    },
    [blocksById, addBlockAt, viewCentre],
  );
  usePaletteKeys(addFromKeyboard);

  // A sticky note, centred on `at`, open for typing.
  const addNote = useCallback(
    (at) => {
      const note = {
        id: uniqueId('note', takenIds()),
        type: 'note',
        position: {
          x: Math.round(at.x - NOTE_SIZE.width / 2),
          y: Math.round(at.y - NOTE_SIZE.height / 2),
        },
        width: NOTE_SIZE.width,
        height: NOTE_SIZE.height,
        data: { text: '', color: 'yellow', fresh: true },
      };
      addNodes([note]);
      setAnnounced('Added a note; type its text');
    },
    [addNodes, takenIds],
  );

  const [menu, setMenu] = useState(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  const onPaneContextMenu = useCallback(
    (event) => {
      event.preventDefault();
      const box = store.getState().domNode?.getBoundingClientRect() ?? { left: 0, top: 0 };
      setMenu({
        x: event.clientX - box.left,
        y: event.clientY - box.top,
        flow: rf.screenToFlowPosition({ x: event.clientX, y: event.clientY }),
      });
    },
    [rf, store],
  );
  const addNoteFromMenu = useCallback(() => {
    if (menu) addNote(menu.flow);
    setMenu(null);
  }, [menu, addNote]);

  const clipboard = useRef(null);
  const copySelection = useCallback(() => {
    if (window.getSelection?.()?.toString()) return false;
    const nodes = selectedOf(rf.getNodes());
    if (!nodes.length) return false;
    clipboard.current = { ...copyOf(nodes, rf.getEdges()), pastes: 0 };
    return true;
  }, [rf]);
  const paste = useCallback(() => {
    const copied = clipboard.current;
    if (!copied?.nodes.length) return false;
    copied.pastes += 1;
    const { nodes, edges } = pasteOf(copied, takenIds(), PASTE_OFFSET * copied.pastes);
    addNodes(nodes, edges);
    return true;
  }, [addNodes, takenIds]);
  const duplicate = useCallback(() => {
    const selected = selectedOf(rf.getNodes());
    if (!selected.length) return false;
    const { nodes, edges } = pasteOf(copyOf(selected, rf.getEdges()), takenIds(), PASTE_OFFSET);
    addNodes(nodes, edges);
    return true;
  }, [rf, addNodes, takenIds]);

  // ----- layout and view ---------------------------------------------------------------------
  // Notes stay where people put them: only blocks are laid out.
  const autoLayout = useCallback(() => {
    const nodes = rf.getNodes().filter((n) => !isNote(n));
    if (!nodes.length) return;
    const positions = layoutPositions(nodes, rf.getEdges());
    rf.setNodes((current) =>
      current.map((n) => (positions[n.id] ? { ...n, position: positions[n.id] } : n)),
    );
    const edit = {};
    for (const [id, p] of Object.entries(positions)) edit[id] = [p.x, p.y];
    emit.edit({ kind: 'move', positions: edit });
    rf.fitView(FIT);
  }, [rf, emit]);

  const act = useMemo(
    () => ({
      undo: () => emit.command('undo'),
      redo: () => emit.command('redo'),
      save: () => emit.command('save'),
      help: () => emit.command('help'),
      layout: autoLayout,
      fit: () => rf.fitView(FIT),
      duplicate,
      remove: removeSelection,
      note: () => addNote(viewCentre()),
    }),
    [emit, autoLayout, rf, duplicate, removeSelection, addNote, viewCentre],
  );

  // Read-only (a viewer, an old version, a share link): look, select, copy; change nothing.
  useShortcuts(
    readOnly
      ? { help: act.help, fit: act.fit, copy: copySelection }
      : {
          undo: act.undo,
          redo: act.redo,
          save: act.save,
          help: act.help,
          layout: act.layout,
          fit: act.fit,
          copy: copySelection,
          paste,
          duplicate,
          nudge: moves.nudge,
        },
  );

  // A new function when statuses change, so the minimap re-colours.
  const statusColor = useCallback(
    (node) =>
      isNote(node)
        ? `var(--${NOTE_COLOR_TINTS[node.data?.color] ?? 'amber'}-5)`
        : (STATUS_COLORS[statuses?.[node.id]] ?? 'var(--gray-7)'),
    [statuses],
  );

  const hasNodes = useStore(hasNodesOf);
  const big = useStore(isBigOf);
  const far = useStore(isFarOf);
  // React Flow puts its colour mode on its root as a class ("light" by default), and Radix
  // themes redefine every colour under .light/.dark: follow the page's mode, or a dark page
  // gets a light canvas.
  const { resolvedColorMode } = useContext(ColorModeContext);
  // Far and full nodes put their handles in the same places, but measure again on the switch
  // so edges meet the handles exactly.
  const updateNodeInternals = useUpdateNodeInternals();
  const wasFar = useRef(far);
  useEffect(() => {
    if (wasFar.current && !far) updateNodeInternals(rf.getNodes().map((n) => n.id));
    wasFar.current = far;
  }, [far, rf, updateNodeInternals]);

  return (
    <CanvasContext.Provider value={context}>
      <ReactFlow
        colorMode={resolvedColorMode === 'dark' ? 'dark' : 'light'}
        className={[far ? 'dc-far' : '', readOnly ? 'dc-read-only' : ''].join(' ').trim() || undefined}
        defaultNodes={mounted.current.nodes}
        defaultEdges={mounted.current.edges}
        nodeTypes={NODE_TYPES}
        defaultEdgeOptions={DEFAULT_EDGE}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={moves.onNodeDragStart}
        onNodeDragStop={moves.onNodeDragStop}
        onSelectionDragStart={moves.onSelectionDragStart}
        onSelectionDragStop={moves.onSelectionDragStop}
        onDelete={onDelete}
        onSelectionChange={onSelectionChange}
        onSelectionStart={onSelectionStart}
        onSelectionEnd={onSelectionEnd}
        onDragOver={readOnly ? undefined : onPaletteDragOver}
        onDrop={readOnly ? undefined : onDrop}
        onPaneContextMenu={readOnly ? undefined : onPaneContextMenu}
        deleteKeyCode={readOnly ? null : DELETE_KEYS}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        selectionKeyCode="Shift"
        onlyRenderVisibleElements={big}
        minZoom={MIN_ZOOM}
        maxZoom={2}
        defaultViewport={startView}
        proOptions={PRO}
        zoomOnDoubleClick={false}
      >
        <Background variant="dots" gap={20} size={1.2} color="var(--gray-a7)" />
        {hasNodes && (
          <MiniMap
            pannable
            zoomable
            nodeColor={statusColor}
            nodeBorderRadius={6}
            className="dc-minimap"
            ariaLabel="Overview of the flow"
          />
        )}
        <Controls showInteractive={false} className="dc-controls" />
        <Toolbar
          canUndo={!!canUndo}
          canRedo={!!canRedo}
          selectedNodes={counts.nodes}
          selectedEdges={counts.edges}
          hasNodes={hasNodes}
          readOnly={!!readOnly}
          act={act}
        />
        <RefusalPill explain={explain} flash={flash} />
        <Announcer text={announced} />
        {menu && <PaneMenu at={menu} onAddNote={addNoteFromMenu} onClose={closeMenu} />}
        {/* Until the first scene arrives (seq 0) the flow is loading, not empty. */}
        {mounted.current.seq ? <EmptyHint /> : null}
      </ReactFlow>
    </CanvasContext.Provider>
  );
}

// Reflex passes id, className and style for the root; the canvas fills its container.
export function FlowCanvas(props) {
  const { id, className, style } = props;
  // The canvas's size, known before React Flow mounts, so its first view is already the fitted
  // one (see roughFit): drawing at zoom 1 first and fitting afterwards draws a big flow twice.
  const box = useRef(null);
  const [size, setSize] = useState(null);
  useLayoutEffect(() => {
    const rect = box.current.getBoundingClientRect();
    setSize({ width: rect.width, height: rect.height });
  }, []);
  return (
    <div
      id={id}
      ref={box}
      className={className ? `dc-canvas ${className}` : 'dc-canvas'}
      style={style}
      data-testid="flow-canvas"
    >
      {size && (
        <ReactFlowProvider>
          <Canvas {...props} size={size} />
        </ReactFlowProvider>
      )}
    </div>
  );
}

export default FlowCanvas;
