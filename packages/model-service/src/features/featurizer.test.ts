import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TEXT_SETTINGS, fitTokenizer, type FeatureOptions } from '../training/fit-tokenizer.ts';
import { Featurizer, packBatch, TokenizerConfigSchema } from './featurizer.ts';

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
