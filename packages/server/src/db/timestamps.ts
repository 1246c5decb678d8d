/** A timestamp column as the API shows it (drivers give a Date or a string). */
export const iso = (d: Date | string): string => new Date(d).toISOString();

/** The same for a nullable column. */
export const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));
