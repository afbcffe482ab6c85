import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'rekey',
	summary: '',
	help: 'Usage: eval752 rekey',
	async run() {
		throw new UserError('eval752 rekey is not available in this build');
	},
};
