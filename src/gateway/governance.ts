/**
 * Per-key governance before a request is sent: model scope, requests and
 * tokens per minute, and a budget reservation of the request's worst-case
 * cost. After the request, `settle` records what it really cost and used.
 * State lives behind the StateStore, so limits hold across instances. When
 * the store cannot answer, a governed request fails closed with a 503 that
 * says so; the stores keep and retry settles they cannot deliver.
 */
import { estimatePromptTokens } from "../accounting/estimate.js";
import { worstCaseCost } from "../accounting/cost.js";
import { deniedRequestEvent, type AuditStore } from "../auth/audit-log.js";
import { assertRequestAllowed } from "../auth/model-scope.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import type { ChatRequest } from "../core/chat.js";
import { GatewayError } from "../core/errors.js";
import type { Deployment } from "../router/plan.js";
import { periodEnd, periodKey } from "../state/budget-period.js";
import type { BudgetReservation, RateDecision, StateStore } from "../state/state-store.js";
import { StateUnavailableError } from "../state/state-unavailable.js";
import { tokensSettle } from "../state/token-window.js";
import type { BudgetSeeds } from "./budget-seeds.js";
import { expectedTokens, promptUpperBound } from "./prompt-size.js";
import type { Pricing } from "./pricing.js";

/** Output assumed when neither the request nor the catalog bounds it. */
const DEFAULT_WORST_CASE_OUTPUT_TOKENS = 16_384;
const MICROS = 1_000_000;
/**
 * Micro-USD are exact integers only below 2^53 (≈ $9 billion), and the stores refuse others: a
 * larger budget or worst case (a client's absurd max_tokens) is held at this bound, where no
 * budget the admin API accepts can fit it.
 */
const MAX_MICROS = Number.MAX_SAFE_INTEGER;
/** Headroom on a tokenizer count: other vendors' tokenizers count up to ~20 % more. */
const TOKENIZER_MARGIN = 1.25;
/** A state store back from a restart or failover usually answers within seconds. */
const STATE_RETRY_AFTER_SECONDS = 5;

/** Outage, not bug: a client can tell them apart and retry; nothing of the store's address is said. */
function stateUnavailable(cause: StateUnavailableError): GatewayError {
  return new GatewayError("upstream_unavailable", "Rate-limit and budget state is unavailable; retry later", {
    code: "state_store_unavailable",
    retryAfterSeconds: STATE_RETRY_AFTER_SECONDS,
    cause,
  });
}

/**
 * A settle the store refuses (input it rejects) has nothing to retry; one it cannot
 * deliver, the store keeps and retries itself (settle-retry.ts).
 */
const ignoreRefusal = (): undefined => undefined;

/** Whole micro-USD; a cost that is not a finite positive number releases the reservation rather than leave it held. */
function costMicros(costUsd: number | null): number {
  return costUsd !== null && Number.isFinite(costUsd) && costUsd > 0 ? Math.min(MAX_MICROS, Math.round(costUsd * MICROS)) : 0;
}

/** A budget reservation to ask for, and what a second, tighter ask needs. */
interface BudgetAsk {
  period: string;
  limit: number;
  plan: Deployment[];
  /** The prompt-token bound the amount was priced at. */
  bound: number;
  micros: number;
}

export interface Admission {
  /**
   * The key's rate-limit state after this admission, as OpenAI's
   * `x-ratelimit-*` headers; undefined for a key without rpm or tpm.
   */
  readonly rateLimits: Record<string, string> | undefined;
  /** Records the outcome: actual cost (null when unpriced) and tokens used. */
  settle(costUsd: number | null, tokens: number): void;
}

export interface AdmissionRequest {
  model: string;
  /** The model after tag rules, when they changed it: scope applies to it too. */
  routedModel?: string;
  tools?: ChatRequest["tools"];
  models?: string[];
  /** Chat messages, or embedding input as text. */
  messages?: ChatRequest["messages"];
  input?: unknown;
  maxOutputTokens?: number;
  /** Choices asked for (`n`): each one may produce the full output. */
  choices?: number;
  /** The most web searches the request may make (a native turn's web search tools). */
  webSearches?: number;
}

