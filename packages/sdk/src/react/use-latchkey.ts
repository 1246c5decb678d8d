import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { RealtimeState, RealtimeStore } from '../realtime-store.js';
import { useLatchkeyStore } from './store-context.js';

/** The store's state with its actions, as `useLatchkey` hands it to a selector. */
export interface LatchkeyView extends RealtimeState {
  connect: RealtimeStore['connect'];
  disconnect: RealtimeStore['disconnect'];
  send: RealtimeStore['send'];
  setLocalStream: RealtimeStore['setLocalStream'];
}

const views = new WeakMap<RealtimeState, LatchkeyView>();

function viewOf(store: RealtimeStore, state: RealtimeState): LatchkeyView {
  let view = views.get(state);
  if (view === undefined) {
    view = {
      ...state,
      connect: store.connect,
      disconnect: store.disconnect,
      send: store.send,
      setLocalStream: store.setLocalStream,
    };
    views.set(state, view);
  }
  return view;
}

const everything = (view: LatchkeyView) => view;

/**
 * The realtime state and actions of the nearest `<LatchkeyProvider>`. With a
 * selector, the component re-renders only when the selected value changes
 * (`Object.is`).
 *
 * @example
 * const status = useLatchkey((s) => s.status);
 * const { connect, disconnect, send, lastError } = useLatchkey();
 */
export function useLatchkey(): LatchkeyView;
export function useLatchkey<T>(selector: (view: LatchkeyView) => T): T;
export function useLatchkey<T>(selector?: (view: LatchkeyView) => T): T | LatchkeyView {
  const store = useLatchkeyStore();
  const select = (selector ?? everything) as (view: LatchkeyView) => T;
  const memo = useRef<{ state: RealtimeState; select: unknown; value: T } | null>(null);
  const getSnapshot = useCallback((): T => {
    const state = store.getState();
    const last = memo.current;
    if (last !== null && last.state === state && last.select === select) return last.value;
    const value = select(viewOf(store, state));
    if (last !== null && Object.is(last.value, value)) {
      memo.current = { state, select, value: last.value };
      return last.value;
    }
    memo.current = { state, select, value };
    return value;
  }, [store, select]);
  return useSyncExternalStore(store.subscribe, getSnapshot, getSnapshot);
}
