/** `modelco/styler` → `styler`: the `{model}` of the partner routes. */
export const shortName = (name: string) => name.slice(name.indexOf('/') + 1);
