import type { Metadata } from 'next';
import { Suspense } from 'react';
import { ReviewConsole } from '../../components/console/ReviewConsole.tsx';

export const metadata: Metadata = { title: 'Review console · Sentiment Prediction', robots: { index: false } };

/** `/console`: client-only; the filters come from the query string, which a static export reads in the browser (hence Suspense). */
export default function ConsolePage() {
  return (
    <Suspense
      fallback={
        <main className="app console">
          <h1>Review console</h1>
          <p role="status">Loading…</p>
        </main>
      }
    >
      <ReviewConsole />
    </Suspense>
  );
}
