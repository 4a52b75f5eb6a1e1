import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import { EXPORT_COLUMNS, parseOrThrow, ReviseRequestSchema, type StoredReview } from '@sentiment/core';
import { LOCAL_CREDENTIALS } from '../clients.ts';
import { createGetCsvHandler } from '../handlers/getcsv.ts';
import { toApiGatewayEvent } from '../lambda/event.ts';
import { createReviewStore, type ReviewStore } from '../review/store.ts';
import { OPERATOR_AUTH, probabilitiesFor, reviewBody, startTestTable, TEST_TRUST, type TestTable } from '../testing/fixtures.ts';
import { EXPORT_LINK_SECONDS, exportReviewsToS3 } from './s3.ts';

interface StoredObject {
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A loopback stand-in for the S3 calls the export makes (path style): PutObject, the multipart trio
 * (CreateMultipartUpload, UploadPart, CompleteMultipartUpload), AbortMultipartUpload and GetObject.
 * `failPuts` makes every PUT answer 500.
 */
function startS3Stub() {
  const objects = new Map<string, StoredObject>();
  const uploads = new Map<string, { headers: StoredObject['headers']; parts: Map<number, Buffer> }>();
  const calls: string[] = [];
  const failPuts = { on: false };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const path = url.pathname;
      const uploadId = url.searchParams.get('uploadId');
      const xml = (body: string) => res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
      if (req.method === 'PUT' && failPuts.on) {
        calls.push('PUT (failed)');
        res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>stub</Message></Error>');
      } else if (req.method === 'POST' && url.searchParams.has('uploads')) {
        calls.push('CreateMultipartUpload');
        const id = `upload-${uploads.size + 1}`;
        uploads.set(id, { headers: req.headers, parts: new Map() });
        xml(`<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>${path}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
      } else if (req.method === 'PUT' && uploadId) {
        calls.push('UploadPart');
        uploads.get(uploadId)!.parts.set(Number(url.searchParams.get('partNumber')), Buffer.concat(chunks));
        res.writeHead(200, { etag: `"part-${url.searchParams.get('partNumber')}"` }).end();
      } else if (req.method === 'POST' && uploadId) {
        calls.push('CompleteMultipartUpload');
        const upload = uploads.get(uploadId)!;
        const numbers = [...upload.parts.keys()].sort((a, b) => a - b);
        objects.set(path, { body: Buffer.concat(numbers.map((n) => upload.parts.get(n)!)), headers: upload.headers });
        xml(`<CompleteMultipartUploadResult><Key>${path}</Key><ETag>"done"</ETag></CompleteMultipartUploadResult>`);
      } else if (req.method === 'DELETE' && uploadId) {
        calls.push('AbortMultipartUpload');
        uploads.delete(uploadId);
        res.writeHead(204).end();
      } else if (req.method === 'PUT') {
        calls.push('PutObject');
        objects.set(path, { body: Buffer.concat(chunks), headers: req.headers });
        res.writeHead(200, { etag: '"stub"' }).end();
      } else if (req.method === 'GET' && objects.has(path)) {
        res.writeHead(200).end(objects.get(path)!.body);
      } else {
        res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
      }
    });
  });
  return new Promise<{ server: Server; url: string; objects: typeof objects; calls: string[]; failPuts: typeof failPuts }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, objects, calls, failPuts });
    });
  });
}

describe('getcsv with an export bucket: upload to S3, 303 to a presigned link', () => {
  let table: TestTable;
  let store: ReviewStore;
  let stub: Awaited<ReturnType<typeof startS3Stub>>;
  let s3: S3Client;

  before(async () => {
    table = await startTestTable();
    store = createReviewStore({ client: table.client, tableName: table.tableName });
    stub = await startS3Stub();
    s3 = new S3Client({ region: 'us-east-1', endpoint: stub.url, forcePathStyle: true, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    s3.destroy();
    stub.server.closeAllConnections();
    stub.server.close();
    await table.close();
  });

  test('the CSV lands in the bucket and the answer is 303 to a 5-minute link that downloads sentiment-semicolon.csv', async () => {
    const bodies = [reviewBody({ text: '=danger, "quoted"; café 😀' }), reviewBody({ label: 'fear' })];
    for (const body of bodies) await store.saveReview(parseOrThrow(ReviseRequestSchema, body));
    const handler = createGetCsvHandler({
      store,
      logger: pino({ level: 'silent' }),
      ...TEST_TRUST,
      exportTarget: { client: s3, bucket: 'exports-bucket' },
      now: () => new Date('2024-02-03T04:05:06.007Z'),
    });
    const result = await handler(
      toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', rawQueryString: 'delimiter=semicolon', requestId: 'req-s3', headers: OPERATOR_AUTH }),
    );

    assert.equal(result.statusCode, 303);
    const location = new URL(String(result.headers?.location));
    assert.equal(location.origin, stub.url);
    assert.equal(location.pathname, '/exports-bucket/exports/2024-02-03T04-05-06.007Z-req-s3.csv');
    assert.equal(location.searchParams.get('X-Amz-Expires'), String(EXPORT_LINK_SECONDS));
    assert.equal(location.searchParams.get('response-content-disposition'), 'attachment; filename="sentiment-semicolon.csv"');
    assert.equal(location.searchParams.get('response-content-type'), 'text/csv; charset=utf-8');
    assert.ok(location.searchParams.get('X-Amz-Signature'));

    const object = stub.objects.get(location.pathname);
    assert.ok(object, 'uploaded');
    assert.equal(object.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(object.headers['content-disposition'], 'attachment; filename="sentiment-semicolon.csv"');
    const download = Buffer.from(await (await fetch(location)).arrayBuffer());
    assert.deepEqual(download, object.body);
    assert.deepEqual([...download.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const records = parse<Record<string, string>>(download, { bom: true, columns: true, delimiter: ';' });
    assert.deepEqual(Object.keys(records[0]!), [...EXPORT_COLUMNS]);
    assert.deepEqual(records.map((r) => r.id).sort(), bodies.map((b) => b.predictionId).sort());
    assert.equal(records.find((r) => r.id === bodies[0]!.predictionId)!.text, '\'=danger, "quoted"; café 😀');
  });

  test('a failing upload is a 500 with the request id, not a hang', async () => {
    stub.failPuts.on = true;
    try {
      const handler = createGetCsvHandler({
        store,
        logger: pino({ level: 'silent' }),
        ...TEST_TRUST,
        exportTarget: { client: s3, bucket: 'exports-bucket' },
      });
      const result = await handler(toApiGatewayEvent({ method: 'GET', path: '/api/getcsv', requestId: 'req-s3-fail', headers: OPERATOR_AUTH }));
      assert.equal(result.statusCode, 500);
      assert.match(result.body ?? '', /"requestId":"req-s3-fail"/);
    } finally {
      stub.failPuts.on = false;
    }
  });

  test('an export over the 6 MB Lambda limit goes up in several parts and comes back whole', async () => {
    const count = 20_000;
    // eslint-disable-next-line @typescript-eslint/require-await -- an async source without I/O, shaped like the store's pages.
    async function* synthetic(): AsyncGenerator<StoredReview> {
      for (let i = 0; i < count; i++) {
        yield {
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          text: `review number ${i}, long enough to make the file big: ${'x'.repeat(300)}`,
          predictedLabel: 'joy',
          label: 'joy',
          action: 'approved',
          modelVersion: 'big-1',
          probabilities: probabilitiesFor('joy'),
          createdAt: '2024-01-01T00:00:00.000Z',
          updatedAt: '2024-01-01T00:00:00.000Z',
        };
      }
    }
    stub.calls.length = 0;
    const link = new URL(
      await exportReviewsToS3(synthetic(), 'comma', { client: s3, bucket: 'exports-bucket' }, { requestId: 'big', now: new Date(0) }),
    );
    const object = stub.objects.get(link.pathname);
    assert.ok(object);
    assert.ok(object.body.length > 6 * 1024 * 1024, `${object.body.length} bytes`);
    assert.equal(stub.calls[0], 'CreateMultipartUpload');
    assert.ok(stub.calls.filter((c) => c === 'UploadPart').length >= 2, stub.calls.join(','));
    assert.equal(stub.calls.at(-1), 'CompleteMultipartUpload');
    const records = parse(object.body, { bom: true });
    assert.equal(records.length, count + 1);
    assert.equal(records[count]![0], `00000000-0000-4000-8000-${String(count - 1).padStart(12, '0')}`);
  });
});
