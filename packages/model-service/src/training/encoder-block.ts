/**
 * The sentence-encoder feature block (issue 11): the 512-d USE-lite vector of each text, times a
 * block weight, appended to the dense part of the linear model, so today's n-gram and word-vector
 * features and the encoder vector share one softmax. Additive to `pipeline.ts`: it reuses its
 * steps and only appends columns to the dataset and a second input to the exported graph.
 *
 * Export: the classifier graph (`model.onnx`) gets a second input `encoderVector` [batch, 512] and
 * a second output `encoderLogits` [batch, 7] (the encoder block's share of the logits, for
 * explanations: one "whole sentence" share beside the words). The encoder itself is not in the
 * version: `model.json` `encoder` names it and its weight hashes, and serving builds it at start.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { LABELS, normalizeText, type Label } from '@sentiment/core';
import { Featurizer } from '../features/featurizer.ts';
import { createTokenizer } from '../features/tokenizer.ts';
import { ENCODER_DIM, type EncoderReference, type SentenceEncoder } from '../encoder/encoder.ts';
import { MODEL_FILES, ONNX_IO } from '../serving/artifacts.ts';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import { fitTokenizer } from './fit-tokenizer.ts';
import { buildDataset, predictProba, type Dataset, type LinearModel, type WordVectors } from './linear.ts';
import { fitLinear } from './dense-products.ts';
import { foldedTable } from './onnx-export.ts';
import { gloveSubset, labelIndexes, REFERENCE_TEXTS, type Glove, type TrainOptions } from './pipeline.ts';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** Settings of the encoder block. */
export interface EncoderBlockOptions {
  /** Multiplier of the (unit-length) encoder vector in the dense features; 0 leaves the block out. */
  weight: number;
  /** Nearest-neighbour vote: not shipped (see MODEL_CARD.md for the measurement). */
}

/**
 * Chosen on CV folds 1–2 of ISEAR `train.csv` and confirmed on folds 3–5 (MODEL_CARD.md,
 * `npm run experiment:encoder`).
 */
export const DEFAULT_ENCODER_BLOCK: EncoderBlockOptions = { weight: 3 };

/**
 * Encodes each distinct text once and keeps its vector, so cross-validation folds and the final
 * fit reuse them (the encoder is the slow part of featurisation).
 */
export class EncoderCache {
  readonly #encoder: SentenceEncoder;
  readonly #vectors = new Map<string, Float32Array>();

  constructor(encoder: SentenceEncoder) {
    this.#encoder = encoder;
  }

  get reference(): EncoderReference {
    return this.#encoder.reference;
  }

