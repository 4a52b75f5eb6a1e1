'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { consoleHref, filtersFromSearch, type ConsoleFilters } from '../lib/console-filters.ts';

/** The console's view state from the URL; returned by {@link useConsoleFilters}. */
export interface ConsoleFiltersState {
  filters: ConsoleFilters;
  /** Parameters of the URL that are not valid filters (dropped). */
  ignored: string[];
  /** Goes to the view of `next` (a new history entry, so Back returns to the previous view). */
  setFilters: (next: ConsoleFilters) => void;
}

/**
 * The filters of `/console` live in its query string, so a view can be shared and reloaded. Needs a
 * `<Suspense>` boundary above it (static export: the query string exists only in the browser).
 */
export function useConsoleFilters(): ConsoleFiltersState {
  const params = useSearchParams();
  const router = useRouter();
  const search = params.toString();
  const parsed = useMemo(() => filtersFromSearch(new URLSearchParams(search)), [search]);
  const setFilters = useCallback((next: ConsoleFilters) => router.push(consoleHref(next), { scroll: false }), [router]);
  return { filters: parsed.filters, ignored: parsed.ignored, setFilters };
}
