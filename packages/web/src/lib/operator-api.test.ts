import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiError } from './api.ts';
import { createOperatorClient, OPERATOR_SESSION_PATH } from './operator-api.ts';

const TOKEN = 'operator-token-for-this-test-cccccccccccccccccccccccccc';

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(value));
}

describe('operator client against a real HTTP server on 127.0.0.1', () => {
  const seen: { method?: string; url?: string; body: string }[] = [];
  // A stand-in for the session route: the right token signs in; a cookie-less GET is 401.
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body });
      if (req.method === 'GET') return json(res, 401, { error: { code: 'unauthorized', message: 'sign in' } });
      if (req.method === 'DELETE') return json(res, 200, { operator: false });
      const token = (JSON.parse(body) as { token: string }).token;
      if (token === TOKEN) return json(res, 200, { operator: true });
      json(res, 401, { error: { code: 'unauthorized', message: 'the operator token is wrong' } });
    });
  });
  let client: ReturnType<typeof createOperatorClient>;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = createOperatorClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  after(() => server.close());

  test('status is false on 401, sign-in sends the trimmed token once, sign-out resolves false', async () => {
    assert.equal(await client.status(), false);
    assert.equal(await client.signIn(`  ${TOKEN}\n`), true);
    assert.deepEqual(seen.at(-1), { method: 'POST', url: OPERATOR_SESSION_PATH, body: JSON.stringify({ token: TOKEN }) });
    assert.equal(await client.signOut(), false);
    assert.equal(seen.at(-1)?.method, 'DELETE');
  });

  test('a wrong token rejects with the server message as a rejected ApiError', async () => {
    await assert.rejects(client.signIn('wrong'), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.kind, 'rejected');
      assert.equal(error.status, 401);
      assert.equal(error.message, 'the operator token is wrong');
      return true;
    });
  });

  test('an unreachable API is an unavailable ApiError', async () => {
    const down = createOperatorClient({ baseUrl: 'http://127.0.0.1:9' });
    await assert.rejects(down.status(), (error: unknown) => error instanceof ApiError && error.kind === 'unavailable');
  });
});
