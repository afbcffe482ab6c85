import net from 'node:net';

/**
 * Faults on the wire between postgres.js and the database, injected at an exact point of the
 * PostgreSQL protocol: "cut the connection when the client runs a statement matching X" (before
 * the database sees it) or "cut it when the server answers COMMIT" (after the database did it,
 * before the client hears). On a real server the tap sits in a TCP proxy; on the embedded
 * database it sits on the socket server's side of each connection (see {@link tappedSessionServerModule}).
 *
 * The tap reads the messages it forwards: Parse (statement name → SQL), Bind (which statement
 * runs — postgres.js prepares each statement once per connection and binds it by name after
 * that), simple Query, and the server's CommandComplete tags.
 */

export type CutRule =
	| {readonly kind: 'client-runs'; readonly sql: RegExp; readonly param?: string; readonly skip?: number}
	| {readonly kind: 'server-completes'; readonly tag: RegExp; readonly skip?: number};

interface Armed {
	readonly rule: CutRule;
	seen: number;
	readonly fired: () => void;
}

const armed: Armed[] = [];

/** Arms one cut; the promise resolves when it has happened. */
export function armCut(rule: CutRule): Promise<void> {
	return new Promise((resolve) => {
		armed.push({rule, seen: 0, fired: resolve});
	});
}

export function disarmAll(): void {
	armed.length = 0;
}

function take(kind: CutRule['kind'], matches: (rule: CutRule) => boolean): boolean {
	for (const entry of armed) {
		if (entry.rule.kind !== kind || !matches(entry.rule)) continue;
		entry.seen++;
		if (entry.seen <= (entry.rule.skip ?? 0)) continue;
		armed.splice(armed.indexOf(entry), 1);
		entry.fired();
		return true;
	}
	return false;
}

function cstring(buffer: Buffer, start: number): {text: string; next: number} {
	const end = buffer.indexOf(0, start);
	const stop = end < 0 ? buffer.length : end;
	return {text: buffer.toString('utf8', start, stop), next: stop + 1};
}

