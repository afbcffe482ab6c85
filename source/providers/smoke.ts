/**
 * The smoke test: one chat completion with the exact model — streamed, or one
 * non-streaming request when `stream` is false (a provider without the `streaming`
 * capability, or the small `chat` probe) — as an async generator of typed events.
 * The TUI pane and `eval752 smoke` consume the same generator; it never throws for a
 * provider failure and always ends with exactly one `finished` or `failed` event.
 *
 * A non-streaming answer, and a JSON answer to a streaming request (some servers
 * ignore `stream: true`), are turned into one chunk and go through the same loop as a
 * streamed chunk: the same text step (sanitise, redact), token count and usage.
 *
 * What it guards against, measured on the `openai` SDK 6.x:
 * - the SDK's `timeout` stops at the response headers, so a stream that stalls
 *   afterwards hangs forever — our own first-byte and idle timers abort it;
 * - an abort mid-stream ends the SDK's `for await` silently, so after the loop we
 *   check which of our signals fired (the caller's or a timer);
 * - provider text can carry escape sequences and echoes of the key — split across
 *   deltas, percent-encoded, with zero-width characters inside — so every piece of
 *   text, streamed or not, passes one {@link untrustedTextStage} per attempt (the
 *   sanitiser, then a rolling-window redactor that holds back a possible start of the
 *   key until it is known not to be one) in one place (`emit`) before it becomes an
 *   event. Every consumer (the CLI, the smoke pane, comparisons, key rotation) sees
 *   only that stage's output.
 */
import {backoff, sleep} from '../lib/abortable.js';
import type OpenAI from 'openai';
import {pickRateHeaders} from '../domain/observed-limits.js';
import {log} from '../log.js';
import {createClient, type ProviderConnection} from './client.js';
import {classifyError, isRetryable, ProviderTimeoutError, type ClassifiedError, type ErrorContext, type ErrorInput} from './errors.js';
import {endpointUrl, requestModel} from './families.js';
import {createRedactor, redactValues, untrustedTextStage} from './redact.js';

export interface SmokeRequest {
	readonly provider: ProviderConnection;
	/** Plaintext key, decrypted just for this call; null for keyless local servers. */
	readonly apiKey: string | null;
	/**
	 * Other keys in play, never sent: a rotation validates the new key against an endpoint that has
	 * seen the old one, and a hostile endpoint may echo either. Redacted like the key itself.
	 */
	readonly otherSecrets?: readonly string[];
	readonly model: string;
	readonly prompt: string;
	/** Sent only when the provider has the `system_prompt` capability. */
	readonly systemPrompt?: string;
	readonly maxOutputTokens: number;
	readonly temperature: number;
	/** Both the wait for the first chunk and the longest gap between chunks. */
	readonly timeoutMs: number;
	/** Extra attempts for rate limits, server and network errors before the first token. */
	readonly maxRetries: number;
	/**
	 * Stream the answer (default). False: one non-streaming request, for a provider without the
	 * `streaming` capability or a cheap `chat` probe; time to first token is then the whole wait.
	 */
	readonly stream?: boolean;
	/**
	 * The output budget exactly as sent, instead of {@link outputBudget}'s: the `chat` probe asks
	 * for the smallest budget the model can answer in.
	 */
	readonly exactBudget?: boolean;
}

export interface SmokeMetrics {
	/** Request start to the first content (or reasoning) token of the last attempt. */
	readonly ttftMs: number | null;
	/** Request start to the end of the last attempt. */
	readonly totalMs: number;
	readonly outputTokens: number | null;
	/** Prompt tokens the provider reported; null when it reported none (or nothing was sent). */
	readonly inputTokens?: number | null;
	/** Output tokens over the time from the first token to the end; null before any token. */
	readonly tokensPerSecond: number | null;
	/**
	 * True when `outputTokens` is an estimate from the characters of the answer: the provider
	 * reported no usage, or reported numbers that can't be true (see {@link plausibleUsage}).
	 */
	readonly outputTokensEstimated?: boolean;
	/** The provider did report usage, but numbers that can't be true: they are ignored (and logged). */
	readonly usageImplausible?: boolean;
	/**
	 * True only when the answer arrived as server-sent events: a streaming request that the server
	 * answered with one JSON body did not stream (its time to first token is its total).
	 */
	readonly streamed?: boolean;
}

