// Per-node values the server sends as one dict (statuses, problems), kept outside React state
// so that a change re-renders only the nodes whose entry changed (useSyncExternalStore).
import { useCallback, useSyncExternalStore } from 'react';

export function sameList(a, b) {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((item, i) => item === b[i]);
}

export function createKeyedStore(equal = Object.is, initial = {}) {
  let values = {};
  const listeners = new Map();
  const store = {
    get: (id) => values[id],
    all: () => values,
    subscribe(id, listener) {
      let set = listeners.get(id);
      if (!set) listeners.set(id, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (!set.size) listeners.delete(id);
      };
    },
    // Replace every entry; unchanged entries keep their identity so snapshots stay stable.
    set(next) {
      const incoming = next && typeof next === 'object' ? next : {};
      const merged = {};
      const changed = [];
      for (const id of Object.keys(incoming)) {
        const same = id in values && equal(values[id], incoming[id]);
        merged[id] = same ? values[id] : incoming[id];
        if (!same) changed.push(id);
      }
      for (const id of Object.keys(values)) if (!(id in incoming)) changed.push(id);
      if (!changed.length) return false;
      values = merged;
      for (const id of changed) listeners.get(id)?.forEach((listener) => listener());
      return true;
    },
  };
  store.set(initial);
  return store;
}

export function useKeyed(store, id) {
  const subscribe = useCallback((listener) => store.subscribe(id, listener), [store, id]);
  const read = useCallback(() => store.get(id), [store, id]);
  return useSyncExternalStore(subscribe, read, read);
}
