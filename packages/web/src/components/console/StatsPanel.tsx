'use client';

import { LABELS, type StatsResponse } from '@sentiment/core';
import Link from 'next/link';
import type { CSSProperties } from 'react';
import type { ConsoleStats } from '../../hooks/useConsoleStats.ts';
import { cellFilters, consoleHref, withFilters, type ConsoleFilters } from '../../lib/console-filters.ts';
import { formatCount, formatInterval, formatRate, formatScore, rowShare } from '../../lib/console-format.ts';
import { errorMessage } from '../../lib/review.ts';

/** Props of {@link StatsPanel}. */
export interface StatsPanelProps {
  stats: ConsoleStats;
  filters: ConsoleFilters;
  setFilters: (next: ConsoleFilters) => void;
}

/**
 * The model measured on live feedback (`GET /api/stats`) for one model version and the view's date
 * range: counts by action, anchored agreement beside blind accuracy (95 % interval, sample sizes),
 * accuracy and macro-F1, per-label precision/recall/F1, the confusion matrix as a heat map whose cells
 * open the reviews behind them, label-gap alerts, and champion vs challenger when a shadow ran.
 */
export function StatsPanel({ stats, filters, setFilters }: StatsPanelProps) {
  const { data, modelVersion } = stats;
  const range = filters.from || filters.to ? ` from ${filters.from ?? 'the start'} through ${filters.to ?? 'today'}` : '';

  return (
    <section className="card stats" aria-labelledby="stats-heading">
      <div className="stats-head">
        <h2 id="stats-heading">Model quality on reviews</h2>
        <label className="inline-field">
          <span>Model version</span>
          <select
            aria-label="Model version of these figures (also filters the list)"
            value={modelVersion ?? ''}
            onChange={(event) => setFilters(withFilters(filters, { modelVersion: event.target.value }))}
            disabled={stats.versions.length === 0}
          >
            {modelVersion === undefined && <option value="">—</option>}
            {modelVersion !== undefined && !stats.versions.some((v) => v.modelVersion === modelVersion) && (
              <option value={modelVersion}>{modelVersion}</option>
            )}
            {stats.versions.map((v) => (
              <option key={v.modelVersion} value={v.modelVersion}>
                {v.modelVersion} ({formatCount(v.reviews)} reviews)
              </option>
            ))}
          </select>
        </label>
      </div>
      {stats.isDefault && modelVersion !== undefined && (
        <p className="muted">Showing {modelVersion} (served, or with the most reviews); the list below holds every version until you pick one.</p>
      )}
      {stats.error !== null && stats.error !== undefined && (
        <p role="alert" className="error">
          {errorMessage(stats.error)}
        </p>
      )}
      {stats.isPending && !stats.error && <p role="status">Loading the figures…</p>}
      {data && <StatsBody data={data} modelVersion={modelVersion} filters={filters} range={range} />}
    </section>
  );
}

