'use client';

import {
  LABELS,
  MAX_TEXT_CODE_POINTS,
  type ApproveRequest,
  type Label,
  type Prediction,
  type ReviseRequest,
} from '@sentiment/core';
import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, createApiClient, type ApiClient } from '../lib/api.ts';
import { installStringWellFormed } from '../lib/compat.ts';
import { shortcutFor } from '../lib/shortcuts.ts';
import { checkInput } from '../lib/text-input.ts';
import { ProbabilityBars } from './ProbabilityBars.tsx';

// core's text rules call String.prototype.isWellFormed; some supported browsers lack it.
installStringWellFormed();
const defaultApi = createApiClient();

/** A prediction together with the exact (normalised) text it was made for. */
interface PredictedText {
  text: string;
  prediction: Prediction;
}

/** The review body for `label`: the prediction as the model returned it, and the text it was made for. */
function reviewOf(text: string, prediction: Prediction, label: Label): ReviseRequest {
  return {
    predictionId: prediction.predictionId,
    text,
    predictedLabel: prediction.label,
    label,
    modelVersion: prediction.modelVersion,
    probabilities: prediction.probabilities,
    // The model service's signature: the review functions store only predictions it really made.
    predictionToken: prediction.predictionToken,
  };
}

/** The message of a failed request, in words; never empty. */
function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong in the page. Please try again.';
}

/**
 * Runs at most one request of a kind at a time. A ref, not React state, because two clicks of a
 * double click can land before React re-renders the button as disabled.
 */
function useSingleFlight(): (run: () => Promise<unknown>) => void {
  const busy = useRef(false);
  return useCallback((run) => {
    if (busy.current) return;
    busy.current = true;
    // Failures are shown from the mutation's state; here they only release the lock.
    run()
      .catch(() => undefined)
      .finally(() => {
        busy.current = false;
      });
  }, []);
}

/**
 * The whole screen: type a sentence, see the predicted emotion with all seven probabilities,
 * approve it or pick another label. Exporting the reviews is for operators (`/operator`).
 * Calls `POST /model/predict`, `POST /api/approve`, `POST /api/revise` through `api`.
 */
