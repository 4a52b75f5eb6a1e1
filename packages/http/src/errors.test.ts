import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError, ERROR_CODES, ERROR_STATUS, ErrorBodySchema } from '@sentiment/core';
import { isServerFault, toErrorResponse } from './errors.ts';

describe('toErrorResponse', () => {
  it('keeps a ClientError status, code, message and issues, with the request id', () => {
    const issues = [{ path: 'text', message: 'too long' }];
    const response = toErrorResponse(new ClientError('invalid_field', 'text: too long', issues), 'req-1');
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { error: { code: 'invalid_field', message: 'text: too long', requestId: 'req-1', issues } });
  });

  it('answers every code of core with its status', () => {
    for (const code of ERROR_CODES) assert.equal(toErrorResponse(new ClientError(code, 'x'), 'r').status, ERROR_STATUS[code], code);
  });

  it('maps an exposed 4xx http-error to the code of its status, and an unknown 4xx status to 400 malformed_request', () => {
    const httpError = (status: number) => Object.assign(new Error(`status ${status}`), { status, expose: true });
    assert.deepEqual(toErrorResponse(httpError(413), 'r'), {
      status: 413,
      body: { error: { code: 'payload_too_large', message: 'status 413', requestId: 'r' } },
    });
    assert.equal(toErrorResponse(httpError(400), 'r').body.error.code, 'malformed_request');
    assert.deepEqual(toErrorResponse(httpError(418), 'r'), {
      status: 400,
      body: { error: { code: 'malformed_request', message: 'status 418', requestId: 'r' } },
    });
  });

  it('answers anything else 500 internal_error with the one generic message and no detail', () => {
    for (const error of [
      new Error('secret detail'),
      Object.assign(new Error('secret'), { status: 404 }),
      Object.assign(new Error('secret'), { status: 502, expose: true }),
      'a string',
      null,
    ]) {
      const response = toErrorResponse(error, 'req-9');
      assert.equal(response.status, 500);
      assert.equal(response.body.error.code, 'internal_error');
      assert.equal(response.body.error.message, 'Internal error; quote request id req-9 when reporting it');
      assert.ok(isServerFault(response));
      ErrorBodySchema.parse(response.body);
    }
    assert.equal(isServerFault(toErrorResponse(new ClientError('service_unavailable', 'loading'), 'r')), false);
  });
});
