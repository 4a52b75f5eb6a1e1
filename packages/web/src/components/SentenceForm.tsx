import { MAX_TEXT_CODE_POINTS } from '@sentiment/core';
import type { FormEvent, KeyboardEvent } from 'react';

/** Props of {@link SentenceForm}. */
export interface SentenceFormProps {
  value: string;
  /** Length of the text in Unicode code points, as the limit counts it. */
  length: number;
  pending: boolean;
  /** Why the text cannot be predicted, shown as an alert. */
  error: string | null;
  /** Marks the text box invalid (the text itself was refused). */
  invalid: boolean;
  onChange: (value: string) => void;
  onSubmit: () => void;
}

/** The sentence box with its counter and the Submit button; Enter submits, Shift+Enter adds a line. */
export function SentenceForm({ value, length, pending, error, invalid, onChange, onSubmit }: SentenceFormProps) {
  const overLimit = length > MAX_TEXT_CODE_POINTS;

  function onFormSubmit(event: FormEvent) {
    event.preventDefault();
    onSubmit();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Never submit in the middle of IME composition.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      onSubmit();
    }
  }

  return (
    <form className="card" onSubmit={onFormSubmit} noValidate>
      <label htmlFor="sentence" className="field-label">
        Input sentence
      </label>
      <textarea
        id="sentence"
        name="text"
        rows={4}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby="sentence-counter sentence-hint"
        aria-invalid={invalid}
        autoComplete="off"
        spellCheck
      />
      <div className="field-meta">
        <span id="sentence-hint" className="hint">
          <kbd>Enter</kbd> submits, <kbd>Shift</kbd>+<kbd>Enter</kbd> adds a line.
        </span>
        <span id="sentence-counter" className={overLimit ? 'counter over' : 'counter'}>
          {length} / {MAX_TEXT_CODE_POINTS} characters{overLimit ? ' (too long)' : ''}
        </span>
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={pending}>
          Submit
        </button>
        {pending && (
          <span role="status" className="pending">
            Predicting…
          </span>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
