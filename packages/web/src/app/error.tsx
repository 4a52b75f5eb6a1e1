'use client';

/**
 * Shown if rendering the page throws (a bug, or a browser missing something we use), so the
 * person sees words and a way out instead of a blank screen.
 */
export default function PageError({ reset }: { error: Error; reset: () => void }) {
  return (
    <main className="app">
      <h1>Sentiment Prediction</h1>
      <div role="alert" className="error">
        <p>Something went wrong while showing this page.</p>
      </div>
      <p>
        <button type="button" className="primary" onClick={reset}>
          Try again
        </button>
      </p>
    </main>
  );
}
