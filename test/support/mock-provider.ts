/**
 * A local OpenAI-compatible provider for tests: `/v1/models` and `/v1/chat/completions`
 * (streamed when the request says `stream: true`, one JSON completion otherwise) on
 * 127.0.0.1, with rate-limit headers when asked, scriptable to fail every way a real
 * provider fails (401 echoing the key, 403, 404, 429 with retry-after or
 * insufficient_quota, 500/529, slow first byte, stalls, cut streams, malformed
 * SSE, escape sequences, huge outputs).
 *
 * Streaming is really incremental — headers flushed, every SSE event written on
 * its own — and a client that goes away is recorded (`disconnected`), so tests
 * can prove that cancellation closes the request. Each call starts its own
 * server on its own port: tests running at once share nothing.
 */
import http from 'node:http';
import type {AddressInfo, Socket} from 'node:net';

export interface MockRequest {
	readonly method: string;
	/** Path with query, e.g. `/v1/chat/completions`. */
	readonly path: string;
	readonly headers: http.IncomingHttpHeaders;
	/** Parsed JSON body (the raw string when it isn't JSON; undefined when empty). */
	body: unknown;
	/** `performance.now()` when the request arrived. */
	readonly startedAt: number;
	/** `Date.now()` when the request arrived: wall time, comparable across processes. */
	readonly receivedAt: number;
	/** `performance.now()` when the response ended or the connection closed. */
	endedAt?: number;
	/** True when the client closed the connection before the response was complete. */
	disconnected: boolean;
	/** Content chunks written so far (stream behaviours). */
	chunksWritten: number;
	/** `performance.now()` after the first / last content chunk was written. */
	firstChunkAt?: number;
	lastChunkAt?: number;
}

export interface StreamBehaviour {
	readonly kind: 'stream';
	/** Split into word-sized tokens; ignored when `tokens` is given. */
	readonly text?: string;
	/** One content chunk per token. */
	readonly tokens?: readonly string[];
	/** Delay before every content chunk after the first. */
	readonly chunkDelayMs?: number;
	/** Delay before the response headers. */
	readonly firstByteDelayMs?: number;
	/** Send the usage chunk when the request asks for it (default true). */
	readonly usage?: boolean;
	/** `completion_tokens` reported in the usage chunk; default: the number of tokens. */
	readonly reportedOutputTokens?: number;
	/** `prompt_tokens` reported in the usage chunk; default: about a quarter of the request body's length. */
	readonly reportedInputTokens?: number;
	/** After this many content chunks, send nothing more and keep the connection open. */
	readonly stallAfterChunks?: number;
	/** After this many content chunks, destroy the socket (a cut stream). */
	readonly cutAfterChunks?: number;
	/** After this many content chunks, send a line that isn't JSON, then end. */
	readonly malformedAfterChunks?: number;
	/** After this many content chunks, send an SSE `{"error": …}` event (what OpenAI and OpenRouter do mid-stream), then end. */
	readonly errorEventAfterChunks?: number;
	readonly errorEvent?: Readonly<Record<string, unknown>>;
	/** After this many content chunks, wait for `release` before sending the rest. */
	readonly holdAfterChunks?: number;
	readonly release?: Promise<unknown>;
	/** Reasoning text sent before the answer (`reasoning_content`), as one chunk or in the message. */
	readonly reasoning?: string;
	/** Answer with one JSON completion even when the request asked for a stream (a server that ignores `stream: true`). */
	readonly jsonEvenIfStreamed?: boolean;
	/** Extra response headers (rate-limit headers, say). */
	readonly headers?: Readonly<Record<string, string>>;
	/** `finish_reason` of the answer (default "stop"). */
	readonly finishReason?: string;
}

export interface ErrorBehaviour {
	readonly kind: 'error';
	readonly status: number;
	/** Sent as JSON unless it is a string. */
	readonly body: unknown;
	readonly headers?: Readonly<Record<string, string>>;
}

export interface HangBehaviour {
	readonly kind: 'hang';
}

export type MockBehaviour = StreamBehaviour | ErrorBehaviour | HangBehaviour;
export type BehaviourSource = MockBehaviour | ((request: MockRequest) => MockBehaviour);

