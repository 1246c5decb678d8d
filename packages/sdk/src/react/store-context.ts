import { createContext, useContext } from 'react';
import type { RealtimeStore } from '../realtime-store.js';

/** @internal The provider's store. */
export const StoreContext = createContext<RealtimeStore | null>(null);

/**
 * The realtime store of the nearest `<LatchkeyProvider>`, for what the hooks do not
 * cover (subscribing outside render, passing it to non-React code).
 *
 * @example
 * const store = useLatchkeyStore();
 * useEffect(() => store.subscribe(() => console.log(store.getState().status)), [store]);
 */
export function useLatchkeyStore(): RealtimeStore {
  const store = useContext(StoreContext);
  if (store === null)
    throw new Error(
      'Latchkey hooks and components must be inside <LatchkeyProvider model="…" getToken={…}>',
    );
  return store;
}
