/**
 * Explanations of the linear model: which words of the sentence pushed the predicted label's logit
 * up or down, and by how much. Exact, not an approximation: the logit of label c is
 * `bias[c] + Σ_features weight · table[id, c]`, and every feature's term is handed to the words it
 * came from, so the explanation's weights plus the bias sum to the logit (the served probabilities
 * are the softmax of these logits; the calibration temperature is already folded into the table).
 *
 * Features back to words (a "word" is a whitespace-separated chunk of the sentence, trimmed of
 * punctuation at its ends; a chunk like "didn't" may yield several tokens):
 * - a word n-gram inside one chunk goes to that word; one spanning chunks (a bigram across two
 *   words) goes to the phrase they form;
 * - a character n-gram is taken inside one token, so it goes to that token's word;
 * - the GloVe mean block: each occurrence of a known word carries `scale / found` of its row;
 * - a feature seen several times (a repeated word) is split evenly over its occurrences.
 * Entries with the same text are summed.
 */
import type { Label } from '@sentiment/core';
import type { Featurizer } from '../features/featurizer.ts';
import type { LinearWeights } from './onnx-weights.ts';

/** One entry of an explanation: a word or phrase of the sentence and its share of the logit. */
export interface ExplanationEntry {
  text: string;
  weight: number;
}

/** An explanation with the figures it adds up to. */
export interface ExplainedLogit {
  /** Entries sorted by |weight|, largest first; zero weights left out. */
  explanation: ExplanationEntry[];
  /** The label's bias (the logit of a text with no known feature). */
  bias: number;
  /** The label's logit: `bias + Σ explanation weights`. */
  logit: number;
  /** All logits, in the model's label order. */
  logits: number[];
}

/** Explains texts for a loaded linear model. */
export type Explainer = (text: string, label: Label) => ExplainedLogit;

const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/**
 * Builds the explainer of a model from its featurizer and the weights read from its `model.onnx`.
 * @param labels the model's output order (`model.json` `labels`).
 * @throws when the table does not have one row per feature id.
 */
export function createExplainer(featurizer: Featurizer, weights: LinearWeights, labels: readonly Label[]): Explainer {
  const K = weights.classes;
  if (weights.table.length !== featurizer.tableSize * K) {
    throw new Error(`the weight table has ${weights.table.length / K} rows for ${featurizer.tableSize} feature ids`);
  }
  if (labels.length !== K) throw new Error(`${labels.length} labels for ${K} output columns`);
  const { word } = featurizer.config;

  return (text, label) => {
    const c = labels.indexOf(label);
    if (c < 0) throw new Error(`label ${label} is not one of the model's`);
    const { ids, weights: values } = featurizer.features(text);

    // Tokens with the word (chunk) each came from; the chunk-by-chunk tokens equal the whole
    // text's unless a rewrite rule spans whitespace, and then each token stands for itself.
    const chunks = [...text.matchAll(/\S+/gu)];
    const display = chunks.map((m) => m[0].replace(EDGE_PUNCTUATION, '') || m[0]);
    let tokens: string[] = [];
    let tokenChunk: number[] = [];
    chunks.forEach((m, i) => {
      for (const token of featurizer.tokenize(m[0])) {
        tokens.push(token);
        tokenChunk.push(i);
      }
    });
    const whole = featurizer.tokenize(text);
    if (whole.length !== tokens.length || whole.some((t, i) => t !== tokens[i])) {
      tokens = whole;
      tokenChunk = whole.map(() => -1);
    }
    const spanText = (first: number, last: number): string => {
      const a = tokenChunk[first]!;
      const b = tokenChunk[last]!;
      if (a < 0 || b < 0) return tokens.slice(first, last + 1).join(' ');
      if (a === b) return display[a]!;
      const start = chunks[a]!.index;
      const end = chunks[b]!.index + chunks[b]![0].length;
      return text.slice(start, end).replace(EDGE_PUNCTUATION, '');
    };

    // Occurrences of each feature id, as the text each occurrence is credited to.
    const occurrences = new Map<number, string[]>();
    const add = (id: number | undefined, where: string) => {
      if (id === undefined) return;
      const list = occurrences.get(id);
      if (list) list.push(where);
      else occurrences.set(id, [where]);
    };
    for (let n = word.ngramMin; n <= word.ngramMax; n++) {
      for (let i = 0; i + n <= tokens.length; i++) add(featurizer.wordIndex.get(tokens.slice(i, i + n).join(' ')), spanText(i, i + n - 1));
    }
    tokens.forEach((token, t) => {
      for (const id of featurizer.charIdsOf(token)) add(id, spanText(t, t));
      add(featurizer.gloveIndex.get(token), spanText(t, t));
    });

    const shares = new Map<string, number>();
    const logits = Array.from(weights.bias, Number);
    ids.forEach((id, j) => {
      // The graph multiplies float32 inputs: use the value it sees.
      const value = Math.fround(values[j]!);
      for (let k = 0; k < K; k++) logits[k]! += value * weights.table[id * K + k]!;
      const term = value * weights.table[id * K + c]!;
      const where = occurrences.get(id) ?? [`#${id}`];
      for (const w of where) shares.set(w, (shares.get(w) ?? 0) + term / where.length);
    });
    const explanation = [...shares]
      .filter(([, weight]) => weight !== 0)
      .map(([entry, weight]) => ({ text: entry, weight }))
      .sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight));
    return { explanation, bias: weights.bias[c]!, logit: logits[c]!, logits };
  };
}
