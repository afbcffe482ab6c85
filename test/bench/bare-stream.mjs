// The floor for the streaming figures: the bare `openai` SDK streaming loop, writing each delta to
// stdout. Usage: node bare-stream.mjs BASE_URL MODEL RESULT_FILE. Writes {cpuMs, wallMs, chunks}
// of the stream (request to last chunk) as JSON to RESULT_FILE.
import fs from 'node:fs';
import OpenAI from 'openai';

const [baseURL, model, resultFile] = process.argv.slice(2);
const client = new OpenAI({baseURL, apiKey: 'sk-fake-bench-bare-loop-0000000000', maxRetries: 0, logLevel: 'off'});
const cpu = process.cpuUsage();
const started = performance.now();
let chunks = 0;
const stream = await client.chat.completions.create({model, messages: [{role: 'user', content: 'Say hello.'}], stream: true, stream_options: {include_usage: true}});
for await (const chunk of stream) {
	const delta = chunk.choices[0]?.delta?.content;
	if (delta) {
		process.stdout.write(delta);
		chunks++;
	}
}
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
fs.writeFileSync(resultFile, JSON.stringify({cpuMs: (used.user + used.system) / 1000, wallMs, chunks}));