function rateHeaders(kind: "requests" | "tokens", decision: RateDecision, into: Record<string, string> = {}): Record<string, string> {
  into[`x-ratelimit-limit-${kind}`] = String(decision.limit);
  into[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, Math.floor(decision.remaining)));
  into[`x-ratelimit-reset-${kind}`] = `${(decision.resetMs / 1000).toFixed(3).replace(/\.?0+$/, "")}s`;
  return into;
}

/** Both limits' headers for an admitted request, so clients can pace themselves as they do against OpenAI. */
function admittedRateHeaders(requests: RateDecision | undefined, tokens: RateDecision | undefined): Record<string, string> | undefined {
  if (!requests && !tokens) return undefined;
  const headers: Record<string, string> = {};
  if (requests) rateHeaders("requests", requests, headers);
  if (tokens) rateHeaders("tokens", tokens, headers);
  return headers;
}

function limited(kind: "requests" | "tokens", key: VirtualKey, decision: RateDecision): GatewayError {
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  return new GatewayError("rate_limit", `Rate limit reached for key '${key.name}': ${decision.limit} ${kind} per minute. Retry in ${seconds} s.`, {
    code: "rate_limit_exceeded",
    retryAfterSeconds: seconds,
    headers: rateHeaders(kind, decision),
  });
}

/** Less than this share of a token limit left counts as near it. */
const NEAR_TOKEN_LIMIT = 0.1;

/** Whether the next request may well be refused: under one request left, or a tenth of the tokens. */
function nearRateLimit(requests: RateDecision | undefined, tokens: RateDecision | undefined): boolean {
  return (requests !== undefined && requests.remaining < 1) || (tokens !== undefined && tokens.remaining < tokens.limit * NEAR_TOKEN_LIMIT);
}

export class Governance {
  /** Keys (cached objects, so at most a few seconds old) whose last admission here left them near a rate limit. */
  private readonly nearLimit = new WeakSet<VirtualKey>();

  constructor(
    private readonly state: StateStore,
    private readonly pricing: Pricing,
    private readonly audit: AuditStore,
    private readonly now: () => number = Date.now,
    /** Brings a key's spend so far this period from the ledger into the state, before its first reservation. */
    private readonly seeds?: BudgetSeeds,
  ) {}

  /**
   * Admits the request for `key` or throws (403 scope, 429 limits or budget, 503 when the state store
   * cannot answer); denials go to the audit log, an outage does not.
   * Requests without a virtual key are not governed and do not call this. `reachable` lists every
   * deployment the request may reach; it is only computed for a key with a budget.
   */
  admit(key: VirtualKey, request: AdmissionRequest, reachable: () => Deployment[], requestId: string): Promise<Admission> {
    return this.denialsAudited(key, request, requestId, () => this.check(key, request, reachable));
  }

  /**
   * Admits a request that generates nothing (Anthropic's count_tokens, which Anthropic rate-limits
   * by requests too): model scope and the request limit apply, as for `admit`; no tokens limit,
   * no budget, nothing to settle. Returns the request limit's headers (undefined without rpm).
   */
  admitRequestOnly(key: VirtualKey, request: AdmissionRequest, requestId: string): Promise<Record<string, string> | undefined> {
    return this.denialsAudited(key, request, requestId, async () => {
      assertRequestAllowed(key, request);
      if (!key.rpm) return undefined;
      const requests = await this.state.takeRequest(key.id, key.rpm, this.now());
      if (!requests.allowed) throw limited("requests", key, requests);
      return admittedRateHeaders(requests, undefined);
    });
  }

