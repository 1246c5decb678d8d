import type { Model } from '../model.js';
import { echoModel } from './echo.js';
import { renderModel } from './render.js';

/** The demo models a runtime serves when it is given none: `echo` and `render`. */
export function defaultModels(): Model[] {
  return [echoModel, renderModel];
}
