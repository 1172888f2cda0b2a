// Blocks dragged onto the canvas from anywhere on the page: the palette is drawn by Reflex,
// outside this component, so the drag is picked up at the document.
import { useEffect } from 'react';

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
