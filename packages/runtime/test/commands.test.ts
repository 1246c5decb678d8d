import { MAX_MESSAGE_BYTES } from '@latchkey/core';
import type { Logger } from '@latchkey/core/node';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { answerCommand, readCommand } from '../src/commands.js';
import { defineRealtimeModel, type SessionContext } from '../src/model.js';

const model = defineRealtimeModel({
  name: 'tester',
  description: 'd',
  tracks: { input: [], output: [] },
  commands: {
    add: {
      schema: z.strictObject({ a: z.number(), b: z.number() }),
      handler: ({ a, b }) => ({ sum: a + b }),
    },
    boom: {
      schema: z.any(),
      handler: () => {
        throw new Error('database password is hunter2');
      },
    },
    huge: { schema: z.any(), handler: () => 'x'.repeat(MAX_MESSAGE_BYTES) },
    slow: { schema: z.any(), handler: async () => 'done' },
  },
});

function context() {
  const log: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const ctx = { sessionId: 'ses_1', log } as unknown as SessionContext;
  return { ctx, log };
}
const ask = async (name: string, data?: unknown) =>
  JSON.parse(await answerCommand(model, { type: 'command', id: 'c1', name, data }, context().ctx));

describe('commands on the data channel', () => {
  it('answers with a reply correlated by id', async () => {
    expect(await ask('add', { a: 2, b: 3 })).toEqual({
      type: 'reply',
      id: 'c1',
      ok: true,
      data: { sum: 5 },
    });
    expect(await ask('slow')).toEqual({ type: 'reply', id: 'c1', ok: true, data: 'done' });
  });

  it('refuses an unknown command, listing the ones there are', async () => {
    expect(await ask('nope')).toEqual({
      type: 'reply',
      id: 'c1',
      ok: false,
      error: {
        code: 'UNKNOWN_COMMAND',
        message: 'unknown command "nope"; this model answers: add, boom, huge, slow',
      },
    });
  });

  it("refuses data the schema does not take, with zod's message naming the field", async () => {
    const reply = await ask('add', { a: 2, b: 'three' });
    expect(reply.error.code).toBe('INVALID_REQUEST');
    expect(reply.error.message).toMatch(/^b: Invalid input: expected number, received string$/);
    expect((await ask('add', { a: 1, b: 2, c: 3 })).error.message).toMatch(
      /unknown field\(s\) "c"/,
    );
  });

  it('answers COMMAND_FAILED with a generic message when the handler throws; the detail is logged', async () => {
    const { ctx, log } = context();
    const reply = JSON.parse(
      await answerCommand(model, { type: 'command', id: 'c9', name: 'boom' }, ctx),
    );
    expect(reply).toEqual({
      type: 'reply',
      id: 'c9',
      ok: false,
      error: { code: 'COMMAND_FAILED', message: 'the command "boom" failed' },
    });
    expect(JSON.stringify(reply)).not.toContain('hunter2');
    expect(log.error).toHaveBeenCalledWith(
      'command handler threw',
      expect.objectContaining({ command: 'boom', error: expect.stringContaining('hunter2') }),
    );
  });

  it('answers COMMAND_FAILED when the reply would be larger than a message may be', async () => {
    expect((await ask('huge')).error.code).toBe('COMMAND_FAILED');
  });

  it('ignores what is not a command: binary, too large, not JSON, wrong shape', () => {
    expect(readCommand(Buffer.from('{"type":"command","id":"1","name":"add"}'))).toBeUndefined();
    const big = JSON.stringify({
      type: 'command',
      id: '1',
      name: 'add',
      data: 'x'.repeat(MAX_MESSAGE_BYTES),
    });
    expect(readCommand(big)).toBeUndefined();
    expect(readCommand('{not json')).toBeUndefined();
    expect(readCommand('{"type":"hello"}')).toBeUndefined();
    expect(readCommand(JSON.stringify({ type: 'command', id: '', name: 'add' }))).toBeUndefined();
    expect(
      readCommand(JSON.stringify({ type: 'command', id: '1', name: 'add', data: { a: 1 } })),
    ).toEqual({
      type: 'command',
      id: '1',
      name: 'add',
      data: { a: 1 },
    });
  });
});
