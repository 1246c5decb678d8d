import type { Command } from 'commander';
import { ExitWith } from '../output.js';

/**
 * `latchkey create-app my-app [options]`: the scaffolder (`npm create latchkey-app`),
 * runnable from a clone of this repo, where the package is not on a registry. Every
 * argument goes to it as is; `latchkey create-app --help` prints its options.
 */
export function registerCreateApp(program: Command) {
  program
    .command('create-app')
    .description(
      'create a web app that uses Latchkey: a Next.js or Vite project whose backend keeps the key (create-app --help)',
    )
    .argument('[args...]', 'a folder and the options of create-latchkey-app')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      // Loaded only for this command: the rest of `latchkey` never pays for the prompts.
      const { run } = await import('create-latchkey-app');
      const code = await run(args);
      if (code !== 0) throw new ExitWith(code);
    });
}
