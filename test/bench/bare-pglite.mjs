// The floor for the embedded database figures: a bare PGlite open of a data directory and one
// query (the provider list's first window). Usage: node bare-pglite.mjs PGDATA. Prints
// "bare-pglite ready N" when the rows are in. With --create it only creates a new PGDATA (initdb).
import {PGlite} from '@electric-sql/pglite';

const db = await PGlite.create({dataDir: process.argv[2]});
if (process.argv[3] === '--create') {
	await db.close();
	process.exit(0);
}
const result = await db.query('select p.id, p.name, p.type, (select count(*) from models m where m.provider_id = p.id) as models from providers p order by lower(p.name), p.id limit 40');
const count = await db.query('select count(*)::int as n from providers');
process.stdout.write(`bare-pglite ready ${result.rows.length}/${count.rows[0].n}\n`);
await db.close();
