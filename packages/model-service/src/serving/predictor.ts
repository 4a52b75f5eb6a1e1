import type { Confidence, Explanation, Label, Probabilities } from '@sentiment/core';

/** One text's answer on the serving path. */
export interface ScoredText {
  probabilities: Probabilities;
  /**
   * `low` when the top probability is below the model's `lowConfidence.threshold` or the text has
   * no feature the model knows (the answer is then the bias alone); `high` otherwise.
   */
  confidence: Confidence;
}

/**
 * What the HTTP layer needs from a loaded model. The ONNX implementation is created once per
 * process (one InferenceSession); tests may pass any other implementation.
 */
export interface Predictor {
  /** The model version: the folder name under `models/`, also `model.json`'s `version`. */
  readonly modelVersion: string;
  /** Labels in the model's output order. */
  readonly labels: readonly Label[];
  /**
   * Probabilities for each text, in input order. Texts must already be normalised with
   * `normalizeText` from `@sentiment/core`. Each result has all seven labels, summing to 1.
   */
  predict(texts: readonly string[]): Promise<Probabilities[]>;
  /** {@link predict} with each answer's {@link ScoredText.confidence}: what the HTTP layer calls. */
  score(texts: readonly string[]): Promise<ScoredText[]>;
  /**
   * The words and phrases of one normalised text that pushed `label`'s logit up (positive weight)
   * or down (negative), largest |weight| first; with the label's bias they sum to its logit. A joint
   * model adds one entry with `sentence: true` (the text as a whole): the encoder block's share.
   * Absent when the model cannot be explained exactly (then predictions carry no explanation).
   */
  explain?(text: string, label: Label): Explanation | Promise<Explanation>;
  /**
   * Joint models only (a sentence encoder in the features): the encoder block's share of each
   * text's logits, keyed by label, in input order — the "whole sentence" share an explanation can
   * show beside the words' shares. Absent for models without an encoder.
   */
  encoderLogits?(texts: readonly string[]): Promise<Record<Label, number>[]>;
  /** `model.json` without bulky parts (no vocabulary, no weights), for `GET /model`. */
  describe(): Record<string, unknown>;
  /** Releases the ONNX session. */
  close(): Promise<void>;
}
