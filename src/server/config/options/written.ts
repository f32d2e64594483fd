/** How a default or an example is written in a config file. */

export const MIB = 1024 * 1024;

/** A duration in milliseconds as a config file writes it: "1m" for whole minutes, else "30s". */
export const durationText = (ms: number): string => (ms % 60_000 === 0 ? `"${ms / 60_000}m"` : `"${ms / 1000}s"`);
