/**
 * Optional prompt and completion logging (off by default): globally with
 * `log.prompts`, or per key with `log_prompts`. Text passes the configured
 * redaction (emails, card numbers, custom patterns) and the secret redactor
 * before it is written, as one JSON line per request.
 */
import { pino, type Logger } from "pino";
import { PromptRedactor } from "../auth/prompt-redaction.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import type { Redactor } from "../core/redact.js";
import { PRIVATE_FILE_MODE } from "../core/private-file.js";
import type { SwitchyardConfig } from "../config/schema.js";

export interface PromptEntry {
  request_id: string;
  key_id: string | null;
  model: string;
  provider: string;
  /** The request's messages (or embedding input). */
  prompt: unknown;
  completion: string;
}

export class PromptLog {
  private readonly redactor: PromptRedactor;
  private readonly sink: Logger;

  constructor(config: SwitchyardConfig["log"], main: Logger, private readonly secrets: Redactor) {
    this.redactor = new PromptRedactor(config.redact, { path: "log.redact" });
    this.sink = config.prompts_file ? pino({ base: { service: "switchyard" } }, pino.destination({ dest: config.prompts_file, mkdir: true, sync: false, mode: PRIVATE_FILE_MODE })) : main;
    this.global = config.prompts;
  }

  private readonly global: boolean;

  enabledFor(key: VirtualKey | undefined): boolean {
    return this.global || key?.log_prompts === true;
  }

  write(entry: PromptEntry): void {
    // Known secrets and anything shaped like a credential (a virtual key a user pasted into a prompt).
    const prompt = JSON.parse(this.secrets.redact(JSON.stringify(this.redactor.redactValue(entry.prompt)))) as unknown;
    const completion = this.secrets.redact(this.redactor.redact(entry.completion));
    this.sink.info({ type: "prompt_log", ...entry, prompt, completion }, "prompt");
  }
}
