// What every node needs from the canvas, handed down once (stable for the canvas's life).
import { createContext } from 'react';

export const CanvasContext = createContext(null);

// Radix colour scales for block icons, by category in palette order (as the catalogue page).
const CATEGORY_COLORS = ['indigo', 'cyan', 'amber', 'grass', 'crimson', 'violet', 'teal', 'orange'];

export function categoryTints(blocks) {
  const tints = new Map();
  for (const block of blocks) {
    if (!tints.has(block.category)) {
      tints.set(block.category, CATEGORY_COLORS[tints.size % CATEGORY_COLORS.length]);
    }
  }
  return tints;
}

export const STATUS_COLORS = {
  pending: 'var(--gray-8)',
  running: 'var(--blue-9)',
  succeeded: 'var(--grass-9)',
  failed: 'var(--red-9)',
  skipped: 'var(--gray-6)',
  cancelled: 'var(--gray-6)',
  cached: 'var(--teal-9)',
};
