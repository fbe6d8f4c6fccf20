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

export class Redactor {
  private secrets: string[] = [];

  /** Registers secret values (too-short values are ignored: they would mangle ordinary text). */
  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (value && value.length >= 8 && !this.secrets.includes(value)) this.secrets.push(value);
    }
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** Replaces known secret values only: cheap enough for every upstream body, and never mangles other text. */
  scrubKnown(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
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
