/**
 * Pure helpers that turn a prediction's `explanation` into what the result card shows: the sentence
 * cut into pieces, each word with the weight the model gave it, and the strongest words for and
 * against the label, with their weights written out (so nothing depends on colour alone).
 */
import type { Explanation } from '@sentiment/core';

/** A piece of the sentence: a word with its weight, or the text between words (`weight` undefined). */
export interface Segment {
  text: string;
  weight?: number;
  /** |weight| / the largest |weight| of the sentence, in (0, 1]; for the highlight's strength. */
  strength?: number;
}

// Same rule as the model service: a word is a whitespace-separated chunk without edge punctuation.
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/**
 * The sentence as segments: each whitespace-separated word that the explanation names (its edge
 * punctuation left outside) carries that entry's weight; everything else is plain text. Phrases of
 * several words are not drawn on the sentence (see {@link strongestWords}). Joining the segments'
 * text gives back `text` exactly.
 */
export function explanationSegments(text: string, explanation: Explanation): Segment[] {
  const weights = new Map<string, number>();
  for (const entry of explanation) if (!entry.sentence && !/\s/u.test(entry.text)) weights.set(entry.text, entry.weight);
  let largest = 0;
  for (const weight of weights.values()) largest = Math.max(largest, Math.abs(weight));
  const segments: Segment[] = [];
  const push = (piece: string, weight?: number) => {
    if (piece === '') return;
    const last = segments.at(-1);
    if (weight === undefined && last && last.weight === undefined) last.text += piece;
    else segments.push(weight === undefined ? { text: piece } : { text: piece, weight, strength: largest > 0 ? Math.abs(weight) / largest : 0 });
  };
  let at = 0;
  for (const match of text.matchAll(/\S+/gu)) {
    push(text.slice(at, match.index));
    at = match.index + match[0].length;
    const word = match[0].replace(EDGE_PUNCTUATION, '');
    const weight = word === '' ? undefined : weights.get(word);
    if (weight === undefined || weight === 0) {
      push(match[0]);
      continue;
    }
    const start = match[0].indexOf(word);
    push(match[0].slice(0, start));
    push(word, weight);
    push(match[0].slice(start + word.length));
  }
  push(text.slice(at));
  return segments;
}

/**
 * The `limit` words or phrases that pushed most towards the label (weight > 0) and away from it (< 0),
 * strongest first; the whole-sentence entry is not a word (see {@link sentenceShare}).
 */
export function strongestWords(explanation: Explanation, limit = 5): { towards: Explanation; away: Explanation } {
  const byStrength = explanation.filter((e) => !e.sentence).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  return {
    towards: byStrength.filter((e) => e.weight > 0).slice(0, limit),
    away: byStrength.filter((e) => e.weight < 0).slice(0, limit),
  };
}

/** A weight with its sign always written: "+1.24", "−0.31" (a real minus sign). */
export function formatWeight(weight: number): string {
  const fixed = Math.abs(weight).toFixed(2);
  return weight < 0 ? `\u2212${fixed}` : `+${fixed}`;
}

/** The weight of the sentence as a whole (a model with a sentence encoder), or undefined when there is none. */
export function sentenceShare(explanation: Explanation): number | undefined {
  return explanation.find((e) => e.sentence)?.weight;
}
