// create-latchkey-app: scaffolds a web app that keeps its Latchkey key on the server.

export type { Flags, Template } from './args.js';
export { parseFlags, TEMPLATES, USAGE } from './args.js';
export { CreateAppError, EXIT } from './errors.js';
export type { RunOptions } from './main.js';
export { run } from './main.js';
export { projectNameProblem } from './project-name.js';
