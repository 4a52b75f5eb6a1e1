import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TEXT_SETTINGS, fitTokenizer, type FeatureOptions } from '../training/fit-tokenizer.ts';
import { Featurizer, packBatch, TokenizerConfigSchema, type SparseFeatures, type TokenizerConfig } from './featurizer.ts';
import { charNgrams, createTokenizer, wordNgrams } from './tokenizer.ts';

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

describe('Featurizer', () => {
  const texts = ['I was afraid of the dog', 'I was happy with the dog', 'the exam made me afraid'];
  const config = fitTokenizer(texts, OPTIONS, ['afraid', 'dog', 'happy']);
  const featurizer = new Featurizer(config);

  it('lays out ids: padding 0, then word, char and word-vector blocks', () => {
    assert.equal(featurizer.charOffset, 1 + config.word.vocab.length);
    assert.equal(featurizer.gloveOffset, featurizer.charOffset + config.char.vocab.length);
    assert.equal(featurizer.tableSize, featurizer.gloveOffset + 3);
  });

  it('L2-normalises each TF-IDF block to its scale and weights the word-vector bag as a scaled mean', () => {
    const f = featurizer.features('I was afraid of the dog dog');
    let word = 0;
    let char = 0;
    let glove = 0;
    f.ids.forEach((id, j) => {
      const w = f.weights[j] ?? 0;
      if (id < featurizer.charOffset) word += w * w;
      else if (id < featurizer.gloveOffset) char += w * w;
      else glove += w;
    });
    assert.ok(Math.abs(Math.sqrt(word) - 1) < 1e-12);
    assert.ok(Math.abs(Math.sqrt(char) - 0.5) < 1e-12);
    assert.ok(Math.abs(glove - 2) < 1e-12, 'word-vector weights sum to the scale');
    // "dog" is 2 of the 3 words found (afraid, dog, dog), so it carries 2/3 of the bag.
    const dogId = featurizer.gloveOffset + (config.glove?.vocab.indexOf('dog') ?? -1);
    assert.ok(Math.abs((f.weights[f.ids.indexOf(dogId)] ?? 0) - (2 * 2) / 3) < 1e-12);
    assert.deepEqual(
      [...f.ids].sort((a, b) => a - b),
      f.ids,
      'ids are sorted',
    );
    assert.equal(new Set(f.ids).size, f.ids.length, 'ids are unique');
  });

  it('gives the same features for a text whose tokens it has already seen (per-token cache)', () => {
    const fresh = new Featurizer(config);
    const text = 'the dog was afraid of the dog';
    const first = fresh.features(text);
    assert.ok(
      first.ids.some((id) => id >= fresh.charOffset && id < fresh.gloveOffset),
      'has character n-grams',
    );
    fresh.features('afraid happy dog');
    assert.deepEqual(fresh.features(text), first);
    assert.deepEqual(featurizer.features(text), first);
  });

  it('ignores out-of-vocabulary words and returns nothing for a text of unknown words', () => {
    assert.deepEqual(featurizer.features('zzzz qqqq'), { ids: [], weights: [], knownWordShare: 0 });
  });

  it("carries the text's known-word share, equal to knownWordShare() on the same text", () => {
    const cases: Array<[string, number]> = [
      ['I was afraid of the dog', 1],
      ['the dog zzzz qqqq', 0.5],
      ['zzzz qqqq', 0],
      ['', 0],
      ['!!!', 0],
    ];
    for (const [text, share] of cases) {
      assert.equal(featurizer.features(text).knownWordShare, share, text);
      assert.equal(featurizer.knownWordShare(text), share, text);
    }
  });

  it('weights a rarer n-gram higher than a common one (idf)', () => {
    const f = featurizer.features('happy the');
    const weight = (gram: string) => f.weights[f.ids.indexOf(1 + config.word.vocab.indexOf(gram))] ?? 0;
    assert.ok(weight('happy') > weight('the'));
  });

  it('packs a batch with padding (id 0, weight 0) after each row, at least one column wide', () => {
    const packed = packBatch([
      { ids: [3, 5], weights: [0.5, 0.25] },
      { ids: [], weights: [] },
    ]);
    assert.equal(packed.width, 2);
    assert.deepEqual([...packed.ids], [3n, 5n, 0n, 0n]);
    assert.deepEqual([...packed.weights], [0.5, 0.25, 0, 0]);
    assert.equal(packBatch([{ ids: [], weights: [] }]).width, 1);
  });

  it('packs any integer id as the same int64, also past 2^31', () => {
    const ids = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 40, -1];
    assert.deepEqual([...packBatch([{ ids, weights: ids.map(() => 1) }]).ids], ids.map(BigInt));
  });

  it('drops a block whose norm is 0 and keeps the others', () => {
    const zeroWord = new Featurizer({ ...config, word: { ...config.word, idf: config.word.idf.map(() => 0) } });
    const f = zeroWord.features('I was afraid of the dog');
    const full = featurizer.features('I was afraid of the dog');
    assert.ok(full.ids.some((id) => id < featurizer.charOffset));
    assert.deepEqual(
      f.ids,
      full.ids.filter((id) => id >= featurizer.charOffset),
    );
    assert.deepEqual(zeroWord.features('I was afraid of the dog'), f, 'the scratch is clean afterwards');
  });
});

