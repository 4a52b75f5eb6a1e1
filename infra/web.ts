/**
 * One HTTPS origin (CloudFront, `sst.aws.Router`):
 * - `/api/*`   → the HTTP API, path unchanged (its routes are `/api/...`);
 * - `/model/*` → the model service's load balancer, with `/model` stripped (`/model/predict` →
 *   `/predict`) by the router's `rewrite`, which runs in the CloudFront viewer-request function;
 * - everything else → the static Next.js export in S3.
 *
 * The load balancer has no TLS certificate without a custom domain, so CloudFront reaches it over
 * HTTP; the browser only ever talks HTTPS to CloudFront.
 */

/** Router path prefixes; the site takes the rest. */
export const ROUTES = { api: '/api', model: '/model' } as const;

export function createWeb(input: { api: sst.aws.ApiGatewayV2; model: sst.aws.Service }) {
  const router = new sst.aws.Router('Router');

  router.route(ROUTES.api, input.api.url);
  router.route(ROUTES.model, input.model.url, {
    rewrite: { regex: '^/model/(.*)$', to: '/$1' },
    // batch-predict of 256 texts on one vCPU stays well inside this.
    readTimeout: '30 seconds',
  });

  const site = new sst.aws.StaticSite('Web', {
    path: 'packages/web',
    build: { command: 'npm run build', output: 'out' },
    router: { instance: router },
  });

  return { router, site };
}
