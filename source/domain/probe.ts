/**
 * Probe kinds: what a check of a provider sends, and so what it costs. Pure data and rules;
 * this module imports nothing of ours.
 *
 * - `models`: GET /models — reachability, the key, and that the configured model is still
 *   listed. No completion, no tokens.
 * - `chat`: one small non-streaming completion — the model answers; a handful of output tokens
 *   (a reasoning model gets the whole probe budget so it can finish thinking).
 * - `stream`: the full smoke test — the smoke prompt, the settings' output budget, streamed when
 *   the provider has the `streaming` capability; time to first token and tokens per second.
 */
export const probeKinds = ['models', 'chat', 'stream'] as const;

export type ProbeKind = (typeof probeKinds)[number];

/** What each kind costs and proves, in words for help texts and pickers. */
export const probeKindDescriptions: Readonly<Record<ProbeKind, string>> = {
	models: 'GET /models: reachability, the key, the model still listed — 0 tokens',
	chat: 'one small non-streaming completion — a few tokens (reasoning: up to probe_max_tokens)',
	stream: 'the full smoke test, streamed when the provider can — up to max_output_tokens',
};

/**
 * Output tokens a `chat` probe asks a model without the reasoning capability for: enough for a
 * one-word answer in any tokenizer (and a stray leading space or newline), nothing more.
 */
export const CHAT_PROBE_TOKENS = 16;

export function isProbeKind(value: unknown): value is ProbeKind {
	return typeof value === 'string' && (probeKinds as readonly string[]).includes(value);
}

/** The output budget of a `chat` probe: the smallest the model can answer in, never over `probeMaxTokens`. */
export function chatProbeBudget(probeMaxTokens: number, reasoning: boolean): number {
	return reasoning ? probeMaxTokens : Math.min(CHAT_PROBE_TOKENS, probeMaxTokens);
}
