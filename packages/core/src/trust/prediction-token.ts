import { createHmac, randomBytes, timingSafeEqual, type Hmac } from 'node:crypto';
import { z } from 'zod';
import { ClientError } from '../errors.ts';
import { LABELS, type Label, type Probabilities } from '../labels/labels.ts';
import type { ShadowPrediction } from '../review/schemas.ts';

/**
 * Signed predictions (issue 7): the model service signs each prediction it makes, the review
 * functions store a review only for a prediction that verifies. Node-only (node:crypto): imported
 * as `@sentiment/core/trust`, never by the browser bundle.
 */

/** Shortest accepted secret: 43 characters, i.e. 32 random bytes in base64url (what {@link generateSecret} makes). */
export const MIN_SECRET_LENGTH = 43;

/**
 * A shared secret or operator token: {@link MIN_SECRET_LENGTH}–512 characters of the token68
 * alphabet (letters, digits, `-._~+/=`), so it fits an `Authorization: Bearer` header and a cookie as is.
 */
export const SecretSchema = z
  .string()
  .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters (32 random bytes, base64url)`)
  .max(512)
  .regex(/^[A-Za-z0-9._~+/=-]+$/, 'may hold letters, digits and -._~+/= only');

/** A fresh secret: 32 random bytes as base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** How long a prediction can be reviewed after it was made, unless configured otherwise: 24 h. */
export const DEFAULT_PREDICTION_TOKEN_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Clock difference tolerated between the model service and the functions (a token "from the future"). */
export const PREDICTION_TOKEN_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** What a prediction token vouches for: the prediction as the model service returned it. */
export interface SignedFields {
  predictionId: string;
  /** The normalised text (core's text rules), exactly as the review will store it. */
  text: string;
  /** The model's label (the review's `predictedLabel`). */
  label: Label;
  probabilities: Probabilities;
  modelVersion: string;
  /** Drawn for the blind audit; absent means false. */
  blind?: boolean | undefined;
  /** The shadow version's answer, when one ran. */
  shadow?: ShadowPrediction | undefined;
}

// Bumped whenever the payload changes, so an old token can never verify under a new layout.
const PAYLOAD_TAG = 'sentiment-prediction/v2';
const TOKEN = /^v2\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

/**
 * The exact bytes that are signed: JSON of a fixed-order array
 * `[tag, predictionId, text, label, p(fear) … p(shame) in LABELS order, modelVersion, blind (1|0),
 * shadow ([version, label, its seven probabilities] or null), issuedAtMs]`.
 * JSON quoting makes every field boundary unambiguous, and a double prints the same on both sides.
 */
export function canonicalPredictionPayload(fields: SignedFields, issuedAtMs: number): string {
  return JSON.stringify([
    PAYLOAD_TAG,
    fields.predictionId,
    fields.text,
    fields.label,
    ...LABELS.map((label) => fields.probabilities[label]),
    fields.modelVersion,
    fields.blind === true ? 1 : 0,
    fields.shadow ? [fields.shadow.modelVersion, fields.shadow.label, ...LABELS.map((label) => fields.shadow!.probabilities[label])] : null,
    issuedAtMs,
  ]);
}

/** HMAC-SHA256 of `payload` under `secret`, ready for `digest`. */
function mac(secret: string, payload: string): Hmac {
  return createHmac('sha256', secret).update(payload, 'utf8');
}

/**
 * Signs a prediction: `v2.<issuedAt in ms since the epoch>.<HMAC-SHA256 of the canonical payload, base64url>`.
 * The issue time travels in the token, so a review needs no other field to check its age.
 */
export function signPrediction(fields: SignedFields, secret: string, issuedAt: Date): string {
  const issuedAtMs = issuedAt.getTime();
  // Straight to base64url: no intermediate Buffer on every prediction.
  return `v2.${issuedAtMs}.${mac(secret, canonicalPredictionPayload(fields, issuedAtMs)).digest('base64url')}`;
}

/**
 * Checks that `token` was made by {@link signPrediction} under `secret` for exactly these fields,
 * at most `maxAgeMs` before `now` (and not more than {@link PREDICTION_TOKEN_CLOCK_SKEW_MS} after it).
 * The MAC is compared in constant time.
 * @throws {ClientError} `invalid_prediction_token` (400) when the token is malformed, forged, made
 *   for another prediction (any field changed), or expired.
 */
export function verifyPredictionToken(token: string, fields: SignedFields, secret: string, options: { now: Date; maxAgeMs?: number }): void {
  const match = TOKEN.exec(token);
  if (!match) throw new ClientError('invalid_prediction_token', 'predictionToken is not a token the model service issued');
  const issuedAtMs = Number(match[1]);
  const presented = Buffer.from(match[2] ?? '', 'base64url');
  const expected = mac(secret, canonicalPredictionPayload(fields, issuedAtMs)).digest();
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new ClientError(
      'invalid_prediction_token',
      'predictionToken does not match this prediction: review only what the model service returned, unchanged',
    );
  }
  const age = options.now.getTime() - issuedAtMs;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_PREDICTION_TOKEN_MAX_AGE_MS;
  if (age > maxAgeMs || age < -PREDICTION_TOKEN_CLOCK_SKEW_MS) {
    throw new ClientError(
      'invalid_prediction_token',
      `this prediction is older than ${Math.round(maxAgeMs / 3_600_000)} h and can no longer be reviewed; predict the sentence again`,
    );
  }
}

/**
 * True when `presented` equals `expected`, compared in constant time (over SHA-256 digests, so
 * neither the content nor the length of the secret leaks through timing).
 */
export function secretsEqual(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || presented === '') return false;
  const a = createHmac('sha256', 'compare').update(presented).digest();
  const b = createHmac('sha256', 'compare').update(expected).digest();
  return timingSafeEqual(a, b);
}
