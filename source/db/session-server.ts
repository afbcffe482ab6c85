import fs from 'node:fs';
import net from 'node:net';
import {log} from '../log.js';

/**
 * The embedded database's wire server: PGlite (one PostgreSQL session) served on unix sockets
 * to this process's own pool and to other eval752 processes of the same user.
 *
 * PGlite is ONE session. pglite-socket's server queues single protocol messages from every
 * connection into it, so two clients interleave: one client's Parse/Bind/Execute can land
 * between another's, and a second process's statements run inside the dashboard's open
 * transaction (and are rolled back with it). This server gives the session to one client at a
 * time — a *turn* — and a turn ends only where the session is clean again: after a
 * ReadyForQuery that says "idle, no transaction" ('I'). A whole transaction (BEGIN … COMMIT),
 * an extended-protocol batch up to its Sync, a COPY, all belong to one client; the others'
 * messages wait in arrival order. Between turns the session holds nothing of anyone's.
 *
 * What one client leaves in the shared session is cleaned when it goes: a transaction it left
 * open is rolled back, an unfinished batch is closed with a Sync, and the prepared statements
 * it named are deallocated (postgres.js names them with a random per-connection prefix, so two
 * clients never collide on a name). A client of another process that holds a transaction open
 * and silent for `idleInTransactionMs` is ended, like PostgreSQL's
 * idle_in_transaction_session_timeout: nobody's stuck script holds the dashboard.
 *
 * LISTEN/NOTIFY: in one session a notification comes back only in the output of the exchange
 * that committed it. The server takes NotificationResponse messages out of that output and
 * sends each to every connection that LISTENs on its channel — so `sql.listen` works here as
 * on a real server, and a change made by another process reaches the dashboard's live refresh.
 * UNLISTEN from one connection must not silence the others (the session is shared): after it,
 * the channels anyone still wants are listened to again before the turn ends.
 */

/** What the server needs of PGlite (kept narrow so the tests can count what it does). */
export interface WireSession {
	execProtocolRawStream(message: Uint8Array, options: {onRawData: (data: Uint8Array) => void}): Promise<void>;
	runExclusive<T>(fn: () => Promise<T>): Promise<T>;
	isInTransaction(): boolean;
}

export interface SessionServerOptions {
	/** A client of another process that keeps a transaction open and silent this long is ended. Default 60 s. */
	readonly idleInTransactionMs?: number;
	/** Connections from other processes at once (beyond it: "too many connections"). Default 32. */
	readonly maxShared?: number;
}

const PROTOCOL_3 = 196_608;
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;
/** Larger than any message eval752 sends (a backup row is well under this); more is a broken client. */
const MAX_MESSAGE = 256 * 1024 * 1024;

interface Client {
	readonly id: number;
	readonly socket: net.Socket;
	/** This process's own pool: never timed out, never counted as a guest. */
	readonly own: boolean;
	buffer: Buffer;
	started: boolean;
	readonly pending: Buffer[];
	/** Messages were run since the last ReadyForQuery: a batch is open in the session. */
	inBatch: boolean;
	/** Prepared statements it named (deallocated when it goes). */
	readonly statements: Set<string>;
	readonly channels: Set<string>;
	/** It sent UNLISTEN in this turn: everyone's channels are listened to again before the turn ends. */
	relisten: boolean;
	/** Gone (closed, terminated or ended): its leftovers are cleaned in its last turn. */
	gone: boolean;
	idleTimer: NodeJS.Timeout | undefined;
}

function messageFrom(type: string, body: Buffer): Buffer {
	const header = Buffer.alloc(5);
	header.write(type, 0, 'latin1');
	header.writeInt32BE(4 + body.length, 1);
	return Buffer.concat([header, body]);
}

/** A simple-protocol Query message. */
function queryMessage(text: string): Buffer {
	return messageFrom('Q', Buffer.from(`${text}\0`, 'utf8'));
}

const SYNC = messageFrom('S', Buffer.alloc(0));

