import { z } from 'zod';
import { normalizeText, TextRuleError } from './normalize.ts';

/**
 * A zod string that applies {@link normalizeText}: the parsed value is the normalised text, and a
 * broken rule becomes a zod issue whose message names the rule (and the limit, for `too_long`).
 */
export const TextSchema = z.string().transform((raw, ctx) => {
  try {
    return normalizeText(raw);
  } catch (error) {
    if (error instanceof TextRuleError) {
      ctx.addIssue({ code: 'custom', message: error.message, params: { rule: error.rule } });
      return z.NEVER;
    }
    throw error;
  }
});
