import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Credentials for a local DynamoDB-compatible server: it checks none, and the host's AWS config must never be read. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * Creates the DynamoDB document client.
 * @param options.endpoint a local endpoint (`http://127.0.0.1:<port>`); when given, {@link LOCAL_CREDENTIALS}
 *   are used and the region defaults to `us-east-1`. Without it, the SDK's default chain applies (Lambda role).
 */
export function createDocumentClient(options: { endpoint?: string | undefined; region?: string | undefined }): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(options.region ? { region: options.region } : local ? { region: 'us-east-1' } : {}),
    ...(local ? { endpoint: options.endpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
