/**
 * What the deployed resource graph must look like. {@link checkGraph} is a pure function over the
 * {@link Graph} that `evaluate()` returns, so tests can feed it graphs of deliberately miswired
 * configs and see each mistake reported.
 */
import { KEEP_ALIVE_TIMEOUT_MS } from '../../packages/model-service/src/server/server.ts';
import { MOCK_ACCOUNT, MOCK_REGION, mockApiHost, mockLoadBalancerHost, type FunctionBuild, type Graph, type GraphResource } from './graph.ts';

/** Lambda runtime of every function: Node 24 LTS, as the tests run. */
export const LAMBDA_RUNTIME = 'nodejs24.x';

/** The routes of the HTTP API and the handler each must reach. */
export const EXPECTED_ROUTES = {
  'POST /api/approve': 'packages/functions/src/handlers/approve.handler',
  'POST /api/revise': 'packages/functions/src/handlers/revise.handler',
  'GET /api/getcsv': 'packages/functions/src/handlers/getcsv.handler',
  'GET /api/operator/session': 'packages/functions/src/handlers/operator-session.handler',
  'POST /api/operator/session': 'packages/functions/src/handlers/operator-session.handler',
  'DELETE /api/operator/session': 'packages/functions/src/handlers/operator-session.handler',
  'GET /api/openapi.json': 'packages/functions/src/handlers/openapi.handler',
  'GET /api/reviews': 'packages/functions/src/handlers/reviews.handler',
  'GET /api/reviews/{id}': 'packages/functions/src/handlers/review.handler',
  'PATCH /api/reviews/{id}': 'packages/functions/src/handlers/review.handler',
  'DELETE /api/reviews/{id}': 'packages/functions/src/handlers/review.handler',
  'GET /api/audit': 'packages/functions/src/handlers/audit.handler',
  'GET /api/stats': 'packages/functions/src/handlers/stats.handler',
} as const;

/** SST secrets every function must be linked to (issue 7), never passed as plain environment variables. */
export const FUNCTION_SECRETS = { PredictionSecret: 'PREDICTION_SECRET', OperatorToken: 'OPERATOR_TOKEN' } as const;

/** Routes whose function reads no configuration at all, so least privilege gives it no secret. */
const ROUTES_WITHOUT_SECRETS = new Set(['GET /api/openapi.json']);

/** The store's tables (and the reviews table's indexes) as the IAM statements name them. */
type StoreResource = 'reviews' | 'indexes' | 'stats' | 'audit';
const RESOURCE_NAMES: Record<StoreResource, string> = {
  reviews: 'the reviews table',
  indexes: 'the reviews indexes',
  stats: 'the stats table',
  audit: 'the audit table',
};

/**
 * IAM actions each handler needs on each store resource, and nothing else on it. A transaction needs the
 * action of each of its writes (review Put/Delete, counter Update, audit Put) on that write's table.
 */
const TABLE_ACTIONS: Record<string, Partial<Record<StoreResource, string[]>>> = {
  'POST /api/approve': {
    reviews: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    stats: ['dynamodb:UpdateItem'],
    audit: ['dynamodb:GetItem', 'dynamodb:ConditionCheckItem'],
  },
  'POST /api/revise': {
    reviews: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    stats: ['dynamodb:UpdateItem'],
    audit: ['dynamodb:GetItem', 'dynamodb:ConditionCheckItem'],
  },
  'GET /api/getcsv': { reviews: ['dynamodb:Scan'], indexes: ['dynamodb:Query'], audit: ['dynamodb:PutItem'] },
  'POST /api/operator/session': { audit: ['dynamodb:PutItem'] },
  'DELETE /api/operator/session': { audit: ['dynamodb:PutItem'] },
  'GET /api/reviews': { indexes: ['dynamodb:Query'] },
  'GET /api/reviews/{id}': { reviews: ['dynamodb:GetItem'] },
  'PATCH /api/reviews/{id}': { reviews: ['dynamodb:GetItem', 'dynamodb:PutItem'], stats: ['dynamodb:UpdateItem'], audit: ['dynamodb:PutItem'] },
  'DELETE /api/reviews/{id}': { reviews: ['dynamodb:GetItem', 'dynamodb:DeleteItem'], stats: ['dynamodb:UpdateItem'], audit: ['dynamodb:PutItem'] },
  'GET /api/audit': { audit: ['dynamodb:Query'] },
  'GET /api/stats': { stats: ['dynamodb:Query'], indexes: ['dynamodb:Query'] },
};

