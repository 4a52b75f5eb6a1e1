'use client';

import { LABELS, ReviewActionSchema } from '@sentiment/core';
import { useState, type FormEvent } from 'react';
import { FILTER_KEYS, type ConsoleFilters, type FilterKey } from '../../lib/console-filters.ts';

type Draft = Record<FilterKey, string>;

function draftOf(filters: ConsoleFilters): Draft {
  const draft = {} as Draft;
  for (const key of FILTER_KEYS) draft[key] = filters[key] === undefined ? '' : String(filters[key]);
  return draft;
}

/** Props of {@link FilterBar}. */
export interface FilterBarProps {
  filters: ConsoleFilters;
  /** Parameters of the URL that were dropped as invalid. */
  ignored: string[];
  /** Model versions with stored reviews, for the version filter. */
  versions: readonly string[];
  setFilters: (next: ConsoleFilters) => void;
}

/**
 * The list's filters as a search form; "Search" (or Enter) puts them in the URL, which the list then
 * reads. Parent keys it by the URL's query string, so Back/Forward and links reset the fields.
 */
export function FilterBar({ filters, ignored, versions, setFilters }: FilterBarProps) {
  const [draft, setDraft] = useState(() => draftOf(filters));
  const set = (key: FilterKey) => (event: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: event.target.value }));

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const next: Record<string, string | number> = {};
    for (const key of FILTER_KEYS) {
      const value = draft[key].trim();
      if (value !== '') next[key] = key === 'maxConfidence' ? Number(value) : value;
    }
    setFilters(next);
  }

  const hasFilters = FILTER_KEYS.some((key) => filters[key] !== undefined);
  const versionOptions = filters.modelVersion && !versions.includes(filters.modelVersion) ? [filters.modelVersion, ...versions] : versions;

  return (
    <form role="search" aria-label="Filter the reviews" className="card filters" onSubmit={onSubmit} noValidate>
      <div className="filter-search">
        <label htmlFor="filter-q" className="field-label">
          Text contains
        </label>
        <div className="search-row">
          <input id="filter-q" type="search" value={draft.q} onChange={set('q')} maxLength={200} placeholder="a word of the sentence" />
          <button type="submit" className="primary">
            Search
          </button>
        </div>
      </div>
      <div className="filter-grid">
        <label>
          <span>Label (human)</span>
          <select value={draft.label} onChange={set('label')}>
            <option value="">any</option>
            {LABELS.map((label) => (
              <option key={label}>{label}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Predicted label</span>
          <select value={draft.predictedLabel} onChange={set('predictedLabel')}>
            <option value="">any</option>
            {LABELS.map((label) => (
              <option key={label}>{label}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Action</span>
          <select value={draft.action} onChange={set('action')}>
            <option value="">any</option>
            {ReviewActionSchema.options.map((action) => (
              <option key={action}>{action}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Model version</span>
          <select value={draft.modelVersion} onChange={set('modelVersion')}>
            <option value="">any</option>
            {versionOptions.map((version) => (
              <option key={version}>{version}</option>
            ))}
          </select>
        </label>
        <label>
          <span>From (UTC day)</span>
          <input type="date" value={draft.from} onChange={set('from')} />
        </label>
        <label>
          <span>Through (UTC day)</span>
          <input type="date" value={draft.to} onChange={set('to')} />
        </label>
        <label>
          <span>Top probability at most</span>
          <input type="number" min={0} max={1} step={0.05} value={draft.maxConfidence} onChange={set('maxConfidence')} placeholder="0–1" />
        </label>
      </div>
      <div className="actions">
        <button type="submit">Apply filters</button>
        {hasFilters && (
          <button type="button" onClick={() => setFilters({})}>
            Clear filters
          </button>
        )}
      </div>
      {ignored.length > 0 && (
        <p role="alert" className="error">
          Ignored in the address: {ignored.join('; ')}.
        </p>
      )}
    </form>
  );
}
