/**
 * The text rules shared by training and serving, so the model sees text the same way in both.
 * Rules (DESIGN.md "Text rules"): reject lone surrogates; Unicode NFC; drop control characters
 * (NUL included; tab and line breaks become spaces), zero-width characters and bidi controls; collapse runs of
 * whitespace (NBSP included) to one space; trim; reject empty; reject more than
 * {@link MAX_TEXT_CODE_POINTS} code points.
 */

/**
 * Longest accepted text, in Unicode code points after normalisation. The longest ISEAR answer in
 * the training file is about 860 code points; 1,000 leaves room without inviting whole documents.
 */
export const MAX_TEXT_CODE_POINTS = 1000;

export type TextRule = 'lone_surrogate' | 'empty' | 'too_long' | 'not_a_string';

/** A text that breaks one of the rules; `rule` is machine-readable, `message` is for people. */
export class TextRuleError extends Error {
  readonly rule: TextRule;
  constructor(rule: TextRule, message: string) {
    super(message);
    this.name = 'TextRuleError';
    this.rule = rule;
  }
}

// Whitespace-like controls become a space so words on either side stay apart.
const WHITESPACE_CONTROLS = /[\t\n\v\f\r\u0085]/g;
// Every other C0/C1 control character, NUL included.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const OTHER_CONTROLS = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;
// Zero-width space, non-joiner, joiner, word joiner, byte-order mark / zero-width no-break space,
// and the invisible bidi marks, embeddings, overrides and isolates: a stored U+202E would reverse how
// a cell reads in a spreadsheet (the "Trojan Source" trick), and none of them changes the words.
const ZERO_WIDTH = /[\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\u061C\uFEFF]/g;
// \s covers NBSP, the Unicode space separators and the line/paragraph separators.
const WHITESPACE_RUN = /\s+/gu;

/** Number of Unicode code points in `text` (not UTF-16 units: an emoji counts once). */
export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Applies the text rules and returns the normalised text.
 * @param raw the text as typed or read from a CSV.
 * @returns NFC text without control or zero-width characters, single-spaced and trimmed.
 * @throws {TextRuleError} `lone_surrogate`, `empty` (nothing left after the rules), `too_long`
 *   (more than {@link MAX_TEXT_CODE_POINTS} code points) or `not_a_string`.
 */
export function normalizeText(raw: unknown): string {
  if (typeof raw !== 'string') throw new TextRuleError('not_a_string', 'text must be a string');
  if (!raw.isWellFormed()) {
    throw new TextRuleError('lone_surrogate', 'text contains a lone surrogate (malformed UTF-16)');
  }
  const text = raw
    .normalize('NFC')
    .replace(WHITESPACE_CONTROLS, ' ')
    .replace(OTHER_CONTROLS, '')
    .replace(ZERO_WIDTH, '')
    .replace(WHITESPACE_RUN, ' ')
    .trim();
  if (text.length === 0) {
    throw new TextRuleError('empty', 'text is empty after removing whitespace and control characters');
  }
  const length = countCodePoints(text);
  if (length > MAX_TEXT_CODE_POINTS) {
    throw new TextRuleError(
      'too_long',
      `text is ${length} characters long; the limit is ${MAX_TEXT_CODE_POINTS} characters (Unicode code points)`,
    );
  }
  return text;
}
