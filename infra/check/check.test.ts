/**
 * The offline infrastructure check must pass on the real config and fail, naming the mistake, on
 * miswired ones: once end to end (a broken copy of sst.config.ts + infra/ evaluated under the
 * mocks) and per assertion on edited copies of the real graph.
 * Needs `.sst/platform` (written by `npm run check:infra`, which runs these tests after it) and
 * builds the web export when it is missing (SST uploads it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { checkGraph } from './assertions.ts';
import { ensureWebBuild, evaluate, evaluateCached, REPO_ROOT } from './evaluate.ts';
import type { Graph, GraphResource } from './graph.ts';

/** Copies sst.config.ts and infra/*.ts to a temporary folder, applying `edits` (each must match). */
function brokenConfig(edits: Array<{ file: string; search: string | RegExp; replace: string }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sst-variant-'));
  fs.mkdirSync(path.join(dir, 'infra'));
  fs.copyFileSync(path.join(REPO_ROOT, 'sst.config.ts'), path.join(dir, 'sst.config.ts'));
  for (const name of fs.readdirSync(path.join(REPO_ROOT, 'infra')).filter((n) => n.endsWith('.ts'))) {
    fs.copyFileSync(path.join(REPO_ROOT, 'infra', name), path.join(dir, 'infra', name));
  }
  for (const edit of edits) {
    const file = path.join(dir, edit.file);
    const before = fs.readFileSync(file, 'utf8');
    const after = before.replace(edit.search, edit.replace);
    assert.notEqual(after, before, `edit of ${edit.file} did not apply: ${String(edit.search)}`);
    fs.writeFileSync(file, after);
  }
  return path.join(dir, 'sst.config.ts');
}

