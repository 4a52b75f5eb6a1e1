import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  assertStorableNumbers,
  ClientError,
  LABELS,
  StoredReviewSchema,
  type ReviewAction,
  type ReviewInput,
  type StoredReview,
} from '@sentiment/core';

/** What a review store needs: a document client, the table name and a clock (tests pass a fixed one). */
export interface ReviewStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
}

/** Options for {@link ReviewStore.scanReviews}. */
export interface ScanOptions {
  /** Items per Scan page; DynamoDB also stops each page at 1 MB. Tests use a small one to force many pages. */
  pageSize?: number;
}

export interface ReviewStore {
  /**
   * Stores the review of one prediction with ONE conditional UpdateItem (no read-then-write):
   * - no item with this id: creates it (`createdAt` = `updatedAt` = now);
   * - same prediction, other label: sets `label`, `action`, `updatedAt`, keeps `createdAt`;
   * - same prediction, same label: changes nothing and returns the stored review (idempotent);
   * - the id stored for another prediction (different `text`, `predictedLabel`, `modelVersion` or
   *   `probabilities`): throws {@link ClientError} `conflict` (409).
   * `action` is `approved` when `label === predictedLabel`, else `revised`.
   * @param review a parsed approve/revise body (text already normalised by the core schema).
   * @returns the review as stored after this call.
   * @throws {ClientError} `invalid_field` (400) when a number of the review is outside what DynamoDB
   *   stores (core `isStorableNumber`), checked here too so no caller can turn it into a 500; `conflict` (409).
   */
  saveReview(review: ReviewInput): Promise<StoredReview>;
  /**
   * Every stored review, page by page (Scan with `ExclusiveStartKey` until no `LastEvaluatedKey`).
   * Pages are fetched lazily as the caller iterates, so a slow consumer holds at most one page.
   */
  scanReviews(options?: ScanOptions): AsyncGenerator<StoredReview>;
}

// Every attribute goes through an expression attribute name: text, action, label… are reserved words.
const NAMES = {
  '#id': 'id',
  '#text': 'text',
  '#predictedLabel': 'predictedLabel',
  '#label': 'label',
  '#action': 'action',
  '#modelVersion': 'modelVersion',
  '#probabilities': 'probabilities',
  '#createdAt': 'createdAt',
  '#updatedAt': 'updatedAt',
  ...Object.fromEntries(LABELS.map((label) => [`#p_${label}`, label])),
};

// Same prediction = same text, predicted label, model version and all seven probabilities. Compared key
// by key (numbers compare numerically) rather than as a whole map, which every implementation supports.
const SAME_PREDICTION = [
  '#text = :text',
  '#predictedLabel = :predictedLabel',
  '#modelVersion = :modelVersion',
  ...LABELS.map((label) => `#probabilities.#p_${label} = :p_${label}`),
].join(' AND ');

// Write when the item is new, or when it is the same prediction with another label. A same-label
// repeat fails the condition on purpose, so it writes nothing and keeps updatedAt.
const CONDITION = `attribute_not_exists(#id) OR (${SAME_PREDICTION} AND #label <> :label)`;

const UPDATE = [
  'SET #text = :text',
  '#predictedLabel = :predictedLabel',
  '#modelVersion = :modelVersion',
  '#probabilities = :probabilities',
  '#label = :label',
  '#action = :action',
  '#updatedAt = :now',
  '#createdAt = if_not_exists(#createdAt, :now)',
].join(', ');

/** `approved` when the final label is the predicted one, else `revised`. */
export function actionOf(review: Pick<ReviewInput, 'label' | 'predictedLabel'>): ReviewAction {
  return review.label === review.predictedLabel ? 'approved' : 'revised';
}

function samePrediction(stored: StoredReview, review: ReviewInput): boolean {
  return (
    stored.text === review.text &&
    stored.predictedLabel === review.predictedLabel &&
    stored.modelVersion === review.modelVersion &&
    LABELS.every((label) => stored.probabilities[label] === review.probabilities[label])
  );
}

/** Creates the review store over `tableName`. */
export function createReviewStore({ client, tableName, now = () => new Date() }: ReviewStoreOptions): ReviewStore {
  async function saveReview(review: ReviewInput): Promise<StoredReview> {
    // Every number written below comes from the review: DynamoDB's "Number underflow" must never be a 500.
    assertStorableNumbers(review);
    const probabilities = Object.fromEntries(LABELS.map((label) => [label, review.probabilities[label]]));
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id: review.predictionId },
          UpdateExpression: UPDATE,
          ConditionExpression: CONDITION,
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':text': review.text,
            ':predictedLabel': review.predictedLabel,
            ':modelVersion': review.modelVersion,
            ':probabilities': probabilities,
            ':label': review.label,
            ':action': actionOf(review),
            ':now': now().toISOString(),
            ...Object.fromEntries(LABELS.map((label) => [`:p_${label}`, review.probabilities[label]])),
          },
          ReturnValues: 'ALL_NEW',
          // DynamoDB returns the item that failed the condition; dynalite ignores this and we read once.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return StoredReviewSchema.parse(result.Attributes);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The write is already decided (nothing was written); this read only shapes the answer.
      const stored = error.Item ? StoredReviewSchema.parse(unmarshall(error.Item)) : await getReview(review.predictionId);
      if (!stored) throw error; // cannot happen: the condition only fails when the item exists
      if (!samePrediction(stored, review)) {
        throw new ClientError(
          'conflict',
          `predictionId ${review.predictionId} is already stored for a different prediction (text, predictedLabel, modelVersion or probabilities differ)`,
        );
      }
      return stored;
    }
  }

  async function getReview(id: string): Promise<StoredReview | undefined> {
    const result = await client.send(new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }));
    return result.Item ? StoredReviewSchema.parse(result.Item) : undefined;
  }

  async function* scanReviews(options: ScanOptions = {}): AsyncGenerator<StoredReview> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          ExclusiveStartKey: startKey,
          ...(options.pageSize ? { Limit: options.pageSize } : {}),
        }),
      );
      for (const item of page.Items ?? []) yield StoredReviewSchema.parse(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  return { saveReview, scanReviews };
}