export interface MockProviderOptions {
	/** The `/models` list; a function sees the request (to echo the key it was given, as a hostile provider would). */
	readonly models?: readonly string[] | ((request: MockRequest) => readonly string[]);
	/** OpenAI `{data: [...]}`, Together's bare array, or Gemini's `models/`-prefixed ids. */
	readonly modelsShape?: 'openai' | 'bare-array' | 'gemini';
}

export interface MockProvider {
	/** `http://127.0.0.1:<port>/v1` */
	readonly baseUrl: string;
	/** Queues behaviours: each next chat request takes the next one; then the default. */
	script(...behaviours: BehaviourSource[]): void;
	/** What a chat request gets when the script is empty (initially a short stream). */
	setDefault(behaviour: BehaviourSource): void;
	/** What `GET /models` gets instead of the model list (null: the list again). */
	setModelsBehaviour(behaviour: BehaviourSource | null): void;
	/** Headers sent with the model list (rate-limit headers, say). */
	setModelsHeaders(headers: Readonly<Record<string, string>>): void;
	/** The model ids the list serves from now on. */
	setModels(models: readonly string[]): void;
	/** `GET /models` requests only. */
	readonly modelRequests: MockRequest[];
	readonly requests: MockRequest[];
	/** Chat requests only. */
	readonly chatRequests: MockRequest[];
	readonly inFlight: number;
	readonly maxInFlight: number;
	/** Resolves when `count` requests have arrived. */
	waitForRequests(count: number): Promise<void>;
	close(): Promise<void>;
}

/** A promise a test opens by hand: `holdAfterChunks` + `release` make the server wait for the test. */
export function createGate(): {promise: Promise<void>; open: () => void} {
	let open!: () => void;
	const promise = new Promise<void>((resolve) => {
		open = resolve;
	});
	return {promise, open};
}

const defaultBehaviour: StreamBehaviour = {kind: 'stream', text: 'Hello from the mock provider.'};

