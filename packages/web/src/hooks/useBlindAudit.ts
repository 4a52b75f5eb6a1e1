import type { Label } from '@sentiment/core';
import { blindPhase, type BlindPhase } from '../lib/blind.ts';
import type { SentimentReview } from './useSentimentReview.ts';

const nothing = () => undefined;

/** What the public page does for a blind prediction; returned by {@link useBlindAudit}. */
export interface BlindAudit {
  phase: BlindPhase;
  /** True while the person may pick the label (asked, nothing being saved). */
  canChoose: boolean;
  /** Stores the picked label: `POST /api/revise` with the prediction's signed `blind: true` (action `blind`). */
  choose: (label: Label) => void;
  /** The page-wide keys: in the blind flow `A` does nothing (there is nothing shown to approve) and `1`–`7` pick. */
  shortcuts: { enabled: boolean; onApprove: () => void; onRevise: (label: Label) => void };
}

/**
 * The blind audit (issue 8) on top of the page's review state: a prediction the model service drew
 * for it (`blind: true`) is answered first, with any of the seven labels, through the usual revise
 * call, since `reviewOf` sends the signed flag back; once the store answered, the phase is `revealed`
 * and nothing more can be sent for that prediction (a second pick would be anchored).
 */
export function useBlindAudit(review: SentimentReview): BlindAudit {
  const phase = blindPhase(review.current, review.saved);
  const canChoose = phase === 'ask' && review.canReview;
  return {
    phase,
    canChoose,
    choose: review.revise,
    shortcuts:
      phase === 'off'
        ? { enabled: review.current !== undefined, onApprove: review.approve, onRevise: review.revise }
        : { enabled: canChoose, onApprove: nothing, onRevise: review.revise },
  };
}
