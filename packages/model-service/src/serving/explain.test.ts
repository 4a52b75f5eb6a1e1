// Explanations and confidence on the committed model (models/CURRENT), and the ONNX weight reader.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { LABELS, normalizeText, type Label } from '@sentiment/core';
import { Featurizer } from '../features/featurizer.ts';
import { currentModelDir, MODEL_FILES, readModelFiles } from './artifacts.ts';
import { createExplainer, type Explainer } from './explain.ts';
import { loadOnnxPredictor, MIN_KNOWN_WORD_SHARE } from './onnx-predictor.ts';
import { readLinearWeights, type LinearWeights } from './onnx-weights.ts';
import type { Predictor } from './predictor.ts';

const MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

const SENTENCES = [
  'I was terrified when a man with a knife followed me home in the dark.',
  "I didn't tell my mother that I'd broken her favourite vase, and I can't forget it.",
  'My best friend’s dog died last winter; we’re still sad about it.',
  'When I PASSED my 2nd year exams I was SO happy, I was happy all week!',
  'A man spat on the pavement next to our café — disgusting.',
  'qwzx vbnm',
  '😀😀😀',
].map((text) => normalizeText(text));

describe('explanations of the committed model', () => {
  let dir: string;
  let predictor: Predictor;
  let weights: LinearWeights;
  let explain: Explainer;
  let labels: readonly Label[];

  before(async () => {
    dir = await currentModelDir(MODELS_DIR);
    predictor = await loadOnnxPredictor(dir, { threads: 1 });
    const { info, tokenizer } = await readModelFiles(dir);
    labels = info.labels;
    weights = readLinearWeights(await readFile(path.join(dir, MODEL_FILES.onnx)));
    explain = createExplainer(new Featurizer(tokenizer), weights, labels);
  });
  after(() => predictor?.close());

  it('reads the same table and bias from model.onnx as the ONNX protobuf library', async () => {
    const model = onnxProto.onnx.ModelProto.decode(await readFile(path.join(dir, MODEL_FILES.onnx)));
    for (const name of ['table', 'bias'] as const) {
      const init = model.graph!.initializer!.find((t) => t.name === name)!;
      const raw = init.rawData!;
      const expected = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      assert.deepEqual(weights[name], expected, name);
    }
    assert.equal(weights.classes, 7);
  });

  it('refuses bytes that are not a linear embedding-bag graph', () => {
    assert.throws(() => readLinearWeights(new Uint8Array([0x3a, 0x02, 0x08, 0x01])), /no "table" and "bias"/);
    assert.throws(() => readLinearWeights(new Uint8Array([0x3a, 0x05, 0x08])), /truncated/);
  });

  it('explanations sum with the bias to the logit, and the softmax of the logits is what ONNX serves', async () => {
    const served = await predictor.predict(SENTENCES);
    // A joint model's encoder block adds its share to every logit (one "whole sentence" entry).
    const shares = predictor.encoderLogits ? await predictor.encoderLogits(SENTENCES) : undefined;
    for (const [i, text] of SENTENCES.entries()) {
      for (const label of LABELS) {
        const { explanation, bias, logit } = explain(text, label);
        const sum = explanation.reduce((s, e) => s + e.weight, 0);
        assert.ok(Math.abs(sum + bias - logit) < 1e-9, `${text} / ${label}: ${sum} + ${bias} vs ${logit}`);
        const served = await predictor.explain!(text, label);
        const share = shares?.[i]![label] ?? 0;
        const total = served.reduce((s, e) => s + e.weight, 0);
        assert.ok(Math.abs(total + bias - (logit + share)) < 1e-5, `${text} / ${label}: served explanation ${total} + ${bias} vs ${logit + share}`);
        assert.equal(served.filter((e) => e.sentence).length, share === 0 ? 0 : 1);
      }
      const logits = explain(text, LABELS[0]).logits.map((z, c) => z + (shares?.[i]![labels[c]!] ?? 0));
      {
        const max = Math.max(...logits);
        const exp = logits.map((z) => Math.exp(z - max));
        const total = exp.reduce((a, b) => a + b, 0);
        labels.forEach((l, c) => {
          assert.ok(Math.abs(exp[c]! / total - served[i]![l]) < 2e-5, `${text}: p(${l}) ${exp[c]! / total} vs served ${served[i]![l]}`);
        });
      }
    }
  });

  it('names words and phrases of the sentence, largest |weight| first, and puts the telling word on top', async () => {
    const text = SENTENCES[0]!;
    const [prediction] = await predictor.score([text]);
    const best = LABELS.reduce((a, b) => (prediction!.probabilities[b] > prediction!.probabilities[a] ? b : a));
    assert.equal(best, 'fear');
    const { explanation } = explain(text, best);
    for (const entry of explanation) assert.ok(text.includes(entry.text), `"${entry.text}" is not part of the sentence`);
    for (let i = 1; i < explanation.length; i++) assert.ok(Math.abs(explanation[i - 1]!.weight) >= Math.abs(explanation[i]!.weight));
    const top = explanation.slice(0, 3);
    assert.ok(top.some((e) => e.text === 'terrified') && top.every((e) => e.weight > 0), top.map((e) => `${e.text} ${e.weight}`).join(', '));
    // Punctuation at a word's edge is not part of it ("dark."); a bigram across words is a phrase; some words push away from fear.
    assert.ok(explanation.some((e) => e.text === 'dark'));
    assert.ok(explanation.some((e) => e.text === 'the dark'));
    assert.ok(explanation.some((e) => e.weight < 0));
    // The same words through the predictor's own method (a joint model adds its sentence entry).
    assert.deepEqual(
      (await predictor.explain!(text, best)).filter((e) => !e.sentence),
      explanation,
    );
  });

  it('credits a contraction to the word as written and a repeated word once, with both occurrences', () => {
    const { explanation } = explain(SENTENCES[1]!, 'guilt');
    const texts = explanation.map((e) => e.text);
    assert.ok(texts.includes("didn't"), texts.join(' | '));
    assert.ok(!texts.includes('did') && !texts.includes('not'), 'tokens of a contraction are not listed apart');
    const happy = explain(SENTENCES[3]!, 'joy').explanation.filter((e) => e.text === 'happy');
    assert.equal(happy.length, 1);
  });

  it('has nothing to say about a text with no known feature: the logit is the bias', () => {
    for (const text of ['😀😀😀', '']) {
      const { explanation, bias, logit } = explain(text, 'joy');
      assert.deepEqual(explanation, []);
      assert.equal(logit, bias);
    }
  });
});

