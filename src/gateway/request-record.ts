/**
 * One request's account, from arrival to its single ledger row: route, usage,
 * cost, status and timings. `finish()` writes exactly once, whatever happened.
 */
import type { PricedUsage } from "../accounting/cost.js";
import type { LedgerRow } from "../accounting/ledger-row.js";
import { asGatewayError } from "../core/errors.js";
import { newRequestId } from "../core/request-id.js";
import { emptyUsage, type Usage } from "../core/usage.js";
import type { Deployment } from "../router/plan.js";
import type { AttemptTrace } from "../router/run-attempts.js";
import { formatRoute } from "../router/run-attempts.js";
import type { Admission } from "./governance.js";
import type { RequestMeta } from "./route-request.js";
import type { Runtime } from "./runtime.js";

export class RequestRecord {
  private readonly started = performance.now();
  private firstTokenAt: number | undefined;
  private finished = false;
  deployment: Deployment | undefined;
  attempts: AttemptTrace[] = [];
  usage: Usage | undefined;
  /** Tokens were counted locally because the upstream reported none. */
  tokensEstimated = false;
  priced: PricedUsage | undefined;
  status = 200;
  errorKind: string | null = null;
  /** The key's budget reservation and token window, settled on finish. */
  admission: Admission | undefined;
  private prompt: { prompt: unknown; completion: string } | undefined;

  constructor(
    private readonly runtime: Runtime,
    readonly origin: RequestMeta,
    readonly requestedModel: string,
    readonly stream: boolean,
  ) {
    runtime.users.enter();
  }

  firstToken(): void {
    this.firstTokenAt ??= performance.now();
  }

  route(deployment: Deployment, attempts: AttemptTrace[]): void {
    this.deployment = deployment;
    this.attempts = attempts;
  }

  /** Prices the usage on the serving deployment; returns the cost (USD) or undefined when unpriced. */
  charge(usage: Usage, estimated: boolean): PricedUsage {
    this.usage = usage;
    this.tokensEstimated = estimated;
    this.priced = this.deployment ? this.runtime.pricing.price(this.deployment, usage) : { costUsd: null, unpriced: true, estimate: false };
    return this.priced;
  }

  /** Keeps the prompt and completion for the prompt log, when it is on for this request. */
  capturePrompt(prompt: unknown, completion: () => string): void {
    if (this.runtime.promptLog.enabledFor(this.origin.key)) this.prompt = { prompt, completion: completion() };
  }

  fail(error: unknown): void {
    const failure = asGatewayError(error);
    this.status = failure.status;
    this.errorKind = failure.kind;
    const attempts = (failure as { attempts?: AttemptTrace[] }).attempts;
    if (attempts && attempts.length > 0) {
      this.attempts = attempts;
      this.deployment ??= attempts[attempts.length - 1]!.deployment;
    }
  }

  get costUsd(): number | null {
    return this.priced?.costUsd ?? null;
  }

  /**
   * The served model as stored: a client's own text when the model came from the request
   * (`provider/<model>`, a bare vendor name), so it gets the requested model's redaction (a key
   * typed into the model field must not reach the ledger, its reports or the dashboard).
   */
  private storedModel(model: string): string {
    return model !== "" && this.requestedModel.endsWith(model) ? this.runtime.redactor.redactModelName(model) : model;
  }

  /** Writes the ledger row (once) and updates metrics. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.runtime.users.leave();
    const usage = this.usage ?? emptyUsage();
    const model = this.deployment?.model ?? "";
    const storedModel = this.storedModel(model);
    const route = formatRoute(this.attempts);
    const row: LedgerRow = {
      id: this.origin.clientRequestId ? newRequestId() : this.origin.requestId,
      request_id: this.origin.requestId,
      ts: Date.now(),
      key_id: this.origin.keyId,
      requested_model: this.runtime.redactor.redactModelName(this.requestedModel),
      provider: this.deployment?.provider ?? "",
      model: storedModel,
      status: this.status,
      error_kind: this.errorKind,
      attempts: this.attempts.length,
      route: storedModel === model ? route : route.split(model).join(storedModel),
      stream: this.stream,
      // Field by field, not a spread: one row per request, and a spread copies through the slow path.
      input_tokens: usage.input.total,
      cached_tokens: usage.input.cacheRead,
      cache_write_tokens: usage.input.cacheWrite,
      output_tokens: usage.output.total,
      reasoning_tokens: usage.output.reasoning,
      cost_usd: this.priced?.costUsd ?? null,
      unpriced: this.priced ? this.priced.unpriced : this.usage !== undefined,
      estimated: this.tokensEstimated || (this.priced?.estimate ?? false),
      price_version: this.runtime.pricing.version,
      latency_ms: Math.round(performance.now() - this.started),
      ttft_ms: this.firstTokenAt === undefined ? null : Math.round(this.firstTokenAt - this.started),
    };
    this.admission?.settle(row.cost_usd, row.input_tokens + row.output_tokens);
    this.runtime.ledger.record(row);
    if (this.prompt) {
      this.runtime.promptLog.write({ request_id: row.request_id, key_id: row.key_id, model: row.model, provider: row.provider, ...this.prompt });
    }
    this.runtime.metrics.observe(row);
  }
}