  /** Encodes the texts not seen yet, 64 at a time; `onProgress(done, total)` after each batch. */
  async prepare(texts: readonly string[], onProgress?: (done: number, total: number) => void): Promise<void> {
    const missing = [...new Set(texts)].filter((t) => !this.#vectors.has(t));
    for (let i = 0; i < missing.length; i += 64) {
      const batch = missing.slice(i, i + 64);
      const vectors = await this.#encoder.encode(batch);
      batch.forEach((text, j) => this.#vectors.set(text, vectors.slice(j * ENCODER_DIM, (j + 1) * ENCODER_DIM)));
      onProgress?.(Math.min(i + 64, missing.length), missing.length);
    }
  }

  /** Vectors [texts, 512] of texts already {@link prepare}d. */
  vectors(texts: readonly string[]): Float32Array {
    const out = new Float32Array(texts.length * ENCODER_DIM);
    texts.forEach((text, i) => {
      const v = this.#vectors.get(text);
      if (!v) throw new Error(`text not encoded yet: ${JSON.stringify(text.slice(0, 40))}`);
      out.set(v, i * ENCODER_DIM);
    });
    return out;
  }
}

/** `data` with `weight × vectors` [rows, 512] appended to its dense columns. */
export function appendEncoderBlock(data: Dataset, vectors: Float32Array, weight: number): Dataset {
  const dim = data.dim + ENCODER_DIM;
  const dense = new Float64Array(data.rows * dim);
  for (let r = 0; r < data.rows; r++) {
    dense.set(data.dense.subarray(r * data.dim, (r + 1) * data.dim), r * dim);
    for (let d = 0; d < ENCODER_DIM; d++) dense[r * dim + data.dim + d] = weight * vectors[r * ENCODER_DIM + d]!;
  }
  return { ...data, dense, dim };
}

/** A trained joint model. `model.dim` = word-vector dim + 512 (word vectors first). */
export interface JointTrained {
  featurizer: Featurizer;
  model: LinearModel;
  wordVectors: WordVectors | undefined;
  block: EncoderBlockOptions;
}

/** Everything one joint fit needs, as plain data (it crosses to a worker thread in `joint-fit-pool.ts`). */
export interface JointFitJob {
  texts: string[];
  labels: Label[];
  options: TrainOptions;
  block: EncoderBlockOptions;
  /** The GloVe words and vectors this fit may use ({@link gloveSubset}); undefined without GloVe. */
  subset: { words: string[]; vectors: WordVectors } | undefined;
  /** Encoder vectors of `texts`, [texts, 512]. */
  vectors: Float32Array;
}

/** The job of fitting on `texts` (GloVe subset chosen here, vectors taken from `cache`). */
export function jointFitJob(
  texts: readonly string[],
  labels: readonly Label[],
  options: TrainOptions,
  block: EncoderBlockOptions,
  glove: Glove | undefined,
  cache: EncoderCache,
): JointFitJob {
  const useGlove = options.features.gloveScale > 0 ? glove : undefined;
  const subset = gloveSubset(useGlove, texts, options.gloveTopWords, createTokenizer(options.features.text));
  return { texts: [...texts], labels: [...labels], options, block, subset, vectors: cache.vectors(texts) };
}

/**
 * Runs a {@link JointFitJob} on this thread (the dense block's products in ONNX Runtime, see
 * `dense-products.ts` {@link fitLinear}).
 */
export async function runJointFit(job: JointFitJob, onProgress?: (iteration: number, objective: number) => void): Promise<JointTrained> {
  const { featurizer, wordVectors, data } = jointFitData(job);
  const model = await fitLinear(data, labelIndexes(job.labels), LABELS.length, featurizer.gloveOffset, job.options.linear, onProgress);
  return { featurizer, model, wordVectors, block: job.block };
}

/** The fitted featurizer of a {@link JointFitJob} and its training {@link Dataset} (encoder block appended): a joint fit up to the linear model. */
export function jointFitData(job: JointFitJob): { featurizer: Featurizer; wordVectors: WordVectors | undefined; data: Dataset } {
  const { texts, labels, options, block, subset } = job;
  const tokenizer = fitTokenizer(texts, options.features, subset?.words ?? [], labelIndexes(labels));
  const featurizer = new Featurizer(tokenizer);
  const wordVectors = tokenizer.glove ? subset?.vectors : undefined;
  const data = appendEncoderBlock(buildDataset(featurizer, texts, wordVectors), job.vectors, block.weight);
  return { featurizer, wordVectors, data };
}

/** Fits features and the joint linear model; `cache` must hold the texts' vectors. */
export function trainJoint(
  texts: readonly string[],
  labels: readonly Label[],
  options: TrainOptions,
  block: EncoderBlockOptions,
  glove: Glove | undefined,
  cache: EncoderCache,
  onProgress?: (iteration: number, objective: number) => void,
): Promise<JointTrained> {
  return runJointFit(jointFitJob(texts, labels, options, block, glove, cache), onProgress);
}

/** Probabilities [texts, 7] of a joint model (the training code's own forward pass). */
export function predictJoint(trained: JointTrained, texts: readonly string[], cache: EncoderCache): Float64Array {
  const data = appendEncoderBlock(buildDataset(trained.featurizer, texts, trained.wordVectors), cache.vectors(texts), trained.block.weight);
  return predictProba(trained.model, data);
}

/** The word-vector part as its own linear model (for `foldedTable`) and the encoder projection [512, K] times the block weight. */
export function splitJoint(trained: JointTrained): { wordPart: LinearModel; encoderProjection: Float32Array } {
  const K = trained.model.classes;
  const wordDim = trained.model.dim - ENCODER_DIM;
  const wordPart: LinearModel = { ...trained.model, dim: wordDim, projection: trained.model.projection.subarray(0, wordDim * K) };
  const encoderProjection = Float32Array.from(trained.model.projection.subarray(wordDim * K), (v) => v * trained.block.weight);
  return { wordPart, encoderProjection };
}

function float32Raw(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/**
 * The classifier graph: the embedding bag of `onnx-export.ts` plus `encoderVector · P`:
 *
 *   Gather(table, featureIds) · featureWeights → ReduceSum ─┐
 *   encoderVector [batch, 512] · P [512, K] = encoderLogits ─┴─ Add(bias) → logits → Softmax → probabilities
 */
export function buildJointOnnxModel(
  table: Float32Array,
  bias: ArrayLike<number>,
  projection: Float32Array,
  classes: number,
  docString: string,
): Uint8Array {
  const rows = table.length / classes;
  const A = onnx.AttributeProto.AttributeType;
  const batch = (name: string, elemType: number, second: { dimParam: string } | { dimValue: number }) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'batch' }, second] } } },
  });
  const graph = onnx.GraphProto.create({
    name: 'emotion_embedding_bag_with_encoder',
    initializer: [
      onnx.TensorProto.create({ name: 'table', dims: [rows, classes], dataType: FLOAT, rawData: float32Raw(table) }),
      onnx.TensorProto.create({ name: 'bias', dims: [classes], dataType: FLOAT, rawData: float32Raw(bias) }),
      onnx.TensorProto.create({ name: 'encoder_projection', dims: [ENCODER_DIM, classes], dataType: FLOAT, rawData: float32Raw(projection) }),
      onnx.TensorProto.create({ name: 'axis1', dims: [1], dataType: INT64, rawData: new Uint8Array(BigInt64Array.of(1n).buffer) }),
      onnx.TensorProto.create({ name: 'axis2', dims: [1], dataType: INT64, rawData: new Uint8Array(BigInt64Array.of(2n).buffer) }),
    ],
    node: [
      onnx.NodeProto.create({
        name: 'gather',
        opType: 'Gather',
        input: ['table', ONNX_IO.ids],
        output: ['rows'],
        attribute: [{ name: 'axis', type: A.INT, i: 0 }],
      }),
      onnx.NodeProto.create({ name: 'unsqueeze', opType: 'Unsqueeze', input: [ONNX_IO.weights, 'axis2'], output: ['w3'] }),
      onnx.NodeProto.create({ name: 'mul', opType: 'Mul', input: ['rows', 'w3'], output: ['weighted'] }),
      onnx.NodeProto.create({
        name: 'sum',
        opType: 'ReduceSum',
        input: ['weighted', 'axis1'],
        output: ['summed'],
        attribute: [{ name: 'keepdims', type: A.INT, i: 0 }],
      }),
      onnx.NodeProto.create({
        name: 'encoder',
        opType: 'MatMul',
        input: [ONNX_IO.encoderVector, 'encoder_projection'],
        output: [ONNX_IO.encoderLogits],
      }),
      onnx.NodeProto.create({ name: 'add_encoder', opType: 'Add', input: ['summed', ONNX_IO.encoderLogits], output: ['bag_and_encoder'] }),
      onnx.NodeProto.create({ name: 'add_bias', opType: 'Add', input: ['bag_and_encoder', 'bias'], output: [ONNX_IO.logits] }),
      onnx.NodeProto.create({
        name: 'softmax',
        opType: 'Softmax',
        input: [ONNX_IO.logits],
        output: [ONNX_IO.probabilities],
        attribute: [{ name: 'axis', type: A.INT, i: -1 }],
      }),
    ],
    input: [
      batch(ONNX_IO.ids, INT64, { dimParam: 'features' }),
      batch(ONNX_IO.weights, FLOAT, { dimParam: 'features' }),
      batch(ONNX_IO.encoderVector, FLOAT, { dimValue: ENCODER_DIM }),
    ],
    output: [batch(ONNX_IO.probabilities, FLOAT, { dimValue: classes }), batch(ONNX_IO.encoderLogits, FLOAT, { dimValue: classes })],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: '@sentiment/model-service',
    docString,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Writes `model.onnx`, `tokenizer.json` and `model.json` of a joint model into `dir`, like
 * `writeModelDir` does for the linear model: calibration folded in (table, projection and bias
 * divided by `temperature`), `model.json` `encoder` = {@link EncoderReference} plus the block
 * weight, and reference predictions computed through the serving path (encoder included).
 */
export async function writeJointModelDir(
  dir: string,
  trained: JointTrained,
  encoder: EncoderReference,
  info: Record<string, unknown>,
  temperature = 1,
): Promise<void> {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  await mkdir(dir, { recursive: true });
  const { wordPart, encoderProjection } = splitJoint(trained);
  const table = foldedTable(trained.featurizer, wordPart, trained.wordVectors);
  for (let i = 0; i < table.length; i++) table[i] = table[i]! / temperature;
  for (let i = 0; i < encoderProjection.length; i++) encoderProjection[i] = encoderProjection[i]! / temperature;
  const bias = Array.from(trained.model.bias, (b) => b / temperature);
  await writeFile(
    path.join(dir, MODEL_FILES.onnx),
    buildJointOnnxModel(table, bias, encoderProjection, trained.model.classes, `emotion model ${String(info['version'])}`),
  );
  await writeFile(path.join(dir, MODEL_FILES.tokenizer), `${JSON.stringify(trained.featurizer.config)}\n`);
  const infoFile = path.join(dir, MODEL_FILES.info);
  const { referencePredictions: _stale, ...rest } = info;
  const withEncoder = { ...rest, encoder: { ...encoder, blockWeight: trained.block.weight } };
  await writeFile(infoFile, `${JSON.stringify(withEncoder, null, 2)}\n`);
  const predictor = await loadOnnxPredictor(dir, { threads: 1, referenceTolerance: Infinity });
  try {
    const texts = REFERENCE_TEXTS.map((text) => normalizeText(text));
    const probabilities = await predictor.predict(texts);
    const referencePredictions = texts.map((text, i) => ({ text, probabilities: probabilities[i] }));
    await writeFile(infoFile, `${JSON.stringify({ ...withEncoder, referencePredictions }, null, 2)}\n`);
  } finally {
    await predictor.close();
  }
}
