import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeText } from '@sentiment/core';
import { createTokenizer } from '../features/tokenizer.ts';
import { DEFAULT_TEXT_SETTINGS, fitTokenizer, type FeatureOptions } from './fit-tokenizer.ts';

const OPTIONS: FeatureOptions = {
  text: DEFAULT_TEXT_SETTINGS,
  wordNgramMax: 2,
  charNgramMin: 3,
  charNgramMax: 4,
  minDf: 1,
  wordScale: 1,
  charScale: 0.5,
  gloveScale: 2,
};

describe('the default text settings (written into new models)', () => {
  const tokenize = createTokenizer(DEFAULT_TEXT_SETTINGS);

  it('lowercases and drops punctuation', () => {
    assert.deepEqual(tokenize('When my DOG died, I cried!!! (a lot)'), ['when', 'my', 'dog', 'died', 'i', 'cried', 'a', 'lot']);
  });

  it('expands contractions into words GloVe knows, with straight or curly apostrophes', () => {
    assert.deepEqual(tokenize("I didn't know I'm late"), ['i', 'did', 'not', 'know', 'i', 'am', 'late']);
    assert.deepEqual(tokenize('I didn’t, we’re, they’ve, you’ll, he’d'), [
      'i',
      'did',
      'not',
      'we',
      'are',
      'they',
      'have',
      'you',
      'will',
      'he',
      'would',
    ]);
    assert.deepEqual(tokenize("can't won't ain't"), ['can', 'not', 'will', 'not', 'is', 'not']);
  });

  it("drops the possessive 's but keeps the noun", () => {
    assert.deepEqual(tokenize("my friend's car"), ['my', 'friend', 'car']);
  });

  it('keeps accented letters and digits as parts of tokens', () => {
    assert.deepEqual(tokenize(normalizeText('Fiance\u0301e café 2nd')), ['fiancée', 'café', '2nd']);
  });

  it('gives no tokens for punctuation or emoji only', () => {
    assert.deepEqual(tokenize('?!… 😀'), []);
  });
});

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
