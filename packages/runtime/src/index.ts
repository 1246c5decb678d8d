export type { Deployment } from './deployment.js';
export { deployModel } from './deployment.js';
export type { EmbeddedRuntimeOptions } from './embedded-runtime.js';
export { embeddedRuntime } from './embedded-runtime.js';
export type { IceNetworkOptions } from './ice-network.js';
export { defaultHostAddresses } from './ice-network.js';
export type {
  BatchModel,
  BatchModelDefinition,
  CommandDefinition,
  JobContext,
  LoadContext,
  MediaLink,
  Model,
  RealtimeModel,
  RealtimeModelDefinition,
  SessionContext,
} from './model.js';
export { defineBatchModel, defineRealtimeModel } from './model.js';
export { defaultModels } from './models/default-models.js';
export { echoModel } from './models/echo.js';
export { renderModel } from './models/render.js';
export { toNodeListener } from './node-listener.js';
export type { Deploying, ResolvedModel, ResolvedWeights } from './partner-deploy.js';
export {
  cachedWeights,
  defaultWeightsCache,
  deployModels,
  resolveModel,
} from './partner-deploy.js';
export { encodePng } from './png.js';
export type { Runtime, RuntimeOptions, RuntimeStats } from './runtime.js';
export { createRuntime } from './runtime.js';
export type { RuntimeAgent, RuntimeAgentOptions } from './runtime-agent.js';
export { RegistrationError, startRuntimeAgent } from './runtime-agent.js';
export type { RuntimeHandlerOptions } from './runtime-handler.js';
export { createRuntimeHandler } from './runtime-handler.js';
