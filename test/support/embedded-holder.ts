import {dataPaths} from '../../source/config/paths.js';
import {openEmbedded} from '../../source/db/embedded.js';

/**
 * A process that opens one embedded data directory and holds it: the contender in the lock
 * tests. It says `ready` once loaded, waits for a line on stdin (so many of them try at the same
 * moment), then prints `opened <pid>` and holds the database until stdin ends — or prints
 * `refused <message>` and exits 1.
 */
const paths = dataPaths(process.argv[2]!);
process.stdin.setEncoding('utf8');
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
try {
	const db = await openEmbedded(paths);
	await db.sql`select 1`;
	process.stdout.write(`opened ${process.pid}\n`);
	await new Promise((resolve) => {
		process.stdin.once('end', resolve);
		process.stdin.resume();
	});
	await db.close();
	process.exit(0);
} catch (error) {
	process.stdout.write(`refused ${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
}
