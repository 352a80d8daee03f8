/** The newest modification time among the CLI bundle's sources (see sources.js). */
export function newestSource(root: string): number;
