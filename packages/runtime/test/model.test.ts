import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineBatchModel, defineRealtimeModel } from '../src/model.js';
import { echoModel } from '../src/models/echo.js';
import { renderModel } from '../src/models/render.js';

describe('defineRealtimeModel', () => {
  it('describes the model as GET /v1/models lists it', () => {
    expect(echoModel.info).toEqual({
      name: 'echo',
      kind: 'realtime',
      description: expect.any(String),
      tracks: { input: ['video'], output: ['video'] },
      commands: ['set_prompt', 'ping'],
    });
    expect(renderModel.info).toEqual({
      name: 'render',
      kind: 'batch',
      description: expect.any(String),
      resultType: 'image/png',
    });
  });

  it('gives each session its own state from createState', () => {
    const model = defineRealtimeModel({
      name: 'counter',
      description: 'counts',
      tracks: { input: [], output: [] },
      createState: () => ({ n: 0 }),
      commands: {
        add: {
          schema: z.object({ by: z.number() }),
          handler: ({ by }, ctx) => (ctx.state.n += by),
        },
      },
    });
    expect(model.createState()).toEqual({ n: 0 });
    expect(model.createState()).not.toBe(model.createState());
  });

  it('refuses a bad definition with a TypeError at once', () => {
    const base = { description: 'd', tracks: { input: [], output: [] }, commands: {} };
    expect(() => defineRealtimeModel({ ...base, name: 'Bad Name' })).toThrow(/name must match/);
    expect(() =>
      defineRealtimeModel({
        ...base,
        name: 'ok',
        tracks: { input: ['smell' as 'video'], output: [] },
      }),
    ).toThrow(TypeError);
    expect(() =>
      defineRealtimeModel({
        ...base,
        name: 'ok',
        commands: { '1bad': { schema: z.object({}), handler: () => null } },
      }),
    ).toThrow(/command name/);
    expect(() =>
      defineRealtimeModel({
        ...base,
        name: 'ok',
        commands: { good: { schema: {} as z.ZodType, handler: () => null } },
      }),
    ).toThrow(/zod schema/);
  });
});

describe('defineBatchModel', () => {
  it('wraps bare bytes in the result type, and passes {contentType, body} through', async () => {
    const bytes = defineBatchModel({
      name: 'upper',
      description: 'd',
      input: z.object({ text: z.string() }),
      resultType: 'text/plain',
      run: ({ text }) => new TextEncoder().encode(text.toUpperCase()),
    });
    const ctx = {
      jobId: 'job_1',
      grant: {} as never,
      signal: new AbortController().signal,
      log: console,
    };
    const out = await bytes.run({ text: 'hi' }, ctx);
    expect(out.contentType).toBe('text/plain');
    expect(new TextDecoder().decode(out.body)).toBe('HI');
    const typed = defineBatchModel({
      name: 'json',
      description: 'd',
      input: z.object({}),
      resultType: 'application/json',
      run: () => ({
        contentType: 'application/json; charset=utf-8',
        body: new Uint8Array([123, 125]),
      }),
    });
    expect((await typed.run({}, ctx)).contentType).toBe('application/json; charset=utf-8');
  });

  it('refuses a bad definition with a TypeError', () => {
    const base = { name: 'b', description: 'd', input: z.object({}), run: () => new Uint8Array() };
    expect(() => defineBatchModel({ ...base, resultType: 'png' })).toThrow(/content type/);
    expect(() =>
      defineBatchModel({ ...base, resultType: 'image/png', input: {} as z.ZodType }),
    ).toThrow(/zod schema/);
  });
});
