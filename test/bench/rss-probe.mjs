// Loaded with `node --import` by the bench: at exit, the process's peak RSS (KB) goes to
// $BENCH_RSS_FILE. Public Node API only (process.resourceUsage).
import fs from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => fs.writeFileSync(file, String(process.resourceUsage().maxRSS)));
