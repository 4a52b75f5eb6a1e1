export * from './prediction-token.ts';
