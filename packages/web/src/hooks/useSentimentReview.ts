import type { ApproveRequest, Label, ReviseRequest, StoredReview } from '@sentiment/core';
import { useMutation } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../lib/api.ts';
import { errorMessage, reviewOf, type PredictedText } from '../lib/review.ts';
import { checkInput, type InputCheck } from '../lib/text-input.ts';
import { useSingleFlight } from './useSingleFlight.ts';

/** What the screen shows and can do; returned by {@link useSentimentReview}. */
export interface SentimentReview {
  /** The sentence as typed. */
  input: string;
  /** `input` checked with core's text rules (normalised text and its length in code points). */
  check: InputCheck;
  /** Why the sentence cannot be predicted: the local check, or the model service's error. */
  predictError: string | null;
  /** True when the text itself was refused (marks the text box invalid). */
  inputRejected: boolean;
  predictPending: boolean;
  /** The prediction shown, for exactly the current text; `undefined` before one or after an edit. */
  current: PredictedText | undefined;
  reviewPending: boolean;
  /** True when a result is shown and no review request is running. */
  canReview: boolean;
  /** The review the store answered with, after the last approve or revise. */
  saved: StoredReview | undefined;
  reviewError: string | null;
  setInput: (value: string) => void;
  submit: () => void;
  approve: () => void;
  revise: (label: Label) => void;
}

/**
 * State of the one screen: the typed sentence, its prediction (`POST /model/predict`) and its
 * review (`POST /api/approve`, `POST /api/revise`) through `api`. Editing the text drops a result
 * that no longer matches it, so a review always stores the text that was predicted.
 */
export function useSentimentReview(api: ApiClient): SentimentReview {
  const [input, setInputState] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const predictAbort = useRef<AbortController | null>(null);
  const predictOnce = useSingleFlight();
  const reviewOnce = useSingleFlight();

  const predict = useMutation({
    mutationFn: async ({ text, signal }: { text: string; signal: AbortSignal }): Promise<PredictedText> => ({
      text,
      prediction: await api.predict(text, signal),
    }),
  });
  // Wrapped: react-query passes its own context as the second argument, not an AbortSignal.
  const approveMutation = useMutation({ mutationFn: (review: ApproveRequest) => api.approve(review) });
  const reviseMutation = useMutation({ mutationFn: (review: ReviseRequest) => api.revise(review) });

  const current = predict.data;
  const reviewPending = approveMutation.isPending || reviseMutation.isPending;

  const clearReviews = useCallback(() => {
    approveMutation.reset();
    reviseMutation.reset();
  }, [approveMutation, reviseMutation]);

  function setInput(value: string) {
    setInputState(value);
    setInputError(null);
    const next = checkInput(value);
    const stale = predict.isPending || (predict.data !== undefined && (!next.ok || next.text !== predict.data.text));
    if (stale || predict.isError) {
      predictAbort.current?.abort();
      predict.reset();
      clearReviews();
    }
  }

  function submit() {
    const checked = checkInput(input);
    if (!checked.ok) {
      setInputError(checked.message);
      return;
    }
    setInputError(null);
    predictOnce(() => {
      clearReviews();
      const controller = new AbortController();
      predictAbort.current = controller;
      return predict.mutateAsync({ text: checked.text, signal: controller.signal });
    });
  }

  const approve = useCallback(() => {
    if (!current) return;
    reviewOnce(() => {
      reviseMutation.reset();
      return approveMutation.mutateAsync(reviewOf(current, current.prediction.label));
    });
  }, [current, approveMutation, reviseMutation, reviewOnce]);

  const revise = useCallback(
    (label: Label) => {
      if (!current) return;
      reviewOnce(() => {
        approveMutation.reset();
        return reviseMutation.mutateAsync(reviewOf(current, label));
      });
    },
    [current, approveMutation, reviseMutation, reviewOnce],
  );

  const reviewFailure = approveMutation.error ?? reviseMutation.error;
  return {
    input,
    check: checkInput(input),
    predictError: inputError ?? (predict.isError ? errorMessage(predict.error) : null),
    inputRejected: inputError !== null || (predict.error instanceof ApiError && predict.error.kind === 'rejected'),
    predictPending: predict.isPending,
    current,
    reviewPending,
    canReview: current !== undefined && !reviewPending,
    saved: (approveMutation.data ?? reviseMutation.data)?.review,
    reviewError: reviewFailure ? errorMessage(reviewFailure) : null,
    setInput,
    submit,
    approve,
    revise,
  };
}
