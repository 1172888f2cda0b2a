// One block on the canvas: icon and title, typed ports as handles, run status and problems.
import { memo, useContext } from 'react';
import { Handle, Position, useStore } from '@xyflow/react';
import { Ban, Check, Clock, History, LoaderCircle, SkipForward, TriangleAlert, X } from 'lucide-react';
import { CanvasContext } from './context.js';
import { blockIcon } from './icons.js';
import { useKeyed } from './stores.js';

const NO_PORTS = [];

// Below this zoom (FAR_ZOOM in FlowCanvas.jsx) nothing on a node can be read: it is drawn as a
// plain tinted box of the same size with bare handles, a fifth of the markup, which is what
// keeps a thousand nodes in view quick to show. Crossing the zoom re-measures the handles.
export const FAR_ZOOM = 0.3;
export const isFarOf = (state) => state.transform[2] < FAR_ZOOM;
// The full node's geometry (canvas.css): header, then one 22 px port row every 24 px.
const HEAD_PX = 68;
const PORTS_TOP_PX = 6;
const ROW_PX = 24;
const ROW_HEIGHT_PX = 22;
const PORTS_BOTTOM_PX = 8;

function farHeight(rows) {
  return rows ? HEAD_PX + PORTS_TOP_PX + rows * ROW_PX - 2 + PORTS_BOTTOM_PX + 1 : HEAD_PX + 1;
}

function FarHandles({ ports, direction }) {
  const input = direction === 'input';
  return ports.map((port, row) => (
    <Handle
      key={port.name}
      type={input ? 'target' : 'source'}
      position={input ? Position.Left : Position.Right}
      id={port.name}
      className="dc-handle dc-handle-far"
      style={{ '--port-color': port.color, top: HEAD_PX + PORTS_TOP_PX + row * ROW_PX + ROW_HEIGHT_PX / 2 }}
      data-testid="port-handle"
      data-port={port.name}
      data-port-type={port.type}
      data-direction={direction}
    />
  ));
}

const STATUS = {
  pending: { icon: Clock, label: 'Waiting to run' },
  running: { icon: LoaderCircle, label: 'Running' },
  succeeded: { icon: Check, label: 'Succeeded' },
  failed: { icon: X, label: 'Failed' },
  skipped: { icon: SkipForward, label: 'Skipped' },
  cancelled: { icon: Ban, label: 'Cancelled' },
  cached: { icon: History, label: 'Cached: reused an earlier result' },
};

function PortRow({ port, direction }) {
  const input = direction === 'input';
  const hint = `${port.name}: ${port.type}${port.optional ? ' (optional)' : ''}${
    port.description ? ` — ${port.description}` : ''
  }`;
  return (
    <div className={`dc-port dc-port-${direction}`} title={hint}>
      <Handle
        type={input ? 'target' : 'source'}
        position={input ? Position.Left : Position.Right}
        id={port.name}
        className={port.optional ? 'dc-handle dc-handle-optional' : 'dc-handle'}
        style={{ '--port-color': port.color }}
        data-testid="port-handle"
        data-port={port.name}
        data-port-type={port.type}
        data-direction={direction}
      />
      <span className="dc-port-name">{port.name}</span>
    </div>
  );
}

function StatusBadge({ status }) {
  const known = STATUS[status];
  if (!known) return null;
  const Icon = known.icon;
  return (
    <span className={`dc-status dc-status-${status}`} title={known.label} data-testid="node-status">
      <Icon size={12} strokeWidth={3} />
    </span>
  );
}

function ProblemsMarker({ messages }) {
  if (!messages?.length) return null;
  return (
    <span className="dc-problems" title={messages.join('\n')} data-testid="node-problems">
      <TriangleAlert size={12} strokeWidth={2.5} />
      {messages.length}
    </span>
  );
}

function BlockNode({ id, data, selected }) {
  const canvas = useContext(CanvasContext);
  const status = useKeyed(canvas.statuses, id);
  const messages = useKeyed(canvas.problems, id);
  const block = canvas.blocks.get(data.block);
  const far = useStore(isFarOf);
  const tint = canvas.tints.get(block?.category) ?? 'gray';
  const inputs = block?.inputs ?? NO_PORTS;
  const outputs = block?.outputs ?? NO_PORTS;
  const count = messages?.length ?? 0;
  const classes = ['dc-node'];
  if (selected) classes.push('dc-selected');
  if (status) classes.push(`dc-node-${status}`);
  if (count) classes.push('dc-node-problems');
  if (!block) classes.push('dc-node-unknown');
  // What changed since another run's version (the compare page, marks.css).
  const mark = canvas.marks?.[id];
  if (mark) classes.push(`dc-mark-${mark}`);
  const root = {
    className: classes.join(' '),
    'data-testid': 'canvas-node',
    'data-node-id': id,
    'data-block-id': data.block,
    'data-status': status ?? '',
    'data-problems': count,
    'data-selected': selected ? 'true' : 'false',
    'data-mark': mark ?? '',
  };
  if (far) {
    const rows = Math.max(inputs.length, outputs.length);
    return (
      <div {...root} style={{ '--node-tint': `var(--${tint}-6)`, height: farHeight(rows) }}>
        <FarHandles ports={inputs} direction="input" />
        <FarHandles ports={outputs} direction="output" />
      </div>
    );
  }
  const Icon = blockIcon(block?.icon);
  return (
    <div {...root} style={{ '--node-tint': `var(--${tint}-6)` }}>
      <div className="dc-node-head">
        <span
          className="dc-node-icon"
          style={{ background: `var(--${tint}-3)`, color: `var(--${tint}-11)` }}
        >
          <Icon size={16} />
        </span>
        <span className="dc-node-titles">
          <span
            className="dc-node-title"
            title={block?.description ?? 'This block is not in the catalogue'}
          >
            {data.label || block?.title || data.block}
          </span>
          <span className="dc-node-sub">{data.block}</span>
        </span>
        <ProblemsMarker messages={messages} />
        <StatusBadge status={status} />
      </div>
      {inputs.length + outputs.length > 0 && (
        <div className="dc-node-ports">
          <div className="dc-ports">
            {inputs.map((port) => (
              <PortRow key={port.name} port={port} direction="input" />
            ))}
          </div>
          <div className="dc-ports dc-ports-out">
            {outputs.map((port) => (
              <PortRow key={port.name} port={port} direction="output" />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

export default memo(BlockNode);
