import { useEffect, useRef, type CSSProperties } from 'react';
import type { Prediction } from '@sentiment/core';
import { formatPercent } from '../lib/format.ts';
import { explanationSegments, formatWeight, sentenceShare, strongestWords } from '../lib/explanation.ts';
import type { PredictedText } from '../lib/review.ts';
import { ProbabilityBars } from './ProbabilityBars.tsx';

/**
 * The predicted emotion, the sentence it is for and all seven probabilities. When the model is
 * unsure (`confidence: "low"`) it says so instead of naming a label as the answer; the best guess
 * stays visible and the review works as usual. With an explanation, the words of the sentence are
 * highlighted (towards the label / away from it, also written out). Each new result takes the
 * focus, so it is announced and the A / 1–7 keys work at once.
 */
export function ResultCard({ result }: { result: PredictedText }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [result]);
  const { text, prediction } = result;
  const unsure = prediction.confidence === 'low';
  return (
    <section className="card result" aria-labelledby="result-heading">
      <h2 id="result-heading" ref={heading} tabIndex={-1}>
        Result
      </h2>
      {unsure ? (
        <p className="verdict unsure" id="verdict" data-label={prediction.label}>
          <strong>The model is unsure</strong> about this sentence: no emotion stands out, or it knows too few of its words (another language, say).
          Its best guess is {prediction.label} at {formatPercent(prediction.probabilities[prediction.label])}. Please pick the emotion that fits
          below.
        </p>
      ) : (
        <p className="verdict" id="verdict" data-label={prediction.label}>
          Sentiment classified as: <strong>{prediction.label}</strong>
        </p>
      )}
      <p className="predicted-text">
        <span className="muted">For the sentence:</span> <q>{text}</q>
      </p>
      {prediction.explanation && prediction.explanation.length > 0 && <WhyThisLabel text={text} prediction={prediction} unsure={unsure} />}
      <ProbabilityBars probabilities={prediction.probabilities} predicted={prediction.label} badge={unsure ? 'best guess' : 'predicted'} />
      <p className="model-version">Model version: {prediction.modelVersion}</p>
    </section>
  );
}

/** The sentence with its words highlighted by the weight the model gave them, and the strongest of them in words. */
function WhyThisLabel({ text, prediction, unsure }: { text: string; prediction: Prediction; unsure: boolean }) {
  const explanation = prediction.explanation ?? [];
  const { towards, away } = strongestWords(explanation);
  const whole = sentenceShare(explanation);
  const label = prediction.label;
  const target = unsure ? `the best guess, ${label}` : label;
  return (
    <div className="explanation">
      <h3 className="explanation-heading">Why {target}?</h3>
      <p className="explained-sentence">
        {explanationSegments(text, explanation).map((segment, i) =>
          segment.weight === undefined ? (
            <span key={i}>{segment.text}</span>
          ) : (
            <mark
              key={i}
              className={segment.weight > 0 ? 'towards' : 'away'}
              style={{ '--strength': (0.25 + 0.75 * (segment.strength ?? 0)).toFixed(2) } as CSSProperties}
              title={`${formatWeight(segment.weight)} ${segment.weight > 0 ? 'towards' : 'away from'} ${label}`}
            >
              {segment.text}
              <span className="visually-hidden">
                {' '}
                ({segment.weight > 0 ? 'towards' : 'away from'} {label}, {formatWeight(segment.weight)})
              </span>
            </mark>
          ),
        )}
      </p>
      <p className="explanation-legend muted">
        <span className="legend towards">underlined</span>: pushed towards {label}; <span className="legend away">dotted</span>: pushed away from it.
        The stronger the colour, the larger the weight.
      </p>
      <dl className="explanation-lists">
        <dt>Towards {label}</dt>
        <dd>{towards.length > 0 ? towards.map((e) => `${e.text} (${formatWeight(e.weight)})`).join(', ') : 'no word'}</dd>
        <dt>Away from {label}</dt>
        <dd>{away.length > 0 ? away.map((e) => `${e.text} (${formatWeight(e.weight)})`).join(', ') : 'no word'}</dd>
        {whole !== undefined && (
          <>
            <dt>The sentence as a whole</dt>
            <dd>
              {formatWeight(whole)} {whole > 0 ? 'towards' : 'away from'} {label} (its meaning read by the sentence encoder, beyond single words)
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
