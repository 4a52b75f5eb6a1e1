/**
 * The model service on ECS Fargate behind an Application Load Balancer.
 *
 * - Image: `packages/model-service/Dockerfile`, built with the repository root as context (the
 *   service imports `@sentiment/core` from the workspace).
 * - Task size: {@link TASK_VCPU} vCPU, {@link TASK_MEMORY}; `ORT_THREADS` equals the vCPUs so ONNX
 *   Runtime uses exactly the cores the task pays for, never the host's core count.
 * - Load balancer: listens on 80/http, forwards to 8080, health check `GET /readyz` (503 until the
 *   model is loaded and while draining). Idle timeout {@link ALB_IDLE_TIMEOUT_S} s, below the
 *   service's 65 s keep-alive, so the balancer never reuses a socket the service has just closed.
 * - Scaling: 1 to 3 tasks, target tracking on CPU and on requests per task.
 * - Network: an SST Vpc without NAT. SST places Fargate tasks in the public subnets with a public
 *   IP (to pull the image from ECR); the VPC's default security group only admits traffic from
 *   inside the VPC, so the tasks are reachable through the load balancer only.
 */

/** vCPUs per task; ONNX Runtime gets as many intra-op threads ({@link ortThreads}). */
export const TASK_VCPU = 1;
/** ONNX Runtime intra-op threads for a task size: its whole vCPUs, at least 1 (fractional tasks get 1). */
export function ortThreads(vcpu: number): number {
  return Math.max(1, Math.floor(vcpu));
}
/** Memory per task: the ONNX session and Node need well under 1 GB; 2 GB is Fargate's floor for 1 vCPU. */
export const TASK_MEMORY = '2 GB';
/** Port the service listens on inside the container. */
export const SERVICE_PORT = 8080;
/** ALB idle timeout in seconds (AWS default 60, stated explicitly); must stay below the service's 65 s keep-alive. */
export const ALB_IDLE_TIMEOUT_S = 60;
/** Scaling bounds and targets. Request target: ALB requests per task per minute. */
export const SCALING = { min: 1, max: 3, cpuUtilization: 60, requestCount: 3000 } as const;

/**
 * @param config.modelVersion pin a committed model version (`MODEL_DIR=models/<version>`); by
 *   default the service serves the version in models/CURRENT.
 */
export function createModelService(config: { modelVersion?: string | undefined; predictionSecret?: sst.Secret } = {}) {
  const production = $app.stage === 'production';
  const vpc = new sst.aws.Vpc('Vpc');
  const cluster = new sst.aws.Cluster('Cluster', { vpc });

  // Same probe as the Dockerfile's HEALTHCHECK: the image has no curl.
  const probe = `fetch('http://127.0.0.1:${SERVICE_PORT}/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;

  const service = new sst.aws.Service('ModelService', {
    cluster,
    image: { context: '.', dockerfile: 'packages/model-service/Dockerfile' },
    architecture: 'x86_64',
    cpu: `${TASK_VCPU} vCPU`,
    memory: TASK_MEMORY,
    environment: {
      PORT: String(SERVICE_PORT),
      HOST: '0.0.0.0',
      ORT_THREADS: String(ortThreads(TASK_VCPU)),
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      // Relative to the image's WORKDIR (/app), where every committed version is baked in.
      ...(config.modelVersion ? { MODEL_DIR: `models/${config.modelVersion}` } : {}),
    },
    // Issue 7: the service signs each prediction with this secret (SST_RESOURCE_PredictionSecret).
    link: config.predictionSecret ? [config.predictionSecret] : [],
    // `sst dev` does not deploy the container; it runs the service locally instead.
    dev: { command: 'npm start', directory: 'packages/model-service' },
    // Fargate Spot (about 70% cheaper, may be interrupted) everywhere but production.
    ...(production ? {} : { capacity: 'spot' as const }),
    health: {
      command: ['CMD', 'node', '-e', probe],
      startPeriod: '30 seconds',
      interval: '30 seconds',
      timeout: '5 seconds',
      retries: 3,
    },
    loadBalancer: {
      rules: [{ listen: '80/http', forward: `${SERVICE_PORT}/http` }],
      health: {
        [`${SERVICE_PORT}/http`]: {
          path: '/readyz',
          interval: '10 seconds',
          timeout: '5 seconds',
          healthyThreshold: 2,
          unhealthyThreshold: 3,
          successCodes: '200',
        },
      },
    },
    scaling: {
      min: SCALING.min,
      max: SCALING.max,
      cpuUtilization: SCALING.cpuUtilization,
      memoryUtilization: false,
      requestCount: SCALING.requestCount,
    },
    // Production deploys wait until the new tasks pass the health check.
    wait: production,
    transform: {
      loadBalancer: (args) => {
        args.idleTimeout = ALB_IDLE_TIMEOUT_S;
      },
      target: (args) => {
        // The service drains in-flight requests on SIGTERM within seconds; AWS's default is 300 s.
        args.deregistrationDelay = 30;
      },
    },
  });

  return { vpc, cluster, service };
}
