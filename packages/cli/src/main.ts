import { Command, CommanderError } from 'commander';
import { registerAdmin } from './commands/admin.js';
import { registerAdminRealtime } from './commands/admin-realtime.js';
import { registerAdminRegistry } from './commands/admin-registry.js';
import { registerAuth } from './commands/auth.js';
import { registerCreateApp } from './commands/create-app.js';
import { registerModel } from './commands/model.js';
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
    .showHelpAfterError('(run with --help for usage)');
  registerServe(program);
  registerAdmin(program);
  registerAdminRegistry(program);
  registerAdminRealtime(program);
  registerRuntime(program);
  registerAuth(program);
  registerCreateApp(program);
  registerModel(program, registerModelWeights);
  // Set after the commands exist, so it is the program's alone: its own --version is read
  // before a command name only, and `runtime --version V`, `model publish --version V`,
  // `model weights push NAME --version V` take their own.
  program.enablePositionalOptions();
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
