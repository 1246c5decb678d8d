import { type CSSProperties, createElement, type ReactNode, useEffect, useRef } from 'react';

/**
 * @internal A muted, inline, autoplaying `<video>` that shows `stream` (empty while it
 * is null): what ModelView and WebcamStream both render.
 */
export function StreamVideo(props: {
  stream: MediaStream | null;
  className?: string | undefined;
  style?: CSSProperties | undefined;
  'data-status'?: string | undefined;
}): ReactNode {
  const { stream, ...rest } = props;
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (video === null || video.srcObject === stream) return;
    video.muted = true;
    video.srcObject = stream;
    if (stream !== null) video.play().catch(() => undefined);
  }, [stream]);
  return createElement('video', { ref, autoPlay: true, playsInline: true, muted: true, ...rest });
}