/** Key schema each store table must have: partition key, sort key (or none), and the reviews table's GSIs. */
const STORE_TABLES = {
  reviews: { hashKey: 'id', rangeKey: undefined, indexes: { byTime: ['feed', 'sk'], byVersion: ['modelVersion', 'sk'] } },
  stats: { hashKey: 'scope', rangeKey: 'bucket', indexes: {} },
  audit: { hashKey: 'pk', rangeKey: 'sk', indexes: {} },
} as const;

interface Statement {
  Effect: string;
  Action?: string | string[];
  Resource?: string | string[];
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function ofType(graph: Graph, type: string): GraphResource[] {
  return graph.resources.filter((r) => r.type === type);
}

/** A string input as is; anything else (missing, an object) as an empty string. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** Inline policy statements of an IAM role. */
function roleStatements(role: GraphResource | undefined): Statement[] {
  const policies = list(role?.inputs.inlinePolicies as Array<{ policy?: string }> | undefined);
  return policies.flatMap((p) => list((JSON.parse(p.policy ?? '{}') as { Statement?: Statement[] }).Statement));
}

/**
 * Checks the graph of one stage. Returns one message per problem; empty when everything holds:
 * evaluation errors; the store's three tables (reviews: partition key `id` string, nothing else in the
 * key, GSIs byTime and byVersion; stats and audit with their keys; on-demand); production retains data
 * (app removal `retain` + protect, tables retained with
 * point-in-time recovery and deletion protection) and other stages remove it; the exports bucket
 * expires objects after one day; the model service (image from the model-service Dockerfile with
 * the repository root as context, health check `/readyz` on its port, scaling 1–3 on CPU and on
 * requests, `ORT_THREADS` = task vCPUs, `HOST=0.0.0.0`, ALB idle timeout below the service's
 * keep-alive); the HTTP API (each route → its function → its handler file, which builds and
 * exports `handler`; stage throttling); each function linked to the table (`REVIEWS_TABLE`, `STATS_TABLE`,
 * `AUDIT_TABLE`, `Resource.Reviews`) with only the actions it needs on each table and index; getcsv's bucket; the router (`/api` → API
 * host unchanged, `/model` → load balancer with `/model` stripped, the site at the root) and the
 * `url` output.
 */
export function checkGraph(graph: Graph): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(message);
  const production = graph.stage === 'production';

  for (const error of graph.errors) fail(`evaluation error: ${error}`);

  // --- app removal policy ---
  if (production) {
    if (graph.app.removal !== 'retain') fail(`production: app removal is "${graph.app.removal}", must be "retain"`);
    if (!graph.app.protect) fail('production: app must set protect (sst remove refused)');
  } else if (graph.app.removal !== 'remove') {
    fail(`stage ${graph.stage}: app removal is "${graph.app.removal}", must be "remove" (only production keeps data)`);
  }