/** A Bind message's parameter values, as text (postgres.js sends them in text format). */
function bindParameters(body: Buffer, start: number): string[] {
	let at = start;
	const formats = body.readInt16BE(at);
	at += 2 + 2 * formats;
	const count = body.readInt16BE(at);
	at += 2;
	const values: string[] = [];
	for (let i = 0; i < count; i++) {
		const length = body.readInt32BE(at);
		at += 4;
		if (length < 0) {
			values.push('');
			continue;
		}
		values.push(body.toString('utf8', at, at + length));
		at += length;
	}
	return values;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** One connection's view of both directions; `client`/`server` return false when the chunk must not be forwarded (the cut). */
export class WireTap {
	#fromClient = Buffer.alloc(0);
	#fromServer = Buffer.alloc(0);
	#startup = true;
	/** Raw single bytes the server sends in answer to SSLRequest/GSSENCRequest before any message. */
	#rawServerBytes = 0;
	readonly #statements = new Map<string, string>();
	cut = false;

	client(chunk: Buffer): boolean {
		if (this.cut) return false;
		this.#fromClient = Buffer.concat([this.#fromClient, chunk]);
		let fire = false;
		for (;;) {
			const buffer = this.#fromClient;
			if (this.#startup) {
				if (buffer.length < 8) break;
				const length = buffer.readInt32BE(0);
				if (buffer.length < length) break;
				const code = buffer.readInt32BE(4);
				this.#fromClient = buffer.subarray(length);
				if (code === SSL_REQUEST || code === GSS_REQUEST) this.#rawServerBytes++;
				else if (code !== CANCEL_REQUEST) this.#startup = false;
				continue;
			}
			if (buffer.length < 5) break;
			const length = buffer.readInt32BE(1);
			if (buffer.length < 1 + length) break;
			const type = String.fromCharCode(buffer[0]!);
			const body = buffer.subarray(5, 1 + length);
			this.#fromClient = buffer.subarray(1 + length);
			if (type === 'P') {
				const name = cstring(body, 0);
				this.#statements.set(name.text, cstring(body, name.next).text);
			} else if (type === 'B') {
				const portal = cstring(body, 0);
				const name = cstring(body, portal.next);
				const statement = this.#statements.get(name.text) ?? '';
				const params = bindParameters(body, name.next);
				if (take('client-runs', (rule) => rule.kind === 'client-runs' && rule.sql.test(statement) && (rule.param === undefined || params.includes(rule.param)))) fire = true;
			} else if (type === 'Q') {
				const query = cstring(body, 0).text;
				if (take('client-runs', (rule) => rule.kind === 'client-runs' && rule.sql.test(query))) fire = true;
			}
		}
		if (fire) this.cut = true;
		return !fire;
	}

	server(chunk: Buffer): boolean {
		if (this.cut) return false;
		this.#fromServer = Buffer.concat([this.#fromServer, chunk]);
		let fire = false;
		for (;;) {
			const buffer = this.#fromServer;
			if (this.#rawServerBytes > 0) {
				if (buffer.length < 1) break;
				this.#rawServerBytes--;
				this.#fromServer = buffer.subarray(1);
				continue;
			}
			if (buffer.length < 5) break;
			const length = buffer.readInt32BE(1);
			if (buffer.length < 1 + length) break;
			const type = String.fromCharCode(buffer[0]!);
			const body = buffer.subarray(5, 1 + length);
			this.#fromServer = buffer.subarray(1 + length);
			if (type === 'C') {
				const tag = cstring(body, 0).text;
				if (take('server-completes', (rule) => rule.kind === 'server-completes' && rule.tag.test(tag))) fire = true;
			}
		}
		if (fire) this.cut = true;
		return !fire;
	}
}

/** A TCP proxy in front of a real server; every connection through it is tapped. */
export async function startProxy(upstream: {host: string; port: number}): Promise<{port: number; close(): Promise<void>}> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		const tap = new WireTap();
		const backend = net.connect(upstream);
		sockets.add(client);
		sockets.add(backend);
		const cut = () => {
			client.destroy();
			backend.destroy();
		};
		client.on('data', (chunk: Buffer) => (tap.client(chunk) ? backend.write(chunk) : cut()));
		backend.on('data', (chunk: Buffer) => (tap.server(chunk) ? client.write(chunk) : cut()));
		client.on('close', () => backend.destroy());
		backend.on('close', () => client.destroy());
		client.on('error', () => backend.destroy());
		backend.on('error', () => client.destroy());
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

/** Taps a socket accepted by the embedded socket server: its reads are the client's messages, its writes the server's. */
export function tapAcceptedSocket(socket: net.Socket): void {
	const tap = new WireTap();
	const emit = socket.emit.bind(socket);
	socket.emit = ((event: string, ...args: unknown[]) => {
		if (event === 'data' && !tap.client(args[0] as Buffer)) {
			socket.destroy();
			return true;
		}
		return emit(event, ...args);
	}) as typeof socket.emit;
	const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
	socket.write = ((chunk: unknown, ...rest: unknown[]) => {
		const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
		if (!tap.server(bytes)) {
			socket.destroy();
			return false;
		}
		return write(chunk, ...rest);
	}) as typeof socket.write;
}

/**
 * `source/db/session-server.js` (the embedded database's wire server) with every accepted
 * connection tapped. Used from a test file as
 * `vi.mock('../source/db/session-server.js', async (original) => (await import('./support/wire-faults.js')).tappedSessionServerModule(await original()))`.
 */
export function tappedSessionServerModule<M extends {SessionServer: new (...args: never[]) => object}>(module: M): M {
	const Base = module.SessionServer as unknown as new (...args: unknown[]) => {accept(socket: net.Socket, own: boolean): void};
	class TappedSessionServer extends Base {
		override accept(socket: net.Socket, own: boolean): void {
			tapAcceptedSocket(socket);
			super.accept(socket, own);
		}
	}
	return {...module, SessionServer: TappedSessionServer};
}
