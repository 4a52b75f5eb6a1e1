/**
 * Client-side check of the typed sentence with core's text rules, so a text the service would
 * reject is explained in words before any request is sent.
 */
import { countCodePoints, MAX_TEXT_CODE_POINTS, normalizeText, TextRuleError, type TextRule } from '@sentiment/core';
import { installStringWellFormed } from './compat.ts';

// normalizeText calls String.prototype.isWellFormed, which some supported browsers lack.
installStringWellFormed();

/** The outcome of {@link checkInput}: the normalised text to send, or why it cannot be sent. */
export type InputCheck = { ok: true; text: string; length: number } | { ok: false; rule: TextRule; message: string; length: number };

/**
 * Applies core's `normalizeText` to what was typed.
 * `length` is in Unicode code points after normalisation (what the limit counts), except when the
 * text is too long or malformed, where it is the count of what was typed.
 */
export function checkInput(raw: string): InputCheck {
  try {
    const text = normalizeText(raw);
    return { ok: true, text, length: countCodePoints(text) };
  } catch (error) {
    if (!(error instanceof TextRuleError)) throw error;
    const length = error.rule === 'empty' ? 0 : countCodePoints(raw);
    return { ok: false, rule: error.rule, message: messageFor(error.rule, length), length };
  }
}

function messageFor(rule: TextRule, length: number): string {
  switch (rule) {
    case 'empty':
      return 'Please type a sentence first: the text is empty (spaces and invisible characters do not count).';
    case 'too_long':
      return `The sentence is too long: ${length} characters, and the limit is ${MAX_TEXT_CODE_POINTS} characters. Please shorten it.`;
    case 'lone_surrogate':
      return 'The text contains a broken character. Please retype it or remove it.';
    case 'not_a_string':
      return 'The text could not be read. Please type it again.';
  }
}