const clone = (graph: Graph): Graph => structuredClone(graph);
const one = (graph: Graph, type: string, name?: RegExp): GraphResource => {
  const found = graph.resources.find((r) => r.type === type && (!name || name.test(r.name)));
  assert.ok(found, `no ${type} in the graph`);
  return found;
};
const expectProblem = (graph: Graph, pattern: RegExp) => {
  const problems = checkGraph(graph);
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n${problems.join('\n') || '(none)'}`,
  );
};

describe('npm run check:infra assertions', { timeout: 300_000 }, () => {
  let production: Graph;
  let dev: Graph;
  let broken: Graph;
  let brokenFile: string;

  before(async () => {
    brokenFile = brokenConfig([
      { file: 'infra/model.ts', search: "path: '/readyz'", replace: "path: '/'" },
      { file: 'infra/model.ts', search: /max: SCALING\.max/, replace: 'max: 5' },
      {
        file: 'infra/api.ts',
        search: "approve: 'packages/functions/src/handlers/approve.handler'",
        replace: "approve: 'packages/functions/src/handlers/revise.handler'",
      },
      { file: 'infra/api.ts', search: "actions: ['dynamodb:Scan']", replace: "actions: ['dynamodb:*']" },
      { file: 'infra/web.ts', search: /rewrite: \{[^}]*\},/, replace: '' },
      { file: 'sst.config.ts', search: "production ? 'retain' : 'remove'", replace: "'remove'" },
    ]);
    await ensureWebBuild();
    [production, dev, broken] = await Promise.all([
      evaluateCached({ stage: 'production' }),
      evaluateCached({ stage: 'dev' }),
      evaluate({ stage: 'production', configFile: brokenFile }),
    ]);
    fs.rmSync(path.dirname(brokenFile), { recursive: true, force: true });
  });

  it('passes on the real config, production and dev stages', () => {
    assert.deepEqual(checkGraph(production), []);
    assert.deepEqual(checkGraph(dev), []);
    assert.ok(production.resources.length > 50, `only ${production.resources.length} resources registered`);
  });

  it('reports the reviews table without its list indexes, and a missing stats or audit table', () => {
    const g = clone(production);
    delete one(g, 'aws:dynamodb/table:Table', /ReviewsTable/).inputs.globalSecondaryIndexes;
    expectProblem(g, /needs the GSI byTime \(feed, sk\)/);
    const h = clone(production);
    h.resources = h.resources.filter((r) => !(r.type === 'aws:dynamodb/table:Table' && /ReviewStatsTable/.test(r.name)));
    expectProblem(h, /the stats table is missing/);
    expectProblem(h, /expected three DynamoDB tables/);
  });

  it('production retains the table with point-in-time recovery; dev removes it', () => {
    const table = (g: Graph) => one(g, 'aws:dynamodb/table:Table', /ReviewsTable/);
    assert.equal(table(production).retainOnDelete, true);
    assert.deepEqual(table(production).inputs.pointInTimeRecovery, { enabled: true });
    assert.equal(table(dev).retainOnDelete, false);
    assert.equal(dev.app.removal, 'remove');
  });

  it('fails end to end on a miswired copy of the config, naming each mistake', () => {
    const problems = checkGraph(broken);
    const expected = [
      /health check path is "\/", must be "\/readyz"/,
      /scales 1–5 tasks, must scale 1–3/,
      /"POST \/api\/approve" runs packages\/functions\/src\/handlers\/revise\.handler/,
      /"GET \/api\/getcsv" is granted "dynamodb:\*"/,
      /\/model\/predict reaches the service as \/model\/predict/,
      /production: app removal is "remove"/,
      /production: reviews table is not retained/,
    ];
    for (const pattern of expected) {
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `missing ${pattern} in:\n${problems.join('\n')}`,
      );
    }
  });

  it('reports a table keyed on anything but a string id', () => {
    const g = clone(production);
    one(g, 'aws:dynamodb/table:Table', /ReviewsTable/).inputs.hashKey = 'predictionId';
    expectProblem(g, /partition key is "predictionId"/);
    const h = clone(production);
    one(h, 'aws:dynamodb/table:Table', /ReviewsTable/).inputs.rangeKey = 'createdAt';
    expectProblem(h, /no sort key/);
  });

  it('reports production without point-in-time recovery', () => {
    const g = clone(production);
    one(g, 'aws:dynamodb/table:Table', /ReviewsTable/).inputs.pointInTimeRecovery = { enabled: false };
    expectProblem(g, /point-in-time recovery/);
  });

  it('reports a missing route and a route to the wrong function', () => {
    const g = clone(production);
    g.resources = g.resources.filter((r) => !(r.type === 'aws:apigatewayv2/route:Route' && r.inputs.routeKey === 'GET /api/getcsv'));
    expectProblem(g, /"GET \/api\/getcsv" is missing/);
    const h = clone(production);
    const routes = h.resources.filter((r) => r.type === 'aws:apigatewayv2/route:Route');
    const approve = routes.find((r) => r.inputs.routeKey === 'POST /api/approve')!;
    const getcsv = routes.find((r) => r.inputs.routeKey === 'GET /api/getcsv')!;
    approve.inputs.target = getcsv.inputs.target;
    expectProblem(h, /"POST \/api\/approve" runs packages\/functions\/src\/handlers\/getcsv\.handler/);
  });

  it('reports a function not linked to the table or without REVIEWS_TABLE', () => {
    const g = clone(production);
    for (const build of g.builds) build.links = {};
    expectProblem(g, /not linked to the reviews table/);
    const h = clone(production);
    const lambda = one(h, 'aws:lambda/function:Function');
    (lambda.inputs.environment as { variables: Record<string, string> }).variables.REVIEWS_TABLE = 'other-table';
    expectProblem(h, /must get REVIEWS_TABLE/);
  });

  it('reports a function on another runtime than nodejs24.x', () => {
    const g = clone(production);
    one(g, 'aws:lambda/function:Function').inputs.runtime = 'nodejs22.x';
    expectProblem(g, /runs nodejs22\.x, must run nodejs24\.x/);
  });

  it('reports more table access than a handler needs', () => {
    const g = clone(production);
    const roles = g.resources.filter((r) => r.type === 'aws:iam/role:Role' && /Handler/.test(r.name));
    for (const role of roles) {
      const policies = role.inputs.inlinePolicies as Array<{ policy: string }>;
      const doc = JSON.parse(policies[0]!.policy) as { Statement: Array<{ Action: string[] }> };
      // The operator-session and OpenAPI functions have no table statement to widen.
      if (doc.Statement[0] === undefined) continue;
      doc.Statement[0].Action.push('dynamodb:DeleteItem');
      policies[0]!.policy = JSON.stringify(doc);
    }
    expectProblem(g, /may dynamodb:DeleteItem on the reviews table/);
  });

  it('reports an idle timeout at or above the service keep-alive', () => {
    const g = clone(production);
    one(g, 'aws:lb/loadBalancer:LoadBalancer').inputs.idleTimeout = 120;
    expectProblem(g, /idle timeout 120 s must be below the service keep-alive 65 s/);
  });

  it('reports ORT_THREADS that differ from the task vCPUs', () => {
    const g = clone(production);
    one(g, 'aws:ecs/taskDefinition:TaskDefinition').inputs.cpu = '2048';
    expectProblem(g, /ORT_THREADS is "1", must equal the task's 2 vCPU/);
    const half = clone(production);
    one(half, 'aws:ecs/taskDefinition:TaskDefinition').inputs.cpu = '512';
    assert.ok(!checkGraph(half).some((p) => p.includes('ORT_THREADS')), 'a 0.5 vCPU task runs one thread');
  });

  it('reports a service that scales on CPU only', () => {
    const g = clone(production);
    g.resources = g.resources.filter((r) => !(r.type === 'aws:appautoscaling/policy:Policy' && /RequestCount/.test(r.name)));
    expectProblem(g, /scale on requests per target/);
  });

  it('reports a router that sends /api elsewhere or lacks the site', () => {
    const g = clone(production);
    const routes = g.resources.filter((r) => r.type === 'pulumi-nodejs:dynamic:Resource' && r.inputs.key === 'routes');
    const api = routes.find((r) => String(r.inputs.entry).endsWith(',/api'))!;
    const model = routes.find((r) => String(r.inputs.entry).endsWith(',/model'))!;
    api.inputs.entry = String(api.inputs.entry).replace(/^url,[^,]*/, `url,${String(model.inputs.entry).split(',')[1]}`);
    expectProblem(g, /router \/api goes to .*elb\.amazonaws\.com, must go to the HTTP API/);
    const h = clone(production);
    h.resources = h.resources.filter((r) => !(r.type === 'pulumi-nodejs:dynamic:Resource' && String(r.inputs.entry).startsWith('site,')));
    expectProblem(h, /serve the static site at the root/);
  });

  it('reports an exports bucket that keeps files', () => {
    const g = clone(production);
    g.resources = g.resources.filter((r) => r.type !== 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration');
    expectProblem(g, /expire objects after 1 day/);
  });

  it('reports evaluation errors and handler files that do not build', () => {
    const g = clone(production);
    g.errors.push('run() failed: boom');
    g.builds[0]!.errors.push('handler file for "x.handler" not found');
    expectProblem(g, /evaluation error: run\(\) failed: boom/);
    expectProblem(g, /handler file for "x\.handler" not found/);
  });
});
