import { pino, type Logger } from "pino";

/** Structured JSON logs on stderr; header values that carry credentials are censored by path. */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: "switchyard" },
      redact: { paths: ["*.authorization", "*.api_key", "*.apiKey", "*['x-api-key']", "*['api-key']"], censor: "[REDACTED]" },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
