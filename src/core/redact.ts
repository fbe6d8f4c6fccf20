/**
 * Removes secrets from any text that may leave the process (errors, logs).
 * Known secret values are replaced exactly; key-like tokens are masked by shape
 * so a credential an upstream echoes back never reaches a client.
 */
const KEY_SHAPES = [
  /\b(sk|sk-proj|sk-ant|sk-sy|sk-or|gsk|xai|fw)[-_][A-Za-z0-9_\-]{12,}/g,
  /\bAIza[0-9A-Za-z_\-]{20,}/g,
  /(bearer\s+)[A-Za-z0-9._\-]{12,}/gi,
];

/**
 * Characters from most to least common in JSON bodies and prose, roughly. A
 * search starting at a secret's rarest character is far cheaper: V8 scans for
 * a pattern's first character, and keys start with `s` or `A` (a 6 KB stream
 * read took 1.7 µs per `sk-…` key searched from its start, 0.05 µs from a rare
 * character). Characters not listed count as the rarest.
 */
const COMMON_FIRST = ' e"taoinsrhld,:c{}u\nm0p1f2g_y.w3b-v4k5x98q76jz[]ACSTIMPRDBNEOLHFGUWYKVJQXZ';

/** A known secret and where its rarest character sits. */
interface KnownSecret {
  value: string;
  /** The secret from its rarest character on: what is searched for. */
  tail: string;
  /** What must precede `tail` for a match. */
  head: string;
}

function anchored(value: string): KnownSecret {
  let at = 0;
  let rarity = -1;
  for (let i = 0; i < value.length; i++) {
    const rank = COMMON_FIRST.indexOf(value[i]!);
    const score = rank < 0 ? COMMON_FIRST.length : rank;
    if (score > rarity) {
      rarity = score;
      at = i;
    }
  }
  return { value, head: value.slice(0, at), tail: value.slice(at) };
}

function occursIn(text: string, secret: KnownSecret): boolean {
  const offset = secret.head.length;
  for (let at = text.indexOf(secret.tail, offset); at >= 0; at = text.indexOf(secret.tail, at + 1)) {
    if (text.startsWith(secret.head, at - offset)) return true;
  }
  return false;
}

export class Redactor {
  private secrets: KnownSecret[] = [];

  /** Registers secret values (too-short values are ignored: they would mangle ordinary text). */
  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (value && value.length >= 8 && !this.secrets.some((secret) => secret.value === value)) this.secrets.push(anchored(value));
    }
    // Longest first: a secret that contains another is replaced whole.
    this.secrets.sort((a, b) => b.value.length - a.value.length);
  }

  /** Replaces known secret values only: cheap enough for every upstream body, and never mangles other text. */
  scrubKnown(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (occursIn(out, secret)) out = out.split(secret.value).join("[REDACTED]");
    }
    return out;
  }

  /** A client-given model name before it is stored: full redaction only when it could hold a key. */
  redactModelName(name: string): string {
    return name.length > 40 || name.includes("sk-") || name.includes("AIza") ? this.redact(name) : this.scrubKnown(name);
  }

  /** Known secrets and anything shaped like a credential: for error messages and logs. */
  redact(text: string): string {
    let out = this.scrubKnown(text);
    for (const shape of KEY_SHAPES) {
      out = out.replace(shape, (_match: string, prefix: string) =>
        prefix && /^bearer\s+$/i.test(prefix) ? `${prefix}[REDACTED]` : "[REDACTED]",
      );
    }
    return out;
  }
}
