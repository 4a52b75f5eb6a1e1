/**
 * Fitting the tokenizer at training time: vocabularies (word and character n-grams kept by
 * document frequency) and their idf weights, written to `tokenizer.json`. Serving only reads the
 * result (`src/features/`).
 */
import type { TokenizerConfig } from '../features/featurizer.ts';
import { charNgrams, createTokenizer, wordNgrams, type TextSettings } from '../features/tokenizer.ts';

/**
 * The text settings written into new models' `tokenizer.json` (serving reads them from there; a
 * change here affects only models trained after it). Lowercase; curly apostrophes, modifier
 * apostrophe, backtick and acute accent become `'`; tokens are runs of letters and digits.
 */
export const DEFAULT_TEXT_SETTINGS: TextSettings = {
  lowercase: true,
  apostrophes: '\u2018\u2019\u02BC\u0060\u00B4',
  // GloVe 6B (as shipped by wink) has no "n't" or "'s" tokens, so contractions are expanded into
  // words it knows. Order matters: irregular forms before the generic "n't".
  rewrites: [
    { pattern: "\\bcan't\\b", replacement: 'can not' },
    { pattern: "\\bwon't\\b", replacement: 'will not' },
    { pattern: "\\bshan't\\b", replacement: 'shall not' },
    { pattern: "\\bain't\\b", replacement: 'is not' },
    { pattern: "n't\\b", replacement: ' not' },
    { pattern: "'m\\b", replacement: ' am' },
    { pattern: "'re\\b", replacement: ' are' },
    { pattern: "'ve\\b", replacement: ' have' },
    { pattern: "'ll\\b", replacement: ' will' },
    { pattern: "'d\\b", replacement: ' would' },
    // Mostly possessive in ISEAR ("my friend's"); dropping it keeps the noun intact.
    { pattern: "'s\\b", replacement: '' },
  ],
  token: '[\\p{L}\\p{N}]+',
};

/** Character n-grams are taken inside `pad + token + pad`, so word starts and ends are visible. */
const CHAR_PAD = ' ';

/** Hyper-parameters of the feature extraction (what `fitTokenizer` needs besides the texts). */
export interface FeatureOptions {
  /** Text → tokens (stored in `tokenizer.json`). */
  text: TextSettings;
  wordNgramMax: number;
  charNgramMin: number;
  charNgramMax: number;
  /** Keep an n-gram only if it occurs in at least this many training texts. */
  minDf: number;
  wordScale: number;
  charScale: number;
  /** Weight of the word-vector bag; 0 leaves it out. */
  gloveScale: number;
  /**
   * Supervised n-gram weighting (0 or absent: plain idf). When β > 0 and labels are given to
   * {@link fitTokenizer}, each n-gram's idf is multiplied by 1 + β · max over classes of
   * |ln(P(gram | class) / P(gram | other classes))| (document rates, add-one smoothed), a
   * one-number version of NB-SVM's log-count ratio: n-grams that tell classes apart weigh more
   * before the L2 normalisation, which lowers their effective penalty.
   */
  supervisedWeight?: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  text: DEFAULT_TEXT_SETTINGS,
  wordNgramMax: 2,
  charNgramMin: 2,
  charNgramMax: 5,
  minDf: 2,
  wordScale: 1,
  charScale: 1,
  gloveScale: 1,
  // β = 0.3 beat 0 and 1 on CV folds 1–2 and 0 on all five (MODEL_CARD.md, isear-v2).
  supervisedWeight: 0.3,
};

function fitBlock(docs: readonly string[][], minDf: number, labels: readonly number[] | undefined, beta: number): { vocab: string[]; idf: number[] } {
  const df = new Map<string, number>();
  for (const grams of docs) {
    for (const gram of new Set(grams)) df.set(gram, (df.get(gram) ?? 0) + 1);
  }
  const supervised = labels !== undefined && beta > 0;
  const classes = supervised ? Math.max(...labels) + 1 : 0;
  // Per-class document frequencies, only when the supervised weighting is on.
  const dfByClass = new Map<string, Int32Array>();
  const classSize = new Int32Array(classes);
  if (supervised) {
    docs.forEach((grams, d) => {
      const c = labels[d] ?? 0;
      classSize[c] = (classSize[c] ?? 0) + 1;
      for (const gram of new Set(grams)) {
        let counts = dfByClass.get(gram);
        if (!counts) {
          counts = new Int32Array(classes);
          dfByClass.set(gram, counts);
        }
        counts[c] = (counts[c] ?? 0) + 1;
      }
    });
  }
  const factor = (gram: string): number => {
    const counts = dfByClass.get(gram);
    if (!counts) return 1;
    const total = df.get(gram) ?? 0;
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const inClass = counts[c] ?? 0;
      const size = classSize[c] ?? 0;
      const ratio = Math.log((inClass + 1) / (size + 2) / ((total - inClass + 1) / (docs.length - size + 2)));
      best = Math.max(best, Math.abs(ratio));
    }
    return 1 + beta * best;
  };
  // Sorted so the vocabulary (and so the model) does not depend on Map insertion details.
  const vocab = [...df.entries()]
    .filter(([, count]) => count >= minDf)
    .map(([gram]) => gram)
    .sort();
  const n = docs.length;
  const idf = vocab.map((gram) => (Math.log((1 + n) / (1 + (df.get(gram) ?? 0))) + 1) * (supervised ? factor(gram) : 1));
  return { vocab, idf };
}

/**
 * Fits the n-gram vocabularies and idf on training texts (normalised). `gloveWords` lists the
 * words that have a pretrained vector, in the order their ids should take; pass `[]` (or a
 * `gloveScale` of 0) to leave the word-vector bag out. `labels` (class index per text) are
 * needed only for `options.supervisedWeight`; the weighting is folded into the stored `idf`, so
 * serving needs nothing new.
 */
export function fitTokenizer(
  texts: readonly string[],
  options: FeatureOptions,
  gloveWords: readonly string[],
  labels?: readonly number[],
): TokenizerConfig {
  const beta = options.supervisedWeight ?? 0;
  const tokenized = texts.map(createTokenizer(options.text));
  const word = fitBlock(
    tokenized.map((tokens) => wordNgrams(tokens, 1, options.wordNgramMax)),
    options.minDf,
    labels,
    beta,
  );
  const char = fitBlock(
    tokenized.map((tokens) => charNgrams(tokens, options.charNgramMin, options.charNgramMax, CHAR_PAD)),
    options.minDf,
    labels,
    beta,
  );
  const config: TokenizerConfig = {
    format: 2,
    text: options.text,
    weighting: { tf: 'sublinear', norm: 'l2' },
    word: { ngramMin: 1, ngramMax: options.wordNgramMax, scale: options.wordScale, ...word },
    char: {
      ngramMin: options.charNgramMin,
      ngramMax: options.charNgramMax,
      pad: CHAR_PAD,
      scale: options.charScale,
      ...char,
    },
  };
  if (options.gloveScale > 0 && gloveWords.length > 0) {
    config.glove = { scale: options.gloveScale, vocab: [...gloveWords] };
  }
  return config;
}