/** An ErrorResponse (FATAL) a client library shows as the reason its connection ended. */
function fatalMessage(code: string, text: string): Buffer {
	const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`, 'utf8');
	return messageFrom('E', fields);
}

function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

/** `LISTEN x` / `UNLISTEN x` (quoted or not, as postgres.js and psql send them). */
const LISTEN = /^\s*(listen|unlisten)\s+(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$]*)|(\*))\s*;?\s*$/i;

function listenCommand(text: string): {verb: 'listen' | 'unlisten'; channel: string} | undefined {
	const match = LISTEN.exec(text);
	if (!match) return undefined;
	const channel = match[2] !== undefined ? match[2].replace(/""/g, '"') : (match[3]?.toLowerCase() ?? '*');
	return {verb: match[1]!.toLowerCase() as 'listen' | 'unlisten', channel};
}

/** The NUL-terminated string at `offset` and the offset after it. */
function cString(buffer: Buffer, offset: number): [string, number] {
	const end = buffer.indexOf(0, offset);
	const stop = end === -1 ? buffer.length : end;
	return [buffer.toString('utf8', offset, stop), stop + 1];
}

export interface SessionServerStats {
	/** Connections now: this process's own and other processes'. */
	readonly own: number;
	readonly shared: number;
	/** Turns taken so far, and the most clients ever seen waiting for one at once. */
	readonly turns: number;
	readonly maxWaiting: number;
	/** Protocol messages run against the session. */
	readonly messages: number;
}

export class SessionServer {
	readonly #db: WireSession;
	readonly #idleInTransactionMs: number;
	readonly #maxShared: number;
	readonly #clients = new Set<Client>();
	readonly #servers: Array<{server: net.Server; path: string; own: boolean}> = [];
	/** The client whose turn it is. */
	#turn: Client | undefined;
	/** Clients waiting for a turn, in arrival order. */
	readonly #waiting: Client[] = [];
	#pumping = false;
	#idle: Promise<void> = Promise.resolve();
	#nextId = 1;
	#turns = 0;
	#maxWaiting = 0;
	#messages = 0;
	#closed = false;

	constructor(db: WireSession, options: SessionServerOptions = {}) {
		this.#db = db;
		this.#idleInTransactionMs = options.idleInTransactionMs ?? 60_000;
		this.#maxShared = options.maxShared ?? 32;
	}

	/**
	 * Listens on a unix socket. `own`: this process's pool (a private directory); otherwise other
	 * processes of the same user, and the socket is made 0600 (connecting needs write access).
	 */
	async listen(socketPath: string, options: {own: boolean}): Promise<void> {
		const server = net.createServer((socket) => this.accept(socket, options.own));
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(socketPath, () => {
				server.off('error', reject);
				resolve();
			});
		});
		server.on('error', (error) => log.warn('database socket server error', {error: error.message}));
		if (!options.own) fs.chmodSync(socketPath, 0o600);
		this.#servers.push({server, path: socketPath, own: options.own});
	}

	stats(): SessionServerStats {
		let own = 0;
		for (const client of this.#clients) if (client.own) own++;
		return {own, shared: this.#clients.size - own, turns: this.#turns, maxWaiting: this.#maxWaiting, messages: this.#messages};
	}

	/** Connections of other processes now open. */
	get sharedClients(): number {
		return this.stats().shared;
	}

	/**
	 * Stops serving other processes: no new connection is accepted (the socket file is removed at
	 * once, so the next command opens the directory itself once this process has gone). Guests in
	 * the middle of a turn finish it; after `drainMs` every guest connection is ended (what it
	 * left open is rolled back).
	 */
	async stopSharing(drainMs: number): Promise<void> {
		for (const entry of this.#servers.filter((candidate) => !candidate.own)) await this.#closeServer(entry);
		const deadline = Date.now() + drainMs;
		while (Date.now() < deadline && [...this.#clients].some((client) => !client.own && !client.gone)) {
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
		for (const client of this.#clients) if (!client.own) this.#end(client, fatalMessage('57P01', 'the eval752 process that holds the embedded database is closing'));
		await this.#settled();
	}

	async close(): Promise<void> {
		this.#closed = true;
		for (const entry of [...this.#servers]) await this.#closeServer(entry);
		for (const client of this.#clients) this.#end(client);
		await this.#settled();
	}

	/**
	 * Stops listening at once. net's close callback waits for every open connection to end, so it
	 * is not awaited here: the connections are ended by the caller (stopSharing, close).
	 */
	async #closeServer(entry: {server: net.Server; path: string; own: boolean}): Promise<void> {
		const index = this.#servers.indexOf(entry);
		if (index !== -1) this.#servers.splice(index, 1);
		entry.server.close();
		// No new client finds the socket: the next command opens the directory itself.
		fs.rmSync(entry.path, {force: true});
	}

	/** Resolves when no turn is being run. */
	async #settled(): Promise<void> {
		while (this.#pumping) await this.#idle;
	}

	/** A new connection (a subclass may wrap the socket first: the fault tests cut it at a protocol step). */
	protected accept(socket: net.Socket, own: boolean): void {
		if (this.#closed) {
			socket.destroy();
			return;
		}
		if (!own && this.sharedClients >= this.#maxShared) {
			socket.end(fatalMessage('53300', `too many eval752 processes share this embedded database (${this.#maxShared})`));
			return;
		}
		const client: Client = {
			id: this.#nextId++,
			socket,
			own,
			buffer: Buffer.alloc(0),
			started: false,
			pending: [],
			inBatch: false,
			statements: new Set(),
			channels: new Set(),
			relisten: false,
			gone: false,
			idleTimer: undefined,
		};
		this.#clients.add(client);
		socket.setNoDelay(true);
		socket.on('data', (chunk: Buffer) => this.#receive(client, chunk));
		socket.on('error', () => this.#end(client));
		socket.on('close', () => this.#end(client));
	}

	#receive(client: Client, chunk: Buffer): void {
		if (client.gone) return;
		this.#clearIdle(client);
		client.buffer = client.buffer.length === 0 ? chunk : Buffer.concat([client.buffer, chunk]);
		for (;;) {
			const buffer = client.buffer;
			if (!client.started) {
				if (buffer.length < 8) break;
				const length = buffer.readInt32BE(0);
				const code = buffer.readInt32BE(4);
				if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
					// No TLS on a private unix socket: 'N', and the client goes on in the clear.
					client.socket.write('N');
					client.buffer = buffer.subarray(8);
					continue;
				}
				if (code === CANCEL_REQUEST || code !== PROTOCOL_3 || length < 8 || length > 10_000) {
					this.#end(client);
					return;
				}
				if (buffer.length < length) break;
				client.pending.push(Buffer.from(buffer.subarray(0, length)));
				client.buffer = buffer.subarray(length);
				client.started = true;
				continue;
			}
			if (buffer.length < 5) break;
			const length = buffer.readInt32BE(1);
			if (length < 4 || length > MAX_MESSAGE) {
				this.#end(client, fatalMessage('08P01', 'invalid message length'));
				return;
			}
			if (buffer.length < length + 1) break;
			client.pending.push(Buffer.from(buffer.subarray(0, length + 1)));
			client.buffer = buffer.subarray(length + 1);
		}
		if (client.pending.length > 0) this.#ask(client);
	}

	/** The client has messages: it joins the queue unless it is its turn already. */
	#ask(client: Client): void {
		if (this.#turn !== client && !this.#waiting.includes(client)) {
			this.#waiting.push(client);
			this.#maxWaiting = Math.max(this.#maxWaiting, this.#waiting.length);
		}
		this.#pump();
	}

	/** Ends a connection; what it left in the session is cleaned in a last turn of its own. */
	#end(client: Client, farewell?: Buffer): void {
		if (client.gone) return;
		client.gone = true;
		this.#clearIdle(client);
		client.pending.length = 0;
		if (farewell && client.socket.writable) client.socket.end(farewell);
		client.socket.destroy();
		const leftovers = client.inBatch || client.statements.size > 0 || client.channels.size > 0 || this.#turn === client;
		if (!leftovers) {
			this.#clients.delete(client);
			const index = this.#waiting.indexOf(client);
			if (index !== -1) this.#waiting.splice(index, 1);
			return;
		}
		this.#ask(client);
	}

	#clearIdle(client: Client): void {
		if (client.idleTimer) clearTimeout(client.idleTimer);
		client.idleTimer = undefined;
	}

	#pump(): void {
		if (this.#pumping) return;
		this.#pumping = true;
		this.#idle = this.#run()
			.catch((error: unknown) => log.error('embedded database server failed', {error: error instanceof Error ? error.message : String(error)}))
			.finally(() => {
				this.#pumping = false;
			});
	}

	async #run(): Promise<void> {
		for (;;) {
			if (!this.#turn) {
				const next = this.#waiting.shift();
				if (!next) return;
				this.#turn = next;
				this.#turns++;
			}
			const client = this.#turn;
			if (client.gone) {
				await this.#cleanUp(client);
				this.#clients.delete(client);
				this.#turn = undefined;
				continue;
			}
			const message = client.pending.shift();
			if (!message) {
				// Its turn goes on (a transaction or a batch is open): wait for its next message.
				if (!client.own && (client.inBatch || this.#db.isInTransaction())) this.#armIdle(client);
				return;
			}
			await this.#exchange(client, message);
		}
	}

	#armIdle(client: Client): void {
		this.#clearIdle(client);
		client.idleTimer = setTimeout(() => {
			log.warn('ended an embedded-database client idle in a transaction', {client: client.id, ms: this.#idleInTransactionMs});
			this.#end(client, fatalMessage('25P03', 'terminating connection due to idle-in-transaction timeout'));
		}, this.#idleInTransactionMs);
		client.idleTimer.unref();
	}

	/** Runs one protocol message of `client` and sends it the answer. */
	async #exchange(client: Client, message: Buffer): Promise<void> {
		const startup = message[0] === 0;
		const type = startup ? '' : String.fromCharCode(message[0]!);
		if (type === 'X') {
			// Terminate: the session is not the client's to end; it only leaves.
			this.#end(client);
			return;
		}
		this.#note(client, type, message);
		const output = await this.#execute(message);
		const {forward, notifications, ready} = this.#split(output);
		if (forward.length > 0 && client.socket.writable) client.socket.write(forward);
		if (ready === undefined) {
			if (!startup) client.inBatch = true;
			return;
		}
		client.inBatch = false;
		if (client.relisten) {
			client.relisten = false;
			await this.#relisten();
		}
		this.#deliver(notifications);
		if (ready === 'I') {
			// The session is clean: the turn ends; more messages of this client queue behind the others.
			this.#turn = undefined;
			if (client.pending.length > 0 || client.gone) this.#ask(client);
		}
	}

	/** Tracks what a message leaves in the shared session: statement names and LISTENs. */
	#note(client: Client, type: string, message: Buffer): void {
		if (type === 'P') {
			const [name, next] = cString(message, 5);
			const [text] = cString(message, next);
			if (name !== '') client.statements.add(name);
			this.#noteListen(client, text);
		} else if (type === 'Q') {
			this.#noteListen(client, cString(message, 5)[0]);
		} else if (type === 'C' && message[5] === 0x53) {
			client.statements.delete(cString(message, 6)[0]);
		}
	}

	#noteListen(client: Client, text: string): void {
		const command = listenCommand(text);
		if (!command) return;
		if (command.verb === 'listen') client.channels.add(command.channel);
		else {
			if (command.channel === '*') client.channels.clear();
			else client.channels.delete(command.channel);
			client.relisten = true;
		}
	}

	async #execute(message: Buffer): Promise<Buffer> {
		const chunks: Buffer[] = [];
		this.#messages++;
		await this.#db.runExclusive(() => this.#db.execProtocolRawStream(new Uint8Array(message), {onRawData: (data) => chunks.push(Buffer.from(data))}));
		return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
	}

	/** The output without its notifications, the notifications, and the ReadyForQuery status if there is one. */
	#split(output: Buffer): {forward: Buffer; notifications: Array<{channel: string; message: Buffer}>; ready: string | undefined} {
		const notifications: Array<{channel: string; message: Buffer}> = [];
		let ready: string | undefined;
		const kept: Buffer[] = [];
		let offset = 0;
		let keptFrom = 0;
		while (offset + 5 <= output.length) {
			const type = output[offset]!;
			const end = offset + 1 + output.readInt32BE(offset + 1);
			if (end > output.length) break;
			if (type === 0x41) {
				// NotificationResponse: pid (4 bytes), channel, payload.
				if (offset > keptFrom) kept.push(output.subarray(keptFrom, offset));
				const [channel] = cString(output, offset + 9);
				notifications.push({channel, message: output.subarray(offset, end)});
				keptFrom = end;
			} else if (type === 0x5a) ready = String.fromCharCode(output[offset + 5]!);
			offset = end;
		}
		if (keptFrom === 0) return {forward: output, notifications, ready};
		if (keptFrom < output.length) kept.push(output.subarray(keptFrom));
		return {forward: Buffer.concat(kept), notifications, ready};
	}

	/** Sends each notification to every connection listening on its channel. */
	#deliver(notifications: ReadonlyArray<{channel: string; message: Buffer}>): void {
		for (const notification of notifications) {
			for (const client of this.#clients) {
				if (client.gone || !client.socket.writable || !client.channels.has(notification.channel)) continue;
				// Between turns a connection is idle at the protocol level: an asynchronous message is allowed here.
				client.socket.write(notification.message);
			}
		}
	}

	/** LISTEN again to every channel any connection wants (after an UNLISTEN in the shared session). */
	async #relisten(): Promise<void> {
		const channels = new Set<string>();
		for (const client of this.#clients) if (!client.gone) for (const channel of client.channels) channels.add(channel);
		if (channels.size === 0) return;
		await this.#execute(queryMessage([...channels].map((channel) => `LISTEN ${quoteIdent(channel)}`).join('; ')));
	}

	/** The last turn of a client that went: close its batch, roll back its transaction, drop its statements. */
	async #cleanUp(client: Client): Promise<void> {
		try {
			if (client.inBatch) await this.#execute(SYNC);
			if (this.#db.isInTransaction()) {
				log.info('rolled back a transaction left open by an embedded-database client', {client: client.id});
				await this.#execute(queryMessage('ROLLBACK'));
			}
			// One statement each: a name whose Parse failed does not exist, and its error must not skip the rest.
			for (const name of client.statements) await this.#execute(queryMessage(`DEALLOCATE ${quoteIdent(name)}`));
			client.statements.clear();
			// Its LISTENs stay on the session for the others; nothing is delivered to it any more.
			client.channels.clear();
		} catch (error) {
			log.warn('cleaning up after an embedded-database client failed', {error: error instanceof Error ? error.message : String(error)});
		}
		client.inBatch = false;
	}
}
