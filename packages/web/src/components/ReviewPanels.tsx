import { LABELS, type Label } from '@sentiment/core';

/** Props of {@link ReviewPanels}. */
export interface ReviewPanelsProps {
  /** The label the model predicted; `undefined` before a result. */
  predicted: Label | undefined;
  /** False while there is nothing to review or a review is being saved. */
  enabled: boolean;
  onApprove: () => void;
  onRevise: (label: Label) => void;
}

/** Approve the predicted emotion (key A) or pick another of the seven (keys 1–7). */
export function ReviewPanels({ predicted, enabled, onApprove, onRevise }: ReviewPanelsProps) {
  return (
    <div className="panels">
      <section className="card" aria-labelledby="approve-heading">
        <h2 id="approve-heading">Is it right?</h2>
        <p className="muted">{predicted ? `If “${predicted}” fits, approve it.` : 'Submit a sentence first.'}</p>
        <button type="button" className="primary" onClick={onApprove} disabled={!enabled} aria-keyshortcuts="A">
          Approve{' '}
          <kbd className="key-hint" aria-hidden="true">
            A
          </kbd>
        </button>
      </section>

      <section className="card" aria-labelledby="revise-heading">
        <h2 id="revise-heading">Pick the right emotion</h2>
        <p className="muted">{predicted ? 'If not, choose the one that fits:' : 'Submit a sentence first.'}</p>
        <div className="label-buttons" role="group" aria-labelledby="revise-heading">
          {LABELS.map((label, index) => (
            <button
              key={label}
              type="button"
              onClick={() => onRevise(label)}
              disabled={!enabled}
              aria-keyshortcuts={String(index + 1)}
              className={predicted === label ? 'label-button predicted' : 'label-button'}
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
  );
}
