/**
 * Tokenizer and n-gram enumeration, driven by settings stored in the model's `tokenizer.json`
 * (the `text` block): this file holds no contraction rule, case rule or token pattern of its own,
 * so editing code cannot silently change what a committed model sees. Training chooses the
 * settings for a new version (`training/fit-tokenizer.ts`) and writes them beside the vocabulary.
 */
import { z } from 'zod';

function compiles(source: string): boolean {
  try {
    new RegExp(source, 'gu');
    return true;
  } catch {
    return false;
  }
}

const PatternSchema = z.string().min(1).refine(compiles, 'must be a valid regular expression (flags "gu")');

/** How a normalised text becomes word tokens; `tokenizer.json` `text`. */
export const TextSettingsSchema = z.strictObject({
  /** Lowercase the text first (`String.prototype.toLowerCase`, locale-independent). */
  lowercase: z.boolean(),
  /** Each of these characters is replaced by a straight apostrophe `'` before the rules run. */
  apostrophes: z.string(),
  /**
   * Rewrite rules applied in order after lowercasing and apostrophes: every match of `pattern`
   * (a regular expression source, flags `gu`) is replaced by `replacement` (`$1`-style references
   * allowed, as in `String.prototype.replace`).
   */
  rewrites: z.array(z.strictObject({ pattern: PatternSchema, replacement: z.string() })),
  /** Tokens are the matches of this regular expression (flags `gu`); everything else separates. */
  token: PatternSchema,
});
export type TextSettings = z.infer<typeof TextSettingsSchema>;

/** A text → tokens function; the same settings give the same tokens in training and serving. */
export type Tokenize = (text: string) => string[];

function escapeClass(chars: string): string {
  return Array.from(chars, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('');
}

/** Compiles {@link TextSettings} once into a tokenize function. */
export function createTokenizer(settings: TextSettings): Tokenize {
  const apostrophes = settings.apostrophes.length > 0 ? new RegExp(`[${escapeClass(settings.apostrophes)}]`, 'gu') : undefined;
  const rewrites = settings.rewrites.map((rule) => ({ pattern: new RegExp(rule.pattern, 'gu'), replacement: rule.replacement }));
  const token = new RegExp(settings.token, 'gu');
  return (text) => {
    let s = settings.lowercase ? text.toLowerCase() : text;
    if (apostrophes) s = s.replace(apostrophes, "'");
    for (const rule of rewrites) s = s.replace(rule.pattern, rule.replacement);
    return s.match(token) ?? [];
  };
}

/**
 * Calls `visit` with each word n-gram of `tokens`, n from `min` to `max`, tokens joined with one
 * space, in the order: all n = min grams left to right, then n = min + 1, … (training and serving
 * both enumerate through this function, so their orders cannot differ).
 */
export function forEachWordNgram(tokens: readonly string[], min: number, max: number, visit: (gram: string) => void): void {
  for (let n = min; n <= max; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      let gram = tokens[i]!;
      for (let k = 1; k < n; k++) gram += ` ${tokens[i + k]!}`;
      visit(gram);
    }
  }
}

/**
 * Calls `visit` with each character n-gram (lengths `min` … `max`, in code points, so an accented
 * or astral character is one character) inside each token written as `pad + token + pad`; per
 * token, all n = min grams left to right, then n = min + 1, …
 */
export function forEachCharNgram(tokens: readonly string[], min: number, max: number, pad: string, visit: (gram: string) => void): void {
  for (const token of tokens) forEachTokenCharNgram(token, min, max, pad, visit);
}

/** {@link forEachCharNgram} for one token. */
export function forEachTokenCharNgram(token: string, min: number, max: number, pad: string, visit: (gram: string) => void): void {
  const padded = pad + token + pad;
  // UTF-16 offsets of code point starts, plus the end, so substring() cuts whole code points.
  const bounds: number[] = [];
  for (let i = 0; i < padded.length; i++) {
    bounds.push(i);
    const unit = padded.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < padded.length) {
      const next = padded.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  const count = bounds.length;
  bounds.push(padded.length);
  for (let n = min; n <= max; n++) {
    for (let i = 0; i + n <= count; i++) visit(padded.substring(bounds[i]!, bounds[i + n]));
  }
}

/** Word n-grams of `tokens` as a list (see {@link forEachWordNgram}). */
export function wordNgrams(tokens: readonly string[], min: number, max: number): string[] {
  const grams: string[] = [];
  forEachWordNgram(tokens, min, max, (gram) => grams.push(gram));
  return grams;
}

/** Character n-grams of `tokens` as a list (see {@link forEachCharNgram}). */
export function charNgrams(tokens: readonly string[], min: number, max: number, pad: string): string[] {
  const grams: string[] = [];
  forEachCharNgram(tokens, min, max, pad, (gram) => grams.push(gram));
  return grams;
}
