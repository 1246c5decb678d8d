import {
  type CloseReason,
  type MediaKind,
  MODEL_NAME,
  type ModelInfo,
  type SessionGrant,
} from '@latchkey/core';
import type { JobOutput, Logger } from '@latchkey/core/node';
import type { MediaStreamTrack } from 'werift';
import type { z } from 'zod';
import type { Deployment } from './deployment.js';

/** What a realtime model's hooks and command handlers get for the session they serve. */
export interface SessionContext<State = unknown> {
  readonly sessionId: string;
  readonly model: string;
  /** The grant of the token that opened the session (`metadata` names the end user). */
  readonly grant: SessionGrant;
  /** This session's own state, from the model's `createState()`. */
  state: State;
  /**
   * Sends `{type:'message', name, data}` to the caller. Returns false when it could not
   * (no open channel yet, a bad name, or more than MAX_MESSAGE_BYTES of JSON).
   */
  send(name: string, data?: unknown): boolean;
  /** Ends the session; the caller is told `reason` (default `model_error`). */
  close(reason?: CloseReason): void;
  /** Aborted when the session ends. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Epoch milliseconds, from the runtime's clock. */
  now(): number;
  /** The directory of this version's pulled weights (`latchkey runtime --model`), if it has any. */
  readonly weightsPath?: string;
}

/** What a model's `load` gets: where its weights are, and a logger. */
export interface LoadContext {
  /** The directory of the version's pulled weights, if it has any. */
  readonly weightsPath?: string;
  readonly log: Logger;
}

/**
 * One of the caller's media tracks, handed to the model when it arrives, and the way
 * back to the caller on the same transceiver. The tracks are werift's: read RTP with
 * `input.onReceiveRtp`, or forward `input` as is.
 */
export interface MediaLink {
  readonly kind: MediaKind;
  /** The caller's track. */
  readonly input: MediaStreamTrack;
  /** Sends `track` to the caller (a forwarded input, or one the model writes RTP to); null stops. */
  setOutput(track: MediaStreamTrack | null): void;
  /** Asks the caller's encoder for a keyframe (RTCP PLI upstream). */
  requestKeyframe(): void;
  /** Calls `listener` whenever the caller asks for a keyframe of what it receives. */
  onKeyframeRequest(listener: () => void): void;
}

export interface CommandDefinition<S extends z.ZodType, State> {
  /** The shape of the command's `data`; a failure answers INVALID_REQUEST with zod's message. */
  schema: S;
  /** The reply's `data` (JSON). A throw answers COMMAND_FAILED; the detail is only logged. */
  handler(data: z.output<S>, ctx: SessionContext<State>): unknown;
}

export interface RealtimeModelDefinition<C extends Record<string, z.ZodType>, State> {
  /** Lower case letters, digits, `.`, `_`, `-`; at most 64 characters. */
  name: string;
  description: string;
  tracks: { input: MediaKind[]; output: MediaKind[] };
  /** Command names start with a letter: letters, digits, `_`, `.`, `-`. */
  commands: { [K in keyof C]: CommandDefinition<C[K], State> };
  /**
   * Runs once when `latchkey runtime --model` deploys it, after the weights are pulled
   * and before it takes work (read them into memory here). A throw reports the version
   * `failed`, with the error's message.
   */
  load?(ctx: LoadContext): void | Promise<void>;
  /** Makes a new session's `ctx.state`. */
  createState?(): State;
  /** Runs once the transport is up, before the caller is told `ready`. A throw ends the session (`model_error`). */
  onSessionStart?(ctx: SessionContext<State>): void | Promise<void>;
  /** Runs once when the session ends, for any reason. */
  onSessionEnd?(ctx: SessionContext<State>, reason: CloseReason): void | Promise<void>;
  /**
   * Wires one of the caller's tracks when it arrives (again after a reconnect, with the
   * new transport's track). Only kinds listed in `tracks.input` are handed over.
   */
  onTrack?(link: MediaLink, ctx: SessionContext<State>): void;
}

