// The floor for the dashboard's screen figures: a trivial full-screen Ink 6 app, bundled the same
// way as the product (test/bench/bundle.mjs) — alternate screen, a root one row shorter than the
// terminal, a header, a windowed list of 200 rows that j/k move through, a hint bar. q quits.
import {Box, render, Text, useApp, useInput, useStdout} from 'ink';
import {useState} from 'react';

const rows = Array.from({length: 200}, (_, i) => `row-${String(i + 1).padStart(4, '0')}  trivial item`);

function Trivial() {
	const {stdout} = useStdout();
	const {exit} = useApp();
	const [selected, setSelected] = useState(0);
	useInput((input) => {
		if (input === 'j') setSelected((s) => Math.min(rows.length - 1, s + 1));
		if (input === 'k') setSelected((s) => Math.max(0, s - 1));
		if (input === 'q') exit();
	});
	const height = (stdout.rows || 24) - 1;
	const visible = Math.max(1, height - 4);
	const top = Math.max(0, selected - visible + 1);
	return (
		<Box flexDirection="column" height={height} width={stdout.columns || 80}>
			<Text bold>Trivial bench app · {rows.length} rows</Text>
			<Box flexDirection="column" borderStyle="round" flexGrow={1}>
				{rows.slice(top, top + visible - 2).map((row, i) => (
					<Text key={row} inverse={top + i === selected}>
						{top + i === selected ? '›' : ' '} {row}
					</Text>
				))}
			</Box>
			<Text dimColor>j/k move · q quit · selected {selected + 1}</Text>
		</Box>
	);
}

process.stdout.write('\u001B[?1049h');
const app = render(<Trivial />, {exitOnCtrlC: true, patchConsole: false});
await app.waitUntilExit();
process.stdout.write('\u001B[?1049l');
process.exit(0);
