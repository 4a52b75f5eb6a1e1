'use client';

import { useBlindAudit } from '../hooks/useBlindAudit.ts';
import { useSentimentReview } from '../hooks/useSentimentReview.ts';
import { useReviewShortcuts } from '../hooks/useReviewShortcuts.ts';
import { createApiClient, type ApiClient } from '../lib/api.ts';
import { BlindAudit } from './BlindAudit.tsx';
import { ResultCard } from './ResultCard.tsx';
import { ReviewPanels } from './ReviewPanels.tsx';
import { ReviewStatus } from './ReviewStatus.tsx';
import { SentenceForm } from './SentenceForm.tsx';

const defaultApi = createApiClient();

/**
 * The whole screen: type a sentence, see the predicted emotion with all seven probabilities,
 * approve it or pick another label. A prediction drawn for the blind audit asks for the label
 * first ({@link BlindAudit}). Exporting the reviews is for operators (`/operator`, `/console`).
 * Calls `POST /model/predict`, `POST /api/approve`, `POST /api/revise` through `api`.
 */
export function SentimentApp({ api = defaultApi }: { api?: ApiClient }) {
  const state = useSentimentReview(api);
  const blind = useBlindAudit(state);
  useReviewShortcuts(blind.shortcuts.enabled, blind.shortcuts.onApprove, blind.shortcuts.onRevise);

  return (
    <main className="app">
      <h1>Sentiment Prediction</h1>
      <p className="intro">
        Type a sentence about a moment you lived. The model names the emotion it expresses: fear, guilt, joy, anger, disgust, sadness or shame.
        Approve it or pick the right one; every review is stored for retraining.
      </p>
      <SentenceForm
        value={state.input}
        length={state.check.length}
        pending={state.predictPending}
        error={state.predictError}
        invalid={state.inputRejected}
        onChange={state.setInput}
        onSubmit={state.submit}
      />
      {state.current && blind.phase !== 'off' ? (
        // A prediction drawn for the blind audit: the person's label first, the model's after.
        <BlindAudit
          result={state.current}
          phase={blind.phase}
          canChoose={blind.canChoose}
          onChoose={blind.choose}
          pending={state.reviewPending}
          saved={state.saved}
          error={state.reviewError}
        />
      ) : (
        <>
          {state.current && <ResultCard result={state.current} />}
          <ReviewPanels predicted={state.current?.prediction.label} enabled={state.canReview} onApprove={state.approve} onRevise={state.revise} />
          <ReviewStatus pending={state.reviewPending} saved={state.saved} error={state.reviewError} />
        </>
      )}
    </main>
  );
}
