import { Command, CommanderError } from 'commander';
import { registerAdmin } from './commands/admin.js';
import { registerAdminRealtime } from './commands/admin-realtime.js';
import { registerAdminRegistry } from './commands/admin-registry.js';
import { registerAuth } from './commands/auth.js';
import { registerModelWeights } from './commands/model-weights.js';
import { registerRuntime } from './commands/runtime.js';
import { registerServe } from './commands/serve.js';
import { EXIT } from './exit-codes.js';
import { printError } from './output.js';

/** Runs the `latchkey` command; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('latchkey')
    .description('Latchkey: the access layer for realtime AI model platforms')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    // The program's own options (--version) only before a command, so commands may
    // take a --version V of their own (`model weights push NAME --version 2`).
    .enablePositionalOptions();
  registerServe(program);
  registerAdmin(program);
  registerAdminRegistry(program);
  registerAdminRealtime(program);
  registerRuntime(program);
  registerAuth(program);
  registerModelWeights(program);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    return printError(error, json);
  }
}
