import type { StoredReview } from '@sentiment/core';

/** Props of {@link ReviewStatus}. */
export interface ReviewStatusProps {
  pending: boolean;
  /** The review as the store answered it. */
  saved: StoredReview | undefined;
  error: string | null;
}

/** Whether the last review is being saved, was saved (with its final label), or failed. */
export function ReviewStatus({ pending, saved, error }: ReviewStatusProps) {
  return (
    <>
      {pending && (
        <p role="status" className="pending">
          Saving your review…
        </p>
      )}
      {saved && (
        <p role="status" className="success">
          Saved: <strong>{saved.label}</strong>
          {saved.label === saved.predictedLabel ? '.' : ` (the model said ${saved.predictedLabel}).`}
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