/** A command as the runtime holds it: types erased. */
export interface Command {
  schema: z.ZodType;
  handler(data: unknown, ctx: SessionContext): unknown;
}

/** A model that takes realtime sessions. Make one with `defineRealtimeModel`. */
export interface RealtimeModel {
  readonly kind: 'realtime';
  readonly name: string;
  readonly info: ModelInfo;
  readonly tracks: { input: readonly MediaKind[]; output: readonly MediaKind[] };
  readonly commands: ReadonlyMap<string, Command>;
  createState(): unknown;
  onSessionStart(ctx: SessionContext): void | Promise<void>;
  onSessionEnd(ctx: SessionContext, reason: CloseReason): void | Promise<void>;
  onTrack(link: MediaLink, ctx: SessionContext): void;
  /** The definition's `load` (a no-op without one). */
  load(ctx: LoadContext): Promise<void>;
  /** Set when served as a partner model's version (`deployModel`). */
  readonly deployment?: Deployment;
}

/** What a batch model's `run` gets. */
export interface JobContext {
  readonly jobId: string;
  /** The grant of the token the job was submitted with. */
  readonly grant: SessionGrant;
  /** Aborted when the runtime shuts down. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** The directory of this version's pulled weights (`latchkey runtime --model`), if it has any. */
  readonly weightsPath?: string;
}

export interface BatchModelDefinition<S extends z.ZodType> {
  name: string;
  description: string;
  /** The shape of a job's input; a failure is INVALID_REQUEST naming the field. */
  input: S;
  /** The content type of results, when `run` returns bare bytes. */
  resultType: string;
  /**
   * Runs once when `latchkey runtime --model` deploys it, after the weights are pulled
   * and before it takes work (read them into memory here). A throw reports the version
   * `failed`, with the error's message.
   */
  load?(ctx: LoadContext): void | Promise<void>;
  run(
    input: z.output<S>,
    ctx: JobContext,
  ): JobOutput | Uint8Array | Promise<JobOutput | Uint8Array>;
}

/** A model that runs batch jobs. Make one with `defineBatchModel`. */
export interface BatchModel {
  readonly kind: 'batch';
  readonly name: string;
  readonly info: ModelInfo;
  readonly input: z.ZodType;
  readonly resultType: string;
  run(input: unknown, ctx: JobContext): Promise<JobOutput>;
  /** The definition's `load` (a no-op without one). */
  load(ctx: LoadContext): Promise<void>;
  /** Set when served as a partner model's version (`deployModel`). */
  readonly deployment?: Deployment;
}

export type Model = RealtimeModel | BatchModel;

// The same rule core's parseClientMessage applies to command names.
const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const KINDS: readonly MediaKind[] = ['video', 'audio'];

const isSchema = (v: unknown): v is z.ZodType =>
  typeof (v as { safeParse?: unknown } | null)?.safeParse === 'function';

function checkCommon(what: string, def: { name?: unknown; description?: unknown }): void {
  if (!def || typeof def !== 'object') throw new TypeError(`${what}: a definition is required`);
  if (typeof def.name !== 'string' || !MODEL_NAME.test(def.name))
    throw new TypeError(`${what}: name must match ${MODEL_NAME} (got ${JSON.stringify(def.name)})`);
  if (typeof def.description !== 'string')
    throw new TypeError(`${what}: description must be a string`);
}

function checkKinds(what: string, kinds: unknown): MediaKind[] {
  if (!Array.isArray(kinds) || !kinds.every((k) => KINDS.includes(k)))
    throw new TypeError(`${what}: tracks must list 'video' and/or 'audio'`);
  return [...new Set(kinds as MediaKind[])];
}

