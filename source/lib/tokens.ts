/**
 * What a probe cost in tokens, the same words in both front ends: "0 tokens" for a model-list
 * probe, "19 tokens (12 in, 7 out)" when the provider reported usage, "~7 tokens out" when it
 * did not and the output was counted or estimated (the input is then unknown), "— tokens" when
 * nothing is known.
 */
export interface TokenCount {
	readonly inputTokens?: number | null;
	readonly outputTokens: number | null;
	/** The output count is an estimate (no usage reported). */
	readonly estimated?: boolean;
}

function tokens(count: number): string {
	return `${count} token${count === 1 ? '' : 's'}`;
}

export function tokensText(count: TokenCount): string {
	const output = count.outputTokens;
	if (output === null) return '— tokens';
	if (count.estimated) return `~${tokens(output)} out`;
	const input = count.inputTokens ?? null;
	if (input === null) return `${tokens(output)} out`;
	if (input === 0 && output === 0) return '0 tokens';
	return `${tokens(input + output)} (${input} in, ${output} out)`;
}
