/**
 * Where model versions live and how one becomes the served one.
 *
 * - `models/<version>/`: versions that were promoted at least once (committed, baked into the image).
 * - `models/CURRENT`: the served version. `models/SHADOW` (optional): the version scored beside it on
 *   every prediction (the challenger). `models/HISTORY.json`: every promotion, rollback and shadow change.
 * - `.data/candidates/<version>/` (git-ignored): what `npm run train` writes. A retrain therefore
 *   leaves `git status` clean; `npm run promote` copies the candidate into `models/`, so the change
 *   to commit is one new folder, CURRENT and HISTORY.json.
 *
 * Besides the three model files a version written by this code holds `oof.json` (one entry per
 * training row: a hash of its text, true and out-of-fold predicted label, fold), which lets the
 * promote gate compare two versions on the same rows and tell which review rows neither was
 * trained on, and `reliability.svg` (the calibration diagram).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CURRENT_FILE, MODEL_FILES, SHADOW_FILE } from '../serving/artifacts.ts';

/** Default folder of candidates: the package's git-ignored `.data/candidates/`. */
export const PACKAGE_CANDIDATES_DIR = fileURLToPath(new URL('../../.data/candidates', import.meta.url));

/** Extra files of a version besides {@link MODEL_FILES}. */
export const VERSION_FILES = { oof: 'oof.json', reliability: 'reliability.svg' } as const;

/** File in `models/` with the promotion history. */
export const HISTORY_FILE = 'HISTORY.json';

export { SHADOW_FILE };

/** A version folder name: letters, digits, `.`, `_`, `-`, not starting with a dot. */
export const VersionNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain folder name (letters, digits, . _ -)');

/** Key of a row in `oof.json`: the first 16 hex digits of sha256 of its normalised text. */
export function rowKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * `oof.json`: `rows` are `[key, truth, predicted, fold]` with labels as indexes into `labels`.
 * Texts are stored only as hashes, so no training text is redistributed with the model.
 */
export const OofSchema = z.strictObject({
  format: z.literal(1),
  labels: z.array(z.string()).min(2),
  folds: z.number().int().min(2),
  seed: z.number(),
  rows: z.array(z.tuple([z.string(), z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)])),
});
export type Oof = z.infer<typeof OofSchema>;

/** Builds {@link Oof} from training texts, true and predicted label indexes and folds. */
export function makeOof(
  labels: readonly string[],
  folds: number,
  seed: number,
  texts: readonly string[],
  truth: readonly number[],
  predicted: readonly number[],
  fold: readonly number[],
): Oof {
  return {
    format: 1,
    labels: [...labels],
    folds,
    seed,
    rows: texts.map((text, i) => [rowKey(text), truth[i] ?? 0, predicted[i] ?? 0, fold[i] ?? 0]),
  };
}