  /** Runs an admission: a refusal goes to the audit log, a state store outage becomes a 503. */
  private async denialsAudited<T>(key: VirtualKey, request: AdmissionRequest, requestId: string, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      if (error instanceof StateUnavailableError) throw stateUnavailable(error);
      if (error instanceof GatewayError) {
        this.audit.record(deniedRequestEvent(error, { principal: { kind: "virtual", key }, target: request.model, requestId }));
      }
      throw error;
    }
  }

  private async check(key: VirtualKey, request: AdmissionRequest, reachable: () => Deployment[]): Promise<Admission> {
    assertRequestAllowed(key, request);
    const now = this.now();
    const budget = key.budget_usd !== null ? this.budgetAsk(key, request, reachable(), now) : undefined;
    const seeding = budget && this.seeds?.ensure(key, key.budget_period ?? "total", budget.period);
    if (seeding) await seeding;
    // Asked together: with Redis state that is one round trip (≈ 40–100 µs each). checkTokens
    // only reads; the request limit's refusal wins over the tokens limit's. The budget is asked
    // alongside too, unless the key's last admission here left it near a rate limit: a request
    // the limits refuse would hold budget (for a round trip, until released) that a request
    // which fits may need, and a key flooding past its limit would cost two scripts a refusal.
    const tokensAsk = key.tpm ? expectedTokens(request) : 0;
    const [limits, early] = await Promise.allSettled([
      Promise.all([key.rpm ? this.state.takeRequest(key.id, key.rpm, now) : undefined, key.tpm ? this.state.checkTokens(key.id, key.tpm, now, tokensAsk) : undefined]),
      budget && !this.nearLimit.has(key) ? this.state.reserveBudget(key.id, budget.period, budget.micros, budget.limit) : undefined,
    ]);
    const reservedEarly = early.status === "fulfilled" ? early.value : undefined;
    // An early reservation is given back whenever the request goes no further, so none is left held.
    const release = () => budget && reservedEarly?.ok && this.settleQuietly(key.id, budget.period, budget.micros, 0);
    if (limits.status === "rejected") {
      release();
      throw limits.reason;
    }
    const [requests, tokens] = limits.value;
    if (nearRateLimit(requests, tokens)) this.nearLimit.add(key);
    else this.nearLimit.delete(key);
    // Tokens the window took for a request that goes no further are given back, as budget is.
    const tokensTaken = tokens?.allowed ? tokensAsk : 0;
    const refusal = requests && !requests.allowed ? limited("requests", key, requests) : tokens && !tokens.allowed ? limited("tokens", key, tokens) : undefined;
    try {
      if (refusal) {
        release();
        throw refusal;
      }
      if (early.status === "rejected") throw early.reason;
      const reserved = budget && (await this.reserve(key, budget.period, budget.micros, budget.limit, reservedEarly));
      const reservation = budget && reserved ? await this.confirmReservation(key, request, budget, reserved) : undefined;
      return {
        rateLimits: admittedRateHeaders(requests, tokens),
        settle: (costUsd, used) => {
          if (key.tpm) this.settleTokens(key.id, tokensTaken, used, now);
          if (reservation) this.settleQuietly(key.id, reservation.period, reservation.micros, costMicros(costUsd));
        },
      };
    } catch (error) {
      this.settleTokens(key.id, tokensTaken, 0, now);
      throw error;
    }
  }

  /** Brings the key's tokens window to what a request used (see `tokensSettle`). */
  private settleTokens(keyId: string, reserved: number, used: number, admittedAt: number): void {
    const { tokens, at } = tokensSettle(reserved, used, admittedAt, this.now());
    if (tokens !== 0) void this.state.addTokens(keyId, tokens, at).catch(ignoreRefusal);
  }

  /**
   * Reserves (or takes the answer of a reservation asked already). A store that found the key's
   * usage gone (its data lost before it heard of it) reserved nothing: the key is seeded again
   * from the ledger and asked once more.
   */
  private async reserve(key: VirtualKey, period: string, micros: number, limit: number, asked?: BudgetReservation): Promise<BudgetReservation> {
    const reservation = asked ?? (await this.state.reserveBudget(key.id, period, micros, limit));
    if (!reservation.lost) return reservation;
    await this.seeds?.ensure(key, key.budget_period ?? "total", period);
    const again = await this.state.reserveBudget(key.id, period, micros, limit);
    if (again.lost) throw new StateUnavailableError("its data was lost again while the budget was seeded");
    return again;
  }

  private settleQuietly(keyId: string, period: string, reservedMicros: number, actualMicros: number): void {
    void this.state.settleBudget(keyId, period, reservedMicros, actualMicros).catch(ignoreRefusal);
  }

  /**
   * The first reservation to ask: every prompt token and the full output cap at the dearest
   * deployment's price, with a free upper bound on the prompt (its UTF-8 size: byte-level
   * tokenizers never produce more tokens than bytes). Throws for an unpriced deployment.
   */
  private budgetAsk(key: VirtualKey, request: AdmissionRequest, plan: Deployment[], now: number): BudgetAsk {
    const bound = promptUpperBound(request);
    return {
      period: periodKey(key.budget_period ?? "total", now),
      limit: Math.min(MAX_MICROS, Math.round((key.budget_usd ?? 0) * MICROS)),
      plan,
      bound,
      micros: this.worstCaseMicros(key, request, plan, bound),
    };
  }

  /**
   * Keeps the first reservation, or, when the byte bound did not fit, pays for a tokenizer
   * count (with a margin for other vendors' tokenizers) and asks again; throws when neither fits.
   */
  private async confirmReservation(key: VirtualKey, request: AdmissionRequest, ask: BudgetAsk, first: BudgetReservation): Promise<{ period: string; micros: number }> {
    let reservation = first;
    let micros = ask.micros;
    if (!reservation.ok && request.messages) {
      const counted = Math.ceil((await estimatePromptTokens(request.messages, { tools: request.tools })) * TOKENIZER_MARGIN);
      if (counted < ask.bound) {
        micros = this.worstCaseMicros(key, request, ask.plan, counted);
        reservation = await this.reserve(key, ask.period, micros, ask.limit);
      }
    }
    if (!reservation.ok) {
      const left = Math.max(0, ask.limit - reservation.spentMicros - reservation.reservedMicros) / MICROS;
      // Spent in full: nothing fits before the period renews (a smaller request may fit while some is left).
      const now = this.now();
      const renews = left === 0 ? periodEnd(key.budget_period ?? "total", now) : Number.POSITIVE_INFINITY;
      throw new GatewayError(
        "budget_exceeded",
        `Budget exceeded for key '${key.name}': $${left.toFixed(6)} of $${key.budget_usd} left this ${key.budget_period ?? "total"} period, and this request may cost up to $${(micros / MICROS).toFixed(6)}`,
        { code: "budget_exceeded", retryAfterSeconds: Number.isFinite(renews) ? Math.max(1, Math.ceil((renews - now) / 1000)) : undefined },
      );
    }
    return { period: ask.period, micros };
  }

  /** The dearest deployment's cost for `promptTokens` plus the full output cap, in micro-USD. */
  private worstCaseMicros(key: VirtualKey, request: AdmissionRequest, plan: Deployment[], promptTokens: number): number {
    let worst = 0;
    for (const deployment of plan) {
      const quote = this.pricing.quote(deployment);
      if (!quote.priced) {
        throw new GatewayError("bad_request", `'${deployment.id}' has no price, and key '${key.name}' has a budget: add the model under 'pricing:' so its spend can be counted`, {
          code: "unpriced_model",
          param: "model",
        });
      }
      const outputCap = request.maxOutputTokens ?? (request.messages ? this.pricing.maxOutputTokensOf(deployment) ?? DEFAULT_WORST_CASE_OUTPUT_TOKENS : 0);
      // The prompt is billed once, the output once per choice.
      worst = Math.max(worst, worstCaseCost(promptTokens, outputCap * (request.choices ?? 1), quote.price, request.webSearches));
    }
    return Math.min(MAX_MICROS, Math.ceil(worst * MICROS));
  }
}
