import { useEffect, useRef } from 'react';
import type { PredictedText } from '../lib/review.ts';
import { ProbabilityBars } from './ProbabilityBars.tsx';

/**
 * The predicted emotion, the sentence it is for and all seven probabilities. Each new result takes
 * the focus, so it is announced and the A / 1–7 keys work at once.
 */
export function ResultCard({ result }: { result: PredictedText }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [result]);
  const { text, prediction } = result;
  return (
    <section className="card result" aria-labelledby="result-heading">
      <h2 id="result-heading" ref={heading} tabIndex={-1}>
        Result
      </h2>
      <p className="verdict" id="verdict">
        Sentiment classified as: <strong>{prediction.label}</strong>
      </p>
      <p className="predicted-text">
        <span className="muted">For the sentence:</span> <q>{text}</q>
      </p>
      <ProbabilityBars probabilities={prediction.probabilities} predicted={prediction.label} />
      <p className="model-version">Model version: {prediction.modelVersion}</p>
    </section>
  );
}