function StatsBody({
  data,
  modelVersion,
  filters,
  range,
}: {
  data: StatsResponse;
  modelVersion: string | undefined;
  filters: ConsoleFilters;
  range: string;
}) {
  const reviewsOf = (patch: Partial<ConsoleFilters>) => consoleHref(withFilters({}, { from: filters.from, to: filters.to, modelVersion, ...patch }));
  return (
    <>
      <p className="muted" id="stats-scope">
        {formatCount(data.reviews)} reviews of {data.modelVersion ?? 'every version'}
        {range}, each counted once with its current label.
      </p>
      <dl className="figures">
        <div>
          <dt>Agreement (anchored)</dt>
          <dd data-figure="agreement">
            <strong>{formatRate(data.agreement.rate)}</strong> <span className="muted">n = {formatCount(data.agreement.n)}</span>
          </dd>
          <dd className="figure-note">People who saw the model&apos;s label kept it.</dd>
        </div>
        <div>
          <dt>Blind accuracy</dt>
          <dd data-figure="blind-accuracy">
            <strong>{formatRate(data.blindAccuracy.rate)}</strong> <span className="muted">n = {formatCount(data.blindAccuracy.n)}</span>
          </dd>
          <dd className="figure-note">
            {data.blindAccuracy.low !== null && data.blindAccuracy.high !== null
              ? `95 % interval ${formatInterval(data.blindAccuracy.low, data.blindAccuracy.high)} (Wilson)`
              : 'No blind review yet.'}
          </dd>
        </div>
        <div>
          <dt>Accuracy</dt>
          <dd data-figure="accuracy">
            <strong>{formatRate(data.accuracy)}</strong> <span className="muted">n = {formatCount(data.reviews)}</span>
          </dd>
          <dd className="figure-note">Model vs the current label, all reviews.</dd>
        </div>
        <div>
          <dt>Macro-F1</dt>
          <dd data-figure="macro-f1">
            <strong>{formatScore(data.macroF1)}</strong>
          </dd>
        </div>
      </dl>

      <div className="table-scroll">
        <table className="counts">
          <caption>Reviews by action</caption>
          <thead>
            <tr>
              <th scope="col">approved</th>
              <th scope="col">revised</th>
              <th scope="col">blind</th>
              <th scope="col">corrected</th>
              <th scope="col">all</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>{formatCount(data.counts.approved)}</td>
              <td>{formatCount(data.counts.revised)}</td>
              <td>{formatCount(data.counts.blind)}</td>
              <td>{formatCount(data.counts.corrected)}</td>
              <td>{formatCount(data.reviews)}</td>
            </tr>
          </tbody>
        </table>
      </div>

      {data.alerts.length > 0 && (
        <div className="alerts" role="region" aria-labelledby="alerts-heading">
          <h3 id="alerts-heading">Label gaps</h3>
          <ul>
            {data.alerts.map((alert) =>
              alert.kind === 'label_gap' ? (
                <li key={`gap-${alert.label}`}>
                  <strong>{alert.label}</strong>: people chose it {formatCount(alert.chosen)} times, the model predicted it{' '}
                  {formatCount(alert.predicted)} times (×
                  {alert.ratio.toFixed(1)}). <Link href={reviewsOf({ label: alert.label })}>See these reviews</Link>
                </li>
              ) : (
                <li key={`pair-${alert.predictedLabel}-${alert.label}`}>
                  <strong>
                    {alert.predictedLabel} → {alert.label}
                  </strong>
                  : {formatCount(alert.count)} revisions, {formatRate(alert.share)} of all revisions.{' '}
                  <Link href={reviewsOf({ predictedLabel: alert.predictedLabel, label: alert.label })}>See these reviews</Link>
                </li>
              ),
            )}
          </ul>
        </div>
      )}

      <div className="stats-tables">
        <ConfusionMatrix data={data} modelVersion={modelVersion} filters={filters} />
        <div className="table-scroll">
          <table className="per-label">
            <caption>Per label: the model against the human label</caption>
            <thead>
              <tr>
                <th scope="col">label</th>
                <th scope="col">precision</th>
                <th scope="col">recall</th>
                <th scope="col">F1</th>
                <th scope="col">
                  <abbr title="reviews whose human label is this one">support</abbr>
                </th>
                <th scope="col">predicted</th>
              </tr>
            </thead>
            <tbody>
              {LABELS.map((label) => {
                const row = data.perLabel[label];
                return (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    <td>{formatScore(row?.precision)}</td>
                    <td>{formatScore(row?.recall)}</td>
                    <td>{formatScore(row?.f1)}</td>
                    <td>{formatCount(row?.support ?? 0)}</td>
                    <td>{formatCount(row?.predicted ?? 0)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>

      {data.shadow.length > 0 && (
        <div className="table-scroll">
          <table className="shadow">
            <caption>Champion vs challenger on the same reviewed traffic</caption>
            <thead>
              <tr>
                <th scope="col">challenger (shadow)</th>
                <th scope="col">reviews</th>
                <th scope="col">challenger accuracy</th>
                <th scope="col">champion accuracy</th>
              </tr>
            </thead>
            <tbody>
              {data.shadow.map((s) => (
                <tr key={s.modelVersion}>
                  <th scope="row">{s.modelVersion}</th>
                  <td>{formatCount(s.reviews)}</td>
                  <td>{formatRate(s.accuracy)}</td>
                  <td>{formatRate(s.championAccuracy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/**
 * The confusion matrix as a real table (human label rows × predicted label columns) with every
 * count written out; each cell is shaded by its share of the row and links to the reviews it counts.
 */
function ConfusionMatrix({ data, modelVersion, filters }: { data: StatsResponse; modelVersion: string | undefined; filters: ConsoleFilters }) {
  return (
    <div className="table-scroll">
      <table className="confusion">
        <caption>Confusion matrix: rows are the human label, columns the model&apos;s; the shade is the share of the row</caption>
        <thead>
          <tr>
            <td className="corner">human ↓ / model →</td>
            {LABELS.map((label) => (
              <th scope="col" key={label}>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {LABELS.map((human) => {
            const row = data.confusion[human];
            const total = LABELS.reduce((sum, predicted) => sum + (row?.[predicted] ?? 0), 0);
            return (
              <tr key={human}>
                <th scope="row">{human}</th>
                {LABELS.map((predicted) => {
                  const count = row?.[predicted] ?? 0;
                  const share = rowShare(count, total);
                  const style = { '--share': `${Math.round(share * 100)}%` } as CSSProperties;
                  return (
                    <td
                      key={predicted}
                      className={`${human === predicted ? 'hit' : 'miss'}${share > 0.5 ? ' dark' : ''}`}
                      style={style}
                      data-cell={`${human}-${predicted}`}
                    >
                      <Link
                        href={consoleHref(cellFilters(filters, modelVersion, human, predicted))}
                        scroll={false}
                        aria-label={`${count} reviews labelled ${human}, predicted ${predicted}: show them`}
                      >
                        {formatCount(count)}
                      </Link>
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
