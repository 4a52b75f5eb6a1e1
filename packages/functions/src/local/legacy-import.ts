import { existsSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { closeGracefully, listen } from '@sentiment/http/server';
import { createDocumentClient } from '../clients.ts';
import { toStoredReview } from '../review/items.ts';
import type { ReviewStore } from '../review/store.ts';

/**
 * Imports the reviews an older version stored with dynalite (LevelDB under `legacyPath`, table `tableName`)
 * into `store`, once: only when that folder exists and `store` holds no review yet. Each review keeps its
 * id, labels and times; its counters are written with it. The old folder is left untouched.
 * @returns how many reviews were imported (0 when there was nothing to do).
 */
export async function importLegacyReviews(legacyPath: string | undefined, tableName: string, store: ReviewStore): Promise<number> {
  if (!legacyPath || !existsSync(legacyPath)) return 0;
  if ((await store.listReviews({ limit: 1 })).reviews.length > 0) return 0;
  const server = dynalite({ path: legacyPath, createTableMs: 0 });
  const endpoint = await listen(server, 0, '127.0.0.1');
  const client = createDocumentClient({ endpoint });
  let imported = 0;
  try {
    let startKey: Record<string, unknown> | undefined;
    do {
      let page;
      try {
        page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
      } catch (error) {
        // No table there: an old data folder that never stored a review.
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return 0;
        throw error;
      }
      for (const item of page.Items ?? []) if (await store.putReview(toStoredReview(item))) imported++;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  } finally {
    client.destroy();
    await closeGracefully(server, { timeoutMs: 0 });
  }
  return imported;
}
