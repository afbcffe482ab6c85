/**
 * Servers that try to pull a key away from its provider (RELIABILITY case 41), on loopback only:
 *
 * - a redirector: the provider's configured base URL. Reached under its own origin
 *   (`http://127.0.0.1:<port>`) it answers every request with a redirect (301/302/307/308)
 *   to wherever the test says; reached under any other name (`http://localhost:<port>`, the
 *   same socket under another host name, i.e. another origin) it answers like a healthy
 *   OpenAI-compatible provider and records the request as a leak;
 * - a collector: another listener (another port) that answers like a healthy provider and
 *   records every request that reaches it — on 127.0.0.1 and, where the machine has IPv6,
 *   on ::1 at the same port, so `localhost` reaches it whichever address it resolves to.
 *
 * A client that follows the redirect gets a 200 with a model list or a completion: a probe
 * would then say "ok" for a server that is not the configured one. A test that sends through
 * a client that follows redirects (the control) proves these servers do catch a key.
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';

export interface CapturedRequest {
	readonly method: string;
	readonly path: string;
	/** The Host header: which name the client used. */
	readonly host: string;
	readonly headers: http.IncomingHttpHeaders;
}

/** Header names any family puts a key in. */
export const CREDENTIAL_HEADERS = ['authorization', 'api-key', 'x-api-key'] as const;

/** The credential headers a request carried, by name. */
export function credentialsOf(request: CapturedRequest): Record<string, string> {
	const found: Record<string, string> = {};
	for (const name of CREDENTIAL_HEADERS) {
		const value = request.headers[name];
		if (typeof value === 'string') found[name] = value;
	}
	return found;
}

function readBody(request: http.IncomingMessage): Promise<string> {
	return new Promise((resolve) => {
		let text = '';
		request.setEncoding('utf8');
		request.on('data', (chunk: string) => (text += chunk));
		request.on('end', () => resolve(text));
		request.on('error', () => resolve(text));
	});
}

/** A healthy OpenAI-compatible answer: the model list, or a completion (streamed when asked). */
async function answerHealthy(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
	const body = await readBody(request);
	const url = request.url ?? '/';
	if (url.endsWith('/models')) {
		response.writeHead(200, {'content-type': 'application/json'});
		response.end(JSON.stringify({object: 'list', data: [{id: 'hostile-model', object: 'model'}]}));
		return;
	}
	let stream = false;
	try {
		stream = (JSON.parse(body) as {stream?: unknown}).stream === true;
	} catch {
		// Not JSON: answer as a plain completion.
	}
	const completion = {id: 'c1', object: 'chat.completion', created: 1, model: 'hostile-model', choices: [{index: 0, message: {role: 'assistant', content: 'all good'}, finish_reason: 'stop'}], usage: {prompt_tokens: 3, completion_tokens: 2, total_tokens: 5}};
	if (!stream) {
		response.writeHead(200, {'content-type': 'application/json'});
		response.end(JSON.stringify(completion));
		return;
	}
	response.writeHead(200, {'content-type': 'text/event-stream'});
	const chunk = (delta: Record<string, unknown>, usage: unknown = null) => `data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'hostile-model', choices: [{index: 0, delta, finish_reason: null}], usage})}\n\n`;
	response.write(chunk({role: 'assistant', content: 'all '}));
	response.write(chunk({content: 'good'}));
	response.write(`data: ${JSON.stringify({id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'hostile-model', choices: [], usage: completion.usage})}\n\n`);
	response.end('data: [DONE]\n\n');
}

function capture(request: http.IncomingMessage): CapturedRequest {
	return {method: request.method ?? 'GET', path: request.url ?? '/', host: request.headers.host ?? '', headers: {...request.headers}};
}

function listen(server: http.Server, host: string, port = 0): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

function closeAll(servers: readonly http.Server[]): Promise<void> {
	return Promise.all(
		servers.map(
			(server) =>
				new Promise<void>((resolve) => {
					server.closeAllConnections();
					server.close(() => resolve());
				}),
		),
	).then(() => undefined);
}

export interface Collector {
	readonly port: number;
	/** `http://127.0.0.1:<port>` */
	readonly origin: string;
	/** Every request that reached it: each one is a key (or a request) that left its provider. */
	readonly requests: CapturedRequest[];
	close(): Promise<void>;
}

/** Another listener on loopback that records everything that reaches it (see the module comment). */
export async function startCollector(): Promise<Collector> {
	const requests: CapturedRequest[] = [];
	const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
		requests.push(capture(request));
		void answerHealthy(request, response);
	};
	const v4 = http.createServer(handler);
	const port = await listen(v4, '127.0.0.1');
	const servers = [v4];
	const v6 = http.createServer(handler);
	try {
		await listen(v6, '::1', port);
		servers.push(v6);
	} catch {
		// No IPv6 loopback here (or the port is taken there): localhost resolves to 127.0.0.1 then.
	}
	return {port, origin: `http://127.0.0.1:${port}`, requests, close: () => closeAll(servers)};
}

export interface Redirector {
	readonly port: number;
	/** `http://127.0.0.1:<port>`: the configured origin. */
	readonly origin: string;
	/** `http://127.0.0.1:<port>/v1`: the base URL a test stores. */
	readonly baseUrl: string;
	/** Requests under the configured origin (each answered with the redirect). */
	readonly requests: CapturedRequest[];
	/** Requests that reached it under another host name: a followed redirect. */
	readonly leaked: CapturedRequest[];
	/** From now on: answer `status` with `Location: <to><path>` (the path of the request, kept). */
	redirect(status: number, to: string): void;
	close(): Promise<void>;
}

/** The provider's configured origin, which redirects every request (see the module comment). */
export async function startRedirector(): Promise<Redirector> {
	const requests: CapturedRequest[] = [];
	const leaked: CapturedRequest[] = [];
	let status = 307;
	let to = '';
	let port = 0;
	const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
		const captured = capture(request);
		if (captured.host !== `127.0.0.1:${port}`) {
			leaked.push(captured);
			void answerHealthy(request, response);
			return;
		}
		requests.push(captured);
		void readBody(request).then(() => {
			response.writeHead(status, {location: `${to}${captured.path}`, 'content-type': 'text/plain'});
			response.end(`Moved to ${to}`);
		});
	};
	const v4 = http.createServer(handler);
	port = await listen(v4, '127.0.0.1');
	const servers = [v4];
	const v6 = http.createServer(handler);
	try {
		await listen(v6, '::1', port);
		servers.push(v6);
	} catch {
		// See startCollector.
	}
	return {
		port,
		origin: `http://127.0.0.1:${port}`,
		baseUrl: `http://127.0.0.1:${port}/v1`,
		requests,
		leaked,
		redirect(nextStatus, nextTo) {
			status = nextStatus;
			to = nextTo;
		},
		close: () => closeAll(servers),
	};
}
