// Keyboard shortcuts, listened for on the document. While focus is in a field, keys keep their
// field meaning (Ctrl+Z undoes typing, Ctrl+C copies text, a letter is typed or picks a choice):
// only Ctrl/Cmd+S (save what the field holds, then the flow) and Escape (leave the field) act.
import { useEffect, useRef } from 'react';

// Popups with keys of their own (Escape closes them, letters pick an item).
const POPUP = '[role="dialog"], [role="alertdialog"], [role="listbox"], [role="menu"]';
const TEXT_TAGS = new Set(['INPUT', 'TEXTAREA']);

export function isTyping(target) {
  if (!target || target.nodeType !== 1) return false;
  const tag = target.tagName;
  return (
    TEXT_TAGS.has(tag) ||
    tag === 'SELECT' ||
    target.isContentEditable ||
    // A select's button: letters pick a choice there.
    target.getAttribute?.('role') === 'combobox' ||
    !!target.closest?.(`[contenteditable=""], [contenteditable="true"], ${POPUP}`)
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

// What a key does while focus is in a field: 'save', 'leave' or null (the field's own meaning).
export function fieldShortcutOf(event) {
  const plain = !(event.ctrlKey || event.metaKey || event.altKey || event.shiftKey);
  if (event.key === 'Escape' && plain) return 'leave';
  return shortcutOf(event) === 'save' ? 'save' : null;
}

// Leaving a text box hands its value on: a debounced box sends what was typed at once and the
// flow name box renames, so a save right after it saves what the person sees.
function commit(field) {
  field.blur();
}

// handlers: action -> function(event); returning false leaves the key to the browser.
export function useShortcuts(handlers) {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const inField = (event) => {
      const action = fieldShortcutOf(event);
      if (!action) return;
      const field = event.target;
      const text = TEXT_TAGS.has(field.tagName) || field.isContentEditable;
      if (field.closest?.(POPUP)) {
        // The popup's own keys; but Ctrl+S never opens the browser's "Save page" dialog.
        if (action === 'save') event.preventDefault();
        return;
      }
      if (action === 'leave') {
        if (text) commit(field);
        return;
      }
      event.preventDefault();
      const save = latest.current.save;
      if (!save) return; // read-only: nothing to save
      if (text) {
        commit(field);
        field.focus({ preventScroll: true }); // and go on typing where they were
      }
      save(event);
    };
    const onKeyDown = (event) => {
      if (event.defaultPrevented && !event.key?.startsWith('Arrow')) return;
      if (event.isComposing) return;
      if (isTyping(event.target)) {
        inField(event);
        return;
      }
      const action = shortcutOf(event);
      const handler = action && latest.current[action];
      if (!handler) return;
      if (handler(event) !== false && action !== 'nudge') event.preventDefault();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
