'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../lib/api.ts';
import { createOperatorClient, type OperatorClient } from '../lib/operator-api.ts';
import { CsvDownloads } from './CsvDownloads.tsx';
import { SignInForm } from './SignInForm.tsx';

const defaultClient = createOperatorClient();
const SESSION_KEY = ['operator-session'] as const;

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong in the page. Please try again.';
}

/**
 * The operator page (`/operator`): a sign-in form for the operator token, then a link to the review
 * console (`/console`), the CSV download links and a sign-out button. The token goes to the API once; the browser keeps only the
 * HttpOnly session cookie the API sets, which the download links then carry.
 */
export function OperatorConsole({ client = defaultClient }: { client?: OperatorClient }) {
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: SESSION_KEY, queryFn: ({ signal }) => client.status(signal), retry: false });
  const setSignedIn = (signedIn: boolean) => queryClient.setQueryData(SESSION_KEY, signedIn);
  const signOut = useMutation({ mutationFn: () => client.signOut(), onSuccess: setSignedIn });

  return (
    <main className="app">
      <h1>Operator</h1>
      <p className="intro">
        Operators read and export the stored reviews. <a href="/">Back to the public page</a>
      </p>

      {session.isPending && <p role="status">Checking the session…</p>}
      {session.isError && (
        <p role="alert" className="error">
          {messageOf(session.error)}
        </p>
      )}

      {session.data === false && <SignInForm client={client} onSignedIn={setSignedIn} />}

      {session.data === true && (
        <>
          <section className="card" aria-labelledby="console-link-heading">
            <h2 id="console-link-heading">Review console</h2>
            <p className="muted">Find, correct or delete stored reviews, and see how often the model is right on them.</p>
            <p>
              <a href="/console">Open the review console</a>
            </p>
          </section>
          <CsvDownloads />
          <div className="card">
            <div className="actions">
              <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
                Sign out
              </button>
            </div>
            {signOut.isError && (
              <p role="alert" className="error">
                {messageOf(signOut.error)}
              </p>
            )}
          </div>
        </>
      )}
    </main>
  );
}