/**
 * The features as the format defines them, written plainly: n-grams as joined strings looked up
 * by text, counts in order of first occurrence. The featurizer's id-keyed word n-grams and token
 * cache must give exactly these numbers (the same doubles, not close ones).
 */
function referenceFeatures(config: TokenizerConfig, text: string): SparseFeatures {
  const tokens = createTokenizer(config.text)(text);
  const wordIndex = new Map(config.word.vocab.map((gram, i) => [gram, 1 + i]));
  const charOffset = 1 + config.word.vocab.length;
  const charIndex = new Map(config.char.vocab.map((gram, i) => [gram, charOffset + i]));
  const gloveOffset = charOffset + config.char.vocab.length;
  const gloveIndex = new Map((config.glove?.vocab ?? []).map((word, i) => [word, gloveOffset + i]));
  const values = new Map<number, number>();
  const block = (grams: string[], index: Map<string, number>, idf: number[], offset: number, scale: number) => {
    const counts = new Map<number, number>();
    for (const gram of grams) {
      const id = index.get(gram);
      if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const tfidf = [...counts].map(([id, c]) => [id, (1 + Math.log(c)) * idf[id - offset]!] as const);
    let norm = 0;
    for (const [, v] of tfidf) norm += v * v;
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [id, v] of tfidf) values.set(id, (scale * v) / norm);
  };
  block(wordNgrams(tokens, config.word.ngramMin, config.word.ngramMax), wordIndex, config.word.idf, 1, config.word.scale);
  block(charNgrams(tokens, config.char.ngramMin, config.char.ngramMax, config.char.pad), charIndex, config.char.idf, charOffset, config.char.scale);
  const found = tokens.filter((token) => gloveIndex.has(token));
  for (const token of found) {
    const id = gloveIndex.get(token)!;
    values.set(id, (values.get(id) ?? 0) + config.glove!.scale / found.length);
  }
  const ids = [...values.keys()].sort((a, b) => a - b);
  const known = tokens.filter((token) => wordIndex.has(token) || gloveIndex.has(token)).length;
  return { ids, weights: ids.map((id) => values.get(id)!), knownWordShare: tokens.length === 0 ? 0 : known / tokens.length };
}

describe('Featurizer against the plain definition of the features', () => {
  const corpus = [
    'I was afraid of the dog and the dog was afraid of me',
    'the exam made me afraid, the exam made me cry',
    'my friend lied to me and I was angry with my friend',
    "I couldn't sleep: I'm afraid the dog won't come back",
  ];
  const probes = [
    ...corpus,
    'the dog the dog the dog',
    'afraid '.repeat(80), // a count past the small-count table
    'zzzz the qqqq dog',
    'Ünïcødé 😀 naïve café afraid',
    '',
    '!!!',
  ];
  const check = (config: TokenizerConfig) => {
    const featurizer = new Featurizer(config);
    for (const round of [1, 2]) {
      for (const text of probes) assert.deepEqual(featurizer.features(text), referenceFeatures(config, text), `round ${round}: ${text}`);
    }
  };

  it('matches on word 1–3-grams, character 2–4-grams and word vectors', () => {
    check(fitTokenizer(corpus, { ...OPTIONS, wordNgramMax: 3, charNgramMin: 2 }, ['afraid', 'dog', 'exam', 'friend']));
  });

  it('matches when word n-grams start at 2 words (no unigrams)', () => {
    const config = fitTokenizer(corpus, OPTIONS, ['dog']);
    check({ ...config, word: { ...config.word, ngramMin: 2 } });
  });

  it('matches when a token can hold a space (joined n-grams are then ambiguous)', () => {
    // "the dog" is one token here and also the bigram of "the" and "dog".
    const text = { ...DEFAULT_TEXT_SETTINGS, token: "the dog|[\\p{L}\\p{N}']+" };
    check(fitTokenizer(corpus, { ...OPTIONS, text, wordNgramMax: 3 }, ['afraid', 'dog']));
  });

  it('matches when word n-gram keys would pass 2^53 (long n-grams)', () => {
    check(fitTokenizer(corpus, { ...OPTIONS, wordNgramMax: 12 }, []));
  });
});

describe('TokenizerConfigSchema', () => {
  const config = fitTokenizer(['i was afraid', 'i was happy'], OPTIONS, []);

  it('accepts what fitTokenizer writes', () => {
    assert.deepEqual(TokenizerConfigSchema.parse(JSON.parse(JSON.stringify(config))), config);
  });

  it('refuses a format 1 file (no text settings), an unknown weighting and a broken token pattern', () => {
    const { text: _text, weighting: _weighting, ...legacy } = config;
    assert.equal(TokenizerConfigSchema.safeParse({ ...legacy, format: 1 }).success, false);
    assert.equal(TokenizerConfigSchema.safeParse({ ...config, weighting: { tf: 'raw', norm: 'l2' } }).success, false);
    assert.equal(TokenizerConfigSchema.safeParse({ ...config, text: { ...config.text, token: '[a-' } }).success, false);
    assert.equal(TokenizerConfigSchema.safeParse({ ...config, word: { ...config.word, idf: [] } }).success, false);
  });
});
