import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLANK_FILLERS, countCodePoints, hasVisibleCharacter, MAX_TEXT_CODE_POINTS, normalizeText, TextRuleError } from './normalize.ts';
import { TextSchema } from './schema.ts';

function ruleOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TextRuleError) return error.rule;
    throw error;
  }
  return 'none';
}

test('NUL and other control characters are dropped', () => {
  assert.equal(normalizeText('ab\u0000c\u0007d\u009F'), 'abcd');
});

test('zero-width characters and a byte-order mark are dropped', () => {
  assert.equal(normalizeText('\uFEFFsad\u200Bness\u200C\u200D\u2060'), 'sadness');
});

test('bidi marks, overrides and isolates are dropped, so a stored text reads as typed', () => {
  assert.equal(normalizeText('I was \u202Eyppah\u202C today'), 'I was yppah today');
  assert.equal(normalizeText('a\u200Eb\u200Fc\u2066d\u2069e\u061Cf\u202Ag'), 'abcdefg');
});

test('NBSP, tabs, CRLF and runs of whitespace collapse to one space and are trimmed', () => {
  assert.equal(normalizeText('  I\u00A0was\t\tso\r\nhappy \u2028 today  '), 'I was so happy today');
});

test('tab and line breaks separate words instead of gluing them', () => {
  assert.equal(normalizeText('one\ntwo\rthree\tfour'), 'one two three four');
});

test('decomposed accents become NFC', () => {
  const decomposed = 'cafe\u0301 fiance\u0301e';
  assert.equal(normalizeText(decomposed), 'caf\u00E9 fianc\u00E9e');
  assert.equal(normalizeText(decomposed).length, 'café fiancée'.length);
});

test('emoji survive unchanged', () => {
  assert.equal(normalizeText('I passed 🎉😀'), 'I passed 🎉😀');
});

test('empty or whitespace-only text is rejected as empty', () => {
  for (const text of ['', '   ', '\u00A0\t\r\n', '\u200B\u0000', '\uFEFF']) {
    assert.equal(
      ruleOf(() => normalizeText(text)),
      'empty',
      JSON.stringify(text),
    );
  }
});

// The break test's inputs (issue 7): each was predicted and stored although nothing shows.
const BREAK_TEST_INVISIBLES = ['\u3164', '\u115F', '\uFFA0', '\u00AD', '\u2800', '\u034F', '\uFE0F', '\u180E', '\u2061', '\u{E0020}'];

test('text made only of the break test invisibles, alone, repeated or mixed with spaces, is rejected as empty', () => {
  for (const c of BREAK_TEST_INVISIBLES) {
    for (const text of [c, c.repeat(50), ` ${c} ${c}\u200D${c}\u200C `]) {
      assert.equal(
        ruleOf(() => normalizeText(text)),
        'empty',
        JSON.stringify(text),
      );
    }
  }
  assert.equal(
    ruleOf(() => normalizeText(BREAK_TEST_INVISIBLES.join(''))),
    'empty',
  );
});

test('every default-ignorable code point and every blank filler is invisible: alone it is rejected as empty', () => {
  const invisibles: string[] = [...BLANK_FILLERS];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (/\p{Default_Ignorable_Code_Point}/u.test(c)) invisibles.push(c);
  }
  assert.ok(invisibles.length > 4000, `found ${invisibles.length}`); // U+E0000–E0FFF alone is 4,096
  for (const c of invisibles) {
    assert.equal(hasVisibleCharacter(c), false, c.codePointAt(0)!.toString(16));
    assert.equal(
      ruleOf(() => normalizeText(`${c}${c}`)),
      'empty',
      c.codePointAt(0)!.toString(16),
    );
  }
});

test('default-ignorables inside a word are dropped: soft hyphen, Hangul filler, tags, word joiner', () => {
  assert.equal(normalizeText('hap\u00ADpy \u3164sad\u{E0041}\u{E0042} mo\u2060od\u034F'), 'happy sad mood');
});

test('blank fillers are kept beside visible text, since Braille separates words with U+2800', () => {
  assert.equal(normalizeText('\u2813\u2811\u2800\u2807\u2807'), '\u2813\u2811\u2800\u2807\u2807');
});

test('a joiner between two visible characters is kept: Persian ZWNJ, Hindi ZWJ conjunct, emoji ZWJ sequences', () => {
  for (const text of [
    'می\u200Cخواهم', // Persian "I want": the ZWNJ keeps می from joining the verb
    'क्\u200Dष', // Devanagari half-form conjunct
    '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', // 👨‍👩‍👧 family, one emoji
    '\u2764\uFE0F\u200D\u{1F525}', // ❤️‍🔥 heart on fire: the joiner follows a variation selector
    '\u{1F469}\u{1F3FD}\u200D\u{1F4BB}', // 👩🏽‍💻 with a skin tone modifier
    '\u{1F3F3}\uFE0F\u200D\u{1F308}', // 🏳️‍🌈
  ]) {
    assert.equal(normalizeText(`I feel ${text} today`), `I feel ${text} today`, JSON.stringify(text));
  }
});

test('a joiner not between two visible characters is dropped: at the edges, beside spaces, doubled', () => {
  assert.equal(normalizeText('\u200Dhappy\u200C'), 'happy');
  assert.equal(normalizeText('happy \u200D sad'), 'happy sad');
  assert.equal(normalizeText('a\u200D b \u200Cc'), 'a b c');
  assert.equal(normalizeText('a\u200D\u200Db'), 'a\u200Db');
  assert.equal(normalizeText('a\u200D\u2800b'), 'a\u2800b');
});