  // --- the store's tables: reviews (+ GSIs), stats, audit ---
  const tables = ofType(graph, 'aws:dynamodb/table:Table');
  if (tables.length !== 3) fail(`expected three DynamoDB tables (reviews, stats, audit), found ${tables.length}`);
  const storeTables: Partial<Record<keyof typeof STORE_TABLES, GraphResource>> = {};
  for (const [kind, want] of Object.entries(STORE_TABLES) as [keyof typeof STORE_TABLES, (typeof STORE_TABLES)[keyof typeof STORE_TABLES]][]) {
    // The reviews table is the one keyed on anything but the other two tables' keys.
    const table =
      kind === 'reviews'
        ? tables.find((t) => t.inputs.hashKey !== STORE_TABLES.stats.hashKey && t.inputs.hashKey !== STORE_TABLES.audit.hashKey)
        : tables.find((t) => t.inputs.hashKey === want.hashKey);
    if (!table) {
      fail(`the ${kind} table is missing`);
      continue;
    }
    storeTables[kind] = table;
    const attributes = list(table.inputs.attributes as Array<{ name: string; type: string }>);
    if (table.inputs.hashKey !== want.hashKey) fail(`${kind} table partition key is "${String(table.inputs.hashKey)}", must be "${want.hashKey}"`);
    if (!attributes.some((a) => a.name === want.hashKey && a.type === 'S')) fail(`${kind} table attribute "${want.hashKey}" must be a string (S)`);
    if (want.rangeKey === undefined && table.inputs.rangeKey)
      fail(`${kind} table must have no sort key (one item per predictionId), has "${JSON.stringify(table.inputs.rangeKey)}"`);
    if (want.rangeKey !== undefined && table.inputs.rangeKey !== want.rangeKey)
      fail(`${kind} table sort key is "${String(table.inputs.rangeKey)}", must be "${want.rangeKey}"`);
    const gsis = list(table.inputs.globalSecondaryIndexes as Array<{ name: string; hashKey: string; rangeKey?: string; projectionType?: string }>);
    for (const [name, [hash, range]] of Object.entries(want.indexes) as [string, readonly [string, string]][]) {
      const gsi = gsis.find((g) => g.name === name);
      if (!gsi || gsi.hashKey !== hash || gsi.rangeKey !== range || gsi.projectionType !== 'ALL')
        fail(`${kind} table needs the GSI ${name} (${hash}, ${range}) projecting ALL attributes`);
    }
    if (table.inputs.billingMode !== 'PAY_PER_REQUEST') fail(`${kind} table must bill on demand (PAY_PER_REQUEST)`);
    const pitr = record(table.inputs.pointInTimeRecovery).enabled === true;
    if (production) {
      if (!table.retainOnDelete) fail(`production: ${kind} table is not retained on delete`);
      if (!pitr) fail(`production: ${kind} table needs point-in-time recovery`);
      if (table.inputs.deletionProtectionEnabled !== true) fail(`production: ${kind} table needs deletion protection`);
    } else if (table.retainOnDelete) {
      fail(`stage ${graph.stage}: ${kind} table is retained on delete; only production keeps data`);
    }
  }
  const table = storeTables.reviews;
  const tableName = table?.inputs.name as string | undefined;
  const arnOf = (t: GraphResource | undefined) =>
    t?.inputs.name ? `arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT}:table/${text(t.inputs.name)}` : undefined;
  const tableArn = arnOf(table);
  const resourceArns: Record<StoreResource, string | undefined> = {
    reviews: tableArn,
    indexes: tableArn ? `${tableArn}/index/*` : undefined,
    stats: arnOf(storeTables.stats),
    audit: arnOf(storeTables.audit),
  };

