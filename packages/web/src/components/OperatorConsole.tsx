'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../lib/api.ts';
import { createOperatorClient, type OperatorClient } from '../lib/operator-api.ts';
import { CsvDownloads } from './CsvDownloads.tsx';

const defaultClient = createOperatorClient();
const SESSION_KEY = ['operator-session'] as const;

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong in the page. Please try again.';
}

/**
 * The operator page (`/operator`): a sign-in form for the operator token, then the CSV download
 * links and a sign-out button. The token goes to the API once; the browser keeps only the
 * HttpOnly session cookie the API sets, which the download links then carry.
 */
export function OperatorConsole({ client = defaultClient }: { client?: OperatorClient }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState('');
  const session = useQuery({ queryKey: SESSION_KEY, queryFn: ({ signal }) => client.status(signal), retry: false });
  const setSignedIn = (signedIn: boolean) => queryClient.setQueryData(SESSION_KEY, signedIn);
  const signIn = useMutation({
    mutationFn: (value: string) => client.signIn(value),
    onSuccess: (signedIn) => {
      setToken('');
      setSignedIn(signedIn);
    },
  });
  const signOut = useMutation({ mutationFn: () => client.signOut(), onSuccess: setSignedIn });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (token.trim() === '' || signIn.isPending) return;
    signIn.mutate(token);
  }

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

      {session.data === false && (
        <form className="card" onSubmit={onSubmit} noValidate>
          <label htmlFor="operator-token" className="field-label">
            Operator token
          </label>
          <input
            id="operator-token"
            name="token"
            type="password"
            value={token}
            onChange={(event) => {
              setToken(event.target.value);
              signIn.reset();
            }}
            autoComplete="current-password"
            aria-invalid={signIn.isError}
            aria-describedby="operator-token-hint"
          />
          <p id="operator-token-hint" className="hint">
            Locally it is in <code>.data/operator-token</code> (or <code>OPERATOR_TOKEN</code>); on AWS, the SST secret <code>OperatorToken</code>.
          </p>
          <div className="actions">
            <button type="submit" className="primary" disabled={signIn.isPending || token.trim() === ''}>
              Sign in
            </button>
          </div>
          {signIn.isError && (
            <p role="alert" className="error">
              {messageOf(signIn.error)}
            </p>
          )}
        </form>
      )}

      {session.data === true && (
        <>
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
