import fs from 'node:fs';
import postgres from 'postgres';
import {describe, expect, it} from 'vitest';
import {DecryptFailed} from '../crypto/index.js';
import {ConflictError, UserError} from '../errors.js';
import {DatabaseFault, presentError, userErrorFor} from './faults.js';

/** A driver error as postgres.js raises it for an ErrorResponse (code and message from the server). */
function serverError(code: string, message: string): Error {
	const error = new postgres.PostgresError({code, message, severity: 'ERROR'} as never);
	return error;
}

function socketError(code: string): Error {
	return Object.assign(new Error(`read ${code}`), {code});
}

describe('faults in three tiers', () => {
	const cases: Array<{name: string; error: Error; kind: string; message: RegExp}> = [
		{name: 'pg_terminate_backend', error: serverError('57P01', 'terminating connection due to administrator command'), kind: 'connection-lost', message: /^The connection to the database is lost \(the server ended the session\)$/},
		{name: 'a reset socket', error: socketError('ECONNRESET'), kind: 'connection-lost', message: /^The connection to the database is lost \(connection reset\)$/},
		{name: 'a closed connection', error: socketError('CONNECTION_CLOSED'), kind: 'connection-lost', message: /^The connection to the database is lost \(the connection closed\)$/},
		{name: 'lock_timeout', error: serverError('55P03', 'canceling statement due to lock timeout'), kind: 'lock-timeout', message: /^Another session holds a lock on the rows this needs, and the wait for it ran out$/},
		{name: 'statement_timeout', error: serverError('57014', 'canceling statement due to statement timeout'), kind: 'statement-timeout', message: /^A database statement runs past its time limit and is cancelled$/},
		{name: 'a cancelled statement', error: serverError('57014', 'canceling statement due to user request'), kind: 'cancelled', message: /^The database cancelled the statement$/},
		{name: 'a serialization failure', error: serverError('40001', 'could not serialize access due to concurrent update'), kind: 'serialization', message: /serialization failure/},
		{name: 'a deadlock', error: serverError('40P01', 'deadlock detected'), kind: 'deadlock', message: /deadlock/},
		{name: "the server's full disk", error: serverError('53100', 'could not extend file'), kind: 'disk-full', message: /^The database server's disk is full$/},
		{name: 'a read-only server', error: serverError('25006', 'cannot execute UPDATE in a read-only transaction'), kind: 'read-only-server', message: /accepts no writes/},
	];
	for (const entry of cases) {
		it(`${entry.name} is a user error with a present-tense sentence and a hint, not a bug`, () => {
			const mapped = userErrorFor(entry.error);
			expect(mapped).toBeInstanceOf(DatabaseFault);
			expect((mapped as DatabaseFault).kind).toBe(entry.kind);
			expect(mapped!.message).toMatch(entry.message);
			expect(mapped!.hint).toBeTruthy();
			expect(mapped!.exitCode).toBe(1);
			expect(presentError(entry.error)).toMatchObject({unexpected: false, exitCode: 1});
			// Inside a mutation the sentence also says the transaction was undone.
			if (entry.kind !== 'too-many-connections') expect(userErrorFor(entry.error, {rolledBack: true})!.message).toMatch(/; nothing was changed$/);
		});
	}

	it('a full local disk, as Node reports it writing to /dev/full, says the disk is full', () => {
		const fd = fs.openSync('/dev/full', 'w');
		let error: unknown;
		try {
			fs.writeSync(fd, 'x'.repeat(4096));
		} catch (caught) {
			error = caught;
		} finally {
			fs.closeSync(fd);
		}
		expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
		expect(presentError(error)).toEqual({message: 'The disk is full', hint: 'free some space or choose another directory, then run it again', unexpected: false, exitCode: 1});
	});

	it('a secret that does not decrypt names the row and key id and says what to do', () => {
		const shown = presentError(new DecryptFailed('3f2a9c1b-0000-4000-8000-000000000000', '0123456789abcdef', 'authentication'));
		expect(shown.unexpected).toBe(false);
		expect(shown.message).toBe("Can't decrypt the secret of row 3f2a9c1b-0000-4000-8000-000000000000 (key id 0123456789abcdef)");
		expect(shown.hint).toMatch(/ENCRYPTION_KEY_PREVIOUS.*eval752 keys rotate PROVIDER/);
	});

	it('user errors pass through unchanged; conflicts keep their details', () => {
		const error = new UserError('No provider named x', {hint: 'eval752 providers list shows the names', exitCode: 2});
		expect(presentError(error)).toEqual({message: 'No provider named x', hint: 'eval752 providers list shows the names', unexpected: false, exitCode: 2});
		expect(userErrorFor(new ConflictError('Provider x', 'bob@ops'))).toBeInstanceOf(ConflictError);
	});

	it('only a true bug says "unexpected", with its first line sanitised', () => {
		const shown = presentError(new TypeError("Cannot read properties of null (reading 'write')\n    at nextWrite"));
		expect(shown).toEqual({message: "unexpected error: Cannot read properties of null (reading 'write')", hint: 'details are in the log file (eval752 doctor shows where)', unexpected: true, exitCode: 1});
		expect(presentError(new UserError('Provider \u001b]52;c;aGk=\u0007x is gone')).message).toBe('Provider x is gone');
		expect(presentError(Object.assign(new Error('odd'), {code: 'XX000'})).unexpected).toBe(true);
	});
});
