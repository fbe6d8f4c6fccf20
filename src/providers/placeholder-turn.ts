/**
 * The user turn sent when a conversation has none (system-only, or
 * assistant-first): OpenAI answers such requests, while Anthropic requires a
 * first user turn and Gemini refuses empty `contents` ("contents is not specified").
 */
export const PLACEHOLDER_USER_TURN = "Continue.";
