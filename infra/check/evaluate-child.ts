/**
 * Child process of `evaluate.ts`: evaluates one bundled `sst.config.ts` for one stage under
 * Pulumi's mocks and writes the resulting {@link Graph} as JSON to the file given by `--out`.
 *
 * Pulumi keeps its engine, stack and mocks in process-global state, so every evaluation gets a
 * fresh process. Nothing here talks to AWS: resources and provider functions are answered by the
 * mocks below, and SST's CLI RPC (`Provider.Aws.Bootstrap`, `Runtime.Build`) by a stub server on
 * 127.0.0.1. `Runtime.Build` really bundles each Lambda handler with esbuild, so a handler path
 * that names a missing file or export is reported.
 *
 * Usage: node evaluate-child.ts --platform <bundle.mjs> --config <bundle.mjs>
 *          --stage <stage> --root <repo root> --work <scratch dir> --out <graph.json>
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MOCK_ACCOUNT, MOCK_REGION, mockApiHost, mockLoadBalancerHost, type FunctionBuild, type Graph, type GraphResource } from './graph.ts';
import { setEnv } from './env.ts';

const ACCOUNT = MOCK_ACCOUNT;
const REGION = MOCK_REGION;

const { values: argv } = parseArgs({
  options: {
    platform: { type: 'string' },
    config: { type: 'string' },
    stage: { type: 'string' },
    root: { type: 'string' },
    work: { type: 'string' },
    out: { type: 'string' },
  },
});
for (const key of ['platform', 'config', 'stage', 'root', 'work', 'out'] as const) {
  if (!argv[key]) throw new Error(`missing --${key}`);
}
const root = argv.root!;
const work = argv.work!;
const stage = argv.stage!;

const errors: string[] = [];
const unknownCalls = new Set<string>();
const resources: GraphResource[] = [];
const builds: FunctionBuild[] = [];
const options = new Map<string, { retainOnDelete: boolean; protect: boolean }>();

/** The part of Pulumi's gRPC RegisterResourceRequest read here. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getRetainondelete?(): boolean;
  getProtect?(): boolean;
}

process.on('unhandledRejection', (reason) => errors.push(`unhandled: ${describe(reason)}`));
process.on('uncaughtException', (reason) => errors.push(`uncaught: ${describe(reason)}`));

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return String(reason);
}

/** JSON-safe copy: drops functions and cycles, unwraps Pulumi's secret envelope. */
function plain(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => plain(item, seen));
  const record = value as Record<string, unknown>;
  // Pulumi marks secrets with this signature key.
  if ('4dabf18193072939515e22adb298388d' in record && 'value' in record) return plain(record.value, seen);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = plain(item, seen);
  return out;
}

