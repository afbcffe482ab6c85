import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'status',
	summary: '',
	help: 'Usage: eval752 status',
	async run() {
		throw new UserError('eval752 status is not available in this build');
	},
};
