import {UserError} from '../../errors.js';
import type {Command} from '../registry.js';

export const command: Command = {
	name: 'smoke',
	summary: '',
	help: 'Usage: eval752 smoke',
	async run() {
		throw new UserError('eval752 smoke is not available in this build');
	},
};
