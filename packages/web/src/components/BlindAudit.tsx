import { LABELS, type Label, type StoredReview } from '@sentiment/core';
import { useEffect, useRef } from 'react';
import { revealMessage, type BlindPhase } from '../lib/blind.ts';
import type { PredictedText } from '../lib/review.ts';
import { ResultCard } from './ResultCard.tsx';

/** Props of {@link BlindAudit}. */
export interface BlindAuditProps {
  result: PredictedText;
  phase: Exclude<BlindPhase, 'off'>;
  canChoose: boolean;
  onChoose: (label: Label) => void;
  pending: boolean;
  /** The stored review (action `blind`), once saved. */
  saved: StoredReview | undefined;
  error: string | null;
}

/**
 * The blind audit on the public page: "Which emotion is it?" with the seven labels (keys 1–7) and
 * nothing of the model's answer; once the person's label is stored, "You said X; the model said Y"
 * and the usual result card. The shadow version's answer is never shown.
 */
export function BlindAudit({ result, phase, canChoose, onChoose, pending, saved, error }: BlindAuditProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (phase === 'ask') heading.current?.focus();
  }, [result, phase]);

  if (phase === 'revealed' && saved) {
    return (
      <>
        <p role="status" className="success blind-reveal">
          {revealMessage(saved)} Thank you: answers given before seeing the model&apos;s measure how often it is right.
        </p>
        <ResultCard result={result} />
      </>
    );
  }

  return (
    <>
      <section className="card blind" aria-labelledby="blind-heading">
        <h2 id="blind-heading" ref={heading} tabIndex={-1}>
          Which emotion is it?
        </h2>
        <p className="predicted-text">
          <span className="muted">For the sentence:</span> <q>{result.text}</q>
        </p>
        <p className="muted">This time, pick the emotion yourself first; then you see what the model said.</p>
        <div className="label-buttons" role="group" aria-labelledby="blind-heading">
          {LABELS.map((label, index) => (
            <button
              key={label}
              type="button"
              className="label-button"
              onClick={() => onChoose(label)}
              disabled={!canChoose}
              aria-keyshortcuts={String(index + 1)}
            >
              {label}{' '}
              <kbd className="key-hint" aria-hidden="true">
                {index + 1}
              </kbd>
            </button>
          ))}
        </div>
      </section>
      {pending && (
        <p role="status" className="pending">
          Saving your answer…
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </>
  );
}
