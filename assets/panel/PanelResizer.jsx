// A handle on the editor side panel's left edge: drag it (or focus it and press the arrow
// keys) to widen or narrow the panel; double-click or Enter puts the usual width back.
// The width lives in the browser only (localStorage), as a CSS variable on the editor body
// whose grid gives the canvas whatever is left, so React Flow resizes with it
// (designer/ui/editor/panel_resizer.py).
import { useCallback, useEffect, useRef, useState } from 'react';
import './panel-resizer.css';

const KEY = 'designer.panel-width';
const STEP = 16;
const BIG_STEP = 64;

// The narrowest panel that still fits a form, the widest that leaves the canvas room.
function bounds(minWidth, maxShare) {
  const max = Math.max(minWidth, Math.round(window.innerWidth * maxShare));
  return [minWidth, max];
}

function clamp(width, minWidth, maxShare) {
  const [low, high] = bounds(minWidth, maxShare);
  return Math.round(Math.min(high, Math.max(low, width)));
}

function saved() {
  try {
    const value = Number.parseInt(window.localStorage.getItem(KEY) ?? '', 10);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null; // storage refused (private mode, a policy): the usual width
  }
}

function remember(width) {
  try {
    if (width === null) window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, String(width));
  } catch {
    // Not remembered: the width still applies to this page.
  }
}

export function PanelResizer({ defaultWidth = 360, minWidth = 300, maxShare = 0.6, id }) {
  const handle = useRef(null);
  const drag = useRef(null);
  const [width, setWidth] = useState(defaultWidth);
  // The width as last applied, for handlers that run before React re-renders (a pointer-up
  // right after the last move, key repeats).
  const latest = useRef(defaultWidth);

  // The editor body's grid reads --panel-width for the panel's column (editor/style.py).
  const apply = useCallback(
    (next) => {
      const body = handle.current?.closest('.editor-body');
      const fitted = clamp(next, minWidth, maxShare);
      body?.style.setProperty('--panel-width', `${fitted}px`);
      latest.current = fitted;
      setWidth(fitted);
      return fitted;
    },
    [minWidth, maxShare],
  );

  useEffect(() => {
    apply(saved() ?? defaultWidth);
    // A narrower window may squeeze the panel below what was saved: fit it again.
    const refit = () => apply(saved() ?? defaultWidth);
    window.addEventListener('resize', refit);
    return () => window.removeEventListener('resize', refit);
  }, [apply, defaultWidth]);

  const set = (next) => remember(apply(next));
  const reset = () => {
    remember(null);
    apply(defaultWidth);
  };

  const onPointerDown = (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    handle.current?.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, width: latest.current };
    document.body.classList.add('pr-dragging');
  };
  const onPointerMove = (event) => {
    if (!drag.current) return;
    // The handle is on the panel's left edge: moving left widens the panel.
    apply(drag.current.width + (drag.current.x - event.clientX));
  };
  const onPointerUp = (event) => {
    if (!drag.current) return;
    handle.current?.releasePointerCapture(event.pointerId);
    drag.current = null;
    document.body.classList.remove('pr-dragging');
    remember(latest.current);
  };
  const onKeyDown = (event) => {
    const step = event.shiftKey ? BIG_STEP : STEP;
    const [low, high] = bounds(minWidth, maxShare);
    const moves = {
      ArrowLeft: latest.current + step,
      ArrowRight: latest.current - step,
      Home: high,
      End: low,
    };
    if (event.key in moves) {
      event.preventDefault();
      set(moves[event.key]);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      reset();
    }
  };

  const [low, high] = typeof window === 'undefined' ? [minWidth, minWidth] : bounds(minWidth, maxShare);
  return (
    <div
      ref={handle}
      id={id}
      className="pr-handle"
      role="separator"
      aria-orientation="vertical"
      aria-label="Side panel width: drag, or use the arrow keys; double-click or Enter resets it"
      aria-valuenow={width}
      aria-valuemin={low}
      aria-valuemax={high}
      tabIndex={0}
      title="Drag to widen the panel · double-click to reset"
      data-testid="panel-resizer"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onDoubleClick={reset}
      onKeyDown={onKeyDown}
    />
  );
}

export default PanelResizer;
