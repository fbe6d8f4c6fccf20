/**
 * Tag routing: config rules that send a request to another alias based on its
 * tags (`x-switchyard-tags` header or `metadata.tags`) or its prompt size, so
 * cheap work reaches cheap models without client changes. First match wins.
 */
export interface TagRule {
  /** Matches when the request carries any of these tags. */
  tags?: string[];
  min_prompt_tokens?: number;
  max_prompt_tokens?: number;
  /** Only for requests to these models/aliases (default: any). */
  from?: string[];
  /** The alias or provider/model to use instead. */
  model: string;
}

export interface TagRuleInput {
  model: string;
  tags: string[];
  promptTokens: () => number;
}

export function applyTagRules(rules: readonly TagRule[], input: TagRuleInput): string {
  for (const rule of rules) {
    if (rule.from && !rule.from.includes(input.model)) continue;
    if (rule.tags && !rule.tags.some((tag) => input.tags.includes(tag))) continue;
    if (rule.min_prompt_tokens !== undefined && input.promptTokens() < rule.min_prompt_tokens) continue;
    if (rule.max_prompt_tokens !== undefined && input.promptTokens() > rule.max_prompt_tokens) continue;
    return rule.model;
  }
  return input.model;
}