export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
	let models = options.models ?? ['mock-small', 'mock-large'];
	let modelsHeaders: Readonly<Record<string, string>> = {};
	const shape = options.modelsShape ?? 'openai';
	const queue: BehaviourSource[] = [];
	let fallback: BehaviourSource = defaultBehaviour;
	let modelsBehaviour: BehaviourSource | null = null;
	const requests: MockRequest[] = [];
	let inFlight = 0;
	let maxInFlight = 0;
	const sockets = new Set<Socket>();
	const arrivals: Array<{count: number; resolve: () => void}> = [];

	const server = http.createServer((req, res) => {
		const record: MockRequest = {
			method: req.method ?? 'GET',
			path: req.url ?? '/',
			headers: req.headers,
			body: undefined,
			startedAt: performance.now(),
			receivedAt: Date.now(),
			disconnected: false,
			chunksWritten: 0,
		};
		requests.push(record);
		inFlight++;
		maxInFlight = Math.max(maxInFlight, inFlight);
		for (const arrival of arrivals.filter((entry) => requests.length >= entry.count)) {
			arrivals.splice(arrivals.indexOf(arrival), 1);
			arrival.resolve();
		}

		let closed = false;
		const closedPromise = new Promise<void>((resolve) => {
			res.on('close', () => {
				closed = true;
				if (!res.writableFinished) record.disconnected = true;
				record.endedAt = performance.now();
				inFlight--;
				resolve();
			});
		});
		const connection = {
			get closed() {
				return closed;
			},
			closedPromise,
		};

		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			if (raw) {
				try {
					record.body = JSON.parse(raw);
				} catch {
					record.body = raw;
				}
			}
			const path = record.path.split('?')[0] ?? '';
			let behaviour: BehaviourSource;
			if (record.method === 'GET' && path === '/v1/models') {
				if (!modelsBehaviour) {
					sendJson(res, 200, modelList(typeof models === 'function' ? models(record) : models, shape), modelsHeaders);
					return;
				}
				behaviour = modelsBehaviour;
			} else if (record.method === 'POST' && path === '/v1/chat/completions') {
				behaviour = queue.shift() ?? fallback;
			} else {
				sendJson(res, 404, {error: {message: `Unknown path ${path}`, type: 'invalid_request_error', code: 'unknown_url'}});
				return;
			}
			const source = behaviour;
			// A behaviour function that throws is a bug in the test: answer 500 rather than hang.
			Promise.resolve()
				.then(() => respond(typeof source === 'function' ? source(record) : source, record, res, connection))
				.catch((error: unknown) => {
					if (!res.headersSent) sendJson(res, 500, {error: {message: `mock provider failed: ${String(error)}`}});
					else res.destroy();
				});
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const {port} = server.address() as AddressInfo;

	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		script(...behaviours) {
			queue.push(...behaviours);
		},
		setDefault(behaviour) {
			fallback = behaviour;
		},
		setModelsBehaviour(behaviour) {
			modelsBehaviour = behaviour;
		},
		setModelsHeaders(headers) {
			modelsHeaders = headers;
		},
		setModels(list) {
			models = list;
		},
		get modelRequests() {
			return requests.filter((request) => request.method === 'GET' && request.path.split('?')[0] === '/v1/models');
		},
		requests,
		get chatRequests() {
			return requests.filter((request) => request.path.split('?')[0] === '/v1/chat/completions');
		},
		get inFlight() {
			return inFlight;
		},
		get maxInFlight() {
			return maxInFlight;
		},
		waitForRequests(count) {
			if (requests.length >= count) return Promise.resolve();
			return new Promise((resolve) => arrivals.push({count, resolve}));
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

interface Connection {
	readonly closed: boolean;
	readonly closedPromise: Promise<void>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	res.writeHead(status, {'content-type': 'application/json', ...headers});
	res.end(text);
}

function modelList(models: readonly string[], shape: 'openai' | 'bare-array' | 'gemini'): unknown {
	switch (shape) {
		case 'openai':
			return {object: 'list', data: models.map((id) => ({id, object: 'model', created: 1_700_000_000, owned_by: 'mock'}))};
		case 'bare-array':
			return models.map((id) => ({id, object: 'model', created: 1_700_000_000, type: 'chat', display_name: id}));
		case 'gemini':
			return {object: 'list', data: models.map((id) => ({id: `models/${id}`, object: 'model', owned_by: 'google'}))};
	}
}

/** Resolves after `ms`, or at once when the connection closes. */
function pause(ms: number, connection: Connection): Promise<void> {
	if (ms <= 0) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		void connection.closedPromise.then(() => {
			clearTimeout(timer);
			resolve();
		});
	});
}

async function respond(behaviour: MockBehaviour, record: MockRequest, res: http.ServerResponse, connection: Connection): Promise<void> {
	switch (behaviour.kind) {
		case 'error':
			sendJson(res, behaviour.status, behaviour.body, behaviour.headers);
			return;
		case 'hang':
			// Never answers; the client's timer or abort ends it (recorded as a disconnect).
			await connection.closedPromise;
			return;
		case 'stream':
			await stream(behaviour, record, res, connection);
			return;
	}
}

function tokensOf(behaviour: StreamBehaviour): readonly string[] {
	if (behaviour.tokens) return behaviour.tokens;
	return (behaviour.text ?? '').match(/\S+\s*|\s+/g) ?? [];
}

async function stream(behaviour: StreamBehaviour, record: MockRequest, res: http.ServerResponse, connection: Connection): Promise<void> {
	await pause(behaviour.firstByteDelayMs ?? 0, connection);
	if (connection.closed) return;

	const body = (record.body && typeof record.body === 'object' ? record.body : {}) as {model?: string; stream?: boolean; stream_options?: {include_usage?: boolean}};
	const model = body.model ?? 'mock-small';
	const tokens = tokensOf(behaviour);
	const created = Math.floor(Date.now() / 1000);
	const promptTokens = behaviour.reportedInputTokens ?? JSON.stringify(body).length >> 2;
	const completionTokens = behaviour.reportedOutputTokens ?? tokens.length;
	const usage = {prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens};

	if (body.stream !== true || behaviour.jsonEvenIfStreamed) {
		// One JSON completion: what a non-streaming request gets (usage always included, unless the behaviour says the provider reports none).
		const message: Record<string, unknown> = {role: 'assistant', content: tokens.join('')};
		if (behaviour.reasoning) message['reasoning_content'] = behaviour.reasoning;
		record.chunksWritten = tokens.length;
		sendJson(
			res,
			200,
			{id: 'chatcmpl-mock', object: 'chat.completion', created, model, choices: [{index: 0, message, logprobs: null, finish_reason: behaviour.finishReason ?? 'stop'}], ...((behaviour.usage ?? true) ? {usage} : {})},
			behaviour.headers,
		);
		return;
	}

	const chunk = (choices: unknown[], usage?: unknown) =>
		`data: ${JSON.stringify({id: 'chatcmpl-mock', object: 'chat.completion.chunk', created, model, choices, ...(usage ? {usage} : {})})}\n\n`;

	res.writeHead(200, {'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...behaviour.headers});
	res.flushHeaders();

	const write = async (data: string): Promise<boolean> => {
		if (connection.closed) return false;
		if (!res.write(data)) {
			await Promise.race([new Promise((resolve) => res.once('drain', resolve)), connection.closedPromise]);
		}
		return !connection.closed;
	};

	if (!(await write(chunk([{index: 0, delta: {role: 'assistant', content: ''}, logprobs: null, finish_reason: null}])))) return;
	if (behaviour.reasoning && !(await write(chunk([{index: 0, delta: {reasoning_content: behaviour.reasoning}, logprobs: null, finish_reason: null}])))) return;

	for (let index = 0; index < tokens.length; index++) {
		if (index === behaviour.stallAfterChunks) {
			await connection.closedPromise;
			return;
		}
		if (index === behaviour.cutAfterChunks) {
			res.socket?.destroy();
			return;
		}
		if (index === behaviour.malformedAfterChunks) {
			await write('data: {"id": "chatcmpl-mock", "choices": [ this is not json\n\n');
			res.end();
			return;
		}
		if (index === behaviour.errorEventAfterChunks) {
			const error = behaviour.errorEvent ?? {message: 'The server had an error while processing your request.', type: 'server_error', code: null};
			await write(`data: ${JSON.stringify({error})}\n\n`);
			res.end();
			return;
		}
		if (index === behaviour.holdAfterChunks && behaviour.release) {
			await Promise.race([behaviour.release, connection.closedPromise]);
			if (connection.closed) return;
		}
		if (index > 0) await pause(behaviour.chunkDelayMs ?? 0, connection);
		if (!(await write(chunk([{index: 0, delta: {content: tokens[index]}, logprobs: null, finish_reason: null}])))) return;
		record.chunksWritten++;
		record.lastChunkAt = performance.now();
		record.firstChunkAt ??= record.lastChunkAt;
	}

	if (behaviour.stallAfterChunks !== undefined && behaviour.stallAfterChunks >= tokens.length) {
		await connection.closedPromise;
		return;
	}

	if (!(await write(chunk([{index: 0, delta: {}, logprobs: null, finish_reason: behaviour.finishReason ?? 'stop'}])))) return;
	if ((behaviour.usage ?? true) && body.stream_options?.include_usage) {
		if (!(await write(chunk([], usage)))) return;
	}
	if (!(await write('data: [DONE]\n\n'))) return;
	res.end();
}

// ————————————————————————————————————————— realistic failures

export function presentedKey(request: MockRequest): string {
	const authorization = request.headers['authorization'];
	if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) return authorization.slice('Bearer '.length);
	const apiKey = request.headers['api-key'];
	return typeof apiKey === 'string' ? apiKey : '';
}

function requestedModel(request: MockRequest): string {
	const body = request.body as {model?: unknown} | undefined;
	return typeof body?.model === 'string' ? body.model : 'unknown-model';
}

/** Bodies and headers as the big providers send them. */
export const mockErrors = {
	/**
	 * OpenAI's 401, which quotes the key it was given. `echo` picks what is quoted:
	 * the whole key, or a piece of it (default: 10 characters from the middle).
	 */
	unauthorized(echo: 'full' | 'fragment' | ((key: string) => string) = 'full'): (request: MockRequest) => ErrorBehaviour {
		return (request) => {
			const key = presentedKey(request);
			const quoted = echo === 'full' ? key : echo === 'fragment' ? `${key.slice(0, 3)}***${key.slice(6, 16)}` : echo(key);
			return {
				kind: 'error',
				status: 401,
				body: {
					error: {
						message: `Incorrect API key provided: ${quoted}. You can find your API key at https://platform.openai.com/account/api-keys.`,
						type: 'invalid_request_error',
						param: null,
						code: 'invalid_api_key',
					},
				},
			};
		};
	},
	forbidden(): (request: MockRequest) => ErrorBehaviour {
		return (request) => ({
			kind: 'error',
			status: 403,
			body: {error: {message: `Project \`proj_mock\` does not have access to model \`${requestedModel(request)}\``, type: 'invalid_request_error', param: null, code: 'model_not_found'}},
		});
	},
	modelNotFound(): (request: MockRequest) => ErrorBehaviour {
		return (request) => ({
			kind: 'error',
			status: 404,
			body: {
				error: {
					message: `The model \`${requestedModel(request)}\` does not exist or you do not have access to it.`,
					type: 'invalid_request_error',
					param: null,
					code: 'model_not_found',
				},
			},
		});
	},
	rateLimited(retryAfterSeconds = 1): ErrorBehaviour {
		return {
			kind: 'error',
			status: 429,
			headers: {'retry-after': String(retryAfterSeconds), 'x-ratelimit-remaining-requests': '0'},
			body: {
				error: {
					message: `Rate limit reached for mock-small in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryAfterSeconds}s.`,
					type: 'requests',
					param: null,
					code: 'rate_limit_exceeded',
				},
			},
		};
	},
	insufficientQuota(): ErrorBehaviour {
		return {
			kind: 'error',
			status: 429,
			body: {
				error: {
					message: 'You exceeded your current quota, please check your plan and billing details.',
					type: 'insufficient_quota',
					param: null,
					code: 'insufficient_quota',
				},
			},
		};
	},
	contextLength(): ErrorBehaviour {
		return {
			kind: 'error',
			status: 400,
			body: {
				error: {
					message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
					type: 'invalid_request_error',
					param: 'messages',
					code: 'context_length_exceeded',
				},
			},
		};
	},
	badRequest(): ErrorBehaviour {
		return {
			kind: 'error',
			status: 400,
			body: {error: {message: 'Unrecognized request argument supplied: frobnicate', type: 'invalid_request_error', param: null, code: null}},
		};
	},
	serverError(): ErrorBehaviour {
		return {
			kind: 'error',
			status: 500,
			body: {error: {message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null}},
		};
	},
	/** Anthropic's overload status. */
	overloaded(): ErrorBehaviour {
		return {kind: 'error', status: 529, body: {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}}};
	},
} as const;

// ————————————————————————————————————————— hostile output

export interface EscapeCase {
	readonly name: string;
	/** Content chunks as the provider streams them. */
	readonly tokens: readonly string[];
	/** Text that must survive sanitising. */
	readonly visible: readonly string[];
	/** Text that must not survive (a URL, a payload, an overwritten word). */
	readonly hidden?: readonly string[];
}

const ESC = '\u001b';
const BEL = '\u0007';

/** Every escape case of RELIABILITY 20–22, as streamed content. */
export const escapeCases: readonly EscapeCase[] = [
	{name: 'OSC 52 clipboard write', tokens: ['copy ', `${ESC}]52;c;ZWNobyBwd25lZA==${BEL}`, 'done'], visible: ['copy ', 'done'], hidden: ['ZWNobyBwd25lZA==']},
	{
		name: 'OSC 8 hyperlink',
		tokens: ['see ', `${ESC}]8;;https://evil.example/steal${ESC}\\`, 'the docs', `${ESC}]8;;${ESC}\\`, ' now'],
		visible: ['see the docs now'],
		hidden: ['evil.example'],
	},
	{name: 'OSC 0 and 2 titles', tokens: [`${ESC}]0;pwned${BEL}`, 'title ', `${ESC}]2;pwned again${ESC}\\`, 'kept'], visible: ['title kept'], hidden: ['pwned']},
	{name: 'CSI clear screen and cursor moves', tokens: [`${ESC}[2J${ESC}[H`, 'top ', `${ESC}[10;20H`, 'moved', `${ESC}[5A${ESC}[?25l`], visible: ['top moved']},
	{name: '8-bit CSI and OSC', tokens: ['\u009b31mred', '\u009b0m ', '\u009d0;title\u009c', 'plain'], visible: ['red plain'], hidden: ['title']},
	{name: 'lone ESC', tokens: [`a${ESC}`, '\n b', `${ESC}`], visible: ['a\n b']},
	{name: 'CR overwrite', tokens: ['rm -rf /\r', 'echo safe', '\r\n', 'next line'], visible: ['rm -rf /echo safe\nnext line']},
	{name: 'backspaces and BEL', tokens: ['abc\b\b\bxyz', `${BEL}!`], visible: ['abcxyz!']},
	{name: 'bidi override', tokens: ['access \u202eresU\u202c level \u2066x\u2069 \u200f'], visible: ['access resU level x ']},
	{name: 'sequence split across chunks', tokens: [`one ${ESC}]5`, `2;c;aGk=${ESC}`, '\\two ', `${ESC}[3`, '1mthree'], visible: ['one two three'], hidden: ['aGk=']},
];

/** RELIABILITY 22: an OSC that never ends (1 MB), then text that must still arrive, sanitised. */
export function unterminatedOscCase(sizeBytes = 1024 * 1024): EscapeCase {
	const payload = 'A'.repeat(sizeBytes);
	const pieces: string[] = [`before ${ESC}]52;c;`];
	for (let offset = 0; offset < payload.length; offset += 64 * 1024) pieces.push(payload.slice(offset, offset + 64 * 1024));
	pieces.push(` VISIBLE-AFTER ${ESC}[2J${ESC}]0;late title${BEL}end`);
	return {name: 'unterminated 1 MB OSC', tokens: pieces, visible: ['before ', 'VISIBLE-AFTER', 'end'], hidden: ['late title']};
}

// ————————————————————————————————————————— hostile model lists and key echoes

/**
 * Model ids no provider should send (RELIABILITY 20): a window title, a clipboard write, a
 * screen clear, an 8-bit CSI, a bidi override, a zero-width space, a tag character, padding,
 * a space and a line break. Every one fails the model-name rule.
 */
export const hostileModelIds: readonly string[] = [
	`title${ESC}]0;pwned${BEL}`,
	`clip${ESC}]52;c;ZWNobyBwd25lZA==${BEL}`,
	`${ESC}[2Jcleared`,
	'csi\u009b31mred',
	'gpt\u202eevil',
	'gpt\u200b4o',
	`tag${String.fromCodePoint(0xe0041)}`,
	' padded',
	'with space',
	'line\nbreak',
];

/** A `/models` list with safe ids, the hostile ones and one that quotes the key it was sent with. */
export function hostileModelList(request: MockRequest): readonly string[] {
	return ['mock-small', 'mock-large', ...hostileModelIds, `keyecho-${presentedKey(request)}`];
}

/** How a model echoes the key it was called with, for RELIABILITY 18. */
export type KeyEcho = 'plain' | 'percent' | 'zero-width';

function disguise(key: string, echo: KeyEcho): string {
	if (echo === 'percent') return [...key].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
	if (echo === 'zero-width') return [...key].join('\u200b');
	return key;
}

/**
 * A stream that says "Your key is: " and then the key it was called with, cut into deltas of
 * `size` characters — plain, percent-encoded or with U+200B between its characters.
 */
export function keyEchoStream(size: number, echo: KeyEcho = 'plain'): (request: MockRequest) => StreamBehaviour {
	return (request) => {
		const text = `Your key is: ${disguise(presentedKey(request), echo)} — keep it safe.`;
		const tokens: string[] = [];
		for (let index = 0; index < text.length; index += size) tokens.push(text.slice(index, index + size));
		return {kind: 'stream', tokens};
	};
}
