/** Stage-dependent settings, read once from SST's `$app`. */

/** The stage that holds real data: retained on removal, point-in-time recovery, protected. */
export const PRODUCTION_STAGE = 'production';

/** True on the production stage. */
export function isProduction(): boolean {
  return $app.stage === PRODUCTION_STAGE;
}