/** Outputs a real provider would add, enough for SST's components to wire each other. */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const physical = typeof inputs.name === 'string' ? inputs.name : `${name}-mock`;
  const service = type.split(':')[1]?.split('/')[0] ?? 'mock';
  const state: Record<string, unknown> = {
    ...inputs,
    name: physical,
    arn: `arn:aws:${service}:${REGION}:${ACCOUNT}:${physical}`,
  };
  switch (type) {
    case 'aws:apigatewayv2/api:Api':
      state.apiEndpoint = `https://${mockApiHost(name)}`;
      state.executionArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${name}`;
      break;
    case 'aws:lb/loadBalancer:LoadBalancer':
      state.dnsName = mockLoadBalancerHost(name);
      state.arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/${name}/0123456789abcdef`;
      state.arnSuffix = `app/${name}/0123456789abcdef`;
      break;
    case 'aws:lb/targetGroup:TargetGroup':
      state.arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/0123456789abcdef`;
      break;
    case 'aws:s3/bucket:Bucket':
    case 'aws:s3/bucketV2:BucketV2': {
      const bucket = typeof inputs.bucket === 'string' ? inputs.bucket : `${name.toLowerCase()}-mock`;
      state.bucket = bucket;
      state.arn = `arn:aws:s3:::${bucket}`;
      state.bucketRegionalDomainName = `${bucket}.s3.${REGION}.amazonaws.com`;
      state.bucketDomainName = `${bucket}.s3.amazonaws.com`;
      break;
    }
    case 'aws:dynamodb/table:Table': {
      const arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${physical}`;
      state.arn = arn;
      state.streamArn = `${arn}/stream/mock`;
      break;
    }
    case 'aws:cloudfront/distribution:Distribution':
      state.domainName = `d${name.length}mock.cloudfront.net`;
      state.hostedZoneId = 'Z2FDTNDATAQYW2';
      break;
    case 'aws:lambda/function:Function': {
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}`;
      state.arn = arn;
      state.invokeArn = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`;
      state.qualifiedArn = `${arn}:$LATEST`;
      break;
    }
    case 'aws:ec2/vpc:Vpc':
      state.cidrBlock = inputs.cidrBlock ?? '10.0.0.0/16';
      state.defaultSecurityGroupId = 'sg-default';
      break;
    case 'aws:iam/role:Role':
      state.arn = `arn:aws:iam::${ACCOUNT}:role/${physical}`;
      break;
    case 'docker-build:index:Image':
      state.ref = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sst-asset@sha256:${'0'.repeat(64)}`;
      state.digest = `sha256:${'0'.repeat(64)}`;
      break;
    case 'random:index/randomBytes:RandomBytes':
      state.base64 = Buffer.alloc(Number(inputs.length ?? 32)).toString('base64');
      state.hex = '00';
      break;
    default:
      break;
  }
  return state;
}

/** Answers for provider functions (invokes) the components call. */
function mockCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case 'aws:index/getRegion:getRegion':
      return { name: REGION, region: REGION, id: REGION, description: 'US East (N. Virginia)' };
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/mock`, userId: 'mock', id: ACCOUNT };
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws', reverseDnsPrefix: 'com.amazonaws' };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return { names: [`${REGION}a`, `${REGION}b`, `${REGION}c`], zoneIds: ['use1-az1', 'use1-az2', 'use1-az4'], id: REGION };
    case 'aws:ecr/getAuthorizationToken:getAuthorizationToken':
      return { proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`, password: 'mock', userName: 'AWS', authorizationToken: 'mock' };
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      // The real call echoes its inputs (SST reads `statements` back) besides the JSON.
      return { ...inputs, json: JSON.stringify(policyDocument(inputs)), id: 'policy' };
    default:
      if (!token.startsWith('aws:cloudfront/get') && !token.startsWith('aws:ec2/getManagedPrefixList')) {
        unknownCalls.add(token);
      }
      return { id: `${token}-mock`, arn: `arn:aws:mock:${REGION}:${ACCOUNT}:${token}`, name: token, ...inputs };
  }
}

/** Turns `iam.getPolicyDocument` inputs into the IAM JSON a real call would return. */
function policyDocument(inputs: Record<string, unknown>) {
  const statements = (inputs.statements ?? []) as Array<Record<string, unknown>>;
  return {
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      Effect: s.effect === 'Deny' ? 'Deny' : 'Allow',
      ...(s.actions ? { Action: s.actions } : {}),
      ...(s.resources ? { Resource: s.resources } : {}),
      ...(s.principals ? { Principal: s.principals } : {}),
    })),
  };
}

/** Bundles one Lambda handler, as SST's own build would, to prove the file and export exist. */
async function buildFunction(input: Record<string, unknown>, esbuild: typeof import('esbuild')) {
  const functionID = String(input.functionID);
  const handler = String(input.handler);
  const out = path.join(work, 'functions', functionID);
  fs.mkdirSync(out, { recursive: true });
  const dot = handler.lastIndexOf('.');
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const links = (input.links ?? {}) as Record<string, Record<string, unknown>>;
  const record: FunctionBuild = { functionID, handler, links, file: null, exports: [], errors: [] };
  builds.push(record);
  const file = ['.ts', '.mts', '.js', '.mjs'].map((ext) => modulePath + ext).find((candidate) => fs.existsSync(path.join(root, candidate)));
  if (!file) {
    record.errors.push(`handler file for "${handler}" not found (looked for ${modulePath}.ts/.mts/.js/.mjs)`);
    return { handler: 'index.handler', out, errors: [], sourcemaps: [] };
  }
  record.file = file;
  try {
    const result = await esbuild.build({
      entryPoints: { index: path.join(root, file) },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      outdir: out,
      outExtension: { '.js': '.mjs' },
      metafile: true,
      logLevel: 'silent',
      // Like SST's default: everything bundled, the AWS SDK included.
    });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
    record.exports = output?.exports ?? [];
    if (!record.exports.includes(exportName)) {
      record.errors.push(`${file} does not export "${exportName}" (exports: ${record.exports.join(', ') || 'none'})`);
    }
  } catch (error) {
    record.errors.push(`esbuild failed for ${file}: ${describe(error)}`);
  }
  return { handler: `index.${exportName}`, out, errors: [], sourcemaps: [] };
}

/** Stub of the SST CLI's RPC endpoint (`$SST_SERVER/rpc`), loopback only. */
async function startRpcStub(esbuild: typeof import('esbuild')) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    const answer = async () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [Record<string, unknown>] };
      let result: unknown;
      let error: string | undefined;
      try {
        if (method === 'Provider.Aws.Bootstrap') {
          result = {
            asset: `sst-asset-${ACCOUNT}`,
            assetEcrRegistryId: ACCOUNT,
            assetEcrUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sst-asset`,
            state: `sst-state-${ACCOUNT}`,
            appsyncHttp: '',
            appsyncRealtime: '',
          };
        } else if (method === 'Runtime.Build') {
          result = await buildFunction(params[0], esbuild);
        } else if (method === 'Runtime.AddTarget') {
          result = {};
        } else {
          error = `rpc: can't find method ${method}`;
          errors.push(`unexpected SST RPC ${method}`);
        }
      } catch (caught) {
        error = describe(caught);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result, error }));
    };
    // answer() catches the build's errors itself; a malformed request body ends the evaluation loudly.
    req.on('end', () => void answer());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('rpc stub has no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/** The part of `@pulumi/pulumi` used here (its types live in .sst/platform, outside the repo's reach). */