  // --- exports bucket (getcsv over 6 MB) ---
  const lifecycles = ofType(graph, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration');
  const exportsLifecycle = lifecycles.find((l) =>
    list(l.inputs.rules as Array<{ status?: string; expiration?: { days?: number } }>).some(
      (r) => r.status === 'Enabled' && r.expiration?.days === 1,
    ),
  );
  const exportsBucketName = exportsLifecycle?.inputs.bucket as string | undefined;
  if (!exportsLifecycle || !exportsBucketName) fail('the exports bucket must expire objects after 1 day (lifecycle rule)');

  // --- model service ---
  const services = ofType(graph, 'aws:ecs/service:Service');
  if (services.length !== 1) fail(`expected one ECS service (the model service), found ${services.length}`);
  const service = services[0];
  const targetGroups = ofType(graph, 'aws:lb/targetGroup:TargetGroup');
  const serviceLb = list(service?.inputs.loadBalancers as Array<{ targetGroupArn: string; containerPort: number }>)[0];
  const target = targetGroups.find((t) => serviceLb && serviceLb.targetGroupArn.includes(`/${t.name}/`));
  if (!serviceLb || !target) {
    fail('the model service is not registered with a load balancer target group');
  } else {
    const health = record(target.inputs.healthCheck);
    if (health.path !== '/readyz') fail(`load balancer health check path is "${String(health.path)}", must be "/readyz"`);
    if (target.inputs.port !== serviceLb.containerPort)
      fail(`target group port ${String(target.inputs.port)} differs from the container port ${serviceLb.containerPort}`);
  }
  const strategies = list(service?.inputs.capacityProviderStrategies as Array<{ capacityProvider: string }> | undefined);
  if (production && strategies.some((s) => s.capacityProvider === 'FARGATE_SPOT')) fail('production: the model service must not run on Fargate Spot');
  const balancers = ofType(graph, 'aws:lb/loadBalancer:LoadBalancer');
  const balancer = balancers[0];
  const keepAliveS = KEEP_ALIVE_TIMEOUT_MS / 1000;
  const idle = Number(balancer?.inputs.idleTimeout ?? 60);
  if (!balancer) fail('no load balancer in front of the model service');
  else if (!(idle < keepAliveS)) fail(`load balancer idle timeout ${idle} s must be below the service keep-alive ${keepAliveS} s`);

  const scalingTargets = ofType(graph, 'aws:appautoscaling/target:Target').filter((t) => t.inputs.scalableDimension === 'ecs:service:DesiredCount');
  const scaling = scalingTargets[0];
  if (!scaling) fail('the model service has no auto scaling target');
  else if (scaling.inputs.minCapacity !== 1 || scaling.inputs.maxCapacity !== 3) {
    fail(`model service scales ${String(scaling.inputs.minCapacity)}–${String(scaling.inputs.maxCapacity)} tasks, must scale 1–3`);
  }
  const metrics = ofType(graph, 'aws:appautoscaling/policy:Policy').map(
    (p) => record(record(record(p.inputs.targetTrackingScalingPolicyConfiguration).predefinedMetricSpecification)).predefinedMetricType,
  );
  if (!metrics.includes('ECSServiceAverageCPUUtilization')) fail('model service must scale on CPU utilisation');
  if (!metrics.includes('ALBRequestCountPerTarget')) fail('model service must scale on requests per target');

  const task = ofType(graph, 'aws:ecs/taskDefinition:TaskDefinition')[0];
  const containers = task
    ? (JSON.parse(typeof task.inputs.containerDefinitions === 'string' ? task.inputs.containerDefinitions : '[]') as Array<{
        environment?: Array<{ name: string; value: string }>;
      }>)
    : [];
  const env = Object.fromEntries((containers[0]?.environment ?? []).map((e) => [e.name, e.value]));
  if (!task) fail('no ECS task definition for the model service');
  else {
    const vcpus = Number(task.inputs.cpu) / 1024;
    // Whole vCPUs, at least one thread (the service accepts integers ≥ 1 only).
    const threads = String(Math.max(1, Math.floor(vcpus)));
    if (threads !== env.ORT_THREADS) fail(`ORT_THREADS is "${env.ORT_THREADS}", must equal the task's ${vcpus} vCPU (${threads} thread(s))`);
    if (env.HOST !== '0.0.0.0') fail('model service container must set HOST=0.0.0.0');
    // Issue 7: the service signs predictions with the linked secret the functions verify with.
    if (!env.SST_RESOURCE_PredictionSecret) fail('the model service must be linked to the secret PredictionSecret');
    if (env.PREDICTION_SECRET) fail('the model service gets PREDICTION_SECRET as a plain variable; link the SST secret instead');
    if (serviceLb && env.PORT !== String(serviceLb.containerPort))
      fail(`container PORT "${env.PORT}" differs from the load balancer's container port ${serviceLb.containerPort}`);
  }
  const image = ofType(graph, 'docker-build:index:Image')[0];
  const context = text(record(image?.inputs.context).location);
  const dockerfile = text(record(image?.inputs.dockerfile).location);
  if (!image) fail('the model service image is not built from a Dockerfile');
  else {
    if (!dockerfile.endsWith('/packages/model-service/Dockerfile'))
      fail(`model service image uses ${dockerfile}, must be packages/model-service/Dockerfile`);
    if (`${context}/packages/model-service/Dockerfile` !== dockerfile) fail(`model service image context ${context} must be the repository root`);
  }

  // --- HTTP API → functions → handlers, least privilege ---
  const stage = ofType(graph, 'aws:apigatewayv2/stage:Stage')[0];
  const throttle = record(stage?.inputs.defaultRouteSettings);
  if (!(Number(throttle.throttlingRateLimit) > 0 && Number(throttle.throttlingBurstLimit) > 0)) {
    fail('the HTTP API stage needs throttling (defaultRouteSettings rate and burst limits)');
  }
  const routes = ofType(graph, 'aws:apigatewayv2/route:Route');
  const integrations = ofType(graph, 'aws:apigatewayv2/integration:Integration');
  const lambdas = ofType(graph, 'aws:lambda/function:Function');
  const roles = ofType(graph, 'aws:iam/role:Role');
  const routeKeys = routes.map((r) => String(r.inputs.routeKey));
  for (const key of routeKeys) {
    if (!(key in EXPECTED_ROUTES)) fail(`unexpected API route "${key}"`);
  }
  for (const [routeKey, handler] of Object.entries(EXPECTED_ROUTES)) {
    const route = routes.find((r) => r.inputs.routeKey === routeKey);
    if (!route) {
      fail(`API route "${routeKey}" is missing`);
      continue;
    }
    const integrationId = text(route.inputs.target).replace(/^integrations\//, '');
    const integration = integrations.find((i) => `${i.name}-id` === integrationId);
    const lambda = lambdas.find((l) => integration && String(integration.inputs.integrationUri).endsWith(`:function:${String(l.inputs.name)}`));
    if (!lambda) {
      fail(`API route "${routeKey}" does not reach a Lambda function`);
      continue;
    }
    const build: FunctionBuild | undefined = graph.builds.find((b) => `${b.functionID}Function` === lambda.name);
    if (!build) fail(`no build recorded for the function of "${routeKey}"`);
    else {
      if (build.handler !== handler) fail(`API route "${routeKey}" runs ${build.handler}, must run ${handler}`);
      for (const error of build.errors) fail(`API route "${routeKey}": ${error}`);
      if (tableName && build.links.Reviews?.name !== tableName)
        fail(`the function of "${routeKey}" is not linked to the reviews table (Resource.Reviews)`);
      for (const secret of ROUTES_WITHOUT_SECRETS.has(routeKey) ? [] : Object.keys(FUNCTION_SECRETS)) {
        if (typeof build.links[secret]?.value !== 'string') fail(`the function of "${routeKey}" is not linked to the secret ${secret}`);
      }
    }
    // The runtime the tests run on (package.json engines, .ci/run); nodejs22.x leaves Lambda's support in 2027.
    if (lambda.inputs.runtime !== LAMBDA_RUNTIME)
      fail(`the function of "${routeKey}" runs ${String(lambda.inputs.runtime)}, must run ${LAMBDA_RUNTIME}`);
    const variables = record(record(lambda.inputs.environment).variables);
    for (const variable of Object.values(FUNCTION_SECRETS)) {
      if (variable in variables) fail(`the function of "${routeKey}" gets ${variable} as a plain environment variable; link the SST secret instead`);
    }
    if (!tableName || variables.REVIEWS_TABLE !== tableName) fail(`the function of "${routeKey}" must get REVIEWS_TABLE = the reviews table name`);
    if (variables.STATS_TABLE !== storeTables.stats?.inputs.name) fail(`the function of "${routeKey}" must get STATS_TABLE = the stats table name`);
    if (variables.AUDIT_TABLE !== storeTables.audit?.inputs.name) fail(`the function of "${routeKey}" must get AUDIT_TABLE = the audit table name`);

    const role = roles.find((r) => `arn:aws:iam::${MOCK_ACCOUNT}:role/${String(r.inputs.name)}` === lambda.inputs.role);
    const statements = roleStatements(role).filter((s) => s.Effect === 'Allow');
    for (const statement of statements) {
      for (const action of list(statement.Action)) {
        if (action === '*' || action.endsWith(':*')) fail(`the function of "${routeKey}" is granted "${action}": least privilege lists the actions`);
      }
      for (const resource of list(statement.Resource)) {
        if (resource === '*') fail(`the function of "${routeKey}" is granted actions on every resource ("*")`);
      }
    }
    for (const [resource, arn] of Object.entries(resourceArns) as [StoreResource, string | undefined][]) {
      const granted = statements.filter((s) => arn && list(s.Resource).includes(arn)).flatMap((s) => list(s.Action));
      const wanted = TABLE_ACTIONS[routeKey]?.[resource] ?? [];
      const where = RESOURCE_NAMES[resource];
      for (const action of wanted) if (!granted.includes(action)) fail(`the function of "${routeKey}" lacks ${action} on ${where}`);
      for (const action of granted)
        if (!wanted.includes(action))
          fail(`the function of "${routeKey}" may ${action} on ${where}; it needs only ${wanted.join(', ') || 'nothing'}`);
    }

    if (routeKey === 'GET /api/getcsv') {
      if (!exportsBucketName || variables.EXPORT_BUCKET !== exportsBucketName)
        fail('getcsv must get EXPORT_BUCKET = the exports bucket (exports over 6 MB)');
      const s3Actions = statements
        .filter((s) => list(s.Resource).some((r) => exportsBucketName && r.startsWith(`arn:aws:s3:::${exportsBucketName}/`)))
        .flatMap((s) => list(s.Action));
      for (const action of ['s3:PutObject', 's3:GetObject']) if (!s3Actions.includes(action)) fail(`getcsv lacks ${action} on the exports bucket`);
    } else if (variables.EXPORT_BUCKET) {
      fail(`the function of "${routeKey}" gets EXPORT_BUCKET but never exports`);
    }
  }

  // --- router: /api, /model (prefix stripped), site at the root ---
  const dynamic = ofType(graph, 'pulumi-nodejs:dynamic:Resource');
  const routeEntries = dynamic
    .filter((d) => d.inputs.key === 'routes' && typeof d.inputs.entry === 'string')
    .map((d) => {
      const [kind, namespace, host, path] = String(d.inputs.entry).split(',');
      return { kind, namespace, host, path };
    });
  const routeMetadata = (namespace: string | undefined) => {
    const keys = dynamic.find((d) => d.inputs.namespace === namespace && record(d.inputs.entries).metadata);
    return keys
      ? (JSON.parse(String(record(keys.inputs.entries).metadata)) as { host?: string; rewrite?: { regex: string; to: string }; s3?: unknown })
      : undefined;
  };
  const api = ofType(graph, 'aws:apigatewayv2/api:Api')[0];
  const apiHost = api ? mockApiHost(api.name) : undefined;
  const apiRoute = routeEntries.find((r) => r.kind === 'url' && r.path === '/api');
  const apiMeta = routeMetadata(apiRoute?.namespace);
  if (!apiRoute || !apiMeta) fail('router has no /api route');
  else {
    if (apiMeta.host !== apiHost) fail(`router /api goes to ${apiMeta.host}, must go to the HTTP API (${apiHost})`);
    if (apiMeta.rewrite) fail('router /api must forward the path unchanged (the API routes are /api/...)');
  }
  const lbHost = balancer ? mockLoadBalancerHost(balancer.name) : undefined;
  const modelRoute = routeEntries.find((r) => r.kind === 'url' && r.path === '/model');
  const modelMeta = routeMetadata(modelRoute?.namespace);
  if (!modelRoute || !modelMeta) fail('router has no /model route');
  else {
    if (modelMeta.host !== lbHost) fail(`router /model goes to ${modelMeta.host}, must go to the model service load balancer (${lbHost})`);
    const rewrite = modelMeta.rewrite;
    // Same replace the CloudFront function performs on event.request.uri.
    const rewritten = rewrite ? '/model/predict'.replace(new RegExp(rewrite.regex), rewrite.to) : '/model/predict';
    if (rewritten !== '/predict') fail(`router /model must strip the prefix: /model/predict reaches the service as ${rewritten}`);
  }
  const siteRoute = routeEntries.find((r) => r.kind === 'site' && (r.path ?? '') === '');
  if (!siteRoute || !routeMetadata(siteRoute.namespace)?.s3) fail('router must serve the static site at the root');
  const distributions = ofType(graph, 'aws:cloudfront/distribution:Distribution');
  if (distributions.length !== 1) fail(`expected one CloudFront distribution (the router), found ${distributions.length}`);
  const url = graph.outputs.url;
  if (typeof url !== 'string' || !/^https:\/\/[^/]+\.cloudfront\.net$/.test(url))
    fail(`output "url" must be the router's https URL, is ${JSON.stringify(url)}`);

  const siteBuild = ofType(graph, 'command:local:Command').find((c) => String(c.inputs.dir).endsWith('/packages/web'));
  if (!siteBuild) fail('the static site is not built from packages/web');

  return problems;
}
