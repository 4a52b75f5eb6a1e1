import type { Metadata } from 'next';

export const metadata: Metadata = { title: 'Page not found · Sentiment Prediction' };

/**
 * Any address that is not a page (exported as `404.html`, which the origin answers with status 404):
 * says so in words and links back to the app.
 */
export default function NotFound() {
  return (
    <main className="app">
      <h1>Page not found</h1>
      <p className="intro">There is no page at this address. The app is on the home page.</p>
      <p>
        {/* A plain link: a full load of the home page, whatever path this page was served at. */}
        <a href="/">Go to Sentiment Prediction</a>
      </p>
    </main>
  );
}