interface PulumiRuntime {
  runtime: {
    setMocks(
      mocks: {
        newResource(args: { type: string; name: string; inputs: unknown }): { id: string; state: Record<string, unknown> };
        call(args: { token: string; inputs: unknown }): Record<string, unknown>;
      },
      project?: string,
      stack?: string,
      preview?: boolean,
    ): Promise<void>;
    getMonitor(): unknown;
    runInPulumiStack(init: () => Promise<Record<string, unknown> | undefined>): Promise<Record<string, unknown> | undefined>;
    waitForRPCs?(): Promise<void>;
  };
}

interface PlatformBundle {
  pulumi: PulumiRuntime;
  aws: unknown;
  sst: unknown;
  shim: Record<string, unknown>;
  run: (program: () => Promise<Record<string, unknown> | void>) => Promise<Record<string, unknown> | undefined>;
  esbuild: typeof import('esbuild');
}

interface SstConfig {
  app(input: { stage: string }): { name: string; removal?: string; protect?: boolean; providers?: Record<string, unknown> };
  run(): Promise<Record<string, unknown> | void>;
}

async function main() {
  // Parts of the platform read `$app` while their module loads; filled in once app() has run.
  const appGlobal: Record<string, unknown> = { name: 'pending', stage, removal: 'retain', protect: false, providers: {} };
  (globalThis as Record<string, unknown>).$app = appGlobal;
  const platform = (await import(pathToFileURL(argv.platform!).href)) as PlatformBundle;
  const { pulumi } = platform;
  const rpc = await startRpcStub(platform.esbuild);
  setEnv('SST_SERVER', rpc.url);
  // `sst secret set` values, as the CLI passes them to a deploy; placeholders under mocks (issue 7).
  for (const name of ['OperatorToken', 'PredictionSecret']) setEnv(`SST_SECRET_${name}`, `mock-${name}-value-for-the-offline-check-only`);

  // The globals SST's CLI defines before it loads sst.config.ts (see .sst/platform/src/global.d.ts).
  const g = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(platform.shim)) g[key] = value;
  g.sst = platform.sst;
  g.aws = platform.aws;
  g.$dev = false;
  g.$cli = {
    command: 'deploy',
    rpc: rpc.url,
    paths: { home: path.join(work, 'home'), root, work, platform: path.join(root, '.sst', 'platform') },
    state: { version: {} },
  };

  const config = ((await import(pathToFileURL(argv.config!).href)) as { default: SstConfig }).default;
  const app = config.app({ stage });
  const removal = app.removal ?? 'retain';
  const protect = app.protect ?? false;
  Object.assign(appGlobal, { name: app.name, stage, removal, protect, providers: app.providers ?? {} });

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = (plain(args.inputs) ?? {}) as Record<string, unknown>;
        const opts = options.get(`${args.type}::${args.name}`);
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          retainOnDelete: opts?.retainOnDelete ?? false,
          protect: opts?.protect ?? false,
        });
        return { id: `${args.name}-id`, state: mockState(args.type, args.name, inputs) };
      },
      call(args) {
        return mockCall(args.token, (plain(args.inputs) ?? {}) as Record<string, unknown>);
      },
    },
    app.name,
    stage,
    false,
  );

  // The mock API does not pass resource options; read `retainOnDelete` and `protect` off the
  // registration request before the mock monitor handles it.
  const monitor = pulumi.runtime.getMonitor() as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    options.set(`${req.getType()}::${req.getName()}`, {
      retainOnDelete: Boolean(req.getRetainondelete?.()),
      protect: Boolean(req.getProtect?.()),
    });
    return original(req, callback);
  };

  let outputs: Record<string, unknown> = {};
  try {
    outputs = (await pulumi.runtime.runInPulumiStack(() => platform.run(() => config.run()))) ?? {};
  } catch (error) {
    errors.push(`run() failed: ${describe(error)}`);
  }
  // Components keep registering resources inside `apply` callbacks after run() returns.
  await pulumi.runtime.waitForRPCs?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await pulumi.runtime.waitForRPCs?.();

  const graph: Graph = {
    stage,
    app: { name: app.name, removal, protect },
    resources,
    outputs: (plain(outputs) ?? {}) as Record<string, unknown>,
    builds,
    errors,
    unknownCalls: [...unknownCalls].sort(),
  };
  fs.writeFileSync(argv.out!, JSON.stringify(graph, null, 1));
  rpc.server.close();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
