import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'backup',
	summary: '',
	help: 'Usage: eval752 backup',
	async run() {
		throw new UserError('eval752 backup is not available in this build');
	},
};
