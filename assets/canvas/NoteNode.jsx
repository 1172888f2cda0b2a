// A sticky note: text people put on the canvas to explain the flow to each other. Moved and
// resized like a block, edited in place (double-click), in one of a few colours. The text is a
// teammate's, so it is only ever rendered as text (React escapes it), never as markup.
import { memo, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { NodeResizer, NodeToolbar, Position, useReactFlow, useStore } from '@xyflow/react';
import { CanvasContext } from './context.js';
import { isFarOf } from './BlockNode.jsx';
import './notes.css';

// The colours a note can take (designer/flow/document.py NOTE_COLORS), as the canvas names them.
export const NOTE_COLORS = [
  { name: 'yellow', label: 'Yellow' },
  { name: 'blue', label: 'Blue' },
  { name: 'green', label: 'Green' },
  { name: 'pink', label: 'Pink' },
  { name: 'gray', label: 'Gray' },
];
export const NOTE_MAX_CHARS = 2000;
export const NOTE_MIN = { width: 80, height: 40 };
export const NOTE_SIZE = { width: 240, height: 120 };

function ColorBar({ id, color, onPick }) {
  return (
    <div className="dc-note-colors" role="group" aria-label="Note colour">
      {NOTE_COLORS.map(({ name, label }) => (
        <button
          key={name}
          type="button"
          className={`dc-note-swatch dc-note-${name}`}
          title={label}
          aria-label={label}
          aria-pressed={color === name}
          data-testid="note-color"
          data-color={name}
          onClick={() => onPick(id, name)}
        />
      ))}
    </div>
  );
}

function NoteNode({ id, data, selected }) {
  const canvas = useContext(CanvasContext);
  const rf = useReactFlow();
  const far = useStore(isFarOf);
  const readOnly = !!canvas.readOnly;
  const [editing, setEditing] = useState(false);
  const input = useRef(null);
  const color = NOTE_COLORS.some((c) => c.name === data.color) ? data.color : 'yellow';

  // A note just added opens for typing.
  useEffect(() => {
    if (!data.fresh || readOnly) return;
    setEditing(true);
    rf.updateNodeData(id, { fresh: undefined });
  }, [data.fresh, readOnly, rf, id]);
  useEffect(() => {
    if (!editing || !input.current) return;
    const box = input.current;
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }, [editing]);

  // Leaving the box (a click elsewhere, Escape, Ctrl+Enter) keeps what was typed.
  const finish = useCallback(() => {
    const text = input.current?.value ?? data.text ?? '';
    setEditing(false);
    if (text === (data.text ?? '')) return;
    rf.updateNodeData(id, { text });
    canvas.editNote({ kind: 'note', id, text });
  }, [rf, id, data.text, canvas]);
  const onKeyDown = useCallback((event) => {
    if (event.key === 'Escape' || (event.key === 'Enter' && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      event.currentTarget.blur();
    }
  }, []);
  const pickColor = useCallback(
    (noteId, name) => {
      rf.updateNodeData(noteId, { color: name });
      canvas.editNote({ kind: 'note', id: noteId, color: name });
    },
    [rf, canvas],
  );
  const onResizeEnd = useCallback(
    (_event, box) => {
      canvas.editNote({
        kind: 'note',
        id,
        position: [Math.round(box.x), Math.round(box.y)],
        size: [Math.round(box.width), Math.round(box.height)],
      });
    },
    [canvas, id],
  );

  const root = {
    className: `dc-note dc-note-${color}${selected ? ' dc-selected' : ''}`,
    'data-testid': 'canvas-note',
    'data-note-id': id,
    'data-color': color,
    'data-selected': selected ? 'true' : 'false',
  };
  if (far) return <div {...root} />;
  const text = data.text ?? '';
  return (
    <>
      {!readOnly && (
        <>
          <NodeResizer
            isVisible={selected && !editing}
            minWidth={NOTE_MIN.width}
            minHeight={NOTE_MIN.height}
            lineClassName="dc-note-resize-line"
            handleClassName="dc-note-resize-handle"
            onResizeEnd={onResizeEnd}
          />
          <NodeToolbar isVisible={selected} position={Position.Top} offset={6}>
            <ColorBar id={id} color={color} onPick={pickColor} />
          </NodeToolbar>
        </>
      )}
      <div
        {...root}
        onDoubleClick={readOnly ? undefined : () => setEditing(true)}
        title={readOnly || editing ? undefined : 'Double-click to edit'}
      >
        {editing ? (
          <textarea
            ref={input}
            className="dc-note-input nodrag nowheel nopan"
            defaultValue={text}
            maxLength={NOTE_MAX_CHARS}
            aria-label="Note text"
            data-testid="note-input"
            onBlur={finish}
            onKeyDown={onKeyDown}
          />
        ) : (
          <div
            className={`dc-note-text${text ? '' : ' dc-note-empty'} nowheel`}
            data-testid="note-text"
          >
            {text || (readOnly ? '' : 'Double-click to write a note')}
          </div>
        )}
      </div>
    </>
  );
}

export default memo(NoteNode);
