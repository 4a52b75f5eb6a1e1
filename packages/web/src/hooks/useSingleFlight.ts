import { useCallback, useRef } from 'react';

/**
 * Runs at most one request of a kind at a time: a call while one is running is dropped. A ref,
 * not React state, because both clicks of a double click can land before React re-renders the
 * button as disabled.
 */
export function useSingleFlight(): (run: () => Promise<unknown>) => void {
  const busy = useRef(false);
  return useCallback((run) => {
    if (busy.current) return;
    busy.current = true;
    // Failures are shown from the mutation's state; here they only release the lock.
    run()
      .catch(() => undefined)
      .finally(() => {
        busy.current = false;
      });
  }, []);
}
