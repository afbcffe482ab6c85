import type {Io} from '../cli/io.js';

export async function runDashboard(_options: {readOnly: boolean}, io: Io): Promise<number> {
	io.stderr.write('eval752: the dashboard is not built yet\n');
	return 1;
}