export type SmokeEvent =
	| {
			readonly type: 'started';
			readonly provider: string;
			readonly model: string;
			readonly attempt: number;
			/** The key the request carries, as its display hint (the services add it; null: a keyless server). */
			readonly keyHint?: string | null;
	  }
	| {
			readonly type: 'delta';
			readonly text: string;
			/**
			 * On the first delta of an attempt only: its time to first token, on the clock of the
			 * attempt's metrics (the same number `finished`/`failed` report as `ttftMs`).
			 */
			readonly ttftMs?: number;
	  }
	| {
			readonly type: 'usage';
			readonly inputTokens: number | null;
			readonly outputTokens: number;
			/** True when the count is an estimate from the answer's characters (no usage, or usage that can't be true). */
			readonly estimated?: boolean;
	  }
	| {
			readonly type: 'finished';
			readonly metrics: SmokeMetrics;
			readonly excerpt: string;
			/** Rate-limit headers of the response (x-ratelimit-*, anthropic-ratelimit-*, retry-after), if any. */
			readonly rateHeaders?: Record<string, string> | null;
	  }
	| {readonly type: 'failed'; readonly error: ClassifiedError; readonly metrics: SmokeMetrics; readonly rateHeaders?: Record<string, string> | null};

/** Characters of output kept as the excerpt that is shown and stored. */
export const EXCERPT_LENGTH = 500;

/** Longest wait before a retry, whatever `retry-after` says: an operator is watching. */
export const MAX_RETRY_WAIT_MS = 10_000;

/** Reasoning models think before they answer: a small budget would be spent before any visible text. */
export function outputBudget(maxOutputTokens: number, reasoning: boolean): number {
	return reasoning ? Math.max(maxOutputTokens * 4, 2048) : maxOutputTokens;
}

/** The output budget a request sends (max_tokens or max_completion_tokens). */
function requestBudget(req: SmokeRequest): number {
	return req.exactBudget ? req.maxOutputTokens : outputBudget(req.maxOutputTokens, req.provider.capabilities.includes('reasoning'));
}

/**
 * A generation shorter than this is too short to time: every chunk arrived in one read, and a
 * rate over it (75816776161.7 tok/s) would be noise. No tok/s is shown then.
 */
export const MIN_RATE_WINDOW_MS = 10;

/**
 * Usage a provider reports, taken only when it can be true: whole non-negative numbers, the
 * output no more than the budget asked for plus what the visible text could hold (at most two
 * tokens a character — hidden reasoning counts against the budget), the input no more than the
 * prompt could hold (four tokens a character) plus room for a chat template. Anything else —
 * `(64311401 in, -48726140 out)` for a two-word prompt — is ignored: the count is estimated
 * from the text instead, and the numbers are logged.
 */
export function plausibleUsage(usage: {input: number | null; output: number}, bounds: {budget: number; textChars: number; promptChars: number}): boolean {
	const whole = (value: number) => Number.isSafeInteger(value) && value >= 0;
	if (!whole(usage.output) || usage.output > bounds.budget + 2 * bounds.textChars + 64) return false;
	if (usage.input !== null && (!whole(usage.input) || usage.input > 4 * bounds.promptChars + 4096)) return false;
	return true;
}

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming | OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type Completion = OpenAI.Chat.Completions.ChatCompletion;

/**
 * The request body. OpenAI and Azure take `max_completion_tokens` (their
 * reasoning models reject `max_tokens`); every other family still reads
 * `max_tokens`. Reasoning models on OpenAI accept only the default temperature,
 * so none is sent for a provider with the `reasoning` capability. A streaming
 * request asks for the usage chunk; a non-streaming answer carries usage anyway.
 */
