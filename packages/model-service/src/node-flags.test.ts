import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVICE_NODE_FLAGS } from './node-flags.ts';

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

describe('the service processes run with SERVICE_NODE_FLAGS', () => {
  it('package.json start runs node with every flag before src/main.ts', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start'];
    assert.equal(start, `node ${SERVICE_NODE_FLAGS.join(' ')} src/main.ts`);
  });

  it("the image's CMD passes every flag to node", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'));
    assert.ok(cmd, 'an exec-form CMD');
    const args = JSON.parse(cmd[1]!) as string[];
    assert.equal(args[0], 'node');
    for (const flag of SERVICE_NODE_FLAGS) assert.ok(args.includes(flag), `CMD has ${flag}`);
    assert.equal(args.at(-1), 'dist/main.mjs');
  });
});
