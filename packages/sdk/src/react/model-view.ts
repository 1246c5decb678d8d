import { type CSSProperties, createElement, type ReactNode } from 'react';
import { StreamVideo } from './stream-video.js';
import { useLatchkey } from './use-latchkey.js';

export interface ModelViewProps {
  className?: string | undefined;
  style?: CSSProperties | undefined;
  /** How the video fills its box (CSS `object-fit`; default `cover`). */
  videoObjectFit?: CSSProperties['objectFit'];
}

/**
 * The model's video: a muted, inline, autoplaying `<video>` showing the session's
 * remote stream (empty until it arrives). `data-status` carries the session status.
 *
 * @example
 * <ModelView className="model" videoObjectFit="contain" />
 */
export function ModelView({
  className,
  style,
  videoObjectFit = 'cover',
}: ModelViewProps): ReactNode {
  const stream = useLatchkey((s) => s.remoteStream);
  const status = useLatchkey((s) => s.status);
  return createElement(StreamVideo, {
    stream,
    className,
    'data-status': status,
    style: { objectFit: videoObjectFit, ...style },
  });
}
