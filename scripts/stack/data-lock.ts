import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The data folder is held by another live process (`pid`). */
export class DataFolderInUseError extends Error {
  readonly pid: number;
  constructor(pid: number) {
    super(`the data folder is in use by another npm start (process ${pid}); stop it first, or use another DATA_DIR or DYNAMO_IN_MEMORY=1`);
    this.name = 'DataFolderInUseError';
    this.pid = pid;
  }
}

/**
 * Claims `file` for this process, so a second `npm start` on the same data folder fails with a clear
 * message instead of a LevelDB error from inside dynalite. A lock left by a process that no longer
 * runs (killed with -9) is taken over. Returns a release function.
 * @throws {DataFolderInUseError} naming the other process when it is still alive.
 */
export function claimDataLock(file: string): () => void {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new DataFolderInUseError(holder);
    }
    writeFileSync(file, String(process.pid));
  }
  return () => rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
