import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitTokenizer, type FeatureOptions } from './fit-tokenizer.ts';

const OPTIONS: FeatureOptions = {
  wordNgramMax: 2,
  charNgramMin: 3,
  charNgramMax: 4,
  minDf: 1,
  wordScale: 1,
  charScale: 0.5,
  gloveScale: 2,
};

describe('fitTokenizer with supervised weighting', () => {
  const texts = ['i was happy today', 'i was happy and glad', 'i was afraid of the dog', 'the dog scared me i was afraid'];
  const labels = [0, 0, 1, 1];
  const plain = fitTokenizer(texts, OPTIONS, [], labels);
  const weighted = fitTokenizer(texts, { ...OPTIONS, supervisedWeight: 1 }, [], labels);
  const ratio = (gram: string) => {
    const i = plain.word.vocab.indexOf(gram);
    return (weighted.word.idf[i] ?? 0) / (plain.word.idf[i] ?? 1);
  };

  it('leaves an n-gram found equally in every class at its idf', () => {
    assert.equal(ratio('i was'), 1);
  });

  it('multiplies the idf of a class-specific n-gram by 1 + β·|log ratio| (add-one smoothed)', () => {
    // "happy": 2 of 2 texts of class 0, 0 of 2 of class 1: ln((3/4) / (1/4)) = ln 3.
    assert.ok(Math.abs(ratio('happy') - (1 + Math.log(3))) < 1e-12);
    assert.deepEqual(weighted.word.vocab, plain.word.vocab, 'same vocabulary');
  });

  it('is off without labels or with β = 0', () => {
    assert.deepEqual(fitTokenizer(texts, { ...OPTIONS, supervisedWeight: 1 }, []).word.idf, plain.word.idf);
    assert.deepEqual(fitTokenizer(texts, { ...OPTIONS, supervisedWeight: 0 }, [], labels).word.idf, plain.word.idf);
  });
});
