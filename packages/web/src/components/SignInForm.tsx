'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../lib/review.ts';
import type { OperatorClient } from '../lib/operator-api.ts';

/**
 * The operator's sign-in form: the token goes to `POST /api/operator/session` once; the API sets
 * the HttpOnly session cookie. `onSignedIn` runs after a right token (a wrong one shows the API's words).
 */
export function SignInForm({ client, onSignedIn }: { client: OperatorClient; onSignedIn: (signedIn: boolean) => void }) {
  const [token, setToken] = useState('');
  const signIn = useMutation({
    mutationFn: (value: string) => client.signIn(value),
    onSuccess: (signedIn) => {
      setToken('');
      onSignedIn(signedIn);
    },
  });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (token.trim() === '' || signIn.isPending) return;
    signIn.mutate(token);
  }

  return (
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
          {errorMessage(signIn.error)}
        </p>
      )}
    </form>
  );
}
