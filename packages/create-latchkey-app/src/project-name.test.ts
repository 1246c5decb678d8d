import { describe, expect, it } from 'vitest';
import { projectNameProblem } from './project-name.js';

describe('projectNameProblem', () => {
  it.each(['my-app', 'app2', 'a.b_c-d', '@acme/video-app', 'x'])('accepts %s', (name) => {
    expect(projectNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'cannot be empty'],
    ['My-App', 'no capital letters'],
    ['my app', 'cannot contain spaces'],
    ['.hidden', 'cannot start with a dot'],
    ['_private', 'cannot start with an underscore'],
    ['node_modules', 'reserved'],
    ['http', 'reserved'],
    ['a/b', 'URL-safe'],
    ['caf\u00e9', 'URL-safe'],
    ['a'.repeat(215), 'at most 214'],
    [' app', 'spaces'],
  ])('refuses %j (%s)', (name, problem) => {
    expect(projectNameProblem(name)).toContain(problem);
  });
});
