'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect } from 'react';
import { useConsoleFilters } from '../../hooks/useConsoleFilters.ts';
import { useConsoleStats } from '../../hooks/useConsoleStats.ts';
import { createConsoleClient, isSignedOut, type ConsoleClient } from '../../lib/console-api.ts';
import { csvHref, searchFromFilters } from '../../lib/console-filters.ts';
import { createOperatorClient, type OperatorClient } from '../../lib/operator-api.ts';
import { errorMessage } from '../../lib/review.ts';
import { CsvDownloads } from '../CsvDownloads.tsx';
import { SignInForm } from '../SignInForm.tsx';
import { AuditTrail } from './AuditTrail.tsx';
import { FilterBar } from './FilterBar.tsx';
import { ReviewList } from './ReviewList.tsx';
import { StatsPanel } from './StatsPanel.tsx';

const defaultOperator = createOperatorClient();
const defaultApi = createConsoleClient();
const SESSION_KEY = ['operator-session'] as const;

/**
 * The review console (`/console`, issue 8), operators only: the model's quality on the stored
 * reviews, the reviews themselves (filtered by the URL's query string, correctable and deletable),
 * their export with the same filters, and the audit trail. Signed out (or on any 401), it shows the
 * sign-in form; the data is dropped from the page's cache.
 */
export function ReviewConsole({ operator = defaultOperator, api = defaultApi }: { operator?: OperatorClient; api?: ConsoleClient }) {
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: SESSION_KEY, queryFn: ({ signal }) => operator.status(signal), retry: false });
  const setSignedIn = useCallback(
    (signedIn: boolean) => {
      if (!signedIn) queryClient.removeQueries({ queryKey: ['console'] });
      queryClient.setQueryData(SESSION_KEY, signedIn);
    },
    [queryClient],
  );
  const onUnauthorized = useCallback(() => setSignedIn(false), [setSignedIn]);
  const signOut = useMutation({ mutationFn: () => operator.signOut(), onSuccess: setSignedIn });
  const { filters, ignored, setFilters } = useConsoleFilters();
  const signedIn = session.data === true;

  return (
    <main className="app console">
      <header className="console-head">
        <h1>Review console</h1>
        <nav aria-label="Pages" className="console-nav">
          <a href="/">Public page</a>
          <a href="/operator">Operator page</a>
          {signedIn && (
            <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
              Sign out
            </button>
          )}
        </nav>
      </header>
      {signOut.isError && (
        <p role="alert" className="error">
          {errorMessage(signOut.error)}
        </p>
      )}
      {session.isPending && <p role="status">Checking the session…</p>}
      {session.isError && (
        <p role="alert" className="error">
          {errorMessage(session.error)}
        </p>
      )}
      {session.data === false && (
        <>
          <p className="intro">Operators only: sign in with the operator token to see, correct and export the stored reviews.</p>
          <SignInForm client={operator} onSignedIn={setSignedIn} />
        </>
      )}
      {signedIn && <SignedInConsole api={api} filters={filters} ignored={ignored} setFilters={setFilters} onUnauthorized={onUnauthorized} />}
    </main>
  );
}

function SignedInConsole({
  api,
  filters,
  ignored,
  setFilters,
  onUnauthorized,
}: { api: ConsoleClient; onUnauthorized: () => void } & ReturnType<typeof useConsoleFilters>) {
  const stats = useConsoleStats(api, filters);
  useEffect(() => {
    if (isSignedOut(stats.error)) onUnauthorized();
  }, [stats.error, onUnauthorized]);
  const search = searchFromFilters(filters);
  return (
    <>
      <FilterBar key={search} filters={filters} ignored={ignored} versions={stats.versions.map((v) => v.modelVersion)} setFilters={setFilters} />
      <StatsPanel stats={stats} filters={filters} setFilters={setFilters} />
      <ReviewList api={api} filters={filters} onUnauthorized={onUnauthorized} />
      <CsvDownloads
        hrefs={{ comma: csvHref(filters, 'comma'), semicolon: csvHref(filters, 'semicolon') }}
        description={
          search === '' ? 'Every stored review, as a CSV file that can retrain the model.' : 'The reviews of this view (its filters), as a CSV file.'
        }
      />
      <AuditTrail api={api} onUnauthorized={onUnauthorized} />
    </>
  );
}
