import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'import-env',
	summary: '',
	help: 'Usage: eval752 import-env',
	async run() {
		throw new UserError('eval752 import-env is not available in this build');
	},
};
