// Commands on a session's data channel: from raw text to the correlated reply.
import {
  type CommandMessage,
  formatIssues,
  MAX_MESSAGE_BYTES,
  parseClientMessage,
  type RuntimeMessage,
} from '@latchkey/core';
import { errorDetail } from '@latchkey/core/node';
import type { RealtimeModel, SessionContext } from './model.js';

type Reply = Extract<RuntimeMessage, { type: 'reply' }>;

/** JSON for a runtime message, or undefined when it cannot be sent (not JSON, or too large). */
export function encodeMessage(message: RuntimeMessage): string | undefined {
  let text: string;
  try {
    text = JSON.stringify(message);
  } catch {
    return undefined;
  }
  return Buffer.byteLength(text) <= MAX_MESSAGE_BYTES ? text : undefined;
}

/** The command in a data-channel message, or undefined for anything to ignore (binary, too large, not a command). */
export function readCommand(raw: unknown): CommandMessage | undefined {
  if (typeof raw !== 'string' || Buffer.byteLength(raw) > MAX_MESSAGE_BYTES) return undefined;
  return parseClientMessage(raw);
}

const failure = (id: string, code: string, message: string): Reply => ({
  type: 'reply',
  id,
  ok: false,
  error: { code, message },
});

/**
 * Runs one command against the model and returns the reply, as text ready to send.
 * Unknown name → UNKNOWN_COMMAND; data the schema refuses → INVALID_REQUEST with zod's
 * message; a handler that throws, or answers with something that is not JSON or too
 * large → COMMAND_FAILED with a generic message (the detail goes to the log).
 */
export async function answerCommand(
  model: RealtimeModel,
  command: CommandMessage,
  ctx: SessionContext,
): Promise<string> {
  const { id, name } = command;
  const def = model.commands.get(name);
  if (!def) {
    const known = [...model.commands.keys()].join(', ') || 'none';
    return encodeMessage(
      failure(id, 'UNKNOWN_COMMAND', `unknown command "${name}"; this model answers: ${known}`),
    ) as string;
  }
  const parsed = def.schema.safeParse(command.data);
  if (!parsed.success) {
    const text = encodeMessage(failure(id, 'INVALID_REQUEST', formatIssues(parsed.error.issues)));
    return text ?? (encodeMessage(failure(id, 'INVALID_REQUEST', 'invalid data')) as string);
  }
  try {
    const data = await def.handler(parsed.data, ctx);
    const text = encodeMessage({ type: 'reply', id, ok: true, data });
    if (text) return text;
    ctx.log.error('command reply is not JSON or is too large', {
      sessionId: ctx.sessionId,
      command: name,
    });
  } catch (error) {
    ctx.log.error('command handler threw', {
      sessionId: ctx.sessionId,
      model: model.name,
      command: name,
      error: errorDetail(error),
    });
  }
  return encodeMessage(failure(id, 'COMMAND_FAILED', `the command "${name}" failed`)) as string;
}
