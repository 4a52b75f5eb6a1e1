import { z } from 'zod';

/** `POST /api/operator/session` body: the operator token, as typed into the sign-in form. */
export const OperatorSignInSchema = z.strictObject({ token: z.string().min(1).max(512) });
export type OperatorSignIn = z.infer<typeof OperatorSignInSchema>;

/** Answer of the operator session routes: whether this request is an operator's. */
export const OperatorSessionSchema = z.strictObject({ operator: z.boolean() });
export type OperatorSession = z.infer<typeof OperatorSessionSchema>;