/** Reads `oof.json` of a version folder; undefined when the version has none (older versions). */
export async function readOof(dir: string): Promise<Oof | undefined> {
  const file = path.join(dir, VERSION_FILES.oof);
  if (!existsSync(file)) return undefined;
  const result = OofSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!result.success) throw new Error(`${file} is not valid:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** One line of `HISTORY.json`. */
export const HistoryEntrySchema = z.strictObject({
  action: z.enum(['initial', 'promote', 'rollback', 'shadow', 'shadow-off']),
  /** The version served after this action; for `shadow` the version shadowed from now on, for `shadow-off` the one no longer shadowed. */
  version: VersionNameSchema,
  /** The version served before (absent for `initial`); for `shadow` the previous shadow, if any. */
  from: VersionNameSchema.optional(),
  /** ISO 8601 time of the action. */
  at: z.string(),
  /** Promoted although the gate refused. */
  forced: z.boolean().optional(),
  /** One line per evaluation sample the gate used, as printed. */
  gate: z.array(z.string()).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
export const HistorySchema = z.strictObject({ entries: z.array(HistoryEntrySchema) });

/** The history of `modelsDir`; without a HISTORY.json, one `initial` entry for the current version. */
export async function readHistory(modelsDir: string): Promise<HistoryEntry[]> {
  const file = path.join(modelsDir, HISTORY_FILE);
  if (existsSync(file)) {
    const result = HistorySchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!result.success) throw new Error(`${file} is not valid:\n${z.prettifyError(result.error)}`);
    return result.data.entries;
  }
  const current = await readCurrent(modelsDir);
  return current ? [{ action: 'initial', version: current, at: new Date(0).toISOString() }] : [];
}

/** Writes a file by renaming a complete temporary one into place, so a reader never sees half of it. */
async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/** The version named in `<modelsDir>/CURRENT`, or undefined when there is none. */
export async function readCurrent(modelsDir: string): Promise<string | undefined> {
  const file = path.join(modelsDir, CURRENT_FILE);
  if (!existsSync(file)) return undefined;
  return (await readFile(file, 'utf8')).trim() || undefined;
}

/**
 * The versions served one after the other, replaying the history: a promotion pushes its version,
 * a rollback pops one. The last element is the served version; the one before it is where
 * `rollback` goes.
 */
export function servedStack(history: readonly HistoryEntry[]): string[] {
  const stack: string[] = [];
  for (const entry of history) {
    if (entry.action === 'rollback') stack.pop();
    else if (entry.action === 'initial' || entry.action === 'promote') stack.push(entry.version);
  }
  return stack;
}

/**
 * Makes `version` the served one: copies it from `candidatesDir` into `modelsDir` when it is not
 * there yet, then writes CURRENT and appends to HISTORY.json.
 * @throws when the version is in neither folder, or is already current.
 */
export async function promoteVersion(
  modelsDir: string,
  candidatesDir: string,
  version: string,
  record: { forced: boolean; gate: string[]; at: Date },
): Promise<HistoryEntry> {
  const history = await readHistory(modelsDir);
  const current = await readCurrent(modelsDir);
  if (current === version) throw new Error(`${version} is already the current version`);
  const target = path.join(modelsDir, version);
  if (!existsSync(target)) {
    const source = path.join(candidatesDir, version);
    if (!existsSync(path.join(source, MODEL_FILES.onnx))) throw new Error(`no version ${version} in ${candidatesDir} or ${modelsDir}`);
    await mkdir(modelsDir, { recursive: true });
    // Copy under a temporary name, then rename: a half-copied folder is never a version.
    const tmp = `${target}.${process.pid}.tmp`;
    await cp(source, tmp, { recursive: true });
    await rename(tmp, target);
  }
  const entry: HistoryEntry = {
    action: 'promote',
    version,
    ...(current ? { from: current } : {}),
    at: record.at.toISOString(),
    ...(record.forced ? { forced: true } : {}),
    gate: record.gate,
  };
  await writeAtomic(path.join(modelsDir, HISTORY_FILE), `${JSON.stringify({ entries: [...history, entry] }, null, 2)}\n`);
  await writeAtomic(path.join(modelsDir, CURRENT_FILE), `${version}\n`);
  return entry;
}

/**
 * Serves the version that was served before the current one (see {@link servedStack}) and
 * records the rollback.
 * @throws when the history has no earlier version or its folder is gone.
 */
export async function rollbackVersion(modelsDir: string, at: Date): Promise<HistoryEntry> {
  const history = await readHistory(modelsDir);
  const stack = servedStack(history);
  const current = await readCurrent(modelsDir);
  if (stack.length < 2 || stack[stack.length - 1] !== current) {
    throw new Error(
      stack.length < 2
        ? `no earlier version to roll back to (history: ${stack.join(' → ') || 'empty'})`
        : `models/CURRENT (${current}) is not the last version in ${HISTORY_FILE} (${stack[stack.length - 1]}); fix one of them by hand`,
    );
  }
  const previous = stack[stack.length - 2]!;
  if (!existsSync(path.join(modelsDir, previous, MODEL_FILES.onnx))) throw new Error(`the folder of ${previous} is missing from ${modelsDir}`);
  const entry: HistoryEntry = { action: 'rollback', version: previous, from: current, at: at.toISOString() };
  await writeAtomic(path.join(modelsDir, HISTORY_FILE), `${JSON.stringify({ entries: [...history, entry] }, null, 2)}\n`);
  await writeAtomic(path.join(modelsDir, CURRENT_FILE), `${previous}\n`);
  return entry;
}

/** The version named in `<modelsDir>/SHADOW`, or undefined when none is shadowed. */
export async function readShadow(modelsDir: string): Promise<string | undefined> {
  const file = path.join(modelsDir, SHADOW_FILE);
  if (!existsSync(file)) return undefined;
  return (await readFile(file, 'utf8')).trim() || undefined;
}

/**
 * Makes `version` the shadow: copies it from `candidatesDir` into `modelsDir` when it is not there
 * yet (so it can be committed and baked into the image, like a promotion), writes `models/SHADOW`
 * and appends a `shadow` entry to HISTORY.json. A running service loads it within seconds.
 * @throws when the version is in neither folder, is the served version, or is already the shadow.
 */
export async function shadowVersion(
  modelsDir: string,
  candidatesDir: string,
  version: string,
  at: Date,
): Promise<HistoryEntry & { copied: boolean }> {
  const history = await readHistory(modelsDir);
  const [current, shadow] = [await readCurrent(modelsDir), await readShadow(modelsDir)];
  if (current === version) throw new Error(`${version} is the served version (models/CURRENT); a shadow must be another version`);
  if (shadow === version) throw new Error(`${version} is already the shadow`);
  const target = path.join(modelsDir, version);
  let copied = false;
  if (!existsSync(path.join(target, MODEL_FILES.onnx))) {
    const source = path.join(candidatesDir, version);
    if (!existsSync(path.join(source, MODEL_FILES.onnx))) throw new Error(`no version ${version} in ${candidatesDir} or ${modelsDir}`);
    const tmp = `${target}.${process.pid}.tmp`;
    await cp(source, tmp, { recursive: true });
    await rename(tmp, target);
    copied = true;
  }
  const entry: HistoryEntry = { action: 'shadow', version, ...(shadow ? { from: shadow } : {}), at: at.toISOString() };
  await writeAtomic(path.join(modelsDir, HISTORY_FILE), `${JSON.stringify({ entries: [...history, entry] }, null, 2)}\n`);
  await writeAtomic(path.join(modelsDir, SHADOW_FILE), `${version}\n`);
  return { ...entry, copied };
}

/**
 * Stops shadowing: removes `models/SHADOW` and appends a `shadow-off` entry to HISTORY.json.
 * @throws when no version is shadowed.
 */
export async function stopShadow(modelsDir: string, at: Date): Promise<HistoryEntry> {
  const history = await readHistory(modelsDir);
  const shadow = await readShadow(modelsDir);
  if (shadow === undefined) throw new Error(`no version is shadowed (${path.join(modelsDir, SHADOW_FILE)} is absent or empty)`);
  const entry: HistoryEntry = { action: 'shadow-off', version: shadow, at: at.toISOString() };
  await writeAtomic(path.join(modelsDir, HISTORY_FILE), `${JSON.stringify({ entries: [...history, entry] }, null, 2)}\n`);
  await unlink(path.join(modelsDir, SHADOW_FILE));
  return entry;
}

/** A version folder found by {@link listVersions}. */
export interface VersionListing {
  version: string;
  dir: string;
  where: 'models' | 'candidates';
  info: Record<string, unknown> | undefined;
}

/** Every version folder (with a model.onnx) in `modelsDir` and `candidatesDir`, oldest first by createdAt. */
export async function listVersions(modelsDir: string, candidatesDir: string): Promise<VersionListing[]> {
  const found: VersionListing[] = [];
  for (const [where, root] of [
    ['models', modelsDir],
    ['candidates', candidatesDir],
  ] as const) {
    if (!existsSync(root)) continue;
    for (const entry of await readdir(root, { withFileTypes: true })) {
      if (!entry.isDirectory() || !VersionNameSchema.safeParse(entry.name).success || entry.name.endsWith('.tmp')) continue;
      const dir = path.join(root, entry.name);
      if (!existsSync(path.join(dir, MODEL_FILES.onnx))) continue;
      let info: Record<string, unknown> | undefined;
      try {
        info = JSON.parse(await readFile(path.join(dir, MODEL_FILES.info), 'utf8')) as Record<string, unknown>;
      } catch {
        info = undefined;
      }
      found.push({ version: entry.name, dir, where, info });
    }
  }
  return found.sort((a, b) => createdAt(a.info).localeCompare(createdAt(b.info)));
}

/** The `createdAt` of a model.json as text (an ISO timestamp), '' when it has none: what {@link listVersions} sorts by. */
function createdAt(info: Record<string, unknown> | undefined): string {
  const value = info?.['createdAt'];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}