export function smokeRequestBody(req: SmokeRequest): ChatParams {
	const {provider} = req;
	const reasoning = provider.capabilities.includes('reasoning');
	const messages: ChatParams['messages'] = [];
	if (req.systemPrompt && provider.capabilities.includes('system_prompt')) messages.push({role: 'system', content: req.systemPrompt});
	messages.push({role: 'user', content: req.prompt});
	const budget = requestBudget(req);
	const body: ChatParams =
		req.stream === false
			? {model: requestModel(provider.type, req.model), messages, stream: false}
			: {model: requestModel(provider.type, req.model), messages, stream: true, stream_options: {include_usage: true}};
	if (provider.type === 'openai' || provider.type === 'azure-openai') body.max_completion_tokens = budget;
	else body.max_tokens = budget;
	if (!reasoning) body.temperature = req.temperature;
	return body;
}

/** The key sent and the other keys in play: what every piece of the answer is redacted against. */
function keysInPlay(req: SmokeRequest): Array<string | null> {
	return [req.apiKey, ...(req.otherSecrets ?? [])];
}

type AttemptResult = {ok: true} | {ok: false; error: ClassifiedError; metrics: SmokeMetrics; sawToken: boolean; rateHeaders: Record<string, string> | null};

export async function* smoke(req: SmokeRequest, signal: AbortSignal): AsyncGenerator<SmokeEvent> {
	const ctx: ErrorContext = {
		providerName: req.provider.name,
		providerType: req.provider.type,
		model: req.model,
		secret: keysInPlay(req),
		endpoint: {path: 'chat/completions', url: endpointUrl(req.provider.baseUrl, 'chat/completions')},
		baseUrl: req.provider.baseUrl,
	};
	const cancelled = () => classifyError({error: new DOMException('The smoke test is cancelled', 'AbortError')}, ctx);
	const noMetrics: SmokeMetrics = {ttftMs: null, totalMs: 0, outputTokens: null, tokensPerSecond: null};

	let client: OpenAI;
	try {
		client = await createClient(req.provider, req.apiKey);
	} catch (error) {
		yield {type: 'failed', error: classifyError({error}, ctx), metrics: noMetrics};
		return;
	}

	for (let attempt = 1; ; attempt++) {
		if (signal.aborted) {
			yield {type: 'failed', error: cancelled(), metrics: noMetrics};
			return;
		}
		log.info('smoke attempt', {provider: req.provider.id, model: req.model, attempt});
		yield {type: 'started', provider: req.provider.name, model: req.model, attempt};
		const result: AttemptResult = yield* runAttempt(client, req, signal, ctx);
		if (result.ok) return;

		const {error, metrics, sawToken, rateHeaders} = result;
		log.warn('smoke attempt failed', {provider: req.provider.id, model: req.model, attempt, class: error.class, status: error.status});
		if (sawToken || !isRetryable(error.class) || attempt > req.maxRetries) {
			yield {type: 'failed', error, metrics, rateHeaders};
			return;
		}
		const wait = error.retryAfterMs !== undefined ? Math.min(error.retryAfterMs, MAX_RETRY_WAIT_MS) : backoff(attempt);
		if (!(await sleep(wait, signal))) {
			yield {type: 'failed', error: cancelled(), metrics, rateHeaders};
			return;
		}
	}
}

