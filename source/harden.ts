/**
 * What keeps another local user out of this process's memory, where ENCRYPTION_KEY and every
 * decrypted API key live. Imported first by the entry point (`cli.tsx`), so it runs before
 * anything else of ours.
 *
 * - SIGUSR1: Node answers it by opening its inspector on 127.0.0.1:9229, without
 *   authentication — anyone on the machine who can send the signal (the same user, or root)
 *   and reach loopback could then read `process.env.ENCRYPTION_KEY` out of a running dashboard or
 *   `watch`. A listener of our own replaces Node's handler (measured on Node 20: with one
 *   installed, the inspector stays closed); Node 22's `--disable-sigusr1` is not in Node 20.
 * - Flags that open memory to others are refused at start: an inspector already listening
 *   (`--inspect*` on the command line or in NODE_OPTIONS) and `--heapsnapshot-signal` (a signal
 *   that writes the whole heap, keys included, to a file). Diagnostic reports, which carry the
 *   environment, are switched off whatever NODE_OPTIONS asked for.
 *
 * What remains (the README says so): root, and the same user through ptrace or
 * /proc/<pid>/environ and /proc/<pid>/mem, can read any process's memory; a core dump would hold
 * the key, and Node can't lower RLIMIT_CORE itself — run eval752 with `ulimit -c 0` (or
 * `LimitCORE=0` in a systemd unit) where core dumps are collected. The first few milliseconds
 * of start-up, before this module runs, Node's own SIGUSR1 handler is still in place; a signal
 * in that window is caught by the inspector check below, which refuses to go on.
 */
import inspector from 'node:inspector';
import {log} from './log.js';

/** Flags (command line or NODE_OPTIONS) under which this process must not run. */
const EXPOSING_FLAGS = /^--(?:inspect|inspect-brk|inspect-wait|debug|debug-brk|heapsnapshot-signal)(?:=|$)/;

let sigusr1Seen = 0;

/** How many SIGUSR1s were turned away (for the log and the test that sends one). */
export function refusedSignals(): number {
	return sigusr1Seen;
}

/** Installs the SIGUSR1 listener and switches diagnostic reports off. Safe to call more than once. */
export function hardenProcess(): void {
	if (process.listenerCount('SIGUSR1') === 0) {
		process.on('SIGUSR1', () => {
			sigusr1Seen++;
			log.warn('SIGUSR1 ignored: it would open the Node inspector to anyone on this machine', {count: sigusr1Seen});
		});
	}
	const report = process.report as (typeof process.report & {reportOnSignal?: boolean; reportOnFatalError?: boolean; reportOnUncaughtException?: boolean}) | undefined;
	if (report) {
		report.reportOnSignal = false;
		report.reportOnFatalError = false;
		report.reportOnUncaughtException = false;
	}
}

/**
 * Why this process must not go on — an inspector is open, or a flag that dumps memory on a
 * signal is set — as one line for stderr; undefined when nothing exposes it.
 */
export function exposure(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env['NODE_OPTIONS'] ?? '', inspectorUrl: string | undefined = inspector.url()): string | undefined {
	if (inspectorUrl !== undefined) {
		return "Node's inspector is open in this process (--inspect, or SIGUSR1 during start-up): anyone who reaches it can read ENCRYPTION_KEY; eval752 stops — run it without --inspect in the command line or NODE_OPTIONS";
	}
	const flag = [...execArgv, ...nodeOptions.split(/\s+/)].find((arg) => EXPOSING_FLAGS.test(arg));
	if (flag) {
		return `${flag.split('=')[0]} (in ${execArgv.includes(flag) ? 'the node command line' : 'NODE_OPTIONS'}) would let others read this process's memory, ENCRYPTION_KEY included; eval752 stops — run it without that flag`;
	}
	return undefined;
}

hardenProcess();
