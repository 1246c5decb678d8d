import { createElement, type ReactNode, useEffect, useMemo, useRef } from 'react';
import type { LatchkeyClient } from '../create-client.js';
import { createRealtimeStore } from '../realtime-store.js';
import type { TokenResolver } from '../token-source.js';
import { StoreContext } from './store-context.js';

export interface LatchkeyProviderProps {
  /** The realtime model, e.g. `echo`. A new model starts a new store (and session). */
  model: string;
  /** A session token, or a function that returns one. The latest prop is used whenever a token is needed. */
  token?: string | TokenResolver | undefined;
  /** A function that returns a session token, e.g. `tokenFromRoute('/api/latchkey/token')`. */
  getToken?: TokenResolver | undefined;
  /** A client from `createClient`, instead of `token` / `getToken`. */
  client?: LatchkeyClient | undefined;
  /** The platform's URL (with `token` / `getToken`). */
  baseUrl?: string | undefined;
  /** Connect when mounted (after a `<WebcamStream>` inside has its camera), disconnect when unmounted. */
  autoConnect?: boolean | undefined;
  /** A stream to send to the model, when you get it yourself rather than with `<WebcamStream>`. */
  localStream?: MediaStream | null | undefined;
  children?: ReactNode;
}

/**
 * Holds one realtime session for the components inside it. Unmounting it ends the session.
 *
 * @example
 * <LatchkeyProvider model="echo" getToken={tokenFromRoute('/api/latchkey/token')} autoConnect>
 *   <WebcamStream className="me" />
 *   <ModelView className="model" videoObjectFit="cover" />
 *   <Controls />
 * </LatchkeyProvider>
 */
export function LatchkeyProvider(props: LatchkeyProviderProps): ReactNode {
  const { model, client, baseUrl, autoConnect = false, localStream, children } = props;
  const credential = props.getToken ?? props.token;
  const latest = useRef(credential);
  latest.current = credential;
  if (client === undefined && credential === undefined)
    throw new TypeError('LatchkeyProvider: pass token, getToken or client');
  const hasClient = client !== undefined;

  const store = useMemo(
    () =>
      createRealtimeStore({
        model,
        ...(hasClient
          ? { client }
          : {
              getToken: () => {
                const current = latest.current;
                return typeof current === 'function' ? current() : (current as string);
              },
              baseUrl,
            }),
      }),
    [model, client, baseUrl, hasClient],
  );

  useEffect(() => {
    if (localStream !== undefined) store.setLocalStream(localStream);
  }, [store, localStream]);

  useEffect(() => {
    if (autoConnect) void store.connect();
    return () => void store.disconnect();
  }, [store, autoConnect]);

  return createElement(StoreContext.Provider, { value: store }, children);
}
