'use client';

import type { StatsResponse } from '@sentiment/core';
import { useQuery } from '@tanstack/react-query';
import { defaultStatsVersion, type ConsoleClient } from '../lib/console-api.ts';
import { statsQuery, type ConsoleFilters } from '../lib/console-filters.ts';

/** The stats shown by the console; returned by {@link useConsoleStats}. */
export interface ConsoleStats {
  /** The model version the figures are for (`undefined`: no review stored yet, or still loading). */
  modelVersion: string | undefined;
  /** True when `modelVersion` was picked by default (the URL names none). */
  isDefault: boolean;
  /** Every model version with stored reviews (from any stats answer). */
  versions: StatsResponse['versions'];
  data: StatsResponse | undefined;
  isPending: boolean;
  error: unknown;
}

/**
 * `GET /api/stats` for the view's model version and date range. Without a version in the URL it
 * first asks for all versions (which lists them) and then shows the served version (`GET /model/readyz`)
 * when it has reviews, else the one with the most (see `defaultStatsVersion`).
 */
export function useConsoleStats(api: ConsoleClient, filters: ConsoleFilters): ConsoleStats {
  const named = filters.modelVersion;
  const served = useQuery({
    queryKey: ['console', 'served-version'],
    queryFn: ({ signal }) => api.servedVersion(signal),
    staleTime: 60_000,
    enabled: named === undefined,
  });
  const firstQuery = statsQuery(filters, named).toString();
  const first = useQuery({
    queryKey: ['console', 'stats', firstQuery],
    queryFn: ({ signal }) => api.stats(new URLSearchParams(firstQuery), signal),
    retry: false,
  });
  const chosen = named ?? (first.data && !served.isPending ? defaultStatsVersion(first.data.versions, served.data) : undefined);
  const secondQuery = statsQuery(filters, chosen).toString();
  const second = useQuery({
    queryKey: ['console', 'stats', secondQuery],
    queryFn: ({ signal }) => api.stats(new URLSearchParams(secondQuery), signal),
    enabled: named === undefined && chosen !== undefined,
    retry: false,
  });
  const shown = named !== undefined || chosen === undefined ? first : second;
  const waiting = named === undefined && (first.isPending || served.isPending);
  return {
    modelVersion: chosen,
    isDefault: named === undefined,
    versions: (shown.data ?? first.data)?.versions ?? [],
    data: waiting ? undefined : shown.data,
    isPending: waiting || shown.isPending,
    error: first.error ?? shown.error,
  };
}