async function* runAttempt(
	client: OpenAI,
	req: SmokeRequest,
	signal: AbortSignal,
	ctx: ErrorContext,
): AsyncGenerator<SmokeEvent, AttemptResult> {
	const streaming = req.stream !== false;
	const startedAt = performance.now();
	const controller = new AbortController();
	type Phase = 'first-byte' | 'idle' | 'request';
	/** Which of our signals ended the request; the SDK's silent end of iteration does not say. */
	let fired: 'caller' | Phase | undefined;
	const abortWith = (why: 'caller' | Phase) => {
		fired ??= why;
		controller.abort();
	};
	const onCallerAbort = () => abortWith('caller');
	signal.addEventListener('abort', onCallerAbort, {once: true});
	if (signal.aborted) abortWith('caller');

	// One timer for the whole attempt, pushed forward by moving a deadline: clearing and setting a
	// timer for every chunk was a few percent of a 10,000-chunk stream's CPU (profiled). A chunk
	// pauses the clock while the consumer holds it (our consumers' time is not the provider's gap).
	let phase: Phase = 'first-byte';
	let deadline = Infinity;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const check = () => {
		timer = undefined;
		if (deadline === Infinity) return;
		const left = deadline - performance.now();
		if (left <= 0) abortWith(phase);
		else timer = setTimeout(check, left);
	};
	const arm = (next: Phase) => {
		phase = next;
		deadline = performance.now() + req.timeoutMs;
		timer ??= setTimeout(check, req.timeoutMs);
	};
	const pause = () => {
		deadline = Infinity;
	};
	const disarm = () => {
		deadline = Infinity;
		clearTimeout(timer);
		timer = undefined;
	};

	const inPlay = keysInPlay(req);
	const stage = untrustedTextStage(inPlay);
	const redact = createRedactor(inPlay);
	let chunks = 0;
	let firstTokenAt: number | undefined;
	/** Characters of answer and reasoning text as the provider sent them: what an estimate counts. */
	let textChars = 0;
	/** What the provider reported, plausible or not; see {@link plausibleUsage}. */
	let reported: {input: number | null; output: number} | undefined;
	const promptChars = req.prompt.length + (req.systemPrompt && req.provider.capabilities.includes('system_prompt') ? req.systemPrompt.length : 0);
	let excerpt = '';
	let rateHeaders: Record<string, string> | null = null;
	/** The answer came whole (not streamed): its token estimate is by length, not by chunk. */
	let wholeAnswer = false;
	/** When a whole answer arrived: its first token and its end are that one moment. */
	let answeredAt: number | undefined;

	/** The usage to believe: the reported one when plausible, else none. */
	const usageNow = (): {input: number | null; output: number} | undefined => (reported && plausibleUsage(reported, {budget: requestBudget(req), textChars, promptChars}) ? reported : undefined);
	const metricsAt = (endedAt: number, final: boolean): SmokeMetrics => {
		const usage = usageNow();
		const estimate = textChars > 0 ? estimateTokens(textChars) : final ? 0 : null;
		const outputTokens = usage ? usage.output : estimate;
		const generationMs = firstTokenAt === undefined ? 0 : endedAt - firstTokenAt;
		const streamed = streaming && !wholeAnswer && chunks > 0;
		const metrics: SmokeMetrics = {
			ttftMs: firstTokenAt === undefined ? null : Math.round(firstTokenAt - startedAt),
			totalMs: Math.round(endedAt - startedAt),
			outputTokens,
			inputTokens: usage ? usage.input : null,
			tokensPerSecond: streamed && outputTokens !== null && outputTokens >= 1 && generationMs >= MIN_RATE_WINDOW_MS ? outputTokens / (generationMs / 1000) : null,
			streamed,
		};
		if (usage || outputTokens === null) return metrics;
		return {...metrics, outputTokensEstimated: true, ...(reported ? {usageImplausible: true} : {})};
	};
	const failWith = (input: ErrorInput): AttemptResult => {
		const endedAt = performance.now();
		let classified: ClassifiedError;
		if (fired === 'caller') classified = classifyError({error: new DOMException('The smoke test is cancelled', 'AbortError')}, ctx);
		else if (fired) classified = classifyError({error: new ProviderTimeoutError(fired, req.timeoutMs)}, ctx);
		else classified = classifyError(input, ctx);
		// An error carries its response's headers (a 429 says most about the limits).
		const headers = input.headers ?? headersOf(input.error);
		rateHeaders = redactValues(pickRateHeaders(headers), inPlay) ?? rateHeaders;
		return {ok: false, error: classified, metrics: metricsAt(endedAt, false), sawToken: firstTokenAt !== undefined, rateHeaders};
	};
	const failure = (error: unknown): AttemptResult => failWith({error});
	/**
	 * The one step every piece of provider text takes before anyone sees it, streamed or not:
	 * sanitised (state kept across pieces), redacted, kept for the excerpt.
	 */
	let ttftAnnounced = false;
	const emit = (text: string): SmokeEvent | undefined => {
		if (!text) return undefined;
		if (excerpt.length < EXCERPT_LENGTH) excerpt += text.slice(0, EXCERPT_LENGTH - excerpt.length);
		if (ttftAnnounced || firstTokenAt === undefined) return {type: 'delta', text};
		ttftAnnounced = true;
		return {type: 'delta', text, ttftMs: Math.round(firstTokenAt - startedAt)};
	};

	try {
		arm(streaming ? 'first-byte' : 'request');
		let chunkSource: AsyncIterable<ChatChunk>;
		try {
			const options = {
				signal: controller.signal,
				// A backstop only: our own timer fires first.
				timeout: Math.ceil(req.timeoutMs) + 1000,
				maxRetries: 0,
			};
			const body = smokeRequestBody(req);
			if (streaming) {
				const {data: stream, response} = await client.chat.completions.create(body as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming, options).withResponse();
				rateHeaders = redactValues(pickRateHeaders(response.headers), inPlay);
				// A server that ignores `stream: true` answers with one JSON body; the SDK's SSE
				// reader would see no event in it. Read it as the answer (or the error) it is.
				wholeAnswer = isJson(response.headers.get('content-type'));
				if (wholeAnswer) {
					const answer = await readAnswer(response);
					// One moment: the whole answer arrived, so its first token is its end.
					answeredAt = performance.now();
					chunkSource = answerChunks(answer, response.status);
				} else chunkSource = stream;
			} else {
				const {data, response} = await client.chat.completions
					.create(body as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, options)
					.withResponse();
				rateHeaders = redactValues(pickRateHeaders(response.headers), inPlay);
				wholeAnswer = true;
				answeredAt = performance.now();
				chunkSource = answerChunks(data as unknown, response.status);
			}
		} catch (error) {
			if (error instanceof AnswerError) return failWith(error.input);
			return failure(error);
		}

		try {
			for await (const chunk of chunkSource) {
				pause();
				chunks++;
				const now = answeredAt ?? performance.now();
				const delta = chunk.choices?.[0]?.delta as (ChatChunk['choices'][number]['delta'] & {reasoning_content?: unknown; reasoning?: unknown}) | undefined;
				const content = typeof delta?.content === 'string' ? delta.content : '';
				const reasoning = typeof delta?.reasoning_content === 'string' ? delta.reasoning_content : typeof delta?.reasoning === 'string' ? delta.reasoning : '';
				if (content || reasoning) {
					firstTokenAt ??= now;
					textChars += content.length + reasoning.length;
				}
				if (chunk.usage && typeof chunk.usage.completion_tokens === 'number') {
					reported = {input: typeof chunk.usage.prompt_tokens === 'number' ? chunk.usage.prompt_tokens : null, output: chunk.usage.completion_tokens};
				}
				if (content) {
					const event = emit(stage.push(content));
					if (event) yield event;
				}
				if (streaming) arm('idle');
			}
		} catch (error) {
			// What the provider did send is shown: the tail the stage still holds goes out first.
			const tail = emit(stage.flush());
			if (tail) yield tail;
			if (error instanceof AnswerError) return failWith(error.input);
			return failure(error);
		}
		disarm();
		const tail = emit(stage.flush());
		if (tail) yield tail;
		if (fired) return failure(undefined);
		if (chunks === 0) {
			return failure(new SyntaxError('the stream ends without a single chunk'));
		}

		const endedAt = answeredAt ?? performance.now();
		const metrics = metricsAt(endedAt, true);
		if (metrics.usageImplausible) log.warn('provider usage not plausible; estimated from the text instead', {provider: req.provider.id, model: req.model, reportedInput: reported?.input ?? null, reportedOutput: reported?.output ?? null, textChars});
		yield metrics.outputTokensEstimated
			? {type: 'usage', inputTokens: null, outputTokens: metrics.outputTokens ?? 0, estimated: true}
			: {type: 'usage', inputTokens: metrics.inputTokens ?? null, outputTokens: metrics.outputTokens ?? 0};
		// Logged before the last yield: a consumer may stop iterating once it has it.
		log.info('smoke finished', {provider: req.provider.id, model: req.model, ttftMs: metrics.ttftMs, outputTokens: metrics.outputTokens, streamed: metrics.streamed});
		// Redacted again as a whole: a fragment of the key split across two deltas
		// escapes the per-delta pass but not this one, and the excerpt is stored.
		yield {type: 'finished', metrics, excerpt: redact(excerpt), rateHeaders};
		return {ok: true};
	} finally {
		disarm();
		signal.removeEventListener('abort', onCallerAbort);
		// Closes the HTTP request if it is still open (a failure, or the consumer
		// stopped iterating): the provider sees the disconnect and stops generating.
		controller.abort();
	}
}

