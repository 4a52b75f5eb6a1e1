'use client';

import { LABELS, type Label, type ReviewListResponse, type StoredReview } from '@sentiment/core';
import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useSingleFlight } from '../../hooks/useSingleFlight.ts';
import { isSignedOut, type ConsoleClient } from '../../lib/console-api.ts';
import { apiQuery, type ConsoleFilters } from '../../lib/console-filters.ts';
import { formatPercent } from '../../lib/format.ts';
import { formatCount, formatTime } from '../../lib/console-format.ts';
import { errorMessage } from '../../lib/review.ts';

type Pages = InfiniteData<ReviewListResponse, string | undefined>;

/** Empty pages in a row the list follows by itself before it waits for "Load more". */
const MAX_EMPTY_PAGES = 10;

/** Replaces (or, with `null`, removes) review `id` in every cached page of the list. */
function updateCachedReview(pages: Pages | undefined, id: string, next: StoredReview | null): Pages | undefined {
  if (!pages) return pages;
  return {
    ...pages,
    pages: pages.pages.map((page) => ({
      ...page,
      reviews: next === null ? page.reviews.filter((r) => r.id !== id) : page.reviews.map((r) => (r.id === id ? next : r)),
    })),
  };
}

/** Props of {@link ReviewList}. */
export interface ReviewListProps {
  api: ConsoleClient;
  filters: ConsoleFilters;
  onUnauthorized: () => void;
}

/**
 * The stored reviews of the view, newest first, 50 a page with "Load more" (`GET /api/reviews`
 * cursor paging). Each row can be corrected (`PATCH`) or deleted after a confirmation (`DELETE`);
 * both refresh the stats and the audit trail.
 */
