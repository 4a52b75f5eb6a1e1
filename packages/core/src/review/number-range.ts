/**
 * The range of numbers the review store can hold. Every number a review carries (today the seven
 * probabilities) is checked against it when the request is parsed, so a number DynamoDB would
 * refuse is the caller's 400, never our 500 (issue 7: a probability of 1e-131 answered 500).
 */
import type { z } from 'zod';
import { ClientError, type FieldIssue } from '../errors.ts';

/**
 * Smallest non-zero magnitude DynamoDB stores; below it DynamoDB answers "Number underflow".
 * Source: Amazon DynamoDB Developer Guide, "Data types", Number: magnitudes from 1E-130 to
 * 9.9999999999999999999999999999999999999E+125 (or 0), up to 38 significant digits. A JS number
 * prints with at most 17 significant digits, so the digit limit never binds.
 */
export const STORED_NUMBER_MIN_MAGNITUDE = 1e-130;

/**
 * Largest magnitude the store writes: the DynamoDB document client (`@aws-sdk/lib-dynamodb`)
 * refuses a JS number above `Number.MAX_SAFE_INTEGER` (2^53 - 1), well inside DynamoDB's 9.99…E+125.
 */
export const STORED_NUMBER_MAX_MAGNITUDE = Number.MAX_SAFE_INTEGER;

/**
 * True when the review store can hold `value` exactly as given: 0 (or -0, stored as 0), or a
 * finite magnitude from {@link STORED_NUMBER_MIN_MAGNITUDE} to {@link STORED_NUMBER_MAX_MAGNITUDE}.
 * A float32 softmax never gives a non-zero probability below about 1.4e-45, so no genuine
 * prediction is refused.
 */
export function isStorableNumber(value: number): boolean {
  const magnitude = Math.abs(value);
  return magnitude === 0 || (magnitude >= STORED_NUMBER_MIN_MAGNITUDE && magnitude <= STORED_NUMBER_MAX_MAGNITUDE);
}

/** Why a number is refused, for the field issue. */
export function storableNumberMessage(value: number): string {
  return `must be 0 or have a magnitude from ${STORED_NUMBER_MIN_MAGNITUDE} to ${STORED_NUMBER_MAX_MAGNITUDE} (what the review store can hold); got ${value}`;
}

/**
 * Every number in `value` (walking plain objects and arrays) that {@link isStorableNumber} refuses,
 * with its path from `value`.
 */
export function unstorableNumbers(value: unknown, path: Array<string | number> = []): Array<{ path: Array<string | number>; value: number }> {
  if (typeof value === 'number') return isStorableNumber(value) ? [] : [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => unstorableNumbers(item, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => unstorableNumbers(item, [...path, key]));
  }
  return [];
}

/**
 * A zod `superRefine` check: one issue per number in the parsed value that the store cannot hold,
 * at that number's path (so the 400 names the field, e.g. `probabilities.fear`).
 */
export function checkStorableNumbers(value: unknown, ctx: z.RefinementCtx): void {
  for (const found of unstorableNumbers(value)) {
    ctx.addIssue({ code: 'custom', path: found.path, message: storableNumberMessage(found.value) });
  }
}

/**
 * Throws unless every number in `value` can be stored; for the store's own last check before a write.
 * @throws {ClientError} `invalid_field` (400) with one issue per refused number, path dotted from `value`.
 */
export function assertStorableNumbers(value: unknown): void {
  const issues: FieldIssue[] = unstorableNumbers(value).map((found) => ({
    path: found.path.map(String).join('.'),
    message: storableNumberMessage(found.value),
  }));
  if (issues.length > 0) {
    throw new ClientError('invalid_field', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
}
