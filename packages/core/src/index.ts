export * from './labels/labels.ts';
export * from './text/normalize.ts';
export * from './text/schema.ts';
export * from './review/schemas.ts';
export * from './errors.ts';
export * from './csv/columns.ts';
export * from './service/schemas.ts';
