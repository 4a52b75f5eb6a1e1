/** Small helpers shared by the `train`, `eval` and `experiment` commands. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Exit code for a wrong command line (as with most Unix tools). */
export const EXIT_USAGE = 2;
/** Exit code for bad input data (unknown label, malformed CSV, …). */
export const EXIT_DATA = 1;

/** A command-line mistake: printed with the usage and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The package's `models/` folder. */
export const PACKAGE_MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

/**
 * Resolves a path given on the command line against the folder the person ran npm from
 * (`INIT_CWD`, set by npm), since `npm run -w` changes the working directory to the package.
 */
export function resolveFromCaller(file: string, callerCwd: string): string {
  return path.resolve(callerCwd, file);
}

/** Progress printer: rewrites one stderr line on a terminal, prints nothing otherwise. */
export function progress(isTty: boolean): (message: string) => void {
  if (!isTty) return () => {};
  return (message) => process.stderr.write(`\r\x1b[2K${message}`);
}

/** Ends a progress line so the next output starts on a fresh line. */
export function endProgress(isTty: boolean): void {
  if (isTty) process.stderr.write('\r\x1b[2K');
}