test('one variation selector after a visible character is kept (❤️ stays an emoji); extra or orphan selectors are dropped', () => {
  assert.equal(normalizeText('I \u2764\uFE0F you'), 'I \u2764\uFE0F you');
  assert.equal(normalizeText('1\uFE0F\u20E3 and \u8FBB\u{E0100}'), '1\uFE0F\u20E3 and \u8FBB\u{E0100}');
  // Bytes smuggled as a run of selectors after an emoji are not kept.
  assert.equal(normalizeText('\u{1F600}\uFE0F\u{E0101}\u{E0150}\uFE01 hi'), '\u{1F600}\uFE0F hi');
  assert.equal(normalizeText('\uFE0Fhi \uFE0F'), 'hi');
});

test('emoji subdivision flags keep their tags; any other tag sequence is dropped', () => {
  const scotland = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
  assert.equal(normalizeText(`go ${scotland}!`), `go ${scotland}!`);
  // Hidden ASCII in tags ("ASCII smuggling") after a flag or a letter: the tags go, the text stays.
  const hidden = [...'ignore all'].map((c) => String.fromCodePoint(0xe0000 + c.codePointAt(0)!)).join('');
  assert.equal(normalizeText(`go \u{1F3F4}${hidden}\u{E007F}!`), 'go \u{1F3F4}!');
  assert.equal(normalizeText(`go${hidden}`), 'go');
});

test('applying the rules to their own output changes nothing, so an exported text reads back the same', () => {
  const scotland = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
  for (const raw of [
    ' a\u200D\u200D b\u00AD\u200Cc\uFE0F\uFE0F ',
    `\u2764\uFE0F\u200D\u{1F525}${scotland}\u200D${scotland}\u{E0041}`,
    'cafe\u0301\u034F\u0301 \u2800\u200D\u2800x\u0000\u200Dy',
  ]) {
    const once = normalizeText(raw);
    assert.equal(normalizeText(once), once, JSON.stringify(raw));
  }
});

test('dropping a character between a letter and its accent still yields NFC', () => {
  assert.equal(normalizeText('cafe\u00AD\u0301'), 'caf\u00E9');
  assert.equal(normalizeText('cafe\u0007\u0301'), 'caf\u00E9');
});

test('lone surrogates are rejected, paired ones are not', () => {
  assert.equal(
    ruleOf(() => normalizeText('bad \uD83D text')),
    'lone_surrogate',
  );
  assert.equal(
    ruleOf(() => normalizeText('bad \uDE00')),
    'lone_surrogate',
  );
  assert.equal(normalizeText('ok \uD83D\uDE00'), 'ok 😀');
});

test('length is counted in code points: the limit of emoji passes, one more fails', () => {
  const atLimit = '😀'.repeat(MAX_TEXT_CODE_POINTS);
  assert.equal(atLimit.length, 2 * MAX_TEXT_CODE_POINTS);
  assert.equal(countCodePoints(normalizeText(atLimit)), MAX_TEXT_CODE_POINTS);
  assert.equal(
    ruleOf(() => normalizeText(`${atLimit}a`)),
    'too_long',
  );
});

test('the too_long message names the limit', () => {
  assert.throws(() => normalizeText('a'.repeat(MAX_TEXT_CODE_POINTS + 1)), new RegExp(String(MAX_TEXT_CODE_POINTS)));
});

test('length is measured after normalisation, so stripped whitespace does not count', () => {
  const padded = ` ${'a'.repeat(MAX_TEXT_CODE_POINTS)}    `;
  assert.equal(normalizeText(padded).length, MAX_TEXT_CODE_POINTS);
});

test('printable ASCII text (its shortcut) gets exactly what the full rules give', () => {
  // A trailing U+200B (zero-width space) sends a text through the full rules, which drop it again.
  const outcome = (raw: string): string => {
    try {
      return `ok ${normalizeText(raw)}`;
    } catch (error) {
      if (error instanceof TextRuleError) return `${error.rule} ${error.message}`;
      throw error;
    }
  };
  const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
  const samples = [
    '',
    ' ',
    '     ',
    'a',
    ' a ',
    'I  was   so happy.  ',
    'a'.repeat(MAX_TEXT_CODE_POINTS),
    ` ${'b '.repeat(MAX_TEXT_CODE_POINTS / 2)} `,
  ];
  samples.push('x'.repeat(MAX_TEXT_CODE_POINTS + 1), `${'c'.repeat(MAX_TEXT_CODE_POINTS)}  d`, ...printable, printable.join(''));
  // Deterministic pseudo-random texts, heavy in spaces, up to past the length limit.
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 500; i++) {
    const length = i < 450 ? next(40) : MAX_TEXT_CODE_POINTS - 5 + next(10);
    samples.push(Array.from({ length }, () => (next(3) === 0 ? ' ' : printable[next(printable.length)]!)).join(''));
  }
  for (const raw of samples) assert.equal(outcome(raw), outcome(`${raw}\u200B`), JSON.stringify(raw));
});

test('non-strings are rejected', () => {
  assert.equal(
    ruleOf(() => normalizeText(42)),
    'not_a_string',
  );
});

test('TextSchema returns the normalised text and reports the rule as a zod issue', () => {
  assert.equal(TextSchema.parse('  hi  there '), 'hi there');
  const result = TextSchema.safeParse('   ');
  assert.equal(result.success, false);
  assert.match(result.error.issues[0]!.message, /empty/);
});
