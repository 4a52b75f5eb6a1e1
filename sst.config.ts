// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- SST's documented way to load its global types.
/// <reference path="./.sst/platform/config.d.ts" />

/**
 * SST app: every AWS resource of the Sentiment Prediction App. `run()` hands over to one file per
 * concern under `infra/`, each returning what the next one needs. Stage `production` keeps its
 * data (`removal: 'retain'`, `protect`); every other stage is removed completely by `sst remove`.
 * See docs/deploy.md.
 */
export default $config({
  app(input) {
    const production = input?.stage === 'production';
    return {
      name: 'sentiment',
      home: 'aws',
      removal: production ? 'retain' : 'remove',
      protect: production,
      // The cost figures in docs/deploy.md are for this region.
      providers: { aws: { region: 'us-east-1' } },
    };
  },
  async run() {
    const { readDeployConfig } = await import('./infra/config.ts');
    const { createStorage } = await import('./infra/storage.ts');
    const { createModelService } = await import('./infra/model.ts');
    const { createApi } = await import('./infra/api.ts');
    const { createWeb } = await import('./infra/web.ts');
    const { createSecrets } = await import('./infra/secrets.ts');

    const config = readDeployConfig(process.env);
    const storage = createStorage();
    const secrets = createSecrets();
    const model = createModelService({ modelVersion: config.modelVersion, predictionSecret: secrets.predictionSecret });
    const api = createApi(storage, secrets);
    const web = createWeb({ api: api.api, model: model.service });

    return {
      url: web.router.url,
      api: api.api.url,
      modelService: model.service.url,
      reviewsTable: storage.table.name,
    };
  },
});