/**
 * Declares a realtime model: the tracks it takes and gives, the commands it answers on
 * the data channel, and hooks for the session's start, end and media.
 *
 * @example
 * const counter = defineRealtimeModel({
 *   name: 'counter',
 *   description: 'Counts up',
 *   tracks: { input: [], output: [] },
 *   createState: () => ({ n: 0 }),
 *   commands: {
 *     add: { schema: z.object({ by: z.number().int() }), handler: ({ by }, ctx) => ({ n: (ctx.state.n += by) }) },
 *   },
 * });
 */
export function defineRealtimeModel<C extends Record<string, z.ZodType>, State = undefined>(
  def: RealtimeModelDefinition<C, State>,
): RealtimeModel {
  checkCommon('defineRealtimeModel', def);
  const input = checkKinds('defineRealtimeModel', def.tracks?.input);
  const output = checkKinds('defineRealtimeModel', def.tracks?.output);
  if (!def.commands || typeof def.commands !== 'object')
    throw new TypeError('defineRealtimeModel: commands must be an object (it may be empty)');
  const commands = new Map<string, Command>();
  for (const [name, command] of Object.entries(def.commands) as [string, Command][]) {
    if (!COMMAND_NAME.test(name))
      throw new TypeError(`defineRealtimeModel: command name ${JSON.stringify(name)} is not valid`);
    if (!isSchema(command?.schema) || typeof command.handler !== 'function')
      throw new TypeError(
        `defineRealtimeModel: command "${name}" needs a zod schema and a handler`,
      );
    commands.set(name, { schema: command.schema, handler: command.handler });
  }
  const erased = def as unknown as RealtimeModelDefinition<C, unknown>;
  return Object.freeze({
    kind: 'realtime' as const,
    name: def.name,
    info: {
      name: def.name,
      kind: 'realtime' as const,
      description: def.description,
      tracks: { input, output },
      commands: [...commands.keys()],
    },
    tracks: { input, output },
    commands,
    createState: () => erased.createState?.(),
    onSessionStart: (ctx: SessionContext) => erased.onSessionStart?.(ctx),
    onSessionEnd: (ctx: SessionContext, reason: CloseReason) => erased.onSessionEnd?.(ctx, reason),
    onTrack: (link: MediaLink, ctx: SessionContext) => erased.onTrack?.(link, ctx),
    load: async (ctx: LoadContext) => {
      await erased.load?.(ctx);
    },
  });
}

/**
 * Declares a batch model: an input schema and a function from input to bytes.
 *
 * @example
 * const upper = defineBatchModel({
 *   name: 'upper',
 *   description: 'Upper-cases text',
 *   input: z.object({ text: z.string().max(1000) }),
 *   resultType: 'text/plain',
 *   run: ({ text }) => new TextEncoder().encode(text.toUpperCase()),
 * });
 */
export function defineBatchModel<S extends z.ZodType>(def: BatchModelDefinition<S>): BatchModel {
  checkCommon('defineBatchModel', def);
  if (!isSchema(def.input)) throw new TypeError('defineBatchModel: input must be a zod schema');
  if (typeof def.resultType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(def.resultType))
    throw new TypeError('defineBatchModel: resultType must be a content type');
  if (typeof def.run !== 'function') throw new TypeError('defineBatchModel: run is required');
  const { resultType } = def;
  return Object.freeze({
    kind: 'batch' as const,
    name: def.name,
    info: { name: def.name, kind: 'batch' as const, description: def.description, resultType },
    input: def.input,
    resultType,
    load: async (ctx: LoadContext) => {
      await def.load?.(ctx);
    },
    async run(input: unknown, ctx: JobContext): Promise<JobOutput> {
      const out = await def.run(input as z.output<S>, ctx);
      if (out instanceof Uint8Array) return { contentType: resultType, body: out };
      if (!out || typeof out.contentType !== 'string' || !(out.body instanceof Uint8Array))
        throw new TypeError(`model "${def.name}" returned neither bytes nor {contentType, body}`);
      return { contentType: out.contentType, body: out.body };
    },
  });
}
