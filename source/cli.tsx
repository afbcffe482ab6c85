import {processIo} from './cli/io.js';
import {main} from './cli/main.js';

const code = await main(process.argv.slice(2), processIo());
process.exitCode = code;
// A headless command is done here; a handle someone forgot to close must not keep a script waiting.
setTimeout(() => process.exit(code), 3000).unref();