describe('confidence of the committed model', () => {
  let predictor: Predictor;
  let threshold: number;
  before(async () => {
    const dir = await currentModelDir(MODELS_DIR);
    predictor = await loadOnnxPredictor(dir, { threads: 1 });
    const { info } = await readModelFiles(dir);
    assert.ok(info.lowConfidence, 'model.json has lowConfidence');
    threshold = info.lowConfidence.threshold;
  });
  after(() => predictor?.close());

  it('has a threshold chosen from its calibration, between chance and certainty', () => {
    assert.ok(threshold > 1 / 7 && threshold < 0.9, `threshold ${threshold}`);
  });

  const cases: Array<[kind: string, text: string, confidence: 'low' | 'high']> = [
    ['emoji only', '😀😀😀', 'low'],
    ['emoji only', '😡💔😭', 'low'],
    ['Japanese', '私は試験に合格してとても嬉しかった', 'low'],
    ['Finnish', 'Olin todella iloinen kun pääsin ylioppilaaksi', 'low'],
    ['Finnish', 'Minua pelotti kun koira hyökkäsi kimppuuni pimeässä', 'low'],
    ['German', 'Ich war sehr glücklich, als ich die Prüfung bestanden habe', 'low'],
    ['French', "J'étais très heureux quand j'ai réussi mon examen", 'low'],
    ['Spanish', 'Estaba muy feliz cuando aprobé el examen', 'low'],
    ['nonsense', 'qwzx vbnm', 'low'],
    ['nonsense', 'asdf jkl qwerty zxcv', 'low'],
    ['a clear ISEAR-like sentence', 'I was terrified when a man with a knife followed me home in the dark.', 'high'],
    ['a clear ISEAR-like sentence', 'My grandmother died last winter.', 'high'],
    ['a clear ISEAR-like sentence', "I felt guilty for forgetting my mother's birthday", 'high'],
  ];
  for (const [kind, text, confidence] of cases) {
    it(`is ${confidence} for ${kind}: ${text}`, async () => {
      const [scored] = await predictor.score([normalizeText(text)]);
      const top = Math.max(...LABELS.map((l) => scored!.probabilities[l]));
      assert.equal(scored!.confidence, confidence, `top probability ${top}, threshold ${threshold}`);
    });
  }

  it('is low for a text with no known feature or too few known words even where the threshold alone would call it high', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'low-threshold-'));
    try {
      const dir = await currentModelDir(MODELS_DIR);
      await cp(dir, copy, { recursive: true });
      const info = JSON.parse(await readFile(path.join(copy, MODEL_FILES.info), 'utf8')) as { lowConfidence: { threshold: number } };
      info.lowConfidence.threshold = 0.05;
      await writeFile(path.join(copy, MODEL_FILES.info), JSON.stringify(info));
      const lenient = await loadOnnxPredictor(copy, { threads: 1 });
      try {
        const texts = [
          '😀😀😀',
          'qwzx vbnm',
          'Olin todella iloinen kun pääsin ylioppilaaksi',
          'table window seven',
          'My grandmother died last winter.',
        ];
        const [unknown, nonsense, finnish, known, clear] = await lenient.score(texts);
        assert.equal(unknown!.confidence, 'low', 'no known feature: the answer is the bias alone');
        assert.equal(nonsense!.confidence, 'low', 'known character n-grams but no known word');
        assert.equal(finnish!.confidence, 'low', `2 of 6 words known, under ${MIN_KNOWN_WORD_SHARE}`);
        assert.equal(known!.confidence, 'high', 'every word known, top probability above 0.05');
        assert.equal(clear!.confidence, 'high');
      } finally {
        await lenient.close();
      }
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
