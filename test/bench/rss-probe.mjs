// Loaded with `node --import` by the bench: at exit, one line "PID PPID peak-RSS-KB" is appended
// to $BENCH_RSS_FILE. Public Node API only (process.resourceUsage).
import fs from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => fs.appendFileSync(file, `${process.pid} ${process.ppid} ${process.resourceUsage().maxRSS}\n`));