export function SentimentApp({ api = defaultApi }: { api?: ApiClient }) {
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const predictAbort = useRef<AbortController | null>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);
  const predictOnce = useSingleFlight();
  const reviewOnce = useSingleFlight();

  const predict = useMutation({
    mutationFn: async ({ text, signal }: { text: string; signal: AbortSignal }): Promise<PredictedText> => ({
      text,
      prediction: await api.predict(text, signal),
    }),
  });
  // Wrapped: react-query passes its own context as the second argument, not an AbortSignal.
  const approve = useMutation({ mutationFn: (review: ApproveRequest) => api.approve(review) });
  const revise = useMutation({ mutationFn: (review: ReviseRequest) => api.revise(review) });

  const current = predict.data;
  const check = checkInput(input);
  const reviewPending = approve.isPending || revise.isPending;
  const canReview = current !== undefined && !reviewPending;

  // A new result arrived: move focus to it so it is announced and the A / 1–7 shortcuts work at once.
  useEffect(() => {
    if (current) resultHeading.current?.focus();
  }, [current]);

  const clearReviews = useCallback(() => {
    approve.reset();
    revise.reset();
  }, [approve, revise]);

  function onInputChange(value: string) {
    setInput(value);
    setInputError(null);
    const next = checkInput(value);
    // Keep a result only while it still matches the text, so a review always stores what was predicted.
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

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    submit();
  }

  function onTextKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter submits, Shift+Enter is a newline; never submit in the middle of IME composition.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  const doApprove = useCallback(() => {
    if (!current) return;
    const { text, prediction } = current;
    reviewOnce(() => {
      revise.reset();
      return approve.mutateAsync(reviewOf(text, prediction, prediction.label));
    });
  }, [current, approve, revise, reviewOnce]);

  const doRevise = useCallback(
    (label: Label) => {
      if (!current) return;
      const { text, prediction } = current;
      reviewOnce(() => {
        approve.reset();
        return revise.mutateAsync(reviewOf(text, prediction, label));
      });
    },
    [current, approve, revise, reviewOnce],
  );

  useEffect(() => {
    function onKeyDown(event: globalThis.KeyboardEvent) {
      const shortcut = shortcutFor({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        isComposing: event.isComposing,
        target: event.target instanceof HTMLElement ? event.target : null,
      });
      if (!shortcut || !current) return;
      event.preventDefault();
      if (shortcut.action === 'approve') doApprove();
      else doRevise(shortcut.label);
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [current, doApprove, doRevise]);

  const predictError = inputError ?? (predict.isError ? errorMessage(predict.error) : null);
  const reviewError = approve.isError ? errorMessage(approve.error) : revise.isError ? errorMessage(revise.error) : null;
  // The message follows the button that was pressed; the stored review supplies the final label.
  const stored = approve.data
    ? { message: 'Acceptance successfully approved.', review: approve.data.review }
    : revise.data
      ? { message: 'Reclassification result successfully revised.', review: revise.data.review }
      : undefined;
  const overLimit = check.length > MAX_TEXT_CODE_POINTS;

  return (
    <main className="app">
      <h1>Sentiment Prediction</h1>
      <p className="intro">
        Type a sentence about a moment you lived. The model names the emotion it expresses: fear, guilt, joy, anger,
        disgust, sadness or shame. Approve it or pick the right one; every review is stored for retraining.
      </p>

      <form className="card" onSubmit={onSubmit} noValidate>
        <label htmlFor="sentence" className="field-label">
          Input sentence
        </label>
        <textarea
          id="sentence"
          name="text"
          rows={4}
          value={input}
          onChange={(event) => onInputChange(event.target.value)}
          onKeyDown={onTextKeyDown}
          aria-describedby="sentence-counter sentence-hint"
          aria-invalid={inputError !== null || (predict.error instanceof ApiError && predict.error.kind === 'rejected')}
          autoComplete="off"
          spellCheck
        />
        <div className="field-meta">
          <span id="sentence-hint" className="hint">
            <kbd>Enter</kbd> submits, <kbd>Shift</kbd>+<kbd>Enter</kbd> adds a line.
          </span>
          <span id="sentence-counter" className={overLimit ? 'counter over' : 'counter'}>
            {check.length} / {MAX_TEXT_CODE_POINTS} characters{overLimit ? ' (too long)' : ''}
          </span>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={predict.isPending}>
            Submit
          </button>
          {predict.isPending && (
            <span role="status" className="pending">
              Predicting…
            </span>
          )}
        </div>
        {predictError && (
          <p role="alert" className="error">
            {predictError}
          </p>
        )}
      </form>

      {current && (
        <section className="card result" aria-labelledby="result-heading">
          <h2 id="result-heading" ref={resultHeading} tabIndex={-1}>
            Result
          </h2>
          <p className="verdict" id="verdict">
            Sentiment classified as: <strong>{current.prediction.label}</strong>
          </p>
          <p className="predicted-text">
            <span className="muted">For the sentence:</span> <q>{current.text}</q>
          </p>
          <ProbabilityBars probabilities={current.prediction.probabilities} predicted={current.prediction.label} />
          <p className="model-version">Model version: {current.prediction.modelVersion}</p>
        </section>
      )}

      <div className="panels">
        <section className="card" aria-labelledby="acceptance-heading">
          <h2 id="acceptance-heading">Acceptance</h2>
          <p className="muted">{current ? 'Is the classification right?' : 'Submit a sentence first.'}</p>
          <button type="button" className="primary" onClick={doApprove} disabled={!canReview} aria-keyshortcuts="A">
            Approve{' '}
            <kbd className="key-hint" aria-hidden="true">
              A
            </kbd>
          </button>
        </section>

        <section className="card" aria-labelledby="reclassification-heading">
          <h2 id="reclassification-heading">Reclassification</h2>
          <p className="muted">{current ? 'Or pick the right emotion:' : 'Submit a sentence first.'}</p>
          <div className="label-buttons" role="group" aria-labelledby="reclassification-heading">
            {LABELS.map((label, index) => (
              <button
                key={label}
                type="button"
                onClick={() => doRevise(label)}
                disabled={!canReview}
                aria-keyshortcuts={String(index + 1)}
                className={current?.prediction.label === label ? 'label-button predicted' : 'label-button'}
              >
                {label}{' '}
                <kbd className="key-hint" aria-hidden="true">
                  {index + 1}
                </kbd>
              </button>
            ))}
          </div>
        </section>
      </div>

      {reviewPending && (
        <p role="status" className="pending">
          Saving your review…
        </p>
      )}
      {stored && (
        <div role="status" className="success">
          <p>{stored.message}</p>
          <p>
            Final label: <strong>{stored.review.label}</strong>
          </p>
        </div>
      )}
      {reviewError && (
        <p role="alert" className="error">
          {reviewError}
        </p>
      )}
    </main>
  );
}
