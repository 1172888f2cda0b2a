// Keyboard shortcuts, listened for on the document but never while someone types in a field.
import { useEffect, useRef } from 'react';

export function isTyping(target) {
  if (!target || target.nodeType !== 1) return false;
  const tag = target.tagName;
  return (
    tag === 'INPUT' ||
    tag === 'TEXTAREA' ||
    tag === 'SELECT' ||
    target.isContentEditable ||
    !!target.closest?.('[contenteditable=""], [contenteditable="true"], [role="dialog"]')
  );
}

export function shortcutOf(event) {
  const key = event.key?.toLowerCase();
  if (event.ctrlKey || event.metaKey) {
    if (event.altKey) return null;
    if (key === 'z') return event.shiftKey ? 'redo' : 'undo';
    return { y: 'redo', s: 'save', c: 'copy', v: 'paste', d: 'duplicate' }[key] ?? null;
  }
  if (event.altKey) return null;
  if (event.key === '?') return 'help';
  if (event.shiftKey) return null;
  if (key === 'l') return 'layout';
  if (key === 'f') return 'fit';
  if (event.key?.startsWith('Arrow')) return 'nudge';
  return null;
}

// handlers: action -> function(event); returning false leaves the key to the browser.
export function useShortcuts(handlers) {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKeyDown = (event) => {
      if (event.defaultPrevented && !event.key?.startsWith('Arrow')) return;
      if (event.isComposing || isTyping(event.target)) return;
      const action = shortcutOf(event);
      const handler = action && latest.current[action];
      if (!handler) return;
      if (handler(event) !== false && action !== 'nudge') event.preventDefault();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
