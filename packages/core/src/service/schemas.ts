import { z } from 'zod';
import { ModelVersionSchema } from '../review/schemas.ts';

/** `GET /model/healthz` response: the process runs. */
export const HealthResponseSchema = z.strictObject({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** `GET /model/readyz` response: the model is loaded and the service is not draining. */
export const ReadyResponseSchema = z.strictObject({ status: z.literal('ready'), modelVersion: ModelVersionSchema });
export type ReadyResponse = z.infer<typeof ReadyResponseSchema>;

/**
 * `GET /model/model` response: the served version's `model.json` without bulky parts (labels in
 * output order, metrics, training parameters, data hashes). Its fields belong to the training code.
 */
export const ModelDescriptionSchema = z.record(z.string(), z.unknown());
export type ModelDescription = z.infer<typeof ModelDescriptionSchema>;
