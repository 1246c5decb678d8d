import { MODEL_NAME as CORE_MODEL_NAME, isModelRef } from '@latchkey/core';
import { describe, expect, it } from 'vitest';
import { MODEL_NAME, modelNameProblem } from './args.js';

describe('model names at the scaffolder', () => {
  it("is core's rule, copied", () => {
    expect(MODEL_NAME.source).toBe(CORE_MODEL_NAME.source);
  });

  it('takes what core takes: built-ins, partner models, name@version', () => {
    for (const name of ['echo', 'modelco/styler', 'modelco/styler@2.0', 'render'])
      expect([name, modelNameProblem(name)]).toEqual([name, undefined]);
    for (const name of ['Echo', 'a/b/c', 'co/x@', 'co/x@1@2', '-x', ''])
      expect([name, isModelRef(name), typeof modelNameProblem(name)]).toEqual([
        name,
        false,
        'string',
      ]);
  });
});
