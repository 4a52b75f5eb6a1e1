'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { isSignedOut, type ConsoleClient } from '../../lib/console-api.ts';
import { formatTime } from '../../lib/console-format.ts';
import { errorMessage } from '../../lib/review.ts';

/**
 * The audit trail (`GET /api/audit`, newest first, "Load more"): every operator action (sign-in and
 * out, correction, deletion, export), who and when, never a review's text.
 */
export function AuditTrail({ api, onUnauthorized }: { api: ConsoleClient; onUnauthorized: () => void }) {
  const audit = useInfiniteQuery({
    queryKey: ['console', 'audit'],
    queryFn: ({ pageParam, signal }) => api.audit(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
  useEffect(() => {
    if (isSignedOut(audit.error)) onUnauthorized();
  }, [audit.error, onUnauthorized]);
  const records = audit.data?.pages.flatMap((page) => page.records) ?? [];

  return (
    <section className="card audit" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit trail</h2>
      {audit.isPending && <p role="status">Loading the audit trail…</p>}
      {audit.isError && (
        <p role="alert" className="error">
          {errorMessage(audit.error)}
        </p>
      )}
      {audit.isSuccess && records.length === 0 && <p className="muted">No operator action recorded yet.</p>}
      {records.length > 0 && (
        <div className="table-scroll">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Operator</th>
                <th scope="col">Action</th>
                <th scope="col">Review</th>
                <th scope="col">Change</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {records.map((record) => (
                <tr key={record.id}>
                  <td>
                    <time dateTime={record.at}>{formatTime(record.at)}</time>
                  </td>
                  <td>{record.operator}</td>
                  <td>{record.action}</td>
                  <td className="mono">
                    {record.reviewId ? <span title={record.reviewId}>{record.reviewId.slice(0, 8)}</span> : '—'}
                    {record.modelVersion ? <span className="muted"> {record.modelVersion}</span> : null}
                  </td>
                  <td>{record.fromLabel || record.toLabel ? `${record.fromLabel ?? '—'} → ${record.toLabel ?? '—'}` : '—'}</td>
                  <td className="detail">{record.detail ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {audit.hasNextPage && (
        <div className="actions load-more">
          <button type="button" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
            {audit.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}
