import { LABELS, type Label, type Probabilities } from '@sentiment/core';
import { barWidth, formatPercent } from '../lib/format.ts';

/**
 * The seven probabilities as horizontal bars in {@link LABELS} order. Each bar is a `meter` named
 * after its label with the percentage as its value text; the predicted label is highlighted and
 * marked in words (`badge`, default "predicted"), not by colour alone.
 */
export function ProbabilityBars({
  probabilities,
  predicted,
  badge = 'predicted',
}: {
  probabilities: Probabilities;
  predicted: Label;
  badge?: string;
}) {
  return (
    <ul className="bars" aria-label="Probability of each emotion">
      {LABELS.map((label) => {
        const probability = probabilities[label];
        const percent = formatPercent(probability);
        const isPredicted = label === predicted;
        return (
          <li key={label} className={isPredicted ? 'bar-row predicted' : 'bar-row'}>
            <span className="bar-label">
              {label}
              {isPredicted && <span className="badge">{badge}</span>}
            </span>
            <div
              className="bar-track"
              role="meter"
              aria-label={label}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(barWidth(probability) * 10) / 10}
              aria-valuetext={percent}
            >
              <div className="bar-fill" style={{ width: `${barWidth(probability)}%` }} />
            </div>
            <span className="bar-value">{percent}</span>
          </li>
        );
      })}
    </ul>
  );
}
