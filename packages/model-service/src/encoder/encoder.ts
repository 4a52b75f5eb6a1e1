/**
 * The sentence encoder as the service and training run it: the pinned USE-lite weights (sha256
 * checked), this project's SentencePiece tokenizer, and the ONNX graph built from the weights in
 * memory at load (no encoder file is stored in a model version or in git).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ort from 'onnxruntime-node';
import { buildEncoderOnnx, encoderMaxTokens, ENCODER_IO, type EncoderGraphOptions } from './onnx-graph.ts';
import { SentencePieceTokenizer } from './sentencepiece.ts';
import { ENCODER_FILES, ENCODER_ID, loadEncoderWeights } from './use-lite.ts';

/**
 * One full garbage collection right after the graph is built. Building leaves about 100 MB of
 * buffers (float32 weights, int8 copies, the ONNX bytes) that V8 otherwise keeps for a long time:
 * measured, a process serving isear-v4 sat at 272–279 MiB without it and 223 MiB with it (issue 11's
 * limit is 300 MiB for the service). Runs once per load, never per request.
 */
function collectBuildGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Not available in this runtime: the memory is reclaimed later by V8's own schedule.
  }
}

/** Width of the sentence vector. */
export const ENCODER_DIM = 512;

/**
 * Rows of one encoder call: a batch is sorted by length and run in chunks of at most this many
 * rows, so short sentences are not padded to the longest of 64 (measured in `npm run bench`).
 */
export const ENCODER_CHUNK_ROWS = 16;

/** What a model version records about the encoder it was trained with (checked at load). */
export interface EncoderReference {
  id: string;
  quantize: EncoderGraphOptions['quantize'];
  files: Record<string, string>;
}

/** A loaded encoder: one ONNX Runtime session. */
export interface SentenceEncoder {
  readonly reference: EncoderReference;
  /** Piece ids of a text, cut to the graph's limit (128). */
  tokenize(text: string): number[];
  /** L2-normalised vectors [texts, 512], row-major, in input order. */
  encode(texts: readonly string[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Options of {@link loadSentenceEncoder}. */
export interface SentenceEncoderOptions {
  /** ONNX Runtime intra-op threads. */
  threads: number;
  /** `int8`: dynamically quantised dense layers (see `onnx-graph.ts`); `none`: float32 throughout. */
  quantize: EncoderGraphOptions['quantize'];
  /** Folder of the weight files (default: the installed package). */
  dir?: string;
  /** Test hook passed to the graph builder. */
  perturb?: EncoderGraphOptions['perturb'];
}

/** The tokenizer and the session; the weights and the graph bytes stay in this function's scope. */
async function buildSession(options: SentenceEncoderOptions) {
  const weights = await loadEncoderWeights(options.dir);
  const tokenizer = new SentencePieceTokenizer(weights.vocabulary);
  const maxTokens = encoderMaxTokens(weights);
  const bytes = buildEncoderOnnx(weights, { quantize: options.quantize, perturb: options.perturb });
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return { tokenizer, maxTokens, session };
}

/**
 * Reads and checks the weights, builds the graph and creates its session (about 1 s).
 * @throws when a weight file is missing or differs from its pinned sha256.
 */
export async function loadSentenceEncoder(options: SentenceEncoderOptions): Promise<SentenceEncoder> {
  const { tokenizer, maxTokens, session } = await buildSession(options);
  collectBuildGarbage(); // the weights and graph bytes are out of scope now

  const reference: EncoderReference = { id: ENCODER_ID, quantize: options.quantize, files: { ...ENCODER_FILES } };
  const tokenize = (text: string) => tokenizer.encode(text).slice(0, maxTokens);

  const run = async (rows: number[][]): Promise<Float32Array> => {
    const width = Math.max(1, ...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * width).fill(-1n);
    rows.forEach((row, r) => row.forEach((id, j) => (ids[r * width + j] = BigInt(id))));
    const output = await session.run({ [ENCODER_IO.tokenIds]: new ort.Tensor('int64', ids, [rows.length, width]) });
    return output[ENCODER_IO.vector]!.data as Float32Array;
  };

  return {
    reference,
    tokenize,
    async encode(texts) {
      const out = new Float32Array(texts.length * ENCODER_DIM);
      if (texts.length === 0) return out;
      const rows = texts.map(tokenize);
      const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.length - rows[b]!.length);
      for (let start = 0; start < order.length; start += ENCODER_CHUNK_ROWS) {
        const chunk = order.slice(start, start + ENCODER_CHUNK_ROWS);
        const vectors = await run(chunk.map((i) => rows[i]!));
        chunk.forEach((row, j) => out.set(vectors.subarray(j * ENCODER_DIM, (j + 1) * ENCODER_DIM), row * ENCODER_DIM));
      }
      return out;
    },
    close: () => session.release(),
  };
}
