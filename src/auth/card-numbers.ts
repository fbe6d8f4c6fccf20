/**
 * Payment card numbers in free text: 13–19 digits, optionally grouped by
 * single spaces or dashes, passing the Luhn check. Within a longer run of
 * digit groups ("4111 1111 1111 1111 123", a card then a CVV) the card is
 * found at group boundaries, longest match first. Cards are printed in groups
 * of 3 or more digits (4-4-4-4, 4-6-5, 4-4-4-4-3), so a window containing a
 * shorter group ("12 34 56 …", a list of small numbers) is not a card.
 */

/** Digits joined by at most one space or dash: linear to scan, no backtracking. */
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;
const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
const MIN_GROUP_DIGITS = 3;

/** The Luhn (mod 10) checksum every card number satisfies; about 1 in 10 random numbers does too. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** `text` with every card number replaced by `replacement`. */
export function redactCardNumbers(text: string, replacement = "[CARD]"): string {
  return text.replace(DIGIT_RUN, (run) => redactRun(run, replacement));
}

function redactRun(run: string, replacement: string): string {
  const groups = [...run.matchAll(/\d+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length, digits: m[0] }));
  let out = "";
  let cursor = 0;
  let i = 0;
  while (i < groups.length) {
    let last = -1;
    let digits = "";
    for (let j = i; j < groups.length; j++) {
      if (groups[j]!.digits.length < MIN_GROUP_DIGITS) break;
      digits += groups[j]!.digits;
      if (digits.length > MAX_DIGITS) break;
      if (digits.length >= MIN_DIGITS && passesLuhn(digits)) last = j;
    }
    if (last < 0) {
      i++;
      continue;
    }
    out += run.slice(cursor, groups[i]!.start) + replacement;
    cursor = groups[last]!.end;
    i = last + 1;
  }
  return out + run.slice(cursor);
}
