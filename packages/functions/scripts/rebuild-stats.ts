/**
 * Repair command: rebuilds the stats table from a full scan of the reviews (`npm run stats:rebuild -w packages/functions`).
 * The counters are exact by construction (written in the same transaction as every review); this is for a
 * table restored from a backup, or data written by hand. Run it while no review is written.
 * Reads the functions' configuration (`REVIEWS_TABLE`, `STATS_TABLE`, `AUDIT_TABLE`, `DYNAMODB_ENDPOINT`, `AWS_REGION`).
 */
import { createDocumentClient } from '../src/clients.ts';
import { readStoreConfig } from '../src/config.ts';
import { createReviewStore } from '../src/review/store.ts';

const config = readStoreConfig();
const client = createDocumentClient(config);
try {
  const store = createReviewStore({
    client,
    tableName: config.tableName,
    statsTableName: config.statsTableName,
    auditTableName: config.auditTableName,
  });
  const started = performance.now();
  const result = await store.rebuildStats();
  console.log(`${result.reviews} reviews counted, ${result.items} stats items written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} finally {
  client.destroy();
}