export function ReviewList({ api, filters, onUnauthorized }: ReviewListProps) {
  const query = apiQuery(filters).toString();
  const list = useInfiniteQuery({
    queryKey: ['console', 'reviews', query],
    queryFn: ({ pageParam, signal }) => api.reviews(new URLSearchParams(query), pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
  useEffect(() => {
    if (isSignedOut(list.error)) onUnauthorized();
  }, [list.error, onUnauthorized]);
  // A new view (search, a matrix cell, an alert's link, Back): bring the list into sight and announce it.
  const heading = useRef<HTMLHeadingElement>(null);
  const shownQuery = useRef(query);
  useEffect(() => {
    if (shownQuery.current === query) return;
    shownQuery.current = query;
    heading.current?.focus({ preventScroll: true });
    heading.current?.scrollIntoView({ block: 'start' });
  }, [query]);

  const pages = list.data?.pages ?? [];
  const reviews = pages.flatMap((page) => page.reviews);
  // A selective filter may answer an empty page with a cursor (the API reads a bounded part of the
  // store per request): follow it by itself, up to MAX_EMPTY_PAGES in a row, so a search needs no extra clicks.
  // "Load more" starts a new run (counted from the pages loaded at its click).
  const [resume, setResume] = useState({ query, from: 0 });
  const runStart = resume.query === query ? resume.from : 0;
  let emptyRun = 0;
  while (pages.length - 1 - emptyRun >= runStart && pages[pages.length - 1 - emptyRun]?.reviews.length === 0) emptyRun++;
  const { hasNextPage, isFetchingNextPage, isError, fetchNextPage } = list;
  useEffect(() => {
    if (emptyRun > 0 && emptyRun < MAX_EMPTY_PAGES && hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage();
  }, [emptyRun, hasNextPage, isFetchingNextPage, isError, fetchNextPage]);

  return (
    <section className="card review-list" aria-labelledby="reviews-heading">
      <h2 id="reviews-heading" ref={heading} tabIndex={-1}>
        Reviews
      </h2>
      {list.isPending && <p role="status">Loading the reviews…</p>}
      {list.isError && (
        <p role="alert" className="error">
          {errorMessage(list.error)}
        </p>
      )}
      {list.isSuccess && (
        <p className="muted" role="status">
          {reviews.length === 0
            ? list.hasNextPage
              ? list.isFetchingNextPage
                ? 'Searching further…'
                : 'No matching review in the part searched so far.'
              : 'No review matches these filters.'
            : `${formatCount(reviews.length)} review${reviews.length === 1 ? '' : 's'} shown, newest first${list.hasNextPage ? '; more below' : ''}.`}
        </p>
      )}
      {reviews.length > 0 && (
        <table className="reviews">
          <thead>
            <tr>
              <th scope="col">Text</th>
              <th scope="col">Predicted</th>
              <th scope="col">Label</th>
              <th scope="col">Action</th>
              <th scope="col">Model version</th>
              <th scope="col">Time</th>
              <th scope="col">Correct or delete</th>
            </tr>
          </thead>
          <tbody>
            {reviews.map((review) => (
              <ReviewRow key={review.id} review={review} api={api} onUnauthorized={onUnauthorized} />
            ))}
          </tbody>
        </table>
      )}
      {list.hasNextPage && (
        <div className="actions load-more">
          <button
            type="button"
            onClick={() => {
              setResume({ query, from: pages.length });
              void list.fetchNextPage();
            }}
            disabled={list.isFetchingNextPage}
          >
            {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
      {list.isFetchNextPageError && (
        <p role="alert" className="error">
          {errorMessage(list.error)}
        </p>
      )}
    </section>
  );
}

function ReviewRow({ review, api, onUnauthorized }: { review: StoredReview; api: ConsoleClient; onUnauthorized: () => void }) {
  const queryClient = useQueryClient();
  const [label, setLabel] = useState<Label>(review.label);
  const [confirming, setConfirming] = useState(false);
  const once = useSingleFlight();
  useEffect(() => setLabel(review.label), [review.label]);

  const refreshFigures = () => {
    void queryClient.invalidateQueries({ queryKey: ['console', 'stats'] });
    void queryClient.invalidateQueries({ queryKey: ['console', 'audit'] });
  };
  const onError = (error: unknown) => {
    if (isSignedOut(error)) onUnauthorized();
  };
  const correct = useMutation({
    mutationFn: (next: Label) => api.correct(review.id, next),
    onSuccess: (stored) => {
      queryClient.setQueriesData<Pages>({ queryKey: ['console', 'reviews'] }, (pages) => updateCachedReview(pages, review.id, stored));
      refreshFigures();
    },
    onError,
  });
  const remove = useMutation({
    mutationFn: () => api.remove(review.id),
    onSuccess: () => {
      queryClient.setQueriesData<Pages>({ queryKey: ['console', 'reviews'] }, (pages) => updateCachedReview(pages, review.id, null));
      refreshFigures();
    },
    onError,
  });
  const busy = correct.isPending || remove.isPending;
  const top = review.probabilities[review.predictedLabel];
  const selectId = `label-${review.id}`;

  return (
    <tr data-review-id={review.id} className={review.action === 'corrected' ? 'corrected' : undefined}>
      <td className="review-text" data-head="Text">
        {review.text}
      </td>
      <td data-head="Predicted">
        {review.predictedLabel} <span className="muted">{formatPercent(top)}</span>
      </td>
      <td data-head="Label">
        <strong className={review.label === review.predictedLabel ? undefined : 'differs'}>{review.label}</strong>
      </td>
      <td data-head="Action">
        {review.action}
        {review.blind && review.action !== 'blind' ? <span className="muted"> (blind)</span> : null}
        {review.correctedBy && (
          <span className="muted small" title={review.correctedAt}>
            {' '}
            by {review.correctedBy}
          </span>
        )}
      </td>
      <td data-head="Model version">{review.modelVersion}</td>
      <td data-head="Time">
        <time dateTime={review.createdAt} title={`stored ${review.createdAt}; updated ${review.updatedAt}`}>
          {formatTime(review.createdAt)}
        </time>
      </td>
      <td data-head="Correct or delete" className="row-actions">
        <div className="correct">
          <label htmlFor={selectId} className="visually-hidden">
            New label for “{review.text.slice(0, 60)}”
          </label>
          <select id={selectId} value={label} onChange={(event) => setLabel(event.target.value as Label)} disabled={busy}>
            {LABELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
          <button type="button" onClick={() => once(() => correct.mutateAsync(label))} disabled={busy || label === review.label}>
            {correct.isPending ? 'Saving…' : 'Save'}
          </button>
        </div>
        {confirming ? (
          <div className="confirm" role="group" aria-label="Confirm the deletion">
            <span>Delete this review for good?</span>
            <button type="button" className="danger" onClick={() => once(() => remove.mutateAsync())} disabled={busy}>
              {remove.isPending ? 'Deleting…' : 'Yes, delete'}
            </button>
            <button type="button" onClick={() => setConfirming(false)} disabled={busy}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="danger-outline" onClick={() => setConfirming(true)} disabled={busy}>
            Delete
          </button>
        )}
        {correct.isSuccess && !correct.isPending && correct.data.label === review.label && (
          <p role="status" className="row-status">
            Saved as {review.label}.
          </p>
        )}
        {(correct.isError || remove.isError) && (
          <p role="alert" className="error row-status">
            {errorMessage(correct.error ?? remove.error)}
          </p>
        )}
      </td>
    </tr>
  );
}
