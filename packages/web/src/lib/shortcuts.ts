/**
 * Keyboard shortcuts of the review panels: `A` approves, `1`–`7` pick the label at that position
 * in {@link LABELS}. They only act when focus is not in a text field, so typing a sentence that
 * contains "a" or digits never triggers a review.
 */
import { LABELS, type Label } from '@sentiment/core';

/** What a key press asks for, or `null` when it is not a shortcut here. */
export type Shortcut = { action: 'approve' } | { action: 'revise'; label: Label } | null;

/** The parts of a `KeyboardEvent` that decide whether it is a shortcut. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** True while an input method editor is composing text. */
  isComposing?: boolean;
  /** The focused element (the event target). */
  target: { tagName?: string; isContentEditable?: boolean; type?: string } | null;
}

// Input types that take typed characters; a focused checkbox or button does not.
const TEXT_INPUT_TYPES = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', '']);

/** True when the focused element takes typed text, so a key press belongs to it. */
export function isTextField(target: KeyPress['target']): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && TEXT_INPUT_TYPES.has((target.type ?? '').toLowerCase());
}

/** Maps a key press to a shortcut; modifier combinations (browser and OS shortcuts) are left alone. */
export function shortcutFor(press: KeyPress): Shortcut {
  if (press.ctrlKey || press.metaKey || press.altKey || press.isComposing) return null;
  if (isTextField(press.target)) return null;
  if (press.key === 'a' || press.key === 'A') return { action: 'approve' };
  if (/^[1-9]$/.test(press.key)) {
    const label = LABELS[Number(press.key) - 1];
    return label ? { action: 'revise', label } : null;
  }
  return null;
}