/**
 * Tokens in an answer when the provider reports no (believable) usage: about four characters a
 * token, the usual rule of thumb for English text, streamed or not — never a count of chunks
 * (one chunk can carry many tokens). Shown with "~": it is an estimate.
 */
export function estimateTokens(text: string | number): number {
	const chars = typeof text === 'number' ? text : text.length;
	return Math.max(1, Math.ceil(chars / 4));
}

/** An answer that is an error although the request succeeded: classified from its body, like an HTTP error. */
class AnswerError extends Error {
	constructor(readonly input: ErrorInput) {
		super('the provider answers with an error body');
	}
}

function isJson(contentType: string | null): boolean {
	const media = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
	return media === 'application/json' || media.endsWith('+json');
}

/** The body of a JSON answer to a streaming request; text that is not JSON stays text. */
async function readAnswer(response: Response): Promise<unknown> {
	const text = await response.text();
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

function headersOf(error: unknown): Headers | undefined {
	if (error && typeof error === 'object' && 'headers' in error && (error as {headers?: unknown}).headers instanceof Headers) return (error as {headers: Headers}).headers;
	return undefined;
}

/**
 * A whole answer as the chunks the stream loop reads: a chat completion becomes one chunk with
 * its message as the delta and its usage; an SSE body (a server that streams although asked not
 * to) becomes its events; an error body throws {@link AnswerError}; anything else is a response
 * eval752 can't read.
 */
async function* answerChunks(data: unknown, status: number): AsyncGenerator<ChatChunk> {
	if (typeof data === 'string') {
		if (/^\s*(?:data|event|:)/.test(data)) {
			yield* sseChunks(data, status);
			return;
		}
		throw new AnswerError({status, body: data.slice(0, 64 * 1024)});
	}
	if (!data || typeof data !== 'object') throw new SyntaxError('the answer is empty');
	const record = data as Record<string, unknown>;
	if (!Array.isArray(record['choices'])) {
		throw new AnswerError({status, body: JSON.stringify(data).slice(0, 64 * 1024)});
	}
	const completion = data as Completion;
	const message = completion.choices[0]?.message as (Completion['choices'][number]['message'] & {reasoning_content?: unknown; reasoning?: unknown}) | undefined;
	const chunk = {
		id: completion.id,
		object: 'chat.completion.chunk',
		created: completion.created,
		model: completion.model,
		choices: [
			{
				index: 0,
				delta: {content: message?.content ?? '', reasoning_content: message?.reasoning_content, reasoning: message?.reasoning},
				finish_reason: completion.choices[0]?.finish_reason ?? null,
			},
		],
		usage: completion.usage ?? null,
	} as unknown as ChatChunk;
	yield chunk;
}

/** `data:` events of an SSE body read as a whole; an `{error}` event throws like a streamed one. */
async function* sseChunks(text: string, status: number): AsyncGenerator<ChatChunk> {
	for (const line of text.split(/\r?\n/)) {
		const match = /^data:\s?(.*)$/.exec(line);
		if (!match || match[1] === undefined || match[1].trim() === '[DONE]' || match[1].trim() === '') continue;
		const event = JSON.parse(match[1]) as Record<string, unknown>;
		if (event['error']) throw new AnswerError({status, body: JSON.stringify({error: event['error']})});
		yield event as unknown as ChatChunk;
	}
}
