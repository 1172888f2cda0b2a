// Blocks dragged onto the canvas from anywhere on the page: the palette is drawn by Reflex,
// outside this component, so the drag is picked up at the document.
import { useEffect, useRef } from 'react';

export const BLOCK_MIME = 'application/x-designer-block';

function paletteItem(event) {
  const element = event.target?.closest?.('[data-block-id]');
  // Canvas nodes carry data-block-id too; they are not palette items.
  return element && !element.closest('.react-flow') ? element : null;
}

// Any element with data-block-id becomes draggable and carries its block id.
export function usePaletteDrag() {
  useEffect(() => {
    const onPointerDown = (event) => {
      const element = paletteItem(event);
      if (element && !element.draggable) element.draggable = true;
    };
    const onDragStart = (event) => {
      const element = paletteItem(event);
      if (!element || !event.dataTransfer) return;
      const id = element.getAttribute('data-block-id');
      event.dataTransfer.setData(BLOCK_MIME, id);
      event.dataTransfer.setData('text/plain', id);
      event.dataTransfer.effectAllowed = 'copy';
    };
    document.addEventListener('pointerdown', onPointerDown, true);
    document.addEventListener('dragstart', onDragStart);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown, true);
      document.removeEventListener('dragstart', onDragStart);
    };
  }, []);
}

export function onPaletteDragOver(event) {
  if (!event.dataTransfer.types.includes(BLOCK_MIME)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = 'copy';
}

export function droppedBlockId(event) {
  return event.dataTransfer.getData(BLOCK_MIME) || null;
}

// ----- the palette by keyboard -----------------------------------------------------------------
// Items are focusable (tabindex from Reflex); the arrow keys, Home and End move between the
// items on show; Enter or Space adds the focused block; Enter in the search box adds the first
// block that matches, with the same rule as the server's filter (every word in `data-search`).

const ITEM = '[data-testid="palette-item"][data-block-id]';

function paletteItems() {
  return [...document.querySelectorAll(ITEM)].filter((el) => !el.closest('.react-flow'));
}

// Items not hidden by the search (hidden ones are display: none, so have no offsetParent).
export function shownPaletteItems() {
  return paletteItems().filter((el) => el.offsetParent !== null);
}

export function firstMatch(query) {
  const words = String(query).toLowerCase().split(/\s+/).filter(Boolean);
  return (
    paletteItems().find((el) => {
      const text = (el.getAttribute('data-search') || el.textContent || '').toLowerCase();
      return words.every((word) => text.includes(word));
    }) ?? null
  );
}

const STEPS = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

function moveFocus(from, key) {
  const items = shownPaletteItems();
  if (!items.length) return false;
  let index = items.indexOf(from);
  if (key === 'Home') index = 0;
  else if (key === 'End') index = items.length - 1;
  else if (index < 0) index = 0;
  else index = Math.min(items.length - 1, Math.max(0, index + STEPS[key]));
  items[index].focus();
  items[index].scrollIntoView({ block: 'nearest' });
  return true;
}

// `addBlock(blockId)` puts a block on the canvas; it is called for Enter and Space.
export function usePaletteKeys(addBlock) {
  const latest = useRef(addBlock);
  latest.current = addBlock;
  useEffect(() => {
    const onKeyDown = (event) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target;
      if (!target || target.nodeType !== 1 || target.closest('.react-flow')) return;
      if (target.matches(ITEM)) {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          latest.current(target.getAttribute('data-block-id'));
        } else if (event.key in STEPS || event.key === 'Home' || event.key === 'End') {
          if (moveFocus(target, event.key)) event.preventDefault();
        }
        return;
      }
      if (target.tagName !== 'INPUT' || !target.closest('[data-testid="palette-search"]')) return;
      if (event.key === 'Enter' && !event.isComposing) {
        const first = firstMatch(target.value);
        if (!first) return;
        event.preventDefault();
        latest.current(first.getAttribute('data-block-id'));
      } else if (event.key === 'ArrowDown' && moveFocus(null, 'Home')) {
        event.preventDefault();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
