import type { Label } from '@sentiment/core';
import { useEffect } from 'react';
import { shortcutFor } from '../lib/shortcuts.ts';

/**
 * Page-wide review keys while `enabled`: `A` calls `onApprove`, `1`–`7` call `onRevise` with the
 * label at that position (see `shortcutFor`; keys typed into a text field are left alone).
 */
export function useReviewShortcuts(enabled: boolean, onApprove: () => void, onRevise: (label: Label) => void): void {
  useEffect(() => {
    if (!enabled) return;
    function onKeyDown(event: KeyboardEvent) {
      const shortcut = shortcutFor({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        isComposing: event.isComposing,
        target: event.target instanceof HTMLElement ? event.target : null,
      });
      if (!shortcut) return;
      event.preventDefault();
      if (shortcut.action === 'approve') onApprove();
      else onRevise(shortcut.label);
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [enabled, onApprove, onRevise]);
}
