// React bindings (`@latchkey/sdk/react`): a thin layer over the realtime store of the
// main entry. React is a peer dependency; the main entry never imports it.

export type { LatchkeyProviderProps } from './react/latchkey-provider.js';
export { LatchkeyProvider } from './react/latchkey-provider.js';
export type { ModelViewProps } from './react/model-view.js';
export { ModelView } from './react/model-view.js';
export { useLatchkeyStore } from './react/store-context.js';
export type { LatchkeyView } from './react/use-latchkey.js';
export { useLatchkey } from './react/use-latchkey.js';
export type { WebcamStreamProps } from './react/webcam-stream.js';
export { WebcamStream } from './react/webcam-stream.js';
