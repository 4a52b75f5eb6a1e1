/**
 * Synthetic data for tests: sentences whose label is signalled by cue words, mixed with filler,
 * and a tiny fake word-vector table (so tests never need the 300 MB GloVe package).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LABELS, type Label } from '@sentiment/core';
import { envCalledFrom } from './env.ts';
import type { Glove } from './pipeline.ts';
import { seededRandom } from './pipeline.ts';

const CUES: Record<Label, string[]> = {
  fear: ['afraid', 'scared', 'terrified', 'dark'],
  guilt: ['guilty', 'lied', 'cheated', 'sorry'],
  joy: ['happy', 'delighted', 'won', 'celebrated'],
  anger: ['angry', 'furious', 'shouted', 'unfair'],
  disgust: ['disgusting', 'vomit', 'dirty', 'smell'],
  sadness: ['sad', 'died', 'funeral', 'cried'],
  shame: ['ashamed', 'embarrassed', 'laughed', 'naked'],
};
const FILLER = ['when', 'my', 'friend', 'i', 'was', 'at', 'the', 'school', 'home', 'because', 'of', 'it', "didn't", 'really', 'very'];

/** `count` labelled sentences, labels cycling through all seven, deterministic for a seed. */
export function syntheticData(count: number, seed: number): { texts: string[]; labels: Label[] } {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const texts: string[] = [];
  const labels: Label[] = [];
  for (let i = 0; i < count; i++) {
    const label = LABELS[i % LABELS.length]!;
    const words: string[] = [];
    const length = 3 + Math.floor(random() * 10);
    for (let w = 0; w < length; w++) words.push(random() < 0.3 ? pick(CUES[label]) : pick(FILLER));
    words.push(pick(CUES[label]));
    texts.push(`${words.join(' ')}.`);
    labels.push(label);
  }
  return { texts, labels };
}

/** A fake pretrained-vector table over the cue and filler words plus a few unseen words. */
export function fakeGlove(dim: number, seed: number): Glove {
  const random = seededRandom(seed);
  const words = [
    ...new Set([...Object.values(CUES).flat(), ...FILLER.flatMap((w) => w.replace("n't", ' not').split(' ')), 'horrified', 'joyful', 'did', 'not']),
  ];
  const table = new Map(words.map((word) => [word, Float32Array.from({ length: dim }, () => random() * 2 - 1)]));
  return { dim, words, vector: (word) => table.get(word) };
}

const runFile = promisify(execFile);
/** The model-service package folder. */
export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a training command entry point (`src/training/<script>`) as `npm run` would, from `cwd`
 * (passed as INIT_CWD), and returns its exit code and output; never throws for a non-zero exit.
 */
export async function runTrainingCli(script: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await runFile(process.execPath, [path.join(PACKAGE_DIR, 'src/training', script), ...args], {
      cwd: PACKAGE_DIR,
      env: envCalledFrom(cwd),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
