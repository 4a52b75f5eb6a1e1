/**
 * The text rules shared by training and serving, so the model sees text the same way in both.
 * Rules (DESIGN.md "Text rules"), in order:
 * 1. reject lone surrogates;
 * 2. tab, line breaks and the other whitespace controls become a space; every other control
 *    character (C0/C1, NUL included) is dropped;
 * 3. default-ignorable code points (Unicode `Default_Ignorable_Code_Point`: zero-width and bidi
 *    controls, soft hyphen, Hangul fillers, tags, variation selectors, …) are dropped, except
 *    - a joiner (U+200C ZWNJ, U+200D ZWJ) between two visible characters: it spells Persian
 *      words (می‌خواهم), Indic conjuncts (क्‍ष) and emoji sequences (👨‍👩‍👧);
 *    - one variation selector directly after a visible character: it picks that character's
 *      glyph (❤️ is U+2764 U+FE0F); further selectors would only carry hidden data;
 *    - the tags of an emoji subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿: U+1F3F4, 3–7 tag letters or digits, U+E007F);
 * 4. Unicode NFC (after the drops, so a dropped character never leaves a decomposed accent);
 * 5. runs of whitespace (NBSP included) collapse to one space; trim;
 * 6. reject text with nothing visible left (`empty`): whitespace, controls, default-ignorable
 *    code points and the blank fillers ({@link BLANK_FILLERS}) are invisible;
 * 7. reject more than {@link MAX_TEXT_CODE_POINTS} code points.
 * So a text keeps everything the person wrote except what these rules name.
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

/**
 * Characters that render as blank but are neither whitespace nor default-ignorable (the Hangul
 * fillers U+115F, U+1160, U+3164 and U+FFA0 are default-ignorable, so rule 3 drops them). They are
 * kept (⠀ separates words in Braille) but count as invisible. Source: the invisible characters
 * listed at invisible-characters.com, less whitespace and default-ignorables:
 * U+2800 BRAILLE PATTERN BLANK, U+1D159 MUSICAL SYMBOL NULL NOTEHEAD.
 */
export const BLANK_FILLERS = '\u2800\u{1D159}';

// Whitespace-like controls become a space so words on either side stay apart.
const WHITESPACE_CONTROLS = /[\t\n\v\f\r\u0085]/g;
// Every other C0/C1 control character, NUL included.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const OTHER_CONTROLS = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;
const VARIATION_SELECTOR = /^\p{Variation_Selector}$/u;
const JOINER = /^[\u200C\u200D]$/;
// A visible character: not whitespace, not a control, not default-ignorable, not a blank filler.
const VISIBLE = new RegExp(`[^\\s\\p{Cc}\\p{Default_Ignorable_Code_Point}${BLANK_FILLERS}]`, 'u');
// What rule 3 looks at: an emoji subdivision flag as a whole (UTS #51 emoji_tag_sequence with a CLDR
// subdivision id: region of 2 letters or 3 digits, then 1–4 letters or digits), else one
// default-ignorable code point. Everything between matches is kept as it is.
const IGNORABLE_OR_FLAG =
  /\u{1F3F4}(?:[\u{E0061}-\u{E007A}]{2}|[\u{E0030}-\u{E0039}]{3})[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,4}\u{E007F}|\p{Default_Ignorable_Code_Point}/gu;
// \s covers NBSP, the Unicode space separators and the line/paragraph separators.
const WHITESPACE_RUN = /\s+/gu;
// Printable ASCII (U+0020–U+007E) has no control, default-ignorable or non-NFC character and no
// whitespace but the space, so the rules reduce to collapsing spaces and trimming (most texts).
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
const SPACE_RUN = / {2,}/g;

/** Number of Unicode code points in `text` (not UTF-16 units: an emoji counts once). */
export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** True when `text` holds at least one visible character (see the rules above). */
export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE.test(text);
}

/** The code point of `text` that ends just before UTF-16 index `end` ('' at the start). */
function codePointBefore(text: string, end: number): string {
  const low = text.charCodeAt(end - 1);
  const start = low >= 0xdc00 && low <= 0xdfff && end >= 2 ? end - 2 : end - 1;
  return text.slice(Math.max(start, 0), end);
}

/** Rule 3: drops default-ignorable code points except the joiners, selectors and flag tags it keeps. */
function dropIgnorables(text: string): string {
  // What the last kept character was: a joiner or selector may only follow a visible character.
  let last: 'visible' | 'selector' | 'other' = 'other';
  let previousEnd = 0;
  return text.replace(IGNORABLE_OR_FLAG, (unit: string, offset: number) => {
    if (offset > previousEnd) last = VISIBLE.test(codePointBefore(text, offset)) ? 'visible' : 'other';
    previousEnd = offset + unit.length;
    if (unit.length > 2) {
      last = 'visible'; // a subdivision flag, kept whole
      return unit;
    }
    if (VARIATION_SELECTOR.test(unit) && last === 'visible') {
      last = 'selector';
      return unit;
    }
    if (JOINER.test(unit) && last !== 'other' && VISIBLE.test(String.fromCodePoint(text.codePointAt(previousEnd) ?? 0x20))) {
      last = 'other';
      return unit;
    }
    return '';
  });
}

/**
 * Applies the text rules (see the module comment) and returns the normalised text.
 * @param raw the text as typed or read from a CSV.
 * @returns NFC text without control characters or dropped default-ignorables, single-spaced and
 *   trimmed, with at least one visible character and at most {@link MAX_TEXT_CODE_POINTS} code points.
 * @throws {TextRuleError} `lone_surrogate`, `empty` (nothing visible left after the rules),
 *   `too_long` (more than {@link MAX_TEXT_CODE_POINTS} code points) or `not_a_string`.
 */
export function normalizeText(raw: unknown): string {
  if (typeof raw !== 'string') throw new TextRuleError('not_a_string', 'text must be a string');
  if (PRINTABLE_ASCII.test(raw)) {
    // The same rules, shortened: what is left after trimming is visible, and a code point is one UTF-16 unit.
    const text = raw.replace(SPACE_RUN, ' ').trim();
    if (text.length === 0) throw emptyText();
    if (text.length > MAX_TEXT_CODE_POINTS) throw tooLong(text.length);
    return text;
  }
  if (!raw.isWellFormed()) {
    throw new TextRuleError('lone_surrogate', 'text contains a lone surrogate (malformed UTF-16)');
  }
  const text = dropIgnorables(raw.replace(WHITESPACE_CONTROLS, ' ').replace(OTHER_CONTROLS, '')).normalize('NFC').replace(WHITESPACE_RUN, ' ').trim();
  if (!hasVisibleCharacter(text)) throw emptyText();
  const length = countCodePoints(text);
  if (length > MAX_TEXT_CODE_POINTS) throw tooLong(length);
  return text;
}

function emptyText(): TextRuleError {
  return new TextRuleError('empty', 'text is empty: nothing visible is left after removing whitespace, control and invisible characters');
}

function tooLong(length: number): TextRuleError {
  return new TextRuleError('too_long', `text is ${length} characters long; the limit is ${MAX_TEXT_CODE_POINTS} characters (Unicode code points)`);
}
