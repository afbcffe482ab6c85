// First: the SIGUSR1 guard is in place before anything else of ours runs (see harden.ts).
import {exposure} from './harden.js';
import {processIo} from './cli/io.js';
import {main} from './cli/main.js';

const exposed = exposure();
if (exposed) {
	process.stderr.write(`eval752: ${exposed}\n`);
	process.exit(2);
}

// A reader that stops early (`eval752 status --json | head`) closes the pipe: stop writing, quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code !== 'EPIPE') throw error;
	process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

const code = await main(process.argv.slice(2), processIo());
process.exitCode = code;
// A headless command is done here; a handle someone forgot to close must not keep a script waiting.
setTimeout(() => process.exit(code), 3000).unref();
