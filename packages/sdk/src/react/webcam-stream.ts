import { type CSSProperties, createElement, type ReactNode, useEffect } from 'react';
import { useLatchkeyStore } from './store-context.js';
import { StreamVideo } from './stream-video.js';
import { useLatchkey } from './use-latchkey.js';

export interface WebcamStreamProps {
  /** What to ask `getUserMedia` for (default `{ video: true, audio: false }`). */
  constraints?: MediaStreamConstraints | undefined;
  className?: string | undefined;
  style?: CSSProperties | undefined;
  /** Show the preview mirrored, as people expect of their own camera (default true). */
  mirrored?: boolean | undefined;
}

const DEFAULT_CONSTRAINTS: MediaStreamConstraints = { video: true, audio: false };

/**
 * Asks for the camera, shows it (muted, inline), and hands the stream to the
 * provider, which sends it to the model; `autoConnect` waits for it. A refusal (the
 * user said no, no camera) lands in `lastError`. Unmounting stops the camera.
 *
 * @example
 * <WebcamStream className="me" constraints={{ video: { width: 640, height: 480 } }} />
 */
export function WebcamStream({
  constraints = DEFAULT_CONSTRAINTS,
  className,
  style,
  mirrored = true,
}: WebcamStreamProps): ReactNode {
  const store = useLatchkeyStore();
  const stream = useLatchkey((s) => s.localStream);
  const key = JSON.stringify(constraints);

  // `key` stands for `constraints`, whose identity may change every render.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is `constraints` by value
  useEffect(() => {
    let stopped = false;
    let mine: MediaStream | undefined;
    const media = globalThis.navigator?.mediaDevices;
    const request: Promise<MediaStream> =
      typeof media?.getUserMedia === 'function'
        ? media.getUserMedia(constraints)
        : Promise.reject(
            new TypeError(
              'WebcamStream: this page has no camera access (navigator.mediaDevices needs https or localhost)',
            ),
          );
    store.setLocalStream(
      request.then((s) => {
        mine = s;
        if (!stopped) return s;
        stopTracks(s);
        return null;
      }),
    );
    return () => {
      stopped = true;
      if (mine !== undefined) {
        stopTracks(mine);
        if (store.getState().localStream === mine) store.setLocalStream(null);
      }
    };
  }, [store, key]);

  return createElement(StreamVideo, {
    stream,
    className,
    style: mirrored ? { transform: 'scaleX(-1)', ...style } : style,
  });
}

function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
